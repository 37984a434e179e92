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
 * What a preservation puts into the outgoing tree is not visible through the
 * public interface; these tests check return values, that preserved memory
 * is left untouched, the vmalloc descriptors (which are ABI), and that the
 * restore side refuses memory the previous kernel did not preserve.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/limits.h>
#include <linux/math.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pgtable.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

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
 * A folio filled with the pattern, put when the test ends. Orders above 0
 * may be unavailable on a small or fragmented machine: the test is then
 * skipped, quietly, since an allocation failure splat would fail the run.
 */
static struct folio *kho_kunit_folio(struct kunit *test, unsigned int order)
{
	struct folio *folio;
	int err;

	folio = folio_alloc(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, order);
	if (!folio && order)
		kunit_skip(test, "no free folio of order %u", order);
	KUNIT_ASSERT_NOT_NULL(test, folio);

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
 * again, and KHO never writes into the memory it preserves.
 */
static void kho_preserve_folio_orders(struct kunit *test)
{
	const struct kho_kunit_order_case *c = test->param_value;
	struct folio *folio = kho_kunit_folio(test, c->order);

	kho_kunit_preserve_folio(test, folio);
	kunit_release_action(test, kho_kunit_unpreserve_folio, folio);

	kho_kunit_preserve_folio(test, folio);
	kunit_release_action(test, kho_kunit_unpreserve_folio, folio);

	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/*
 * kho_preserve_folio() documents that preserving a folio twice is the same
 * as once: the second call succeeds, and a single unpreserve undoes both.
 */
static void kho_preserve_folio_twice(struct kunit *test)
{
	struct folio *folio = kho_kunit_folio(test, 0);

	kho_kunit_preserve_folio(test, folio);
	KUNIT_EXPECT_EQ(test, kho_preserve_folio(folio), 0);
	kunit_release_action(test, kho_kunit_unpreserve_folio, folio);

	/* Nothing left to undo: a second unpreserve is a no-op. */
	kho_unpreserve_folio(folio);

	kho_kunit_preserve_folio(test, folio);
	KUNIT_EXPECT_TRUE(test, kho_kunit_untouched(folio_address(folio),
						    folio_size(folio)));
}

/*
 * Guards against mainline's WARN_ON() when a block that was never preserved
 * is unpreserved: ours does nothing, for a fresh folio, a folio unpreserved
 * already and a fresh page range, and the memory can be preserved after.
 */
static void kho_unpreserve_never_preserved(struct kunit *test)
{
	struct folio *small = kho_kunit_folio(test, 0);
	struct folio *large = kho_kunit_folio(test, 3);

	kho_unpreserve_folio(small);
	kho_unpreserve_folio(large);
	kho_unpreserve_pages(folio_page(large, 1), 5);

	kho_kunit_preserve_folio(test, small);
	kunit_release_action(test, kho_kunit_unpreserve_folio, small);
	kho_unpreserve_folio(small);

	kho_kunit_preserve_folio(test, large);
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
 * aligned blocks; kho_unpreserve_pages() of the same range removes them all,
 * so the range can be preserved again.
 */
static void kho_preserve_pages_ranges(struct kunit *test)
{
	const struct kho_kunit_range_case *c = test->param_value;
	struct folio *folio = kho_kunit_folio(test, KHO_KUNIT_RANGE_ORDER);
	struct kho_kunit_range *range;
	int round, err;

	range = kunit_kzalloc(test, sizeof(*range), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, range);
	range->page = folio_page(folio, c->first);
	range->nr_pages = c->nr;

	for (round = 0; round < 2; round++) {
		KUNIT_ASSERT_EQ(test, kho_preserve_pages(range->page, range->nr_pages), 0);
		err = kunit_add_action_or_reset(test, kho_kunit_unpreserve_range,
						range);
		KUNIT_ASSERT_EQ(test, err, 0);
		kunit_release_action(test, kho_kunit_unpreserve_range, range);
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

	if (!ptr)
		kunit_skip(test, "no vmalloc area of %lu pages", nr_pages);

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
