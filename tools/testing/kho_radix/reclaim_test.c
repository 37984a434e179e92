// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim: deletion frees every page it empties (the root excepted), so the
 * tree's size depends only on the keys it holds, never on its history.
 */
#include <stdlib.h>

#include "harness.h"

/* Mixed orders, spread over a 46-bit space: many private paths. */
static unsigned long *random_keys(size_t nr, uint64_t rng)
{
	unsigned long *keys = calloc(nr, sizeof(*keys));
	size_t i;

	if (!keys)
		kho_shim_fatal("out of memory in the harness itself");
	for (i = 0; i < nr; i++) {
		unsigned int order = kho_rand(&rng) % 19;
		u64 phys = kho_rand(&rng) & ((1ULL << 46) - 1);

		keys[i] = kho_radix_encode_key(phys & ~((PAGE_SIZE << order) - 1), order);
	}
	return keys;
}

static void shuffle(unsigned long *keys, size_t nr, uint64_t rng)
{
	size_t i, j;

	for (i = nr - 1; i > 0; i--) {
		unsigned long tmp = keys[i];

		j = kho_rand(&rng) % (i + 1);
		keys[i] = keys[j];
		keys[j] = tmp;
	}
}

/*
 * Two keys in sibling leaves: the first deletion frees only its leaf, the
 * second frees the rest of the path.
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -+-> leaf(A)    del A: leaf(A) freed
 *                          +-> leaf(B)    del B: leaf(B), 1, 2, 3, 4 freed
 */
static void kho_radix_del_key_sibling_leaves_check(void)
{
	unsigned long a = BIT(KHO_RADIX_KEY_WIDTH - 1) | 77;
	unsigned long b = a ^ BIT(kho_radix_level_shift(1));
	struct kho_radix_tree tree = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, a), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, b), 0);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH + 1);
	kho_radix_del_key(&tree, a);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
	kho_tree_check(&tree, &b, 1, 0);
	kho_radix_del_key(&tree, b);
	EXPECT_EQ(kho_shim_pages_live(), 1);
	kho_tree_check(&tree, NULL, 0, 0);
	kho_radix_tree_destroy(&tree);
}

/*
 * A leaf with only its first and last bits set stays while either is set:
 * emptiness must be judged on the whole page, not a prefix of it.
 */
static void kho_radix_del_key_leaf_edges_check(void)
{
	unsigned long first = BIT(KHO_RADIX_KEY_WIDTH - 1);
	unsigned long last = first | (KHO_RADIX_LEAF_BITS - 1);
	struct kho_radix_tree tree = {};
	unsigned int round;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	for (round = 0; round < 2; round++) {
		unsigned long keep = round ? first : last;

		EXPECT_EQ(kho_radix_add_key(&tree, first), 0);
		EXPECT_EQ(kho_radix_add_key(&tree, last), 0);
		kho_radix_del_key(&tree, round ? last : first);
		EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
		kho_tree_check(&tree, &keep, 1, 0);
		kho_radix_del_key(&tree, keep);
		EXPECT_EQ(kho_shim_pages_live(), 1);
	}
	/* The same at the far ends of a table. */
	{
		unsigned long lo = BIT(KHO_RADIX_KEY_WIDTH - 1);
		unsigned long hi = lo | ((unsigned long)(KHO_RADIX_TABLE_ENTRIES - 1) <<
					 kho_radix_level_shift(1));
		unsigned long both[2] = { lo, hi };

		EXPECT_EQ(kho_radix_add_key(&tree, lo), 0);
		EXPECT_EQ(kho_radix_add_key(&tree, hi), 0);
		kho_tree_check(&tree, both, 2, 0);
		kho_radix_del_key(&tree, lo);
		kho_tree_check(&tree, &hi, 1, 0);
		kho_radix_del_key(&tree, hi);
		EXPECT_EQ(kho_shim_pages_live(), 1);
	}
	kho_radix_tree_destroy(&tree);
}

/* Whatever was added, deleting it all in any order leaves the root alone. */
static void kho_radix_del_key_all_root_only_check(void)
{
	const size_t nr = 20000;
	unsigned long *keys = random_keys(nr, kho_test_seed());
	struct kho_radix_tree tree = {};
	struct kho_radix_stats stats;
	size_t i;

	if (!EXPECT_EQ(kho_radix_tree_init(&tree), 0))
		goto out;
	for (i = 0; i < nr; i++)
		EXPECT_EQ(kho_radix_add_key(&tree, keys[i]), 0);
	shuffle(keys, nr, kho_test_seed() + 1);
	for (i = 0; i < nr; i++)
		kho_radix_del_key(&tree, keys[i]);

	EXPECT_EQ(kho_radix_tree_stats(&tree, &stats), 0);
	EXPECT_EQ(stats.tables, 1);
	EXPECT_EQ(stats.leaves, 0);
	EXPECT_EQ(stats.keys, 0);
	EXPECT_EQ(kho_shim_pages_live(), 1);
	kho_radix_tree_destroy(&tree);
out:
	free(keys);
}

/*
 * Ten cycles of add-all then delete-all: the tree has the same number of
 * pages after every add, and only the root after every delete.
 */
static void kho_radix_del_key_cycles_stable_check(void)
{
	const size_t nr = 5000;
	unsigned long *keys = random_keys(nr, kho_test_seed() ^ 0xc0ffee);
	struct kho_radix_tree tree = {};
	struct kho_radix_stats first = {}, stats;
	unsigned int cycle;
	size_t i;

	if (!EXPECT_EQ(kho_radix_tree_init(&tree), 0))
		goto out;
	for (cycle = 0; cycle < 10; cycle++) {
		for (i = 0; i < nr; i++)
			EXPECT_EQ(kho_radix_add_key(&tree, keys[i]), 0);
		EXPECT_EQ(kho_radix_tree_stats(&tree, &stats), 0);
		if (!cycle)
			first = stats;
		EXPECT_EQ(stats.tables, first.tables);
		EXPECT_EQ(stats.leaves, first.leaves);
		EXPECT_EQ(stats.keys, first.keys);
		EXPECT_EQ(kho_shim_pages_live(), first.tables + first.leaves);

		shuffle(keys, nr, kho_test_seed() + cycle);
		for (i = 0; i < nr; i++)
			kho_radix_del_key(&tree, keys[i]);
		EXPECT_EQ(kho_shim_pages_live(), 1);
	}
	kho_radix_tree_destroy(&tree);
out:
	free(keys);
}

/*
 * The hot leaf is the last one used. Once a deletion frees it, the next key
 * of that leaf must build a new one rather than write into the freed page
 * (which ASan would report), and a key of another leaf must not land in it.
 *
 *   add A, add A+1   leaf L1 is hot
 *   del A, del A+1   L1 freed, nothing hot
 *   add A+2          a new leaf L1'
 *   add B            B's leaf becomes hot; A+2 stays where it is
 */
static void kho_radix_hot_leaf_reclaimed_check(void)
{
	unsigned long a = BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x40;
	unsigned long b = a ^ BIT(KHO_RADIX_LEAF_SHIFT);
	unsigned long want[2] = { b < a ? b : a + 2, b < a ? a + 2 : b };
	struct kho_radix_tree tree = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, a), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, a + 1), 0);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
	kho_radix_del_key(&tree, a);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
	kho_radix_del_key(&tree, a + 1);
	EXPECT_EQ(kho_shim_pages_live(), 1);
	EXPECT(!kho_radix_has_key(&tree, a + 1));

	EXPECT_EQ(kho_radix_add_key(&tree, a + 2), 0);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
	EXPECT_EQ(kho_radix_add_key(&tree, b), 0);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH + 1);
	kho_tree_check(&tree, want, 2, 0);

	/* Deleting a key the hot leaf does not hold changes nothing. */
	kho_radix_del_key(&tree, b + 1);
	kho_tree_check(&tree, want, 2, 0);
	EXPECT(kho_radix_has_key(&tree, b));
	EXPECT(!kho_radix_has_key(&tree, b + 1));
	kho_radix_tree_destroy(&tree);
	EXPECT_EQ(kho_shim_pages_live(), 0);
}

/* Destroy frees a large tree completely (the runner counts the pages). */
static void kho_radix_tree_destroy_large_check(void)
{
	const size_t nr = 20000;
	unsigned long *keys = random_keys(nr, kho_test_seed() ^ 0xd00d);
	struct kho_radix_tree tree = {};
	size_t i;

	if (!EXPECT_EQ(kho_radix_tree_init(&tree), 0))
		goto out;
	for (i = 0; i < nr; i++)
		EXPECT_EQ(kho_radix_add_key(&tree, keys[i]), 0);
	EXPECT(kho_shim_pages_live() > 1000);
	kho_radix_tree_destroy(&tree);
	EXPECT_EQ(kho_shim_pages_live(), 0);
out:
	free(keys);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_del_key_sibling_leaves_check),
	KHO_CASE(kho_radix_del_key_leaf_edges_check),
	KHO_CASE(kho_radix_del_key_all_root_only_check),
	KHO_CASE(kho_radix_del_key_cycles_stable_check),
	KHO_CASE(kho_radix_hot_leaf_reclaimed_check),
	KHO_CASE(kho_radix_tree_destroy_large_check),
};

KHO_SUITE(reclaim_suite, cases);
