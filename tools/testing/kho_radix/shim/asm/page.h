/* SPDX-License-Identifier: GPL-2.0 */
/* Page geometry for the harness; the Makefile builds several page sizes. */
#ifndef KHO_SHIM_ASM_PAGE_H
#define KHO_SHIM_ASM_PAGE_H

#ifndef KHO_SHIM_PAGE_SHIFT
#define KHO_SHIM_PAGE_SHIFT 12
#endif

#define PAGE_SHIFT	KHO_SHIM_PAGE_SHIFT
#define PAGE_SIZE	(1UL << PAGE_SHIFT)

#endif
