// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the KHO key codec and radix tree
 *
 * The codec cases take every order from 0 to KHO_RADIX_MAX_ORDER to the
 * edges of the physical address space and feed the decoder the keys a
 * successor must refuse. The tree cases run on private trees, never on the
 * one KHO hands over, and each tree is destroyed by a kunit action.
 *
 * This file is also built in userspace, unmodified, by the harness in
 * tools/testing/kho_radix/ (as lib/test_xarray.c is by tools/testing/
 * radix-tree/). There the page allocator is the harness's: it counts every
 * page, so a case that leaks one fails, and its allocations fail when the
 * fault-injection framework would fail them here.
 *
 * Order-0 keys are written as page indices: kho_radix_kunit_page(n) is the
 * key of the page at n << PAGE_SHIFT, so keys n and n + 1 are neighbours in
 * one leaf, and n + KHO_RADIX_LEAF_BITS lies in the next leaf. Levels are
 * drawn top down; with 4 KiB pages "5" is the root:
 *
 *   5 (root) -> 4 -> 3 -> 2 -> 1 -> leaf (0)
 *
 * Allocation failures come from CONFIG_FAIL_KHO: a case sets the fail-nth
 * of its own task (Documentation/fault-injection/), which fails the nth
 * fault point the task passes. The same counter, when it does not run out,
 * tells how many tree pages a call allocated.
 *
 * Every check counts itself (KHO_EXPECT_*() and KHO_ASSERT_*() around
 * KUnit's), and a case that made none fails: a test that checks nothing
 * would pass on any implementation.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/array_size.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/sprintf.h>
#include <linux/string.h>

#ifdef __KERNEL__
#include <linux/completion.h>
#include <linux/kthread.h>
#endif

#include <asm/page.h>

/* The checks a case made; one per case, in test->priv. */
struct kho_radix_kunit_count {
	unsigned long checks;
};

static void kho_radix_kunit_count(struct kunit *test)
{
	struct kho_radix_kunit_count *count = test->priv;

	count->checks++;
}

/* A KUnit check of @test, counted. */
#define KHO_CHECKED(check, test, ...)			\
	do {						\
		struct kunit *__kho_test = (test);	\
							\
		kho_radix_kunit_count(__kho_test);	\
		check(__kho_test, __VA_ARGS__);		\
	} while (0)

#define KHO_EXPECT_EQ(test, ...)	KHO_CHECKED(KUNIT_EXPECT_EQ, test, __VA_ARGS__)
#define KHO_EXPECT_EQ_MSG(test, ...)	KHO_CHECKED(KUNIT_EXPECT_EQ_MSG, test, __VA_ARGS__)
#define KHO_EXPECT_GT(test, ...)	KHO_CHECKED(KUNIT_EXPECT_GT, test, __VA_ARGS__)
#define KHO_EXPECT_TRUE(test, ...)	KHO_CHECKED(KUNIT_EXPECT_TRUE, test, __VA_ARGS__)
#define KHO_EXPECT_TRUE_MSG(test, ...)	KHO_CHECKED(KUNIT_EXPECT_TRUE_MSG, test, __VA_ARGS__)
#define KHO_EXPECT_FALSE(test, ...)	KHO_CHECKED(KUNIT_EXPECT_FALSE, test, __VA_ARGS__)
#define KHO_EXPECT_FALSE_MSG(test, ...)	KHO_CHECKED(KUNIT_EXPECT_FALSE_MSG, test, __VA_ARGS__)
#define KHO_EXPECT_NULL(test, ...)	KHO_CHECKED(KUNIT_EXPECT_NULL, test, __VA_ARGS__)
#define KHO_ASSERT_EQ(test, ...)	KHO_CHECKED(KUNIT_ASSERT_EQ, test, __VA_ARGS__)
#define KHO_ASSERT_EQ_MSG(test, ...)	KHO_CHECKED(KUNIT_ASSERT_EQ_MSG, test, __VA_ARGS__)
#define KHO_ASSERT_NE_MSG(test, ...)	KHO_CHECKED(KUNIT_ASSERT_NE_MSG, test, __VA_ARGS__)
#define KHO_ASSERT_TRUE(test, ...)	KHO_CHECKED(KUNIT_ASSERT_TRUE, test, __VA_ARGS__)
#define KHO_ASSERT_TRUE_MSG(test, ...)	KHO_CHECKED(KUNIT_ASSERT_TRUE_MSG, test, __VA_ARGS__)
#define KHO_ASSERT_FALSE_MSG(test, ...)	KHO_CHECKED(KUNIT_ASSERT_FALSE_MSG, test, __VA_ARGS__)
#define KHO_ASSERT_NOT_NULL(test, ...)	KHO_CHECKED(KUNIT_ASSERT_NOT_NULL, test, __VA_ARGS__)

static int kho_radix_kunit_init(struct kunit *test)
{
	test->priv = kunit_kzalloc(test, sizeof(struct kho_radix_kunit_count),
				   GFP_KERNEL);
	return test->priv ? 0 : -ENOMEM;
}

static void kho_radix_kunit_exit(struct kunit *test)
{
	const struct kho_radix_kunit_count *count = test->priv;

	if (!count->checks)
		KUNIT_FAIL(test, "the case checked nothing");
	else
		kunit_info(test, "checks: %lu\n", count->checks);
}

/* Keys a leaf covers, and keys a level-1 table covers. */
#define KHO_RADIX_KUNIT_LEAF_SPAN	((unsigned long)KHO_RADIX_LEAF_BITS)
#define KHO_RADIX_KUNIT_TABLE_SPAN	\
	(KHO_RADIX_KUNIT_LEAF_SPAN * KHO_RADIX_TABLE_ENTRIES)

/* A seed for the cases that draw random keys: the same keys on every run. */
#define KHO_RADIX_KUNIT_SEED		0x6b686f2d7261ULL

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

/* The address of that block. */
static u64 kho_radix_kunit_top(unsigned int order)
{
	return kho_radix_kunit_last(order) << (PAGE_SHIFT + order);
}

static unsigned long kho_radix_kunit_page(unsigned long n)
{
	return kho_radix_encode_key((u64)n << PAGE_SHIFT, 0);
}

/* The key of the ABI DOC comment's example page, at any page size. */
static unsigned long kho_radix_kunit_example(void)
{
	return kho_radix_kunit_page(0x123456);
}

/* A key that shares @key's path above @level and nothing from there down. */
static unsigned long kho_radix_kunit_diverge(unsigned long key,
					     unsigned int level)
{
	return key ^ BIT(kho_radix_level_shift(level));
}

static u64 kho_radix_kunit_rand(struct rnd_state *rnd)
{
	return (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
}

/* A random block of @order, aligned and below the highest one there is. */
static u64 kho_radix_kunit_rand_block(struct rnd_state *rnd, unsigned int order)
{
	u64 phys = kho_radix_kunit_rand(rnd) & ~(kho_radix_kunit_size(order) - 1);

	return min(phys, kho_radix_kunit_top(order));
}

/* @nr keys of orders below @orders at random addresses below 2^@bits. */
static unsigned long *kho_radix_kunit_rand_keys(struct kunit *test,
						unsigned long nr,
						unsigned int orders,
						unsigned int bits, u64 seed)
{
	struct rnd_state rnd;
	unsigned long *keys, i;
	unsigned int order;
	u64 phys;

	keys = kunit_kmalloc_array(test, nr, sizeof(*keys), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, keys);
	prandom_seed_state(&rnd, seed);
	for (i = 0; i < nr; i++) {
		order = prandom_u32_state(&rnd) % orders;
		phys = kho_radix_kunit_rand(&rnd) & (BIT_ULL(bits) - 1);
		keys[i] = kho_radix_encode_key(phys & ~(kho_radix_kunit_size(order) - 1),
					       order);
	}
	return keys;
}

static int kho_radix_kunit_cmp(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Sort @keys and drop repeats; returns how many are left. */
static unsigned long kho_radix_kunit_sort_keys(unsigned long *keys,
					       unsigned long nr)
{
	unsigned long i, n = !!nr;

	sort(keys, nr, sizeof(*keys), kho_radix_kunit_cmp, NULL);
	for (i = 1; i < nr; i++)
		if (keys[i] != keys[n - 1])
			keys[n++] = keys[i];
	return n;
}

/* Shuffle @keys in place. */
static void kho_radix_kunit_shuffle(unsigned long *keys, unsigned long nr,
				    u64 seed)
{
	struct rnd_state rnd;
	unsigned long i, j;

	prandom_seed_state(&rnd, seed);
	for (i = nr; i > 1; i--) {
		j = prandom_u32_state(&rnd) % i;
		swap(keys[i - 1], keys[j]);
	}
}

/* Encode, check the order bit, decode, and compare; a mismatch ends the case. */
static void kho_radix_kunit_round_trip(struct kunit *test, u64 phys,
				       unsigned int order)
{
	unsigned int got_order = UINT_MAX;
	phys_addr_t got_phys = 1;
	unsigned long key;

	key = kho_radix_encode_key(phys, order);
	KHO_ASSERT_EQ_MSG(test, fls64(key), KHO_RADIX_KEY_WIDTH - order,
			  "order %u at %#llx: key %#lx", order, phys, key);
	KHO_ASSERT_EQ_MSG(test, kho_radix_decode_key(key, &got_phys, &got_order),
			  0, "order %u at %#llx", order, phys);
	KHO_ASSERT_EQ_MSG(test, (u64)got_phys, phys, "order %u", order);
	KHO_ASSERT_EQ_MSG(test, got_order, order, "at %#llx", phys);
}

/*
 * The layout enum and the routing rule, which a stock kernel on the other
 * side of a kexec derives the same way: every size from PAGE_SHIFT, just
 * enough table levels for the widest key, and the kho-v4 numbers with
 * 4 KiB pages.
 */
static void kho_radix_layout_constants(struct kunit *test)
{
	KHO_EXPECT_EQ(test, KHO_RADIX_KEY_WIDTH, 64 - PAGE_SHIFT + 1);
	KHO_EXPECT_EQ(test, KHO_RADIX_MAX_ORDER, 63 - PAGE_SHIFT);
	KHO_EXPECT_EQ(test, KHO_RADIX_TABLE_ENTRIES * sizeof(u64), PAGE_SIZE);
	KHO_EXPECT_EQ(test, KHO_RADIX_LEAF_BITS, PAGE_SIZE * BITS_PER_BYTE);
	KHO_EXPECT_EQ(test, BIT(KHO_RADIX_TABLE_SHIFT), KHO_RADIX_TABLE_ENTRIES);
	KHO_EXPECT_EQ(test, BIT(KHO_RADIX_LEAF_SHIFT), KHO_RADIX_LEAF_BITS);
	KHO_EXPECT_EQ(test, KHO_RADIX_DEPTH, KHO_RADIX_TOP_LEVEL + 1);
	KHO_EXPECT_EQ(test, sizeof(struct kho_radix_node), PAGE_SIZE);
	KHO_EXPECT_EQ(test, sizeof(struct kho_radix_leaf), PAGE_SIZE);

	/* The leaf takes the lowest bits, each table the next ones up. */
	KHO_EXPECT_EQ(test, kho_radix_level_shift(0), 0);
	KHO_EXPECT_EQ(test, kho_radix_level_shift(1), KHO_RADIX_LEAF_SHIFT);
	KHO_EXPECT_EQ(test, kho_radix_level_shift(KHO_RADIX_TOP_LEVEL),
		      KHO_RADIX_LEAF_SHIFT +
		      (KHO_RADIX_TOP_LEVEL - 1) * KHO_RADIX_TABLE_SHIFT);
	/* Just enough table levels to route every key bit above the leaf. */
	KHO_EXPECT_TRUE(test, kho_radix_level_shift(KHO_RADIX_TOP_LEVEL) <
			KHO_RADIX_KEY_WIDTH);
	KHO_EXPECT_TRUE(test, kho_radix_level_shift(KHO_RADIX_TOP_LEVEL) +
			KHO_RADIX_TABLE_SHIFT >= KHO_RADIX_KEY_WIDTH);

	if (PAGE_SHIFT != 12)
		return;
	/* The numbers kho-v4 was defined with; the DOC comment's key bit table. */
	KHO_EXPECT_EQ(test, KHO_RADIX_KEY_WIDTH, 53);
	KHO_EXPECT_EQ(test, KHO_RADIX_TABLE_SHIFT, 9);
	KHO_EXPECT_EQ(test, KHO_RADIX_LEAF_SHIFT, 15);
	KHO_EXPECT_EQ(test, KHO_RADIX_DEPTH, 6);
	KHO_EXPECT_EQ(test, KHO_RADIX_MAX_ORDER, 51);
	KHO_EXPECT_EQ(test, kho_radix_level_shift(2), 24);
	KHO_EXPECT_EQ(test, kho_radix_level_shift(5), 51);
	KHO_EXPECT_EQ(test, KHO_VMALLOC_SIZE, 511);
}

/*
 * Guards the worked examples of the kho-v4 ABI DOC comment, which a stock
 * kernel on the other side of a kexec decodes the same way.
 */
static void kho_radix_encode_key_abi_example(struct kunit *test)
{
	KHO_EXPECT_EQ(test, kho_radix_encode_key(0x123456ULL << PAGE_SHIFT, 0),
		      BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x123456);
	KHO_EXPECT_EQ(test, kho_radix_encode_key(0x200ULL << (PAGE_SHIFT + 9), 9),
		      BIT(KHO_RADIX_KEY_WIDTH - 10) | 0x200);

	if (PAGE_SHIFT != 12)
		return;
	KHO_EXPECT_EQ(test, kho_radix_encode_key(0x123456000ULL, 0),
		      0x0010000000123456UL);
	KHO_EXPECT_EQ(test, kho_radix_encode_key(0x40000000ULL, 9),
		      0x0000080000000200UL);
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
	KHO_EXPECT_GT(test, tested, 0);
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

/* Random blocks of every order survive encode and decode. */
static void kho_radix_encode_key_random(struct kunit *test)
{
	struct rnd_state rnd;
	unsigned int order, i;

	prandom_seed_state(&rnd, KHO_RADIX_KUNIT_SEED);
	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++)
		for (i = 0; i < 2000; i++)
			kho_radix_kunit_round_trip(test,
						   kho_radix_kunit_rand_block(&rnd, order),
						   order);
}

/* Keys of one order sort like addresses; different orders never collide. */
static void kho_radix_encode_key_ordering(struct kunit *test)
{
	unsigned int order, other, i;
	struct rnd_state rnd;
	u64 a, b;

	prandom_seed_state(&rnd, KHO_RADIX_KUNIT_SEED + 1);
	for (i = 0; i < 100000; i++) {
		order = prandom_u32_state(&rnd) % (KHO_RADIX_MAX_ORDER + 1);
		other = prandom_u32_state(&rnd) % (KHO_RADIX_MAX_ORDER + 1);
		a = kho_radix_kunit_rand_block(&rnd, order);
		b = kho_radix_kunit_rand_block(&rnd, order);

		KHO_ASSERT_EQ_MSG(test, a < b, kho_radix_encode_key(a, order) <
				  kho_radix_encode_key(b, order),
				  "order %u: %#llx and %#llx", order, a, b);
		if (other == order || b > kho_radix_kunit_top(other) ||
		    !IS_ALIGNED(b, kho_radix_kunit_size(other)))
			continue;
		KHO_ASSERT_NE_MSG(test, kho_radix_encode_key(b, order),
				  kho_radix_encode_key(b, other),
				  "orders %u and %u at %#llx", order, other, b);
	}
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

	KHO_EXPECT_EQ(test, kho_radix_encode_key(c->phys, c->order), 0);
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
		KHO_EXPECT_EQ_MSG(test, kho_radix_encode_key(size / 2, order),
				  0, "order %u", order);
		KHO_EXPECT_EQ_MSG(test,
				  kho_radix_encode_key(size + PAGE_SIZE / 2, order),
				  0, "order %u", order);
		KHO_EXPECT_EQ_MSG(test, kho_radix_encode_key(0 - size, order),
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
	{ "too wide, with key bit 0 set",	BIT(KHO_RADIX_KEY_WIDTH) | 1 },
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

	KHO_EXPECT_EQ(test, kho_radix_decode_key(c->key, &phys, &order), -EINVAL);
	KHO_EXPECT_EQ(test, (u64)phys, 0x1234ULL);
	KHO_EXPECT_EQ(test, order, 77);
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
		KHO_EXPECT_EQ_MSG(test,
				  kho_radix_decode_key(bit | (bit - 1), &phys,
						       &got_order),
				  -EINVAL, "order %u", order);
	}
	KHO_EXPECT_EQ(test, (u64)phys, 0x1234ULL);
	KHO_EXPECT_EQ(test, got_order, 77);
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
			KHO_EXPECT_EQ_MSG(test, err, -EINVAL, "bit %u", pos);
			continue;
		}
		KHO_EXPECT_EQ_MSG(test, err, 0, "bit %u", pos);
		KHO_EXPECT_EQ_MSG(test, (u64)phys, 0ULL, "bit %u", pos);
		KHO_EXPECT_EQ_MSG(test, order, KHO_RADIX_KEY_WIDTH - 1 - pos,
				  "bit %u", pos);
	}
}

/*
 * Every key a tree can hold, by order bit position, with random bits below
 * it: it decodes unless it is the one order or block that does not fit, to
 * a block whose end does not wrap, and encodes back to itself.
 */
static void kho_radix_decode_key_every_position(struct kunit *test)
{
	unsigned long all, low, key;
	unsigned int pos, order, i;
	struct rnd_state rnd;
	phys_addr_t phys;
	bool fits;
	int err;

	prandom_seed_state(&rnd, KHO_RADIX_KUNIT_SEED + 2);
	for (pos = 0; pos < KHO_RADIX_KEY_WIDTH; pos++) {
		all = BIT(pos) - 1;
		for (i = 0; i < 2000; i++) {
			low = i ? kho_radix_kunit_rand(&rnd) & all : all;
			key = BIT(pos) | low;
			/* Position 0 is order MAX + 1; all ones is the top block. */
			fits = pos && low != all;
			phys = 0;
			order = 0;
			err = kho_radix_decode_key(key, &phys, &order);
			KHO_ASSERT_EQ_MSG(test, err, fits ? 0 : -EINVAL, "key %#lx", key);
			if (err)
				continue;
			KHO_ASSERT_EQ_MSG(test, order, KHO_RADIX_KEY_WIDTH - 1 - pos,
					  "key %#lx", key);
			KHO_ASSERT_TRUE_MSG(test, phys + kho_radix_kunit_size(order) > phys,
					    "key %#lx", key);
			KHO_ASSERT_EQ_MSG(test, kho_radix_encode_key(phys, order), key,
					  "key %#lx", key);
		}
	}
}

struct kho_radix_kunit_khoser {
	DECLARE_KHOSER_PTR(ptr, struct kho_vmalloc_chunk *);
};

/* KHOSER pointers travel as physical addresses, NULL as 0. */
static void kho_radix_khoser_ptr_round_trip(struct kunit *test)
{
	struct kho_radix_kunit_khoser holder = { .ptr.phys = 0xdead };
	struct kho_vmalloc_chunk *chunk, *none = NULL;

	chunk = kunit_kzalloc(test, sizeof(*chunk), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, chunk);

	KHO_EXPECT_EQ(test, sizeof(holder), sizeof(u64));
	KHOSER_STORE_PTR(holder.ptr, chunk);
	KHO_EXPECT_EQ(test, holder.ptr.phys, (u64)virt_to_phys(chunk));
	KHO_EXPECT_TRUE(test, KHOSER_LOAD_PTR(holder.ptr) == chunk);

	KHOSER_STORE_PTR(holder.ptr, none);
	KHO_EXPECT_EQ(test, holder.ptr.phys, 0ULL);
	KHO_EXPECT_NULL(test, KHOSER_LOAD_PTR(holder.ptr));
}

KUNIT_DEFINE_ACTION_WRAPPER(kho_radix_kunit_destroy, kho_radix_tree_destroy,
			    struct kho_radix_tree *);

/* A new empty tree, destroyed when the test ends. */
static struct kho_radix_tree *kho_radix_kunit_tree(struct kunit *test)
{
	struct kho_radix_tree *tree;
	int err;

	tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, tree);
	KHO_ASSERT_EQ(test, kho_radix_tree_init(tree), 0);

	err = kunit_add_action_or_reset(test, kho_radix_kunit_destroy, tree);
	KHO_ASSERT_EQ(test, err, 0);
	return tree;
}

static void kho_radix_kunit_add(struct kunit *test, struct kho_radix_tree *tree,
				const unsigned long *keys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		KHO_ASSERT_EQ_MSG(test, kho_radix_add_key(tree, keys[i]), 0,
				  "key %#lx", keys[i]);
}

static void kho_radix_kunit_del(struct kho_radix_tree *tree,
				const unsigned long *keys, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		kho_radix_del_key(tree, keys[i]);
}

/* A new tree holding the @nr keys of @keys. */
static struct kho_radix_tree *kho_radix_kunit_tree_of(struct kunit *test,
						      const unsigned long *keys,
						      unsigned long nr)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);

	kho_radix_kunit_add(test, tree, keys, nr);
	return tree;
}

static void kho_radix_kunit_expect_size(struct kunit *test,
					struct kho_radix_tree *tree,
					unsigned long tables,
					unsigned long leaves,
					unsigned long keys, int line)
{
	struct kho_radix_stats stats;

	KHO_ASSERT_EQ_MSG(test, kho_radix_tree_stats(tree, &stats), 0,
			  "line %d", line);
	KHO_EXPECT_EQ_MSG(test, stats.tables, tables, "line %d", line);
	KHO_EXPECT_EQ_MSG(test, stats.leaves, leaves, "line %d", line);
	KHO_EXPECT_EQ_MSG(test, stats.keys, keys, "line %d", line);
}

/* Expect @tree to hold @tables tables, @leaves leaves and @keys keys. */
#define KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, tables, leaves, keys)	\
	kho_radix_kunit_expect_size(test, tree, tables, leaves, keys, __LINE__)

static unsigned long kho_radix_kunit_pages(struct kunit *test,
					   struct kho_radix_tree *tree)
{
	struct kho_radix_stats stats;

	KHO_ASSERT_EQ(test, kho_radix_tree_stats(tree, &stats), 0);
	return stats.tables + stats.leaves;
}

/*
 * What a walk saw: the keys, and the pages with their levels, in the order
 * of the callbacks. A callback may also be told to end the walk.
 */
struct kho_radix_kunit_walk {
	struct kho_radix_tree *tree;
	unsigned long *keys;
	phys_addr_t *pages;
	unsigned int *levels;
	unsigned long nr_keys, max_keys;
	unsigned long nr_pages, max_pages;
	unsigned long per_level[KHO_RADIX_DEPTH];
	/* The leaf callback returns @stop_ret at key @stop_key (from 1). */
	unsigned long stop_key;
	/* The node callback returns it at page @stop_page of @stop_level. */
	int stop_level;
	unsigned long stop_page;
	int stop_ret;
	bool locked, unlocked;	/* callbacks ran with, without the tree lock */
};

static int kho_radix_kunit_walk_key(unsigned long key, void *data)
{
	struct kho_radix_kunit_walk *walk = data;

	if (mutex_is_locked(&walk->tree->lock))
		walk->locked = true;
	else
		walk->unlocked = true;
	if (walk->nr_keys < walk->max_keys)
		walk->keys[walk->nr_keys] = key;
	walk->nr_keys++;

	return walk->nr_keys == walk->stop_key ? walk->stop_ret : 0;
}

static int kho_radix_kunit_walk_page(phys_addr_t phys, unsigned int level,
				     void *data)
{
	struct kho_radix_kunit_walk *walk = data;

	if (mutex_is_locked(&walk->tree->lock))
		walk->locked = true;
	else
		walk->unlocked = true;
	if (walk->nr_pages < walk->max_pages) {
		walk->pages[walk->nr_pages] = phys;
		walk->levels[walk->nr_pages] = level;
	}
	walk->nr_pages++;
	if (level >= KHO_RADIX_DEPTH)
		return -ERANGE;

	walk->per_level[level]++;
	if ((int)level == walk->stop_level &&
	    walk->per_level[level] == walk->stop_page)
		return walk->stop_ret;
	return 0;
}

static const struct kho_radix_walk_cb kho_radix_kunit_walk_cb = {
	.node = kho_radix_kunit_walk_page,
	.leaf = kho_radix_kunit_walk_key,
};

/* Room for everything a walk of @tree sees, and no stop. */
static struct kho_radix_kunit_walk *
kho_radix_kunit_walker(struct kunit *test, struct kho_radix_tree *tree)
{
	struct kho_radix_kunit_walk *walk;
	struct kho_radix_stats stats;

	walk = kunit_kzalloc(test, sizeof(*walk), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, walk);
	KHO_ASSERT_EQ(test, kho_radix_tree_stats(tree, &stats), 0);

	walk->tree = tree;
	walk->stop_level = -1;
	walk->max_keys = stats.keys;
	walk->max_pages = stats.tables + stats.leaves;
	walk->keys = kunit_kcalloc(test, walk->max_keys + 1, sizeof(*walk->keys),
				   GFP_KERNEL);
	walk->pages = kunit_kcalloc(test, walk->max_pages, sizeof(*walk->pages),
				    GFP_KERNEL);
	walk->levels = kunit_kcalloc(test, walk->max_pages, sizeof(*walk->levels),
				     GFP_KERNEL);
	KHO_ASSERT_TRUE(test, walk->keys && walk->pages && walk->levels);
	return walk;
}

/* A complete locked walk of @tree. */
static struct kho_radix_kunit_walk *kho_radix_kunit_walk(struct kunit *test,
							 struct kho_radix_tree *tree)
{
	struct kho_radix_kunit_walk *walk = kho_radix_kunit_walker(test, tree);

	KHO_ASSERT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk), 0);
	return walk;
}

/* Expect two walks to have seen the same keys, pages and levels. */
static void kho_radix_kunit_expect_same(struct kunit *test,
					const struct kho_radix_kunit_walk *a,
					const struct kho_radix_kunit_walk *b,
					int line)
{
	KHO_ASSERT_EQ_MSG(test, a->nr_keys, b->nr_keys, "line %d", line);
	KHO_ASSERT_EQ_MSG(test, a->nr_pages, b->nr_pages, "line %d", line);
	KHO_EXPECT_TRUE_MSG(test, !memcmp(a->keys, b->keys,
					  a->nr_keys * sizeof(*a->keys)),
			    "line %d: keys differ", line);
	KHO_EXPECT_TRUE_MSG(test, !memcmp(a->pages, b->pages,
					  a->nr_pages * sizeof(*a->pages)),
			    "line %d: pages differ", line);
	KHO_EXPECT_TRUE_MSG(test, !memcmp(a->levels, b->levels,
					  a->nr_pages * sizeof(*a->levels)),
			    "line %d: levels differ", line);
}

#define KHO_RADIX_KUNIT_EXPECT_SAME(test, a, b)	\
	kho_radix_kunit_expect_same(test, a, b, __LINE__)

static int kho_radix_kunit_cmp_phys(const void *a, const void *b)
{
	phys_addr_t x = *(const phys_addr_t *)a;
	phys_addr_t y = *(const phys_addr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The first page of @walk that breaks the shape of a tree, or nr_pages:
 * the root first, then depth first (a table is followed by its first child,
 * a leaf by a page of some level below the root), every page aligned, and
 * none below the root empty, since deletion frees what it empties.
 */
static unsigned long kho_radix_kunit_misshapen(const struct kho_radix_kunit_walk *walk)
{
	unsigned int level, prev = KHO_RADIX_DEPTH;
	unsigned long i;

	for (i = 0; i < walk->nr_pages; i++) {
		level = walk->levels[i];
		if (prev == KHO_RADIX_DEPTH ? level != KHO_RADIX_TOP_LEVEL :
		    prev ? level != prev - 1 : level >= KHO_RADIX_TOP_LEVEL)
			break;
		if (!IS_ALIGNED(walk->pages[i], PAGE_SIZE))
			break;
		if (level != KHO_RADIX_TOP_LEVEL &&
		    !memchr_inv(phys_to_virt(walk->pages[i]), 0, PAGE_SIZE))
			break;
		prev = level;
	}
	return i;
}

/*
 * Expect @tree to hold exactly the @nr sorted keys of @keys and to be well
 * formed: a locked walk sees the keys in order and every page once, in the
 * shape of a tree, and the stats agree with it.
 */
static void kho_radix_kunit_expect_tree(struct kunit *test,
					struct kho_radix_tree *tree,
					const unsigned long *keys,
					unsigned long nr, int line)
{
	struct kho_radix_kunit_walk *walk = kho_radix_kunit_walk(test, tree);
	struct kho_radix_stats stats;
	unsigned long i, bad;
	phys_addr_t *sorted;

	KHO_ASSERT_EQ_MSG(test, walk->nr_keys, nr, "line %d", line);
	for (i = 0; i < nr && walk->keys[i] == keys[i]; i++)
		;
	KHO_EXPECT_EQ_MSG(test, i, nr, "line %d: key %lu is %#lx", line, i,
			  i < nr ? walk->keys[i] : 0);

	bad = kho_radix_kunit_misshapen(walk);
	KHO_EXPECT_EQ_MSG(test, bad, walk->nr_pages, "line %d: page %lu, level %u",
			  line, bad, bad < walk->nr_pages ? walk->levels[bad] : 0);

	sorted = kunit_kmalloc_array(test, walk->nr_pages, sizeof(*sorted), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, sorted);
	memcpy(sorted, walk->pages, walk->nr_pages * sizeof(*sorted));
	sort(sorted, walk->nr_pages, sizeof(*sorted), kho_radix_kunit_cmp_phys, NULL);
	for (i = 1; i < walk->nr_pages && sorted[i] != sorted[i - 1]; i++)
		;
	KHO_EXPECT_TRUE_MSG(test, i >= walk->nr_pages, "line %d: a page seen twice", line);

	KHO_ASSERT_EQ(test, kho_radix_tree_stats(tree, &stats), 0);
	KHO_EXPECT_EQ_MSG(test, stats.tables + stats.leaves, walk->nr_pages,
			  "line %d", line);
	KHO_EXPECT_EQ_MSG(test, stats.leaves, walk->per_level[0], "line %d", line);
	KHO_EXPECT_EQ_MSG(test, stats.keys, nr, "line %d", line);
	KHO_EXPECT_FALSE_MSG(test, walk->unlocked, "line %d: callback without the lock",
			     line);
}

#define KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, nr)	\
	kho_radix_kunit_expect_tree(test, tree, keys, nr, __LINE__)

/* No tree page allocation needs more than this: a new path below the root. */
#define KHO_RADIX_KUNIT_MAX_ALLOCS	KHO_RADIX_TABLE_LEVELS

/*
 * Add @key to @tree with the @nth tree page allocation of this task failing,
 * through its fail-nth. Stores in @allocs how many allocations the addition
 * attempted: @nth if the failure came, fewer if it did not.
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
	/* A skip is a verdict too: not a case that checked nothing. */
	kho_radix_kunit_count(test);
	kunit_skip(test, "needs CONFIG_FAIL_KHO");
	return -EOPNOTSUPP;
#endif
}

/* Add @key to @tree, which must succeed; returns the pages it allocated. */
static unsigned int kho_radix_kunit_add_counted(struct kunit *test,
						struct kho_radix_tree *tree,
						unsigned long key)
{
	unsigned int allocs;

	KHO_ASSERT_EQ_MSG(test, kho_radix_kunit_add_failing(test, tree, key,
							    KHO_RADIX_KUNIT_MAX_ALLOCS + 1,
							    &allocs),
			  0, "key %#lx", key);
	return allocs;
}

/* A new tree holds no key, but has its root: the address KHO publishes. */
static void kho_radix_tree_init_empty(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	struct kho_radix_kunit_walk *walk;

	KHO_ASSERT_NOT_NULL(test, tree->root);
	KHO_EXPECT_NULL(test, memchr_inv(tree->root, 0, PAGE_SIZE));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, kho_radix_kunit_page(0)));

	walk = kho_radix_kunit_walk(test, tree);
	KHO_EXPECT_EQ(test, walk->nr_keys, 0);
	KHO_ASSERT_EQ(test, walk->nr_pages, 1);
	KHO_EXPECT_EQ(test, walk->pages[0], virt_to_phys(tree->root));
	KHO_EXPECT_EQ(test, walk->levels[0], KHO_RADIX_TOP_LEVEL);
}

/* Without a root page there is no tree, and nothing is left allocated. */
static void kho_radix_tree_init_nomem(struct kunit *test)
{
	struct kho_radix_tree *tree;
	unsigned int left = 1;
	int err = 0;

	tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, tree);
#ifdef CONFIG_FAIL_KHO
	current->fail_nth = 1;
	err = kho_radix_tree_init(tree);
	left = current->fail_nth;
	current->fail_nth = 0;
#else
	kho_radix_kunit_count(test);
	kunit_skip(test, "needs CONFIG_FAIL_KHO");
#endif
	KHO_EXPECT_EQ(test, left, 0);
	KHO_EXPECT_EQ(test, err, -ENOMEM);
	KHO_EXPECT_NULL(test, tree->root);
}

/*
 * An empty tree has only its root, so the first key needs one page for
 * every level below it:
 *
 *   5 -> [4] -> [3] -> [2] -> [1] -> [leaf]     [ ] = allocated by the add
 */
static void kho_radix_add_key_builds_path(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_example();

	KHO_EXPECT_EQ(test, kho_radix_kunit_add_counted(test, tree, key),
		      KHO_RADIX_TABLE_LEVELS);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, &key, 1);
}

/*
 * Guards the set semantics that kho_preserve_folio() documents ("preserving
 * a folio twice is the same as once"): a second add neither fails nor
 * allocates nor changes the tree, and one delete removes the key.
 */
static void kho_radix_add_key_idempotent(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(42);
	struct kho_radix_kunit_walk *before;

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	before = kho_radix_kunit_walk(test, tree);
	KHO_EXPECT_EQ(test, kho_radix_kunit_add_counted(test, tree, key), 0);
	KHO_RADIX_KUNIT_EXPECT_SAME(test, kho_radix_kunit_walk(test, tree), before);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);

	kho_radix_del_key(tree, key);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/*
 * Keys outside the key space are refused and change nothing; the smallest
 * and largest keys that fit are taken.
 */
static void kho_radix_add_key_invalid(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long bad[] = {
		0, BIT(KHO_RADIX_KEY_WIDTH), BIT(KHO_RADIX_KEY_WIDTH) | 1, BIT(63),
		ULONG_MAX,
	};
	const unsigned long edges[] = { 1, 2, BIT(KHO_RADIX_KEY_WIDTH) - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KHO_EXPECT_EQ_MSG(test, kho_radix_add_key(tree, bad[i]), -EINVAL,
				  "key %#lx", bad[i]);
		KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, bad[i]));
		kho_radix_del_key(tree, bad[i]);
	}
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);

	kho_radix_kunit_add(test, tree, edges, ARRAY_SIZE(edges));
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, edges, ARRAY_SIZE(edges));
}

/*
 * A second key that first differs from the first one in the index of level
 * l shares the path above l and needs exactly l new pages:
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf          (first key)
 *             \
 *              [2] -> [1] -> [leaf]         (second key, l = 3)
 */
static void kho_radix_add_key_shared_path(struct kunit *test)
{
	unsigned long keys[2], key = kho_radix_kunit_example();
	struct kho_radix_tree *tree;
	unsigned int level;

	for (level = 0; level <= KHO_RADIX_TOP_LEVEL; level++) {
		keys[0] = key;
		keys[1] = kho_radix_kunit_diverge(key, level);
		tree = kho_radix_kunit_tree_of(test, keys, 1);
		KHO_EXPECT_EQ_MSG(test, kho_radix_kunit_add_counted(test, tree, keys[1]),
				  level, "level %u", level);
		kho_radix_kunit_sort_keys(keys, 2);
		KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, 2);
		kunit_release_action(test, kho_radix_kunit_destroy, tree);
	}
}

/*
 * Guards the page layout, which is ABI: a successor, stock 7.3 included,
 * follows the tables by hand. Each table on the key's path holds exactly
 * one entry, at the index the key's bits select, and the leaf one bit; with
 * 4 KiB pages these are the indices the ABI DOC comment spells out.
 */
static void kho_radix_add_key_abi_layout(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_example();
	const struct kho_radix_node *table = tree->root;
	unsigned int level, idx, i, stray;
	const struct kho_radix_leaf *leaf;
	unsigned int path[KHO_RADIX_DEPTH];
	u64 entry = 0;

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);

	for (level = KHO_RADIX_TOP_LEVEL; level >= 1; level--) {
		idx = (key >> kho_radix_level_shift(level)) &
		      (KHO_RADIX_TABLE_ENTRIES - 1);
		path[level] = idx;
		for (i = 0, stray = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
			stray += i != idx && table->table[i];
		KHO_EXPECT_EQ_MSG(test, stray, 0, "level %u", level);

		entry = table->table[idx];
		KHO_ASSERT_NE_MSG(test, entry, 0ULL, "level %u entry %u", level, idx);
		KHO_ASSERT_TRUE(test, IS_ALIGNED(entry, PAGE_SIZE));
		table = phys_to_virt(entry);
	}

	leaf = phys_to_virt(entry);
	idx = key & (KHO_RADIX_LEAF_BITS - 1);
	KHO_EXPECT_TRUE(test, test_bit(idx, leaf->bitmap));
	KHO_EXPECT_EQ(test, bitmap_weight(leaf->bitmap, KHO_RADIX_LEAF_BITS), 1);

	if (PAGE_SHIFT != 12)
		return;
	/* Root entry 2, entry 0 at levels 4 to 2, 0x24 at level 1, bit 0x3456. */
	KHO_EXPECT_EQ(test, key, 0x0010000000123456UL);
	KHO_EXPECT_EQ(test, path[5], 2);
	KHO_EXPECT_EQ(test, path[4] | path[3] | path[2], 0);
	KHO_EXPECT_EQ(test, path[1], 0x24);
	KHO_EXPECT_EQ(test, idx, 0x3456);
}

/*
 * A key is found alone: not its neighbours, not its block at other orders,
 * not a key whose path is missing, and no invalid key.
 */
static void kho_radix_has_key_exact(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(64), other;

	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key - 1));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key + 1));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key + KHO_RADIX_KUNIT_LEAF_SPAN));
	other = kho_radix_kunit_diverge(key, KHO_RADIX_TOP_LEVEL);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, other));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree,
						 kho_radix_encode_key(64ULL << PAGE_SHIFT, 1)));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree,
						 kho_radix_encode_key(64ULL << PAGE_SHIFT, 6)));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, 0));
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key | BIT(KHO_RADIX_KEY_WIDTH)));
	KHO_EXPECT_FALSE(test, mutex_is_locked(&tree->lock));
}

/* Deleting what is not there changes nothing, wherever the path ends. */
static void kho_radix_del_key_absent(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_page(7);
	struct kho_radix_kunit_walk *before;

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	before = kho_radix_kunit_walk(test, tree);

	kho_radix_del_key(tree, key + 1);			/* same leaf */
	kho_radix_del_key(tree, key + KHO_RADIX_KUNIT_LEAF_SPAN); /* no leaf */
	kho_radix_del_key(tree, kho_radix_kunit_diverge(key, 1)); /* no leaf */
	kho_radix_del_key(tree, kho_radix_encode_key(0, KHO_RADIX_MAX_ORDER));
	kho_radix_del_key(tree, 0);
	kho_radix_del_key(tree, ULONG_MAX);

	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_SAME(test, kho_radix_kunit_walk(test, tree), before);
	KHO_EXPECT_FALSE(test, mutex_is_locked(&tree->lock));
}

/*
 * Deleting the only key frees its whole path but keeps the root:
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf   ==>   5
 */
static void kho_radix_del_key_only_key(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key = kho_radix_kunit_example();

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	kho_radix_del_key(tree, key);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, NULL, 0);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/*
 * An adopted root brings its keys along, which is how a successor reads the
 * tree: the same walk, and the adopter can change the tree.
 */
static void kho_radix_tree_adopt_keys(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long keys[] = {
		1, kho_radix_encode_key(0x40000000ULL, 9),
		kho_radix_kunit_example(), BIT(KHO_RADIX_KEY_WIDTH) - 1,
	};
	struct kho_radix_kunit_walk *before;
	struct kho_radix_tree *adopted;
	int err;

	kho_radix_kunit_add(test, tree, keys, ARRAY_SIZE(keys));
	before = kho_radix_kunit_walk(test, tree);

	adopted = kunit_kzalloc(test, sizeof(*adopted), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, adopted);
	kho_radix_tree_adopt(adopted, tree->root);
	/* The pages now belong to the adopter alone. */
	tree->root = NULL;
	err = kunit_add_action_or_reset(test, kho_radix_kunit_destroy, adopted);
	KHO_ASSERT_EQ(test, err, 0);

	KHO_RADIX_KUNIT_EXPECT_SAME(test, kho_radix_kunit_walk(test, adopted), before);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, adopted, keys, ARRAY_SIZE(keys));
	KHO_EXPECT_TRUE(test, kho_radix_has_key(adopted, keys[2]));

	kho_radix_del_key(adopted, keys[2]);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(adopted, keys[2]));
	KHO_EXPECT_TRUE(test, kho_radix_has_key(adopted, keys[3]));
}

/*
 * A tree without a root, never set up or destroyed, refuses every
 * operation, and destroying it again does nothing.
 */
static void kho_radix_tree_destroy_rootless(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const struct kho_radix_walk_cb none = { };
	unsigned long key = kho_radix_kunit_page(1);
	struct kho_radix_tree *never;
	struct kho_radix_stats stats;
	unsigned int round;

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, key), 0);
	kho_radix_tree_destroy(tree);
	KHO_EXPECT_NULL(test, tree->root);
	kho_radix_tree_destroy(tree);

	/* What kho_radix_tree_init() leaves when the root allocation fails. */
	never = kunit_kzalloc(test, sizeof(*never), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, never);
	mutex_init(&never->lock);
	for (round = 0; round < 2; round++, tree = never) {
		KHO_EXPECT_EQ(test, kho_radix_add_key(tree, key), -EINVAL);
		KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, key));
		kho_radix_del_key(tree, key);
		KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &none, NULL), -EINVAL);
		KHO_EXPECT_EQ(test, __kho_radix_walk_tree(tree, &none, NULL), -EINVAL);
		KHO_EXPECT_EQ(test, kho_radix_tree_stats(tree, &stats), -EINVAL);
		kho_radix_tree_destroy(tree);
		KHO_EXPECT_NULL(test, tree->root);
	}
}

/* Many keys in one leaf cost one leaf, and the stats count every key. */
static void kho_radix_tree_stats_dense(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long n;

	for (n = 0; n < KHO_RADIX_KUNIT_LEAF_SPAN; n += 3)
		KHO_ASSERT_EQ(test, kho_radix_add_key(tree, kho_radix_kunit_page(n)), 0);

	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1,
				    DIV_ROUND_UP(KHO_RADIX_KUNIT_LEAF_SPAN, 3));
}

/*
 * Destroy frees a large tree of scattered keys; in userspace the harness
 * counts that every page came back.
 */
static void kho_radix_tree_destroy_large(struct kunit *test)
{
	const unsigned long nr = 20000;
	unsigned long *keys = kho_radix_kunit_rand_keys(test, nr, 19, 46,
							KHO_RADIX_KUNIT_SEED + 3);
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, nr);

	KHO_EXPECT_GT(test, kho_radix_kunit_pages(test, tree), 1000);
	kho_radix_tree_destroy(tree);
	KHO_EXPECT_NULL(test, tree->root);
}

/* Keys of mixed orders come back in ascending order, whatever order they came in. */
static void kho_radix_walk_tree_ascending(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long edges[] = {
		kho_radix_kunit_example(),
		kho_radix_encode_key(0, KHO_RADIX_MAX_ORDER),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN + 1),
		kho_radix_encode_key(0x40000000ULL, 9),
		kho_radix_kunit_page(5),
		kho_radix_kunit_page(kho_radix_kunit_last(0)),
		kho_radix_encode_key(0, 3),
		kho_radix_kunit_page(4),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
		kho_radix_encode_key(kho_radix_kunit_top(20), 20),
	};
	const unsigned long nr = 5000 + ARRAY_SIZE(edges);
	unsigned long *keys = kho_radix_kunit_rand_keys(test, nr, 12, 44,
							KHO_RADIX_KUNIT_SEED + 4);

	memcpy(keys, edges, sizeof(edges));
	kho_radix_kunit_add(test, tree, keys, nr);
	/* Random addresses may repeat; the set holds each key once. */
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, kho_radix_kunit_sort_keys(keys, nr));
}

/*
 * Where a walk is told to stop, and what it must have seen by then. The
 * tree has the keys of pages 1, 2 and 3 in one leaf, LEAF_SPAN in a second
 * leaf under the same level-1 table and TABLE_SPAN under a second one:
 *
 *   5 -> 4 -> 3 -> 2 -+-> 1 -+-> leaf (1, 2, 3)
 *                     |      +-> leaf (LEAF_SPAN)
 *                     +-> 1 ---> leaf (TABLE_SPAN)
 */
struct kho_radix_stop_case {
	const char *desc;
	int stop_level;			/* node callback stops here, or -1 */
	unsigned long stop_page;	/* at this page of that level */
	unsigned long stop_key;		/* leaf callback stops here, or 0 */
	int ret;
	unsigned long keys_seen;
	unsigned long pages_seen;
};

static const struct kho_radix_stop_case kho_radix_stop_cases[] = {
	{ "leaf callback, first key",	-1, 0, 1, 1,	1, KHO_RADIX_DEPTH },
	{ "leaf callback, third key",	-1, 0, 3, 42,	3, KHO_RADIX_DEPTH },
	{ "leaf callback, last key",	-1, 0, 5, -ENOSPC, 5, KHO_RADIX_TOP_LEVEL + 4 },
	{ "node callback, at the root",	KHO_RADIX_TOP_LEVEL, 1, 0, -EFAULT, 0, 1 },
	{ "node callback, at a leaf",	0, 1, 0, -EBADMSG, 0, KHO_RADIX_DEPTH },
	{ "node callback, at the second leaf", 0, 2, 0, -EIO, 3, KHO_RADIX_DEPTH + 1 },
	{ "node callback, at level 1",	1, 1, 0, 7,	0, KHO_RADIX_TOP_LEVEL },
	{ "node callback, at the second level-1 table", 1, 2, 0, -E2BIG, 4,
	  KHO_RADIX_TOP_LEVEL + 3 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_stop, kho_radix_stop_cases, desc);

/*
 * Guards the early stop that a successor relies on to refuse a corrupt
 * tree: the first non-zero callback return ends the walk at once and is
 * what the walk returns, and nothing below a page refused by the node
 * callback is read.
 */
static void kho_radix_walk_tree_stop(struct kunit *test)
{
	const struct kho_radix_stop_case *c = test->param_value;
	const unsigned long keys[] = {
		kho_radix_kunit_page(1), kho_radix_kunit_page(2),
		kho_radix_kunit_page(3),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, ARRAY_SIZE(keys));
	struct kho_radix_kunit_walk *walk = kho_radix_kunit_walker(test, tree);

	walk->stop_level = c->stop_level;
	walk->stop_page = c->stop_page;
	walk->stop_key = c->stop_key;
	walk->stop_ret = c->ret;
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk),
		      c->ret);
	KHO_EXPECT_EQ(test, walk->nr_keys, c->keys_seen);
	KHO_EXPECT_EQ(test, walk->nr_pages, c->pages_seen);
}

/* The same with many keys: a stop anywhere, returning errnos or not. */
static void kho_radix_walk_tree_leaf_stop(struct kunit *test)
{
	const unsigned long stops[] = { 1, 3, 64, 99, 100 };
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	struct kho_radix_kunit_walk *walk;
	unsigned int i;
	int ret;

	for (i = 0; i < 100; i++)
		KHO_ASSERT_EQ(test, kho_radix_add_key(tree, kho_radix_kunit_page(i * 997UL)), 0);

	for (i = 0; i <= ARRAY_SIZE(stops); i++) {
		walk = kho_radix_kunit_walker(test, tree);
		walk->stop_key = i < ARRAY_SIZE(stops) ? stops[i] : 5;
		walk->stop_ret = i < ARRAY_SIZE(stops) ? 7 + i : -EFAULT;
		ret = kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk);
		KHO_EXPECT_EQ(test, ret, walk->stop_ret);
		KHO_EXPECT_EQ(test, walk->nr_keys, walk->stop_key);
	}
}

/*
 * Every page is reported once, at its level, root first: three leaves under
 * two level-1 tables that share all tables above them.
 */
static void kho_radix_walk_tree_node_counts(struct kunit *test)
{
	const unsigned long keys[] = {
		kho_radix_kunit_page(0),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, ARRAY_SIZE(keys));
	struct kho_radix_kunit_walk *walk = kho_radix_kunit_walk(test, tree);
	unsigned int level;

	KHO_EXPECT_EQ(test, walk->per_level[0], 3);
	KHO_EXPECT_EQ(test, walk->per_level[1], 2);
	for (level = 2; level <= KHO_RADIX_TOP_LEVEL; level++)
		KHO_EXPECT_EQ_MSG(test, walk->per_level[level], 1, "level %u", level);
	KHO_EXPECT_EQ(test, walk->pages[0], virt_to_phys(tree->root));
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, ARRAY_SIZE(keys));
}

/*
 * A full level-1 table and one more: ENTRIES + 2 leaves side by side need
 * two level-1 tables and one table at every level above, and a walk that
 * reads no leaf calls no leaf callback.
 *
 *   5 -> 4 -> 3 -> 2 -+-> 1 -> leaf x ENTRIES
 *                     +-> 1 -> leaf x 2
 */
static void kho_radix_walk_tree_full_table(struct kunit *test)
{
	const struct kho_radix_walk_cb node_only = { .node = kho_radix_kunit_walk_page };
	const unsigned long nr = KHO_RADIX_TABLE_ENTRIES + 2;
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	struct kho_radix_kunit_walk *walk;
	unsigned long *keys, i;
	unsigned int level;

	keys = kunit_kmalloc_array(test, nr, sizeof(*keys), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, keys);
	for (i = 0; i < nr; i++)
		keys[i] = kho_radix_kunit_page(i * KHO_RADIX_KUNIT_LEAF_SPAN + i % 7);
	kho_radix_kunit_add(test, tree, keys, nr);

	walk = kho_radix_kunit_walker(test, tree);
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &node_only, walk), 0);
	KHO_EXPECT_EQ(test, walk->per_level[0], nr);
	KHO_EXPECT_EQ(test, walk->per_level[1], 2);
	for (level = 2; level <= KHO_RADIX_TOP_LEVEL; level++)
		KHO_EXPECT_EQ_MSG(test, walk->per_level[level], 1, "level %u", level);
	KHO_EXPECT_EQ(test, walk->nr_keys, 0);

	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TOP_LEVEL + 1, nr, nr);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, nr);
}

/* NULL callbacks are allowed, and a walk calls only the ones it has. */
static void kho_radix_walk_tree_callbacks(struct kunit *test)
{
	const struct kho_radix_walk_cb none = { };
	const struct kho_radix_walk_cb leaf_only = { .leaf = kho_radix_kunit_walk_key };
	const struct kho_radix_walk_cb node_only = { .node = kho_radix_kunit_walk_page };
	const unsigned long keys[] = {
		kho_radix_kunit_page(9), kho_radix_kunit_page(10),
		BIT(KHO_RADIX_KEY_WIDTH) - 1,
	};
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, ARRAY_SIZE(keys));
	struct kho_radix_kunit_walk *walk;

	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &none, NULL), 0);

	walk = kho_radix_kunit_walker(test, tree);
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &leaf_only, walk), 0);
	KHO_EXPECT_EQ(test, walk->nr_keys, 3);
	KHO_EXPECT_EQ(test, walk->nr_pages, 0);

	walk = kho_radix_kunit_walker(test, tree);
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &node_only, walk), 0);
	KHO_EXPECT_EQ(test, walk->nr_keys, 0);
	KHO_EXPECT_EQ(test, walk->per_level[0], 2);
}

/*
 * The callbacks of the locked walk run under the tree lock; the __ walk
 * takes none, and runs under the caller's if it holds it.
 */
static void kho_radix_walk_tree_lock_context(struct kunit *test)
{
	const unsigned long key = kho_radix_kunit_page(777);
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, &key, 1);
	struct kho_radix_kunit_walk *walk;
	int err;

	walk = kho_radix_kunit_walker(test, tree);
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk), 0);
	KHO_EXPECT_TRUE(test, walk->locked && !walk->unlocked);

	walk = kho_radix_kunit_walker(test, tree);
	KHO_EXPECT_EQ(test, __kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk), 0);
	KHO_EXPECT_TRUE(test, walk->unlocked && !walk->locked);
	KHO_EXPECT_EQ(test, walk->nr_pages, KHO_RADIX_DEPTH);

	walk = kho_radix_kunit_walker(test, tree);
	mutex_lock(&tree->lock);
	err = __kho_radix_walk_tree(tree, &kho_radix_kunit_walk_cb, walk);
	mutex_unlock(&tree->lock);
	KHO_EXPECT_EQ(test, err, 0);
	KHO_EXPECT_TRUE(test, walk->locked && !walk->unlocked);
	KHO_EXPECT_EQ(test, walk->nr_keys, 1);
}

/* Build, by hand, the path of @key below @root, sharing existing tables. */
static struct kho_radix_leaf *kho_radix_kunit_hand_path(struct kunit *test,
							struct kho_radix_node *root,
							unsigned long key)
{
	struct kho_radix_node *table = root;
	unsigned int level, idx;
	void *page;

	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		idx = (key >> kho_radix_level_shift(level)) &
		      (KHO_RADIX_TABLE_ENTRIES - 1);
		if (!table->table[idx]) {
			page = (void *)get_zeroed_page(GFP_KERNEL);
			KHO_ASSERT_NOT_NULL(test, page);
			table->table[idx] = virt_to_phys(page);
		}
		table = phys_to_virt(table->table[idx]);
	}
	return (struct kho_radix_leaf *)table;
}

/*
 * A tree as a previous kernel would leave it, built by hand and adopted,
 * destroyed when the test ends.
 */
static struct kho_radix_tree *kho_radix_kunit_hand_tree(struct kunit *test,
							const unsigned long *keys,
							unsigned int nr)
{
	struct kho_radix_tree *tree;
	struct kho_radix_node *root;
	struct kho_radix_leaf *leaf;
	unsigned int i;
	int err;

	tree = kunit_kzalloc(test, sizeof(*tree), GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, tree);
	root = (void *)get_zeroed_page(GFP_KERNEL);
	KHO_ASSERT_NOT_NULL(test, root);
	kho_radix_tree_adopt(tree, root);
	err = kunit_add_action_or_reset(test, kho_radix_kunit_destroy, tree);
	KHO_ASSERT_EQ(test, err, 0);

	for (i = 0; i < nr; i++) {
		leaf = kho_radix_kunit_hand_path(test, root, keys[i]);
		__set_bit(keys[i] & (KHO_RADIX_LEAF_BITS - 1), leaf->bitmap);
	}
	return tree;
}

/* A node callback that refuses every page the first walk did not see. */
static int kho_radix_kunit_vet_page(phys_addr_t phys, unsigned int level,
				    void *data)
{
	const struct kho_radix_kunit_walk *known = data;
	unsigned long i;

	for (i = 0; i < known->nr_pages; i++)
		if (known->pages[i] == phys)
			return 0;
	return -EFAULT;
}

/*
 * Guards the vetting of a handed-over tree: a wild entry after a good
 * subtree, at the root and one level above the leaves, is refused by the
 * node callback before the walk reads it (reading it would crash the
 * harness, whose physical addresses are never mapped).
 *
 *   root -+-> 4 -> 3 -> 2 -> 1 -+-> leaf     (good, walked first)
 *         |                     +-> WILD
 *         +-> WILD
 */
static void kho_radix_walk_tree_vets_before_read(struct kunit *test)
{
	const struct kho_radix_walk_cb vet = {
		.node = kho_radix_kunit_vet_page,
		.leaf = kho_radix_kunit_walk_key,
	};
	const unsigned long key = kho_radix_kunit_page(5);
	struct kho_radix_tree *tree = kho_radix_kunit_hand_tree(test, &key, 1);
	struct kho_radix_kunit_walk *walk = kho_radix_kunit_walk(test, tree);
	const phys_addr_t wild = PAGE_SIZE;
	unsigned int idx, level;
	u64 *entry;

	KHO_ASSERT_EQ(test, walk->nr_pages, KHO_RADIX_DEPTH);

	/* Whatever fails below, the wild entries are cleared before destroy. */
	idx = (key >> kho_radix_level_shift(KHO_RADIX_TOP_LEVEL)) &
	      (KHO_RADIX_TABLE_ENTRIES - 1);
	entry = &tree->root->table[idx + 1];
	*entry = wild;
	walk->nr_keys = 0;
	KHO_EXPECT_EQ(test, __kho_radix_walk_tree(tree, &vet, walk), -EFAULT);
	KHO_EXPECT_EQ(test, walk->nr_keys, 1);
	*entry = 0;

	/* The same in the level-1 table. */
	entry = &tree->root->table[idx];
	for (level = KHO_RADIX_TOP_LEVEL - 1; level > 0; level--) {
		idx = (key >> kho_radix_level_shift(level)) &
		      (KHO_RADIX_TABLE_ENTRIES - 1);
		entry = &((struct kho_radix_node *)phys_to_virt(*entry))->table[idx];
	}
	entry -= idx;
	entry[KHO_RADIX_TABLE_ENTRIES - 1] = wild;
	walk->nr_keys = 0;
	KHO_EXPECT_EQ(test, kho_radix_walk_tree(tree, &vet, walk), -EFAULT);
	KHO_EXPECT_EQ(test, walk->nr_keys, 1);
	entry[KHO_RADIX_TABLE_ENTRIES - 1] = 0;
}

/*
 * A hand-built tree walks to the keys the ABI says; a key beyond the key
 * width (only a corrupt tree has one) is reported like any other, and the
 * codec then refuses it.
 */
static void kho_radix_walk_tree_hand_built(struct kunit *test)
{
	const unsigned long keys[] = {
		kho_radix_kunit_example(),
		(KHO_RADIX_TABLE_ENTRIES - 1UL) <<
		kho_radix_level_shift(KHO_RADIX_TOP_LEVEL) | 9,
	};
	struct kho_radix_tree *tree = kho_radix_kunit_hand_tree(test, keys, 2);
	unsigned int order;
	phys_addr_t phys;

	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys, 2);
	KHO_EXPECT_EQ(test, kho_radix_decode_key(keys[0], &phys, &order), 0);
	KHO_EXPECT_EQ(test, kho_radix_decode_key(keys[1], &phys, &order), -EINVAL);
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
	const unsigned long keys[] = {
		kho_radix_kunit_page(0),
		kho_radix_kunit_page(1),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN),
	};
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, ARRAY_SIZE(keys));
	unsigned int i;

	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 3, 4);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		kho_radix_del_key(tree, keys[c->order[i]]);
		KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, keys[c->order[i]]));
	}
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/*
 * Each deletion frees exactly the pages it empties, and no others:
 *
 *   5 -> 4 -> 3 -> 2 -+-> 1 -+-> leaf(a)
 *                     |      +-> leaf(b)     del b: its leaf
 *                     +-> 1 ---> leaf(c)     del c: its leaf and table
 *                                            del a: all but the root
 */
static void kho_radix_del_key_reclaims_exactly(struct kunit *test)
{
	const unsigned long a = kho_radix_kunit_page(0);
	const unsigned long b = kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN);
	const unsigned long c = kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN);
	const unsigned long keys[] = { a, b, c }, left[] = { a, c };
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, ARRAY_SIZE(keys));

	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 3, 3);

	kho_radix_del_key(tree, b);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS + 1, 2, 2);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, left, ARRAY_SIZE(left));

	kho_radix_del_key(tree, c);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, &a, 1);

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

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, first), 0);
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, last), 0);
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, far), 0);

	kho_radix_del_key(tree, last);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, first));
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, far));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 2, 2);

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, last), 0);
	kho_radix_del_key(tree, first);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, last));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 2, 2);

	/* Leaf 0 of the level-1 table goes; its last leaf keeps the table. */
	kho_radix_del_key(tree, last);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, far));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);

	/* And the other way round: its first leaf keeps it. */
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, first), 0);
	kho_radix_del_key(tree, far);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, &first, 1);
	kho_radix_del_key(tree, first);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/* Whatever was added, deleting it all in any order leaves the root alone. */
static void kho_radix_del_key_reclaims_random(struct kunit *test)
{
	const unsigned long nr = 20000;
	unsigned long *keys = kho_radix_kunit_rand_keys(test, nr, 19, 46,
							KHO_RADIX_KUNIT_SEED + 5);
	struct kho_radix_tree *tree = kho_radix_kunit_tree_of(test, keys, nr);

	kho_radix_kunit_shuffle(keys, nr, KHO_RADIX_KUNIT_SEED + 6);
	kho_radix_kunit_del(tree, keys, nr);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
}

/*
 * The tree remembers the leaf it used last. When a deletion frees that leaf,
 * the next key of the same leaf must get a new, linked leaf: not a write into
 * the freed page (which KASAN, or ASan in userspace, reports), and not a key
 * lost from the walk; and a key of another leaf must not land in it.
 *
 *   add a, add a + 1   leaf L1 is hot
 *   del a, del a + 1   L1 freed, nothing hot
 *   add a + 2          a new leaf L1'
 *   add b              b's leaf becomes hot; a + 2 stays where it is
 */
static void kho_radix_hot_leaf_reclaimed(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	const unsigned long a = kho_radix_kunit_page(40);
	const unsigned long b = kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN + 40);
	const unsigned long want[] = { a + 2, b };

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, a), 0);
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, a + 1), 0);
	kho_radix_del_key(tree, a);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	kho_radix_del_key(tree, a + 1);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, a + 1));

	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, a + 2), 0);
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, a));

	/* A key of the next leaf does not land in the one just used. */
	KHO_ASSERT_EQ(test, kho_radix_add_key(tree, b), 0);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, want, ARRAY_SIZE(want));

	/* Deleting a key the hot leaf does not hold changes nothing. */
	kho_radix_del_key(tree, b + 1);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, want, ARRAY_SIZE(want));

	kho_radix_del_key(tree, a + 2);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, b));
	KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, KHO_RADIX_TABLE_LEVELS, 1, 1);
}

/*
 * Ten add-all/delete-all cycles, of a few keys at the edges and of many
 * random ones: the tree has the same pages after every add, whatever order
 * the deletions came in, and only the root after every delete.
 */
static void kho_radix_del_key_cycles(struct kunit *test)
{
	const unsigned long edges[] = {
		kho_radix_kunit_page(3),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_LEAF_SPAN * 3 + 5),
		kho_radix_kunit_page(KHO_RADIX_KUNIT_TABLE_SPAN * 2),
		kho_radix_encode_key(0x40000000ULL, 9),
		kho_radix_kunit_page(kho_radix_kunit_last(0)),
	};
	const unsigned long nr = 5000 + ARRAY_SIZE(edges);
	unsigned long *keys = kho_radix_kunit_rand_keys(test, nr, 19, 46,
							KHO_RADIX_KUNIT_SEED + 7);
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	struct kho_radix_stats first = { }, now;
	unsigned int cycle;

	memcpy(keys, edges, sizeof(edges));
	for (cycle = 0; cycle < 10; cycle++) {
		kho_radix_kunit_add(test, tree, keys, nr);
		KHO_ASSERT_EQ(test, kho_radix_tree_stats(tree, &now), 0);
		if (!cycle)
			first = now;
		KHO_EXPECT_EQ_MSG(test, now.tables, first.tables, "cycle %u", cycle);
		KHO_EXPECT_EQ_MSG(test, now.leaves, first.leaves, "cycle %u", cycle);
		KHO_EXPECT_EQ_MSG(test, now.keys, first.keys, "cycle %u", cycle);

		kho_radix_kunit_shuffle(keys, nr, KHO_RADIX_KUNIT_SEED + cycle);
		kho_radix_kunit_del(tree, keys, nr);
		KHO_RADIX_KUNIT_EXPECT_SIZE(test, tree, 1, 0, 0);
	}
}

/*
 * The additions kho_radix_add_key_nomem makes: next to a key whose path
 * exists, a key that diverges from it at each level in turn, then a key in
 * an empty tree.
 */
static const unsigned int kho_radix_kunit_levels[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
static_assert(ARRAY_SIZE(kho_radix_kunit_levels) >= KHO_RADIX_DEPTH + 1);

static const void *kho_radix_nomem_gen_params(struct kunit *test,
					      const void *prev, char *desc)
{
	const unsigned int *level = prev ? (const unsigned int *)prev + 1 :
				    kho_radix_kunit_levels;

	if (level == kho_radix_kunit_levels + KHO_RADIX_DEPTH + 1)
		return NULL;
	if (*level > KHO_RADIX_TOP_LEVEL)
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "empty tree");
	else
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "diverging at level %u", *level);
	return level;
}

/*
 * Guards "if this fails, the tree is unchanged" of kho_radix_add_key(): an
 * addition that needs l pages (l = 3 below) is made to fail at each of its
 * allocations in turn. Each failure returns -ENOMEM and leaves the very
 * same walk (keys, page addresses, levels); every spare is freed, which the
 * userspace harness counts. One allocation more never fails: the addition
 * makes exactly l.
 *
 *   5 -> 4 -> 3 -> 2 -> 1 -> leaf        key a, already there
 *             \
 *              [2] -> [1] -> [leaf]       key b; fail the 1st, 2nd, 3rd
 */
static void kho_radix_add_key_nomem(struct kunit *test)
{
	const unsigned int level = *(const unsigned int *)test->param_value;
	const bool empty = level > KHO_RADIX_TOP_LEVEL;
	const unsigned int need = empty ? KHO_RADIX_TABLE_LEVELS : level;
	unsigned long keys[2] = { kho_radix_kunit_example() };
	struct kho_radix_kunit_walk *before;
	struct kho_radix_tree *tree;
	unsigned int nth, allocs;
	int err;

	keys[1] = empty ? keys[0] : kho_radix_kunit_diverge(keys[0], level);
	tree = kho_radix_kunit_tree_of(test, keys, !empty);
	before = kho_radix_kunit_walk(test, tree);

	for (nth = 1; nth <= need; nth++) {
		err = kho_radix_kunit_add_failing(test, tree, keys[1], nth, &allocs);
		KHO_EXPECT_EQ_MSG(test, err, -ENOMEM, "allocation %u", nth);
		KHO_EXPECT_EQ_MSG(test, allocs, nth, "allocation %u", nth);
		KHO_EXPECT_FALSE_MSG(test, kho_radix_has_key(tree, keys[1]),
				     "allocation %u", nth);
		KHO_EXPECT_FALSE(test, mutex_is_locked(&tree->lock));
		KHO_RADIX_KUNIT_EXPECT_SAME(test, kho_radix_kunit_walk(test, tree), before);
	}

	err = kho_radix_kunit_add_failing(test, tree, keys[1], need + 1, &allocs);
	KHO_EXPECT_EQ(test, err, 0);
	KHO_EXPECT_EQ(test, allocs, need);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, keys + empty,
				    kho_radix_kunit_sort_keys(keys + empty, 2 - empty));
}

/* A failure in one tree leaves another alone: the trees share no state. */
static void kho_radix_add_key_nomem_two_trees(struct kunit *test)
{
	const unsigned long key = kho_radix_kunit_example();
	struct kho_radix_tree *one = kho_radix_kunit_tree_of(test, &key, 1);
	struct kho_radix_tree *two = kho_radix_kunit_tree(test);
	unsigned int allocs;

	KHO_EXPECT_EQ(test, kho_radix_kunit_add_failing(test, two, key, 3, &allocs),
		      -ENOMEM);
	KHO_EXPECT_EQ(test, allocs, 3);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, one, &key, 1);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, two, NULL, 0);
}

#ifdef __KERNEL__
/* Another task that adds a key while a test fails its own allocations. */
struct kho_radix_kunit_adder {
	struct kho_radix_tree *tree;
	unsigned long key;
	int err;
	struct completion done;
};

static int kho_radix_kunit_adder_fn(void *data)
{
	struct kho_radix_kunit_adder *adder = data;

	adder->err = kho_radix_add_key(adder->tree, adder->key);
	complete(&adder->done);
	return 0;
}

/*
 * The failure is the task's own: while this task's next tree page allocation
 * is set to fail, another task's addition, here a kthread's, goes through,
 * and this task's addition still fails.
 */
static void kho_radix_add_key_nomem_other_task(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long ours = kho_radix_kunit_page(7 * KHO_RADIX_KUNIT_LEAF_SPAN);
	struct kho_radix_kunit_adder adder = {
		.tree = tree,
		.key = kho_radix_kunit_page(1),
		.err = -EINPROGRESS,
	};
	struct task_struct *task;
	unsigned int allocs;
	int err;

	init_completion(&adder.done);
#ifdef CONFIG_FAIL_KHO
	current->fail_nth = 1;
#endif
	task = kthread_run(kho_radix_kunit_adder_fn, &adder, "kho_radix_kunit");
	if (!IS_ERR(task))
		wait_for_completion(&adder.done);
#ifdef CONFIG_FAIL_KHO
	current->fail_nth = 0;
#endif
	KHO_ASSERT_FALSE_MSG(test, IS_ERR(task), "cannot start a kthread");
	KHO_EXPECT_EQ(test, adder.err, 0);
	KHO_EXPECT_TRUE(test, kho_radix_has_key(tree, adder.key));

	err = kho_radix_kunit_add_failing(test, tree, ours, 1, &allocs);
	KHO_EXPECT_EQ(test, err, -ENOMEM);
	KHO_EXPECT_EQ(test, allocs, 1);
	KHO_EXPECT_FALSE(test, kho_radix_has_key(tree, ours));
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, &adder.key, 1);
}
#endif /* __KERNEL__ */

static struct kunit_case kho_radix_test_cases[] = {
	KUNIT_CASE(kho_radix_layout_constants),
	KUNIT_CASE(kho_radix_encode_key_abi_example),
	KUNIT_CASE_PARAM(kho_radix_encode_key_edges, kho_radix_edge_gen_params),
	KUNIT_CASE(kho_radix_encode_key_powers_of_two),
	KUNIT_CASE(kho_radix_encode_key_random),
	KUNIT_CASE(kho_radix_encode_key_ordering),
	KUNIT_CASE_PARAM(kho_radix_encode_key_rejects,
			 kho_radix_encode_reject_gen_params),
	KUNIT_CASE(kho_radix_encode_key_rejects_every_order),
	KUNIT_CASE_PARAM(kho_radix_decode_key_rejects,
			 kho_radix_decode_reject_gen_params),
	KUNIT_CASE(kho_radix_decode_key_overflow_every_order),
	KUNIT_CASE(kho_radix_decode_key_order_bits),
	KUNIT_CASE(kho_radix_decode_key_every_position),
	KUNIT_CASE(kho_radix_khoser_ptr_round_trip),
	KUNIT_CASE(kho_radix_tree_init_empty),
	KUNIT_CASE(kho_radix_tree_init_nomem),
	KUNIT_CASE(kho_radix_add_key_builds_path),
	KUNIT_CASE(kho_radix_add_key_idempotent),
	KUNIT_CASE(kho_radix_add_key_invalid),
	KUNIT_CASE(kho_radix_add_key_shared_path),
	KUNIT_CASE(kho_radix_add_key_abi_layout),
	KUNIT_CASE(kho_radix_has_key_exact),
	KUNIT_CASE(kho_radix_del_key_absent),
	KUNIT_CASE(kho_radix_del_key_only_key),
	KUNIT_CASE(kho_radix_tree_adopt_keys),
	KUNIT_CASE(kho_radix_tree_destroy_rootless),
	KUNIT_CASE(kho_radix_tree_stats_dense),
	KUNIT_CASE(kho_radix_tree_destroy_large),
	KUNIT_CASE(kho_radix_walk_tree_ascending),
	KUNIT_CASE_PARAM(kho_radix_walk_tree_stop, kho_radix_stop_gen_params),
	KUNIT_CASE(kho_radix_walk_tree_leaf_stop),
	KUNIT_CASE(kho_radix_walk_tree_node_counts),
	KUNIT_CASE(kho_radix_walk_tree_full_table),
	KUNIT_CASE(kho_radix_walk_tree_callbacks),
	KUNIT_CASE(kho_radix_walk_tree_lock_context),
	KUNIT_CASE(kho_radix_walk_tree_vets_before_read),
	KUNIT_CASE(kho_radix_walk_tree_hand_built),
	KUNIT_CASE_PARAM(kho_radix_del_key_reclaims_all,
			 kho_radix_reclaim_gen_params),
	KUNIT_CASE(kho_radix_del_key_reclaims_exactly),
	KUNIT_CASE(kho_radix_del_key_keeps_far_neighbours),
	KUNIT_CASE(kho_radix_del_key_reclaims_random),
	KUNIT_CASE(kho_radix_hot_leaf_reclaimed),
	KUNIT_CASE(kho_radix_del_key_cycles),
	KUNIT_CASE_PARAM(kho_radix_add_key_nomem, kho_radix_nomem_gen_params),
	KUNIT_CASE(kho_radix_add_key_nomem_two_trees),
#ifdef __KERNEL__
	KUNIT_CASE(kho_radix_add_key_nomem_other_task),
#endif
	{}
};

static struct kunit_suite kho_radix_test_suite = {
	.name = "kho_radix",
	.init = kho_radix_kunit_init,
	.exit = kho_radix_kunit_exit,
	.test_cases = kho_radix_test_cases,
};

kunit_test_suite(kho_radix_test_suite);

MODULE_DESCRIPTION("KUnit tests for the KHO key codec and radix tree");
MODULE_LICENSE("GPL");
