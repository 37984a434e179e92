// SPDX-License-Identifier: GPL-2.0
/*
 * Randomized differential tests: the tree against a plain reference set.
 *
 * Every operation's result is compared with the reference at once; every
 * so often the whole tree is walked and checked key by key, page by page
 * (see kho_tree_check()). SEED= reproduces a run, OPS= sets its length.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/bits.h>

#include "harness.h"

/* The reference: a dense key array, indexed by an open-addressing hash. */
#define REF_SLOTS	BIT(17)
#define REF_CAP		(REF_SLOTS / 4)

struct refset {
	unsigned long keys[REF_CAP];
	size_t nr;
	unsigned int slots[REF_SLOTS];	/* index + 1 into keys[], 0 = free */
};

static size_t ref_hash(unsigned long key)
{
	return (key * 0x9e3779b97f4a7c15UL >> 32) & (REF_SLOTS - 1);
}

static size_t ref_slot(const struct refset *rs, unsigned long key)
{
	size_t i = ref_hash(key);

	while (rs->slots[i] && rs->keys[rs->slots[i] - 1] != key)
		i = (i + 1) & (REF_SLOTS - 1);
	return i;
}

static bool ref_has(const struct refset *rs, unsigned long key)
{
	return rs->slots[ref_slot(rs, key)];
}

static void ref_add(struct refset *rs, unsigned long key)
{
	size_t i = ref_slot(rs, key);

	if (rs->slots[i])
		return;
	rs->keys[rs->nr] = key;
	rs->slots[i] = ++rs->nr;
}

static void ref_del(struct refset *rs, unsigned long key)
{
	size_t hole = ref_slot(rs, key), i, home;
	unsigned int idx = rs->slots[hole];
	unsigned long last;

	if (!idx)
		return;

	/* Move the last key into the freed array index (found before the move). */
	last = rs->keys[rs->nr - 1];
	if (last != key) {
		rs->slots[ref_slot(rs, last)] = idx;
		rs->keys[idx - 1] = last;
	}
	rs->nr--;

	/* Close the hole so that later probes still find their keys. */
	rs->slots[hole] = 0;
	for (i = (hole + 1) & (REF_SLOTS - 1); rs->slots[i]; i = (i + 1) & (REF_SLOTS - 1)) {
		home = ref_hash(rs->keys[rs->slots[i] - 1]);
		if (((i - home) & (REF_SLOTS - 1)) >= ((i - hole) & (REF_SLOTS - 1))) {
			rs->slots[hole] = rs->slots[i];
			rs->slots[i] = 0;
			hole = i;
		}
	}
}

static bool check_against(struct kho_radix_tree *tree, const struct refset *rs)
{
	unsigned long *sorted = malloc((rs->nr + 1) * sizeof(*sorted));
	bool ok;

	if (!sorted)
		kho_shim_fatal("out of memory in the harness itself");
	memcpy(sorted, rs->keys, rs->nr * sizeof(*sorted));
	kho_sort_keys(sorted, rs->nr);
	ok = kho_tree_check(tree, sorted, rs->nr, 0);
	free(sorted);
	return ok;
}

static unsigned long block_key(uint64_t *rng, unsigned int order, u64 span)
{
	u64 size = (u64)PAGE_SIZE << order;
	u64 phys = (kho_rand(rng) % span) & ~(size - 1);

	if (order == KHO_RADIX_MAX_ORDER)
		phys = 0;
	else if (phys > 0 - 2 * size)
		phys = 0 - 2 * size;
	return kho_radix_encode_key(phys, order);
}

/*
 * A mix that makes leaves fill and empty often (clusters), that creates
 * and reclaims private paths (scattered), and that reaches every order and
 * both ends of the key space.
 */
static unsigned long random_key(uint64_t *rng)
{
	static const unsigned long edges[] = {
		1, 2, BIT(KHO_RADIX_LEAF_SHIFT) - 1, BIT(KHO_RADIX_LEAF_SHIFT),
		BIT(KHO_RADIX_KEY_WIDTH - 1), BIT(KHO_RADIX_KEY_WIDTH - 1) - 1,
		BIT(KHO_RADIX_KEY_WIDTH) - 1, BIT(KHO_RADIX_KEY_WIDTH) - 2,
	};
	unsigned int kind = kho_rand(rng) % 100;
	u64 r = kho_rand(rng);

	if (kind < 30)		/* dense low memory, small orders */
		return block_key(rng, r % 4, 1ULL << 30);
	if (kind < 55) {	/* 64 clusters of 16 pages, far apart */
		u64 base = ((r % 64) << 40) | ((r >> 8) % 16) << PAGE_SHIFT;

		return kho_radix_encode_key(base, 0);
	}
	if (kho_rand(rng) % 100 < 40 && kind < 80)	/* scattered, medium orders */
		return block_key(rng, r % 21, 1ULL << 48);
	if (kind < 85)		/* any order, anywhere */
		return block_key(rng, r % (KHO_RADIX_MAX_ORDER + 1), ~0ULL);
	if (kind < 97)		/* any key the tree can hold */
		return 1 + r % (BIT(KHO_RADIX_KEY_WIDTH) - 1);
	return edges[r % (ARRAY_SIZE(edges))];
}

static unsigned long invalid_key(uint64_t *rng)
{
	u64 r = kho_rand(rng);

	switch (r % 3) {
	case 0:
		return 0;
	case 1:
		return BIT(KHO_RADIX_KEY_WIDTH) | (r >> 8);
	default:
		return ~0UL;
	}
}

static unsigned long pick_key(uint64_t *rng, const struct refset *rs)
{
	u64 r = kho_rand(rng) % 100;

	if (r < 3)
		return invalid_key(rng);
	if (r < 50 && rs->nr)
		return rs->keys[kho_rand(rng) % rs->nr];
	return random_key(rng);
}

static void run_ops(unsigned long ops, bool inject)
{
	struct refset *rs = calloc(1, sizeof(*rs));
	uint64_t rng = kho_test_seed() ^ (inject ? 0x1badULL : 0);
	unsigned long check_every = ops / 20 + 1, op, nomem = 0, nr_add = 0;
	struct kho_radix_tree tree = {};

	if (!rs)
		kho_shim_fatal("out of memory in the harness itself");
	if (!EXPECT_EQ(kho_radix_tree_init(&tree), 0))
		goto out;

	for (op = 1; op <= ops; op++) {
		unsigned int what = kho_rand(&rng) % 100;
		unsigned long key = pick_key(&rng, rs);
		bool valid = key && !(key >> KHO_RADIX_KEY_WIDTH);
		unsigned long live = kho_shim_pages_live();
		int ret;

		/* Near the cap, adds turn into deletions of existing keys. */
		if (what < 45 && rs->nr >= REF_CAP - 1) {
			what = 50;
			key = rs->keys[kho_rand(&rng) % rs->nr];
		}

		if (what < 45) {
			if (inject && kho_rand(&rng) % 4 == 0)
				kho_shim_fail_nth(1 + kho_rand(&rng) % KHO_RADIX_TABLE_LEVELS);
			ret = kho_radix_add_key(&tree, key);
			kho_shim_fail_nth(0);
			nr_add++;
			if (ret == -ENOMEM && inject && valid && !ref_has(rs, key)) {
				/* A failed add changes nothing at all. */
				nomem++;
				if (!EXPECT_EQ(kho_shim_pages_live(), live))
					break;
			} else if (!EXPECT_EQ(ret, valid ? 0 : -EINVAL)) {
				kho_test_diag("op %lu: add %#lx", op, key);
				break;
			} else if (valid) {
				ref_add(rs, key);
			}
		} else if (what < 80) {
			kho_radix_del_key(&tree, key);
			ref_del(rs, key);
		} else if (!EXPECT_EQ(kho_radix_has_key(&tree, key), ref_has(rs, key))) {
			kho_test_diag("op %lu: has %#lx", op, key);
			break;
		}

		if (!EXPECT_EQ(kho_shim_locks_held(), 0))
			break;
		if ((op % check_every == 0 || op == ops) && !check_against(&tree, rs)) {
			kho_test_diag("op %lu: tree differs from the reference", op);
			break;
		}
	}
	kho_test_diag("%lu ops (%lu adds, %lu failed with -ENOMEM), %zu keys at the end",
		      op - 1, nr_add, nomem, rs->nr);
	if (inject)
		EXPECT(nomem > 0);
	kho_radix_tree_destroy(&tree);
out:
	free(rs);
}

static void kho_radix_random_ops_differential_check(void)
{
	run_ops(kho_test_env("OPS", 1000000), false);
}

/* The same with random allocation failures: each -ENOMEM must be a no-op. */
static void kho_radix_random_ops_nomem_check(void)
{
	run_ops(kho_test_env("OPS", 1000000) / 5, true);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_radix_random_ops_differential_check),
	KHO_CASE(kho_radix_random_ops_nomem_check),
};

KHO_SUITE(random_suite, cases);
