/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include's bitops, and the kernel's __ffs64(), which it lacks. */
#ifndef KHO_SHIM_LINUX_BITOPS_H
#define KHO_SHIM_LINUX_BITOPS_H

#include_next <linux/bitops.h>

/* Harness builds are 64-bit only: a u64 is an unsigned long. */
static inline unsigned int __ffs64(u64 word)
{
	return __ffs((unsigned long)word);
}

#endif
