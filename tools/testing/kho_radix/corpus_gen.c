// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the fuzzer's seed corpus (4 KiB pages): small valid trees and one
 * damaged tree or machine per kind of refusal. Trees are built with the
 * real kho_radix_add_key() and then laid out in the input's image, their
 * pages renumbered; blocks sit in image pages 32 and up, tree pages below,
 * or in a span of RAM outside the image (SPAN).
 *
 *   corpus-gen DIR
 *
 * Each file is named OUTCOME--WHAT, where OUTCOME is what fuzz-replay must
 * see (fuzz_replay.c). The output is the same on every run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/array_size.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>

#include "fuzz_input.h"

#define WPP		(PAGE_SIZE / sizeof(u64))	/* words per page */
#define GIB		BIT_ULL(30)
#define TOP_BASE	(0 - (u64)FUZZ_MAX_PAGES * PAGE_SIZE)
/* RAM outside the image, for large blocks and the FDT. */
#define SPAN		(16 * GIB)
#define SPAN_SIZE	(2 * GIB)

struct blk {
	unsigned int page;	/* image page of the block's start, or SPAN_PAGE + n */
	unsigned int order;
};

/* Pages from here on are pages of SPAN, not of the image. */
#define SPAN_PAGE	BIT(20)

/* The seed being made: header and image, each word raw or base-relative. */
static struct {
	struct fuzz_hdr h;
	u64 img[FUZZ_MAX_PAGES * WPP];
	bool rel[FUZZ_MAX_PAGES * WPP];
	unsigned int root;		/* image page of the root */
	unsigned int next;		/* next image page for a tree page */
	unsigned int limit;		/* first page not for tree pages */
	unsigned long tree_pages, preserved;
} s;

static const char *outdir;
static unsigned int written;

static void die(const char *what)
{
	fprintf(stderr, "corpus-gen: %s\n", what);
	exit(1);
}

static u64 page_phys(unsigned int page)
{
	if (page >= SPAN_PAGE)
		return SPAN + (u64)(page - SPAN_PAGE) * PAGE_SIZE;
	return s.h.phys_base + (u64)page * PAGE_SIZE;
}

static unsigned long key_of(unsigned int page, unsigned int order)
{
	unsigned long key = kho_radix_encode_key(page_phys(page), order);

	if (!key)
		die("block without a key");
	return key;
}

static void seed_init(u64 base, unsigned int pages)
{
	memset(&s, 0, sizeof(s));
	s.h.pages = pages;
	s.h.phys_base = base;
	s.h.garbage = FUZZ_GARBAGE_RANDOM;
	s.h.seed = 0x5eed;
	s.h.spans[0] = (struct fuzz_span){ SPAN, SPAN_SIZE, FUZZ_KIND_OK };
	s.limit = 32;
}

static unsigned int index_at(unsigned long key, unsigned int level)
{
	return (key >> kho_radix_level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
}

static unsigned int take_page(void)
{
	if (s.next == s.root)
		s.next++;
	if (s.next >= s.limit)
		die("tree needs too many pages");
	s.tree_pages++;
	return s.next++;
}

struct pages_seen {
	phys_addr_t phys[64];
	unsigned int level[64];
	unsigned int nr;
};

static int note_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct pages_seen *ps = data;

	if (ps->nr == 64)
		die("tree too large");
	ps->phys[ps->nr] = phys;
	ps->level[ps->nr++] = level;
	return 0;
}

/*
 * Build a tree of @blks with the real tree code and lay it out in the image:
 * the root at image page @root, the other pages from page 0 (or 1) up in
 * walk order.
 */
static void build(const struct blk *blks, unsigned int nr, unsigned int root)
{
	const struct kho_radix_walk_cb cb = { .node = note_page };
	unsigned int page_of[64], i, j, k;
	struct kho_radix_tree tree;
	struct pages_seen ps = {};

	if (kho_radix_tree_init(&tree))
		die("no memory");
	for (i = 0; i < nr; i++) {
		if (kho_radix_add_key(&tree, key_of(blks[i].page, blks[i].order)))
			die("add failed");
		s.preserved += 1UL << blks[i].order;
	}
	if (kho_radix_walk_tree(&tree, &cb, &ps))
		die("walk failed");

	s.root = root;
	s.next = root ? 0 : 1;
	s.h.root = (u64)root * PAGE_SIZE;
	page_of[0] = root;
	s.tree_pages = 1;
	for (i = 1; i < ps.nr; i++)
		page_of[i] = take_page();

	for (i = 0; i < ps.nr; i++) {
		const u64 *src = phys_to_virt(ps.phys[i]);
		u64 *dst = &s.img[page_of[i] * WPP];

		for (j = 0; j < WPP; j++) {
			if (!src[j])
				continue;
			if (!ps.level[i]) {
				dst[j] = src[j];
				continue;
			}
			for (k = 0; k < ps.nr && ps.phys[k] != src[j]; k++)
				;
			if (k == ps.nr)
				die("entry to an unknown page");
			dst[j] = (u64)page_of[k] * PAGE_SIZE;
			s.rel[page_of[i] * WPP + j] = true;
		}
	}
	kho_radix_tree_destroy(&tree);
}

/* The image word of the entry at @level (1..top) on @key's path. */
static unsigned int entry_word(unsigned long key, unsigned int level)
{
	unsigned int page = s.root, l;

	for (l = KHO_RADIX_TOP_LEVEL; l > level; l--) {
		unsigned int w = page * WPP + index_at(key, l);

		if (!s.rel[w])
			die("no such path");
		page = s.img[w] / PAGE_SIZE;
	}
	return page * WPP + index_at(key, level);
}

/* The image page at @level (0..top) on @key's path. */
static unsigned int page_at(unsigned long key, unsigned int level)
{
	return level == KHO_RADIX_TOP_LEVEL ? s.root :
	       s.img[entry_word(key, level + 1)] / PAGE_SIZE;
}

/* Set @key's bit, making the missing pages of its path by hand. */
static void hand_key(unsigned long key)
{
	unsigned int page = s.root, level, w;

	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		w = page * WPP + index_at(key, level);
		if (!s.rel[w]) {
			s.img[w] = (u64)take_page() * PAGE_SIZE;
			s.rel[w] = true;
		}
		page = s.img[w] / PAGE_SIZE;
	}
	w = page * WPP + (key & (KHO_RADIX_LEAF_BITS - 1)) / 64;
	s.img[w] |= 1ULL << (key % 64);
}

/* Preset the storage word of image page @page. */
static unsigned int nr_storage;
static struct {
	unsigned int page;
	u64 value;
} storage[FUZZ_MAX_PAGES];

static void preset_storage(unsigned int page, u64 value)
{
	storage[nr_storage].page = page;
	storage[nr_storage++].value = value;
}

/* The budget that is exactly enough for the tree and its blocks. */
static unsigned int exact_budget(void)
{
	return s.tree_pages + 1;
}

static void emit(const char *name)
{
	u8 buf[FUZZ_HDR_BYTES + FUZZ_REC_BYTES * 512], *p = buf;
	char path[4096];
	unsigned int w;
	FILE *f;

	fuzz_put_hdr(p, &s.h);
	p += FUZZ_HDR_BYTES;
	for (w = 0; w < s.h.pages * WPP; w++) {
		if (!s.img[w] && !s.rel[w])
			continue;
		if (p + FUZZ_REC_BYTES > buf + sizeof(buf))
			die("seed too large");
		fuzz_put(p, w | (s.rel[w] ? FUZZ_REL : 0), 4);
		fuzz_put(p + 4, s.img[w], 8);
		p += FUZZ_REC_BYTES;
	}
	for (w = 0; w < nr_storage; w++, p += FUZZ_REC_BYTES) {
		fuzz_put(p, storage[w].page | FUZZ_STORAGE, 4);
		fuzz_put(p + 4, storage[w].value, 8);
	}
	nr_storage = 0;
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, p - buf, f) != (size_t)(p - buf) || fclose(f))
		die(path);
	written++;
}

/* Orders 0 to 3, some adjacent (one run), in image pages 32 to 63. */
static const struct blk mixed[] = {
	{ 32, 3 }, { 40, 0 }, { 41, 0 }, { 42, 0 }, { 44, 1 }, { 48, 2 },
	{ 60, 0 }, { 62, 1 },
};

static void mixed_tree(void)
{
	seed_init(GIB, 64);
	build(mixed, ARRAY_SIZE(mixed), 0);
}

static void valid_seeds(void)
{
	static const struct blk one[] = { { 40, 0 } };
	static const struct blk few[] = { { 16, 2 }, { 20, 0 }, { 22, 1 } };
	static const struct blk top[] = { { 40, 0 }, { 42, 1 }, { 56, 2 }, { 62, 0 } };
	static const struct blk big[] = {
		{ SPAN_PAGE, 18 }, { SPAN_PAGE + (GIB >> PAGE_SHIFT), 9 }, { 40, 0 },
	};
	struct blk dense[18];
	unsigned int i, w;

	seed_init(GIB, 1);
	build(NULL, 0, 0);
	emit("ok--empty");

	seed_init(GIB, 64);
	build(one, 1, 0);
	emit("ok--one-page");

	mixed_tree();
	emit("ok--mixed-orders");

	for (i = 0; i < 16; i++)
		dense[i] = (struct blk){ 32 + i, 0 };
	dense[16] = (struct blk){ 50, 0 };
	dense[17] = (struct blk){ 52, 0 };
	seed_init(GIB, 64);
	build(dense, 18, 0);
	emit("ok--dense-run");

	/* The top of the physical space: the widest keys of each order. */
	seed_init(TOP_BASE, 64);
	build(top, ARRAY_SIZE(top), 0);
	emit("ok--top-of-space");

	/* Physical address 0 is the root (an entry of 0 would mean empty). */
	seed_init(0, 64);
	build(mixed, ARRAY_SIZE(mixed), 0);
	emit("ok--base-zero");

	seed_init(GIB, 64);
	build(mixed, ARRAY_SIZE(mixed), 20);
	emit("ok--root-in-middle");

	seed_init(GIB, 24);
	build(few, ARRAY_SIZE(few), 0);
	emit("ok--small-image");

	mixed_tree();
	s.h.budget = exact_budget();
	emit("ok--exact-budget");

	/* No keys, but 40 empty leaves below one table. */
	seed_init(GIB, 64);
	build(NULL, 0, 0);
	s.limit = 64;
	hand_key(BIT(KHO_RADIX_KEY_WIDTH - 1));
	w = entry_word(BIT(KHO_RADIX_KEY_WIDTH - 1), 1);
	s.img[page_at(BIT(KHO_RADIX_KEY_WIDTH - 1), 0) * WPP] = 0;
	for (i = 1; i < 40; i++) {
		s.img[w + i] = (u64)take_page() * PAGE_SIZE;
		s.rel[w + i] = true;
	}
	emit("ok--many-empty-leaves");

	/* Holes, scratch and NOMAP where neither tree pages nor blocks are. */
	mixed_tree();
	for (i = 28; i < 32; i++)
		s.h.kind[i] = FUZZ_KIND_HOLE;
	for (i = 53; i < 56; i++)
		s.h.kind[i] = FUZZ_KIND_NOMAP;
	for (i = 56; i < 60; i++)
		s.h.kind[i] = FUZZ_KIND_SCRATCH;
	s.h.spans[1] = (struct fuzz_span){ 4 * GIB, GIB, FUZZ_KIND_SCRATCH };
	emit("ok--holes-and-scratch");

	/* Large blocks in the span, the FDT after the image and in a block. */
	seed_init(GIB, 64);
	build(big, ARRAY_SIZE(big), 0);
	s.h.fdt_pages = 2;
	/* Relative to the image's end. */
	s.h.fdt = SPAN + GIB + (4 << 20) - (GIB + 64 * PAGE_SIZE);
	emit("ok--fdt-in-span");
	s.h.fdt = SPAN + PAGE_SIZE - (GIB + 64 * PAGE_SIZE);
	emit("ok--fdt-in-block");

	/* Storage all ones, and marks naming the root's position. */
	mixed_tree();
	s.h.garbage = FUZZ_GARBAGE_ONES;
	emit("ok--storage-ones");
	mixed_tree();
	s.h.garbage = FUZZ_GARBAGE_MARKS;
	for (i = 0; i < 8; i++)
		preset_storage(i, 0xa5UL << 56 | KHO_RADIX_TOP_LEVEL);
	emit("ok--storage-marks");
}

/* The mixed tree with image page @page of @kind. */
static void mixed_kind(unsigned int page, unsigned int kind, const char *name)
{
	mixed_tree();
	s.h.kind[page] = kind;
	emit(name);
}

/* The mixed tree and one block more. */
static void mixed_plus(struct blk b, const char *name)
{
	struct blk extra[ARRAY_SIZE(mixed) + 1];

	memcpy(extra, mixed, sizeof(mixed));
	extra[ARRAY_SIZE(mixed)] = b;
	seed_init(GIB, 64);
	build(extra, ARRAY_SIZE(extra), 0);
	emit(name);
}

static void corrupt_seeds(void)
{
	const unsigned long k40 = key_of(40, 0), k44 = key_of(44, 1);
	const unsigned int wide_idx = 1U << (KHO_RADIX_KEY_WIDTH -
					     kho_radix_level_shift(KHO_RADIX_TOP_LEVEL));
	unsigned int w;

	mixed_tree();
	s.img[entry_word(k40, 2)] += 8;
	emit("entry-not-page-aligned--entry");

	mixed_tree();
	s.h.root = 8;
	emit("root-not-page-aligned--root");

	mixed_tree();
	s.img[entry_word(k40, 1)] = 70 * PAGE_SIZE;
	emit("entry-outside-ram--past-image");

	mixed_tree();
	s.h.kind[page_at(k40, 0)] = FUZZ_KIND_HOLE;
	emit("entry-outside-ram--hole");

	mixed_tree();
	s.h.root = 100 * PAGE_SIZE;
	emit("root-outside-ram--root");

	mixed_tree();
	s.h.kind[page_at(k44, 0)] = FUZZ_KIND_SCRATCH;
	emit("entry-in-scratch-memory--leaf");

	mixed_tree();
	s.h.kind[s.root] = FUZZ_KIND_SCRATCH;
	emit("root-in-scratch-memory--root");

	mixed_tree();
	s.h.kind[page_at(k44, 1)] = FUZZ_KIND_NOMAP;
	emit("entry-outside-the-linear-map--table");

	mixed_tree();
	s.h.kind[page_at(k40, 0)] = FUZZ_KIND_IMAGE;
	emit("entry-over-the-kernel-image--leaf");

	mixed_tree();
	s.h.kind[page_at(k40, 2)] = FUZZ_KIND_RESERVED;
	emit("entry-over-reserved-memory--table");

	mixed_tree();
	w = entry_word(k40, 1);
	s.img[w + 1] = s.img[w];
	s.rel[w + 1] = true;
	emit("entry-reached-twice--shared-leaf");

	mixed_tree();
	w = s.root * WPP + 3;
	s.img[w] = (u64)s.root * PAGE_SIZE;
	s.rel[w] = true;
	emit("entry-reached-twice--cycle");

	mixed_tree();
	w = s.root * WPP + wide_idx;
	s.img[w] = s.img[entry_word(k40, KHO_RADIX_TOP_LEVEL)];
	s.rel[w] = true;
	emit("entry-beyond-the-widest-key--root");

	mixed_tree();
	s.h.budget = exact_budget() - 1;
	emit("entry-past-the-work-limit--one-short");

	mixed_plus((struct blk){ 70, 0 }, "block-outside-ram--past-image");
	mixed_kind(41, FUZZ_KIND_HOLE, "block-outside-ram--hole");
	mixed_kind(42, FUZZ_KIND_SCRATCH, "block-in-scratch-memory--scratch");
	/* The kind reached into; fails while the straddle label bug lasts. */
	mixed_kind(33, FUZZ_KIND_NOMAP, "block-outside-the-linear-map--straddling-label-bug");
	mixed_kind(60, FUZZ_KIND_IMAGE, "block-over-the-kernel-image--image");
	mixed_kind(63, FUZZ_KIND_RESERVED, "block-over-reserved-memory--reserved");
	mixed_plus((struct blk){ 33, 0 }, "block-inside-a-larger-block--order-0-in-order-3");
	mixed_plus((struct blk){ 2, 0 }, "block-holding-a-tree-page--page-2");
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: corpus-gen DIR");
	outdir = argv[1];
	valid_seeds();
	corrupt_seeds();
	printf("corpus-gen: %u seeds in %s\n", written, outdir);
	return 0;
}
