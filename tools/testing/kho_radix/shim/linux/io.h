/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Physical" addresses in the harness are virtual addresses with a high bit
 * flipped: never dereferenceable, so code that stores or follows the wrong
 * kind of address crashes under ASan instead of passing by accident.
 */
#ifndef KHO_SHIM_LINUX_IO_H
#define KHO_SHIM_LINUX_IO_H

#include <linux/types.h>

#define KHO_SHIM_PHYS_FLIP	(1ULL << 62)

static inline phys_addr_t virt_to_phys(const volatile void *addr)
{
	return (phys_addr_t)(uintptr_t)addr ^ KHO_SHIM_PHYS_FLIP;
}

static inline void *phys_to_virt(phys_addr_t phys)
{
	return (void *)(uintptr_t)(phys ^ KHO_SHIM_PHYS_FLIP);
}

#endif
