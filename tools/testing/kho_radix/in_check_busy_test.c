// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_busy(): the read-only walk before the memory map exists. Every
 * unit that holds an accepted tree page or a kept block must be marked (a
 * superset is fine, everything is not, unless the tree needs more reading
 * than its budget), entries vetting would refuse are not followed, and
 * bits set before stay set.
 *
 * Units are GiB here; tree pages are moved to [2^48, 2^48 + 2^47) so that
 * the map covers them.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/bitmap.h>
#include <linux/kernel.h>

#include "in_check_util.h"

#define BUSY_SHIFT	30
#define LOW_TREE_RAM	BIT_ULL(48)
#define BUSY_BITS	((LOW_TREE_RAM + TREE_RAM_SIZE) >> BUSY_SHIFT)

static unsigned long *busy;

static void busy_world(struct ref_world *w)
{
	memset(w, 0, sizeof(*w));
	w->budget = 1UL << 30;
	machine_reset(kho_test_seed());
	/* phys = (virt ^ flip) - delta = virt + 2^48 */
	kho_shim_phys_delta = KHO_SHIM_PHYS_FLIP - LOW_TREE_RAM;
	world_map(w, LOW_TREE_RAM, LOW_TREE_RAM + TREE_RAM_SIZE, KHO_IN_OK);
	world_map(w, BANK, BANK + BANK_SIZE, KHO_IN_OK);
	busy = bitmap_zalloc(BUSY_BITS);
	if (!busy)
		kho_shim_fatal("out of memory in the harness itself");
}

static void busy_done(struct test_tree *t)
{
	tt_free(t);
	bitmap_free(busy);
	test_machine_done();
}

static bool unit_busy(phys_addr_t phys)
{
	return test_bit(phys >> BUSY_SHIFT, busy);
}

/* Every accepted page and every kept block of @v is busy. */
static void expect_covered(const struct kho_in_vet *v, phys_addr_t root)
{
	const struct list_head *node;
	unsigned long *keys, missed = 0;
	phys_addr_t phys, at;
	unsigned int order;
	size_t nr, i;

	list_for_each(node, &v->pages)
		missed += !unit_busy(kho_in_node_page(node));
	nr = tree_keys(root, &keys);
	for (i = 0; i < nr; i++) {
		if (kho_radix_decode_key(keys[i], &phys, &order))
			continue;
		for (at = phys; at - phys < (phys_addr_t)PAGE_SIZE << order;
		     at += BIT_ULL(BUSY_SHIFT))
			missed += !unit_busy(at);
		missed += !unit_busy(phys + ((phys_addr_t)PAGE_SIZE << order) - 1);
	}
	free(keys);
	EXPECT(nr > 0);
	EXPECT_EQ(missed, 0);
}

/*
 * Mixed blocks scattered over the bank and a few big ones: all busy, and
 * the GiB units far from all of them are not.
 */
static void kho_in_busy_marks_check(void)
{
	u64 rng = kho_test_seed();
	struct blk *blks = random_blocks(2000, 6, BLOCKS, &rng);
	const struct blk big[] = {
		{ BANK + 256 * GIB, 30 - PAGE_SHIFT + 1 }, { BANK + 512 * GIB, 0 },
	};
	struct kho_in_vet v;
	struct ref_world w;
	struct test_tree t;

	busy_world(&w);
	if (tt_init(&t) && tt_add_blocks(&t, blks, 2000) && tt_add_blocks(&t, big, 2)) {
		tt_seal(&t);
		kho_in_busy(t.root, w.budget, busy, BUSY_BITS, BUSY_SHIFT);
		EXPECT_TAKE_TREE(&v, t.root, &w);
		expect_covered(&v, t.root);
		EXPECT(!unit_busy(BANK + 128 * GIB));
		EXPECT(!unit_busy(BANK + 768 * GIB));
		EXPECT(unit_busy(BANK + 257 * GIB));
		kho_in_forget_pages(&v);
	}
	busy_done(&t);
	free(blks);
}

/* A tree that needs more reading than the budget: everything busy. */
static void kho_in_busy_budget_check(void)
{
	u64 rng = kho_test_seed();
	struct blk *blks = random_blocks(500, 4, BLOCKS, &rng);
	struct kho_radix_stats stats;
	struct ref_world w;
	struct test_tree t;

	busy_world(&w);
	if (tt_init(&t) && tt_add_blocks(&t, blks, 500)) {
		tt_seal(&t);
		EXPECT_EQ(kho_radix_tree_stats(&t.tree, &stats), 0);
		kho_in_busy(t.root, stats.tables + stats.leaves, busy, BUSY_BITS, BUSY_SHIFT);
		EXPECT(bitmap_weight(busy, BUSY_BITS) < BUSY_BITS);
		kho_in_busy(t.root, stats.tables + stats.leaves - 1, busy, BUSY_BITS,
			    BUSY_SHIFT);
		EXPECT_EQ(bitmap_weight(busy, BUSY_BITS), BUSY_BITS);
	}
	busy_done(&t);
	free(blks);
}

/*
 * Entries vetting would refuse are not followed (nothing backs them: a
 * read would crash), bits set before stay set, and the first leaf, whose
 * keys are the huge orders, makes everything busy.
 */
static void kho_in_busy_damaged_check(void)
{
	const struct blk blks[] = { { BLOCKS, 0 }, { BLOCKS + GIB, 3 } };
	struct ref_world w;
	struct test_tree t;
	unsigned long key = kho_radix_encode_key(BLOCKS + GIB, 3);

	busy_world(&w);
	if (tt_init(&t) && tt_add_blocks(&t, blks, 2)) {
		tt_seal(&t);
		world_map(&w, BANK + 100 * GIB, BANK + 101 * GIB, KHO_IN_SCRATCH);
		*tt_entry(&t, key, 1) = BANK + 100 * GIB;
		*tt_entry(&t, key, 2) += 8;
		__set_bit(BUSY_BITS - 1, busy);
		kho_in_busy(t.root, w.budget, busy, BUSY_BITS, BUSY_SHIFT);
		EXPECT(unit_busy(BLOCKS));
		EXPECT(!unit_busy(BANK + 100 * GIB));
		EXPECT(test_bit(BUSY_BITS - 1, busy));
		EXPECT(bitmap_weight(busy, BUSY_BITS) < 16);
		/* A key of the first leaf: an order-MAX block at 0. */
		tt_add_raw(&t, BIT(1));
		kho_in_busy(t.root, w.budget, busy, BUSY_BITS, BUSY_SHIFT);
		EXPECT_EQ(bitmap_weight(busy, BUSY_BITS), BUSY_BITS);
	}
	busy_done(&t);
}

/*
 * Tables whose entries all point at one page of the next level (512^5
 * paths): the walk cannot tell, so the budget bounds it, and then all is
 * busy; the questions asked stay within one table per page read.
 */
static void kho_in_busy_hostile_check(void)
{
	struct kho_radix_node *tables[KHO_RADIX_DEPTH];
	phys_addr_t phys[KHO_RADIX_DEPTH];
	unsigned int level, i;
	struct ref_world w;
	struct test_tree t;
	const unsigned long budget = 1000;

	busy_world(&w);
	if (tt_init(&t)) {
		tables[KHO_RADIX_TOP_LEVEL] = t.tree.root;
		for (level = 0; level < KHO_RADIX_TOP_LEVEL; level++)
			tables[level] = tt_page(&t, &phys[level]);
		for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++)
			for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
				tables[level]->table[i] = phys[level - 1];
		machine.calls.page_kind = 0;
		kho_in_busy(t.root, budget, busy, BUSY_BITS, BUSY_SHIFT);
		EXPECT_EQ(bitmap_weight(busy, BUSY_BITS), BUSY_BITS);
		EXPECT(machine.calls.page_kind <= (budget + 1) * KHO_RADIX_TABLE_ENTRIES);
	}
	busy_done(&t);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_in_busy_marks_check),
	KHO_CASE(kho_in_busy_budget_check),
	KHO_CASE(kho_in_busy_damaged_check),
	KHO_CASE(kho_in_busy_hostile_check),
};

KHO_SUITE(in_check_busy_suite, cases);
