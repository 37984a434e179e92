/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_EXPORT_H
#define KHO_SHIM_LINUX_EXPORT_H

#include <linux/build_bug.h>

/*
 * Nothing to export in userspace: a declaration that checks that the symbol
 * exists, so the caller's trailing semicolon is legal.
 */
#define EXPORT_SYMBOL_GPL(sym)	static_assert(!__builtin_types_compatible_p(__typeof__(sym), void))

#endif
