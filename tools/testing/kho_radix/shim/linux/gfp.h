/* SPDX-License-Identifier: GPL-2.0 */
/* Page allocation, implemented by the harness in shim.c. */
#ifndef KHO_SHIM_LINUX_GFP_H
#define KHO_SHIM_LINUX_GFP_H

#include <linux/types.h>

typedef unsigned int __bitwise gfp_t;

#define GFP_KERNEL	((gfp_t)0x1)

unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);

#endif
