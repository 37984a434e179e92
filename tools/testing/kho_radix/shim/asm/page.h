/* SPDX-License-Identifier: GPL-2.0 */
/* Page geometry for the harness; the Makefile builds several page sizes. */
#ifndef KHO_SHIM_ASM_PAGE_H
#define KHO_SHIM_ASM_PAGE_H

#include <linux/bits.h>

#ifndef KHO_SHIM_PAGE_SHIFT
#define KHO_SHIM_PAGE_SHIFT 12
#endif

#define PAGE_SHIFT	KHO_SHIM_PAGE_SHIFT
#define PAGE_SIZE	BIT(PAGE_SHIFT)

#endif
