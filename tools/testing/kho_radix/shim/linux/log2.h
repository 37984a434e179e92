/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_LOG2_H
#define KHO_SHIM_LINUX_LOG2_H

#include <linux/bitops.h>

/* GCC folds the builtin, so this stays an integer constant expression. */
#define const_ilog2(n)	(63 - __builtin_clzll(n))
/* Like the kernel's, undefined for 0. */
#define ilog2(n)	const_ilog2(n)

#endif
