// SPDX-License-Identifier: GPL-2.0
/*
 * Walks: key order, early stops, node visits, and walks of trees that were
 * built by hand (as a previous kernel would have left them), including
 * corrupt ones that only the node callback can stop.
 */
#include <stdlib.h>

#include <linux/gfp.h>
#include <linux/io.h>

#include "harness.h"

/* Stop (returning @ret) at key number @stop_key or page @stop_page of @stop_level. */
struct counter {
	unsigned long calls, stop_key, stop_page;
	int ret;
	unsigned int stop_level;
	unsigned long per_level[KHO_RADIX_DEPTH];
	unsigned int locks_seen;
};

static int count_leaf(unsigned long key, void *data)
{
	struct counter *c = data;

	c->locks_seen |= 1U << kho_shim_locks_held();
	return ++c->calls == c->stop_key ? c->ret : 0;
}

static int count_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct counter *c = data;

	c->locks_seen |= 1U << kho_shim_locks_held();
	if (++c->per_level[level] == c->stop_page && level == c->stop_level)
		return c->ret;
	return 0;
}

static void fill(struct kho_radix_tree *tree, unsigned long *keys, size_t nr,
		 uint64_t rng)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		unsigned int order = kho_rand(&rng) % 12;
		u64 phys = kho_rand(&rng) & ((1ULL << 44) - 1);

		keys[i] = kho_radix_encode_key(phys & ~((PAGE_SIZE << order) - 1), order);
	}
	for (i = 0; i < nr; i++)
		kho_radix_add_key(tree, keys[i]);
	kho_sort_keys(keys, nr);
}

/* Keys of mixed orders added in random order come back sorted. */
static void kho_radix_walk_tree_ascending_check(void)
{
	struct kho_radix_tree tree = {};
	unsigned long keys[5000];

	size_t i, n = 1;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	fill(&tree, keys, 5000, kho_test_seed());
	/* Random addresses may repeat; the set holds each key once. */
	for (i = 1; i < 5000; i++)
		if (keys[i] != keys[n - 1])
			keys[n++] = keys[i];
	kho_tree_check(&tree, keys, n, 0);
	kho_radix_tree_destroy(&tree);
}

static void kho_radix_walk_tree_leaf_stop_check(void)
{
	const unsigned long stops[] = { 1, 3, 64, 99, 100 };
	const struct kho_radix_walk_cb cb = { .leaf = count_leaf };
	struct kho_radix_tree tree = {};
	unsigned int i;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	for (i = 0; i < 100; i++)
		EXPECT_EQ(kho_radix_add_key(&tree, BIT(KHO_RADIX_KEY_WIDTH - 1) | (i * 997UL)), 0);

	for (i = 0; i < ARRAY_SIZE(stops); i++) {
		struct counter c = { .stop_key = stops[i], .ret = 7 + i };

		EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), 7 + i);
		EXPECT_EQ(c.calls, stops[i]);
	}
	/* Negative values, like errnos, are returned just the same. */
	{
		struct counter c = { .stop_key = 5, .ret = -EFAULT };

		EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), -EFAULT);
		EXPECT_EQ(c.calls, 5);
	}
	kho_radix_tree_destroy(&tree);
}

/*
 * Stopping at a page means nothing below it is visited: stop at the root
 * and no key is seen; stop at the second leaf and only the first leaf's keys
 * are seen.
 */
static void kho_radix_walk_tree_node_stop_check(void)
{
	const struct kho_radix_walk_cb cb = { .node = count_node, .leaf = count_leaf };
	struct kho_radix_tree tree = {};
	unsigned long base = BIT(KHO_RADIX_KEY_WIDTH - 1);
	struct counter c;
	unsigned int i;

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	/* Three leaves with three keys each. */
	for (i = 0; i < 9; i++)
		EXPECT_EQ(kho_radix_add_key(&tree, base + (i / 3) * KHO_RADIX_LEAF_BITS + i), 0);

	c = (struct counter){ .stop_page = 1, .stop_level = KHO_RADIX_TOP_LEVEL, .ret = -42 };
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), -42);
	EXPECT_EQ(c.calls, 0);
	EXPECT_EQ(c.per_level[KHO_RADIX_TOP_LEVEL - 1], 0);

	c = (struct counter){ .stop_page = 2, .stop_level = 0, .ret = -42 };
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), -42);
	EXPECT_EQ(c.calls, 3);
	EXPECT_EQ(c.per_level[0], 2);

	c = (struct counter){ .stop_page = 1, .stop_level = 1, .ret = 1 };
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), 1);
	EXPECT_EQ(c.per_level[0], 0);
	kho_radix_tree_destroy(&tree);
}

/*
 * ENTRIES + 2 leaves side by side need two level-1 tables and one table at
 * every level above:
 *
 *   5 -> 4 -> 3 -> 2 -+-> 1 -> leaf x ENTRIES
 *                     +-> 1 -> leaf x 2
 */
static void kho_radix_walk_tree_node_once_check(void)
{
	const struct kho_radix_walk_cb cb = { .node = count_node };
	const unsigned long nr = KHO_RADIX_TABLE_ENTRIES + 2;
	struct kho_radix_tree tree = {};
	struct kho_radix_stats stats;
	struct counter c = {};
	unsigned long *keys = calloc(nr, sizeof(*keys));
	unsigned int level;
	unsigned long i;

	ASSERT(keys);
	if (!EXPECT_EQ(kho_radix_tree_init(&tree), 0))
		goto out;
	for (i = 0; i < nr; i++) {
		keys[i] = BIT(KHO_RADIX_KEY_WIDTH - 1) | (i << KHO_RADIX_LEAF_SHIFT) | (i % 7);
		EXPECT_EQ(kho_radix_add_key(&tree, keys[i]), 0);
	}
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), 0);
	EXPECT_EQ(c.per_level[0], nr);
	EXPECT_EQ(c.per_level[1], 2);
	for (level = 2; level <= KHO_RADIX_TOP_LEVEL; level++)
		EXPECT_EQ(c.per_level[level], 1);
	/* A node-only walk reads no leaf, so it never calls a leaf callback. */
	EXPECT_EQ(c.calls, 0);

	EXPECT_EQ(kho_radix_tree_stats(&tree, &stats), 0);
	EXPECT_EQ(stats.leaves, nr);
	EXPECT_EQ(stats.tables, KHO_RADIX_TOP_LEVEL + 1);
	EXPECT_EQ(stats.keys, nr);
	kho_tree_check(&tree, keys, nr, 0);
	kho_radix_tree_destroy(&tree);
out:
	free(keys);
}

static void kho_radix_walk_tree_null_callbacks_check(void)
{
	const struct kho_radix_walk_cb none = {};
	const struct kho_radix_walk_cb leaf_only = { .leaf = count_leaf };
	const struct kho_radix_walk_cb node_only = { .node = count_node };
	struct kho_radix_tree tree = {};
	struct counter c = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, 12345), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, BIT(KHO_RADIX_KEY_WIDTH) - 1), 0);
	EXPECT_EQ(kho_radix_walk_tree(&tree, &none, NULL), 0);
	EXPECT_EQ(kho_radix_walk_tree(&tree, &leaf_only, &c), 0);
	EXPECT_EQ(c.calls, 2);
	EXPECT_EQ(kho_radix_walk_tree(&tree, &node_only, &c), 0);
	EXPECT_EQ(c.per_level[0], 2);
	kho_radix_tree_destroy(&tree);
}

/* Callbacks of the locked walk run under the lock; the __ walk takes none. */
static void kho_radix_walk_tree_lock_context_check(void)
{
	const struct kho_radix_walk_cb cb = { .node = count_node, .leaf = count_leaf };
	struct kho_radix_tree tree = {};
	struct counter c = {};

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	EXPECT_EQ(kho_radix_add_key(&tree, 777), 0);
	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &c), 0);
	EXPECT_EQ(c.locks_seen, 1U << 1);
	c = (struct counter){};
	EXPECT_EQ(__kho_radix_walk_tree(&tree, &cb, &c), 0);
	EXPECT_EQ(c.locks_seen, 1U << 0);
	kho_radix_tree_destroy(&tree);
}

static void *new_page(void)
{
	return (void *)get_zeroed_page(GFP_KERNEL);
}

/* Build, by hand, the path of @key below @root, sharing existing tables. */
static struct kho_radix_leaf *hand_path(struct kho_radix_node *root, unsigned long key)
{
	struct kho_radix_node *table = root;
	unsigned int level, idx;

	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		idx = (key >> kho_radix_level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
		if (!table->table[idx])
			table->table[idx] = virt_to_phys(new_page());
		table = phys_to_virt(table->table[idx]);
	}
	return (struct kho_radix_leaf *)table;
}

struct vetting {
	phys_addr_t known[16];
	unsigned int nr_known;
	unsigned long keys_seen;
};

static int vet_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct vetting *v = data;
	unsigned int i;

	for (i = 0; i < v->nr_known; i++)
		if (v->known[i] == phys)
			return 0;
	return -EFAULT;
}

static int vet_leaf(unsigned long key, void *data)
{
	((struct vetting *)data)->keys_seen++;
	return 0;
}

static int record_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct vetting *v = data;

	v->known[v->nr_known++] = phys;
	return 0;
}

/*
 * A handed-over tree whose root has a wild entry after a good subtree:
 *
 *   root -+-> 4 -> 3 -> 2 -> 1 -> leaf     (good, walked first)
 *         +-> 0x1000 (nothing there)
 *
 * The node callback refuses the wild address before the walk touches it;
 * reading it would crash the harness.
 */
static void kho_radix_walk_tree_node_vets_before_read_check(void)
{
	const struct kho_radix_walk_cb record = { .node = record_node };
	const struct kho_radix_walk_cb vet = { .node = vet_node, .leaf = vet_leaf };
	unsigned long key = BIT(KHO_RADIX_KEY_WIDTH - 1) | 5;
	struct kho_radix_tree tree = {};
	struct kho_radix_node *root = new_page(), *l1;
	struct vetting v = {};
	unsigned int level, idx;

	ASSERT(root);
	__set_bit(5, hand_path(root, key)->bitmap);
	kho_radix_tree_adopt(&tree, root);
	EXPECT_EQ(__kho_radix_walk_tree(&tree, &record, &v), 0);
	EXPECT_EQ(v.nr_known, KHO_RADIX_DEPTH);

	idx = (key >> kho_radix_level_shift(KHO_RADIX_TOP_LEVEL)) & (KHO_RADIX_TABLE_ENTRIES - 1);
	root->table[idx + 1] = virt_to_phys((void *)0x1000);
	EXPECT_EQ(__kho_radix_walk_tree(&tree, &vet, &v), -EFAULT);
	EXPECT_EQ(v.keys_seen, 1);
	root->table[idx + 1] = 0;

	/* The same one level above the leaves. */
	l1 = root;
	for (level = KHO_RADIX_TOP_LEVEL; level > 1; level--)
		l1 = phys_to_virt(l1->table[(key >> kho_radix_level_shift(level)) &
					    (KHO_RADIX_TABLE_ENTRIES - 1)]);
	l1->table[KHO_RADIX_TABLE_ENTRIES - 1] = virt_to_phys((void *)0x1000);
	v.keys_seen = 0;
	EXPECT_EQ(kho_radix_walk_tree(&tree, &vet, &v), -EFAULT);
	EXPECT_EQ(v.keys_seen, 1);
	l1->table[KHO_RADIX_TABLE_ENTRIES - 1] = 0;

	kho_radix_tree_destroy(&tree);
}

/*
 * A tree built by hand, as a previous kernel would leave it, walks to the
 * keys the ABI says; entries beyond the key width (possible only in a
 * corrupt tree) are reported as keys that the codec then rejects.
 */
static void kho_radix_walk_tree_hand_built_check(void)
{
	const struct kho_radix_walk_cb cb = { .leaf = vet_leaf };
	unsigned long good = BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x123456;
	unsigned long wide = (unsigned long)(KHO_RADIX_TABLE_ENTRIES - 1) <<
			     kho_radix_level_shift(KHO_RADIX_TOP_LEVEL);
	struct kho_radix_tree tree = {};
	struct kho_radix_node *root = new_page();
	unsigned long keys[2] = { good, wide | 9 };
	struct vetting v = {};
	phys_addr_t phys;
	unsigned int order;

	ASSERT(root);
	__set_bit(good & (KHO_RADIX_LEAF_BITS - 1), hand_path(root, good)->bitmap);
	__set_bit(9, hand_path(root, wide)->bitmap);
	kho_radix_tree_adopt(&tree, root);

	EXPECT_EQ(kho_radix_walk_tree(&tree, &cb, &v), 0);
	EXPECT_EQ(v.keys_seen, 2);
	kho_tree_check(&tree, keys, 2, 0);
	EXPECT_EQ(kho_radix_decode_key(good, &phys, &order), 0);
	EXPECT_EQ(kho_radix_decode_key(wide | 9, &phys, &order), -EINVAL);
	kho_radix_tree_destroy(&tree);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_walk_tree_ascending_check),
	KHO_CASE(kho_radix_walk_tree_leaf_stop_check),
	KHO_CASE(kho_radix_walk_tree_node_stop_check),
	KHO_CASE(kho_radix_walk_tree_node_once_check),
	KHO_CASE(kho_radix_walk_tree_null_callbacks_check),
	KHO_CASE(kho_radix_walk_tree_lock_context_check),
	KHO_CASE(kho_radix_walk_tree_node_vets_before_read_check),
	KHO_CASE(kho_radix_walk_tree_hand_built_check),
};

KHO_SUITE(walk_suite, cases);
