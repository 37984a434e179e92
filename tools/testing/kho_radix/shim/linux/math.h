/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_MATH_H
#define KHO_SHIM_LINUX_MATH_H

#include <linux/types.h>

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#endif
