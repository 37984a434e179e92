/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the KUnit suites "kho_radix" and "kho" reach inside KHO, and nothing
 * else should. It exists only in kernels built with one of the suites
 * (CONFIG_KHO_KUNIT_HOOKS), and is exported to the KUnit namespace only.
 */
#ifndef LINUX_KHO_KUNIT_HOOKS_H
#define LINUX_KHO_KUNIT_HOOKS_H

#include <linux/types.h>

struct task_struct;

/**
 * struct kho_radix_fault - A tree page allocation that a test makes fail.
 * @task:      the task whose allocations count; those of any other task
 *             are neither counted nor failed, so KHO users elsewhere in the
 *             kernel never see an injected failure.
 * @fail_nth:  the allocation of @task that fails, counting from 1 after
 *             arming; 0 for none.
 * @call_nth:  the allocation of @task before which @call runs, counting
 *             from 1; 0 for none.
 * @call:      run with @data before allocation @call_nth is attempted, at a
 *             point where the tree lock is not held, so that it may change
 *             the tree as a concurrent user would. Its own allocations are
 *             counted (and may fail) as the ones after @call_nth.
 * @data:      passed to @call.
 * @allocs:    allocations @task attempted since arming, failed ones
 *             included. Filled in by kho_radix_fault_disarm().
 * @frees:     tree pages @task freed since arming. Filled in by
 *             kho_radix_fault_disarm().
 */
struct kho_radix_fault {
	struct task_struct *task;
	unsigned int fail_nth;
	unsigned int call_nth;
	void (*call)(void *data);
	void *data;
	unsigned int allocs;
	unsigned int frees;
};

#ifdef CONFIG_KHO_KUNIT_HOOKS
/* kho_radix_tree.c */
void kho_radix_fault_arm(const struct kho_radix_fault *fault);
void kho_radix_fault_disarm(struct kho_radix_fault *fault);
#endif

#endif /* LINUX_KHO_KUNIT_HOOKS_H */
