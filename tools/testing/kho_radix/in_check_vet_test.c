// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_vet_tree(): the structure walk. Valid trees of every shape come
 * through unchanged, with their pages and counts; each kind of bad table
 * entry is refused, zeroed and tallied, at every level, and costs exactly
 * the subtree below it; position marks never take garbage for a page seen
 * before, and never miss a real one; hostile shapes cost one visit per
 * distinct page plus one per refusal.
 *
 * Every case runs on the standard machine of in_check_util.h and, where a
 * whole run is checked, against the reference there.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/sched.h>

#include "in_check_util.h"

/* The root entries that keys can reach; the rest are "beyond". */
#define ROOT_REACH	(1U << (KHO_RADIX_KEY_WIDTH - \
				kho_radix_level_shift(KHO_RADIX_TOP_LEVEL)))

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Runs of adjacent keys in one leaf, from the keys alone. */
static unsigned long count_runs(unsigned long *keys, size_t nr)
{
	unsigned long runs = 0;
	size_t i;

	qsort(keys, nr, sizeof(*keys), cmp_ulong);
	for (i = 0; i < nr; i++)
		runs += !i || keys[i] != keys[i - 1] + 1 ||
			!(keys[i] % KHO_RADIX_LEAF_BITS);
	return runs;
}

static bool tallies_zero(const struct kho_in_vet *v)
{
	unsigned int kind;

	for (kind = 0; kind < KHO_IN_KINDS; kind++)
		if (v->entries[kind].count || v->blocks[kind].count)
			return false;
	return true;
}

/*
 * A valid tree of @blks: vetting and reserving keep everything, leave the
 * tree exactly as it was, and count what the tree's own stats say.
 */
static void expect_valid(const struct blk *blks, size_t nr, phys_addr_t fdt,
			 phys_addr_t fdt_end, struct ref_world *w)
{
	struct kho_radix_stats stats;
	struct kho_snapshot before, after;
	struct kho_in_vet v;
	struct test_tree t;
	unsigned long *keys = malloc((nr + 1) * sizeof(*keys));
	size_t i;

	if (!keys)
		kho_shim_fatal("out of memory in the harness itself");
	if (!tt_init(&t) || !tt_add_blocks(&t, blks, nr))
		goto free_tree;
	tt_seal(&t);
	EXPECT_EQ(kho_radix_tree_stats(&t.tree, &stats), 0);
	EXPECT_EQ(kho_snapshot_take(&t.tree, &before), 0);
	for (i = 0; i < nr; i++)
		keys[i] = blk_key(&blks[i]);

	w->fdt = fdt;
	w->fdt_end = fdt_end;
	EXPECT_TAKE_TREE(&v, t.root, w);
	EXPECT(tallies_zero(&v));
	EXPECT_EQ(v.stats.tables, stats.tables);
	EXPECT_EQ(v.stats.leaves, stats.leaves);
	EXPECT_EQ(v.stats.keys, nr);
	EXPECT_EQ(v.nr_pages, stats.tables + stats.leaves);
	EXPECT_EQ(v.runs, count_runs(keys, nr));
	EXPECT_EQ(v.kept, nr);
	for (i = 0; i < nr; i++)
		EXPECT(v.orders & BIT_ULL(blks[i].order));
	EXPECT_EQ(kho_snapshot_take(&t.tree, &after), 0);
	EXPECT(kho_snapshot_equal(&before, &after));
	kho_snapshot_free(&before);
	kho_snapshot_free(&after);
	kho_in_forget_pages(&v);
	EXPECT_EQ(v.nr_pages, 0);
free_tree:
	tt_free(&t);
	free(keys);
}

/*
 *   root
 *    (nothing below)
 *
 * Only the root is a tree page; it and the FDT are all that is emitted.
 */
static void kho_in_vet_tree_empty_check(void)
{
	struct ref_world w;
	struct kho_in_vet v;
	struct test_tree t;

	world_standard(&w, kho_test_seed());
	expect_valid(NULL, 0, BANK, BANK + PAGE_SIZE, &w);

	/* By hand, for the exact fields. */
	machine_clear_emits();
	if (tt_init(&t)) {
		EXPECT_EQ(kho_in_vet_tree(&v, t.root, 1), KHO_IN_OK);
		EXPECT_EQ(v.nr_pages, 1);
		EXPECT_EQ(kho_in_node_page(v.pages.next), t.root);
		EXPECT_EQ(v.stats.tables, 1);
		EXPECT_EQ(v.stats.leaves + v.stats.keys + v.runs + v.orders, 0);
		EXPECT_EQ(kho_in_reserve(&v), 1);
		EXPECT_EQ(machine.nr_emits, 1);
		EXPECT_EQ(machine.emits[0].base, t.root);
		EXPECT_EQ(machine.emits[0].size, PAGE_SIZE);
		EXPECT(!machine.emits[0].preserved);
		kho_in_forget_pages(&v);
		EXPECT_EQ(*machine_storage(t.root), 0);
	}
	tt_free(&t);
	test_machine_done();
}

/*
 *   [ block of order o ]       alone in its RAM, for every order o
 *
 * The order-MAX block is [0, 2^63); each smaller one is the second block
 * of its order, so that its key is not just the order bit.
 */
static void kho_in_vet_tree_every_order_check(void)
{
	struct ref_world w;
	unsigned int order;
	struct blk b;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		world_standard(&w, kho_test_seed() + order);
		b.order = order;
		b.phys = order == KHO_RADIX_MAX_ORDER ? 0 : (phys_addr_t)PAGE_SIZE << order;
		world_map(&w, b.phys, blk_end(&b), KHO_IN_OK);
		/* The FDT inside the block from 4 GiB up, else outside. */
		expect_valid(&b, 1, BANK, BANK + 2 * PAGE_SIZE, &w);
		test_machine_done();
	}
}

/* Three full leaves of order-0 pages, then half a leaf: four runs. */
static void kho_in_vet_tree_dense_check(void)
{
	size_t nr = 3 * KHO_RADIX_LEAF_BITS + KHO_RADIX_LEAF_BITS / 2, i;
	struct blk *blks = calloc(nr, sizeof(*blks));
	phys_addr_t base = BLOCKS & ~((phys_addr_t)PAGE_SIZE * KHO_RADIX_LEAF_BITS - 1);
	struct ref_world w;

	if (!blks)
		kho_shim_fatal("out of memory in the harness itself");
	for (i = 0; i < nr; i++)
		blks[i] = (struct blk){ base + i * PAGE_SIZE, 0 };
	world_standard(&w, kho_test_seed());
	expect_valid(blks, nr, BANK, BANK + PAGE_SIZE, &w);
	test_machine_done();
	free(blks);
}

/* Order-0 pages one per leaf and random ones: every key its own run. */
static void kho_in_vet_tree_scattered_check(void)
{
	u64 rng = kho_test_seed();
	struct blk blks[600];
	struct ref_world w;
	size_t i;

	for (i = 0; i < 300; i++)
		blks[i] = (struct blk){ BLOCKS + (phys_addr_t)i * PAGE_SIZE *
					KHO_RADIX_LEAF_BITS * 3 + PAGE_SIZE * (i % 7), 0 };
	/* Random pages, spaced so that no two are adjacent. */
	for (i = 300; i < ARRAY_SIZE(blks); i++)
		blks[i] = (struct blk){ BLOCKS + BIT_ULL(38) + 2 * PAGE_SIZE *
					((i - 300) * 1000 + kho_rand(&rng) % 999), 0 };
	world_standard(&w, kho_test_seed());
	/* 900 leaf spans of 64 KiB pages are 28 TiB. */
	world_map(&w, BANK, BANK + BIT_ULL(46), KHO_IN_OK);
	expect_valid(blks, ARRAY_SIZE(blks), BANK, BANK + PAGE_SIZE, &w);
	test_machine_done();
}

/*
 * Keys on both sides of every boundary a level has: the last key of one
 * leaf and the first of the next (one run in the bitmap sense is two runs
 * here), the last of a level-l table's span and the first of the next,
 * for every table level below the root; the page at 0 and the last one
 * whose end fits in 64 bits.
 */
static void kho_in_vet_tree_boundaries_check(void)
{
	struct blk blks[2 * KHO_RADIX_TOP_LEVEL + 2];
	unsigned long span, key;
	unsigned int level, n = 0;
	struct ref_world w;

	world_standard(&w, kho_test_seed());
	for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++) {
		/* The first key of the next entry's span at @level. */
		span = BIT(kho_radix_level_shift(level));
		key = (kho_radix_encode_key(BLOCKS, 0) | (span - 1)) + 1;
		/* Order-0 keys may all sit below one root entry. */
		if (kho_radix_decode_key(key, &blks[n + 1].phys, &blks[n + 1].order) ||
		    blks[n + 1].order)
			continue;
		EXPECT_EQ(kho_radix_decode_key(key - 1, &blks[n].phys, &blks[n].order), 0);
		world_map(&w, blks[n].phys, blk_end(&blks[n + 1]), KHO_IN_OK);
		n += 2;
	}
	blks[n++] = (struct blk){ 0, 0 };
	blks[n++] = (struct blk){ PHYS_ADDR_MAX - 2 * PAGE_SIZE + 1, 0 };
	world_map(&w, 0, PAGE_SIZE, KHO_IN_OK);
	world_map(&w, PHYS_ADDR_MAX - 2 * PAGE_SIZE + 1, PHYS_ADDR_MAX, KHO_IN_OK);
	expect_valid(blks, n, BANK, BANK + PAGE_SIZE, &w);
	test_machine_done();
}

/* Mixed orders in interleaved runs, the FDT among them. */
static void kho_in_vet_tree_mixed_check(void)
{
	u64 rng = kho_test_seed();
	struct ref_world w;
	struct blk *blks;
	size_t nr = 3000;

	blks = random_blocks(nr, 28 - PAGE_SHIFT, BLOCKS, &rng);
	world_standard(&w, kho_test_seed());
	/* The FDT in the first block, page-sized blocks or not. */
	expect_valid(blks, nr, blks[0].phys, blks[0].phys + PAGE_SIZE, &w);
	test_machine_done();
	free(blks);
}

/* Damaging one entry ------------------------------------------------------ */

/* Test tree: mixed blocks, and the keys below an entry. */
struct damaged {
	struct test_tree t;
	struct ref_world w;
	struct blk *blks;
	size_t nr;
};

static bool damaged_init(struct damaged *d, size_t nr, u64 seed)
{
	u64 rng = seed;

	world_standard(&d->w, seed);
	d->nr = nr;
	d->blks = random_blocks(nr, 4, BLOCKS, &rng);
	if (!tt_init(&d->t) || !tt_add_blocks(&d->t, d->blks, nr))
		return false;
	tt_seal(&d->t);
	return true;
}

static void damaged_done(struct damaged *d)
{
	tt_free(&d->t);
	free(d->blks);
	test_machine_done();
}

/*
 * Two keys whose paths part at the root: the first block of order 1 and
 * the first of order 0 (which has the larger keys). *@k0 < *@k1.
 */
static void pick_keys(const struct damaged *d, unsigned long *k0, unsigned long *k1)
{
	size_t i;

	*k0 = 0;
	*k1 = 0;
	for (i = 0; i < d->nr; i++) {
		if (d->blks[i].order == 1 && !*k0)
			*k0 = blk_key(&d->blks[i]);
		if (d->blks[i].order == 0 && !*k1)
			*k1 = blk_key(&d->blks[i]);
	}
	if (!*k0 || !*k1)
		kho_shim_fatal("no blocks of orders 0 and 1");
}

/* Blocks whose key goes through the entry at @level on @key's path. */
static size_t blocks_below(const struct damaged *d, unsigned long key,
			   unsigned int level)
{
	unsigned int shift = kho_radix_level_shift(level);
	size_t i, n = 0;

	for (i = 0; i < d->nr; i++)
		n += blk_key(&d->blks[i]) >> shift == key >> shift;
	return n;
}

/*
 * Set the entry at @level on @key's path to @bad and expect exactly it
 * refused for @kind: zeroed, tallied with its value, the blocks below it
 * gone, nothing else refused, the rest as the reference says.
 */
static void expect_entry_refused(struct damaged *d, unsigned long key,
				 unsigned int level, u64 bad, enum kho_in_kind kind,
				 int line)
{
	u64 *entry = tt_entry(&d->t, key, level);
	size_t below = blocks_below(d, key, level);
	struct kho_in_vet v;
	unsigned int k;

	*entry = bad;
	if (!expect_take_tree(&v, d->t.root, &d->w, line))
		kho_test_diag("line %d: entry at level %u set to %#llx", line, level,
			      (unsigned long long)bad);
	EXPECT_EQ(*entry, 0);
	if (!EXPECT_EQ(v.entries[kind].count, 1))
		kho_test_diag("line %d: expected %s", line, kho_in_kind_name(kind));
	EXPECT_EQ(v.entries[kind].pages, 0);
	EXPECT_EQ(v.entries[kind].first, bad);
	for (k = 0; k < KHO_IN_KINDS; k++) {
		if (k != kind)
			EXPECT_EQ(v.entries[k].count, 0);
		EXPECT_EQ(v.blocks[k].count, 0);
	}
	EXPECT_EQ(v.kept, d->nr - below);
	EXPECT(below > 0);
}

#define EXPECT_ENTRY_REFUSED(d, key, level, bad, kind) \
	expect_entry_refused(d, key, level, bad, kind, __LINE__)

/*
 *   root -> ... -> table(level l) --[ entry + 8 ]--> ?
 *
 * Not a page address, at every level; and the highest page addresses,
 * whose end would not fit.
 */
static void kho_in_vet_tree_misaligned_check(void)
{
	unsigned int level;
	struct damaged d;
	unsigned long key;
	u64 *entry;

	for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++) {
		if (damaged_init(&d, 200, kho_test_seed() + level)) {
			key = blk_key(&d.blks[level % d.nr]);
			entry = tt_entry(&d.t, key, level);
			EXPECT_ENTRY_REFUSED(&d, key, level, *entry + 8, KHO_IN_MISALIGNED);
		}
		damaged_done(&d);
	}
	if (damaged_init(&d, 50, kho_test_seed())) {
		key = blk_key(&d.blks[0]);
		EXPECT_ENTRY_REFUSED(&d, key, 1, PHYS_ADDR_MAX - PAGE_SIZE + 1,
				     KHO_IN_MISALIGNED);
	}
	damaged_done(&d);
	if (damaged_init(&d, 50, kho_test_seed())) {
		key = blk_key(&d.blks[1]);
		EXPECT_ENTRY_REFUSED(&d, key, 2, 1, KHO_IN_MISALIGNED);
	}
	damaged_done(&d);
}

/*
 * Regression test for issue 13 defect 7: kho_in_is_ram() accepted
 * MEMBLOCK_NOMAP memory, and the walk read a tree page outside the linear
 * map. (The NOMAP answer is kho_in_page_kind()'s in kho_incoming.c; here
 * the machine gives it, and the validator must not read the page.)
 *
 * The entry points into memory a tree page may not be in: a hole, past the
 * end of RAM, NOMAP, scratch, the kernel image, a reserved range; each at
 * a different level. The page is never read (nothing backs it).
 */
static void kho_in_vet_tree_unusable_check(void)
{
	static const struct {
		enum kho_in_kind kind;
		unsigned int level;
	} cases[] = {
		{ KHO_IN_NOT_RAM, 1 }, { KHO_IN_NOMAP, 2 }, { KHO_IN_SCRATCH, 3 },
		{ KHO_IN_IMAGE, 1 }, { KHO_IN_RESERVED, 2 }, { KHO_IN_NOT_RAM, 3 },
	};
	struct damaged d;
	unsigned long key;
	phys_addr_t where;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int level = min_t(unsigned int, cases[i].level, KHO_RADIX_TOP_LEVEL);

		where = BANK + 8 * GIB;
		if (!damaged_init(&d, 100, kho_test_seed() + i)) {
			damaged_done(&d);
			continue;
		}
		switch (cases[i].kind) {
		case KHO_IN_NOMAP:
		case KHO_IN_SCRATCH:
			world_map(&d.w, where, where + GIB, cases[i].kind);
			break;
		case KHO_IN_IMAGE:
			world_image(&d.w, where, where + GIB);
			break;
		case KHO_IN_RESERVED:
			world_reserved(&d.w, where, where + GIB);
			break;
		default:
			/* Below the bank, or past its end (mem=). */
			where = i ? BANK + BANK_SIZE + 16 * PAGE_SIZE : 2 * GIB;
			break;
		}
		key = blk_key(&d.blks[i % d.nr]);
		EXPECT_ENTRY_REFUSED(&d, key, level, where + 3 * PAGE_SIZE, cases[i].kind);
		damaged_done(&d);
	}
}

/*
 * A page of the tree itself made unusable: the leaf lies in scratch now
 * (the successor's scratch may cover memory the predecessor used).
 */
static void kho_in_vet_tree_tree_page_in_scratch_check(void)
{
	struct damaged d;
	unsigned long key;
	phys_addr_t leaf;

	if (damaged_init(&d, 100, kho_test_seed())) {
		key = blk_key(&d.blks[7]);
		leaf = tt_page_at(&d.t, key, 0);
		world_map(&d.w, leaf, leaf + PAGE_SIZE, KHO_IN_SCRATCH);
		EXPECT_ENTRY_REFUSED(&d, key, 1, leaf, KHO_IN_SCRATCH);
	}
	damaged_done(&d);
}

/*
 * Root entries for keys wider than any key: refused unread, whatever they
 * hold, even the address of a real table.
 */
static void kho_in_vet_tree_beyond_check(void)
{
	struct kho_radix_node *root;
	struct kho_in_vet v;
	struct damaged d;
	unsigned long key;

	if (damaged_init(&d, 100, kho_test_seed())) {
		key = blk_key(&d.blks[0]);
		root = phys_to_virt(d.t.root);
		root->table[ROOT_REACH] = *tt_entry(&d.t, key, KHO_RADIX_TOP_LEVEL);
		root->table[KHO_RADIX_TABLE_ENTRIES - 1] = 12345;
		EXPECT_TAKE_TREE(&v, d.t.root, &d.w);
		EXPECT_EQ(v.entries[KHO_IN_BEYOND].count, 2);
		EXPECT_EQ(v.entries[KHO_IN_BEYOND].first, 12345);
		EXPECT_EQ(root->table[ROOT_REACH], 0);
		EXPECT_EQ(root->table[KHO_RADIX_TABLE_ENTRIES - 1], 0);
		EXPECT_EQ(v.kept, d.nr);
	}
	damaged_done(&d);
}

/*
 * Reached twice, and cycles:
 *
 *   a) two level-1 entries, one leaf       b) two level-3 entries, one table
 *   c) a leaf that a later level-2 entry   d) a level-2 entry, earlier, to a
 *      uses as a table                        leaf reached later as a leaf
 *   e) a level-1 entry back to the root    f) an entry to its own table
 *
 * The later one is refused (what the earlier one reached is kept).
 */
static void kho_in_vet_tree_twice_check(void)
{
	unsigned int c, idx, l3 = min(3, KHO_RADIX_TOP_LEVEL);
	u64 *e, *refused, *table;
	unsigned long k0, k1;
	struct kho_in_vet v;
	struct damaged d;

	for (c = 0; c < 6; c++) {
		if (!damaged_init(&d, 300, kho_test_seed() + c)) {
			damaged_done(&d);
			continue;
		}
		pick_keys(&d, &k0, &k1);
		/* Bitmap words read as entries may look like bank addresses. */
		world_unbacked(&d.w, KHO_IN_RESERVED);
		refused = NULL;
		switch (c) {
		case 0:
			e = tt_entry(&d.t, k1, 1);
			*e = tt_page_at(&d.t, k0, 0);
			break;
		case 1:
			e = tt_entry(&d.t, k1, l3);
			*e = tt_page_at(&d.t, k0, l3 - 1);
			break;
		case 2:
			e = tt_entry(&d.t, k1, 2);
			*e = tt_page_at(&d.t, k0, 0);
			break;
		case 3:
			/* An empty slot before k1's at level 2, to k1's leaf. */
			e = tt_entry(&d.t, k1, 2);
			idx = (k1 >> kho_radix_level_shift(2)) & (KHO_RADIX_TABLE_ENTRIES - 1);
			table = e - idx;
			for (e = NULL; idx--; )
				if (!table[idx])
					e = &table[idx];
			if (e) {
				*e = tt_page_at(&d.t, k1, 0);
				refused = tt_entry(&d.t, k1, 1);
			}
			break;
		case 4:
			e = tt_entry(&d.t, k1, 1);
			*e = d.t.root;
			break;
		default:
			e = tt_entry(&d.t, k1, 2);
			*e = tt_page_at(&d.t, k1, 2);
			break;
		}
		if (!e) {
			/* k1 routes through entry 0 of its level-2 table. */
			kho_test_diag("case %u: no empty slot, skipped", c);
			EXPECT(true);
			damaged_done(&d);
			continue;
		}
		EXPECT_TAKE_TREE(&v, d.t.root, &d.w);
		if (!EXPECT(v.entries[KHO_IN_TWICE].count >= 1))
			kho_test_diag("case %u", c);
		EXPECT_EQ(*(refused ?: e), 0);
		EXPECT(v.kept >= 1);
		damaged_done(&d);
	}
}

/*
 * More tree pages than RAM pages: the entries past the budget are refused,
 * the first ones kept; a leaf with more runs than twice the budget too.
 */
static void kho_in_vet_tree_budget_check(void)
{
	struct kho_radix_stats stats;
	struct kho_in_vet v;
	struct damaged d;
	struct blk blks[64];
	struct test_tree t;
	unsigned int i;

	if (damaged_init(&d, 200, kho_test_seed())) {
		EXPECT_EQ(kho_radix_tree_stats(&d.t.tree, &stats), 0);
		d.w.budget = stats.tables + stats.leaves - 3;
		EXPECT_TAKE_TREE(&v, d.t.root, &d.w);
		EXPECT(v.entries[KHO_IN_BUDGET].count >= 1);
		EXPECT(v.nr_pages <= d.w.budget);
	}
	damaged_done(&d);

	/* 64 runs of one page in one leaf, with a budget of 31 pages. */
	world_standard(&d.w, kho_test_seed());
	for (i = 0; i < ARRAY_SIZE(blks); i++)
		blks[i] = (struct blk){ BLOCKS + 2 * i * PAGE_SIZE, 0 };
	if (tt_init(&t) && tt_add_blocks(&t, blks, ARRAY_SIZE(blks))) {
		u64 *entry = tt_entry(&t, blk_key(&blks[0]), 1), leaf = *entry;

		tt_seal(&t);
		d.w.budget = 31;
		EXPECT_TAKE_TREE(&v, t.root, &d.w);
		EXPECT_EQ(v.entries[KHO_IN_BUDGET].count, 1);
		EXPECT_EQ(v.entries[KHO_IN_BUDGET].first, leaf);
		EXPECT_EQ(v.stats.leaves, 0);
		EXPECT_EQ(v.runs, 0);
		/* Vetting zeroed the entry; the leaf is intact. */
		*entry = leaf;
		d.w.budget = 32;
		EXPECT_TAKE_TREE(&v, t.root, &d.w);
		EXPECT_EQ(v.runs, 64);
	}
	tt_free(&t);
	test_machine_done();
}

/*
 * Regression test for issue 13 defect 5: a vetting pass that ran out of
 * working memory dropped a valid handover whole, and every preserved page
 * went to the allocator.
 *
 * Vetting and reserving take no memory: with the next allocation set to
 * fail, a valid tree is still kept whole, and no allocation is even tried.
 */
static void kho_in_vet_tree_no_memory_check(void)
{
	u64 rng = kho_test_seed();
	struct blk *blks = random_blocks(500, 6, BLOCKS, &rng);
	unsigned long calls;
	enum kho_in_kind kind;
	struct scene s;

	if (scene_init(&s, blks, 500)) {
		calls = kho_shim_alloc_calls();
		current->fail_nth = 1;
		kind = machine_take_tree(&s.v, s.t.root, 1UL << 30, 0, 0);
		EXPECT_EQ(current->fail_nth, 1);
		current->fail_nth = 0;
		EXPECT_EQ(kind, KHO_IN_OK);
		EXPECT_EQ(kho_shim_alloc_calls(), calls);
		EXPECT_EQ(s.v.kept, 500);
		EXPECT_EQ(machine.bad_emits, 0);
		kho_in_forget_pages(&s.v);
	}
	scene_done(&s);
	free(blks);
}

/* The root itself: refused for its kind, and nothing of the tree read. */
static void kho_in_vet_tree_root_check(void)
{
	struct kho_in_vet v;
	struct ref_world w;
	struct test_tree t;

	world_standard(&w, kho_test_seed());
	if (tt_init(&t)) {
		EXPECT_EQ(kho_in_vet_tree(&v, t.root + 8, 100), KHO_IN_MISALIGNED);
		EXPECT_EQ(kho_in_vet_tree(&v, PHYS_ADDR_MAX - PAGE_SIZE + 1, 100),
			  KHO_IN_MISALIGNED);
		EXPECT_EQ(kho_in_vet_tree(&v, 2 * GIB, 100), KHO_IN_NOT_RAM);
		world_map(&w, BANK, BANK + GIB, KHO_IN_SCRATCH);
		EXPECT_EQ(kho_in_vet_tree(&v, BANK, 100), KHO_IN_SCRATCH);
		world_image(&w, BANK + 2 * GIB, BANK + 3 * GIB);
		EXPECT_EQ(kho_in_vet_tree(&v, BANK + 2 * GIB, 100), KHO_IN_IMAGE);
		EXPECT(!v.root);
		EXPECT_EQ(v.nr_pages, 0);
		EXPECT_EQ(machine.calls.page_word, 0);
		/* A state without a root: the other calls do nothing. */
		kho_in_refuse_range(&v, 0, PHYS_ADDR_MAX, KHO_IN_RESERVED);
		kho_in_refuse_tree_pages(&v);
		EXPECT_EQ(kho_in_reserve(&v), 0);
		EXPECT_EQ(machine.nr_emits, 0);
	}
	tt_free(&t);
	test_machine_done();
}

/* Position marks ------------------------------------------------------------ */

/* Where each page of a tree sits: its level and first key, in walk order. */
struct positions {
	phys_addr_t phys[4096];
	unsigned int level[4096];
	unsigned long key[4096];
	size_t nr;
	unsigned int pick;
};

static void positions_walk(struct positions *p, phys_addr_t phys,
			   unsigned int level, unsigned long key)
{
	const struct kho_radix_node *table = phys_to_virt(phys);
	unsigned int idx;

	if (p->nr == ARRAY_SIZE(p->phys))
		kho_shim_fatal("tree too large for its positions");
	p->phys[p->nr] = phys;
	p->level[p->nr] = level;
	p->key[p->nr++] = key;
	if (!level)
		return;
	for (idx = 0; idx < KHO_RADIX_TABLE_ENTRIES; idx++)
		if (table->table[idx])
			positions_walk(p, table->table[idx], level - 1,
				       key | (unsigned long)idx << kho_radix_level_shift(level));
}

/*
 * The validator's mark format, as kho_in_check.c states it: a tag in the
 * top byte, the first key below the page shifted by 3, the level below.
 * kho_in_vet_tree_marks_format_check proves it current.
 */
static unsigned long test_mark(unsigned int level, unsigned long key)
{
	return 0xa5UL << 56 | key << 3 | level;
}

/*
 * Marks that look valid and name an earlier position, but one that does not
 * point at this page: another page's true position, the root's, an
 * earlier key at a deeper level, this page's own position and a later one.
 */
static unsigned long craft_mark(phys_addr_t phys, void *arg)
{
	struct positions *p = arg;
	size_t i, j;

	for (i = 0; i < p->nr && p->phys[i] != phys; i++)
		;
	if (i == p->nr)
		return test_mark(0, 0);
	j = i ? p->pick % i : 0;
	switch (p->pick++ % 6) {
	case 0:
		return test_mark(p->level[j], p->key[j]);
	case 1:
		return test_mark(KHO_RADIX_TOP_LEVEL, 0);
	case 2:
		return test_mark(0, p->key[i] ? p->key[i] - 1 : 0);
	case 3:
		return test_mark(p->level[i], p->key[i]);
	case 4:
		return test_mark(p->level[i] ? p->level[i] - 1 : 0, p->key[i] + 1);
	default:
		return test_mark(7, p->key[j]);
	}
}

static struct positions positions;

/*
 * Garbage in the pages' storage: random, all ones, zero and crafted marks
 * never make a page "reached twice"; a real duplicate always is, whatever
 * the storage held.
 */
static void kho_in_vet_tree_marks_check(void)
{
	static const enum machine_garbage modes[] = {
		MACHINE_GARBAGE_RANDOM, MACHINE_GARBAGE_ONES, MACHINE_GARBAGE_ZERO,
		MACHINE_GARBAGE_CRAFT,
	};
	struct kho_in_vet v;
	struct damaged d;
	unsigned long k0, k1;
	unsigned int m, dup;

	for (m = 0; m < ARRAY_SIZE(modes); m++) {
		for (dup = 0; dup < 2; dup++) {
			if (!damaged_init(&d, 400, kho_test_seed() + m)) {
				damaged_done(&d);
				continue;
			}
			positions.nr = 0;
			positions.pick = m;
			positions_walk(&positions, d.t.root, KHO_RADIX_TOP_LEVEL, 0);
			machine.garbage = modes[m];
			machine.craft = craft_mark;
			machine.craft_arg = &positions;
			pick_keys(&d, &k0, &k1);
			if (dup)
				*tt_entry(&d.t, k1, 1) = tt_page_at(&d.t, k0, 0);
			EXPECT_TAKE_TREE(&v, d.t.root, &d.w);
			EXPECT_EQ(v.entries[KHO_IN_TWICE].count, dup);
			damaged_done(&d);
		}
	}
}

/* After vetting, each page's storage holds the mark of its position. */
static void kho_in_vet_tree_marks_format_check(void)
{
	struct kho_in_vet v;
	struct damaged d;
	size_t i;

	if (damaged_init(&d, 300, kho_test_seed())) {
		positions.nr = 0;
		positions_walk(&positions, d.t.root, KHO_RADIX_TOP_LEVEL, 0);
		EXPECT_EQ(kho_in_vet_tree(&v, d.t.root, 1UL << 30), KHO_IN_OK);
		for (i = 0; i < positions.nr; i++)
			EXPECT_EQ(*machine_storage(positions.phys[i]),
				  test_mark(positions.level[i], positions.key[i]));
		kho_in_forget_pages(&v);
		for (i = 0; i < positions.nr; i++)
			EXPECT_EQ(*machine_storage(positions.phys[i]), 0);
	}
	damaged_done(&d);
}

/* Hostile shapes -------------------------------------------------------------- */

/*
 * Every table's every entry points at one page of the next level (a DAG
 * of 512^5 paths), or at its own table: one visit per distinct page, one
 * check per entry, whatever the storage held.
 */
static void kho_in_vet_tree_hostile_check(void)
{
	struct kho_radix_node *tables[KHO_RADIX_DEPTH];
	unsigned long entries, refused;
	struct kho_in_vet v;
	struct ref_world w;
	struct test_tree t;
	unsigned int level, i, self;
	phys_addr_t phys[KHO_RADIX_DEPTH];

	for (self = 0; self < 2; self++) {
		world_standard(&w, kho_test_seed());
		machine.garbage = self ? MACHINE_GARBAGE_ONES : MACHINE_GARBAGE_RANDOM;
		if (!tt_init(&t))
			break;
		tables[KHO_RADIX_TOP_LEVEL] = t.tree.root;
		phys[KHO_RADIX_TOP_LEVEL] = t.root;
		for (level = 0; level < KHO_RADIX_TOP_LEVEL; level++)
			tables[level] = tt_page(&t, &phys[level]);
		memset(tables[0], 0xff, PAGE_SIZE);
		entries = 0;
		for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++) {
			unsigned int n = level == KHO_RADIX_TOP_LEVEL ?
					 ROOT_REACH : KHO_RADIX_TABLE_ENTRIES;

			for (i = 0; i < n; i++)
				tables[level]->table[i] = phys[self ? level : level - 1];
			entries += n;
		}
		machine.calls.page_kind = 0;
		machine.calls.page_word = 0;
		EXPECT_EQ(kho_in_vet_tree(&v, t.root, 1UL << 40), KHO_IN_OK);
		refused = v.entries[KHO_IN_TWICE].count;
		if (self) {
			/* The root's entries all point at the root itself. */
			EXPECT_EQ(v.nr_pages, 1);
			EXPECT_EQ(refused, ROOT_REACH);
		} else {
			EXPECT_EQ(v.nr_pages, KHO_RADIX_DEPTH);
			EXPECT_EQ(refused, entries - KHO_RADIX_TOP_LEVEL);
			EXPECT_EQ(v.stats.keys, KHO_RADIX_LEAF_BITS);
		}
		/* One question per page taken and per entry refused, no more. */
		if (!EXPECT(machine.calls.page_kind <= v.nr_pages + refused))
			kho_test_diag("%lu calls for %lu pages and %lu refusals",
				      machine.calls.page_kind, v.nr_pages, refused);
		EXPECT(machine.calls.page_word <= 2 * (v.nr_pages + refused));
		kho_in_forget_pages(&v);
		tt_free(&t);
		test_machine_done();
	}
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_in_vet_tree_empty_check),
	KHO_CASE(kho_in_vet_tree_every_order_check),
	KHO_CASE(kho_in_vet_tree_dense_check),
	KHO_CASE(kho_in_vet_tree_scattered_check),
	KHO_CASE(kho_in_vet_tree_boundaries_check),
	KHO_CASE(kho_in_vet_tree_mixed_check),
	KHO_CASE(kho_in_vet_tree_misaligned_check),
	KHO_CASE(kho_in_vet_tree_unusable_check),
	KHO_CASE(kho_in_vet_tree_tree_page_in_scratch_check),
	KHO_CASE(kho_in_vet_tree_beyond_check),
	KHO_CASE(kho_in_vet_tree_twice_check),
	KHO_CASE(kho_in_vet_tree_budget_check),
	KHO_CASE(kho_in_vet_tree_no_memory_check),
	KHO_CASE(kho_in_vet_tree_root_check),
	KHO_CASE(kho_in_vet_tree_marks_check),
	KHO_CASE(kho_in_vet_tree_marks_format_check),
	KHO_CASE(kho_in_vet_tree_hostile_check),
};

KHO_SUITE(in_check_vet_suite, cases);
