/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include's log2 helpers, and the kernel's const_ilog2(), which it lacks. */
#ifndef KHO_SHIM_LINUX_LOG2_H
#define KHO_SHIM_LINUX_LOG2_H

#include_next <linux/log2.h>

/* GCC folds the builtin, so this stays an integer constant expression. */
#define const_ilog2(n)	(63 - __builtin_clzll(n))

#endif
