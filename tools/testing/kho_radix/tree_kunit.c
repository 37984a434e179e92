// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit suite "kho_radix" of kernel/liveupdate/kho_radix_kunit.c, built
 * here unmodified (as tools/testing/radix-tree/xarray.c builds
 * lib/test_xarray.c), and the cases that only this harness can run, with
 * the same helpers:
 *
 * - races: other users change the tree at the very point where
 *   kho_radix_add_key() allocates with the lock dropped, from the allocation
 *   hook of shim.c, failing or not;
 * - a long randomized differential run against a plain reference set, also
 *   with random allocation failures. SEED= reproduces a run, OPS= sets its
 *   length.
 *
 * They form the suite kho_radix_user.
 */
#include <stdlib.h>

#include "../../../kernel/liveupdate/kho_radix_kunit.c"

#include "harness.h"

/* What another user does to the tree from the allocation hook. */
struct kho_radix_race {
	struct kunit *test;
	struct kho_radix_tree *tree;
	unsigned long del_key, add_key;
	unsigned int fired;
};

/* Before the first allocation of the addition under test. */
static void kho_radix_race_hook(unsigned long nth, void *arg)
{
	struct kho_radix_race *race = arg;

	if (nth != 1)
		return;
	race->fired++;
	if (race->del_key)
		kho_radix_del_key(race->tree, race->del_key);
	if (race->add_key)
		KHO_EXPECT_EQ(race->test, kho_radix_add_key(race->tree, race->add_key), 0);
}

/* Add @key to @tree with @race running from the hook; the allocations made. */
static int kho_radix_race_add(struct kho_radix_race *race, unsigned long key,
			      unsigned int nth, unsigned long *calls)
{
	unsigned long before = kho_shim_alloc_calls();
	int err;

	race->fired = 0;
	kho_shim_set_alloc_hook(kho_radix_race_hook, race);
	current->fail_nth = nth;
	err = kho_radix_add_key(race->tree, key);
	current->fail_nth = 0;
	kho_shim_set_alloc_hook(NULL, NULL);
	*calls = kho_shim_alloc_calls() - before;
	return err;
}

/*
 * An addition whose path loses pages to a concurrent deletion while it
 * allocates: it must count again and allocate more in a second round. Each
 * allocation of both rounds is made to fail in turn: -ENOMEM, and the tree
 * is exactly what the deletion left, with every spare freed.
 */
struct kho_radix_race_case {
	const char *desc;
	unsigned long present[2];	/* page indices of the keys before */
	unsigned int nr_present;
	unsigned long add;		/* page index of the key added */
	unsigned int allocs;		/* allocations of both rounds */
};

static const struct kho_radix_race_case kho_radix_race_cases[] = {
	/*
	 *   before:  5 -> 4 -> 3 -> 2 -> 1 -> leaf(a)     b needs [leaf]
	 *   race:    5                                    a deleted meanwhile
	 *   after:   5 -> 4 -> 3 -> 2 -> 1 -> leaf(b)     all new, nothing leaked
	 */
	{ "deletion frees the whole path", { 0 }, 1, KHO_RADIX_KUNIT_LEAF_SPAN,
	  KHO_RADIX_TABLE_LEVELS },
	/* The deletion frees a leaf and its level-1 table, not the rest. */
	{ "deletion frees a table and a leaf", { 0, KHO_RADIX_KUNIT_TABLE_SPAN }, 2,
	  KHO_RADIX_KUNIT_LEAF_SPAN, 2 },
};

KUNIT_ARRAY_PARAM_DESC(kho_radix_race, kho_radix_race_cases, desc);

static void kho_radix_add_key_nomem_racing_del(struct kunit *test)
{
	const struct kho_radix_race_case *c = test->param_value;
	unsigned long keys[3], key = kho_radix_kunit_page(c->add), calls;
	struct kho_radix_race race = { .test = test };
	unsigned long base = kho_shim_pages_live();
	unsigned int nth, i;
	int err;

	for (i = 0; i < c->nr_present; i++)
		keys[i] = kho_radix_kunit_page(c->present[i]);
	race.del_key = keys[0];

	for (nth = 1; nth <= c->allocs + 1; nth++) {
		race.tree = kho_radix_kunit_tree_of(test, keys, c->nr_present);
		err = kho_radix_race_add(&race, key, nth, &calls);
		KHO_EXPECT_EQ_MSG(test, race.fired, 1, "allocation %u", nth);
		KHO_EXPECT_EQ_MSG(test, kho_shim_pages_live() - base,
				  kho_radix_kunit_pages(test, race.tree),
				  "allocation %u: pages leaked", nth);
		if (nth <= c->allocs) {
			KHO_EXPECT_EQ_MSG(test, err, -ENOMEM, "allocation %u", nth);
			KHO_EXPECT_EQ_MSG(test, calls, nth, "allocation %u", nth);
			KHO_RADIX_KUNIT_EXPECT_TREE(test, race.tree, keys + 1,
						    c->nr_present - 1);
		} else {
			KHO_EXPECT_EQ(test, err, 0);
			KHO_EXPECT_EQ(test, calls, c->allocs);
			keys[c->nr_present] = key;
			KHO_RADIX_KUNIT_EXPECT_TREE(test, race.tree, keys + 1,
						    kho_radix_kunit_sort_keys(keys + 1,
									      c->nr_present));
		}
		kunit_release_action(test, kho_radix_kunit_destroy, race.tree);
	}
}

/*
 * The other side of the second round: while an addition allocates its whole
 * path, another user adds a key that builds the path, with its leaf or all
 * but its leaf. The addition then links only what is still missing and
 * frees the other spares.
 */
static void kho_radix_add_key_grow_during_alloc(struct kunit *test)
{
	unsigned long key = kho_radix_kunit_example(), keys[2], calls;
	struct kho_radix_race race = { .test = test };
	unsigned long base = kho_shim_pages_live();
	unsigned int sibling;

	for (sibling = 0; sibling < 2; sibling++) {
		race.tree = kho_radix_kunit_tree(test);
		race.add_key = sibling ? kho_radix_kunit_diverge(key, 1) : key + 1;
		KHO_EXPECT_EQ(test, kho_radix_race_add(&race, key, 0, &calls), 0);
		KHO_EXPECT_EQ(test, race.fired, 1);
		/* Both additions allocated a whole path. */
		KHO_EXPECT_EQ(test, calls, 2 * KHO_RADIX_TABLE_LEVELS);
		KHO_EXPECT_EQ(test, kho_shim_pages_live() - base, KHO_RADIX_DEPTH + sibling);

		keys[0] = key;
		keys[1] = race.add_key;
		KHO_RADIX_KUNIT_EXPECT_TREE(test, race.tree, keys,
					    kho_radix_kunit_sort_keys(keys, 2));
		kunit_release_action(test, kho_radix_kunit_destroy, race.tree);
	}
}

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

/*
 * The tree holds exactly the reference's keys, in as many pages as are live
 * above @base, the pages the case found.
 */
static void check_against(struct kunit *test, struct kho_radix_tree *tree,
			  const struct refset *rs, unsigned long base,
			  unsigned long op)
{
	unsigned long *sorted = kunit_kmalloc_array(test, rs->nr + 1, sizeof(*sorted),
						    GFP_KERNEL);
	unsigned int failures = test->failures;

	KHO_ASSERT_NOT_NULL(test, sorted);
	memcpy(sorted, rs->keys, rs->nr * sizeof(*sorted));
	kho_radix_kunit_sort_keys(sorted, rs->nr);
	KHO_RADIX_KUNIT_EXPECT_TREE(test, tree, sorted, rs->nr);
	KHO_EXPECT_EQ(test, kho_shim_pages_live() - base, kho_radix_kunit_pages(test, tree));
	kunit_kfree(test, sorted);
	KHO_ASSERT_EQ_MSG(test, test->failures, failures,
			  "op %lu: the tree differs from the reference", op);
}

static unsigned long block_key(u64 *rng, unsigned int order, u64 span)
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
static unsigned long random_key(u64 *rng)
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

static unsigned long invalid_key(u64 *rng)
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

static unsigned long pick_key(u64 *rng, const struct refset *rs)
{
	u64 r = kho_rand(rng) % 100;

	if (r < 3)
		return invalid_key(rng);
	if (r < 50 && rs->nr)
		return rs->keys[kho_rand(rng) % rs->nr];
	return random_key(rng);
}

/*
 * @ops random additions, deletions and lookups, each compared with the
 * reference at once, and the whole tree twenty times per run; with @inject,
 * a quarter of the additions also have one of their allocations fail, and
 * each such failure must change nothing at all.
 */
static void run_ops(struct kunit *test, unsigned long ops, bool inject)
{
	unsigned long base = kho_shim_pages_live();
	struct refset *rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	u64 rng = kho_test_seed() ^ (inject ? 0x1badULL : 0);
	unsigned long check_every = ops / 20 + 1, op, nomem = 0, nr_add = 0;
	struct kho_radix_tree *tree = kho_radix_kunit_tree(test);
	unsigned long key, live;
	unsigned int what;
	bool valid;
	int ret;

	KHO_ASSERT_NOT_NULL(test, rs);
	for (op = 1; op <= ops; op++) {
		what = kho_rand(&rng) % 100;
		key = pick_key(&rng, rs);
		valid = key && !(key >> KHO_RADIX_KEY_WIDTH);
		live = kho_shim_pages_live();

		/* Near the cap, adds turn into deletions of existing keys. */
		if (what < 45 && rs->nr >= REF_CAP - 1) {
			what = 50;
			key = rs->keys[kho_rand(&rng) % rs->nr];
		}

		if (what < 45) {
			if (inject && kho_rand(&rng) % 4 == 0)
				current->fail_nth = 1 + kho_rand(&rng) % KHO_RADIX_TABLE_LEVELS;
			ret = kho_radix_add_key(tree, key);
			current->fail_nth = 0;
			nr_add++;
			if (ret == -ENOMEM && inject && valid && !ref_has(rs, key)) {
				/* A failed add changes nothing at all. */
				nomem++;
				KHO_ASSERT_EQ_MSG(test, kho_shim_pages_live(), live, "op %lu", op);
			} else {
				KHO_ASSERT_EQ_MSG(test, ret, valid ? 0 : -EINVAL,
						  "op %lu: add %#lx", op, key);
				if (valid)
					ref_add(rs, key);
			}
		} else if (what < 80) {
			kho_radix_del_key(tree, key);
			ref_del(rs, key);
		} else {
			KHO_ASSERT_EQ_MSG(test, kho_radix_has_key(tree, key), ref_has(rs, key),
					  "op %lu: has %#lx", op, key);
		}

		KHO_ASSERT_EQ_MSG(test, kho_shim_locks_held(), 0, "op %lu", op);
		if (op % check_every == 0 || op == ops)
			check_against(test, tree, rs, base, op);
	}
	kunit_info(test, "%lu ops (%lu adds, %lu failed with -ENOMEM), %zu keys at the end",
		   ops, nr_add, nomem, rs->nr);
	if (inject)
		KHO_EXPECT_GT(test, nomem, 0);
}

static void kho_radix_random_ops_differential(struct kunit *test)
{
	run_ops(test, kho_test_env("OPS", 1000000), false);
}

/* The same with random allocation failures: each -ENOMEM must be a no-op. */
static void kho_radix_random_ops_nomem(struct kunit *test)
{
	run_ops(test, kho_test_env("OPS", 1000000) / 5, true);
}

static struct kunit_case kho_radix_user_test_cases[] = {
	KUNIT_CASE_PARAM(kho_radix_add_key_nomem_racing_del,
			 kho_radix_race_gen_params),
	KUNIT_CASE(kho_radix_add_key_grow_during_alloc),
	KUNIT_CASE(kho_radix_random_ops_differential),
	KUNIT_CASE(kho_radix_random_ops_nomem),
	{}
};

static struct kunit_suite kho_radix_user_test_suite;

/* Run after kho_radix, with its init and exit, which count every check. */
static void __attribute__((constructor)) kho_radix_user_register(void)
{
	kho_radix_user_test_suite = kho_radix_test_suite;
	kho_radix_user_test_suite.name = "kho_radix_user";
	kho_radix_user_test_suite.test_cases = kho_radix_user_test_cases;
	kunit_shim_register(&kho_radix_user_test_suite);
}
