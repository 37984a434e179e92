/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attributes the kernel's build makes visible everywhere, by passing
 * -include linux/compiler_types.h to every compilation; the harness does the
 * same with this file.
 */
#ifndef KHO_SHIM_LINUX_COMPILER_TYPES_H
#define KHO_SHIM_LINUX_COMPILER_TYPES_H

#define noinline	__attribute__((__noinline__))
#define __always_inline	inline __attribute__((__always_inline__))

#endif
