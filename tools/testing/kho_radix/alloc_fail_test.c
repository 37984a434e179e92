// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure and allocation-time races in kho_radix_add_key().
 *
 * The add allocates every page it may need with the lock dropped, then
 * relocks and links. Here each allocation point fails in turn, and other
 * users change the tree while the add is allocating (from the shim's
 * allocation hook, which runs exactly where the lock is dropped).
 */
#include "harness.h"

static const unsigned long key_a = BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x42;

/* A key that shares @key_a's path above @level and nothing below it. */
static unsigned long diverge_at(unsigned int level)
{
	return key_a ^ BIT(kho_radix_level_shift(level));
}

/*
 * For every way an add can find the tree (path complete, or missing its
 * lowest l pages), fail allocation 1, 2, ... l in turn: each failure
 * returns -ENOMEM and leaves the very same pages, keys and page count.
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf        key A, already there
 *             \
 *              [2] -> [1] -> [leaf]       key B needs 3; fail 1st, 2nd, 3rd
 */
static void kho_radix_add_key_nomem_every_point_check(void)
{
	unsigned int level, nth;

	for (level = 0; level <= KHO_RADIX_TOP_LEVEL; level++) {
		unsigned long key_b = diverge_at(level);
		struct kho_snapshot before, after;
		struct kho_radix_tree tree = {};
		unsigned long live, calls;

		ASSERT_EQ(kho_radix_tree_init(&tree), 0);
		/* level == TOP: A is absent too, so B starts from an empty root. */
		if (level < KHO_RADIX_TOP_LEVEL)
			EXPECT_EQ(kho_radix_add_key(&tree, key_a), 0);
		kho_snapshot_take(&tree, &before);
		live = kho_shim_pages_live();

		for (nth = 1; nth <= level; nth++) {
			kho_shim_fail_nth(nth);
			EXPECT_EQ(kho_radix_add_key(&tree, key_b), -ENOMEM);
			kho_shim_fail_nth(0);
			EXPECT_EQ(kho_shim_locks_held(), 0);
			EXPECT_EQ(kho_shim_pages_live(), live);
			kho_snapshot_take(&tree, &after);
			EXPECT(kho_snapshot_equal(&before, &after));
			kho_snapshot_free(&after);
			EXPECT(!kho_radix_has_key(&tree, key_b));
		}

		/* One more than needed never fails: exactly @level allocations. */
		kho_shim_fail_nth(level + 1);
		calls = kho_shim_alloc_calls();
		EXPECT_EQ(kho_radix_add_key(&tree, key_b), 0);
		kho_shim_fail_nth(0);
		EXPECT_EQ(kho_shim_alloc_calls() - calls, level);
		EXPECT_EQ(kho_shim_pages_live(), live + level);
		EXPECT(kho_radix_has_key(&tree, key_b));
		kho_snapshot_free(&before);
		kho_radix_tree_destroy(&tree);
	}
}

struct race {
	struct kho_radix_tree *tree;
	unsigned long del_key, add_key;
	unsigned long on_call;
	unsigned int fired;
};

static void race_hook(unsigned long nth, void *arg)
{
	struct race *r = arg;

	if (nth != r->on_call)
		return;
	r->fired++;
	if (r->del_key)
		kho_radix_del_key(r->tree, r->del_key);
	if (r->add_key)
		EXPECT_EQ(kho_radix_add_key(r->tree, r->add_key), 0);
}

/*
 * B shares everything but its leaf with A. While B's leaf is being
 * allocated, A is deleted and its whole path reclaimed, so B finds more
 * pages missing than it allocated and must go round again:
 *
 *   before:  5 -> 4 -> 3 -> 2 -> 1 -> leaf(A)     B needs [leaf]
 *   race:    5                                    A deleted meanwhile
 *   after:   5 -> 4 -> 3 -> 2 -> 1 -> leaf(B)     all new, nothing leaked
 */
static void kho_radix_add_key_reclaim_during_alloc_check(void)
{
	unsigned long key_b = diverge_at(1);
	struct kho_radix_tree tree = {};
	struct race r = { .tree = &tree, .del_key = key_a, .on_call = 1 };
	unsigned long calls;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, key_a), 0);
	calls = kho_shim_alloc_calls();
	kho_shim_set_alloc_hook(race_hook, &r);
	EXPECT_EQ(kho_radix_add_key(&tree, key_b), 0);
	kho_shim_set_alloc_hook(NULL, NULL);
	EXPECT_EQ(r.fired, 1);
	EXPECT_EQ(kho_shim_alloc_calls() - calls, KHO_RADIX_TABLE_LEVELS);
	kho_tree_check(&tree, &key_b, 1, 0);
	kho_radix_tree_destroy(&tree);
}

/*
 * The opposite race: while B allocates its full path, A is added and builds
 * all of it but the leaf. B then uses one spare and frees the others.
 */
static void kho_radix_add_key_grow_during_alloc_check(void)
{
	unsigned long key_b = diverge_at(1);
	unsigned long keys[2] = { key_a, key_b };
	struct kho_radix_tree tree = {};
	struct race r = { .tree = &tree, .add_key = key_a, .on_call = 1 };

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	kho_shim_set_alloc_hook(race_hook, &r);
	EXPECT_EQ(kho_radix_add_key(&tree, key_b), 0);
	kho_shim_set_alloc_hook(NULL, NULL);
	EXPECT_EQ(r.fired, 1);
	kho_sort_keys(keys, 2);
	kho_tree_check(&tree, keys, 2, 0);
	EXPECT_EQ(kho_shim_pages_live(), KHO_RADIX_DEPTH + 1);
	kho_radix_tree_destroy(&tree);
}

/*
 * The reclaim race again, now failing the allocation of the second round:
 * -ENOMEM, and the tree is exactly what the racing deletion left (the
 * root), with every spare of both rounds freed.
 */
static void kho_radix_add_key_nomem_after_reclaim_check(void)
{
	unsigned long key_b = diverge_at(1);
	unsigned int nth;

	for (nth = 2; nth <= KHO_RADIX_TABLE_LEVELS; nth++) {
		struct kho_radix_tree tree = {};
		struct race r = { .tree = &tree, .del_key = key_a, .on_call = 1 };

		ASSERT_EQ(kho_radix_tree_init(&tree), 0);
		EXPECT_EQ(kho_radix_add_key(&tree, key_a), 0);
		kho_shim_set_alloc_hook(race_hook, &r);
		kho_shim_fail_nth(nth);
		EXPECT_EQ(kho_radix_add_key(&tree, key_b), -ENOMEM);
		kho_shim_fail_nth(0);
		kho_shim_set_alloc_hook(NULL, NULL);
		EXPECT_EQ(kho_shim_pages_live(), 1);
		kho_tree_check(&tree, NULL, 0, 0);
		kho_radix_tree_destroy(&tree);
	}
}

/* A second tree's add does not disturb the first (no shared state). */
static void kho_radix_add_key_nomem_two_trees_check(void)
{
	struct kho_radix_tree one = {}, two = {};
	unsigned long live;

	ASSERT_EQ(kho_radix_tree_init(&one), 0);
	ASSERT_EQ(kho_radix_tree_init(&two), 0);
	EXPECT_EQ(kho_radix_add_key(&one, key_a), 0);
	live = kho_shim_pages_live();
	kho_shim_fail_nth(3);
	EXPECT_EQ(kho_radix_add_key(&two, key_a), -ENOMEM);
	kho_shim_fail_nth(0);
	EXPECT_EQ(kho_shim_pages_live(), live);
	kho_tree_check(&one, &key_a, 1, 1);
	kho_tree_check(&two, NULL, 0, KHO_RADIX_DEPTH);
	kho_radix_tree_destroy(&one);
	kho_radix_tree_destroy(&two);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_add_key_nomem_every_point_check),
	KHO_CASE(kho_radix_add_key_reclaim_during_alloc_check),
	KHO_CASE(kho_radix_add_key_grow_during_alloc_check),
	KHO_CASE(kho_radix_add_key_nomem_after_reclaim_check),
	KHO_CASE(kho_radix_add_key_nomem_two_trees_check),
};

KHO_SUITE(alloc_fail_suite, cases);
