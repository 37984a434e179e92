/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_MUTEX_TYPES_H
#define KHO_SHIM_LINUX_MUTEX_TYPES_H

/* Not a lock: a checker of lock/unlock pairing (the harness is single-threaded). */
struct mutex {
	int held;
	const void *magic;	/* the mutex itself once initialised, as with DEBUG_MUTEXES */
};

#endif
