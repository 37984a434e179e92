/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include has min() and max() in <linux/kernel.h>, and no swap(). */
#ifndef KHO_SHIM_LINUX_MINMAX_H
#define KHO_SHIM_LINUX_MINMAX_H

#include <linux/kernel.h>

#define swap(a, b)	do { typeof(a) __sw = (a); (a) = (b); (b) = __sw; } while (0)

#endif
