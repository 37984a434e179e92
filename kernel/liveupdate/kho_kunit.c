// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the KHO preservation API
 *
 * Real memory goes through the public interface of <linux/kexec_handover.h>:
 * folios, page ranges, vmalloc areas and blobs are preserved, checked as far
 * as the interface lets anyone see, and released again. Every preservation
 * is undone by a kunit action, even when a test fails half-way, so the suite
 * never changes what a later kexec hands over.
 *
 * Most cases check what the interface shows: return values, that preserved
 * memory is left untouched, and the vmalloc descriptors (which are ABI).
 * The cases for allocation failures and for concurrent users compare the
 * outgoing tree itself, key by key and page by page, with what they expect;
 * kho_out_tree() is visible to KUnit for that. Allocation failures come from
 * the fault-injection framework (CONFIG_FAIL_KHO and the task's fail-nth).
 * The restore cases tag memory as early boot tags what the previous kernel
 * preserved.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/kthread.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/memblock.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>

#include "kexec_handover_internal.h"

/* Blob names, chosen not to clash with the subsystems that also add some. */
#define KHO_KUNIT_BLOB		"kho_kunit_blob"
#define KHO_KUNIT_OTHER_BLOB	"kho_kunit_other_blob"

/* Written into memory before it is preserved, and expected back after. */
#define KHO_KUNIT_PATTERN	0x5a

KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_folio_put, folio_put, struct folio *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_unpreserve_folio, kho_unpreserve_folio,
			    struct folio *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_vfree, vfree, const void *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_vunmap, vunmap, const void *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_unpreserve_vmalloc,
			    kho_unpreserve_vmalloc, struct kho_vmalloc *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_unpreserve_free, kho_unpreserve_free,
			    void *);
KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_remove_subtree, kho_remove_subtree,
			    void *);

/* A page range handed to kho_preserve_pages(). */
struct kho_kunit_range {
	struct page *page;
	unsigned long nr_pages;
};

static void kho_kunit_unpreserve_range(void *data)
{
	struct kho_kunit_range *range = data;

	kho_unpreserve_pages(range->page, range->nr_pages);
}

static int kho_kunit_init(struct kunit *test)
{
	if (!kho_is_enabled())
		kunit_skip(test, "KHO is disabled; boot with kho=on");
	return 0;
}

/*
 * A folio filled with the pattern, put when the test ends. A test that
 * cannot get its memory fails: a skip would hide that it checked nothing.
 * The allocation stays quiet, so that the failure is the test's own.
 */
static struct folio *kho_kunit_folio(struct kunit *test, unsigned int order)
{
	struct folio *folio;
	int err;

	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
	KUNIT_ASSERT_NOT_NULL_MSG(test, folio, "no free folio of order %u", order);

	err = kunit_add_action_or_reset(test, kho_kunit_folio_put, folio);
	KUNIT_ASSERT_EQ(test, err, 0);

	memset(folio_address(folio), KHO_KUNIT_PATTERN, folio_size(folio));
	return folio;
}

static phys_addr_t kho_kunit_phys(struct folio *folio)
{
	return PFN_PHYS(folio_pfn(folio));
}

static bool kho_kunit_untouched(const void *mem, size_t size)
{
	return !memchr_inv(mem, KHO_KUNIT_PATTERN, size);
}

/* Preserve @folio, to be unpreserved by an action. */
static void kho_kunit_preserve_folio(struct kunit *test, struct folio *folio)
{
	int err;

	KUNIT_ASSERT_EQ(test, kho_preserve_folio(folio), 0);
	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_folio, folio);
	KUNIT_ASSERT_EQ(test, err, 0);
}

/* The outgoing tree: what the next kernel would receive. */
static struct kho_radix_tree *kho_kunit_out_tree(struct kunit *test)
{
	struct kho_radix_tree *tree = kho_out_tree();

	KUNIT_ASSERT_NOT_NULL(test, tree);
	return tree;
}

/* Every key of the outgoing tree, in ascending order, and its size. */
struct kho_kunit_snapshot {
	struct kho_radix_stats stats;
	unsigned long *keys;
	unsigned long nr_keys;
	unsigned long max_keys;
};

static int kho_kunit_record_key(unsigned long key, void *data)
{
	struct kho_kunit_snapshot *snap = data;

	if (snap->nr_keys == snap->max_keys)
		return -ENOSPC;
	snap->keys[snap->nr_keys++] = key;
	return 0;
}

/*
 * Take a snapshot of the outgoing tree, with room for @room more keys for
 * the caller to add to it. Nothing else in the kernel preserves memory
 * while the suite runs, so two snapshots differ only by what a test did.
 */
static struct kho_kunit_snapshot *kho_kunit_snapshot(struct kunit *test,
						     unsigned long room)
{
	const struct kho_radix_walk_cb cb = { .leaf = kho_kunit_record_key };
	struct kho_radix_tree *tree = kho_kunit_out_tree(test);
	struct kho_kunit_snapshot *snap;

	snap = kunit_kzalloc(test, sizeof(*snap), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, snap);
	KUNIT_ASSERT_EQ(test, kho_radix_tree_stats(tree, &snap->stats), 0);

	snap->max_keys = snap->stats.keys + room;
	snap->keys = kunit_kmalloc_array(test, snap->max_keys, sizeof(*snap->keys),
					 GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, snap->keys);
	KUNIT_ASSERT_EQ(test, kho_radix_walk_tree(tree, &cb, snap), 0);
	KUNIT_ASSERT_EQ(test, snap->nr_keys, snap->stats.keys);
	return snap;
}

static unsigned long kho_kunit_tree_pages(const struct kho_kunit_snapshot *snap)
{
	return snap->stats.tables + snap->stats.leaves;
}

/* Expect the outgoing tree to hold exactly the keys of @want, in as many pages. */
static void kho_kunit_expect_tree(struct kunit *test,
				  const struct kho_kunit_snapshot *want,
				  const char *when)
{
	struct kho_kunit_snapshot *now = kho_kunit_snapshot(test, 0);
	unsigned long i;

	KUNIT_EXPECT_EQ_MSG(test, kho_kunit_tree_pages(now),
			    kho_kunit_tree_pages(want), "tree pages %s", when);
	KUNIT_ASSERT_EQ_MSG(test, now->nr_keys, want->nr_keys, "keys %s", when);
	for (i = 0; i < now->nr_keys; i++) {
		if (now->keys[i] != want->keys[i]) {
			KUNIT_FAIL(test, "key %lu %s: %#lx, expected %#lx", i, when,
				   now->keys[i], want->keys[i]);
			break;
		}
	}
}

/* Whether a leaf for @key is in @snap's tree: some key shares its leaf. */
static bool kho_kunit_has_leaf(const struct kho_kunit_snapshot *snap,
			       unsigned long key)
{
	unsigned long i;

	for (i = 0; i < snap->nr_keys; i++)
		if (snap->keys[i] >> KHO_RADIX_LEAF_SHIFT == key >> KHO_RADIX_LEAF_SHIFT)
			return true;
	return false;
}

static unsigned long kho_kunit_key(unsigned long pfn, unsigned int order)
{
	return kho_radix_encode_key(PFN_PHYS(pfn), order);
}

/*
 * The order of the block at @pfn when kho_preserve_pages() cuts a range
 * ending at @end: the largest aligned block that fits. The test machine has
 * one NUMA node, so no block is split at a node boundary.
 */
static unsigned int kho_kunit_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	return pfn ? min_t(unsigned int, order, __ffs(pfn)) : order;
}

/*
 * The size of the tree that holds @want's keys, built from them privately:
 * a tree gives back every page it no longer needs, so its keys alone
 * determine its pages.
 */
static void kho_kunit_reference_size(struct kunit *test,
				     struct kho_kunit_snapshot *want)
{
	struct kho_radix_tree ref;
	unsigned long i;
	int err;

	KUNIT_ASSERT_EQ(test, kho_radix_tree_init(&ref), 0);
	for (i = 0, err = 0; i < want->nr_keys && !err; i++)
		err = kho_radix_add_key(&ref, want->keys[i]);
	if (!err)
		err = kho_radix_tree_stats(&ref, &want->stats);
	kho_radix_tree_destroy(&ref);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, want->stats.keys, want->nr_keys);
}

static int kho_kunit_cmp_key(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void kho_kunit_add_key(struct kho_kunit_snapshot *snap, unsigned long key)
{
	if (snap->nr_keys < snap->max_keys)
		snap->keys[snap->nr_keys++] = key;
}

static void kho_kunit_add_folio_key(struct kho_kunit_snapshot *snap,
				    struct folio *folio)
{
	kho_kunit_add_key(snap, kho_kunit_key(folio_pfn(folio), folio_order(folio)));
}

/* The keys kho_preserve_pages() adds for @range. */
static void kho_kunit_add_range_keys(struct kho_kunit_snapshot *snap,
				     const struct kho_kunit_range *range)
{
	unsigned long pfn = page_to_pfn(range->page);
	unsigned long end = pfn + range->nr_pages;
	unsigned int order;

	for (; pfn < end; pfn += 1UL << order) {
		order = kho_kunit_block_order(pfn, end);
		kho_kunit_add_key(snap, kho_kunit_key(pfn, order));
	}
}

/*
 * Complete @want, a snapshot with room for more keys into which the caller
 * added the keys it expects next, into what the outgoing tree must then be:
 * the keys sorted, and the size of a tree that holds exactly them.
 */
static void kho_kunit_want(struct kunit *test, struct kho_kunit_snapshot *want)
{
	KUNIT_ASSERT_LE(test, want->nr_keys, want->max_keys);
	sort(want->keys, want->nr_keys, sizeof(*want->keys), kho_kunit_cmp_key, NULL);
	kho_kunit_reference_size(test, want);
}

/* What the outgoing tree must be once @folio is preserved too. */
static struct kho_kunit_snapshot *kho_kunit_want_folio(struct kunit *test,
						       struct folio *folio)
{
	struct kho_kunit_snapshot *want = kho_kunit_snapshot(test, 1);

	kho_kunit_add_folio_key(want, folio);
	kho_kunit_want(test, want);
	return want;
}

struct kho_kunit_order_case {
	const char *desc;
	unsigned int order;
};

static const struct kho_kunit_order_case kho_kunit_order_cases[] = {
	{ "order 0",		0 },
	{ "order 3",		3 },
	{ "MAX_PAGE_ORDER",	MAX_PAGE_ORDER },
};

KUNIT_ARRAY_PARAM_DESC(kho_kunit_order, kho_kunit_order_cases, desc);

/*
 * A folio of each order can be preserved and unpreserved, then preserved
 * again: its key, and nothing else, is in the outgoing tree while it is
 * preserved, and the tree is as it was after each unpreserve, its pages
 * included. KHO never writes into the memory it preserves.
 */
static void kho_preserve_folio_orders(struct kunit *test)
{
	const struct kho_kunit_order_case *c = test->param_value;
	struct folio *folio = kho_kunit_folio(test, c->order);
	struct kho_kunit_snapshot *before = kho_kunit_snapshot(test, 0);
	struct kho_kunit_snapshot *want = kho_kunit_want_folio(test, folio);
	int round;

	for (round = 0; round < 2; round++) {
		kho_kunit_preserve_folio(test, folio);
		kho_kunit_expect_tree(test, want, "after preserve");
		kunit_release_action(test, kho_kunit_unpreserve_folio, folio);
		kho_kunit_expect_tree(test, before, "after unpreserve");
	}

	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/*
 * kho_preserve_folio() documents that preserving a folio twice is the same
 * as once: the second call succeeds and leaves the tree as the first did
 * (one key), and a single unpreserve undoes both.
 */
static void kho_preserve_folio_twice(struct kunit *test)
{
	struct folio *folio = kho_kunit_folio(test, 0);
	struct kho_kunit_snapshot *before = kho_kunit_snapshot(test, 0);
	struct kho_kunit_snapshot *want = kho_kunit_want_folio(test, folio);

	kho_kunit_preserve_folio(test, folio);
	KUNIT_EXPECT_EQ(test, kho_preserve_folio(folio), 0);
	kho_kunit_expect_tree(test, want, "after preserving twice");
	kunit_release_action(test, kho_kunit_unpreserve_folio, folio);
	kho_kunit_expect_tree(test, before, "after one unpreserve");

	/* Nothing left to undo: a second unpreserve is a no-op. */
	kho_unpreserve_folio(folio);
	kho_kunit_expect_tree(test, before, "after a second unpreserve");

	kho_kunit_preserve_folio(test, folio);
	kho_kunit_expect_tree(test, want, "after preserving again");
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/*
 * Guards against mainline's WARN_ON() when a block that was never preserved
 * is unpreserved: ours does nothing (the outgoing tree is unchanged, its
 * pages included), for a fresh folio, a folio unpreserved already and a
 * fresh page range, and the memory can be preserved after.
 */
static void kho_unpreserve_never_preserved(struct kunit *test)
{
	struct folio *small = kho_kunit_folio(test, 0);
	struct folio *large = kho_kunit_folio(test, 3);
	struct kho_kunit_snapshot *before = kho_kunit_snapshot(test, 0);
	struct kho_kunit_snapshot *want_small = kho_kunit_want_folio(test, small);
	struct kho_kunit_snapshot *want_large = kho_kunit_want_folio(test, large);

	kho_unpreserve_folio(small);
	kho_unpreserve_folio(large);
	kho_unpreserve_pages(folio_page(large, 1), 5);
	kho_kunit_expect_tree(test, before, "after unpreserving fresh memory");

	kho_kunit_preserve_folio(test, small);
	kho_kunit_expect_tree(test, want_small, "after preserve");
	kunit_release_action(test, kho_kunit_unpreserve_folio, small);
	kho_unpreserve_folio(small);
	kho_kunit_expect_tree(test, before, "after unpreserving twice");

	kho_kunit_preserve_folio(test, large);
	kho_kunit_expect_tree(test, want_large, "after preserving the large folio");
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(large),
						    folio_size(large)));
}

/* A range of a 16-page folio, in pages: [first, first + nr). */
struct kho_kunit_range_case {
	const char *desc;
	unsigned int first;
	unsigned int nr;
};

#define KHO_KUNIT_RANGE_ORDER	4

static const struct kho_kunit_range_case kho_kunit_range_cases[] = {
	{ "one page",				0,	1 },
	{ "whole aligned block",		0,	16 },
	{ "unaligned start and end",		1,	6 },
	{ "unaligned start, aligned end",	3,	13 },
	{ "aligned start, odd length",		0,	11 },
	{ "middle, odd length",			5,	7 },
	{ "last page",				15,	1 },
};

KUNIT_ARRAY_PARAM_DESC(kho_kunit_range, kho_kunit_range_cases, desc);

/*
 * kho_preserve_pages() takes ranges of any alignment and cuts them into
 * aligned blocks: the outgoing tree gains the key of each, and nothing else.
 * kho_unpreserve_pages() of the same range removes them all, giving the
 * tree back as it was, so the range can be preserved again.
 */
static void kho_preserve_pages_ranges(struct kunit *test)
{
	const struct kho_kunit_range_case *c = test->param_value;
	struct folio *folio = kho_kunit_folio(test, KHO_KUNIT_RANGE_ORDER);
	struct kho_kunit_snapshot *before, *want;
	struct kho_kunit_range *range;
	int round, err;

	range = kunit_kzalloc(test, sizeof(*range), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, range);
	range->page = folio_page(folio, c->first);
	range->nr_pages = c->nr;

	before = kho_kunit_snapshot(test, 0);
	want = kho_kunit_snapshot(test, c->nr);
	kho_kunit_add_range_keys(want, range);
	kho_kunit_want(test, want);

	for (round = 0; round < 2; round++) {
		KUNIT_ASSERT_EQ(test, kho_preserve_pages(range->page, range->nr_pages), 0);
		err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_range,
						range);
		KUNIT_ASSERT_EQ(test, err, 0);
		kho_kunit_expect_tree(test, want, "after preserve");
		kunit_release_action(test, kho_kunit_unpreserve_range, range);
		kho_kunit_expect_tree(test, before, "after unpreserve");
	}

	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/* A vmalloc area and its preservation, both released by actions. */
struct kho_kunit_vmalloc {
	void *ptr;
	unsigned long nr_pages;
	struct kho_vmalloc *preservation;
};

static void kho_kunit_vmalloc_area(struct kunit *test,
				   struct kho_kunit_vmalloc *area, void *ptr,
				   unsigned long nr_pages)
{
	int err;

	KUNIT_ASSERT_NOT_NULL_MSG(test, ptr, "no vmalloc area of %lu pages", nr_pages);

	err = kunit_add_action_or_reset(test, kho_kunit_vfree, ptr);
	KUNIT_ASSERT_EQ(test, err, 0);
	memset(ptr, KHO_KUNIT_PATTERN, nr_pages << PAGE_SHIFT);

	area->ptr = ptr;
	area->nr_pages = nr_pages;
	area->preservation = kunit_kzalloc(test, sizeof(*area->preservation),
					   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, area->preservation);
}

static void kho_kunit_preserve_vmalloc(struct kunit *test,
				       struct kho_kunit_vmalloc *area)
{
	int err;

	err = kho_preserve_vmalloc(area->ptr, area->preservation);
	KUNIT_ASSERT_EQ(test, err, 0);
	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_vmalloc,
					area->preservation);
	KUNIT_ASSERT_EQ(test, err, 0);
}

/*
 * The descriptor is ABI: a successor rebuilds the area from it. Its chunks
 * must list the address of every block of the area, in mapping order, and
 * a new chunk may only start once the previous one is full.
 */
static void kho_kunit_check_chunks(struct kunit *test,
				   const struct kho_kunit_vmalloc *area)
{
	const struct kho_vmalloc *p = area->preservation;
	unsigned long step = 1UL << p->order;
	unsigned long nr_blocks = area->nr_pages >> p->order;
	unsigned long chunks = 0, max_chunks, i = 0;
	const struct kho_vmalloc_chunk *chunk;
	unsigned int slot;
	phys_addr_t want;

	max_chunks = DIV_ROUND_UP(nr_blocks, KHO_VMALLOC_SIZE);
	KUNIT_EXPECT_EQ(test, p->total_pages, area->nr_pages);

	for (chunk = KHOSER_LOAD_PTR(p->first); chunk;
	     chunk = KHOSER_LOAD_PTR(chunk->hdr.next)) {
		KUNIT_ASSERT_LT_MSG(test, chunks, max_chunks, "too many chunks");
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(chunk));
		chunks++;

		for (slot = 0; slot < KHO_VMALLOC_SIZE && chunk->phys[slot]; slot++) {
			KUNIT_ASSERT_LT_MSG(test, i, area->nr_pages,
					    "more blocks than pages");
			want = page_to_phys(vmalloc_to_page(area->ptr + i * PAGE_SIZE));
			KUNIT_EXPECT_EQ_MSG(test, chunk->phys[slot], (u64)want,
					    "page %lu", i);
			KUNIT_EXPECT_TRUE(test, IS_ALIGNED(chunk->phys[slot],
							   PAGE_SIZE << p->order));
			i += step;
		}
		/* Only the last chunk may be partly filled. */
		if (chunk->hdr.next.phys)
			KUNIT_EXPECT_EQ(test, slot, KHO_VMALLOC_SIZE);
	}

	KUNIT_EXPECT_EQ(test, chunks, max_chunks);
	KUNIT_EXPECT_EQ(test, i, area->nr_pages);
}

struct kho_kunit_vmalloc_case {
	const char *desc;
	unsigned long nr_pages;
};

static const struct kho_kunit_vmalloc_case kho_kunit_vmalloc_cases[] = {
	{ "one page",			1 },
	{ "three pages",		3 },
	{ "one full chunk",		KHO_VMALLOC_SIZE },
	{ "one page into a second chunk", KHO_VMALLOC_SIZE + 1 },
	{ "one page into a third chunk", 2 * KHO_VMALLOC_SIZE + 1 },
};

KUNIT_ARRAY_PARAM_DESC(kho_kunit_vmalloc, kho_kunit_vmalloc_cases, desc);

/*
 * Guards the chunk boundaries of the vmalloc descriptor: an area that fills
 * its chunks exactly gets no empty chunk after them, and one more page
 * starts a new one. Unpreserving clears the descriptor, as documented.
 */
static void kho_preserve_vmalloc_chunks(struct kunit *test)
{
	const struct kho_kunit_vmalloc_case *c = test->param_value;
	struct kho_kunit_vmalloc area;
	void *ptr;

	ptr = __vmalloc(c->nr_pages << PAGE_SHIFT, GFP_KERNEL | __GFP_NOWARN);
	kho_kunit_vmalloc_area(test, &area, ptr, c->nr_pages);
	kho_kunit_preserve_vmalloc(test, &area);

	KUNIT_EXPECT_EQ(test, area.preservation->order, 0);
	KUNIT_EXPECT_EQ(test, area.preservation->flags, KHO_VMALLOC_ALLOC);
	kho_kunit_check_chunks(test, &area);

	kunit_release_action(test, kho_kunit_unpreserve_vmalloc, area.preservation);
	KUNIT_EXPECT_NULL(test, memchr_inv(area.preservation, 0,
					   sizeof(*area.preservation)));
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(area.ptr,
						    area.nr_pages << PAGE_SHIFT));
}

/*
 * An area that may use huge mappings keeps that flag and lists one address
 * per mapped block, whatever block order the architecture chose.
 */
static void kho_preserve_vmalloc_huge(struct kunit *test)
{
	unsigned long nr_pages = 2 * (PMD_SIZE >> PAGE_SHIFT);
	struct kho_kunit_vmalloc area;
	void *ptr;

	ptr = vmalloc_huge(nr_pages << PAGE_SHIFT, GFP_KERNEL | __GFP_NOWARN);
	kho_kunit_vmalloc_area(test, &area, ptr, nr_pages);
	kho_kunit_preserve_vmalloc(test, &area);

	KUNIT_EXPECT_EQ(test, area.preservation->flags,
			KHO_VMALLOC_ALLOC | KHO_VMALLOC_HUGE_VMAP);
	KUNIT_EXPECT_LE(test, area.preservation->order, MAX_PAGE_ORDER);
	kho_kunit_check_chunks(test, &area);

	kunit_release_action(test, kho_kunit_unpreserve_vmalloc, area.preservation);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(area.ptr,
						    area.nr_pages << PAGE_SHIFT));
}

/*
 * Only vmalloc() areas can be rebuilt: memory outside vmalloc space is
 * refused with -EINVAL and a vmap() of existing pages with -EOPNOTSUPP.
 */
static void kho_preserve_vmalloc_rejects(struct kunit *test)
{
	struct folio *folio = kho_kunit_folio(test, 0);
	struct page *page = folio_page(folio, 0);
	struct kho_vmalloc *preservation;
	void *mapped;
	int err;

	preservation = kunit_kzalloc(test, sizeof(*preservation), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, preservation);

	KUNIT_EXPECT_EQ(test, kho_preserve_vmalloc(folio_address(folio),
						   preservation), -EINVAL);

	mapped = vmap(&page, 1, VM_MAP, PAGE_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mapped);
	err = kunit_add_action_or_reset(test, kho_kunit_vunmap, mapped);
	KUNIT_ASSERT_EQ(test, err, 0);

	KUNIT_EXPECT_EQ(test, kho_preserve_vmalloc(mapped, preservation),
			-EOPNOTSUPP);
}

/* Memory from kho_alloc_preserve(), unpreserved and freed by an action. */
static void *kho_kunit_alloc_preserve(struct kunit *test, size_t size)
{
	void *mem = kho_alloc_preserve(size);
	int err;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mem);
	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_free, mem);
	KUNIT_ASSERT_EQ(test, err, 0);
	return mem;
}

struct kho_kunit_size_case {
	const char *desc;
	size_t size;
};

static const struct kho_kunit_size_case kho_kunit_size_cases[] = {
	{ "one byte",			1 },
	{ "one page",			PAGE_SIZE },
	{ "one page and a byte",	PAGE_SIZE + 1 },
	{ "five pages",			5 * PAGE_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(kho_kunit_size, kho_kunit_size_cases, desc);

/* The memory is page aligned and zeroed up to the power-of-two page count. */
static void kho_alloc_preserve_sizes(struct kunit *test)
{
	const struct kho_kunit_size_case *c = test->param_value;
	size_t rounded = PAGE_SIZE << get_order(c->size);
	void *mem = kho_kunit_alloc_preserve(test, c->size);

	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(mem));
	KUNIT_EXPECT_TRUE(test, virt_addr_valid(mem));
	KUNIT_EXPECT_GE(test, folio_size(virt_to_folio(mem)), rounded);
	KUNIT_EXPECT_NULL(test, memchr_inv(mem, 0, rounded));

	kunit_release_action(test, kho_kunit_unpreserve_free, mem);
}

/*
 * Guards the size checks: 0 is refused, and sizes beyond the largest page
 * allocation, SIZE_MAX included, fail with -E2BIG rather than wrapping into
 * a small allocation. Freeing NULL does nothing.
 */
static void kho_alloc_preserve_bad_sizes(struct kunit *test)
{
	size_t too_big = (size_t)PAGE_SIZE << (MAX_PAGE_ORDER + 1);

	KUNIT_EXPECT_EQ(test, PTR_ERR(kho_alloc_preserve(0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kho_alloc_preserve(too_big)), -E2BIG);
	KUNIT_EXPECT_EQ(test, PTR_ERR(kho_alloc_preserve(SIZE_MAX)), -E2BIG);
	kho_unpreserve_free(NULL);
}

/* Add @blob under @name, to be removed by an action. */
static void kho_kunit_add_subtree(struct kunit *test, const char *name,
				  void *blob, size_t size)
{
	int err;

	KUNIT_ASSERT_EQ(test, kho_add_subtree(name, blob, size), 0);
	err = kunit_add_action_or_reset(test, kho_kunit_remove_subtree, blob);
	KUNIT_ASSERT_EQ(test, err, 0);
}

/*
 * A name is taken once (-EEXIST for a second blob) and free again after
 * the removal. Blobs added here are for the next kernel only: lookups read
 * the FDT the previous kernel handed over, which never held them.
 */
static void kho_add_subtree_names(struct kunit *test)
{
	void *blob = kho_kunit_alloc_preserve(test, PAGE_SIZE);
	void *other = kho_kunit_alloc_preserve(test, PAGE_SIZE);
	phys_addr_t phys;
	size_t size;

	kho_kunit_add_subtree(test, KHO_KUNIT_BLOB, blob, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kho_add_subtree(KHO_KUNIT_BLOB, other, PAGE_SIZE),
			-EEXIST);
	kho_kunit_add_subtree(test, KHO_KUNIT_OTHER_BLOB, other, 16);

	KUNIT_EXPECT_EQ(test, kho_retrieve_subtree(KHO_KUNIT_BLOB, &phys, &size),
			-ENOENT);

	kunit_release_action(test, kho_kunit_remove_subtree, blob);
	kunit_release_action(test, kho_kunit_remove_subtree, other);
	kho_kunit_add_subtree(test, KHO_KUNIT_BLOB, other, PAGE_SIZE);
	kunit_release_action(test, kho_kunit_remove_subtree, other);
}

/*
 * A blob must be in the direct map, since its physical address is what
 * travels; removing a blob that was never added does nothing.
 */
static void kho_add_subtree_bad_blob(struct kunit *test)
{
	void *blob = kho_kunit_alloc_preserve(test, PAGE_SIZE);
	void *vblob;
	int err;

	vblob = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, vblob);
	err = kunit_add_action_or_reset(test, kho_kunit_vfree, vblob);
	KUNIT_ASSERT_EQ(test, err, 0);

	KUNIT_EXPECT_EQ(test, kho_add_subtree(KHO_KUNIT_BLOB, vblob, PAGE_SIZE),
			-EINVAL);
	kho_remove_subtree(blob);
	kho_remove_subtree(vblob);

	/* The refused add left the name free. */
	kho_kunit_add_subtree(test, KHO_KUNIT_BLOB, blob, PAGE_SIZE);
}

/*
 * Guards against mainline's WARN_ON_ONCE() in restore, which fired for any
 * address that does not start a preserved block: ours returns NULL (and
 * logs one line), leaves the page as it was, and never restores memory that
 * this kernel, rather than the previous one, preserved.
 */
static void kho_restore_folio_not_preserved(struct kunit *test)
{
	struct folio *fresh = kho_kunit_folio(test, 0);
	struct folio *large = kho_kunit_folio(test, 3);
	struct folio *ours = kho_kunit_folio(test, 0);
	phys_addr_t phys = kho_kunit_phys(fresh);
	unsigned long private = page_private(folio_page(fresh, 0));

	KUNIT_EXPECT_NULL(test, kho_restore_folio(phys));
	KUNIT_EXPECT_NULL(test, kho_restore_folio(phys + 1));
	KUNIT_EXPECT_NULL(test, kho_restore_folio(kho_kunit_phys(large)));
	KUNIT_EXPECT_NULL(test, kho_restore_folio(PHYS_ADDR_MAX & PAGE_MASK));

	kho_kunit_preserve_folio(test, ours);
	KUNIT_EXPECT_NULL(test, kho_restore_folio(kho_kunit_phys(ours)));

	KUNIT_EXPECT_EQ(test, folio_ref_count(fresh), 1);
	KUNIT_EXPECT_EQ(test, folio_ref_count(large), 1);
	KUNIT_EXPECT_EQ(test, folio_ref_count(ours), 1);
	KUNIT_EXPECT_EQ(test, page_private(folio_page(fresh, 0)), private);
	KUNIT_EXPECT_EQ(test, folio_order(large), 3);
}

/*
 * The same for page ranges, and for ranges that are empty, misaligned or
 * wrap past the end of the address space: NULL, and nothing changes.
 */
static void kho_restore_pages_not_preserved(struct kunit *test)
{
	struct folio *folio = kho_kunit_folio(test, 3);
	phys_addr_t phys = kho_kunit_phys(folio);

	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys, 1));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys, 8));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys + PAGE_SIZE, 3));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys, 0));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys + 1, 1));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(phys, ULONG_MAX));
	KUNIT_EXPECT_NULL(test, kho_restore_pages(PHYS_ADDR_MAX & PAGE_MASK, 1));

	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_EQ(test, folio_order(folio), 3);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/* One preservation, done again and again with a tree page allocation failing. */
struct kho_kunit_nomem_op {
	int (*preserve)(struct kho_kunit_nomem_op *op);
	void (*unpreserve)(struct kho_kunit_nomem_op *op);
	struct folio *folio;
	struct page *page;
	unsigned long nr_pages;
};

static int kho_kunit_nomem_preserve_folio(struct kho_kunit_nomem_op *op)
{
	return kho_preserve_folio(op->folio);
}

static void kho_kunit_nomem_unpreserve_folio(struct kho_kunit_nomem_op *op)
{
	kho_unpreserve_folio(op->folio);
}

static int kho_kunit_nomem_preserve_pages(struct kho_kunit_nomem_op *op)
{
	return kho_preserve_pages(op->page, op->nr_pages);
}

static void kho_kunit_nomem_unpreserve_pages(struct kho_kunit_nomem_op *op)
{
	kho_unpreserve_pages(op->page, op->nr_pages);
}

/* No preservation needs more tree pages than this. */
#define KHO_KUNIT_MAX_ALLOCS	64

/*
 * Run @op with the @nth tree page allocation of this task failing, through
 * the task's fail-nth (Documentation/fault-injection/): the framework counts
 * down every fault point the task passes, and with CONFIG_FAIL_KHO the only
 * one KHO has is the tree's page allocation. Stores in @allocs how many
 * allocations @op attempted: @nth if the failure came, fewer if not.
 */
static int kho_kunit_fail_nth(struct kunit *test, struct kho_kunit_nomem_op *op,
			      unsigned int nth, unsigned int *allocs)
{
#ifdef CONFIG_FAIL_KHO
	int err;

	current->fail_nth = nth;
	err = op->preserve(op);
	*allocs = nth - current->fail_nth;
	current->fail_nth = 0;
	return err;
#else
	kunit_skip(test, "needs CONFIG_FAIL_KHO");
	return -EOPNOTSUPP;
#endif
}

/* The tree page allocations of @op, which must succeed; @op is undone after. */
static unsigned int kho_kunit_count_allocs(struct kunit *test,
					   struct kho_kunit_nomem_op *op)
{
	unsigned int allocs;

	KUNIT_ASSERT_EQ(test, kho_kunit_fail_nth(test, op, KHO_KUNIT_MAX_ALLOCS + 1,
						 &allocs), 0);
	op->unpreserve(op);
	return allocs;
}

/*
 * Make the 1st, 2nd, ... tree page allocation of @op fail, until @op passes
 * them all. Every failure must reach the caller as -ENOMEM and leave the
 * outgoing tree exactly as it was, its pages included: the blocks added
 * before the failure are removed again, and the pages they needed too. The
 * successful run links every page it allocates, since nothing else changes
 * the tree meanwhile. Returns the number of allocations of that run. Pages
 * lost on the way (allocated, neither linked nor freed) are the userspace
 * harness's to catch, which counts every page (tools/testing/kho_radix).
 */
static unsigned int kho_kunit_nomem_loop(struct kunit *test,
					 struct kho_kunit_nomem_op *op)
{
	struct kho_kunit_snapshot *before = kho_kunit_snapshot(test, 0);
	struct kho_kunit_snapshot *after;
	unsigned int nth, allocs = 0;
	int err = 0;

	for (nth = 1; nth <= KHO_KUNIT_MAX_ALLOCS; nth++) {
		err = kho_kunit_fail_nth(test, op, nth, &allocs);
		if (allocs < nth)
			break;

		KUNIT_EXPECT_EQ_MSG(test, err, -ENOMEM, "allocation %u", nth);
		kho_kunit_expect_tree(test, before, "after a failure");
	}

	KUNIT_ASSERT_LE_MSG(test, nth, KHO_KUNIT_MAX_ALLOCS, "never succeeded");
	KUNIT_EXPECT_EQ(test, err, 0);
	/* Every allocation point was made to fail once. */
	KUNIT_EXPECT_EQ(test, allocs, nth - 1);
	after = kho_kunit_snapshot(test, 0);
	KUNIT_EXPECT_EQ(test, kho_kunit_tree_pages(after),
			kho_kunit_tree_pages(before) + allocs);

	kunit_info(test, "tree page allocations: %u, each made to fail once\n",
		   allocs);

	op->unpreserve(op);
	kho_kunit_expect_tree(test, before, "after unpreserve");
	return allocs;
}

/* Pages from the contiguous allocator, freed by an action. */
struct kho_kunit_contig {
	unsigned long pfn;
	unsigned long nr_pages;
};

static void kho_kunit_free_contig(void *data)
{
	struct kho_kunit_contig *contig = data;

	free_contig_range(contig->pfn, contig->nr_pages);
}

/* Own pages [@pfn, @pfn + @nr_pages) until the test ends, filled with the pattern. */
static void kho_kunit_keep_contig(struct kunit *test, unsigned long pfn,
				  unsigned long nr_pages)
{
	struct kho_kunit_contig *contig;
	int err;

	contig = kunit_kzalloc(test, sizeof(*contig), GFP_KERNEL);
	if (!contig)
		free_contig_range(pfn, nr_pages);
	KUNIT_ASSERT_NOT_NULL(test, contig);

	contig->pfn = pfn;
	contig->nr_pages = nr_pages;
	err = kunit_add_action_or_reset(test, kho_kunit_free_contig, contig);
	KUNIT_ASSERT_EQ(test, err, 0);

	memset(page_address(pfn_to_page(pfn)), KHO_KUNIT_PATTERN,
	       nr_pages << PAGE_SHIFT);
}

/*
 * An aligned block of @nr_pages (a power of two) of any size, which the
 * page allocator cannot make above MAX_PAGE_ORDER.
 */
static struct page *kho_kunit_contig(struct kunit *test, unsigned long nr_pages)
{
	struct page *page;

	page = alloc_contig_pages(nr_pages, GFP_KERNEL | __GFP_NOWARN,
				  numa_node_id(), NULL);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "no %lu free contiguous pages", nr_pages);
	kho_kunit_keep_contig(test, page_to_pfn(page), nr_pages);
	return page;
}

/*
 * A page in memory that no order-0 key of the tree lies in, so that its
 * preservation needs a new leaf: the contiguous allocator takes a free page
 * at a chosen address. NULL if every such try fails.
 */
static struct page *kho_kunit_leafless_page(struct kunit *test,
					    const struct kho_kunit_snapshot *snap)
{
	const unsigned long span = KHO_RADIX_LEAF_BITS;
	unsigned long region, pfn, i;

	for (region = 0; region < max_pfn; region += span) {
		if (kho_kunit_has_leaf(snap, kho_kunit_key(region, 0)))
			continue;
		/* A few pageblocks apart: one busy pageblock is not all of them. */
		for (i = 1; i < 8; i++) {
			pfn = region + i * (span / 8);
			if (!pfn_to_online_page(pfn) ||
			    alloc_contig_range(pfn, pfn + 1, ACR_FLAGS_NONE,
					       GFP_KERNEL | __GFP_NOWARN))
				continue;
			kho_kunit_keep_contig(test, pfn, 1);
			return pfn_to_page(pfn);
		}
	}
	return NULL;
}

/*
 * Guards the -ENOMEM path of kho_preserve_folio(): at each tree page it
 * needs, the error reaches the caller, and the outgoing tree is unchanged.
 *
 * The folio must need a tree page: its leaf must be missing. But keys of
 * most orders are in the tree already (the base's KHO test module alone
 * preserves folios of random orders), and a leaf of order 4 or more covers
 * all the memory of a small machine. So the folio is an order-0 page where
 * the tree has no order-0 leaf, or else the first folio of some order whose
 * leaf is missing.
 */
static void kho_preserve_folio_nomem(struct kunit *test)
{
	struct kho_kunit_snapshot *snap = kho_kunit_snapshot(test, 0);
	struct kho_kunit_nomem_op op = {
		.preserve = kho_kunit_nomem_preserve_folio,
		.unpreserve = kho_kunit_nomem_unpreserve_folio,
	};
	unsigned int order;
	struct page *page;
	int err;

	page = kho_kunit_leafless_page(test, snap);
	op.folio = page ? page_folio(page) : kho_kunit_folio(test, 1);
	for (order = 2; order < MAX_PAGE_ORDER; order++) {
		if (!kho_kunit_has_leaf(snap, kho_kunit_key(folio_pfn(op.folio),
							    folio_order(op.folio))))
			break;
		op.folio = kho_kunit_folio(test, order);
	}
	KUNIT_ASSERT_FALSE_MSG(test, kho_kunit_has_leaf(snap,
							kho_kunit_key(folio_pfn(op.folio),
								      folio_order(op.folio))),
			       "the tree has a leaf for every candidate folio");

	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_folio, op.folio);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_GT(test, kho_kunit_nomem_loop(test, &op), 0);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(op.folio),
						    folio_size(op.folio)));
}

/* Above what the page allocator makes: no other KHO user has such keys. */
#define KHO_KUNIT_BIG_ORDER	(MAX_PAGE_ORDER + 1)

/*
 * Guards the rollback of kho_preserve_pages(): when the tree cannot grow
 * for a later block, the blocks already added are removed again, so the
 * range is not preserved at all and the tree is as it was. The range
 * [1, 2^k) of an aligned 2^k-page block is cut into one block of each order
 * below k, in ascending order; the last one, of KHO_KUNIT_BIG_ORDER, needs
 * new tree pages after all the others were added.
 */
static void kho_preserve_pages_nomem(struct kunit *test)
{
	struct page *block = kho_kunit_contig(test, 2UL << KHO_KUNIT_BIG_ORDER);
	struct kho_kunit_snapshot *snap = kho_kunit_snapshot(test, 0);
	struct kho_kunit_nomem_op op = {
		.preserve = kho_kunit_nomem_preserve_pages,
		.unpreserve = kho_kunit_nomem_unpreserve_pages,
		.page = block + 1,
		.nr_pages = (2UL << KHO_KUNIT_BIG_ORDER) - 1,
	};
	struct kho_kunit_range *range;
	unsigned long pfn, end, nr_blocks = 0, new_leaves = 0;
	unsigned int allocs, order = 0;
	int err;

	end = page_to_pfn(op.page) + op.nr_pages;
	for (pfn = page_to_pfn(op.page); pfn < end; pfn += 1UL << order) {
		order = kho_kunit_block_order(pfn, end);
		new_leaves += !kho_kunit_has_leaf(snap, kho_kunit_key(pfn, order));
		nr_blocks++;
	}
	KUNIT_ASSERT_EQ(test, nr_blocks, KHO_KUNIT_BIG_ORDER + 1);
	KUNIT_ASSERT_EQ(test, order, KHO_KUNIT_BIG_ORDER);
	KUNIT_ASSERT_GT(test, new_leaves, 0);

	range = kunit_kzalloc(test, sizeof(*range), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, range);
	range->page = op.page;
	range->nr_pages = op.nr_pages;
	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_range, range);
	KUNIT_ASSERT_EQ(test, err, 0);

	/*
	 * The last block still needs tree pages once the others are in: its
	 * last allocation fails with all of them added, which the loop then
	 * finds removed again.
	 */
	op.nr_pages -= 1UL << KHO_KUNIT_BIG_ORDER;
	allocs = kho_kunit_count_allocs(test, &op);
	op.nr_pages += 1UL << KHO_KUNIT_BIG_ORDER;
	kho_kunit_expect_tree(test, snap, "after unpreserving the smaller blocks");

	KUNIT_EXPECT_GT(test, kho_kunit_nomem_loop(test, &op), allocs);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(page_address(block),
						    PAGE_SIZE << (KHO_KUNIT_BIG_ORDER + 1)));
}

/*
 * Concurrency: workers preserve and unpreserve folios and page ranges while
 * a walker walks the outgoing tree. Each worker has folios of its own, and
 * all share some folios, which they preserve and unpreserve concurrently:
 * preserving a folio twice is the same as once, so every such call must
 * succeed. After a barrier, every worker ends each shared folio the same
 * way, so the final tree is known whatever the interleaving was.
 */
#define KHO_KUNIT_WORKERS	3
#define KHO_KUNIT_OWN		6
#define KHO_KUNIT_SHARED	6
#define KHO_KUNIT_ROUNDS	400
/* Each worker also preserves [1, 7) of an aligned block of 8 pages. */
#define KHO_KUNIT_STRESS_ORDER	3
/* The most keys the workers can leave: 4 blocks make up a range. */
#define KHO_KUNIT_STRESS_KEYS	\
	(KHO_KUNIT_SHARED + KHO_KUNIT_WORKERS * (KHO_KUNIT_OWN + 4))

struct kho_kunit_stress;

struct kho_kunit_worker {
	struct kho_kunit_stress *stress;
	unsigned int id;
	struct folio *own[KHO_KUNIT_OWN];
	struct kho_kunit_range range;
	struct task_struct *task;
	int err;		/* the first unexpected return value */
};

struct kho_kunit_stress {
	struct folio *shared[KHO_KUNIT_SHARED];
	struct kho_kunit_worker workers[KHO_KUNIT_WORKERS];
	atomic_t arrived;	/* workers past their last round */
	atomic_t finished;	/* workers done */
	struct task_struct *walker;
	unsigned long walks;
	int walk_err;
};

/* Which folios and ranges the workers leave preserved in the end. */
static bool kho_kunit_own_kept(unsigned int j)
{
	return !(j & 1);
}

static bool kho_kunit_shared_kept(unsigned int j)
{
	return j % 3 != 1;
}

static bool kho_kunit_range_kept(unsigned int id)
{
	return !(id & 1);
}

static void kho_kunit_worker_check(struct kho_kunit_worker *w, int err)
{
	if (err && !w->err)
		w->err = err;
}

static void kho_kunit_worker_folio(struct kho_kunit_worker *w,
				   struct folio *folio, bool keep)
{
	if (keep)
		kho_kunit_worker_check(w, kho_preserve_folio(folio));
	else
		kho_unpreserve_folio(folio);
}

static void kho_kunit_worker_range(struct kho_kunit_worker *w, bool keep)
{
	if (keep)
		kho_kunit_worker_check(w, kho_preserve_pages(w->range.page,
							     w->range.nr_pages));
	else
		kho_unpreserve_pages(w->range.page, w->range.nr_pages);
}

static int kho_kunit_worker_fn(void *data)
{
	struct kho_kunit_worker *w = data;
	struct kho_kunit_stress *s = w->stress;
	unsigned int round, j;

	for (round = 0; round < KHO_KUNIT_ROUNDS; round++) {
		for (j = 0; j < KHO_KUNIT_OWN; j++) {
			kho_kunit_worker_folio(w, w->own[j], true);
			kho_kunit_worker_folio(w, w->own[j], (round + j) & 1);
		}
		for (j = 0; j < KHO_KUNIT_SHARED; j++)
			kho_kunit_worker_folio(w, s->shared[j],
					       (round + w->id + j) % 3);
		kho_kunit_worker_range(w, true);
		kho_kunit_worker_range(w, round & 1);
		cond_resched();
	}

	/* From here on, every change to a shared folio is a final one. */
	atomic_inc(&s->arrived);
	wake_up_var(&s->arrived);
	wait_var_event(&s->arrived,
		       atomic_read(&s->arrived) == KHO_KUNIT_WORKERS);

	for (j = 0; j < KHO_KUNIT_OWN; j++)
		kho_kunit_worker_folio(w, w->own[j], kho_kunit_own_kept(j));
	for (j = 0; j < KHO_KUNIT_SHARED; j++)
		kho_kunit_worker_folio(w, s->shared[j], kho_kunit_shared_kept(j));
	kho_kunit_worker_range(w, kho_kunit_range_kept(w->id));

	atomic_inc(&s->finished);
	wake_up_var(&s->finished);
	return 0;
}

/* A locked walk in the middle of changes still sees an ordered set of keys. */
static int kho_kunit_walk_key(unsigned long key, void *data)
{
	unsigned long *prev = data;
	unsigned int order;
	phys_addr_t phys;

	if (key <= *prev)
		return -EBADMSG;
	*prev = key;
	return kho_radix_decode_key(key, &phys, &order);
}

static int kho_kunit_walker_fn(void *data)
{
	const struct kho_radix_walk_cb cb = { .leaf = kho_kunit_walk_key };
	struct kho_kunit_stress *s = data;
	struct kho_radix_tree *tree = kho_out_tree();
	unsigned long prev;
	int err;

	while (!kthread_should_stop()) {
		prev = 0;
		err = kho_radix_walk_tree(tree, &cb, &prev);
		if (err && !s->walk_err)
			s->walk_err = err;
		s->walks++;
		cond_resched();
	}
	return 0;
}

static struct task_struct *kho_kunit_start(int (*fn)(void *data), void *data,
					   unsigned int id, bool bound)
{
	unsigned int cpu = cpumask_nth(id, cpu_online_mask);
	struct task_struct *task;

	/*
	 * @bound: on the @id-th online CPU, or not at all. Two threads that
	 * share a CPU take turns by time slices and hardly ever meet on one
	 * access, which is what the races want.
	 */
	if (!bound)
		task = kthread_create(fn, data, "kho_kunit/%u", id);
	else if (cpu < nr_cpu_ids)
		task = kthread_create_on_cpu(fn, data, cpu, "kho_kunit/%u");
	else
		task = ERR_PTR(-ENODEV);
	if (IS_ERR(task))
		return task;
	get_task_struct(task);
	wake_up_process(task);
	return task;
}

/* The folios the workers use; every one is unpreserved when the test ends. */
static struct folio *kho_kunit_stress_folio(struct kunit *test, unsigned int i)
{
	struct folio *folio = kho_kunit_folio(test, i % 3);
	int err;

	err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_folio, folio);
	KUNIT_ASSERT_EQ(test, err, 0);
	return folio;
}

/*
 * Guards the tree lock and the allocate-outside-the-lock insertion against
 * concurrent users: preserve and unpreserve from several threads, of the
 * same folios too, with a walker in their midst, never fail, and leave
 * the tree holding exactly what the last changes made it hold.
 */
static void kho_preserve_concurrent(struct kunit *test)
{
	struct kho_kunit_snapshot *before, *want;
	struct kho_kunit_stress *s;
	struct kho_kunit_worker *w;
	unsigned int i, j, started = 0;
	struct folio *block;
	int err;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (j = 0; j < KHO_KUNIT_SHARED; j++)
		s->shared[j] = kho_kunit_stress_folio(test, j);
	for (i = 0; i < KHO_KUNIT_WORKERS; i++) {
		w = &s->workers[i];
		w->stress = s;
		w->id = i;
		for (j = 0; j < KHO_KUNIT_OWN; j++)
			w->own[j] = kho_kunit_stress_folio(test, i + j);
		block = kho_kunit_folio(test, KHO_KUNIT_STRESS_ORDER);
		w->range.page = folio_page(block, 1);
		w->range.nr_pages = folio_nr_pages(block) - 2;
		err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_range,
						&w->range);
		KUNIT_ASSERT_EQ(test, err, 0);
	}

	before = kho_kunit_snapshot(test, 0);
	want = kho_kunit_snapshot(test, KHO_KUNIT_STRESS_KEYS);

	s->walker = kho_kunit_start(kho_kunit_walker_fn, s, KHO_KUNIT_WORKERS,
				    false);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s->walker);
	for (i = 0; i < KHO_KUNIT_WORKERS; i++) {
		w = &s->workers[i];
		w->task = kho_kunit_start(kho_kunit_worker_fn, w, i, false);
		if (IS_ERR(w->task))
			break;
		started++;
	}
	/* Workers that did start must not wait at the barrier for the others. */
	if (started < KHO_KUNIT_WORKERS) {
		atomic_add(KHO_KUNIT_WORKERS - started, &s->arrived);
		wake_up_var(&s->arrived);
	}
	/* Stopping a thread that has not run yet would keep it from running. */
	wait_var_event(&s->finished, atomic_read(&s->finished) == started);
	for (i = 0; i < started; i++)
		kthread_stop_put(s->workers[i].task);
	kthread_stop_put(s->walker);

	KUNIT_ASSERT_EQ_MSG(test, started, KHO_KUNIT_WORKERS, "cannot start workers");
	for (i = 0; i < KHO_KUNIT_WORKERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, s->workers[i].err, 0, "worker %u", i);
	KUNIT_EXPECT_EQ(test, s->walk_err, 0);
	KUNIT_EXPECT_GT(test, s->walks, 0);
	kunit_info(test, "%u workers x %u rounds, %lu walks of the tree\n",
		   KHO_KUNIT_WORKERS, KHO_KUNIT_ROUNDS, s->walks);

	/* The reference: the tree before, plus what the workers left preserved. */
	for (j = 0; j < KHO_KUNIT_SHARED; j++)
		if (kho_kunit_shared_kept(j))
			kho_kunit_add_folio_key(want, s->shared[j]);
	for (i = 0; i < KHO_KUNIT_WORKERS; i++) {
		w = &s->workers[i];
		for (j = 0; j < KHO_KUNIT_OWN; j++)
			if (kho_kunit_own_kept(j))
				kho_kunit_add_folio_key(want, w->own[j]);
		if (kho_kunit_range_kept(i))
			kho_kunit_add_range_keys(want, &w->range);
	}
	KUNIT_ASSERT_LT(test, want->nr_keys, want->max_keys);
	kho_kunit_want(test, want);
	kho_kunit_expect_tree(test, want, "after the workers");

	/* Undoing it all gives the tree back, and every page it had grown by. */
	for (j = 0; j < KHO_KUNIT_SHARED; j++)
		kho_unpreserve_folio(s->shared[j]);
	for (i = 0; i < KHO_KUNIT_WORKERS; i++) {
		w = &s->workers[i];
		for (j = 0; j < KHO_KUNIT_OWN; j++)
			kho_unpreserve_folio(w->own[j]);
		kho_unpreserve_pages(w->range.page, w->range.nr_pages);
	}
	kho_kunit_expect_tree(test, before, "after unpreserving all");
}

/*
 * Restore, within one boot. Restore takes back blocks that early boot found
 * in the previous kernel's tree: it trusts the order tag in each block's
 * head page and nothing else. An "incoming" block here is memory of this
 * kernel's allocator, split into order-0 pages and tagged the same way, so
 * every case below sees exactly what restore sees after a kexec.
 */
struct kho_kunit_incoming {
	struct page *first;
	unsigned int order;
	unsigned long claimed;	/* pages restore handed out */
};

/*
 * Give the memory back, whatever restore made of it: folios it rebuilt go as
 * folios, all other pages one by one. Restore also counted what it handed
 * out as managed memory, which it already was.
 */
static void kho_kunit_incoming_free(void *data)
{
	struct kho_kunit_incoming *in = data;
	unsigned long nr = 1UL << in->order;
	struct page *page;
	unsigned long i, step;

	adjust_managed_page_count(in->first, -(long)in->claimed);
	for (i = 0; i < nr; i += step) {
		page = in->first + i;
		set_page_private(page, 0);
		step = 1;
		if (PageHead(page)) {
			step = folio_nr_pages(page_folio(page));
			folio_put(page_folio(page));
		} else {
			put_page(page);
		}
	}
}

static struct kho_kunit_incoming *kho_kunit_incoming(struct kunit *test,
						     unsigned int order)
{
	struct kho_kunit_incoming *in;
	struct page *page;
	int err;

	in = kunit_kzalloc(test, sizeof(*in), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, in);

	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "no free block of order %u", order);
	split_page(page, order);
	memset(page_address(page), KHO_KUNIT_PATTERN, PAGE_SIZE << order);
	in->first = page;
	in->order = order;

	err = kunit_add_action_or_reset(test, kho_kunit_incoming_free, in);
	KUNIT_ASSERT_EQ(test, err, 0);
	return in;
}

static phys_addr_t kho_kunit_in_phys(const struct kho_kunit_incoming *in,
				     unsigned long i)
{
	return page_to_phys(in->first + i);
}

/* Tag pages [@i, @i + @nr) as the blocks kho_preserve_pages() makes of them. */
static void kho_kunit_tag_range(struct kho_kunit_incoming *in, unsigned long i,
				unsigned long nr)
{
	unsigned long pfn = page_to_pfn(in->first + i);
	unsigned long end = pfn + nr;
	unsigned int order;

	for (; pfn < end; pfn += 1UL << order) {
		order = kho_kunit_block_order(pfn, end);
		set_page_private(pfn_to_page(pfn), kho_head_tag(order));
	}
}

static struct folio *kho_kunit_restore_folio(struct kho_kunit_incoming *in,
					     unsigned long i)
{
	struct folio *folio = kho_restore_folio(kho_kunit_in_phys(in, i));

	if (folio)
		in->claimed += folio_nr_pages(folio);
	return folio;
}

static struct page *kho_kunit_restore_pages(struct kho_kunit_incoming *in,
					    unsigned long i, unsigned long nr)
{
	struct page *page = kho_restore_pages(kho_kunit_in_phys(in, i), nr);

	if (page)
		in->claimed += nr;
	return page;
}

/* Expect page @i to be tagged as the head of a block of @order, or not (-1). */
static void kho_kunit_expect_tag(struct kunit *test,
				 const struct kho_kunit_incoming *in,
				 unsigned long i, int order)
{
	KUNIT_EXPECT_EQ_MSG(test, kho_head_order(page_private(in->first + i)),
			    order, "page %lu", i);
}

/* Expect @nr pages from @i to be plain pages with one reference each. */
static void kho_kunit_expect_unowned(struct kunit *test,
				     const struct kho_kunit_incoming *in,
				     unsigned long i, unsigned long nr)
{
	unsigned long end = i + nr;

	for (; i < end; i++) {
		KUNIT_EXPECT_EQ_MSG(test, page_ref_count(in->first + i), 1,
				    "page %lu", i);
		KUNIT_EXPECT_FALSE_MSG(test, PageHead(in->first + i), "page %lu", i);
		KUNIT_EXPECT_FALSE_MSG(test, PageTail(in->first + i), "page %lu", i);
	}
}

/*
 * Guards against restoring a block from the middle: a tail page of a
 * preserved block is refused, by folio and by page range, and the block can
 * still be restored from its head, once; the folio then has one owner.
 */
static void kho_restore_folio_tail_page(struct kunit *test)
{
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 3);
	struct folio *folio;
	unsigned long i;

	kho_kunit_tag_range(in, 0, 8);
	for (i = 1; i < 8; i++) {
		KUNIT_EXPECT_NULL(test, kho_kunit_restore_folio(in, i));
		KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, i, 1));
		KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, i, 8 - i));
	}
	kho_kunit_expect_tag(test, in, 0, 3);
	kho_kunit_expect_unowned(test, in, 0, 8);

	folio = kho_kunit_restore_folio(in, 0);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_PTR_EQ(test, folio_page(folio, 0), in->first);
	KUNIT_EXPECT_EQ(test, folio_order(folio), 3);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));

	/* Neither the head again nor a tail gives a second owner. */
	KUNIT_EXPECT_NULL(test, kho_kunit_restore_folio(in, 0));
	KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, 0, 8));
	KUNIT_EXPECT_NULL(test, kho_kunit_restore_folio(in, 1));
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_EQ(test, in->claimed, 8);
}

/*
 * Guards restore against sleeping: stock 7.3 lets kho_restore_folio() and
 * kho_restore_pages() run with a spinlock held or interrupts off, and an
 * earlier version of ours removed the debugfs view of a restored blob from
 * inside restore, which sleeps (reported by DEBUG_ATOMIC_SLEEP on the debug
 * kernel). Both restores run here with interrupts off and must succeed.
 */
static void kho_restore_atomic_context(struct kunit *test)
{
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 3);
	unsigned long flags;
	struct folio *folio;
	struct page *page;

	kho_kunit_tag_range(in, 0, 4);
	kho_kunit_tag_range(in, 4, 4);
	local_irq_save(flags);
	folio = kho_kunit_restore_folio(in, 0);
	page = kho_kunit_restore_pages(in, 4, 4);
	local_irq_restore(flags);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_EQ(test, folio_order(folio), 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_EQ(test, page, in->first + 4);
	KUNIT_EXPECT_EQ(test, in->claimed, 8);
}

/*
 * Restoring the same page range twice gives it once: the second call, and
 * any later restore of one of its blocks, return NULL.
 */
static void kho_restore_pages_twice(struct kunit *test)
{
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 3);
	struct page *page;
	unsigned long i;

	kho_kunit_tag_range(in, 1, 6);
	page = kho_kunit_restore_pages(in, 1, 6);
	KUNIT_ASSERT_PTR_EQ(test, page, in->first + 1);
	for (i = 1; i < 7; i++)
		kho_kunit_expect_tag(test, in, i, -1);
	kho_kunit_expect_unowned(test, in, 1, 6);

	KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, 1, 6));
	for (i = 1; i < 7; i++) {
		KUNIT_EXPECT_NULL(test, kho_kunit_restore_folio(in, i));
		KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, i, 1));
	}
	kho_kunit_expect_unowned(test, in, 1, 6);
	KUNIT_EXPECT_EQ(test, in->claimed, 6);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(page_address(page), 6 * PAGE_SIZE));
}

/*
 * A restore of pages [first, first + nr) of the range [1, 7) of an 8-page
 * block, which was preserved as the blocks 1, 2-3, 4-5 and 6.
 */
struct kho_kunit_restore_case {
	const char *desc;
	unsigned long first;
	unsigned long nr;
	bool restores;	/* the pages are exactly some of the blocks */
};

static const struct kho_kunit_restore_case kho_kunit_restore_cases[] = {
	{ "the range preserved",		1, 6,		true },
	{ "one page short, mid-block",		1, 4,		false },
	{ "one page more",			1, 7,		false },
	{ "ending inside the second block",	1, 2,		false },
	{ "first block only",			1, 1,		true },
	{ "first two blocks",			1, 3,		true },
	{ "last two blocks",			4, 3,		true },
	{ "starting inside a block",		3, 4,		false },
	{ "starting before the range",		0, 7,		false },
	{ "the whole block",			0, 8,		false },
	{ "a count that wraps",			1, ULONG_MAX,	false },
	{ "a count far past memory",		1, 1UL << 40,	false },
};

KUNIT_ARRAY_PARAM_DESC(kho_kunit_restore, kho_kunit_restore_cases, desc);

/*
 * Guards kho_restore_pages() with the wrong page count: unless the count
 * covers whole blocks exactly, nothing is restored (no block of the range
 * loses its tag), and the range can then be restored with the right count.
 * A count that does cover whole blocks restores just those, and the rest
 * stays restorable: every page ends up with one owner, never two.
 */
static void kho_restore_pages_wrong_count(struct kunit *test)
{
	const struct kho_kunit_restore_case *c = test->param_value;
	static const int tags[8] = { -1, 0, 1, -1, 1, -1, 0, -1 };
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 3);
	struct page *page;
	unsigned long i;

	kho_kunit_tag_range(in, 1, 6);
	page = kho_kunit_restore_pages(in, c->first, c->nr);
	if (!c->restores) {
		KUNIT_EXPECT_NULL(test, page);
		for (i = 0; i < 8; i++)
			kho_kunit_expect_tag(test, in, i, tags[i]);
		kho_kunit_expect_unowned(test, in, 0, 8);
		KUNIT_EXPECT_EQ(test, in->claimed, 0);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, page, in->first + c->first);
		for (i = 0; i < 8; i++)
			kho_kunit_expect_tag(test, in, i,
					     i >= c->first && i < c->first + c->nr ?
					     -1 : tags[i]);
	}

	/* Then every block not restored yet, each on its own. */
	for (i = 1; i < 7; i++)
		if (tags[i] >= 0 && kho_head_order(page_private(in->first + i)) >= 0)
			KUNIT_EXPECT_NOT_NULL(test, kho_kunit_restore_pages(in, i, 1UL << tags[i]));

	KUNIT_EXPECT_EQ(test, in->claimed, 6);
	KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, 1, 6));
	kho_kunit_expect_unowned(test, in, 0, 8);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(page_address(in->first),
						    8 * PAGE_SIZE));
}

/*
 * A range one of whose blocks was restored as a folio is refused as a
 * whole, and its other blocks keep their tags: a failed restore changes
 * nothing, so no page gets a second owner.
 */
static void kho_restore_pages_mixed(struct kunit *test)
{
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 3);
	struct folio *folio;

	kho_kunit_tag_range(in, 1, 6);
	folio = kho_kunit_restore_folio(in, 4);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_EQ(test, folio_order(folio), 1);

	KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, 1, 6));
	kho_kunit_expect_tag(test, in, 1, 0);
	kho_kunit_expect_tag(test, in, 2, 1);
	kho_kunit_expect_tag(test, in, 6, 0);
	KUNIT_EXPECT_EQ(test, folio_ref_count(folio), 1);
	KUNIT_EXPECT_TRUE(test, folio_test_large(folio));

	KUNIT_EXPECT_NOT_NULL(test, kho_kunit_restore_pages(in, 1, 3));
	KUNIT_EXPECT_NULL(test, kho_kunit_restore_pages(in, 4, 2));
	KUNIT_EXPECT_NOT_NULL(test, kho_kunit_restore_pages(in, 6, 1));
	KUNIT_EXPECT_EQ(test, in->claimed, 6);
}

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
/*
 * A reader of a totals file against a preserver that wants the tree's
 * lock: every other key of a private tree is set, so that each key is a
 * range of its own and the walk is long.
 */
#define KHO_KUNIT_DBG_RANGES	262144UL

struct kho_kunit_dbg_reader {
	struct kho_radix_tree *tree;
	struct kho_dbg_totals totals;
	int err;
	atomic_t done;
};

static int kho_kunit_dbg_reader_fn(void *data)
{
	struct kho_kunit_dbg_reader *r = data;

	r->err = kho_dbg_add_up(r->tree, &r->totals);
	atomic_set_release(&r->done, 1);
	wake_up_var(&r->done);
	return 0;
}

KUNIT_DEFINE_ACTION_WRAPPER(kho_kunit_tree_destroy, kho_radix_tree_destroy,
			    struct kho_radix_tree *);

/*
 * Regression test for issue 13 defect 11: out/ranges and out/totals walked
 * the whole tree under its lock, without a reschedule point, so preservers
 * stalled for the whole walk. A thread that takes the lock over and over
 * while totals is added up must find the count part-way: a walk that holds
 * the lock throughout only ever shows none or all. Once is enough, and the
 * walk is long (256 drops of the lock), because a vCPU of a loaded host
 * may be off its CPU for many of them (twice failed once in 64 drops).
 */
static void kho_debugfs_totals_lets_preservers_in(struct kunit *test)
{
	struct kho_kunit_dbg_reader *r;
	unsigned long seen, last = 0, partway = 0, i;
	struct task_struct *task;
	bool two;
	int err;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->tree = kunit_kzalloc(test, sizeof(*r->tree), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->tree);
	KUNIT_ASSERT_EQ(test, kho_radix_tree_init(r->tree), 0);
	err = kunit_add_action_or_reset(test, kho_kunit_tree_destroy, r->tree);
	KUNIT_ASSERT_EQ(test, err, 0);
	for (i = 0; i < KHO_KUNIT_DBG_RANGES; i++) {
		err = kho_radix_add_key(r->tree,
					kho_radix_encode_key(PFN_PHYS(2 * i), 0));
		KUNIT_ASSERT_EQ(test, err, 0);
	}

	/*
	 * On a CPU each, where there are two: sharing one, the reader could
	 * run its whole walk in one time slice (as a loaded host's TCG guest
	 * once did, with 0 drops seen) and prove nothing either way.
	 */
	two = num_online_cpus() >= 2;
	task = kho_kunit_start(kho_kunit_dbg_reader_fn, r, 1, two);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	if (two)
		set_cpus_allowed_ptr(current, cpumask_of(cpumask_first(cpu_online_mask)));
	while (!atomic_read_acquire(&r->done)) {
		mutex_lock(&r->tree->lock);
		seen = r->totals.ranges;
		mutex_unlock(&r->tree->lock);
		if (seen && seen < KHO_KUNIT_DBG_RANGES && seen != last)
			partway++;
		last = seen;
		cond_resched();
	}
	if (two)
		set_cpus_allowed_ptr(current, cpu_possible_mask);
	kthread_stop_put(task);

	KUNIT_EXPECT_EQ(test, r->err, 0);
	KUNIT_EXPECT_EQ(test, r->totals.ranges, KHO_KUNIT_DBG_RANGES);
	KUNIT_EXPECT_GE_MSG(test, partway, 1,
			    "the tree's lock was let go %lu times in %lu ranges",
			    partway, KHO_KUNIT_DBG_RANGES);
}
#endif

/*
 * Two threads restore the same blocks at the same moment, one as folios and
 * the other as pages, in the same order so that they collide on each block.
 */
#define KHO_KUNIT_RACE_ORDER	6
#define KHO_KUNIT_RACE_BLOCKS	BIT(KHO_KUNIT_RACE_ORDER)
#define KHO_KUNIT_RACE_ROUNDS	100

struct kho_kunit_race {
	struct kho_kunit_incoming *in;
	atomic_t ready;		/* threads at the start line */
	atomic_t done;		/* threads through every block */
};

struct kho_kunit_racer {
	struct kho_kunit_race *race;
	bool as_folio;
	struct task_struct *task;
	DECLARE_BITMAP(won, KHO_KUNIT_RACE_BLOCKS);
};

static int kho_kunit_racer_fn(void *data)
{
	struct kho_kunit_racer *r = data;
	struct kho_kunit_race *race = r->race;
	phys_addr_t phys;
	unsigned int i;
	bool won;

	atomic_inc(&race->ready);
	while (atomic_read(&race->ready) < 2)
		cpu_relax();

	for (i = 0; i < KHO_KUNIT_RACE_BLOCKS; i++) {
		phys = kho_kunit_in_phys(race->in, i);
		if (r->as_folio)
			won = !!kho_restore_folio(phys);
		else
			won = !!kho_restore_pages(phys, 1);
		if (won)
			__set_bit(i, r->won);
	}

	atomic_inc(&race->done);
	wake_up_var(&race->done);
	return 0;
}

/*
 * Guards against the race in which two restores of one block both read its
 * tag before either cleared it, and both got the block: concurrent restores
 * of the same memory are a caller bug, but must still not give a page two
 * owners. Of two restores that race for a block, exactly one gets it.
 */
static void kho_restore_concurrent(struct kunit *test)
{
	struct kho_kunit_racer *racers;
	struct kho_kunit_race race = { };
	unsigned int round, i, started;
	unsigned long twice = 0, never = 0;

	racers = kunit_kcalloc(test, 2, sizeof(*racers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, racers);
	race.in = kho_kunit_incoming(test, KHO_KUNIT_RACE_ORDER);

	for (round = 0; round < KHO_KUNIT_RACE_ROUNDS; round++) {
		for (i = 0; i < KHO_KUNIT_RACE_BLOCKS; i++)
			set_page_private(race.in->first + i, kho_head_tag(0));
		atomic_set(&race.ready, 0);
		atomic_set(&race.done, 0);

		for (started = 0; started < 2; started++) {
			racers[started].race = &race;
			racers[started].as_folio = !started;
			bitmap_zero(racers[started].won, KHO_KUNIT_RACE_BLOCKS);
			racers[started].task = kho_kunit_start(kho_kunit_racer_fn,
							       &racers[started],
							       started, true);
			if (IS_ERR(racers[started].task))
				break;
		}
		/* A lone racer must not wait at the start line for ever. */
		if (started < 2)
			atomic_inc(&race.ready);
		wait_var_event(&race.done, atomic_read(&race.done) == started);
		for (i = 0; i < started; i++)
			kthread_stop_put(racers[i].task);
		KUNIT_ASSERT_EQ_MSG(test, started, 2,
				    "cannot start a racer on each of two CPUs");

		for (i = 0; i < KHO_KUNIT_RACE_BLOCKS; i++) {
			if (test_bit(i, racers[0].won) && test_bit(i, racers[1].won))
				twice++;
			else if (test_bit(i, racers[0].won) || test_bit(i, racers[1].won))
				race.in->claimed++;
			else
				never++;
		}
		/* A block restored twice was counted as managed memory twice. */
		race.in->claimed += 2 * twice;
		if (twice || never)
			break;
	}

	KUNIT_EXPECT_EQ_MSG(test, twice, 0, "round %u: blocks restored twice", round);
	KUNIT_EXPECT_EQ_MSG(test, never, 0, "round %u: blocks never restored", round);
	kho_kunit_expect_unowned(test, race.in, 0, KHO_KUNIT_RACE_BLOCKS);
}

/*
 * Two threads restore one order-0 block over and over; whoever gets it
 * tags it again for the next try, so nearly every access either makes is
 * to the head page's tag while the other makes one too.
 */
#define KHO_KUNIT_HAMMER_TRIES	(IS_ENABLED(CONFIG_KCSAN) ? 200000 : 20000)
#define KHO_KUNIT_HAMMER_HOLD	64

struct kho_kunit_hammer {
	struct page *page;
	atomic_t ready;		/* threads at the start line */
	atomic_t done;		/* threads through every try */
	atomic_t holders;	/* threads holding the block now */
	atomic_long_t won;	/* restores that got the block */
	atomic_long_t twice;	/* restores that got it while it was held */
};

static int kho_kunit_hammer_fn(void *data)
{
	struct kho_kunit_hammer *h = data;
	phys_addr_t phys = page_to_phys(h->page);
	unsigned int i, j;

	atomic_inc(&h->ready);
	while (atomic_read(&h->ready) < 2)
		cpu_relax();

	for (i = 0; i < KHO_KUNIT_HAMMER_TRIES; i++) {
		if (!kho_restore_pages(phys, 1))
			continue;
		atomic_long_inc(&h->won);
		if (atomic_inc_return(&h->holders) != 1)
			atomic_long_inc(&h->twice);
		/*
		 * Hold it a moment: a second restore that got the same
		 * block would get it within this hold, and be counted.
		 */
		for (j = 0; j < KHO_KUNIT_HAMMER_HOLD; j++)
			cpu_relax();
		atomic_dec(&h->holders);
		/* Let go before the tag says the block may be had again. */
		smp_mb__after_atomic();
		WRITE_ONCE(h->page->private, kho_head_tag(0));
	}

	atomic_inc(&h->done);
	wake_up_var(&h->done);
	return 0;
}

/*
 * Regression test for issue 13 defect 10: the head page's tag was read and
 * written plainly while the other restore cmpxchg'ed it. On the kcsan
 * kernel this case makes the two restores meet on the tag thousands of
 * times, so a plain access to it is reported (a KCSAN report naming a kho_
 * function fails the run); on every kernel, the block must never have two
 * holders.
 */
static void kho_restore_tag_hammer(struct kunit *test)
{
	struct kho_kunit_incoming *in = kho_kunit_incoming(test, 0);
	struct kho_kunit_hammer *h;
	struct task_struct *task[2];
	unsigned int started;

	h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h);
	h->page = in->first;
	set_page_private(h->page, kho_head_tag(0));

	for (started = 0; started < 2; started++) {
		task[started] = kho_kunit_start(kho_kunit_hammer_fn, h, started,
						true);
		if (IS_ERR(task[started]))
			break;
	}
	/* A lone thread must not wait at the start line for ever. */
	if (started < 2)
		atomic_inc(&h->ready);
	wait_var_event(&h->done, atomic_read(&h->done) == started);
	KUNIT_EXPECT_EQ_MSG(test, started, 2,
			    "cannot start a thread on each of two CPUs");
	while (started)
		kthread_stop_put(task[--started]);

	/* The last holder tagged the block again: take that back. */
	set_page_private(h->page, 0);
	in->claimed = atomic_long_read(&h->won);
	KUNIT_EXPECT_EQ_MSG(test, atomic_long_read(&h->twice), 0,
			    "the block had two holders");
	KUNIT_EXPECT_GT(test, atomic_long_read(&h->won), 0);
	kho_kunit_expect_unowned(test, in, 0, 1);
}

static struct kunit_case kho_test_cases[] = {
	KUNIT_CASE_PARAM(kho_preserve_folio_orders, kho_kunit_order_gen_params),
	KUNIT_CASE(kho_preserve_folio_twice),
	KUNIT_CASE(kho_unpreserve_never_preserved),
	KUNIT_CASE_PARAM(kho_preserve_pages_ranges, kho_kunit_range_gen_params),
	KUNIT_CASE_PARAM(kho_preserve_vmalloc_chunks, kho_kunit_vmalloc_gen_params),
	KUNIT_CASE(kho_preserve_vmalloc_huge),
	KUNIT_CASE(kho_preserve_vmalloc_rejects),
	KUNIT_CASE_PARAM(kho_alloc_preserve_sizes, kho_kunit_size_gen_params),
	KUNIT_CASE(kho_alloc_preserve_bad_sizes),
	KUNIT_CASE(kho_add_subtree_names),
	KUNIT_CASE(kho_add_subtree_bad_blob),
	KUNIT_CASE(kho_restore_folio_not_preserved),
	KUNIT_CASE(kho_restore_pages_not_preserved),
	KUNIT_CASE(kho_restore_folio_tail_page),
	KUNIT_CASE(kho_restore_atomic_context),
	KUNIT_CASE(kho_restore_pages_twice),
	KUNIT_CASE_PARAM(kho_restore_pages_wrong_count, kho_kunit_restore_gen_params),
	KUNIT_CASE(kho_restore_pages_mixed),
	KUNIT_CASE(kho_restore_concurrent),
	KUNIT_CASE(kho_restore_tag_hammer),
	KUNIT_CASE(kho_preserve_folio_nomem),
	KUNIT_CASE(kho_preserve_pages_nomem),
	KUNIT_CASE(kho_preserve_concurrent),
#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
	KUNIT_CASE(kho_debugfs_totals_lets_preservers_in),
#endif
	{}
};

static struct kunit_suite kho_test_suite = {
	.name = "kho",
	.init = kho_kunit_init,
	.test_cases = kho_test_cases,
};

kunit_test_suite(kho_test_suite);

MODULE_DESCRIPTION("KUnit tests for the KHO preservation API");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
