/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel type names on top of the system's uapi <linux/types.h>. */
#ifndef KHO_SHIM_LINUX_TYPES_H
#define KHO_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef u64 phys_addr_t;

#define BITS_PER_LONG		(8 * __SIZEOF_LONG__)
#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, nbits) unsigned long name[BITS_TO_LONGS(nbits)]

#endif
