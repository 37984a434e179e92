/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_STRING_H
#define KHO_SHIM_LINUX_STRING_H

#include <string.h>
#include <linux/types.h>

/*
 * Address of the first byte of @start that differs from @c, else NULL.
 * Word at a time, like the kernel's, so benchmarks of deletion are fair.
 */
static inline void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;
	unsigned long pattern = 0x0101010101010101UL * (unsigned char)c;
	unsigned long word;

	while (bytes && ((uintptr_t)p & (sizeof(word) - 1))) {
		if (*p != (unsigned char)c)
			return (void *)p;
		p++;
		bytes--;
	}
	while (bytes >= sizeof(word)) {
		memcpy(&word, p, sizeof(word));
		if (word != pattern)
			break;
		p += sizeof(word);
		bytes -= sizeof(word);
	}
	for (; bytes; p++, bytes--)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

#endif
