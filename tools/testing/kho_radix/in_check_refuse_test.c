// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_refuse_range() and kho_in_refuse_tree_pages(): every block that
 * overlaps the range (or holds a tree page) is refused, by the kind given,
 * and leaves the tree; blocks that only touch the range stay; the tally
 * counts blocks and pages and names the lowest address; then the sweep
 * keeps everything else (the reference of in_check_util.c checks the whole
 * run where the refusals come from the machine's image and reserved ranges,
 * as kho_in_refuse_used() makes them).
 */
#include <stdlib.h>

#include <asm/page.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "in_check_util.h"

/* @blks in a tree on the standard machine, vetted. */
static bool refusing_init(struct scene *r, const struct blk *blks, size_t nr)
{
	return scene_init(r, blks, nr) &&
	       EXPECT_EQ(kho_in_vet_tree(&r->v, r->t.root, 1UL << 30), KHO_IN_OK);
}

static void refusing_done(struct scene *r)
{
	kho_in_forget_pages(&r->v);
	scene_done(r);
}

/* What is left in the tree, as a count of the given blocks still in it. */
static size_t left(const struct scene *r, const struct blk *blks, size_t nr)
{
	unsigned long *keys;
	size_t n = tree_keys(r->t.root, &keys), i, j, found = 0;

	for (i = 0; i < nr; i++)
		for (j = 0; j < n; j++)
			found += keys[j] == blk_key(&blks[i]);
	free(keys);
	return found;
}

/*
 *        [   range   )
 *   [a]  [b][ c ]  [ d ... ]  [e]
 *
 * b and c lie inside, d (order 6) only starts inside: all three refused;
 * a ends where the range starts and e starts where it ends: kept.
 */
static void kho_in_refuse_range_overlap_check(void)
{
	const phys_addr_t lo = BLOCKS + 64 * PAGE_SIZE, hi = lo + 64 * PAGE_SIZE;
	const struct blk blks[] = {
		{ lo - PAGE_SIZE, 0 }, { lo, 0 }, { lo + 4 * PAGE_SIZE, 2 },
		{ lo, 6 }, { hi, 0 },
	};
	struct kho_in_tally *t;
	struct scene r;

	if (refusing_init(&r, blks, ARRAY_SIZE(blks))) {
		/* d is also the block [lo, lo + 64 pages): inside too. */
		kho_in_refuse_range(&r.v, lo + 63 * PAGE_SIZE, hi, KHO_IN_RESERVED);
		t = &r.v.blocks[KHO_IN_RESERVED];
		EXPECT_EQ(t->count, 1);
		EXPECT_EQ(t->pages, 64);
		EXPECT_EQ(t->first, lo);
		kho_in_refuse_range(&r.v, lo, hi, KHO_IN_RESERVED);
		EXPECT_EQ(t->count, 3);
		EXPECT_EQ(t->pages, 64 + 1 + 4);
		EXPECT_EQ(t->first, lo);
		EXPECT_EQ(left(&r, blks, ARRAY_SIZE(blks)), 2);
		EXPECT_EQ(left(&r, &blks[0], 1), 1);
		EXPECT_EQ(left(&r, &blks[4], 1), 1);
	}
	refusing_done(&r);
}

/* Empty and reversed ranges refuse nothing; the whole space refuses all. */
static void kho_in_refuse_range_bounds_check(void)
{
	u64 rng = kho_test_seed();
	struct blk *blks = random_blocks(300, 9, BLOCKS, &rng);
	struct scene r;
	unsigned long pages = 0;
	phys_addr_t low = PHYS_ADDR_MAX;
	size_t i;

	for (i = 0; i < 300; i++) {
		pages += 1UL << blks[i].order;
		low = min(low, blks[i].phys);
	}
	if (refusing_init(&r, blks, 300)) {
		kho_in_refuse_range(&r.v, BLOCKS, BLOCKS, KHO_IN_IMAGE);
		kho_in_refuse_range(&r.v, BLOCKS + GIB, BLOCKS, KHO_IN_IMAGE);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].count, 0);
		EXPECT_EQ(left(&r, blks, 300), 300);
		kho_in_refuse_range(&r.v, 0, PHYS_ADDR_MAX, KHO_IN_IMAGE);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].count, 300);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].pages, pages);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].first, low);
		EXPECT_EQ(left(&r, blks, 300), 0);
		/* Nothing left to refuse: nothing changes. */
		kho_in_refuse_range(&r.v, 0, PHYS_ADDR_MAX, KHO_IN_IMAGE);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].count, 300);
	}
	refusing_done(&r);
	free(blks);
}

/*
 * Random windows over mixed blocks: exactly the blocks that overlap each
 * window go, counted by brute force.
 */
static void kho_in_refuse_range_random_check(void)
{
	u64 rng = kho_test_seed();
	const size_t nr = 1000;
	struct blk *blks = random_blocks(nr, 8, BLOCKS, &rng);
	bool *gone = calloc(nr, sizeof(*gone));
	unsigned long count = 0, pages = 0;
	struct scene r;
	unsigned int round;
	size_t i;

	if (!gone)
		kho_shim_fatal("out of memory in the harness itself");
	if (refusing_init(&r, blks, nr)) {
		for (round = 0; round < 20; round++) {
			phys_addr_t lo = BLOCKS + (kho_rand(&rng) % (1 << 20)) * PAGE_SIZE;
			phys_addr_t hi = lo + (1 + kho_rand(&rng) % 2048) * PAGE_SIZE;

			for (i = 0; i < nr; i++) {
				if (gone[i] || blk_end(&blks[i]) <= lo || blks[i].phys >= hi)
					continue;
				gone[i] = true;
				count++;
				pages += 1UL << blks[i].order;
			}
			kho_in_refuse_range(&r.v, lo, hi, KHO_IN_RESERVED);
			EXPECT_EQ(r.v.blocks[KHO_IN_RESERVED].count, count);
			EXPECT_EQ(r.v.blocks[KHO_IN_RESERVED].pages, pages);
		}
		EXPECT_EQ(left(&r, blks, nr), nr - count);
	}
	refusing_done(&r);
	free(gone);
	free(blks);
}

/*
 * Blocks over the kernel image and reserved memory, as kho_in_refuse_used()
 * refuses them, one over both (the image comes first); then the sweep
 * keeps the rest.
 */
static void kho_in_refuse_range_used_check(void)
{
	const phys_addr_t image = BLOCKS + GIB, resv = BLOCKS + 2 * GIB;
	const struct blk blks[] = {
		{ image, 0 }, { image + 8 * PAGE_SIZE, 3 },	/* image */
		{ resv + 3 * PAGE_SIZE, 0 },			/* reserved */
		{ image + GIB / 2, 1 },			/* both: image */
		{ BLOCKS, 0 }, { BLOCKS + 8 * PAGE_SIZE, 1 },	/* kept */
	};
	struct scene r;

	if (refusing_init(&r, blks, ARRAY_SIZE(blks))) {
		kho_in_forget_pages(&r.v);
		world_image(&r.w, image, image + 16 * PAGE_SIZE);
		world_reserved(&r.w, resv, resv + 4 * PAGE_SIZE);
		world_image(&r.w, image + GIB / 2, image + GIB / 2 + PAGE_SIZE);
		world_reserved(&r.w, image + GIB / 2 + PAGE_SIZE, image + GIB / 2 + 2 * PAGE_SIZE);
		EXPECT_TAKE_TREE(&r.v, r.t.root, &r.w);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].count, 3);
		EXPECT_EQ(r.v.blocks[KHO_IN_IMAGE].first, image);
		EXPECT_EQ(r.v.blocks[KHO_IN_RESERVED].count, 1);
		EXPECT_EQ(r.v.blocks[KHO_IN_RESERVED].pages, 1);
		EXPECT_EQ(r.v.kept, 2);
	}
	refusing_done(&r);
}

/*
 *   [ block ] holding the root        [ block ] holding a leaf
 *   [   order-12 block holding a table and other tree pages   ]
 *
 * Blocks over tree pages are refused; the others are kept; the tree pages
 * are emitted as pages that stay.
 */
static void kho_in_refuse_tree_pages_check(void)
{
	struct scene r;
	struct blk extra[3];
	phys_addr_t leaf, table;
	unsigned long key;

	extra[0].order = 0;
	if (refusing_init(&r, (struct blk[]){ { BLOCKS, 0 }, { BLOCKS + GIB, 4 } }, 2)) {
		kho_in_forget_pages(&r.v);
		key = kho_radix_encode_key(BLOCKS, 0);
		leaf = tt_page_at(&r.t, key, 0);
		table = tt_page_at(&r.t, key, 2);
		extra[0] = (struct blk){ r.t.root, 0 };
		extra[1] = (struct blk){ leaf & ~((phys_addr_t)PAGE_SIZE * 4 - 1), 2 };
		extra[2] = (struct blk){ table & ~((phys_addr_t)PAGE_SIZE * 4096 - 1), 12 };
		tt_add_blocks(&r.t, extra, 3);
		tt_seal(&r.t);
		EXPECT_TAKE_TREE(&r.v, r.t.root, &r.w);
		EXPECT(r.v.blocks[KHO_IN_TREE_PAGE].count >= 2);
		EXPECT_EQ(r.v.kept, 2 + 3 - r.v.blocks[KHO_IN_TREE_PAGE].count -
			  r.v.blocks[KHO_IN_NESTED].count);
		EXPECT(!left(&r, &extra[0], 1));
		EXPECT(!left(&r, &extra[1], 1));
		EXPECT(!left(&r, &extra[2], 1));
	}
	refusing_done(&r);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_in_refuse_range_overlap_check),
	KHO_CASE(kho_in_refuse_range_bounds_check),
	KHO_CASE(kho_in_refuse_range_random_check),
	KHO_CASE(kho_in_refuse_range_used_check),
	KHO_CASE(kho_in_refuse_tree_pages_check),
};

KHO_SUITE(in_check_refuse_suite, cases);
