/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_BITMAP_H
#define KHO_SHIM_LINUX_BITMAP_H

#include <linux/bitops.h>

/* Whole words only: every bitmap in the tree is a multiple of a word. */
static inline unsigned long bitmap_weight(const unsigned long *map,
					  unsigned long nbits)
{
	unsigned long i, weight = 0;

	for (i = 0; i < BITS_TO_LONGS(nbits); i++)
		weight += __builtin_popcountl(map[i]);
	return weight;
}

static inline bool bitmap_empty(const unsigned long *map, unsigned long nbits)
{
	return find_first_bit(map, nbits) >= nbits;
}

#endif
