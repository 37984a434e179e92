/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Physical" addresses in the harness are virtual addresses with a high bit
 * flipped: never dereferenceable, so code that stores or follows the wrong
 * kind of address crashes under ASan instead of passing by accident.
 *
 * kho_shim_phys_delta (0 unless a test sets it) moves the whole physical
 * space: phys = (virt ^ flip) - delta. The fuzzer uses it to make a chosen
 * physical address land on its memory image. Builds with
 * KHO_SHIM_PHYS_CHECK also pass every address turned into a pointer to
 * kho_shim_phys_check(), which the fuzzer uses to fail on any address that
 * its simulated machine does not back.
 */
#ifndef KHO_SHIM_LINUX_IO_H
#define KHO_SHIM_LINUX_IO_H

#include <linux/bits.h>
#include <linux/types.h>

#define KHO_SHIM_PHYS_FLIP	BIT_ULL(62)

extern u64 kho_shim_phys_delta;
#ifdef KHO_SHIM_PHYS_CHECK
void kho_shim_phys_check(phys_addr_t phys);
#endif

static inline phys_addr_t virt_to_phys(const void *addr)
{
	return ((phys_addr_t)(uintptr_t)addr ^ KHO_SHIM_PHYS_FLIP) -
	       kho_shim_phys_delta;
}

static inline void *phys_to_virt(phys_addr_t phys)
{
#ifdef KHO_SHIM_PHYS_CHECK
	kho_shim_phys_check(phys);
#endif
	return (void *)(uintptr_t)((phys + kho_shim_phys_delta) ^
				   KHO_SHIM_PHYS_FLIP);
}

#endif
