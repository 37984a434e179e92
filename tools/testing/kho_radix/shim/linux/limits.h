/* SPDX-License-Identifier: GPL-2.0 */
#include_next <linux/limits.h>

#ifndef KHO_SHIM_LINUX_LIMITS_H
#define KHO_SHIM_LINUX_LIMITS_H

#define PHYS_ADDR_MAX	(~(phys_addr_t)0)

#endif
