/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include's gfp flags, and the page allocator of the harness (shim.c). */
#ifndef KHO_SHIM_LINUX_GFP_H
#define KHO_SHIM_LINUX_GFP_H

#include_next <linux/gfp.h>

unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);

#endif
