/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_SORT_H
#define KHO_SHIM_LINUX_SORT_H

#include <stdlib.h>
#include <linux/types.h>

typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_func_t)(void *a, void *b, int size);

/*
 * The C library's sort stands in for the kernel's heapsort: same contract
 * (unstable, @swap_func NULL means a plain byte swap). qsort() must not see a
 * NULL array, even an empty one, so short arrays return early.
 */
static inline void sort(void *base, size_t num, size_t size,
			cmp_func_t cmp_func, swap_func_t swap_func)
{
	if (swap_func)
		abort();	/* nothing in the tree code passes one */
	if (num > 1)
		qsort(base, num, size, cmp_func);
}

#endif
