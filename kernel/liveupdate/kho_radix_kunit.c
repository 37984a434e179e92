// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the KHO key codec and radix tree
 *
 * The codec cases take every order from 0 to KHO_RADIX_MAX_ORDER to the
 * edges of the physical address space and feed the decoder the keys a
 * successor must refuse. The tree cases run on private trees, never on the
 * one KHO hands over, and each tree is destroyed by a kunit action.
 *
 * Order-0 keys are written as page indices: kho_radix_kunit_page(n) is the
 * key of the page at n << PAGE_SHIFT, so keys n and n + 1 are neighbours in
 * one leaf, and n + KHO_RADIX_LEAF_BITS lies in the next leaf.
 *
 * The allocation failure cases make one tree page allocation of their own
 * task fail, through the fault-injection framework (CONFIG_FAIL_KHO).
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/array_size.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>

/* Keys a leaf covers, and keys a level-1 table covers. */
#define KHO_RADIX_KUNIT_LEAF_SPAN	((unsigned long)KHO_RADIX_LEAF_BITS)
#define KHO_RADIX_KUNIT_TABLE_SPAN	\
	(KHO_RADIX_KUNIT_LEAF_SPAN * KHO_RADIX_TABLE_ENTRIES)

/* Room for the keys and pages the walk cases record. */
#define KHO_RADIX_KUNIT_MAX_SEEN	32

static u64 kho_radix_kunit_size(unsigned int order)
{
	return (u64)PAGE_SIZE << order;
}

/*
 * The index of the highest block of @order whose end still fits below 2^64,
 * that is of the block at 2^64 - 2 * size. At KHO_RADIX_MAX_ORDER the
 * doubled size wraps to 0 and the result is 0: only the block at 0 exists.
 */
static u64 kho_radix_kunit_last(unsigned int order)
{
	return (0 - 2 * kho_radix_kunit_size(order)) >> (PAGE_SHIFT + order);
}

static unsigned long kho_radix_kunit_page(unsigned long n)
{
	return kho_radix_encode_key((u64)n << PAGE_SHIFT, 0);
}

/* Encode, check the order bit, decode, and compare. */
static void kho_radix_kunit_round_trip(struct kunit *test, u64 phys,
				       unsigned int order)
{
	unsigned int got_order = UINT_MAX;
	phys_addr_t got_phys = 1;
	unsigned long key;
	int err;

	key = kho_radix_encode_key(phys, order);
	KUNIT_EXPECT_EQ_MSG(test, fls64(key), KHO_RADIX_KEY_WIDTH - order,
			    "order %u at %#llx: key %#lx", order, phys, key);

	err = kho_radix_decode_key(key, &got_phys, &got_order);
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "order %u at %#llx", order, phys);
	KUNIT_EXPECT_EQ_MSG(test, (u64)got_phys, phys, "order %u", order);
	KUNIT_EXPECT_EQ_MSG(test, got_order, order, "at %#llx", phys);
}

/* Where, for every order, a round-trip case puts its block. */
struct kho_radix_edge_case {
	const char *desc;
	bool from_top;		/* count down from the highest block */
	unsigned int blocks;	/* distance from that edge, in blocks */
};

static const struct kho_radix_edge_case kho_radix_edge_cases[] = {
	{ "address 0",			false,	0 },
	{ "first block above 0",	false,	1 },
	{ "second block above 0",	false,	2 },
	{ "highest block",		true,	0 },
	{ "block below the highest",	true,	1 },
	{ "second block below the highest", true, 2 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_edge, kho_radix_edge_cases, desc);

/* Every order survives encode and decode at both ends of the address space. */
static void kho_radix_encode_key_edges(struct kunit *test)
{
	const struct kho_radix_edge_case *edge = test->param_value;
	unsigned int order, tested = 0;
	u64 last, n;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		last = kho_radix_kunit_last(order);
		if (edge->blocks > last)
			continue;

		n = edge->from_top ? last - edge->blocks : edge->blocks;
		kho_radix_kunit_round_trip(test, n << (PAGE_SHIFT + order), order);
		tested++;
	}

	/* Even the edges that few orders have must be reached by some. */
	KUNIT_EXPECT_GT(test, tested, 0);
}

/* Every order at every power of two it can start at. */
static void kho_radix_encode_key_powers_of_two(struct kunit *test)
{
	unsigned int order, bit;
	u64 last;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		last = kho_radix_kunit_last(order);
		for (bit = 0; bit < 64 - PAGE_SHIFT - order; bit++) {
			if (BIT_ULL(bit) > last)
				break;
			kho_radix_kunit_round_trip(test,
						   BIT_ULL(bit + PAGE_SHIFT + order),
						   order);
		}
	}
}

/*
 * Guards the worked example of the kho-v4 ABI DOC comment, which a stock
 * kernel on the other side of a kexec decodes the same way.
 */
static void kho_radix_encode_key_abi_example(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test,
			kho_radix_encode_key(0x123456ULL << PAGE_SHIFT, 0),
			BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x123456);
	KUNIT_EXPECT_EQ(test,
			kho_radix_encode_key(0x200ULL << (PAGE_SHIFT + 9), 9),
			BIT(KHO_RADIX_KEY_WIDTH - 10) | 0x200);

	if (PAGE_SHIFT != 12)
		return;
	KUNIT_EXPECT_EQ(test, KHO_RADIX_KEY_WIDTH, 53);
	KUNIT_EXPECT_EQ(test, KHO_RADIX_DEPTH, 6);
	KUNIT_EXPECT_EQ(test, kho_radix_encode_key(0x123456000ULL, 0),
			0x0010000000123456UL);
	KUNIT_EXPECT_EQ(test, kho_radix_encode_key(0x40000000ULL, 9),
			0x0000080000000200UL);
}

/* Blocks that have no key; encoding returns 0 for each. */
struct kho_radix_encode_reject_case {
	const char *desc;
	u64 phys;
	unsigned int order;
};

static const struct kho_radix_encode_reject_case kho_radix_encode_rejects[] = {
	{ "order 0 not page aligned",		PAGE_SIZE / 2,	0 },
	{ "order 1 on an odd page",		PAGE_SIZE,	1 },
	{ "order above KHO_RADIX_MAX_ORDER",	0,	KHO_RADIX_MAX_ORDER + 1 },
	{ "order 64",				0,	64 },
	{ "order UINT_MAX",			0,	UINT_MAX },
	{ "order 0 ending at 2^64",		0 - (u64)PAGE_SIZE, 0 },
	{ "largest order ending at 2^64",	BIT_ULL(63), KHO_RADIX_MAX_ORDER },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_encode_reject, kho_radix_encode_rejects, desc);

static void kho_radix_encode_key_rejects(struct kunit *test)
{
	const struct kho_radix_encode_reject_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, kho_radix_encode_key(c->phys, c->order), 0);
}

/*
 * Guards against keys that silently drop address bits or describe a block
 * whose end wraps past 2^64: at every order, misaligned blocks and the block
 * that ends exactly at 2^64 have no key.
 */
static void kho_radix_encode_key_rejects_every_order(struct kunit *test)
{
	unsigned int order;
	u64 size;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		size = kho_radix_kunit_size(order);
		KUNIT_EXPECT_EQ_MSG(test, kho_radix_encode_key(size / 2, order),
				    0, "order %u", order);
		KUNIT_EXPECT_EQ_MSG(test,
				    kho_radix_encode_key(size + PAGE_SIZE / 2, order),
				    0, "order %u", order);
		KUNIT_EXPECT_EQ_MSG(test, kho_radix_encode_key(0 - size, order),
				    0, "order %u", order);
	}
}

/* Keys a successor may read from a corrupt tree; decoding refuses each. */
struct kho_radix_decode_reject_case {
	const char *desc;
	unsigned long key;
};

static const struct kho_radix_decode_reject_case kho_radix_decode_rejects[] = {
	{ "zero: no order bit",			0 },
	{ "order bit at 0: order too large",	1 },
	{ "order bit just above the key width",	BIT(KHO_RADIX_KEY_WIDTH) },
	{ "too wide, with a valid key below",
	  BIT(KHO_RADIX_KEY_WIDTH) | BIT(KHO_RADIX_KEY_WIDTH - 1) },
	{ "bit 63",				BIT(63) },
	{ "all ones",				ULONG_MAX },
	{ "order 0 block ending at 2^64",
	  BIT(KHO_RADIX_KEY_WIDTH - 1) | (BIT(KHO_RADIX_KEY_WIDTH - 1) - 1) },
	{ "largest order, block at 2^63",	BIT(1) | 1 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_decode_reject, kho_radix_decode_rejects, desc);

/* Refused keys leave the outputs alone. */
static void kho_radix_decode_key_rejects(struct kunit *test)
{
	const struct kho_radix_decode_reject_case *c = test->param_value;
	phys_addr_t phys = 0x1234;
	unsigned int order = 77;

	KUNIT_EXPECT_EQ(test, kho_radix_decode_key(c->key, &phys, &order),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, (u64)phys, 0x1234ULL);
	KUNIT_EXPECT_EQ(test, order, 77);
}

/*
 * Guards the overflow of mainline's decoder, where 1 << (order + PAGE_SHIFT)
 * wrapped for blocks of 2 GiB and more: at every order, the key of the block
 * that would end at 2^64 (order bit, all ones below) is refused.
 */
static void kho_radix_decode_key_overflow_every_order(struct kunit *test)
{
	phys_addr_t phys = 0x1234;
	unsigned int order, got_order = 77;
	unsigned long bit;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		bit = BIT(KHO_RADIX_KEY_WIDTH - 1 - order);
		KUNIT_EXPECT_EQ_MSG(test,
				    kho_radix_decode_key(bit | (bit - 1), &phys,
							 &got_order),
				    -EINVAL, "order %u", order);
	}
	KUNIT_EXPECT_EQ(test, (u64)phys, 0x1234ULL);
	KUNIT_EXPECT_EQ(test, got_order, 77);
}

/*
 * A lone order bit is the block at 0: every position below the key width
 * names an order, except bit 0, whose order would be one too large.
 */
static void kho_radix_decode_key_order_bits(struct kunit *test)
{
	unsigned int pos, order;
	phys_addr_t phys;
	int err;

	for (pos = 0; pos < BITS_PER_LONG; pos++) {
		phys = 1;
		order = UINT_MAX;
		err = kho_radix_decode_key(BIT(pos), &phys, &order);
		if (!pos || pos >= KHO_RADIX_KEY_WIDTH) {
			KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "bit %u", pos);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, err, 0, "bit %u", pos);
		KUNIT_EXPECT_EQ_MSG(test, (u64)phys, 0ULL, "bit %u", pos);
		KUNIT_EXPECT_EQ_MSG(test, order, KHO_RADIX_KEY_WIDTH - 1 - pos,
				    "bit %u", pos);
	}
}

KUNIT_DEFINE_ACTION_WRAPPER(kho_radix_kunit_destroy, kho_radix_tree_destroy,
			    struct kho_radix_tree *);

/* A new empty tree, destroyed when the test ends. */
static struct kho_radix_tree *kho_radix_kunit_tree(struct kunit *test)
{
	struct kho_radix_tree *tree;
	int err;

	tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, tree);
	KUNIT_ASSERT_EQ(test, kho_radix_tree_init(tree), 0);

	err = kunit_add_action_or_reset(test, kho_radix_kunit_destroy, tree);
	KUNIT_ASSERT_EQ(test, err, 0);
	return tree;
}

static void kho_radix_kunit_add(struct kunit *test, struct kho_radix_tree *tree,
				const unsigned long *keys, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ_MSG(test, kho_radix_add_key(tree, keys[i]), 0,
				    "key %#lx", keys[i]);
}

static void kho_radix_kunit_expect_size(struct kunit *test,
					struct kho_radix_tree *tree,
					unsigned long tables,
					unsigned long leaves,
					unsigned long keys, int line)
{
	struct kho_radix_stats stats;

	KUNIT_ASSERT_EQ_MSG(test, kho_radix_tree_stats(tree, &stats), 0,
			    "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, stats.tables, tables, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, stats.leaves, leaves, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, stats.keys, keys, "line %d", line);
}

/* Expect @tree to hold @tables tables, @leaves leaves and @keys keys. */
#define KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, tables, leaves, keys)	\
	kho_radix_kunit_expect_size(test, tree, tables, leaves, keys, __LINE__)

/* What the walk cases record. */
struct kho_radix_seen {
	struct kho_radix_tree *tree;
	unsigned long keys[KHO_RADIX_KUNIT_MAX_SEEN];
	unsigned int nr_keys;
	phys_addr_t pages[KHO_RADIX_KUNIT_MAX_SEEN];
	unsigned int levels[KHO_RADIX_KUNIT_MAX_SEEN];
	unsigned int nr_pages;
	unsigned int per_level[KHO_RADIX_DEPTH];
	/* A callback returns this once it has been called this often. */
	unsigned int stop_after_keys;
	int stop_level;
	int stop_ret;
	bool unlocked;		/* a callback ran without the tree lock */
};

static void kho_radix_seen_init(struct kho_radix_seen *seen,
				struct kho_radix_tree *tree)
{
	memset(seen, 0, sizeof(*seen));
	seen->tree = tree;
	seen->stop_level = -1;
}

static int kho_radix_seen_key(unsigned long key, void *data)
{
	struct kho_radix_seen *seen = data;

	if (!mutex_is_locked(&seen->tree->lock))
		seen->unlocked = true;
	if (seen->nr_keys < KHO_RADIX_KUNIT_MAX_SEEN)
		seen->keys[seen->nr_keys] = key;
	seen->nr_keys++;

	if (seen->stop_after_keys && seen->nr_keys == seen->stop_after_keys)
		return seen->stop_ret;
	return 0;
}

static int kho_radix_seen_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct kho_radix_seen *seen = data;

	if (!mutex_is_locked(&seen->tree->lock))
		seen->unlocked = true;
	if (seen->nr_pages < KHO_RADIX_KUNIT_MAX_SEEN) {
		seen->pages[seen->nr_pages] = phys;
		seen->levels[seen->nr_pages] = level;
	}
	seen->nr_pages++;
	if (level < KHO_RADIX_DEPTH)
		seen->per_level[level]++;

	if ((int)level == seen->stop_level)
		return seen->stop_ret;
	return 0;
}

static const struct kho_radix_walk_cb kho_radix_seen_cb = {
	.node = kho_radix_seen_page,
	.leaf = kho_radix_seen_key,
};

static int kho_radix_kunit_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* A new tree holds no key, but has its root: the address KHO publishes. */
static void kho_radix_tree_init_empty(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	struct kho_radix_seen seen;

	KUNIT_ASSERT_NOT_NULL(test, tree->root);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, kho_radix_kunit_page(0)));

	kho_radix_seen_init(&seen, tree);
	KUNIT_EXPECT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_seen_cb, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.nr_keys, 0);
	KUNIT_ASSERT_EQ(test, seen.nr_pages, 1);
	KUNIT_EXPECT_EQ(test, seen.pages[0], virt_to_phys(tree->root));
	KUNIT_EXPECT_EQ(test, seen.levels[0], KHO_RADIX_TOP_LEVEL);
}

/* The first key builds one table per level below the root, and a leaf. */
static void kho_radix_add_key_builds_path(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(0x123456);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

/*
 * Guards the set semantics that kho_preserve_folio() documents ("preserving
 * a folio twice is the same as once"): a second add neither fails nor grows
 * the tree, and one delete removes the key.
 */
static void kho_radix_add_key_idempotent(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(42);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);

	kho_radix_del_key(tree, key);
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/* Keys outside the key space are refused and change nothing. */
static void kho_radix_add_key_invalid(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long bad[] = { 0, BIT(KHO_RADIX_KEY_WIDTH), ULONG_MAX };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, kho_radix_add_key(tree, bad[i]),
				    -EINVAL, "key %#lx", bad[i]);
		KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, bad[i]));
		kho_radix_del_key(tree, bad[i]);
	}
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/* A key is found alone: not its neighbours, not its block at other orders. */
static void kho_radix_has_key_exact(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(64);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, key - 1));
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, key + 1));
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, key + KHO_RADIX_KUNIT_LEAF_SPAN));
	KUNIT_EXPECT_FALSE(test,
			   kho_radix_has_key(tree,
					     kho_radix_encode_key(64ULL << PAGE_SHIFT, 1)));
	KUNIT_EXPECT_FALSE(test,
			   kho_radix_has_key(tree,
					     kho_radix_encode_key(64ULL << PAGE_SHIFT, 6)));
}

/* Deleting what is not there changes nothing, wherever the path ends. */
static void kho_radix_del_key_absent(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(7);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);

	kho_radix_del_key(tree, key + 1);			/* same leaf */
	kho_radix_del_key(tree, key + KHO_RADIX_KUNIT_LEAF_SPAN); /* no leaf */
	kho_radix_del_key(tree, kho_radix_encode_key(0, KHO_RADIX_MAX_ORDER));
	kho_radix_del_key(tree, 0);
	kho_radix_del_key(tree, ULONG_MAX);

	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

/*
 * Guards the page layout, which is ABI: a successor, stock 7.3 included,
 * follows the tables by hand. Each table on the key's path holds exactly
 * one entry, at the index the key's bits select, and the leaf one bit.
 */
static void kho_radix_add_key_abi_layout(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_encode_key(0x123456ULL << PAGE_SHIFT, 0);
	const struct kho_radix_node *table = tree->root;
	const struct kho_radix_leaf *leaf;
	unsigned int level, idx, i;
	u64 entry = 0;

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);

	for (level = KHO_RADIX_TOP_LEVEL; level >= 1; level--) {
		idx = (key >> kho_radix_level_shift(level)) &
		      (KHO_RADIX_TABLE_ENTRIES - 1);
		for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
			if (i != idx)
				KUNIT_EXPECT_EQ_MSG(test, table->table[i], 0ULL,
						    "level %u entry %u", level, i);

		entry = table->table[idx];
		KUNIT_ASSERT_NE_MSG(test, entry, 0ULL, "level %u entry %u",
				    level, idx);
		KUNIT_ASSERT_TRUE(test, PAGE_ALIGNED(entry));
		table = phys_to_virt(entry);
	}

	leaf = phys_to_virt(entry);
	idx = key & (KHO_RADIX_LEAF_BITS - 1);
	KUNIT_EXPECT_TRUE(test, test_bit(idx, leaf->bitmap));
	KUNIT_EXPECT_EQ(test, bitmap_weight(leaf->bitmap, KHO_RADIX_LEAF_BITS), 1);

	/* The ABI DOC's example, with 4 KiB pages: root entry 2, leaf bit 0x3456. */
	if (PAGE_SHIFT == 12) {
		KUNIT_EXPECT_NE(test, tree->root->table[2], 0ULL);
		KUNIT_EXPECT_EQ(test, idx, 0x3456);
	}
}

/* Walks report keys in ascending order, whatever order they came in. */
static void kho_radix_walk_tree_ascending(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long keys[] = {
		kho_radix_kunit_page(0x123456),
		kho_radix_encode_key(0, KHO_RADIX_MAX_ORDER),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN + 1),
		kho_radix_encode_key(0x40000000ULL, 9),
		kho_radix_kunit_page(5),
		kho_radix_kunit_page(kho_radix_kunit_last(0)),
		kho_radix_encode_key(0, 3),
		kho_radix_kunit_page(4),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
		kho_radix_encode_key(kho_radix_kunit_last(20) << (PAGE_SHIFT + 20), 20),
	};
	struct kho_radix_seen seen;
	unsigned int i;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));
	sort(keys, ARRAY_SIZE(keys), sizeof(keys[0]), kho_radix_kunit_cmp, NULL);

	kho_radix_seen_init(&seen, tree);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_seen_cb, &seen), 0);
	KUNIT_ASSERT_EQ(test, seen.nr_keys, ARRAY_SIZE(keys));
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		KUNIT_EXPECT_EQ_MSG(test, seen.keys[i], keys[i], "key %u", i);
	KUNIT_EXPECT_FALSE(test, seen.unlocked);
}

/* Where a walk is told to stop, and what it must have seen by then. */
struct kho_radix_stop_case {
	const char *desc;
	int stop_level;			/* node callback stops here, or -1 */
	unsigned int stop_after_keys;	/* leaf callback stops here, or 0 */
	int ret;
	unsigned int keys_seen;
};

static const struct kho_radix_stop_case kho_radix_stop_cases[] = {
	{ "leaf callback, first key",	-1,	1, 1,		1 },
	{ "leaf callback, third key",	-1,	3, 42,		3 },
	{ "leaf callback, last key",	-1,	5, -ENOSPC,	5 },
	{ "node callback, at the root",	KHO_RADIX_TOP_LEVEL, 0, -EFAULT, 0 },
	{ "node callback, at a leaf",	0,	0, -EBADMSG,	0 },
	{ "node callback, at level 1",	1,	0, 7,		0 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_stop, kho_radix_stop_cases, desc);

/*
 * Guards the early stop that a successor relies on to refuse a corrupt
 * tree: the first non-zero callback return ends the walk at once and is
 * what the walk returns, and a page refused by the node callback is never
 * read.
 */
static void kho_radix_walk_tree_stop(struct kunit *test)
{
	const struct kho_radix_stop_case *c = test->param_value;
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		kho_radix_kunit_page(1), kho_radix_kunit_page(2),
		kho_radix_kunit_page(3),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	struct kho_radix_seen seen;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));

	kho_radix_seen_init(&seen, tree);
	seen.stop_level = c->stop_level;
	seen.stop_after_keys = c->stop_after_keys;
	seen.stop_ret = c->ret;
	KUNIT_EXPECT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_seen_cb, &seen),
			c->ret);
	KUNIT_EXPECT_EQ(test, seen.nr_keys, c->keys_seen);
	if (c->stop_level >= 0)
		KUNIT_EXPECT_EQ(test, seen.per_level[c->stop_level], 1);
}

/*
 * Every page is reported once, at its level, root first: three leaves under
 * two level-1 tables that share all tables above them.
 */
static void kho_radix_walk_tree_node_counts(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		kho_radix_kunit_page(0),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	struct kho_radix_stats stats;
	struct kho_radix_seen seen;
	unsigned int level, i, j;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));

	kho_radix_seen_init(&seen, tree);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_seen_cb, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.per_level[0], 3);
	KUNIT_EXPECT_EQ(test, seen.per_level[1], 2);
	for (level = 2; level <= KHO_RADIX_TOP_LEVEL; level++)
		KUNIT_EXPECT_EQ_MSG(test, seen.per_level[level], 1, "level %u", level);

	KUNIT_ASSERT_LE(test, seen.nr_pages, KHO_RADIX_KUNIT_MAX_SEEN);
	KUNIT_EXPECT_EQ(test, seen.pages[0], virt_to_phys(tree->root));
	KUNIT_EXPECT_EQ(test, seen.levels[0], KHO_RADIX_TOP_LEVEL);
	for (i = 0; i < seen.nr_pages; i++) {
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(seen.pages[i]));
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_NE(test, seen.pages[i], seen.pages[j]);
	}

	KUNIT_ASSERT_EQ(test, kho_radix_tree_stats(tree, &stats), 0);
	KUNIT_EXPECT_EQ(test, stats.tables, seen.nr_pages - seen.per_level[0]);
	KUNIT_EXPECT_EQ(test, stats.leaves, seen.per_level[0]);
	KUNIT_EXPECT_EQ(test, stats.keys, seen.nr_keys);
}

/* NULL callbacks are allowed; the unlocked walk works under the caller's lock. */
static void kho_radix_walk_tree_callbacks(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const struct kho_radix_walk_cb none = { };
	const struct kho_radix_walk_cb leaf_only = { .leaf = kho_radix_seen_key };
	const unsigned long keys[] = {
		kho_radix_kunit_page(9), kho_radix_kunit_page(10),
	};
	struct kho_radix_seen seen;
	int err;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));

	KUNIT_EXPECT_EQ(test, kho_radix_walk_tree(tree, &none, NULL), 0);

	kho_radix_seen_init(&seen, tree);
	KUNIT_EXPECT_EQ(test, kho_radix_walk_tree(tree, &leaf_only, &seen), 0);
	KUNIT_EXPECT_EQ(test, seen.nr_keys, 2);
	KUNIT_EXPECT_EQ(test, seen.nr_pages, 0);
	KUNIT_EXPECT_FALSE(test, seen.unlocked);

	kho_radix_seen_init(&seen, tree);
	mutex_lock(&tree->lock);
	err = __kho_radix_walk_tree(tree, &kho_radix_seen_cb, &seen);
	mutex_unlock(&tree->lock);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, seen.nr_keys, 2);
	KUNIT_EXPECT_EQ(test, seen.nr_pages, KHO_RADIX_TABLE_LEVELS + 1);
}

/* The order in which a reclaim case deletes its keys. */
struct kho_radix_reclaim_case {
	const char *desc;
	unsigned int order[4];
};

static const struct kho_radix_reclaim_case kho_radix_reclaim_cases[] = {
	{ "ascending",		{ 0, 1, 2, 3 } },
	{ "descending",		{ 3, 2, 1, 0 } },
	{ "shared leaf last",	{ 2, 3, 1, 0 } },
	{ "interleaved",	{ 1, 3, 0, 2 } },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_reclaim, kho_radix_reclaim_cases, desc);

/*
 * Guards against mainline's unbounded growth, where a table or leaf that
 * deletions emptied was never freed: deleting every key, in any order,
 * leaves the root alone.
 */
static void kho_radix_del_key_reclaims_all(struct kunit *test)
{
	const struct kho_radix_reclaim_case *c = test->param_value;
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		kho_radix_kunit_page(0),
		kho_radix_kunit_page(1),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	unsigned int i;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 3, 4);

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		kho_radix_del_key(tree, keys[c->order[i]]);
		KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, keys[c->order[i]]));
	}
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/* Each deletion frees exactly the pages it empties, and no others. */
static void kho_radix_del_key_reclaims_exactly(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long a = kho_radix_kunit_page(0);
	const unsigned long b = kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN);
	const unsigned long c = kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN);
	const unsigned long keys[] = { a, b, c };

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 3, 3);

	/* b's leaf goes; its level-1 table still holds a's leaf. */
	kho_radix_del_key(tree, b);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 2, 2);

	/* c's leaf and level-1 table go; the level-2 table still holds a's. */
	kho_radix_del_key(tree, c);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, a));

	kho_radix_del_key(tree, a);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/*
 * Guards the emptiness check of a deletion, which scans a page in two parts
 * around the word it cleared: a leaf whose only other key is its first or
 * its last bit, and a table whose only other entry is its first or last,
 * must survive.
 */
static void kho_radix_del_key_keeps_far_neighbours(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long first = kho_radix_kunit_page(0);
	const unsigned long last = kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN - 1);
	const unsigned long far = kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN -
						       KHO_RADIX_KUNIT_LEAF_SPAN);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, first), 0);
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, last), 0);
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, far), 0);

	kho_radix_del_key(tree, last);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, first));
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, far));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 2, 2);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, last), 0);
	kho_radix_del_key(tree, first);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, last));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 2, 2);

	/* Leaf 0 of the level-1 table goes; its last leaf keeps the table. */
	kho_radix_del_key(tree, last);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, far));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);

	/* And the other way round: its first leaf keeps it. */
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, first), 0);
	kho_radix_del_key(tree, far);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, first));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

/*
 * The tree remembers the leaf it used last. When a deletion frees that leaf,
 * the next key of the same leaf must get a new, linked leaf: not a write into
 * the freed page (which KASAN reports on debug kernels), and not a key lost
 * from the walk.
 */
static void kho_radix_hot_leaf_reclaimed(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long a = kho_radix_kunit_page(40);
	const unsigned long b = kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN + 40);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, a), 0);
	kho_radix_del_key(tree, a);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, a + 1), 0);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, a + 1));
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, a));

	/* A key of the next leaf does not land in the one just used. */
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, b), 0);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 2, 2);
	kho_radix_del_key(tree, a + 1);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, b));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

/* Repeated add-all/delete-all cycles keep the tree the same size. */
static void kho_radix_del_key_cycles(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		kho_radix_kunit_page(3),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN * 3 + 5),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN * 2),
		kho_radix_encode_key(0x40000000ULL, 9),
		kho_radix_kunit_page(kho_radix_kunit_last(0)),
	};
	struct kho_radix_stats first, now;
	unsigned int cycle, i;

	for (cycle = 0; cycle < 10; cycle++) {
		kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));
		KUNIT_ASSERT_EQ(test, kho_radix_tree_stats(tree, &now), 0);
		if (!cycle)
			first = now;
		KUNIT_EXPECT_EQ_MSG(test, now.tables, first.tables, "cycle %u", cycle);
		KUNIT_EXPECT_EQ_MSG(test, now.leaves, first.leaves, "cycle %u", cycle);
		KUNIT_EXPECT_EQ(test, now.keys, ARRAY_SIZE(keys));

		for (i = 0; i < ARRAY_SIZE(keys); i++)
			kho_radix_del_key(tree, keys[i]);
		KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
	}
}

/* Many keys in one leaf cost one leaf, and the stats count every key. */
static void kho_radix_tree_stats_dense(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long n;

	for (n = 0; n < KHO_RADIX_KUNIT_LEAF_SPAN; n += 3)
		KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, kho_radix_kunit_page(n)), 0);

	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1,
				    DIV_ROUND_UP(KHO_RADIX_KUNIT_LEAF_SPAN, 3));
}

/* An adopted root brings its keys along: how a successor reads the tree. */
static void kho_radix_tree_adopt_keys(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		kho_radix_kunit_page(11),
		kho_radix_encode_key(0x40000000ULL, 9),
	};
	struct kho_radix_tree *adopted;
	struct kho_radix_seen seen;
	int err;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));

	adopted = kunit_kzalloc(test, sizeof(*adopted), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, adopted);
	kho_radix_tree_adopt(adopted, tree->root);
	/* The pages now belong to the adopter alone. */
	tree->root = NULL;
	err = kunit_add_action_or_reset(test, kho_radix_kunit_destroy, adopted);
	KUNIT_ASSERT_EQ(test, err, 0);

	kho_radix_seen_init(&seen, adopted);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(adopted, &kho_radix_seen_cb, &seen), 0);
	KUNIT_ASSERT_EQ(test, seen.nr_keys, 2);
	KUNIT_EXPECT_EQ(test, seen.keys[0], keys[1]);
	KUNIT_EXPECT_EQ(test, seen.keys[1], keys[0]);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(adopted, keys[0]));
}

/* A destroyed tree refuses every operation, and destroying it is idempotent. */
static void kho_radix_tree_destroy_rootless(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const struct kho_radix_walk_cb none = { };
	unsigned long key = kho_radix_kunit_page(1);
	struct kho_radix_stats stats;

	KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	kho_radix_tree_destroy(tree);
	KUNIT_EXPECT_NULL(test, tree->root);
	kho_radix_tree_destroy(tree);

	KUNIT_EXPECT_EQ(test, kho_radix_add_key(tree, key), -EINVAL);
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
	kho_radix_del_key(tree, key);
	KUNIT_EXPECT_EQ(test, kho_radix_walk_tree(tree, &none, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kho_radix_tree_stats(tree, &stats), -EINVAL);
}

/* A new tree holding the order-0 keys of @nr pages, given as page indices. */
static struct kho_radix_tree *kho_radix_kunit_tree_of(struct kunit *test,
						      const unsigned long *pages,
						      unsigned int nr)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned int i;

	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, kho_radix_add_key(tree, kho_radix_kunit_page(pages[i])), 0);
	return tree;
}

/*
 * Expect @tree to equal @ref: the same keys and the same number of pages.
 * Since emptied pages are reclaimed, the keys alone determine the pages, so
 * a tree rebuilt from the expected keys is the reference.
 */
static void kho_radix_kunit_expect_same(struct kunit *test,
					struct kho_radix_tree *tree,
					struct kho_radix_tree *ref, int line)
{
	struct kho_radix_seen *got, *want;
	struct kho_radix_stats a, b;
	unsigned int i;

	got = kunit_kzalloc(test, 2 * sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	want = got + 1;
	kho_radix_seen_init(got, tree);
	kho_radix_seen_init(want, ref);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_seen_cb, got), 0);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(ref, &kho_radix_seen_cb, want), 0);

	KUNIT_ASSERT_EQ_MSG(test, got->nr_keys, want->nr_keys, "line %d", line);
	KUNIT_ASSERT_LE(test, got->nr_keys, KHO_RADIX_KUNIT_MAX_SEEN);
	for (i = 0; i < got->nr_keys; i++)
		KUNIT_EXPECT_EQ_MSG(test, got->keys[i], want->keys[i],
				    "line %d, key %u", line, i);

	KUNIT_ASSERT_EQ(test, kho_radix_tree_stats(tree, &a), 0);
	KUNIT_ASSERT_EQ(test, kho_radix_tree_stats(ref, &b), 0);
	KUNIT_EXPECT_EQ_MSG(test, a.tables, b.tables, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, a.leaves, b.leaves, "line %d", line);
	kunit_kfree(test, got);
}

#define KHO_RADIX_KUNIT_EXPECT_SAME(test, tree, ref)	\
	kho_radix_kunit_expect_same(test, tree, ref, __LINE__)

/* Another task that adds a key while a test fails its own allocations. */
struct kho_radix_kunit_race {
	struct kho_radix_tree *tree;
	unsigned long key;
	int err;
	struct completion done;
};

/*
 * Add @key to @tree with the @nth tree page allocation of this task failing,
 * through its fail-nth; see Documentation/fault-injection/. Stores in @allocs
 * how many allocations the addition attempted: @nth if the failure came.
 */
static int kho_radix_kunit_add_failing(struct kunit *test,
				       struct kho_radix_tree *tree,
				       unsigned long key, unsigned int nth,
				       unsigned int *allocs)
{
#ifdef CONFIG_FAIL_KHO
	int err;

	current->fail_nth = nth;
	err = kho_radix_add_key(tree, key);
	*allocs = nth - current->fail_nth;
	current->fail_nth = 0;
	return err;
#else
	kunit_skip(test, "needs CONFIG_FAIL_KHO");
	return -EOPNOTSUPP;
#endif
}

/* An addition, made to fail at each of its allocations in turn. */
struct kho_radix_nomem_case {
	const char *desc;
	unsigned long present;		/* page index of the key before */
	bool empty;			/* no key before */
	unsigned long add;		/* page index of the key added */
	unsigned int allocs;		/* allocations the addition makes */
};

static const struct kho_radix_nomem_case kho_radix_nomem_cases[] = {
	{ "empty tree", 0, true, 0x123456, KHO_RADIX_TABLE_LEVELS },
	{ "leaf present", 0, false, 1, 0 },
	{ "new leaf", 0, false, KHO_RADIX_KUNIT_LEAF_SPAN, 1 },
	{ "new level-1 table", 0, false, KHO_RADIX_KUNIT_TABLE_SPAN, 2 },
	{ "new level-2 table", 0, false,
	  KHO_RADIX_KUNIT_TABLE_SPAN * KHO_RADIX_TABLE_ENTRIES, 3 },
	{ "new level-3 table", 0, false,
	  KHO_RADIX_KUNIT_TABLE_SPAN * KHO_RADIX_TABLE_ENTRIES *
	  KHO_RADIX_TABLE_ENTRIES, 4 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_nomem, kho_radix_nomem_cases, desc);

/*
 * Guards "if this fails, the tree is unchanged" of kho_radix_add_key(): at
 * each allocation point, a failure returns -ENOMEM and links nothing.
 */
static void kho_radix_add_key_nomem(struct kunit *test)
{
	const struct kho_radix_nomem_case *c = test->param_value;
	unsigned long key = kho_radix_kunit_page(c->add);
	struct kho_radix_tree *ref_fail, *ref_ok, *tree;
	unsigned int nth, allocs;
	bool failed;
	int err;

	/* The keys without and with @key. */
	ref_fail = kho_radix_kunit_tree_of(test, &c->present, !c->empty);
	ref_ok = kho_radix_kunit_tree_of(test, &c->present, !c->empty);
	KUNIT_ASSERT_EQ(test, kho_radix_add_key(ref_ok, key), 0);

	for (nth = 1; nth <= c->allocs + 1; nth++) {
		tree = kho_radix_kunit_tree_of(test, &c->present, !c->empty);
		err = kho_radix_kunit_add_failing(test, tree, key, nth, &allocs);

		failed = allocs == nth;
		KUNIT_EXPECT_EQ_MSG(test, err, failed ? -ENOMEM : 0,
				    "allocation %u", nth);
		KUNIT_EXPECT_EQ_MSG(test, kho_radix_has_key(tree, key), !failed,
				    "allocation %u", nth);
		KHO_RADIX_KUNIT_EXPECT_SAME(test, tree, failed ? ref_fail : ref_ok);
		kunit_release_action(test, kho_radix_kunit_destroy, tree);

		if (!failed) {
			KUNIT_EXPECT_EQ(test, allocs, c->allocs);
			break;
		}
	}
	KUNIT_EXPECT_EQ(test, nth, c->allocs + 1);
}

static int kho_radix_kunit_adder(void *data)
{
	struct kho_radix_kunit_race *race = data;

	race->err = kho_radix_add_key(race->tree, race->key);
	complete(&race->done);
	return 0;
}

/*
 * The failure is the task's own: another task's additions, here a
 * kthread's, go through while this task's next allocation is set to fail.
 */
static void kho_radix_add_key_nomem_other_task(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long theirs = kho_radix_kunit_page(1);
	unsigned long ours = kho_radix_kunit_page(7 * KHO_RADIX_KUNIT_LEAF_SPAN);
	struct kho_radix_kunit_race race = {
		.tree = tree,
		.key = theirs,
		.err = -EINPROGRESS,
	};
	struct task_struct *adder;
	unsigned int allocs;
	int err;

	init_completion(&race.done);
	adder = kthread_run(kho_radix_kunit_adder, &race, "kho_radix_kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, adder);
	wait_for_completion(&race.done);
	KUNIT_EXPECT_EQ(test, race.err, 0);
	KUNIT_EXPECT_TRUE(test, kho_radix_has_key(tree, theirs));

	err = kho_radix_kunit_add_failing(test, tree, ours, 1, &allocs);
	KUNIT_EXPECT_EQ(test, err, -ENOMEM);
	KUNIT_EXPECT_EQ(test, allocs, 1);
	KUNIT_EXPECT_FALSE(test, kho_radix_has_key(tree, ours));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

static struct kunit_case kho_radix_test_cases[] = {
	KUNIT_CASE_PARAM(kho_radix_encode_key_edges, kho_radix_edge_gen_params),
	KUNIT_CASE(kho_radix_encode_key_powers_of_two),
	KUNIT_CASE(kho_radix_encode_key_abi_example),
	KUNIT_CASE_PARAM(kho_radix_encode_key_rejects,
			 kho_radix_encode_reject_gen_params),
	KUNIT_CASE(kho_radix_encode_key_rejects_every_order),
	KUNIT_CASE_PARAM(kho_radix_decode_key_rejects,
			 kho_radix_decode_reject_gen_params),
	KUNIT_CASE(kho_radix_decode_key_overflow_every_order),
	KUNIT_CASE(kho_radix_decode_key_order_bits),
	KUNIT_CASE(kho_radix_tree_init_empty),
	KUNIT_CASE(kho_radix_add_key_builds_path),
	KUNIT_CASE(kho_radix_add_key_idempotent),
	KUNIT_CASE(kho_radix_add_key_invalid),
	KUNIT_CASE(kho_radix_has_key_exact),
	KUNIT_CASE(kho_radix_del_key_absent),
	KUNIT_CASE(kho_radix_add_key_abi_layout),
	KUNIT_CASE(kho_radix_walk_tree_ascending),
	KUNIT_CASE_PARAM(kho_radix_walk_tree_stop, kho_radix_stop_gen_params),
	KUNIT_CASE(kho_radix_walk_tree_node_counts),
	KUNIT_CASE(kho_radix_walk_tree_callbacks),
	KUNIT_CASE_PARAM(kho_radix_del_key_reclaims_all,
			 kho_radix_reclaim_gen_params),
	KUNIT_CASE(kho_radix_del_key_reclaims_exactly),
	KUNIT_CASE(kho_radix_del_key_keeps_far_neighbours),
	KUNIT_CASE(kho_radix_hot_leaf_reclaimed),
	KUNIT_CASE(kho_radix_del_key_cycles),
	KUNIT_CASE(kho_radix_tree_stats_dense),
	KUNIT_CASE(kho_radix_tree_adopt_keys),
	KUNIT_CASE(kho_radix_tree_destroy_rootless),
	KUNIT_CASE_PARAM(kho_radix_add_key_nomem, kho_radix_nomem_gen_params),
	KUNIT_CASE(kho_radix_add_key_nomem_other_task),
	{}
};

static struct kunit_suite kho_radix_test_suite = {
	.name = "kho_radix",
	.test_cases = kho_radix_test_cases,
};

kunit_test_suite(kho_radix_test_suite);

MODULE_DESCRIPTION("KUnit tests for the KHO key codec and radix tree");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
