// SPDX-License-Identifier: GPL-2.0
/*
 * Life cycle and single-key operations: init, adopt, destroy, add, del, has.
 *
 * Levels are drawn top down; "5" is the root with 4 KiB pages:
 *
 *   5 (root) -> 4 -> 3 -> 2 -> 1 -> leaf (0)
 */
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/string.h>

#include "harness.h"

static const unsigned long some_key = BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x123456;

static void kho_radix_tree_init_empty_check(void)
{
	struct kho_radix_tree tree = {};
	struct kho_radix_stats stats;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT(tree.root);
	EXPECT_EQ(kho_shim_pages_live(), 1);
	EXPECT(!memchr_inv(tree.root, 0, PAGE_SIZE));
	EXPECT_EQ(kho_radix_tree_stats(&tree, &stats), 0);
	EXPECT_EQ(stats.tables, 1);
	EXPECT_EQ(stats.leaves, 0);
	EXPECT_EQ(stats.keys, 0);
	kho_tree_check(&tree, NULL, 0, 0);

	kho_radix_tree_destroy(&tree);
	EXPECT(!tree.root);
	EXPECT_EQ(kho_shim_pages_live(), 0);
	/* A second destroy is harmless. */
	kho_radix_tree_destroy(&tree);
	EXPECT_EQ(kho_shim_pages_live(), 0);
}

static void kho_radix_tree_init_nomem_check(void)
{
	struct kho_radix_tree tree = {};

	kho_shim_fail_nth(1);
	EXPECT_EQ(kho_radix_tree_init(&tree), -ENOMEM);
	EXPECT(!tree.root);
	EXPECT_EQ(kho_shim_pages_live(), 0);
}

/*
 * An empty tree has only its root, so the first key needs one page for
 * every level below it:
 *
 *   5 -> [4] -> [3] -> [2] -> [1] -> [leaf]     [ ] = allocated by the add
 */
static void kho_radix_add_key_first_key_check(void)
{
	struct kho_radix_tree tree = {};
	unsigned long calls;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	calls = kho_shim_alloc_calls();
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	EXPECT_EQ(kho_shim_alloc_calls() - calls, KHO_RADIX_TABLE_LEVELS);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH);
	EXPECT(kho_radix_has_key(&tree, some_key));
	kho_tree_check(&tree, &some_key, 1, 0);
	kho_radix_tree_destroy(&tree);
}

static void kho_radix_add_key_idempotent_check(void)
{
	struct kho_radix_tree tree = {};
	struct kho_snapshot before, after;
	unsigned long calls;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	kho_snapshot_take(&tree, &before);
	calls = kho_shim_alloc_calls();
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	/* A key whose path exists costs no allocation at all. */
	EXPECT_EQ(kho_shim_alloc_calls(), calls);
	kho_snapshot_take(&tree, &after);
	EXPECT(kho_snapshot_equal(&before, &after));
	kho_snapshot_free(&before);
	kho_snapshot_free(&after);
	kho_radix_tree_destroy(&tree);
}

static void kho_radix_add_key_invalid_check(void)
{
	const unsigned long bad[] = {
		0, BIT(KHO_RADIX_KEY_WIDTH), BIT(KHO_RADIX_KEY_WIDTH) | 1, BIT(63), ~0UL,
	};
	const unsigned long edges[] = { 1, 2, BIT(KHO_RADIX_KEY_WIDTH) - 1 };
	struct kho_radix_tree tree = {};
	unsigned long calls;
	unsigned int i;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	calls = kho_shim_alloc_calls();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(kho_radix_add_key(&tree, bad[i]), -EINVAL);
		EXPECT(!kho_radix_has_key(&tree, bad[i]));
		kho_radix_del_key(&tree, bad[i]);
	}
	EXPECT_EQ(kho_shim_alloc_calls(), calls);
	kho_tree_check(&tree, NULL, 0, 0);

	/* The smallest and largest keys the tree can hold. */
	for (i = 0; i < ARRAY_SIZE(edges); i++)
		EXPECT_EQ(kho_radix_add_key(&tree, edges[i]), 0);
	kho_tree_check(&tree, edges, 3, 0);
	kho_radix_tree_destroy(&tree);
}

/*
 * A second key that first differs from the first one in the index of level
 * l shares the path above l and needs exactly l new pages:
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf          (first key)
 *             \
 *              [2] -> [1] -> [leaf]         (second key, l = 3)
 */
static void kho_radix_add_key_shared_path_check(void)
{
	unsigned int level;

	for (level = 0; level <= KHO_RADIX_TOP_LEVEL; level++) {
		unsigned long other = some_key ^ BIT(kho_radix_level_shift(level));
		struct kho_radix_tree tree = {};
		unsigned long keys[2], calls;

		keys[0] = some_key;
		keys[1] = other;
		kho_sort_keys(keys, 2);

		ASSERT_EQ(kho_radix_tree_init(&tree), 0);
		EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
		calls = kho_shim_alloc_calls();
		EXPECT_EQ(kho_radix_add_key(&tree, other), 0);
		EXPECT_EQ(kho_shim_alloc_calls() - calls, level);
		kho_tree_check(&tree, keys, 2, 0);
		kho_radix_tree_destroy(&tree);
	}
}

/*
 * Follow the ABI by hand: the DOC example key must sit in exactly the entry
 * and bit the header describes, with every other entry on the path empty.
 */
static void kho_radix_add_key_abi_layout_check(void)
{
	struct kho_radix_tree tree = {};
	struct kho_radix_node *table;
	struct kho_radix_leaf *leaf;
	unsigned int level, idx, i;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	ASSERT_EQ(kho_radix_add_key(&tree, some_key), 0);

	table = tree.root;
	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		idx = (some_key >> kho_radix_level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
		for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
			if (i != idx)
				EXPECT_EQ(table->table[i], 0);
		ASSERT(table->table[idx] != 0);
		ASSERT_EQ(table->table[idx] & (PAGE_SIZE - 1), 0);
		table = phys_to_virt(table->table[idx]);
	}
	leaf = (struct kho_radix_leaf *)table;
	idx = some_key & (KHO_RADIX_LEAF_BITS - 1);
	EXPECT(test_bit(idx, leaf->bitmap));
	__clear_bit(idx, leaf->bitmap);
	EXPECT(!memchr_inv(leaf, 0, PAGE_SIZE));
	__set_bit(idx, leaf->bitmap);

	if (PAGE_SHIFT == 12) {
		/* The indices spelled out in the ABI DOC comment. */
		EXPECT_EQ(some_key, 0x0010000000123456UL);
		EXPECT_EQ(some_key >> kho_radix_level_shift(5) & 511, 2);
		EXPECT_EQ(some_key >> kho_radix_level_shift(1) & 511, 0x24);
		EXPECT_EQ(idx, 0x3456);
	}
	kho_radix_tree_destroy(&tree);
}

static void kho_radix_has_key_check(void)
{
	struct kho_radix_tree tree = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT(!kho_radix_has_key(&tree, some_key));
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	EXPECT(kho_radix_has_key(&tree, some_key));
	/* Same leaf, bit clear. */
	EXPECT(!kho_radix_has_key(&tree, some_key + 1));
	/* No path at all. */
	EXPECT(!kho_radix_has_key(&tree, some_key ^ BIT(kho_radix_level_shift(KHO_RADIX_TOP_LEVEL))));
	EXPECT(!kho_radix_has_key(&tree, 0));
	EXPECT(!kho_radix_has_key(&tree, some_key | BIT(KHO_RADIX_KEY_WIDTH)));
	EXPECT_EQ(kho_shim_locks_held(), 0);
	kho_radix_tree_destroy(&tree);
}

static void kho_radix_del_key_absent_check(void)
{
	struct kho_radix_tree tree = {};
	struct kho_snapshot before, after;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	kho_snapshot_take(&tree, &before);

	kho_radix_del_key(&tree, some_key + 1);		/* leaf exists, bit clear */
	kho_radix_del_key(&tree, some_key ^ BIT(kho_radix_level_shift(1)));	/* no leaf */
	kho_radix_del_key(&tree, 0);
	kho_radix_del_key(&tree, ~0UL);

	kho_snapshot_take(&tree, &after);
	EXPECT(kho_snapshot_equal(&before, &after));
	EXPECT_EQ(kho_shim_locks_held(), 0);
	kho_snapshot_free(&before);
	kho_snapshot_free(&after);
	kho_radix_tree_destroy(&tree);
}

/*
 * Deleting the only key frees its whole path but keeps the root:
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf   ==>   5
 */
static void kho_radix_del_key_only_key_check(void)
{
	struct kho_radix_tree tree = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, some_key), 0);
	kho_radix_del_key(&tree, some_key);
	EXPECT(!kho_radix_has_key(&tree, some_key));
	EXPECT_EQ(kho_shim_pages_live(), 1);
	kho_tree_check(&tree, NULL, 0, 0);
	kho_radix_tree_destroy(&tree);
}

/* A tree built by one owner is taken over, read and changed by another. */
static void kho_radix_tree_adopt_check(void)
{
	const unsigned long keys[] = { 1, some_key, BIT(KHO_RADIX_KEY_WIDTH) - 1 };
	struct kho_radix_tree old = {}, new = {};
	struct kho_snapshot before, after;
	unsigned int i;

	ASSERT_EQ(kho_radix_tree_init(&old), 0);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(kho_radix_add_key(&old, keys[i]), 0);
	kho_snapshot_take(&old, &before);

	kho_radix_tree_adopt(&new, old.root);
	old.root = NULL;
	kho_snapshot_take(&new, &after);
	EXPECT(kho_snapshot_equal(&before, &after));
	kho_tree_check(&new, keys, 3, 0);

	kho_radix_del_key(&new, some_key);
	EXPECT(!kho_radix_has_key(&new, some_key));
	kho_snapshot_free(&before);
	kho_snapshot_free(&after);
	kho_radix_tree_destroy(&new);
}

/* Every entry point copes with a tree that has no root (never set up). */
static void kho_radix_tree_no_root_check(void)
{
	const struct kho_radix_walk_cb cb = {};
	struct kho_radix_tree tree = {};
	struct kho_radix_stats stats;

	EXPECT_EQ(kho_radix_add_key(&tree, some_key), -EINVAL);
	EXPECT(!kho_radix_has_key(&tree, some_key));
	kho_radix_del_key(&tree, some_key);
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, NULL), -EINVAL);
	EXPECT_EQ(__kho_radix_walk_tree(&tree, &cb, NULL), -EINVAL);
	EXPECT_EQ(kho_radix_tree_stats(&tree, &stats), -EINVAL);
	kho_radix_tree_destroy(&tree);
	EXPECT_EQ(kho_shim_pages_live(), 0);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_tree_init_empty_check),
	KHO_CASE(kho_radix_tree_init_nomem_check),
	KHO_CASE(kho_radix_add_key_first_key_check),
	KHO_CASE(kho_radix_add_key_idempotent_check),
	KHO_CASE(kho_radix_add_key_invalid_check),
	KHO_CASE(kho_radix_add_key_shared_path_check),
	KHO_CASE(kho_radix_add_key_abi_layout_check),
	KHO_CASE(kho_radix_has_key_check),
	KHO_CASE(kho_radix_del_key_absent_check),
	KHO_CASE(kho_radix_del_key_only_key_check),
	KHO_CASE(kho_radix_tree_adopt_check),
	KHO_CASE(kho_radix_tree_no_root_check),
};

KHO_SUITE(tree_suite, cases);
