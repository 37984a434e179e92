// SPDX-License-Identifier: GPL-2.0
/*
 * The key codec and the layout constants of the kho-v4 ABI header.
 *
 * A key for a block of order o at address pa:
 *
 *   bit  KEY_WIDTH-1 ... KEY_WIDTH-1-o   KEY_WIDTH-2-o ............ 0
 *        0   ...   0        1            pa >> (PAGE_SHIFT + o)
 *                       order bit
 */
#include <linux/io.h>

#include "harness.h"

static u64 block_size(unsigned int order)
{
	return (u64)PAGE_SIZE << order;
}

/* Highest block start whose end still fits below 2^64. */
static u64 highest_block(unsigned int order)
{
	return order == KHO_RADIX_MAX_ORDER ? 0 : 0 - 2 * block_size(order);
}

static bool roundtrip(phys_addr_t phys, unsigned int order)
{
	unsigned long key = kho_radix_encode_key(phys, order);
	phys_addr_t got_phys = 1;
	unsigned int got_order = ~0U;

	if (!EXPECT(key != 0))
		return false;
	if (!EXPECT_EQ(fls64(key), KHO_RADIX_KEY_WIDTH - order))
		return false;
	if (!EXPECT_EQ(kho_radix_decode_key(key, &got_phys, &got_order), 0))
		return false;
	return EXPECT_EQ(got_phys, phys) && EXPECT_EQ(got_order, order);
}

static void kho_radix_layout_constants_check(void)
{
	EXPECT_EQ(KHO_RADIX_KEY_WIDTH, 64 - PAGE_SHIFT + 1);
	EXPECT_EQ(KHO_RADIX_MAX_ORDER, 63 - PAGE_SHIFT);
	EXPECT_EQ((unsigned long)KHO_RADIX_TABLE_ENTRIES * sizeof(u64), PAGE_SIZE);
	EXPECT_EQ(KHO_RADIX_LEAF_BITS, PAGE_SIZE * 8);
	EXPECT_EQ(1UL << KHO_RADIX_TABLE_SHIFT, KHO_RADIX_TABLE_ENTRIES);
	EXPECT_EQ(1UL << KHO_RADIX_LEAF_SHIFT, KHO_RADIX_LEAF_BITS);
	/* Just enough table levels to route every key bit above the leaf. */
	EXPECT(kho_radix_level_shift(KHO_RADIX_TOP_LEVEL) + KHO_RADIX_TABLE_SHIFT >=
	       KHO_RADIX_KEY_WIDTH);
	EXPECT(kho_radix_level_shift(KHO_RADIX_TOP_LEVEL) < KHO_RADIX_KEY_WIDTH);
	EXPECT_EQ(KHO_RADIX_DEPTH, KHO_RADIX_TOP_LEVEL + 1);
	EXPECT_EQ(sizeof(struct kho_radix_node), PAGE_SIZE);
	EXPECT_EQ(sizeof(struct kho_radix_leaf), PAGE_SIZE);

	if (PAGE_SHIFT == 12) {
		/* The numbers kho-v4 was defined with. */
		EXPECT_EQ(KHO_RADIX_KEY_WIDTH, 53);
		EXPECT_EQ(KHO_RADIX_TABLE_SHIFT, 9);
		EXPECT_EQ(KHO_RADIX_LEAF_SHIFT, 15);
		EXPECT_EQ(KHO_RADIX_DEPTH, 6);
		EXPECT_EQ(KHO_RADIX_MAX_ORDER, 51);
		EXPECT_EQ(KHO_VMALLOC_SIZE, 511);
	}
}

static void kho_radix_encode_key_doc_example_check(void)
{
	/* The examples in the ABI DOC comment, scaled to this page size. */
	EXPECT_EQ(kho_radix_encode_key(0x123456ULL << PAGE_SHIFT, 0),
		  BIT(KHO_RADIX_KEY_WIDTH - 1) | 0x123456);
	EXPECT_EQ(kho_radix_encode_key(0x200ULL << (PAGE_SHIFT + 9), 9),
		  BIT(KHO_RADIX_KEY_WIDTH - 10) | 0x200);
	if (PAGE_SHIFT == 12) {
		EXPECT_EQ(kho_radix_encode_key(0x123456000, 0), 0x0010000000123456UL);
		EXPECT_EQ(kho_radix_encode_key(0x40000000, 9), 0x0000080000000200UL);
	}
}

/*
 * Every order, at the edges of the address space: 0, the first blocks,
 * every power of two it can start at, and the highest block that fits.
 */
static void kho_radix_encode_key_every_order_edges_check(void)
{
	unsigned int order, bit;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		u64 size = block_size(order), top = highest_block(order);

		roundtrip(0, order);
		roundtrip(top, order);
		if (top >= size) {
			roundtrip(size, order);
			roundtrip(top - size, order);
		}
		for (bit = PAGE_SHIFT + order; bit < 64; bit++)
			if (BIT_ULL(bit) <= top)
				roundtrip(BIT_ULL(bit), order);
	}
}

static void kho_radix_encode_key_random_check(void)
{
	uint64_t rng = kho_test_seed();
	unsigned int order, i;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		u64 size = block_size(order);

		for (i = 0; i < 2000; i++) {
			u64 phys = kho_rand(&rng) & ~(size - 1);

			if (phys > highest_block(order))
				phys = highest_block(order);
			if (!roundtrip(phys, order))
				return;
		}
	}
}

/* Same order: keys sort like addresses; different orders never collide. */
static void kho_radix_encode_key_ordering_check(void)
{
	uint64_t rng = kho_test_seed() ^ 0x5a5a;
	unsigned int i;

	for (i = 0; i < 100000; i++) {
		unsigned int order = kho_rand(&rng) % (KHO_RADIX_MAX_ORDER + 1);
		unsigned int other = kho_rand(&rng) % (KHO_RADIX_MAX_ORDER + 1);
		u64 size = block_size(order), top = highest_block(order);
		u64 a = kho_rand(&rng) & ~(size - 1), b = kho_rand(&rng) & ~(size - 1);

		if (a > top)
			a = top;
		if (b > top)
			b = top;
		if (!EXPECT_EQ(a < b, kho_radix_encode_key(a, order) <
				      kho_radix_encode_key(b, order)))
			return;
		if (other != order && b <= highest_block(other) && !(b & (block_size(other) - 1)) &&
		    !EXPECT(kho_radix_encode_key(b, order) != kho_radix_encode_key(b, other)))
			return;
	}
}

static void kho_radix_encode_key_rejects_check(void)
{
	unsigned int order;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++) {
		u64 size = block_size(order);

		/* Unaligned: the low bits would be silently dropped. */
		EXPECT_EQ(kho_radix_encode_key(size >> 1, order), 0);
		EXPECT_EQ(kho_radix_encode_key(size + PAGE_SIZE / 2, order), 0);
		/* The block ending exactly at 2^64 has no representable end. */
		EXPECT_EQ(kho_radix_encode_key(0 - size, order), 0);
	}
	EXPECT_EQ(kho_radix_encode_key(0, KHO_RADIX_MAX_ORDER + 1), 0);
	EXPECT_EQ(kho_radix_encode_key(0, 64), 0);
	EXPECT_EQ(kho_radix_encode_key(0, ~0U), 0);
}

static void kho_radix_decode_key_rejects_check(void)
{
	const unsigned long bad[] = {
		0,				/* no order bit */
		1,				/* order KHO_RADIX_MAX_ORDER + 1: 2^64 bytes */
		BIT(KHO_RADIX_KEY_WIDTH),	/* too wide */
		BIT(KHO_RADIX_KEY_WIDTH) | 1,
		BIT(63),
		~0UL,
	};
	phys_addr_t phys = 0x1234;
	unsigned int order = 77, i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(kho_radix_decode_key(bad[i], &phys, &order), -EINVAL);
		EXPECT_EQ(phys, 0x1234);
		EXPECT_EQ(order, 77);
	}

	/* For every order, the top block: order bit with all ones below. */
	for (i = 0; i <= KHO_RADIX_MAX_ORDER; i++) {
		unsigned long bit = BIT(KHO_RADIX_KEY_WIDTH - 1 - i);

		EXPECT_EQ(kho_radix_decode_key(bit | (bit - 1), &phys, &order), -EINVAL);
		EXPECT_EQ(phys, 0x1234);
	}
}

/*
 * Every key a tree can hold, by order bit position: it decodes unless it is
 * the one order or block that does not fit, and re-encodes to itself.
 */
static void kho_radix_decode_key_every_position_check(void)
{
	uint64_t rng = kho_test_seed() ^ 0xa5a5;
	unsigned int pos, i;

	for (pos = 0; pos < KHO_RADIX_KEY_WIDTH; pos++) {
		for (i = 0; i < 2000; i++) {
			unsigned long all = BIT(pos) - 1;
			unsigned long low = i ? kho_rand(&rng) & all : all;
			unsigned long key = BIT(pos) | low;
			/* Position 0 is order MAX + 1; all ones is the top block. */
			bool fits = pos && low != all;
			phys_addr_t phys = 0;
			unsigned int order = 0;
			int err = kho_radix_decode_key(key, &phys, &order);

			if (!EXPECT_EQ(err, fits ? 0 : -EINVAL))
				return;
			if (err)
				continue;
			if (!EXPECT_EQ(order, KHO_RADIX_KEY_WIDTH - 1 - pos) ||
			    !EXPECT(phys + block_size(order) > phys) ||
			    !EXPECT_EQ(kho_radix_encode_key(phys, order), key))
				return;
		}
	}
}

struct khoser_holder {
	DECLARE_KHOSER_PTR(ptr, struct kho_vmalloc_chunk *);
};

static void kho_khoser_ptr_roundtrip_check(void)
{
	static struct kho_vmalloc_chunk chunk;
	struct khoser_holder h = { .ptr.phys = 0xdead };
	struct kho_vmalloc_chunk *none = NULL;

	EXPECT_EQ(sizeof(h), sizeof(u64));
	KHOSER_STORE_PTR(h.ptr, &chunk);
	EXPECT_EQ(h.ptr.phys, virt_to_phys(&chunk));
	EXPECT(KHOSER_LOAD_PTR(h.ptr) == &chunk);

	/* NULL travels as physical address 0, and comes back as NULL. */
	KHOSER_STORE_PTR(h.ptr, none);
	EXPECT_EQ(h.ptr.phys, 0);
	EXPECT(!KHOSER_LOAD_PTR(h.ptr));
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_layout_constants_check),
	KHO_CASE(kho_radix_encode_key_doc_example_check),
	KHO_CASE(kho_radix_encode_key_every_order_edges_check),
	KHO_CASE(kho_radix_encode_key_random_check),
	KHO_CASE(kho_radix_encode_key_ordering_check),
	KHO_CASE(kho_radix_encode_key_rejects_check),
	KHO_CASE(kho_radix_decode_key_rejects_check),
	KHO_CASE(kho_radix_decode_key_every_position_check),
	KHO_CASE(kho_khoser_ptr_roundtrip_check),
};

KHO_SUITE(codec_suite, cases);
