// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_check_tree(), the successor's vetting of an incoming tree, run on
 * real trees built with kho_radix_add_key() and then damaged one way at a
 * time. Every refusal is checked for its exact reason, detail and address.
 *
 * The simulated machine: the harness's tree pages are heap pages whose
 * "physical" addresses lie in [HOST_RAM, HOST_RAM + 2^47) (see
 * shim/linux/io.h), which is RAM; preserved blocks get made-up addresses in
 * a second bank of RAM at [4 GiB, 4 GiB + 1 TiB) that contains a scratch
 * area. Below 4 GiB there is no RAM. Blocks are never dereferenced, so any
 * address will do for them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/gfp.h>
#include <linux/io.h>

#include "harness.h"
#include "kho_in_check.h"

#define HOST_RAM	KHO_SHIM_PHYS_FLIP
#define HOST_RAM_SIZE	BIT_ULL(47)
#define BANK		(4ULL << 30)
#define BANK_SIZE	BIT_ULL(40)
#define SCRATCH		(BANK + BANK_SIZE / 2)
#define SCRATCH_SIZE	(256ULL << 20)
/*
 * Where the tests put their blocks: 64 GiB into the bank, so that even with
 * 64 KiB pages (a leaf spans 32 GiB of order-0 blocks) the leaf before the
 * first block's is still in RAM.
 */
#define BLOCKS		(BANK + (64ULL << 30))

/* For expect_refusal(): any address will do. */
#define ANYWHERE	(~0ULL)

static const char scratch_name[] = "scratch";
static const char image_name[] = "kernel image";

struct span {
	phys_addr_t start, size;
	const char *name;
};

/*
 * An env that knows the memory map above, counts every allocation (failing
 * the fail_at-th one if set), checks that every free gives back exactly an
 * allocation with its size, and checks the callbacks' contract on ranges.
 */
struct tenv {
	struct kho_in_env env;
	struct span ram[4], forb[4];
	unsigned int nr_ram, nr_forb;
	unsigned long calls, fail_at, live, bad_calls;
	size_t live_bytes;
};

struct alloc_hdr {
	size_t size;
	size_t magic;
};

#define ALLOC_MAGIC	0x6b686f5f696e6368UL

static bool range_ok(struct tenv *te, phys_addr_t phys, phys_addr_t size)
{
	if (!size || phys + size < phys) {
		if (te->bad_calls++ < 3)
			kho_test_diag("callback range [%#llx, +%#llx) breaks the contract",
				      (unsigned long long)phys,
				      (unsigned long long)size);
		return false;
	}
	return true;
}

static bool t_is_ram(phys_addr_t phys, phys_addr_t size, void *data)
{
	struct tenv *te = data;
	unsigned int i;

	if (!range_ok(te, phys, size))
		return false;
	for (i = 0; i < te->nr_ram; i++)
		if (phys >= te->ram[i].start &&
		    phys + size <= te->ram[i].start + te->ram[i].size)
			return true;
	return false;
}

static const char *t_forbidden(phys_addr_t phys, phys_addr_t size, void *data)
{
	struct tenv *te = data;
	unsigned int i;

	if (!range_ok(te, phys, size))
		return NULL;
	for (i = 0; i < te->nr_forb; i++)
		if (phys < te->forb[i].start + te->forb[i].size &&
		    te->forb[i].start < phys + size)
			return te->forb[i].name;
	return NULL;
}

static void *t_alloc(size_t size, void *data)
{
	struct tenv *te = data;
	struct alloc_hdr *h;

	if (++te->calls == te->fail_at)
		return NULL;
	h = calloc(1, sizeof(*h) + size);
	if (!h)
		kho_shim_fatal("out of memory in the harness itself");
	h->size = size;
	h->magic = ALLOC_MAGIC;
	te->live++;
	te->live_bytes += size;
	return h + 1;
}

static void t_free(void *mem, size_t size, void *data)
{
	struct tenv *te = data;
	struct alloc_hdr *h = (struct alloc_hdr *)mem - 1;

	if (!mem) {
		kho_test_fail(__FILE__, __LINE__, "free(NULL)");
		return;
	}
	if (h->magic != ALLOC_MAGIC)
		kho_shim_fatal("env free of memory the env did not allocate");
	EXPECT_EQ(size, h->size);
	h->magic = 0;
	te->live--;
	te->live_bytes -= h->size;
	free(h);
}

static void tenv_init(struct tenv *te)
{
	memset(te, 0, sizeof(*te));
	te->env = (struct kho_in_env) {
		.is_ram = t_is_ram,
		.forbidden = t_forbidden,
		.alloc = t_alloc,
		.free = t_free,
		.ram_pages = 1UL << 40,
		.data = te,
	};
	te->ram[te->nr_ram++] = (struct span){ HOST_RAM, HOST_RAM_SIZE, NULL };
	te->ram[te->nr_ram++] = (struct span){ BANK, BANK_SIZE, NULL };
	te->forb[te->nr_forb++] = (struct span){ SCRATCH, SCRATCH_SIZE, scratch_name };
}

static phys_addr_t root_of(struct kho_radix_tree *tree)
{
	return virt_to_phys(tree->root);
}

static unsigned int level_shift(unsigned int level)
{
	return KHO_RADIX_LEAF_SHIFT + (level - 1) * KHO_RADIX_TABLE_SHIFT;
}

static unsigned int index_at(unsigned long key, unsigned int level)
{
	return (key >> level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
}

/* The table at @level (1..top) on @key's path, which must exist. */
static struct kho_radix_node *table_at(struct kho_radix_tree *tree,
				       unsigned long key, unsigned int level)
{
	struct kho_radix_node *table = tree->root;
	unsigned int l;

	for (l = KHO_RADIX_TOP_LEVEL; l > level; l--)
		table = phys_to_virt(table->table[index_at(key, l)]);
	return table;
}

/* The entry of the table at @level (1..top) that routes @key. */
static u64 *entry_at(struct kho_radix_tree *tree, unsigned long key,
		     unsigned int level)
{
	return &table_at(tree, key, level)->table[index_at(key, level)];
}

static phys_addr_t leaf_phys(struct kho_radix_tree *tree, unsigned long key)
{
	return *entry_at(tree, key, 1);
}

/*
 * Vet the tree at @root and expect a refusal with @err, @why, @detail and
 * @where (ANYWHERE skips the address). Nothing may be left allocated
 * either way.
 */
static bool expect_refusal(struct tenv *te, phys_addr_t root, int err,
			   const char *why, const char *detail, u64 where,
			   int line)
{
	struct kho_in_result res;
	int ret;
	bool ok = true;

	memset(&res, 0x5a, sizeof(res));
	ret = kho_in_check_tree(root, &te->env, &res);
	if (ret != err) {
		ok = false;
		kho_test_diag("line %d: returned %d, expected %d (%s)", line, ret,
			      err, res.why ? res.why : "no reason");
	}
	if (why && (!res.why || strcmp(res.why, why))) {
		ok = false;
		kho_test_diag("line %d: reason \"%s\", expected \"%s\"", line,
			      res.why ? res.why : "(null)", why);
	}
	if (why && res.detail != detail) {
		ok = false;
		kho_test_diag("line %d: detail \"%s\", expected \"%s\"", line,
			      res.detail ? res.detail : "(null)",
			      detail ? detail : "(null)");
	}
	if (why && where != ANYWHERE && res.where != where) {
		ok = false;
		kho_test_diag("line %d: where %#llx, expected %#llx", line,
			      (unsigned long long)res.where,
			      (unsigned long long)where);
	}
	if (!ret)
		kho_in_free_result(&te->env, &res);
	if (res.ranges || res.pages || res.nr_ranges || res.nr_pages ||
	    te->live || te->bad_calls) {
		ok = false;
		kho_test_diag("line %d: %lu allocation(s) left, arrays %p %p, %lu bad call(s)",
			      line, te->live, (void *)res.ranges, (void *)res.pages,
			      te->bad_calls);
	}
	if (!ok)
		kho_test_fail(__FILE__, line, "refusal differs from the expected one");
	return ok;
}

#define EXPECT_REFUSED(te, root, why, detail, where) \
	expect_refusal(te, root, -EINVAL, why, detail, where, __LINE__)

/* A preserved block, and the sorted runs a set of them must come back as. */
struct blk {
	phys_addr_t phys;
	unsigned int order;
};

static int cmp_blk(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/*
 * By start; two runs can only start together if they overlap, and then the
 * larger order comes first, as in the validator's merge.
 */
static int cmp_range(const void *a, const void *b)
{
	const struct kho_in_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->order > y->order ? -1 : x->order < y->order;
}

static int cmp_phys(const void *a, const void *b)
{
	phys_addr_t x = *(const phys_addr_t *)a, y = *(const phys_addr_t *)b;

	return x < y ? -1 : x > y;
}

/* Runs of adjacent blocks of one order, sorted by start; @out holds @nr. */
static size_t reference_runs(struct blk *blks, size_t nr, struct kho_in_range *out)
{
	size_t i, n = 0;

	qsort(blks, nr, sizeof(*blks), cmp_blk);
	for (i = 0; i < nr; i++) {
		phys_addr_t size = (phys_addr_t)PAGE_SIZE << blks[i].order;

		if (n && out[n - 1].order == blks[i].order &&
		    out[n - 1].start + out[n - 1].size == blks[i].phys) {
			out[n - 1].size += size;
			continue;
		}
		out[n++] = (struct kho_in_range){ blks[i].phys, size, blks[i].order };
	}
	qsort(out, n, sizeof(*out), cmp_range);
	return n;
}

/*
 * Vet @tree, which holds exactly @blks, and expect success with the runs
 * @ref, the tree's own pages (sorted) and its stats.
 */
static bool expect_accepted(struct tenv *te, struct kho_radix_tree *tree,
			    const struct blk *blks, size_t nr_blks,
			    const struct kho_in_range *ref, size_t nr_ref)
{
	struct kho_radix_stats stats;
	struct kho_snapshot snap;
	struct kho_in_result res;
	unsigned long preserved = 0;
	size_t i;
	bool ok = true;
	int ret;

	if (!EXPECT_EQ(kho_snapshot_take(tree, &snap), 0))
		return false;
	qsort(snap.pages, snap.nr_pages, sizeof(*snap.pages), cmp_phys);
	EXPECT_EQ(kho_radix_tree_stats(tree, &stats), 0);
	for (i = 0; i < nr_blks; i++)
		preserved += 1UL << blks[i].order;

	ret = kho_in_check_tree(root_of(tree), &te->env, &res);
	if (!EXPECT_EQ(ret, 0)) {
		kho_test_diag("refused: %s (%s) at %#llx", res.why,
			      res.detail ? res.detail : "-",
			      (unsigned long long)res.where);
		kho_snapshot_free(&snap);
		return false;
	}

	ok &= EXPECT_EQ(res.nr_ranges, nr_ref);
	for (i = 0; ok && i < nr_ref; i++) {
		if (res.ranges[i].start == ref[i].start &&
		    res.ranges[i].size == ref[i].size &&
		    res.ranges[i].order == ref[i].order)
			continue;
		kho_test_fail(__FILE__, __LINE__,
			      "run %zu: [%#llx, +%#llx) order %u, expected [%#llx, +%#llx) order %u",
			      i, (unsigned long long)res.ranges[i].start,
			      (unsigned long long)res.ranges[i].size,
			      res.ranges[i].order,
			      (unsigned long long)ref[i].start,
			      (unsigned long long)ref[i].size, ref[i].order);
		ok = false;
	}
	ok &= EXPECT(res.nr_ranges <= res.ranges_cap);
	ok &= EXPECT_EQ(res.nr_pages, snap.nr_pages);
	ok &= EXPECT(res.nr_pages <= res.pages_cap);
	for (i = 0; ok && i < snap.nr_pages; i++)
		ok &= EXPECT_EQ(res.pages[i], snap.pages[i]);
	ok &= EXPECT_EQ(res.stats.tables, stats.tables);
	ok &= EXPECT_EQ(res.stats.leaves, stats.leaves);
	ok &= EXPECT_EQ(res.stats.keys, stats.keys);
	ok &= EXPECT_EQ(res.stats.keys, nr_blks);
	ok &= EXPECT_EQ(res.preserved, preserved);
	ok &= EXPECT(!res.why);

	kho_in_free_pages(&te->env, &res);
	ok &= EXPECT(!res.pages && !res.nr_pages && res.nr_ranges == nr_ref);
	kho_in_free_result(&te->env, &res);
	ok &= EXPECT_EQ(te->live, 0);
	ok &= EXPECT_EQ(te->bad_calls, 0);
	kho_snapshot_free(&snap);
	return ok;
}

static bool add_blocks(struct kho_radix_tree *tree, const struct blk *blks,
		       size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		unsigned long key = kho_radix_encode_key(blks[i].phys, blks[i].order);

		if (!EXPECT(key) || !EXPECT_EQ(kho_radix_add_key(tree, key), 0))
			return false;
	}
	return true;
}

/* The order whose blocks are @bytes large. */
static unsigned int order_of(u64 bytes)
{
	return __builtin_ctzll(bytes) - PAGE_SHIFT;
}

/*
 * @nr disjoint blocks of orders 0..@max_order from @base up, in runs of one
 * to four adjacent blocks of one order with gaps of zero to three blocks, so
 * that orders interleave by address and some runs touch each other.
 * Returned shuffled, the order in which they are added.
 */
static struct blk *mixed_blocks(size_t nr, unsigned int max_order,
				phys_addr_t base, uint64_t *rng)
{
	struct blk *blks = calloc(nr, sizeof(*blks));
	phys_addr_t cur = base;
	size_t i = 0, j;

	if (!blks)
		kho_shim_fatal("out of memory in the harness itself");
	while (i < nr) {
		unsigned int order = kho_rand(rng) % (max_order + 1);
		phys_addr_t size = (phys_addr_t)PAGE_SIZE << order;
		unsigned int run = 1 + kho_rand(rng) % 4;

		cur = (cur + size - 1) & ~(size - 1);
		cur += size * (kho_rand(rng) % 4);
		for (; run && i < nr; run--, i++, cur += size)
			blks[i] = (struct blk){ cur, order };
	}
	if (cur > SCRATCH)
		kho_shim_fatal("%s() ran into scratch: fewer blocks", __func__);
	for (i = nr - 1; i > 0; i--) {
		struct blk t;

		j = kho_rand(rng) % (i + 1);
		t = blks[i];
		blks[i] = blks[j];
		blks[j] = t;
	}
	return blks;
}

/* The highest order that fits 256 MiB, 16 with 4 KiB pages. */
#define MIX_MAX_ORDER	(28 - PAGE_SHIFT)

/* A tree of @nr mixed blocks; *blks_out gets them, *ref and *nr_ref the runs. */
static bool mixed_tree(struct kho_radix_tree *tree, size_t nr, uint64_t *rng,
		       struct blk **blks_out, struct kho_in_range **ref,
		       size_t *nr_ref)
{
	struct blk *blks = mixed_blocks(nr, MIX_MAX_ORDER, BLOCKS, rng);
	struct blk *sorted = malloc(nr * sizeof(*sorted));

	*ref = malloc(nr * sizeof(**ref));
	if (!sorted || !*ref)
		kho_shim_fatal("out of memory in the harness itself");
	*blks_out = blks;
	if (!EXPECT_EQ(kho_radix_tree_init(tree), 0) || !add_blocks(tree, blks, nr)) {
		free(sorted);
		return false;
	}
	memcpy(sorted, blks, nr * sizeof(*sorted));
	*nr_ref = reference_runs(sorted, nr, *ref);
	free(sorted);
	return true;
}

static void kho_in_check_empty_check(void)
{
	struct kho_radix_tree tree;
	struct kho_in_result res;
	struct tenv te;

	tenv_init(&te);
	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	expect_accepted(&te, &tree, NULL, 0, NULL, 0);

	/* The same by hand, for the exact fields. */
	ASSERT_EQ(kho_in_check_tree(root_of(&tree), &te.env, &res), 0);
	EXPECT_EQ(res.nr_ranges, 0);
	EXPECT_EQ(res.nr_pages, 1);
	EXPECT_EQ(res.pages[0], root_of(&tree));
	EXPECT_EQ(res.stats.tables, 1);
	EXPECT_EQ(res.stats.leaves, 0);
	EXPECT_EQ(res.stats.keys, 0);
	EXPECT_EQ(res.preserved, 0);
	kho_in_free_result(&te.env, &res);
	EXPECT_EQ(te.live, 0);

	/* Exactly one page of RAM is enough for an empty tree, none is not. */
	te.env.ram_pages = 1;
	ASSERT_EQ(kho_in_check_tree(root_of(&tree), &te.env, &res), 0);
	kho_in_free_result(&te.env, &res);
	te.env.ram_pages = 0;
	EXPECT_REFUSED(&te, root_of(&tree), "more tree and preserved pages than RAM",
		       NULL, root_of(&tree));
	kho_radix_tree_destroy(&tree);
}

/* One block of every order that fits the bank, all far apart. */
static void kho_in_check_every_order_check(void)
{
	struct blk blks[KHO_RADIX_MAX_ORDER + 1], sorted[KHO_RADIX_MAX_ORDER + 1];
	struct kho_in_range ref[KHO_RADIX_MAX_ORDER + 1];
	struct kho_radix_tree tree;
	unsigned int order, n = 0;
	struct tenv te;
	size_t nr_ref;

	phys_addr_t cur = BLOCKS;

	tenv_init(&te);
	/* Up to 128 GiB blocks, each at the next address aligned for it. */
	for (order = 0; order + PAGE_SHIFT <= 37; order++) {
		phys_addr_t size = (phys_addr_t)PAGE_SIZE << order;

		cur = (cur + size - 1) & ~(size - 1);
		blks[n++] = (struct blk){ cur, order };
		cur += size;
	}
	ASSERT(cur <= SCRATCH);
	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	if (add_blocks(&tree, blks, n)) {
		memcpy(sorted, blks, sizeof(blks));
		nr_ref = reference_runs(sorted, n, ref);
		EXPECT_EQ(nr_ref, n);
		expect_accepted(&te, &tree, blks, n, ref, nr_ref);
	}
	kho_radix_tree_destroy(&tree);
}

static void kho_in_check_mixed_orders_check(void)
{
	uint64_t rng = kho_test_seed() ^ 0x1c;
	struct kho_radix_tree tree;
	struct kho_in_range *ref;
	struct blk *blks;
	struct tenv te;
	size_t nr_ref;
	unsigned int round;

	tenv_init(&te);
	for (round = 0; round < 4; round++) {
		size_t nr = round == 0 ? 1 : round == 1 ? 10 : round == 2 ? 300 : 5000;

		if (mixed_tree(&tree, nr, &rng, &blks, &ref, &nr_ref)) {
			if (round == 3)
				kho_test_diag("%zu blocks in %zu runs", nr, nr_ref);
			expect_accepted(&te, &tree, blks, nr, ref, nr_ref);
		}
		kho_radix_tree_destroy(&tree);
		free(blks);
		free(ref);
	}
}

/* One order only: one group, so no merge; adjacent blocks become one run. */
static void kho_in_check_one_order_check(void)
{
	struct blk blks[200], sorted[200];
	struct kho_in_range ref[200];
	struct kho_radix_tree tree;
	struct tenv te;
	size_t i, nr_ref;

	tenv_init(&te);
	/* 100 adjacent pages, then 100 pages every other page. */
	for (i = 0; i < 100; i++)
		blks[i] = (struct blk){ BLOCKS + i * PAGE_SIZE, 0 };
	for (i = 0; i < 100; i++)
		blks[100 + i] = (struct blk){ BLOCKS + (101 + 2 * i) * PAGE_SIZE, 0 };
	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	if (add_blocks(&tree, blks, 200)) {
		memcpy(sorted, blks, sizeof(blks));
		nr_ref = reference_runs(sorted, 200, ref);
		EXPECT_EQ(nr_ref, 101);
		EXPECT_EQ(ref[0].size, 100 * PAGE_SIZE);
		expect_accepted(&te, &tree, blks, 200, ref, nr_ref);
	}
	kho_radix_tree_destroy(&tree);
}

/* A small tree of three orders, the one most corruption cases damage. */
static const struct blk small_blks[] = {
	{ BLOCKS, 4 },
	{ BLOCKS + (16 << PAGE_SHIFT), 0 },
	{ BLOCKS + (17 << PAGE_SHIFT), 0 },
	{ BLOCKS + (32 << PAGE_SHIFT), 1 },
	/* Another leaf for order 0: a leaf spans KHO_RADIX_LEAF_BITS pages. */
	{ BLOCKS + ((u64)KHO_RADIX_LEAF_BITS << PAGE_SHIFT) * 3, 0 },
};

static bool small_tree(struct kho_radix_tree *tree)
{
	return EXPECT_EQ(kho_radix_tree_init(tree), 0) &&
	       add_blocks(tree, small_blks, ARRAY_SIZE(small_blks));
}

static unsigned long small_key(unsigned int i)
{
	return kho_radix_encode_key(small_blks[i].phys, small_blks[i].order);
}

static void kho_in_check_small_tree_check(void)
{
	struct blk sorted[ARRAY_SIZE(small_blks)];
	struct kho_in_range ref[ARRAY_SIZE(small_blks)];
	struct kho_radix_tree tree;
	struct tenv te;
	size_t nr_ref;

	tenv_init(&te);
	if (small_tree(&tree)) {
		memcpy(sorted, small_blks, sizeof(sorted));
		nr_ref = reference_runs(sorted, ARRAY_SIZE(sorted), ref);
		EXPECT_EQ(nr_ref, 4);
		expect_accepted(&te, &tree, small_blks, ARRAY_SIZE(small_blks),
				ref, nr_ref);
	}
	kho_radix_tree_destroy(&tree);
}

/* The root address itself, checked before anything is read. */
static void kho_in_check_bad_root_check(void)
{
	const phys_addr_t top = PHYS_ADDR_MAX & ~(PAGE_SIZE - 1);
	struct kho_radix_tree tree;
	struct tenv te;
	phys_addr_t root;

	tenv_init(&te);
	ASSERT(small_tree(&tree));
	root = root_of(&tree);

	EXPECT_REFUSED(&te, root + 8, "misaligned tree page", NULL, root + 8);
	EXPECT_REFUSED(&te, root | (PAGE_SIZE >> 1), "misaligned tree page", NULL,
		       root | (PAGE_SIZE >> 1));
	EXPECT_REFUSED(&te, 0, "tree page outside RAM", NULL, 0);
	EXPECT_REFUSED(&te, 1ULL << 30, "tree page outside RAM", NULL, 1ULL << 30);
	/* The last page of the physical space: its end does not fit. */
	EXPECT_REFUSED(&te, top, "tree page outside RAM", NULL, top);
	EXPECT_REFUSED(&te, SCRATCH, "tree page overlaps", scratch_name, SCRATCH);
	EXPECT_REFUSED(&te, SCRATCH + SCRATCH_SIZE - PAGE_SIZE, "tree page overlaps",
		       scratch_name, SCRATCH + SCRATCH_SIZE - PAGE_SIZE);

	/* The real root, declared to be the running kernel's image. */
	te.forb[te.nr_forb++] = (struct span){ root, PAGE_SIZE, image_name };
	EXPECT_REFUSED(&te, root, "tree page overlaps", image_name, root);
	te.nr_forb--;
	/* RAM ends just before the root page. */
	te.ram[0].size = root - HOST_RAM;
	EXPECT_REFUSED(&te, root, "tree page outside RAM", NULL, root);
	kho_radix_tree_destroy(&tree);
}

/* Table entries at every level: misaligned, outside RAM, forbidden. */
static void kho_in_check_bad_entry_check(void)
{
	const phys_addr_t top = PHYS_ADDR_MAX & ~(PAGE_SIZE - 1);
	struct kho_radix_tree tree;
	unsigned int level, i;
	struct tenv te;

	tenv_init(&te);
	ASSERT(small_tree(&tree));

	for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++) {
		/* The order-0 keys' path, so the order-4 and order-1 blocks come first. */
		u64 *entry = entry_at(&tree, small_key(1), level);
		const u64 good = *entry;
		const u64 bad[] = {
			good + 8, good | (PAGE_SIZE >> 1), good + PAGE_SIZE - 1,
		};

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			*entry = bad[i];
			EXPECT_REFUSED(&te, root_of(&tree), "misaligned tree page",
				       NULL, bad[i]);
		}
		*entry = 1ULL << 30;
		EXPECT_REFUSED(&te, root_of(&tree), "tree page outside RAM", NULL,
			       1ULL << 30);
		*entry = BANK + BANK_SIZE;
		EXPECT_REFUSED(&te, root_of(&tree), "tree page outside RAM", NULL,
			       BANK + BANK_SIZE);
		*entry = top;
		EXPECT_REFUSED(&te, root_of(&tree), "tree page outside RAM", NULL, top);
		*entry = SCRATCH + PAGE_SIZE;
		EXPECT_REFUSED(&te, root_of(&tree), "tree page overlaps", scratch_name,
			       SCRATCH + PAGE_SIZE);
		*entry = good;

		/* The real page below, declared forbidden. */
		te.forb[te.nr_forb++] = (struct span){ good, PAGE_SIZE, image_name };
		EXPECT_REFUSED(&te, root_of(&tree), "tree page overlaps", image_name,
			       good);
		/* ... or only its first or last byte. */
		te.forb[te.nr_forb - 1] = (struct span){ good + PAGE_SIZE - 1, 1,
							 image_name };
		EXPECT_REFUSED(&te, root_of(&tree), "tree page overlaps", image_name,
			       good);
		te.forb[te.nr_forb - 1] = (struct span){ good, 1, image_name };
		EXPECT_REFUSED(&te, root_of(&tree), "tree page overlaps", image_name,
			       good);
		te.nr_forb--;
	}
	kho_radix_tree_destroy(&tree);
}

/* A page linked from two entries, and cycles back to the root. */
static void kho_in_check_page_twice_check(void)
{
	struct kho_radix_tree tree;
	phys_addr_t first_child;
	unsigned int level;
	struct tenv te;

	tenv_init(&te);
	ASSERT(small_tree(&tree));

	/* With room for one page, the root, the walk stops at its first child. */
	for (first_child = 0; !tree.root->table[first_child]; first_child++)
		;
	first_child = tree.root->table[first_child];

	for (level = 1; level <= KHO_RADIX_TOP_LEVEL; level++) {
		/* Link the page below the first order-0 key a second time, later. */
		struct kho_radix_node *table = table_at(&tree, small_key(1), level);
		unsigned int idx = index_at(small_key(1), level), dup = idx + 1;
		u64 page = table->table[idx];

		while (dup < KHO_RADIX_TABLE_ENTRIES && table->table[dup])
			dup++;
		ASSERT(dup < KHO_RADIX_TABLE_ENTRIES);
		/*
		 * At the root, an index past the key width: the walk reaches
		 * the page twice before any key below it is decoded.
		 */
		table->table[dup] = page;
		EXPECT_REFUSED(&te, root_of(&tree), "tree page reached twice", NULL,
			       page);
		table->table[dup] = 0;

		/*
		 * The same leaf linked first from the entry before its own: its
		 * keys, 1/8 to 32 GiB lower, are still in RAM.
		 */
		if (level == 1 && idx > 0 && !table->table[idx - 1]) {
			table->table[idx - 1] = page;
			EXPECT_REFUSED(&te, root_of(&tree), "tree page reached twice",
				       NULL, page);
			table->table[idx - 1] = 0;
		}

		/* A table at this level pointing back at the root: a cycle. */
		table->table[dup] = root_of(&tree);
		EXPECT_REFUSED(&te, root_of(&tree), "tree page reached twice", NULL,
			       root_of(&tree));
		te.env.ram_pages = 1;
		EXPECT_REFUSED(&te, root_of(&tree),
			       "more tree and preserved pages than RAM", NULL,
			       first_child);
		te.env.ram_pages = 1UL << 40;
		table->table[dup] = 0;
	}

	/* The root's first entry pointing at the root, in an empty tree. */
	{
		struct kho_radix_tree empty;

		ASSERT_EQ(kho_radix_tree_init(&empty), 0);
		empty.root->table[0] = root_of(&empty);
		EXPECT_REFUSED(&te, root_of(&empty), "tree page reached twice", NULL,
			       root_of(&empty));
		te.env.ram_pages = 1;
		EXPECT_REFUSED(&te, root_of(&empty), "tree page reached twice", NULL,
			       root_of(&empty));
		empty.root->table[0] = 0;
		kho_radix_tree_destroy(&empty);
	}
	kho_radix_tree_destroy(&tree);
}

/* A block that holds one of the tree's own pages. */
static void kho_in_check_page_in_block_check(void)
{
	struct kho_radix_tree tree;
	struct kho_snapshot snap;
	unsigned int order;
	struct tenv te;

	tenv_init(&te);
	for (order = 0; order <= 8; order += 4) {
		phys_addr_t size = (phys_addr_t)PAGE_SIZE << order;
		phys_addr_t start, first = 0;
		size_t i;

		if (!small_tree(&tree))
			break;
		start = root_of(&tree) & ~(size - 1);
		ASSERT_EQ(kho_radix_add_key(&tree, kho_radix_encode_key(start, order)), 0);
		/* The lowest tree page inside the block is the one reported. */
		ASSERT_EQ(kho_snapshot_take(&tree, &snap), 0);
		qsort(snap.pages, snap.nr_pages, sizeof(*snap.pages), cmp_phys);
		for (i = 0; i < snap.nr_pages; i++) {
			if (snap.pages[i] >= start && snap.pages[i] - start < size) {
				first = snap.pages[i];
				break;
			}
		}
		kho_snapshot_free(&snap);
		EXPECT_REFUSED(&te, root_of(&tree), "tree page inside a preserved block",
			       NULL, first);
		kho_radix_tree_destroy(&tree);
	}

	/* A leaf that is also a preserved page. */
	ASSERT(small_tree(&tree));
	{
		phys_addr_t leaf = leaf_phys(&tree, small_key(4));

		ASSERT_EQ(kho_radix_add_key(&tree, kho_radix_encode_key(leaf, 0)), 0);
		EXPECT_REFUSED(&te, root_of(&tree), "tree page inside a preserved block",
			       NULL, leaf);
	}
	kho_radix_tree_destroy(&tree);
}

/* A bit set by hand below @root for @key, with pages made as needed. */
static void hand_set(struct kho_radix_node *root, unsigned long key)
{
	struct kho_radix_node *table = root;
	unsigned int level, idx;

	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		idx = index_at(key, level);
		if (!table->table[idx])
			table->table[idx] = virt_to_phys((void *)get_zeroed_page(GFP_KERNEL));
		table = phys_to_virt(table->table[idx]);
	}
	__set_bit(key & (KHO_RADIX_LEAF_BITS - 1),
		  ((struct kho_radix_leaf *)table)->bitmap);
}

static void kho_in_check_invalid_key_check(void)
{
	/* The first root index past the key width; its keys are too wide. */
	const unsigned int wide_idx = 1U << (KHO_RADIX_KEY_WIDTH -
					     level_shift(KHO_RADIX_TOP_LEVEL));
	const unsigned long wide = (unsigned long)wide_idx <<
				   level_shift(KHO_RADIX_TOP_LEVEL);
	const unsigned long keys[] = {
		0,			/* no order bit */
		wide | 5,		/* the order bit above the key width */
		(KHO_RADIX_TABLE_ENTRIES - 1UL) << level_shift(KHO_RADIX_TOP_LEVEL),
		1,			/* order bit 0: an order past the maximum */
		/* Order 0 and order 3 blocks whose end would be 2^64. */
		BIT(KHO_RADIX_KEY_WIDTH) - 1,
		BIT(KHO_RADIX_KEY_WIDTH - 3) - 1,
		/* The largest order's only key: its end would be 2^64. */
		2 | 1,
	};
	struct kho_radix_tree tree;
	struct tenv te;
	unsigned int i;

	tenv_init(&te);
	ASSERT(wide_idx < KHO_RADIX_TABLE_ENTRIES);
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		phys_addr_t phys;
		unsigned int order;

		ASSERT_EQ(kho_radix_decode_key(keys[i], &phys, &order), -EINVAL);
		if (!small_tree(&tree))
			return;
		hand_set(tree.root, keys[i]);
		/* Keys sort before or after the good ones; all refused the same. */
		EXPECT_REFUSED(&te, root_of(&tree), "invalid key", NULL, keys[i]);
		kho_radix_tree_destroy(&tree);
	}
}

static void kho_in_check_bad_block_check(void)
{
	/* A block of 2^35 bytes at the bank's last 2^35-aligned address. */
	const phys_addr_t big = 1ULL << 35;
	const phys_addr_t straddle = (BANK + BANK_SIZE - 1) & ~(big - 1);
	const struct {
		struct blk blk;
		const char *why, *detail;
	} cases[] = {
		{ { 0, 0 }, "preserved block outside RAM", NULL },
		{ { 1ULL << 30, 2 }, "preserved block outside RAM", NULL },
		{ { BANK - PAGE_SIZE, 0 }, "preserved block outside RAM", NULL },
		{ { BANK + BANK_SIZE, 0 }, "preserved block outside RAM", NULL },
		/* Starts in the bank, ends past it: RAM with a hole. */
		{ { straddle, order_of(big) }, "preserved block outside RAM", NULL },
		/* From the hole below the bank into it. */
		{ { 0, order_of(BANK * 2) }, "preserved block outside RAM", NULL },
		{ { SCRATCH, 0 }, "preserved block overlaps", scratch_name },
		{ { SCRATCH + SCRATCH_SIZE - PAGE_SIZE, 0 }, "preserved block overlaps",
		  scratch_name },
		/* The largest order's only block: half of the physical space. */
		{ { 0, KHO_RADIX_MAX_ORDER }, "preserved block outside RAM", NULL },
		/* A large block around all of scratch. */
		{ { SCRATCH & ~((1ULL << 32) - 1), order_of(1ULL << 32) },
		  "preserved block overlaps", scratch_name },
	};
	struct kho_radix_tree tree;
	struct tenv te;
	unsigned int i;

	tenv_init(&te);
	ASSERT(straddle + big > BANK + BANK_SIZE && straddle >= BANK);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!small_tree(&tree))
			return;
		if (add_blocks(&tree, &cases[i].blk, 1))
			EXPECT_REFUSED(&te, root_of(&tree), cases[i].why,
				       cases[i].detail, cases[i].blk.phys);
		kho_radix_tree_destroy(&tree);
	}

	/* Blocks right at either end of scratch, outside it: fine. */
	ASSERT(small_tree(&tree));
	{
		const struct blk edge[] = {
			{ SCRATCH - PAGE_SIZE, 0 }, { SCRATCH + SCRATCH_SIZE, 0 },
		};
		struct blk all[ARRAY_SIZE(small_blks) + 2];
		struct kho_in_range ref[ARRAY_SIZE(all)];

		memcpy(all, small_blks, sizeof(small_blks));
		memcpy(all + ARRAY_SIZE(small_blks), edge, sizeof(edge));
		if (add_blocks(&tree, edge, 2)) {
			struct blk sorted[ARRAY_SIZE(all)];
			size_t nr_ref;

			memcpy(sorted, all, sizeof(all));
			nr_ref = reference_runs(sorted, ARRAY_SIZE(all), ref);
			expect_accepted(&te, &tree, all, ARRAY_SIZE(all), ref, nr_ref);
		}
	}
	kho_radix_tree_destroy(&tree);
}

/*
 * Where the validator must find the first overlap among @blks: the start of
 * the first run, in address order, that begins before the previous one ends.
 */
static phys_addr_t first_overlap(const struct blk *blks, size_t nr)
{
	struct blk *sorted = malloc(nr * sizeof(*sorted));
	struct kho_in_range *runs = malloc(nr * sizeof(*runs));
	phys_addr_t where = ANYWHERE;
	size_t i, n;

	if (!sorted || !runs)
		kho_shim_fatal("out of memory in the harness itself");
	memcpy(sorted, blks, nr * sizeof(*sorted));
	n = reference_runs(sorted, nr, runs);
	for (i = 1; i < n; i++) {
		if (runs[i].start < runs[i - 1].start + runs[i - 1].size) {
			where = runs[i].start;
			break;
		}
	}
	free(sorted);
	free(runs);
	return where;
}

static void kho_in_check_overlap_check(void)
{
	const phys_addr_t x = BLOCKS + (1ULL << 32);
	const struct {
		struct blk a, b;
		phys_addr_t where;
	} cases[] = {
		/* A small block inside a larger one, at its start and further in. */
		{ { x, 3 }, { x, 0 }, x },
		{ { x, 3 }, { x + PAGE_SIZE, 0 }, x + PAGE_SIZE },
		{ { x, 3 }, { x + 7 * PAGE_SIZE, 0 }, x + 7 * PAGE_SIZE },
		{ { x, 9 }, { x + (2ULL << PAGE_SHIFT), 1 }, x + (2ULL << PAGE_SHIFT) },
		{ { x, 9 }, { x + (256ULL << PAGE_SHIFT), 8 }, x + (256ULL << PAGE_SHIFT) },
	};
	struct kho_radix_tree tree;
	struct tenv te;
	unsigned int i;

	tenv_init(&te);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct blk pair[] = { cases[i].a, cases[i].b };

		EXPECT_EQ(first_overlap(pair, 2), cases[i].where);
		if (!small_tree(&tree))
			return;
		if (add_blocks(&tree, pair, 2))
			EXPECT_REFUSED(&te, root_of(&tree), "overlapping preserved blocks",
				       NULL, cases[i].where);
		kho_radix_tree_destroy(&tree);
	}

	/* Many runs, and one larger block over a run far into the list. */
	{
		uint64_t rng = kho_test_seed() ^ 0x0e;
		struct kho_in_range *ref;
		struct blk *blks;
		size_t nr_ref;

		if (mixed_tree(&tree, 2000, &rng, &blks, &ref, &nr_ref)) {
			const struct kho_in_range *r = &ref[nr_ref / 2];
			unsigned int order = r->order + 3;
			phys_addr_t start = r->start & ~((PAGE_SIZE << order) - 1);
			unsigned long key = kho_radix_encode_key(start, order);
			struct blk *all = malloc((2001) * sizeof(*all));

			if (!all)
				kho_shim_fatal("out of memory in the harness itself");
			memcpy(all, blks, 2000 * sizeof(*all));
			all[2000] = (struct blk){ start, order };
			ASSERT(!kho_radix_has_key(&tree, key));
			ASSERT_EQ(kho_radix_add_key(&tree, key), 0);
			EXPECT_REFUSED(&te, root_of(&tree), "overlapping preserved blocks",
				       NULL, first_overlap(all, 2001));
			free(all);
		}
		kho_radix_tree_destroy(&tree);
		free(blks);
		free(ref);
	}
}

/* More tree and preserved pages than RAM: refused at the first page too many. */
static void kho_in_check_budget_check(void)
{
	uint64_t rng = kho_test_seed() ^ 0xb0;
	struct kho_radix_tree tree;
	struct kho_radix_stats stats;
	struct kho_in_result res;
	struct kho_in_range *ref;
	unsigned long total = 0, last;
	struct blk *blks;
	struct tenv te;
	size_t i, nr_ref;

	tenv_init(&te);
	if (!mixed_tree(&tree, 500, &rng, &blks, &ref, &nr_ref))
		goto out;
	ASSERT_EQ(kho_radix_tree_stats(&tree, &stats), 0);
	for (i = 0; i < 500; i++)
		total += 1UL << blks[i].order;
	total += stats.tables + stats.leaves;

	/* Exactly enough. */
	te.env.ram_pages = total;
	if (EXPECT_EQ(kho_in_check_tree(root_of(&tree), &te.env, &res), 0))
		kho_in_free_result(&te.env, &res);

	/*
	 * One page short: the walk's last step is the largest key, the
	 * highest block of the smallest order, and that is what is refused.
	 */
	last = 0;
	for (i = 1; i < 500; i++)
		if (blks[i].order < blks[last].order ||
		    (blks[i].order == blks[last].order && blks[i].phys > blks[last].phys))
			last = i;
	te.env.ram_pages = total - 1;
	EXPECT_REFUSED(&te, root_of(&tree), "more tree and preserved pages than RAM",
		       NULL, blks[last].phys);

	/* No RAM at all: the root itself is one page too many. */
	te.env.ram_pages = 0;
	EXPECT_REFUSED(&te, root_of(&tree), "more tree and preserved pages than RAM",
		       NULL, root_of(&tree));
out:
	kho_radix_tree_destroy(&tree);
	free(blks);
	free(ref);
}

/* The env's allocator failing at its k-th call, for every k. */
static void kho_in_check_alloc_fail_check(void)
{
	uint64_t rng = kho_test_seed() ^ 0xa1;
	struct kho_radix_tree tree;
	struct kho_in_result res;
	struct kho_in_range *ref;
	unsigned long calls, k;
	struct blk *blks;
	struct tenv te;
	size_t nr_ref;

	tenv_init(&te);
	/* Enough runs and pages that both arrays grow a few times. */
	if (!mixed_tree(&tree, 3000, &rng, &blks, &ref, &nr_ref))
		goto out;
	if (!EXPECT_EQ(kho_in_check_tree(root_of(&tree), &te.env, &res), 0))
		goto out;
	calls = te.calls;
	kho_in_free_result(&te.env, &res);
	kho_test_diag("%lu allocation(s) for %zu runs and %lu pages", calls, nr_ref,
		      (unsigned long)(res.stats.tables + res.stats.leaves));
	EXPECT(calls >= 4);

	for (k = 1; k <= calls; k++) {
		te.calls = 0;
		te.fail_at = k;
		if (!expect_refusal(&te, root_of(&tree), -ENOMEM,
				    "out of memory while vetting the tree", NULL,
				    ANYWHERE, __LINE__))
			kho_test_diag("failing allocation %lu of %lu", k, calls);
	}
	te.calls = 0;
	te.fail_at = calls + 1;
	expect_accepted(&te, &tree, blks, 3000, ref, nr_ref);
out:
	kho_radix_tree_destroy(&tree);
	free(blks);
	free(ref);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * LARGE (default 1,000,000) scattered order-0 pages over a quarter TiB, and
 * a thousand blocks of every order up to MIX_MAX_ORDER in a region of their
 * own: many runs in many groups to merge. Timed, not asserted on time.
 */
static void kho_in_check_large_check(void)
{
	const size_t nr_small = kho_test_env("LARGE", 1000000), nr_big = 1000;
	const u64 span_pages = (BANK + BANK_SIZE / 4 - BLOCKS) >> PAGE_SHIFT;
	uint64_t rng = kho_test_seed() ^ 0x1a;
	struct blk *blks, *big, *sorted;
	struct kho_radix_tree tree;
	struct kho_in_result res;
	struct kho_in_range *ref;
	size_t nr, i, n, nr_ref;
	double t0, t1, t2;
	struct tenv te;

	tenv_init(&te);
	nr = nr_small + nr_big;
	blks = malloc(nr * sizeof(*blks));
	sorted = malloc(nr * sizeof(*sorted));
	ref = malloc(nr * sizeof(*ref));
	if (!blks || !sorted || !ref)
		kho_shim_fatal("out of memory in the harness itself");
	for (i = 0; i < nr_small; i++)
		blks[i] = (struct blk){
			BLOCKS + ((kho_rand(&rng) % span_pages) << PAGE_SHIFT), 0
		};
	/* Random pages repeat; keep each once. */
	qsort(blks, nr_small, sizeof(*blks), cmp_blk);
	for (i = 1, n = nr_small ? 1 : 0; i < nr_small; i++)
		if (blks[i].phys != blks[n - 1].phys)
			blks[n++] = blks[i];
	/* The larger blocks from the second quarter of the bank up. */
	big = mixed_blocks(nr_big, MIX_MAX_ORDER, BANK + BANK_SIZE / 4, &rng);
	memcpy(blks + n, big, nr_big * sizeof(*big));
	free(big);
	nr = n + nr_big;
	for (i = n; i < nr; i++)
		ASSERT(blks[i].phys + (PAGE_SIZE << blks[i].order) <= SCRATCH);

	ASSERT_EQ(kho_radix_tree_init(&tree), 0);
	t0 = now();
	if (!add_blocks(&tree, blks, nr))
		goto out;
	t1 = now();
	if (!EXPECT_EQ(kho_in_check_tree(root_of(&tree), &te.env, &res), 0))
		goto out;
	t2 = now();
	kho_test_diag("%zu keys, %lu runs, %lu tree pages: add %.2f s, vet %.3f s (%.1f M keys/s)",
		      nr, res.nr_ranges, res.nr_pages, t1 - t0, t2 - t1,
		      nr / (t2 - t1) / 1e6);
	kho_in_free_result(&te.env, &res);

	memcpy(sorted, blks, nr * sizeof(*sorted));
	nr_ref = reference_runs(sorted, nr, ref);
	expect_accepted(&te, &tree, blks, nr, ref, nr_ref);
out:
	kho_radix_tree_destroy(&tree);
	free(blks);
	free(sorted);
	free(ref);
}

static const struct kho_test_case in_check_cases[] = {
	KHO_CASE(kho_in_check_empty_check),
	KHO_CASE(kho_in_check_every_order_check),
	KHO_CASE(kho_in_check_small_tree_check),
	KHO_CASE(kho_in_check_one_order_check),
	KHO_CASE(kho_in_check_mixed_orders_check),
	KHO_CASE(kho_in_check_bad_root_check),
	KHO_CASE(kho_in_check_bad_entry_check),
	KHO_CASE(kho_in_check_page_twice_check),
	KHO_CASE(kho_in_check_page_in_block_check),
	KHO_CASE(kho_in_check_invalid_key_check),
	KHO_CASE(kho_in_check_bad_block_check),
	KHO_CASE(kho_in_check_overlap_check),
	KHO_CASE(kho_in_check_budget_check),
	KHO_CASE(kho_in_check_alloc_fail_check),
	KHO_CASE(kho_in_check_large_check),
};

KHO_SUITE(in_check_suite, in_check_cases);
