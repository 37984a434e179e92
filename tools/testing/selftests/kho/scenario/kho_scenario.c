// SPDX-License-Identifier: GPL-2.0
/*
 * kho_scenario: one stage of a KHO kexec scenario, run at module load.
 *
 * A scenario is a chain of kernels.  Each stage loads this module once:
 *
 *  1. verify: if the previous kernel handed over a "kho-scenario" blob, every
 *     item it lists is restored through the public KHO API and its contents
 *     compared word for word with the pattern the previous kernel wrote.
 *     Items are then released to the page allocator, except the ones listed
 *     as kept, which stay allocated and are preserved again (chains).
 *  2. preserve (unless preserve=0): allocate folios of every order up to
 *     max_order, page ranges that are not order aligned, a vmalloc area and
 *     optionally many scattered order-0 pages; fill them with a pattern
 *     derived from their physical address and the stage; preserve them and
 *     describe them in a new blob, itself handed over as a named subtree.
 *     With unpreserve=1 a few extra items are preserved and then unpreserved
 *     again, to check that nothing of them survives.
 *
 * It only uses include/linux/kexec_handover.h, so the same source builds as
 * an external module for our kernel and for a stock 7.3 kernel, which is how
 * interoperability between the two is tested.  Results go to the kernel log
 * with the "kho_scenario:" prefix; the load fails with an errno when a check
 * fails, which the guest init reports as a KTAP result.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/vmalloc.h>

#define SCN_SUBTREE	"kho-scenario"
#define SCN_MAGIC	0x4b53434eU	/* "KSCN" */
#define SCN_BLOB_ORDER	4
#define SCN_MAX_ITEMS	\
	(((PAGE_SIZE << SCN_BLOB_ORDER) - sizeof(struct scn_blob)) / sizeof(struct scn_item))

enum scn_kind {
	SCN_FOLIO = 1,
	SCN_PAGES,
	SCN_VMALLOC,
	SCN_SCATTERED,	/* nr_pages order-0 pages, their pfns in a vmalloc'd array */
	SCN_GONE,	/* a folio preserved, then unpreserved: must not come back */
};

struct scn_item {
	u32 kind;
	u32 order;		/* SCN_FOLIO */
	u64 phys;		/* SCN_FOLIO, SCN_PAGES */
	u64 nr_pages;		/* SCN_PAGES, SCN_VMALLOC, SCN_SCATTERED */
	u64 seed;
	struct kho_vmalloc vm;	/* SCN_VMALLOC, SCN_SCATTERED (the pfn array) */
};

struct scn_blob {
	u32 magic;
	u32 stage;
	u32 nr_items;
	u32 reserved;
	u64 bytes;
	struct scn_item items[];
};

static unsigned int max_order = MAX_PAGE_ORDER;
module_param(max_order, uint, 0444);
MODULE_PARM_DESC(max_order, "highest folio order to preserve");

static bool preserve = true;
module_param(preserve, bool, 0444);
MODULE_PARM_DESC(preserve, "preserve a new set for the next kernel");

static bool unpreserve = true;
module_param(unpreserve, bool, 0444);
MODULE_PARM_DESC(unpreserve, "also preserve then unpreserve some memory");

static unsigned long scattered;
module_param(scattered, ulong, 0444);
MODULE_PARM_DESC(scattered, "number of scattered order-0 pages to preserve");

static unsigned int keep = 2;
module_param(keep, uint, 0444);
MODULE_PARM_DESC(keep, "keep every keep-th restored folio and hand it on (0: none)");

static unsigned int big_order;
module_param(big_order, uint, 0444);
MODULE_PARM_DESC(big_order, "also preserve an aligned range of 2^big_order pages (0: none)");

static bool stock;
module_param(stock, bool, 0444);
MODULE_PARM_DESC(stock, "running on stock 7.3, which WARNs on a restore of a wrong address");

static unsigned int cycles;
module_param(cycles, uint, 0444);
MODULE_PARM_DESC(cycles, "bench: first preserve and unpreserve this many sets of fresh scattered pages");

static char *corrupt;
module_param(corrupt, charp, 0444);
MODULE_PARM_DESC(corrupt, "stage 1: damage the handover this way (see kho_corrupt_test()); later stages: expect it dropped");

/* Only kernels with CONFIG_KHO_CORRUPT_TEST have it; stays NULL elsewhere. */
extern int kho_corrupt_test(const char *what) __weak;

static bool log_items;
module_param(log_items, bool, 0444);
MODULE_PARM_DESC(log_items, "log every folio, range and the blob handed over (for kho-report checks)");

static unsigned int stage;
module_param(stage, uint, 0444);
MODULE_PARM_DESC(stage, "stage number, mixed into the data pattern");

static u64 scn_word(u64 seed, u64 i)
{
	u64 x = seed ^ (i * 0x9e3779b97f4a7c15ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	return x;
}

static void scn_fill(void *mem, size_t bytes, u64 seed)
{
	u64 *w = mem;
	size_t i;

	for (i = 0; i < bytes / sizeof(u64); i++)
		w[i] = scn_word(seed, i);
}

static bool scn_check(const void *mem, size_t bytes, u64 seed, const char *what, u64 phys)
{
	const u64 *w = mem;
	size_t i;

	for (i = 0; i < bytes / sizeof(u64); i++) {
		if (w[i] != scn_word(seed, i)) {
			pr_err("%s at %pa: word %zu is %#llx, expected %#llx\n",
			       what, &phys, i, w[i], scn_word(seed, i));
			return false;
		}
	}
	return true;
}

/* Pages of a range, one page at a time: a range may span non-contiguous memmap. */
static void scn_fill_pages(struct page *page, unsigned long nr, u64 seed)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		scn_fill(page_address(page + i), PAGE_SIZE, seed + i);
}

static bool scn_check_pages(struct page *page, unsigned long nr, u64 seed)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		phys_addr_t phys = page_to_phys(page + i);

		if (!scn_check(page_address(page + i), PAGE_SIZE, seed + i, "page", phys))
			return false;
	}
	return true;
}

struct scn_totals {
	unsigned long items;
	u64 bytes;
};

static struct scn_blob *scn_out;
static struct scn_totals scn_kept;

/* ---- verify what the previous kernel preserved ---- */

/*
 * Preserved memory is reserved, not managed, until it is restored: each
 * restore must add exactly its pages to the managed count, or memory handed
 * back to the allocator later would be accounted wrongly.
 */
static int scn_check_managed(unsigned long before, unsigned long pages, u64 phys)
{
	unsigned long now = totalram_pages();

	if (now - before == pages)
		return 0;
	pr_err("restore at %#llx added %ld managed pages, expected %lu\n",
	       phys, (long)(now - before), pages);
	return -EIO;
}

static int scn_verify_folio(struct scn_item *it, bool hand_on)
{
	unsigned long managed = totalram_pages();
	struct folio *folio = kho_restore_folio(it->phys);
	int err;

	if (!folio) {
		pr_err("restore of folio %#llx order %u failed\n", it->phys, it->order);
		return -ENOENT;
	}
	if (folio_order(folio) != it->order) {
		pr_err("folio %#llx restored with order %u, expected %u\n",
		       it->phys, folio_order(folio), it->order);
		return -EIO;
	}
	err = scn_check_managed(managed, folio_nr_pages(folio), it->phys);
	if (err)
		return err;
	if (!scn_check(folio_address(folio), folio_size(folio), it->seed, "folio", it->phys))
		return -EIO;
	if (hand_on && scn_out && scn_out->nr_items < SCN_MAX_ITEMS &&
	    !kho_preserve_folio(folio)) {
		scn_out->items[scn_out->nr_items++] = *it;
		scn_kept.items++;
		scn_kept.bytes += folio_size(folio);
		return 0;
	}
	folio_put(folio);
	return 0;
}

static int scn_verify_pages(struct scn_item *it)
{
	unsigned long managed = totalram_pages();
	struct page *page = kho_restore_pages(it->phys, it->nr_pages);
	unsigned long i;
	int err;

	if (!page) {
		pr_err("restore of %llu pages at %#llx failed\n", it->nr_pages, it->phys);
		return -ENOENT;
	}
	err = scn_check_managed(managed, it->nr_pages, it->phys);
	if (err)
		return err;
	if (!scn_check_pages(page, it->nr_pages, it->seed))
		return -EIO;
	for (i = 0; i < it->nr_pages; i++)
		__free_page(page + i);
	return 0;
}

static int scn_verify_vmalloc(struct scn_item *it)
{
	void *mem = kho_restore_vmalloc(&it->vm);

	if (!mem) {
		pr_err("restore of a vmalloc area of %llu pages failed\n", it->nr_pages);
		return -ENOENT;
	}
	if (!scn_check(mem, it->nr_pages << PAGE_SHIFT, it->seed, "vmalloc", 0)) {
		vfree(mem);
		return -EIO;
	}
	vfree(mem);
	return 0;
}

/*
 * Memory unpreserved before the kexec is ordinary free memory here: restoring
 * it must fail.  Stock 7.3 WARNs on such a restore, so it is skipped there.
 */
static int scn_verify_gone(struct scn_item *it)
{
	struct folio *folio;

	if (stock)
		return 0;
	folio = kho_restore_folio(it->phys);
	if (folio) {
		pr_err("unpreserved folio %#llx order %u came back\n", it->phys, it->order);
		return -EIO;
	}
	return 0;
}

static int scn_verify_scattered(struct scn_item *it)
{
	u64 *pfns = kho_restore_vmalloc(&it->vm);
	unsigned long i;
	int err = 0;

	if (!pfns) {
		pr_err("restore of the scattered page list failed\n");
		return -ENOENT;
	}
	for (i = 0; i < it->nr_pages; i++) {
		struct page *page = kho_restore_pages(PFN_PHYS(pfns[i]), 1);

		if (!page) {
			pr_err("restore of scattered page %lu (pfn %#llx) failed\n", i, pfns[i]);
			err = -ENOENT;
			break;
		}
		/* Checking one word per page keeps large runs fast. */
		if (*(u64 *)page_address(page) != scn_word(it->seed, pfns[i])) {
			pr_err("scattered page pfn %#llx has wrong contents\n", pfns[i]);
			err = -EIO;
			break;
		}
		__free_page(page);
	}
	vfree(pfns);
	return err;
}

static int scn_verify(struct scn_totals *t)
{
	struct scn_blob *in;
	phys_addr_t phys;
	unsigned int i, nfolio = 0;
	size_t size;
	int err;

	err = kho_retrieve_subtree(SCN_SUBTREE, &phys, &size);
	if (err) {
		/* From stage 2 on, the previous kernel did hand a blob over. */
		pr_err("stage %u: no blob from the previous kernel: %d\n", stage, err);
		return err;
	}
	in = phys_to_virt(phys);
	if (size < sizeof(*in) || in->magic != SCN_MAGIC || in->nr_items > SCN_MAX_ITEMS) {
		pr_err("blob at %pa is not ours (size %zu)\n", &phys, size);
		return -EINVAL;
	}
	pr_info("stage %u: verifying %u items from stage %u\n", stage, in->nr_items, in->stage);
	for (i = 0; i < in->nr_items; i++) {
		struct scn_item *it = &in->items[i];

		switch (it->kind) {
		case SCN_FOLIO:
			nfolio++;
			err = scn_verify_folio(it, keep && nfolio % keep == 0);
			t->bytes += PAGE_SIZE << it->order;
			break;
		case SCN_PAGES:
			err = scn_verify_pages(it);
			t->bytes += it->nr_pages << PAGE_SHIFT;
			break;
		case SCN_VMALLOC:
			err = scn_verify_vmalloc(it);
			t->bytes += it->nr_pages << PAGE_SHIFT;
			break;
		case SCN_SCATTERED:
			err = scn_verify_scattered(it);
			t->bytes += it->nr_pages << PAGE_SHIFT;
			break;
		case SCN_GONE:
			err = scn_verify_gone(it);
			break;
		default:
			pr_err("item %u has unknown kind %u\n", i, it->kind);
			err = -EINVAL;
		}
		if (err)
			return err;
		t->items++;
	}
	kho_restore_free(in);
	return 0;
}

/* ---- preserve a new set for the next kernel ---- */

/* The item scn_new_item() returned is complete: count it and hand it on. */
static void scn_commit(struct scn_totals *t, u64 bytes)
{
	scn_out->nr_items++;
	t->items++;
	t->bytes += bytes;
}

static struct scn_item *scn_new_item(enum scn_kind kind)
{
	struct scn_item *it;

	if (scn_out->nr_items >= SCN_MAX_ITEMS)
		return NULL;
	it = &scn_out->items[scn_out->nr_items];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return it;
}

static int scn_preserve_folio(unsigned int order, bool keep_it, struct scn_totals *t)
{
	struct scn_item *it = scn_new_item(SCN_FOLIO);
	struct folio *folio;
	int err;

	if (!it)
		return -ENOSPC;
	folio = folio_alloc(GFP_KERNEL, order);
	if (!folio)
		return -ENOMEM;
	it->order = order;
	it->phys = PFN_PHYS(folio_pfn(folio));
	it->seed = it->phys ^ ((u64)stage << 56) ^ order;
	scn_fill(folio_address(folio), folio_size(folio), it->seed);
	err = kho_preserve_folio(folio);
	if (err) {
		folio_put(folio);
		return err;
	}
	if (!keep_it) {
		/*
		 * Preserved, then withdrawn: the next kernel must see it free.
		 * It stays allocated here, so that nothing preserved later in
		 * this kernel can reuse it and make it come back legitimately.
		 */
		kho_unpreserve_folio(folio);
		it->kind = SCN_GONE;
		scn_out->nr_items++;
		return 0;
	}
	scn_commit(t, folio_size(folio));
	return 0;
}

/* A range of nr pages starting off pages into a block of 2^order pages. */
static int scn_preserve_range(unsigned int order, unsigned long off, unsigned long nr,
			      struct scn_totals *t)
{
	struct scn_item *it = scn_new_item(SCN_PAGES);
	struct page *block;
	int err;

	if (!it)
		return -ENOSPC;
	if (off + nr > (1UL << order))
		return -EINVAL;
	block = alloc_pages(GFP_KERNEL, order);
	if (!block)
		return -ENOMEM;
	split_page(block, order);
	it->phys = page_to_phys(block + off);
	it->nr_pages = nr;
	it->seed = it->phys ^ ((u64)stage << 56) ^ 0x5a5a;
	scn_fill_pages(block + off, nr, it->seed);
	err = kho_preserve_pages(block + off, nr);
	if (err)
		return err;
	scn_commit(t, nr << PAGE_SHIFT);
	return 0;
}

/*
 * A naturally aligned range of 2^order pages: kho_preserve_pages() should
 * record it as a single block of an order above MAX_PAGE_ORDER.
 */
static int scn_preserve_big(unsigned int order, struct scn_totals *t)
{
	struct scn_item *it = scn_new_item(SCN_PAGES);
	unsigned long nr = 1UL << order;
	struct page *page;
	int err;

	if (!it)
		return -ENOSPC;
	page = alloc_contig_pages(nr, GFP_KERNEL | __GFP_NOWARN, first_online_node, NULL);
	if (!page) {
		pr_err("cannot allocate %lu contiguous pages\n", nr);
		return -ENOMEM;
	}
	if (page_to_pfn(page) & (nr - 1)) {
		pr_err("contiguous range at pfn %#lx is not aligned to %lu pages\n",
		       page_to_pfn(page), nr);
		free_contig_range(page_to_pfn(page), nr);
		return -EINVAL;
	}
	it->phys = page_to_phys(page);
	it->nr_pages = nr;
	it->seed = it->phys ^ ((u64)stage << 56) ^ 0xb16;
	scn_fill_pages(page, nr, it->seed);
	err = kho_preserve_pages(page, nr);
	if (err) {
		free_contig_range(page_to_pfn(page), nr);
		return err;
	}
	scn_commit(t, nr << PAGE_SHIFT);
	return 0;
}

static int scn_preserve_vmalloc(unsigned long nr, struct scn_totals *t)
{
	struct scn_item *it = scn_new_item(SCN_VMALLOC);
	void *mem;
	int err;

	if (!it)
		return -ENOSPC;
	mem = vmalloc(nr << PAGE_SHIFT);
	if (!mem)
		return -ENOMEM;
	it->nr_pages = nr;
	it->seed = ((u64)stage << 56) ^ 0xabcdef;
	scn_fill(mem, nr << PAGE_SHIFT, it->seed);
	err = kho_preserve_vmalloc(mem, &it->vm);
	if (err) {
		vfree(mem);
		return err;
	}
	scn_commit(t, nr << PAGE_SHIFT);
	return 0;
}

/*
 * For make bench: unpreserve and preserve again every one of @nr preserved
 * pages, timing each pass with the kernel's clock; only the KHO calls are
 * in the timed loops. The best of SCN_OPS_ROUNDS rounds is reported: under
 * TCG a round is easily slowed by the host, never sped up.
 */
#define SCN_OPS_ROUNDS 9

static int scn_time_ops(const u64 *pfns, unsigned long nr)
{
	u64 best_un = U64_MAX, best_pre = U64_MAX, t0, t1, t2;
	unsigned long i;
	int round, err = 0;

	for (round = 0; round < SCN_OPS_ROUNDS && !err; round++) {
		t0 = ktime_get_ns();
		for (i = 0; i < nr; i++)
			kho_unpreserve_pages(pfn_to_page(pfns[i]), 1);
		t1 = ktime_get_ns();
		for (i = 0; i < nr && !err; i++)
			err = kho_preserve_pages(pfn_to_page(pfns[i]), 1);
		t2 = ktime_get_ns();
		best_un = min(best_un, t1 - t0);
		best_pre = min(best_pre, t2 - t1);
		cond_resched();
	}
	pr_info("bench: %lu pages: unpreserve %llu ns, preserve %llu ns\n",
		nr, best_un, best_pre);
	return err;
}

/*
 * For make bench: preserve and then unpreserve @cycles sets of @nr fresh
 * scattered pages each, to show whether the tree keeps what they needed.
 * The pages stay allocated, so that every set lies elsewhere.
 */
static int scn_cycles(unsigned long nr)
{
	unsigned int c;
	unsigned long i;
	struct page **pages;
	int err = 0;

	pages = vmalloc_array(nr, sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	for (c = 0; c < cycles && !err; c++) {
		for (i = 0; i < nr; i++) {
			pages[i] = alloc_pages(GFP_KERNEL, 1);
			if (!pages[i]) {
				err = -ENOMEM;
				break;
			}
			split_page(pages[i], 1);
		}
		nr = i;
		for (i = 0; i < nr && !err; i++)
			err = kho_preserve_pages(pages[i], 1);
		for (i = 0; i < nr; i++)
			kho_unpreserve_pages(pages[i], 1);
		cond_resched();
	}
	vfree(pages);
	pr_info("bench: %u cycles of %lu pages preserved and unpreserved: %d\n",
		cycles, nr, err);
	return err;
}

/*
 * Scattered order-0 pages: allocate pairs and preserve only the first page of
 * each, so that no two preserved pages are adjacent.  The second page of each
 * pair stays allocated in this kernel and is free memory in the next one.
 */
static int scn_preserve_scattered(unsigned long nr, struct scn_totals *t)
{
	struct scn_item *it = scn_new_item(SCN_SCATTERED);
	unsigned long i;
	u64 *pfns;
	int err;

	if (!it)
		return -ENOSPC;
	pfns = vmalloc_array(nr, sizeof(*pfns));
	if (!pfns)
		return -ENOMEM;
	it->nr_pages = nr;
	it->seed = ((u64)stage << 56) ^ 0x5ca7;
	for (i = 0; i < nr; i++) {
		struct page *pair = alloc_pages(GFP_KERNEL, 1);

		if (!pair)
			return -ENOMEM;
		split_page(pair, 1);
		pfns[i] = page_to_pfn(pair);
		*(u64 *)page_address(pair) = scn_word(it->seed, pfns[i]);
		err = kho_preserve_pages(pair, 1);
		if (err)
			return err;
		cond_resched();
	}
	err = scn_time_ops(pfns, nr);
	if (err)
		return err;
	err = kho_preserve_vmalloc(pfns, &it->vm);
	if (err)
		return err;
	scn_commit(t, nr << PAGE_SHIFT);
	return 0;
}

static int scn_preserve(struct scn_totals *t)
{
	unsigned int order;
	int err;

	for (order = 0; order <= max_order; order++) {
		err = scn_preserve_folio(order, true, t);
		if (err)
			return err;
		if (unpreserve && order % 3 == 0) {
			err = scn_preserve_folio(order, false, t);
			if (err)
				return err;
		}
	}
	/* Ranges whose ends are not order aligned. */
	err = scn_preserve_range(6, 3, 37, t);
	if (!err)
		err = scn_preserve_range(9, 1, 500, t);
	if (!err)
		err = scn_preserve_range(4, 5, 1, t);
	if (!err)
		err = scn_preserve_vmalloc(77, t);
	if (!err && scattered)
		err = scn_preserve_scattered(scattered, t);
	/* After the set, so that it lies where it lies without cycles too. */
	if (!err && cycles)
		err = scn_cycles(scattered ?: 4096);
	if (!err && big_order)
		err = scn_preserve_big(big_order, t);
	return err;
}

/*
 * One line per item handed over, for scripts/report-check.py to find in
 * kho-report's view of the handover. Vmalloc areas and scattered pages are
 * left out: their pages are anywhere, and the totals cover them.
 */
static void scn_log_items(void)
{
	const struct scn_item *it;
	unsigned int i;

	for (i = 0; i < scn_out->nr_items; i++) {
		it = &scn_out->items[i];
		if (it->kind == SCN_FOLIO || it->kind == SCN_GONE)
			pr_info("item stage=%u %s phys=%#llx order=%u\n", stage,
				it->kind == SCN_FOLIO ? "folio" : "gone", it->phys, it->order);
		else if (it->kind == SCN_PAGES)
			pr_info("item stage=%u pages phys=%#llx pages=%llu\n", stage,
				it->phys, it->nr_pages);
	}
	pr_info("item stage=%u blob phys=%#llx order=%u\n", stage,
		(u64)virt_to_phys(scn_out), SCN_BLOB_ORDER);
}

/*
 * A last stage booted with kho=off (plan entry "ours+kho=off"): the kernel
 * must have ignored the handover whole, as if it had booted cold.
 */
static int scn_check_kho_off(void)
{
	phys_addr_t phys;
	size_t size;

	if (is_kho_boot()) {
		pr_err("stage %u: KHO is off, yet the handover was taken\n", stage);
		return -EINVAL;
	}
	if (!kho_retrieve_subtree(SCN_SUBTREE, &phys, &size)) {
		pr_err("stage %u: KHO is off, yet the blob of stage %u is visible\n",
		       stage, stage - 1);
		return -EINVAL;
	}
	pr_info("stage %u: KHO is off and the handover was ignored\n", stage);
	return 0;
}

static int __init kho_scenario_init(void)
{
	struct scn_totals in = { }, out = { };
	int err;

	if (!kho_is_enabled()) {
		if (stage > 1 && !preserve)
			return scn_check_kho_off();
		pr_err("KHO is not enabled\n");
		return -EOPNOTSUPP;
	}
	if (preserve) {
		scn_out = kho_alloc_preserve(PAGE_SIZE << SCN_BLOB_ORDER);
		if (IS_ERR(scn_out)) {
			err = PTR_ERR(scn_out);
			scn_out = NULL;
			return err;
		}
		scn_out->magic = SCN_MAGIC;
		scn_out->stage = stage;
	}

	if (corrupt && stage > 1) {
		/* The damaged handover must be gone: a cold boot's view. */
		if (is_kho_boot()) {
			pr_err("stage %u: a handover damaged by %s was accepted\n",
			       stage, corrupt);
			return -EINVAL;
		}
		pr_info("stage %u: the handover damaged by %s was dropped\n",
			stage, corrupt);
		return 0;
	}

	if (stage > 1 && !is_kho_boot()) {
		pr_err("stage %u: this kernel was not booted through a KHO kexec\n", stage);
		return -ENOENT;
	}
	err = stage > 1 ? scn_verify(&in) : 0;
	if (err)
		return err;
	pr_info("stage %u: verified %lu items, %llu bytes (kept %lu items, %llu bytes)\n",
		stage, in.items, in.bytes, scn_kept.items, scn_kept.bytes);
	if (!preserve)
		return 0;

	err = scn_preserve(&out);
	if (err) {
		pr_err("stage %u: preserve failed: %d\n", stage, err);
		return err;
	}
	scn_out->bytes = out.bytes + scn_kept.bytes;
	err = kho_add_subtree(SCN_SUBTREE, scn_out, PAGE_SIZE << SCN_BLOB_ORDER);
	if (err) {
		pr_err("stage %u: kho_add_subtree failed: %d\n", stage, err);
		return err;
	}
	pr_info("stage %u: preserved %lu new items, %llu bytes; %u items handed over\n",
		stage, out.items, out.bytes, scn_out->nr_items);
	if (log_items)
		scn_log_items();
	if (corrupt) {
		if (!kho_corrupt_test)
			return -EOPNOTSUPP;
		err = kho_corrupt_test(corrupt);
	}
	return err;
}
module_init(kho_scenario_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One stage of a KHO kexec scenario");
