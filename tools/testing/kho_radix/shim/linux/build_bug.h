/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_BUILD_BUG_H
#define KHO_SHIM_LINUX_BUILD_BUG_H

/* The kernel's static_assert() takes an optional message; C11's does not. */
#undef static_assert
#define static_assert(expr, ...) _Static_assert(expr, "" __VA_ARGS__)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)

#endif
