/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/include's <linux/mutex.h> is empty. These are checked by the harness
 * in shim.c: see kho_shim.h.
 */
#ifndef KHO_SHIM_LINUX_MUTEX_H
#define KHO_SHIM_LINUX_MUTEX_H

#include_next <linux/mutex.h>
#include <stdbool.h>
#include <linux/mutex_types.h>

void mutex_init(struct mutex *lock);
void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

static inline bool mutex_is_locked(struct mutex *lock)
{
	return lock->held;
}

#endif
