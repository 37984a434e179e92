/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one task of the harness, with the fault-injection framework's fail-nth:
 * the allocator in shim.c fails the allocation that counts it down to zero,
 * as should_fail() does in the kernel.
 */
#ifndef KHO_SHIM_LINUX_SCHED_H
#define KHO_SHIM_LINUX_SCHED_H

struct task_struct {
	unsigned int fail_nth;
};

extern struct task_struct kho_shim_task;
#define current	(&kho_shim_task)

#endif
