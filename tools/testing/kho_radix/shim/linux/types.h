/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tools/include's types, and DECLARE_BITMAP(), which the kernel's
 * <linux/types.h> has and tools/include keeps in <linux/bitmap.h>.
 */
#ifndef KHO_SHIM_LINUX_TYPES_H
#define KHO_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>

#ifndef DECLARE_BITMAP
#define DECLARE_BITMAP(name, bits) \
	unsigned long name[BITS_TO_LONGS(bits)]
#endif

#endif
