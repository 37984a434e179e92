/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's input format, shared by the target (fuzz_in_check.c) and the
 * seed generator (corpus_gen.c): a small machine. All numbers are little
 * endian.
 *
 *   header, FUZZ_HDR_BYTES:
 *     u8  pages      image pages: 1 + pages % FUZZ_MAX_PAGES
 *     u8  flags      bits 0-1: what the pages' storage holds before vetting
 *                    (FUZZ_GARBAGE_*)
 *     u16 budget     0: the RAM pages of the image; else budget - 1
 *     u8  busy       kho_in_busy()'s unit: 1 << (PAGE_SHIFT + busy % 52)
 *     u8  fdt_pages  pages of the FDT, fdt_pages % 5; 0: none
 *     u16 unused
 *     u64 phys_base  physical address of image page 0; rounded down to a
 *                    page and lowered so that the image ends by 2^64
 *     u64 root       the root: phys_base + root
 *     u64 fdt        the FDT: the image's end + fdt, rounded down to a page
 *     u64 seed       for random storage
 *     FUZZ_SPANS x { u64 start, u64 size, u8 kind }: memory painted in
 *                    order, raw addresses, FUZZ_KIND_* (others: usable)
 *     u8  kinds[FUZZ_MAX_PAGES / 2]: the kind of image page p in the low
 *                    (even p) or high (odd p) nibble, painted last
 *   then records of FUZZ_REC_BYTES, a partial last one ignored:
 *     u32 pos        bits 0-29: u64 word of the image, modulo its size;
 *                    bit 30: instead, the storage word of image page
 *                    pos % pages; bit 31: the value is relative to phys_base
 *     u64 value      stored there (phys_base + value if relative)
 *
 * Outside the spans and the image there is no RAM. The image starts all
 * zero; later records overwrite earlier ones. So a tree is a root plus a
 * handful of non-zero words, and mutations can move pointers (relative) or
 * flip key bits (raw) alike; blocks may lie anywhere, in the image or in
 * the spans.
 */
#ifndef KHO_FUZZ_INPUT_H
#define KHO_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/types.h>

#define FUZZ_MAX_PAGES	64
#define FUZZ_SPANS	4
#define FUZZ_SPAN_BYTES	17
#define FUZZ_HDR_BYTES	(40 + FUZZ_SPANS * FUZZ_SPAN_BYTES + FUZZ_MAX_PAGES / 2)
#define FUZZ_REC_BYTES	12
#define FUZZ_REL	0x80000000u
#define FUZZ_STORAGE	0x40000000u

enum fuzz_garbage {
	FUZZ_GARBAGE_ZERO,
	FUZZ_GARBAGE_ONES,
	FUZZ_GARBAGE_RANDOM,
	FUZZ_GARBAGE_MARKS,	/* tagged like a position mark, random inside */
};

enum fuzz_kind {
	FUZZ_KIND_OK,
	FUZZ_KIND_HOLE,
	FUZZ_KIND_NOMAP,
	FUZZ_KIND_SCRATCH,
	FUZZ_KIND_IMAGE,	/* usable RAM, the kernel's image */
	FUZZ_KIND_RESERVED,	/* usable RAM, reserved before vetting */
};

struct fuzz_span {
	u64 start;
	u64 size;
	unsigned int kind;
};

struct fuzz_hdr {
	unsigned int pages;
	unsigned int garbage;
	unsigned int budget;
	unsigned int busy;
	unsigned int fdt_pages;
	u64 phys_base;
	u64 root;
	u64 fdt;
	u64 seed;
	struct fuzz_span spans[FUZZ_SPANS];
	u8 kind[FUZZ_MAX_PAGES];
};

static inline u64 fuzz_get(const u8 *p, unsigned int bytes)
{
	u64 v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static inline void fuzz_put(u8 *p, u64 v, unsigned int bytes)
{
	for (; bytes--; v >>= 8)
		*p++ = (u8)v;
}

/* Decode the header; false if @size is too small for one. */
static inline bool fuzz_parse_hdr(const u8 *data, size_t size,
				  struct fuzz_hdr *h)
{
	const u8 *span = data + 40;
	unsigned int i;

	if (size < FUZZ_HDR_BYTES)
		return false;
	h->pages = 1 + data[0] % FUZZ_MAX_PAGES;
	h->garbage = data[1] & 3;
	h->budget = fuzz_get(data + 2, 2);
	h->busy = data[4];
	h->fdt_pages = data[5] % 5;
	h->phys_base = fuzz_get(data + 8, 8);
	h->root = fuzz_get(data + 16, 8);
	h->fdt = fuzz_get(data + 24, 8);
	h->seed = fuzz_get(data + 32, 8);
	for (i = 0; i < FUZZ_SPANS; i++, span += FUZZ_SPAN_BYTES) {
		h->spans[i].start = fuzz_get(span, 8);
		h->spans[i].size = fuzz_get(span + 8, 8);
		h->spans[i].kind = span[16];
	}
	for (i = 0; i < FUZZ_MAX_PAGES; i++)
		h->kind[i] = span[i / 2] >> (i % 2 * 4) & 0xf;
	return true;
}

/* Encode @h (pages as 1..FUZZ_MAX_PAGES) into FUZZ_HDR_BYTES at @out. */
static inline void fuzz_put_hdr(u8 *out, const struct fuzz_hdr *h)
{
	u8 *span = out + 40;
	unsigned int i;

	memset(out, 0, FUZZ_HDR_BYTES);
	out[0] = (u8)(h->pages - 1);
	out[1] = (u8)h->garbage;
	fuzz_put(out + 2, h->budget, 2);
	out[4] = (u8)h->busy;
	out[5] = (u8)h->fdt_pages;
	fuzz_put(out + 8, h->phys_base, 8);
	fuzz_put(out + 16, h->root, 8);
	fuzz_put(out + 24, h->fdt, 8);
	fuzz_put(out + 32, h->seed, 8);
	for (i = 0; i < FUZZ_SPANS; i++, span += FUZZ_SPAN_BYTES) {
		fuzz_put(span, h->spans[i].start, 8);
		fuzz_put(span + 8, h->spans[i].size, 8);
		span[16] = (u8)h->spans[i].kind;
	}
	for (i = 0; i < FUZZ_MAX_PAGES; i++)
		span[i / 2] |= (h->kind[i] & 0xf) << (i % 2 * 4);
}

/* fuzz_in_check.c: what the last input came to, for fuzz_replay.c. */
extern char fuzz_last_outcome[256];
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#endif
