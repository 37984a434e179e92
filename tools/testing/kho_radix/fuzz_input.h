/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fuzzer's input format, shared by the target (fuzz_in_check.c) and the
 * seed generator (corpus_gen.c). All numbers are little endian.
 *
 *   header, FUZZ_HDR_BYTES:
 *     u8  pages      image pages: 1 + pages % FUZZ_MAX_PAGES
 *     u8  fail_at    0, or fail the fail_at-th allocation of the env
 *     u16 budget     0: env->ram_pages is the number of RAM pages;
 *                    else budget - 1
 *     u64 phys_base  physical address of image page 0; rounded down to a
 *                    page and lowered so that the image ends by 2^64
 *     u64 root       the root handed to the validator: phys_base + root
 *     u64 ram        bit p: image page p is RAM (nothing outside is)
 *     u64 forbidden  bit p: image page p is forbidden ("scratch")
 *   then records of FUZZ_REC_BYTES, a partial last one ignored:
 *     u32 pos        bits 0-30: u64 word of the image, modulo its size;
 *                    bit 31: the value is relative to phys_base
 *     u64 value      stored at that word (phys_base + value if relative)
 *
 * The image starts all zero; later records overwrite earlier ones. So a
 * tree is a root plus a handful of non-zero words, which keeps inputs short
 * and lets mutations move pointers (relative) or flip key bits (raw) alike.
 */
#ifndef KHO_FUZZ_INPUT_H
#define KHO_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FUZZ_MAX_PAGES	64
#define FUZZ_HDR_BYTES	36
#define FUZZ_REC_BYTES	12
#define FUZZ_REL	0x80000000u
#define FUZZ_SCRATCH	"scratch"

struct fuzz_hdr {
	unsigned int pages;
	unsigned int fail_at;
	unsigned int budget;
	uint64_t phys_base;
	uint64_t root;
	uint64_t ram;
	uint64_t forbidden;
};

static inline uint64_t fuzz_get(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

static inline void fuzz_put(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (; bytes--; v >>= 8)
		*p++ = (uint8_t)v;
}

/* Decode the header; false if @size is too small for one. */
static inline bool fuzz_parse_hdr(const uint8_t *data, size_t size,
				  struct fuzz_hdr *h)
{
	if (size < FUZZ_HDR_BYTES)
		return false;
	h->pages = 1 + data[0] % FUZZ_MAX_PAGES;
	h->fail_at = data[1];
	h->budget = fuzz_get(data + 2, 2);
	h->phys_base = fuzz_get(data + 4, 8);
	h->root = fuzz_get(data + 12, 8);
	h->ram = fuzz_get(data + 20, 8);
	h->forbidden = fuzz_get(data + 28, 8);
	return true;
}

/* Encode @h (pages as 1..FUZZ_MAX_PAGES) into FUZZ_HDR_BYTES at @out. */
static inline void fuzz_put_hdr(uint8_t *out, const struct fuzz_hdr *h)
{
	out[0] = (uint8_t)(h->pages - 1);
	out[1] = (uint8_t)h->fail_at;
	fuzz_put(out + 2, h->budget, 2);
	fuzz_put(out + 4, h->phys_base, 8);
	fuzz_put(out + 12, h->root, 8);
	fuzz_put(out + 20, h->ram, 8);
	fuzz_put(out + 28, h->forbidden, 8);
}

/* fuzz_in_check.c: the outcome of the last input, for fuzz_replay.c. */
extern int fuzz_last_err;
extern const char *fuzz_last_why;
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
