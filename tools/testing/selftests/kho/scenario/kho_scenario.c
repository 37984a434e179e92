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
#include <linux/memblock.h>
#include <linux/vmstat.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#ifdef KHO_SCN_OURS
#include <linux/fs.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#endif

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
	SCN_FOLIOS,	/* nr_pages folios of one order, their pfns in a low folio at phys */
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
	u32 victim;		/* 1 + index of the item the damage costs, or 0 */
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

static unsigned int fill;
module_param(fill, uint, 0444);
MODULE_PARM_DESC(fill, "also preserve order-9 folios on every node until this percent of RAM is preserved (0: none)");

static bool full;
module_param(full, bool, 0444);
MODULE_PARM_DESC(full, "check every byte of scattered pages too, not one word each");

static bool tolerant;
module_param(tolerant, bool, 0444);
MODULE_PARM_DESC(tolerant, "later stages: a handover that was dropped, or items refused, pass if logged; what comes back must be right");

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
MODULE_PARM_DESC(corrupt, "stage 1: damage the handover this way (see scn_damage()); stage 2: expect what that damage costs");

static bool log_items;
module_param(log_items, bool, 0444);
MODULE_PARM_DESC(log_items, "log every folio, range and the blob handed over (for kho-report checks)");

static unsigned int stage;
module_param(stage, uint, 0444);
MODULE_PARM_DESC(stage, "stage number, mixed into the data pattern");

static char *rmem;
module_param(rmem, charp, 0444);
MODULE_PARM_DESC(rmem, "a reserve_mem= region of this name: check what the previous stage wrote in it, then write it");

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

/* Items memory this kernel does not have (booted with mem=) may not come back. */
static struct {
	unsigned long absent;
	unsigned long refused;
} scn_lost;

static bool scn_absent(u64 phys, u64 bytes)
{
	return !pfn_to_online_page(PHYS_PFN(phys)) ||
	       !pfn_to_online_page(PHYS_PFN(phys + bytes - 1));
}

/*
 * Regression test for issue 13 defect 6: every page of a block was
 * initialised with the node of its first pfn, so a successor with another
 * topology (numa=off, other SRAT) got tail pages on the wrong node and zone.
 *
 * A restored page must carry the node and zone this kernel sees for it,
 * whatever topology the previous kernel had.
 */
static bool scn_page_placed(struct page *page)
{
	unsigned long pfn = page_to_pfn(page);
	int nid = page_to_nid(page);
	struct zone *zone;

	if (nid < 0 || nid >= MAX_NUMNODES || !node_online(nid))
		goto wrong;
	zone = &NODE_DATA(nid)->node_zones[page_zonenum(page)];
	if (zone_spans_pfn(zone, pfn))
		return true;
wrong:
	pr_err("page %#lx restored on node %d zone %u, which do not hold it\n",
	       pfn, nid, page_zonenum(page));
	return false;
}

static bool scn_pages_placed(struct page *page, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		if (!scn_page_placed(page + i))
			return false;
	return true;
}

/*
 * A restore that failed: fine for memory this kernel lacks, and in tolerant
 * runs (fault injection), where it is counted; an error otherwise.
 */
static int scn_missing(u64 phys, u64 bytes, const char *what)
{
	if (scn_absent(phys, bytes)) {
		scn_lost.absent++;
		return 0;
	}
	if (tolerant) {
		scn_lost.refused++;
		return 0;
	}
	pr_err("restore of %s at %#llx failed\n", what, phys);
	return -ENOENT;
}

/*
 * The restores of a stage, timed apart from the checks of the contents
 * (make bench: the time until every block is restored).
 */
static u64 scn_restore_ns;
static unsigned long scn_restores;

static struct folio *scn_restore_folio(phys_addr_t phys)
{
	u64 t0 = ktime_get_ns();
	struct folio *folio = kho_restore_folio(phys);

	scn_restore_ns += ktime_get_ns() - t0;
	scn_restores++;
	return folio;
}

static struct page *scn_restore_pages(phys_addr_t phys, unsigned long nr)
{
	u64 t0 = ktime_get_ns();
	struct page *page = kho_restore_pages(phys, nr);

	scn_restore_ns += ktime_get_ns() - t0;
	scn_restores++;
	return page;
}

static int scn_verify_folio(struct scn_item *it, bool hand_on)
{
	unsigned long managed = totalram_pages();
	struct folio *folio = scn_restore_folio(it->phys);
	int err;

	if (!folio)
		return scn_missing(it->phys, PAGE_SIZE << it->order, "folio");
	if (scn_absent(it->phys, PAGE_SIZE << it->order)) {
		pr_err("folio %#llx came back from memory this kernel lacks\n", it->phys);
		return -EIO;
	}
	if (!scn_pages_placed(&folio->page, folio_nr_pages(folio)))
		return -EIO;
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
	struct page *page = scn_restore_pages(it->phys, it->nr_pages);
	unsigned long i;
	int err;

	if (!page)
		return scn_missing(it->phys, it->nr_pages << PAGE_SHIFT, "pages");
	if (!scn_pages_placed(page, it->nr_pages))
		return -EIO;
	err = scn_check_managed(managed, it->nr_pages, it->phys);
	if (err)
		return err;
	if (!scn_check_pages(page, it->nr_pages, it->seed))
		return -EIO;
	for (i = 0; i < it->nr_pages; i++)
		__free_page(page + i);
	return 0;
}

/* Whether a preserved vmalloc area has a page this kernel lacks. */
static bool scn_vmalloc_absent(const struct kho_vmalloc *vm)
{
	const struct kho_vmalloc_chunk *chunk;
	u64 phys = vm->first.phys;
	unsigned int i;

	for (; phys; phys = chunk->hdr.next.phys) {
		if (scn_absent(phys, PAGE_SIZE))
			return true;
		chunk = phys_to_virt(phys);
		for (i = 0; i < KHO_VMALLOC_SIZE && chunk->phys[i]; i++)
			if (scn_absent(chunk->phys[i], PAGE_SIZE << vm->order))
				return true;
	}
	return false;
}

static int scn_vmalloc_missing(struct scn_item *it, const char *what)
{
	if (scn_vmalloc_absent(&it->vm)) {
		scn_lost.absent++;
		return 0;
	}
	if (tolerant) {
		scn_lost.refused++;
		return 0;
	}
	pr_err("restore of %s of %llu pages failed\n", what, it->nr_pages);
	return -ENOENT;
}

static int scn_verify_vmalloc(struct scn_item *it)
{
	void *mem;

	if (scn_vmalloc_absent(&it->vm))
		return scn_vmalloc_missing(it, "a vmalloc area");
	mem = kho_restore_vmalloc(&it->vm);
	if (!mem)
		return scn_vmalloc_missing(it, "a vmalloc area");
	if (!scn_check(mem, it->nr_pages << PAGE_SHIFT, it->seed, "vmalloc", 0)) {
		vfree(mem);
		return -EIO;
	}
	vfree(mem);
	return 0;
}

/*
 * Memory unpreserved before the kexec is ordinary free memory here: restoring
 * it must fail.  Stock 7.3 WARNs on such a restore, so there its head page
 * must merely lack the mark stock gives preserved blocks.
 */
/* Stock 7.3's mark of a preserved head page, in the top half of ->private. */
#define SCN_STOCK_MAGIC	0x4b484f50U

static int scn_verify_gone(struct scn_item *it)
{
	struct folio *folio;
	struct page *page;

	if (stock) {
		page = pfn_to_online_page(PHYS_PFN(it->phys));
		if (page && upper_32_bits(page_private(page)) == SCN_STOCK_MAGIC) {
			pr_err("unpreserved folio %#llx is marked preserved\n", it->phys);
			return -EIO;
		}
		return 0;
	}
	folio = kho_restore_folio(it->phys);
	if (folio) {
		pr_err("unpreserved folio %#llx order %u came back\n", it->phys, it->order);
		return -EIO;
	}
	return 0;
}

static int scn_verify_scattered(struct scn_item *it)
{
	unsigned long i;
	int err = 0;
	u64 *pfns;

	/* Its list is gone with the memory; its pages cannot be found. */
	if (scn_vmalloc_absent(&it->vm))
		return scn_vmalloc_missing(it, "the scattered page list");
	pfns = kho_restore_vmalloc(&it->vm);
	if (!pfns)
		return scn_vmalloc_missing(it, "the scattered page list");
	for (i = 0; i < it->nr_pages && !err; i++) {
		struct page *page = scn_restore_pages(PFN_PHYS(pfns[i]), 1);

		if (!page) {
			err = scn_missing(PFN_PHYS(pfns[i]), PAGE_SIZE, "scattered page");
			continue;
		}
		if (!scn_page_placed(page))
			err = -EIO;
		/* Unless full=1, one word per page keeps large runs fast. */
		else if (full ? !scn_check(page_address(page), PAGE_SIZE, it->seed ^ pfns[i],
					   "scattered page", PFN_PHYS(pfns[i])) :
			 *(u64 *)page_address(page) != scn_word(it->seed, pfns[i])) {
			pr_err("scattered page pfn %#llx has wrong contents\n", pfns[i]);
			err = -EIO;
		}
		__free_page(page);
		if (!(i % 4096))
			cond_resched();
	}
	vfree(pfns);
	return err;
}

/* The pfn list of a SCN_FOLIOS item: a folio of its own, in low memory. */
static unsigned int scn_list_order(u64 nr)
{
	return get_order(max_t(u64, nr, 1) * sizeof(u64));
}

static int scn_verify_folios(struct scn_item *it, struct scn_totals *t)
{
	struct folio *list = scn_restore_folio(it->phys), *folio;
	unsigned long bytes = PAGE_SIZE << it->order;
	u64 *pfns, i;
	int err = 0;

	if (!list) {
		pr_err("restore of the list of %llu folios failed\n", it->nr_pages);
		return -ENOENT;
	}
	pfns = folio_address(list);
	for (i = 0; i < it->nr_pages && !err; i++) {
		folio = scn_restore_folio(PFN_PHYS(pfns[i]));
		if (!folio) {
			err = scn_missing(PFN_PHYS(pfns[i]), bytes, "folio");
			continue;
		}
		if (folio_order(folio) != it->order ||
		    !scn_pages_placed(&folio->page, folio_nr_pages(folio)) ||
		    !scn_check(folio_address(folio), bytes, it->seed ^ pfns[i], "folio",
			       PFN_PHYS(pfns[i])))
			err = -EIO;
		else
			t->bytes += bytes;
		folio_put(folio);
		cond_resched();
	}
	folio_put(list);
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

		if (in->victim == i + 1) {
			/* What the damage named must be refused, and only it. */
			if (kho_restore_pages(it->phys, it->nr_pages)) {
				pr_err("pages at %#llx came back, though the damage named them\n",
				       it->phys);
				return -EIO;
			}
			pr_info("stage %u: the damaged pages at %#llx were refused\n",
				stage, it->phys);
			continue;
		}
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
		case SCN_FOLIOS:
			err = scn_verify_folios(it, t);
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
		if (full)
			scn_fill(page_address(pair), PAGE_SIZE, it->seed ^ pfns[i]);
		else
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

/* A zeroed, preserved folio below 4 GiB, where a mem= successor still has it. */
static struct folio *scn_alloc_low(unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL | __GFP_DMA32 | __GFP_ZERO, order);

	if (folio && kho_preserve_folio(folio)) {
		folio_put(folio);
		folio = NULL;
	}
	return folio;
}

/* GiB windows a fill can account for: 64 GiB of guest memory. */
#define SCN_FILL_GIBS	64
/* Marks, while choosing, the first folio of a GiB in the pfn list. */
#define SCN_FIRST	BIT_ULL(63)

#define SCN_GIB(pfn)	((pfn) >> (30 - PAGE_SHIFT))

/*
 * The shape of a host: the set must have blocks in every GiB in which the
 * page allocator could give the fill memory (@want: scratch, which is
 * CMA, and memory in use are not), not in one corner of it.
 */
static int scn_fill_spread(const u64 *pfns, unsigned long nr, const unsigned long *want)
{
	DECLARE_BITMAP(hit, SCN_FILL_GIBS) = { };
	unsigned long i, g, missed = 0;

	for (i = 0; i < nr; i++)
		if (SCN_GIB(pfns[i]) < SCN_FILL_GIBS)
			__set_bit(SCN_GIB(pfns[i]), hit);
	/* And the other blocks of the set: the big one may fill a GiB alone. */
	for (i = 0; i < scn_out->nr_items; i++) {
		const struct scn_item *it = &scn_out->items[i];
		u64 end = it->phys + (it->kind == SCN_PAGES ? it->nr_pages << PAGE_SHIFT :
				      PAGE_SIZE << it->order);

		if (it->kind != SCN_FOLIO && it->kind != SCN_PAGES)
			continue;
		for (g = it->phys >> 30; g < SCN_FILL_GIBS && g << 30 < end; g++)
			__set_bit(g, hit);
	}
	for_each_set_bit(g, want, SCN_FILL_GIBS) {
		if (!test_bit(g, hit)) {
			pr_err("stage %u: the fill left GiB %lu without a block\n", stage, g);
			missed++;
		}
	}
	pr_info("stage %u: the set has blocks in %lu of the %u GiB the fill could use\n",
		stage, bitmap_weight(want, SCN_FILL_GIBS) - missed,
		bitmap_weight(want, SCN_FILL_GIBS));
	return missed ? -EAGAIN : 0;
}

/* Free memory a fill leaves to everyone else: 96 MiB. */
#define SCN_FILL_MARGIN	((96UL << 20) >> PAGE_SHIFT)

static int scn_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Order-9 folios until @pages pages are preserved, spread over all of RAM as
 * a host's VM memory is: every node is drained in turn (down to a margin),
 * then the folios to keep are taken evenly by address and the others freed.
 * Their pfns go into a list in low memory.
 */
static int scn_preserve_fill(unsigned long pages, struct scn_totals *t)
{
	const unsigned int order = 9;
	unsigned long max = pages >> order, all = totalram_pages() >> order;
	unsigned long nr = 0, i, kept;
	DECLARE_BITMAP(want, SCN_FILL_GIBS) = { };
	struct scn_item *it = scn_new_item(SCN_FOLIOS);
	nodemask_t nodes = node_states[N_MEMORY];
	int nid = first_node(nodes);
	struct folio *list, *folio;
	u64 *pfns;
	int err;

	if (!it)
		return -ENOSPC;
	list = scn_alloc_low(scn_list_order(all));
	if (!list)
		return -ENOMEM;
	pfns = folio_address(list);
	it->order = order;
	it->phys = PFN_PHYS(folio_pfn(list));
	it->seed = ((u64)stage << 56) ^ 0xf111;
	while (nr < all && !nodes_empty(nodes)) {
		/* Leave the rest of the kernel room to run. */
		if (global_zone_page_state(NR_FREE_PAGES) < SCN_FILL_MARGIN)
			break;
		/*
		 * Unmovable: movable memory may come from scratch (CMA), which
		 * an owner would have to pin, and so migrate, first.
		 */
		folio = __folio_alloc_node(GFP_KERNEL | __GFP_THISNODE |
					   __GFP_NORETRY | __GFP_NOWARN, order, nid);
		if (!folio)
			node_clear(nid, nodes);
		else
			pfns[nr++] = folio_pfn(folio);
		nid = next_node_in(nid, nodes);
		if (!(nr % 64))
			cond_resched();
	}
	/*
	 * Keep @max of them: the first of every GiB, then evenly by address;
	 * free the rest.
	 */
	sort(pfns, nr, sizeof(*pfns), scn_cmp_u64, NULL);
	for (i = 0; i < nr; i++) {
		if (SCN_GIB(pfns[i]) < SCN_FILL_GIBS &&
		    !__test_and_set_bit(SCN_GIB(pfns[i]), want))
			pfns[i] |= SCN_FIRST;
	}
	kept = 0;
	for (i = 0; i < nr; i++) {
		bool first = pfns[i] & SCN_FIRST;
		u64 pfn = pfns[i] & ~SCN_FIRST;

		if (first || (kept < max && (u64)kept * nr <= (u64)i * max)) {
			pfns[kept++] = pfn;
			continue;
		}
		folio_put(pfn_folio(pfn));
	}
	for (i = 0; i < kept; i++) {
		folio = pfn_folio(pfns[i]);
		scn_fill(folio_address(folio), folio_size(folio), it->seed ^ pfns[i]);
		err = kho_preserve_folio(folio);
		if (err)
			return err;
		if (!(i % 64))
			cond_resched();
	}
	it->nr_pages = kept;
	pr_info("stage %u: preserved %lu order-%u folios of %lu allocated on %u nodes\n",
		stage, kept, order, nr, num_node_state(N_MEMORY));
	scn_commit(t, kept << (PAGE_SHIFT + order));
	return scn_fill_spread(pfns, kept, want);
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
	/* Before the fill, which leaves no contiguous memory. */
	if (!err && big_order)
		err = scn_preserve_big(big_order, t);
	if (!err && fill) {
		unsigned long target = totalram_pages() / 100 * fill;

		err = scn_preserve_fill(target > t->bytes >> PAGE_SHIFT ?
					target - (t->bytes >> PAGE_SHIFT) : 0, t);
	}
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

/* ---- damage the handover, through its ABI only ---- */

#ifdef KHO_SCN_OURS
/*
 * The damaged-handover scenarios: stage 1 breaks the handover it is about to
 * pass in one named way, using nothing but the ABI (the FDT and the tree in
 * memory: the guest init reads the tree's root from KHO's debugfs view of
 * the FDT and writes it to damage_root), and stage 2 checks that the next
 * kernel refused exactly what the damage names.
 */
#define SCN_NOWHERE	BIT_ULL(46)	/* page aligned, far above any test guest's RAM */
#define SCN_FDT_NOP	4		/* the FDT structure token that is skipped */

struct scn_dmg {
	struct kho_radix_node *root;
	void *fdt;			/* the outgoing FDT page itself */
	phys_addr_t victim;		/* an order-9 block, alone in its order */
	phys_addr_t decoy;		/* an order-10 folio, visited before it */
	phys_addr_t scratch;		/* the start of the first scratch area */
};

static unsigned int scn_index(unsigned long key, unsigned int level)
{
	return (key >> kho_radix_level_shift(level)) &
	       ((level ? KHO_RADIX_TABLE_ENTRIES : KHO_RADIX_LEAF_BITS) - 1);
}

/*
 * The entry that points at the page of @level on @key's path; with @grow,
 * missing tables on the way are added (plain pages: tree pages are never
 * preserved).
 */
static u64 *scn_slot(struct kho_radix_node *root, unsigned long key,
		     unsigned int level, bool grow)
{
	struct kho_radix_node *table = root;
	unsigned int l;
	void *page;
	u64 *e;

	for (l = KHO_RADIX_TOP_LEVEL; ; l--) {
		e = &table->table[scn_index(key, l)];
		if (l == level + 1)
			return e;
		if (!*e) {
			page = grow ? (void *)get_zeroed_page(GFP_KERNEL) : NULL;
			if (!page)
				return NULL;
			*e = virt_to_phys(page);
		}
		table = phys_to_virt(*e);
	}
}

static int scn_add_key(struct scn_dmg *d, phys_addr_t phys, unsigned int order)
{
	unsigned long key = kho_radix_encode_key(phys, order);
	struct kho_radix_leaf *leaf;
	u64 *e = scn_slot(d->root, key, 0, true);
	void *page;

	if (!e)
		return -ENOMEM;
	if (!*e) {
		page = (void *)get_zeroed_page(GFP_KERNEL);
		if (!page)
			return -ENOMEM;
		*e = virt_to_phys(page);
	}
	leaf = phys_to_virt(*e);
	set_bit(scn_index(key, 0), leaf->bitmap);
	return 0;
}

/* The entry pointing at the leaf that holds the block's key. */
static u64 *scn_leaf_slot(struct scn_dmg *d, phys_addr_t phys, unsigned int order)
{
	return scn_slot(d->root, kho_radix_encode_key(phys, order), 0, false);
}

static void *scn_fdt_prop(void *fdt, const char *name, __be32 **len);

/* Whether the page at @page is a kho-v4 FDT whose tree has its root at @root. */
static bool scn_is_fdt(void *page, phys_addr_t root)
{
	__be32 *len;
	void *v;

	if (be32_to_cpup(page) != 0xd00dfeed)
		return false;
	v = scn_fdt_prop(page, "compatible", &len);
	if (!v || strcmp(v, KHO_FDT_COMPATIBLE))
		return false;
	v = scn_fdt_prop(page, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);
	return v && be32_to_cpu(*len) == sizeof(u64) && get_unaligned((u64 *)v) == root;
}

/* The order-0 preserved page that holds the FDT of the tree at @root. */
static void *scn_find_fdt(struct kho_radix_node *table, unsigned int level,
			  unsigned long base, phys_addr_t root)
{
	unsigned long key, bit;
	unsigned int order, i;
	phys_addr_t phys;
	void *found;

	for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++) {
		if (!table->table[i])
			continue;
		key = base | (unsigned long)i << kho_radix_level_shift(level);
		if (level > 1) {
			found = scn_find_fdt(phys_to_virt(table->table[i]), level - 1,
					     key, root);
			if (found)
				return found;
			continue;
		}
		for_each_set_bit(bit, ((struct kho_radix_leaf *)
				       phys_to_virt(table->table[i]))->bitmap,
				 KHO_RADIX_LEAF_BITS) {
			if (kho_radix_decode_key(key | bit, &phys, &order) || order)
				continue;
			if (scn_is_fdt(phys_to_virt(phys), root))
				return phys_to_virt(phys);
		}
	}
	return NULL;
}

/*
 * A property of the FDT's root node, found by walking the structure block
 * (libfdt is not there for modules): its value, and through @len its
 * length field; NULL if there is no such property.
 */
static void *scn_fdt_prop(void *fdt, const char *name, __be32 **len)
{
	u32 off = be32_to_cpup(fdt + 8), strings = be32_to_cpup(fdt + 12);
	unsigned int depth = 0;
	u32 tag, plen, nameoff;

	while (off + 12 <= PAGE_SIZE) {
		tag = be32_to_cpup(fdt + off);
		off += 4;
		switch (tag) {
		case 1:		/* FDT_BEGIN_NODE: a name, NUL-padded to 4 */
			depth++;
			off += ALIGN(strnlen(fdt + off, PAGE_SIZE - off) + 1, 4);
			break;
		case 2:		/* FDT_END_NODE */
			depth--;
			break;
		case 3:		/* FDT_PROP: len, nameoff, value padded to 4 */
			plen = be32_to_cpup(fdt + off);
			nameoff = be32_to_cpup(fdt + off + 4);
			if (depth == 1 && strings + nameoff < PAGE_SIZE &&
			    !strcmp(fdt + strings + nameoff, name)) {
				*len = fdt + off;
				return fdt + off + 8;
			}
			off += 8 + ALIGN(plen, 4);
			break;
		case SCN_FDT_NOP:
			break;
		default:	/* FDT_END, or garbage */
			return NULL;
		}
	}
	return NULL;
}

static int scn_dmg_compatible(struct scn_dmg *d)
{
	__be32 *len;
	char *s = scn_fdt_prop(d->fdt, "compatible", &len);

	if (!s)
		return -ENOENT;
	s[sizeof(KHO_FDT_COMPATIBLE) - 2] = '0';
	return 0;
}

/* A name nothing asks for: "preserved-memory-maq". */
static int scn_dmg_no_map(struct scn_dmg *d)
{
	void *fdt = d->fdt;
	__be32 *len;
	char *name;

	if (!scn_fdt_prop(fdt, KHO_FDT_MEMORY_MAP_PROP_NAME, &len))
		return -ENOENT;
	name = fdt + be32_to_cpup(fdt + 12) + be32_to_cpu(len[1]);
	name[strlen(name) - 1]++;
	return 0;
}

static int scn_dmg_map_size(struct scn_dmg *d)
{
	__be32 *len, *v = scn_fdt_prop(d->fdt, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);

	if (!v)
		return -ENOENT;
	/* len 4, and the second half of the value becomes a no-op token. */
	len[0] = cpu_to_be32(4);
	v[1] = cpu_to_be32(SCN_FDT_NOP);
	return 0;
}

static int scn_dmg_set_root(struct scn_dmg *d, u64 root)
{
	__be32 *len;
	void *v = scn_fdt_prop(d->fdt, KHO_FDT_MEMORY_MAP_PROP_NAME, &len);

	if (!v)
		return -ENOENT;
	/* The ABI's u64 is in the CPU's byte order. */
	put_unaligned(root, (u64 *)v);
	return 0;
}

static int scn_dmg_root_misaligned(struct scn_dmg *d)
{
	return scn_dmg_set_root(d, virt_to_phys(d->root) + 8);
}

static int scn_dmg_root_outside(struct scn_dmg *d)
{
	return scn_dmg_set_root(d, SCN_NOWHERE);
}

static int scn_dmg_victim_entry(struct scn_dmg *d, u64 value, bool add)
{
	u64 *e = scn_leaf_slot(d, d->victim, 9);

	if (!e || !*e)
		return -ENOENT;
	*e = add ? *e + value : value;
	return 0;
}

static int scn_dmg_entry_misaligned(struct scn_dmg *d)
{
	return scn_dmg_victim_entry(d, 8, true);
}

static int scn_dmg_entry_outside(struct scn_dmg *d)
{
	return scn_dmg_victim_entry(d, SCN_NOWHERE, false);
}

static int scn_dmg_entry_scratch(struct scn_dmg *d)
{
	return d->scratch ? scn_dmg_victim_entry(d, d->scratch + PAGE_SIZE, false) : -ENOENT;
}

/* The decoy's leaf comes first in the walk: the victim's entry repeats it. */
static int scn_dmg_entry_twice(struct scn_dmg *d)
{
	u64 *e = scn_leaf_slot(d, d->decoy, 10);

	return e && *e ? scn_dmg_victim_entry(d, *e, false) : -ENOENT;
}

/* A root entry for keys wider than any key, to a page of its own. */
static int scn_dmg_key_beyond(struct scn_dmg *d)
{
	void *page = (void *)get_zeroed_page(GFP_KERNEL);

	if (!page)
		return -ENOMEM;
	d->root->table[KHO_RADIX_TABLE_ENTRIES - 1] = virt_to_phys(page);
	return 0;
}

static int scn_dmg_block_outside(struct scn_dmg *d)
{
	return scn_add_key(d, SCN_NOWHERE, 0);
}

static int scn_dmg_block_scratch(struct scn_dmg *d)
{
	return d->scratch ? scn_add_key(d, d->scratch, 0) : -ENOENT;
}

/* An order-10 block around the victim: the larger one is kept. */
static int scn_dmg_block_overlap(struct scn_dmg *d)
{
	return scn_add_key(d, d->victim & ~((PAGE_SIZE << 10) - 1), 10);
}

static int scn_dmg_tree_page(struct scn_dmg *d)
{
	return scn_add_key(d, virt_to_phys(d->root), 0);
}

/*
 * The FDT page, for the guest init to hide from the next kernel (memmap=
 * makes it reserved, not RAM): a handover whose FDT lies outside the
 * successor's RAM, which it would read for the whole uptime.
 */
static unsigned long hide;
module_param(hide, ulong, 0444);
MODULE_PARM_DESC(hide, "stage 1, after damage_root: a page the next kernel is booted without, or 0");

static int scn_dmg_fdt_outside(struct scn_dmg *d)
{
	hide = virt_to_phys(d->fdt);
	return 0;
}

/*
 * Each class of damage, whether the next kernel must then ignore the whole
 * handover, and whether it costs the victim folio (everything else must
 * come back in any case). scripts/corrupt-scenarios.sh has the log line
 * each class must produce.
 */
static const struct scn_damage {
	const char *name;
	bool drops;
	bool victim;
	int (*apply)(struct scn_dmg *d);
} scn_damages[] = {
	{ "fdt-compatible", true, false, scn_dmg_compatible },
	{ "fdt-no-map", true, false, scn_dmg_no_map },
	{ "fdt-map-size", true, false, scn_dmg_map_size },
	{ "fdt-outside-ram", true, false, scn_dmg_fdt_outside },
	{ "root-misaligned", true, false, scn_dmg_root_misaligned },
	{ "root-outside-ram", true, false, scn_dmg_root_outside },
	{ "entry-misaligned", false, true, scn_dmg_entry_misaligned },
	{ "entry-outside-ram", false, true, scn_dmg_entry_outside },
	{ "entry-in-scratch", false, true, scn_dmg_entry_scratch },
	{ "entry-twice", false, true, scn_dmg_entry_twice },
	{ "key-beyond", false, false, scn_dmg_key_beyond },
	{ "block-outside-ram", false, false, scn_dmg_block_outside },
	{ "block-in-scratch", false, false, scn_dmg_block_scratch },
	{ "block-overlap", false, true, scn_dmg_block_overlap },
	{ "tree-page-in-block", false, false, scn_dmg_tree_page },
};

static const struct scn_damage *scn_damage_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(scn_damages); i++)
		if (!strcmp(scn_damages[i].name, name))
			return &scn_damages[i];
	return NULL;
}

/* The items scn_damage_prepare() added. */
static unsigned int scn_decoy_item, scn_victim_item;

/* Stage 1: the folios the damage aims at, in the set handed over. */
static int scn_damage_prepare(struct scn_totals *t)
{
	const struct scn_damage *dmg = scn_damage_find(corrupt);
	int err;

	if (!dmg)
		return -EINVAL;
	scn_decoy_item = scn_out->nr_items;
	err = scn_preserve_folio(10, true, t);
	if (err)
		return err;
	/*
	 * The victim: an order-9 block alone in its order-10 one, so that a
	 * block around it covers nothing else.
	 */
	scn_victim_item = scn_out->nr_items;
	err = scn_preserve_range(10, 0, 512, t);
	if (!err && dmg->victim)
		scn_out->victim = scn_victim_item + 1;
	return err;
}

/* Stage 2: whether the damage should cost the whole handover. */
static bool scn_damage_drops(void)
{
	const struct scn_damage *dmg = scn_damage_find(corrupt);

	return !dmg || dmg->drops;
}

/*
 * Stage 1, last thing before the kexec: break the handover whose tree has
 * its root at @root. The FDT is the preserved order-0 page that holds a
 * kho-v4 FDT pointing at that root.
 */
static int scn_damage(phys_addr_t root, phys_addr_t scratch)
{
	const struct scn_damage *dmg = scn_damage_find(corrupt);
	struct scn_dmg d = { };

	if (!dmg || !scn_out || !PAGE_ALIGNED(root) || !pfn_valid(PHYS_PFN(root)))
		return -EINVAL;
	d.root = phys_to_virt(root);
	d.fdt = scn_find_fdt(d.root, KHO_RADIX_TOP_LEVEL, 0, root);
	if (!d.fdt) {
		pr_err("the outgoing FDT is not among the preserved pages\n");
		return -ENOENT;
	}
	d.victim = scn_out->items[scn_victim_item].phys;
	d.decoy = scn_out->items[scn_decoy_item].phys;
	d.scratch = scratch;
	if (dmg->apply(&d))
		return -EIO;
	pr_info("stage %u: damaged the handover: %s\n", stage, dmg->name);
	return 0;
}

/*
 * Written by the guest init, which reads them from debugfs: "ROOT SCRATCH",
 * the tree's root and the first scratch area. Damages the handover now.
 */
static int scn_damage_set(const char *val, const struct kernel_param *kp)
{
	unsigned long long root, scratch;

	if (sscanf(val, "%llx %llx", &root, &scratch) != 2)
		return -EINVAL;
	return scn_damage(root, scratch);
}

static const struct kernel_param_ops scn_damage_ops = {
	.set = scn_damage_set,
};
module_param_cb(damage_root, &scn_damage_ops, NULL, 0200);
MODULE_PARM_DESC(damage_root, "stage 1, with corrupt=: \"ROOT SCRATCH\"; writing it damages the handover");
#else
static int scn_damage_prepare(struct scn_totals *t)
{
	return -EOPNOTSUPP;
}

static bool scn_damage_drops(void)
{
	return true;
}
#endif /* KHO_SCN_OURS */

/*
 * A reserve_mem= region named on both kernels' command lines: memblock hands
 * it over through KHO, so the successor finds it at the same address with
 * the previous stage's contents.  Every stage checks them and writes its own.
 */
static int scn_rmem(void)
{
	phys_addr_t start, size;
	unsigned long pfn;
	void *mem;
	int err = 0;

	/* It returns 1 when it finds the region. */
	if (!reserve_mem_find_by_name(rmem, &start, &size)) {
		pr_err("stage %u: no reserve_mem region %s\n", stage, rmem);
		return -ENOENT;
	}
	/*
	 * Whatever became of the handover, the region stays out of the
	 * allocator (issue 13 defect 3: a late drop of the handover gave it
	 * to the allocator while its user still wrote it). Reserved and
	 * preserved pages alike hold a reference; free ones do not. Only a
	 * kernel that said it could not keep the region may lose it: the
	 * fault walk, which fails that very call, checks the log for it.
	 */
	for (pfn = PHYS_PFN(start); pfn < PHYS_PFN(start + size); pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (!page_ref_count(page) || PageBuddy(page)) {
			pr_warn("stage %u: reserve_mem %s: page %#lx is in the page allocator\n",
				stage, rmem, pfn);
			if (!tolerant || is_kho_boot())
				return -EIO;
			break;
		}
	}
	/* memblock allocated it in RAM: it is in the direct map. */
	mem = phys_to_virt(start);
	if (stage > 1 && scn_check(mem, size, ((u64)(stage - 1) << 40) ^ 0x7e5e,
				   "reserve_mem", start))
		pr_info("stage %u: reserve_mem %s at %pa, %pa bytes: contents verified\n",
			stage, rmem, &start, &size);
	else if (stage > 1 && tolerant && !is_kho_boot())
		/* Dropped before reserve_mem= could revive it: a new region. */
		pr_info("stage %u: reserve_mem %s at %pa: not handed over (tolerated)\n",
			stage, rmem, &start);
	else if (stage > 1)
		err = -EIO;
	scn_fill(mem, size, ((u64)stage << 40) ^ 0x7e5e);
	return err;
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
		struct folio *blob = scn_alloc_low(SCN_BLOB_ORDER);

		if (!blob)
			return -ENOMEM;
		scn_out = folio_address(blob);
		scn_out->magic = SCN_MAGIC;
		scn_out->stage = stage;
	}

	if (corrupt && stage > 1 && scn_damage_drops()) {
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

	if (stage > 1 && !is_kho_boot() && !tolerant) {
		pr_err("stage %u: this kernel was not booted through a KHO kexec\n", stage);
		return -ENOENT;
	}
	/* Tolerated: nothing to verify, but the next stage gets a new set. */
	if (stage > 1 && !is_kho_boot())
		pr_info("stage %u: the handover was dropped (tolerated)\n", stage);
	err = stage > 1 && is_kho_boot() ? scn_verify(&in) : 0;
	if (!err && rmem)
		err = scn_rmem();
	if (err)
		return err;
	if (scn_lost.absent || scn_lost.refused)
		pr_info("stage %u: %lu restores failed for memory this kernel lacks, %lu refused (tolerated)\n",
			stage, scn_lost.absent, scn_lost.refused);
	pr_info("stage %u: verified %lu items, %llu bytes (kept %lu items, %llu bytes)\n",
		stage, in.items, in.bytes, scn_kept.items, scn_kept.bytes);
	if (scn_restores)
		pr_info("stage %u: %lu restores took %llu us\n", stage, scn_restores,
			div_u64(scn_restore_ns, NSEC_PER_USEC));
	if (!preserve)
		return 0;

	err = scn_preserve(&out);
	if (!err && corrupt)
		err = scn_damage_prepare(&out);
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
	return err;
}
module_init(kho_scenario_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("One stage of a KHO kexec scenario");
