/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_BITS_H
#define KHO_SHIM_LINUX_BITS_H

#include <linux/types.h>

#define BITS_PER_BYTE	8
#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))
#define BIT_MASK(nr)	(1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)	((nr) / BITS_PER_LONG)

#endif
