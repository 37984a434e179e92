// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the incoming side in early boot: accept, vet and reserve
 *
 * A kexec successor meets the handover in four steps; this file does the
 * first three, all in early boot, and kho_restore.c the last:
 *
 * 1. kho_populate(), from the architecture's early setup, before memblock
 *    knows all of RAM: check the FDT and the scratch list, then confine
 *    memblock to the scratch areas.
 * 2. kho_memory_init_early(), once memblock.memory is complete and the
 *    direct map exists: vet every page and every key of the incoming tree
 *    (kho_in_scan()), then let memblock also use the memory that holds no
 *    preserved data.
 * 3. kho_memory_init(), just before memblock hands its free memory to the
 *    page allocator: reserve every preserved block and tag its head page
 *    (kho_reserve_preserved()). The tree's own pages are not preserved and
 *    become free memory afterwards.
 * 4. Any time later: the owners take their memory back with
 *    kho_restore_folio() or kho_restore_pages(), and find their blobs with
 *    kho_retrieve_subtree().
 *
 * A handover that fails a check in step 1 or 2 is dropped whole, before
 * anything in it was used: the kernel logs one line saying why and boots
 * as it would after a cold start.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/crash_dump.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/unaligned.h>

#include <asm/early_ioremap.h>

#include "../../mm/mm_init.h"
#include "kexec_handover_internal.h"

/* The FDT of an accepted handover; 0 on a cold boot or once it was dropped. */
static phys_addr_t kho_in_fdt_phys __ro_after_init;

/* What the early steps need; all of it is dead once the tree is reserved. */
static struct {
	phys_addr_t scratch_phys;
	u64 scratch_len;
	phys_addr_t tree_phys;
	struct kho_radix_tree tree;
} kho_boot __initdata;

/**
 * is_kho_boot - Tell whether this kernel received a kexec handover.
 *
 * Reliable from the moment the architecture called kho_populate(). A
 * handover that later fails its checks makes this false again.
 *
 * Context: Any context.
 * Return: true if a previous kernel handed over preserved memory.
 */
bool is_kho_boot(void)
{
	return kho_in_fdt_phys;
}
EXPORT_SYMBOL_GPL(is_kho_boot);

/* The incoming FDT, or NULL. Valid once the direct map is up. */
const void *kho_in_fdt(void)
{
	return kho_in_fdt_phys ? phys_to_virt(kho_in_fdt_phys) : NULL;
}

/* Step 1 ------------------------------------------------------------------ */

/* Why the FDT at @fdt (@len bytes) is unusable, or NULL if it is fine. */
static const char * __init kho_in_fdt_problem(const void *fdt, u64 len,
					      phys_addr_t *tree_phys)
{
	const void *prop;
	int prop_len;

	if (len < sizeof(struct fdt_header) || fdt_check_header(fdt))
		return "malformed FDT";
	if (fdt_totalsize(fdt) > len)
		return "FDT larger than its buffer";
	if (fdt_node_check_compatible(fdt, 0, KHO_FDT_COMPATIBLE))
		return "FDT is not " KHO_FDT_COMPATIBLE;

	prop = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &prop_len);
	if (!prop || prop_len != sizeof(u64))
		return "no valid " KHO_FDT_MEMORY_MAP_PROP_NAME;

	*tree_phys = get_unaligned((const u64 *)prop);
	return NULL;
}

/* Check the FDT and find the root of the preserved-memory tree in it. */
static int __init kho_in_check_fdt(phys_addr_t phys, u64 len,
				   phys_addr_t *tree_phys)
{
	const char *why;
	void *fdt;

	fdt = early_memremap(phys, len);
	if (!fdt) {
		pr_warn("ignoring the handover: cannot map its FDT at %pa\n",
			&phys);
		return -ENOMEM;
	}

	why = kho_in_fdt_problem(fdt, len, tree_phys);
	early_memunmap(fdt, len);
	if (why) {
		pr_warn("ignoring the handover: %s (FDT at %pa)\n", why, &phys);
		return -EINVAL;
	}
	return 0;
}

/* Why the scratch list is unusable, or NULL if it is fine. */
static const char * __init kho_in_scratch_problem(const struct kho_scratch *areas,
						  unsigned int cnt)
{
	unsigned int i;

	for (i = 0; i < cnt; i++) {
		const struct kho_scratch *area = &areas[i];

		if (!PAGE_ALIGNED(area->addr) || !PAGE_ALIGNED(area->size))
			return "misaligned scratch area";
		if (area->addr > PHYS_ADDR_MAX - area->size)
			return "scratch area past the end of physical memory";
	}
	return NULL;
}

/*
 * Make the (checked) scratch areas memory that memblock may allocate from.
 * Stock kernels may pass areas of size zero, which are simply skipped.
 */
static int __init kho_in_add_scratch(const struct kho_scratch *areas,
				     unsigned int cnt)
{
	unsigned int i;
	int err;

	for (i = 0; i < cnt; i++) {
		if (!areas[i].size)
			continue;
		err = memblock_add(areas[i].addr, areas[i].size);
		if (err)
			return err;
		err = memblock_mark_kho_scratch(areas[i].addr, areas[i].size);
		if (err)
			return err;
	}
	return 0;
}

/* Check the scratch list, keep it, and turn its areas into scratch memory. */
static int __init kho_in_take_scratch(phys_addr_t phys, u64 len)
{
	unsigned int cnt = len / sizeof(struct kho_scratch);
	struct kho_scratch *areas;
	const char *why;
	int err;

	if (!cnt || len % sizeof(struct kho_scratch)) {
		pr_warn("ignoring the handover: scratch list of %llu bytes\n", len);
		return -EINVAL;
	}

	areas = early_memremap(phys, len);
	if (!areas) {
		pr_warn("ignoring the handover: cannot map its scratch list at %pa\n",
			&phys);
		return -ENOMEM;
	}

	why = kho_in_scratch_problem(areas, cnt);
	if (why) {
		pr_warn("ignoring the handover: %s\n", why);
		err = -EINVAL;
		goto unmap_areas;
	}

	/* The next kexec hands the same list on, so it stays where it is. */
	err = memblock_reserve(phys, len);
	if (err) {
		pr_warn("ignoring the handover: cannot reserve its scratch list: %pe\n",
			ERR_PTR(err));
		goto unmap_areas;
	}

	err = kho_in_add_scratch(areas, cnt);
	if (err) {
		pr_warn("ignoring the handover: cannot add scratch memory: %pe\n",
			ERR_PTR(err));
		memblock_phys_free(phys, len);
	}

unmap_areas:
	early_memunmap(areas, len);
	return err;
}

/**
 * kho_populate - Accept the handover the previous kernel passed.
 * @fdt_phys:     physical address of the handover FDT.
 * @fdt_len:      size of the buffer holding it.
 * @scratch_phys: physical address of the list of scratch areas.
 * @scratch_len:  size of that list in bytes.
 *
 * Checks what can be checked this early and confines memblock to the
 * scratch areas, where nothing preserved can lie: memory outside them is
 * off limits until kho_memory_init_early() has vetted the preserved-memory
 * tree. A handover that fails a check is ignored, with one warning.
 *
 * Context: Early boot, from architecture setup code, before memblock knows
 * all of RAM and before any memblock allocation that must avoid preserved
 * memory.
 */
void __init kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
			 phys_addr_t scratch_phys, u64 scratch_len)
{
	phys_addr_t tree_phys;

	if (kho_in_check_fdt(fdt_phys, fdt_len, &tree_phys))
		return;
	if (kho_in_take_scratch(scratch_phys, scratch_len))
		return;

	memblock_set_kho_scratch_only();
	kho_boot.scratch_phys = scratch_phys;
	kho_boot.scratch_len = scratch_len;
	kho_boot.tree_phys = tree_phys;
	kho_in_fdt_phys = fdt_phys;
	pr_info("found a kexec handover with %llu scratch areas\n",
		scratch_len / sizeof(struct kho_scratch));
}

/* Step 2 ------------------------------------------------------------------ */

/**
 * struct kho_in_scan - State of the walk that vets the incoming tree.
 * @budget: pages of RAM not yet accounted to a tree page or a block. A
 *          valid tree never needs more pages than there is RAM, so running
 *          out means pages were reached twice, and also bounds the work.
 * @busy:   one bit per 1 << %KHO_EXTEND_SHIFT bytes holding tree pages or
 *          preserved blocks; NULL if it could not be allocated.
 * @nbits:  size of @busy in bits.
 * @why:    what was wrong, once a check failed.
 * @where:  the address or key it was wrong about.
 */
struct kho_in_scan {
	unsigned long budget;
	unsigned long *busy;
	unsigned long nbits;
	const char *why;
	u64 where;
};

static int __init kho_in_reject(struct kho_in_scan *scan, const char *why,
				u64 where)
{
	scan->why = why;
	scan->where = where;
	return -EINVAL;
}

/* Whether [@base, @base + @size) is RAM without holes; @size > 0. */
static bool __init kho_in_is_ram(phys_addr_t base, phys_addr_t size)
{
	phys_addr_t end = base + size;
	struct memblock_region *r;

	/* Nearly every range lies in one region: a binary search settles it. */
	if (memblock_is_region_memory(base, size))
		return true;

	/* Else it may span regions that differ only in flags or node. */
	for_each_mem_region(r) {
		if (r->base + r->size <= base)
			continue;
		if (r->base > base)
			return false;
		base = r->base + r->size;
		if (base >= end)
			return true;
	}
	return false;
}

/* Charge a vetted range to the budget and mark where it lies as busy. */
static int __init kho_in_account(struct kho_in_scan *scan, phys_addr_t phys,
				 phys_addr_t size)
{
	unsigned long pages = size >> PAGE_SHIFT;
	unsigned long first, last;

	if (pages > scan->budget)
		return kho_in_reject(scan, "more preserved pages than RAM at", phys);
	scan->budget -= pages;

	if (scan->busy) {
		first = phys >> KHO_EXTEND_SHIFT;
		last = (phys + size - 1) >> KHO_EXTEND_SHIFT;
		bitmap_set(scan->busy, first, last - first + 1);
	}
	return 0;
}

/* Why @phys cannot be a tree page, or NULL if it can. */
static const char * __init kho_in_page_problem(phys_addr_t phys)
{
	if (!PAGE_ALIGNED(phys))
		return "misaligned tree page";
	if (!kho_in_is_ram(phys, PAGE_SIZE))
		return "tree page outside RAM";
	if (kho_scratch_overlap(phys, PAGE_SIZE))
		return "tree page in scratch";
	return NULL;
}

/*
 * Called before the walk reads a tree page. Also the place for the checks
 * that are still to come: that no page is reached twice.
 */
static int __init kho_in_check_node(phys_addr_t phys, unsigned int level,
				    void *data)
{
	struct kho_in_scan *scan = data;
	const char *why = kho_in_page_problem(phys);

	if (why)
		return kho_in_reject(scan, why, phys);

	return kho_in_account(scan, phys, PAGE_SIZE);
}

/*
 * Called for every key. Also the place for the checks that are still to
 * come: that no two blocks overlap.
 */
static int __init kho_in_check_key(unsigned long key, void *data)
{
	struct kho_in_scan *scan = data;
	unsigned int order;
	phys_addr_t phys;
	phys_addr_t size;

	/* Decoding rejects keys whose block end would not fit in 64 bits. */
	if (kho_radix_decode_key(key, &phys, &order))
		return kho_in_reject(scan, "invalid key", key);

	size = (phys_addr_t)PAGE_SIZE << order;
	if (!kho_in_is_ram(phys, size))
		return kho_in_reject(scan, "preserved block outside RAM", phys);
	if (kho_scratch_overlap(phys, size))
		return kho_in_reject(scan, "preserved block in scratch", phys);

	return kho_in_account(scan, phys, size);
}

/*
 * Vet the whole incoming tree before anything relies on it, and find the
 * memory it leaves free to extend scratch with. Reads every tree page once.
 */
static int __init kho_in_scan(void)
{
	const struct kho_radix_walk_cb cb = {
		.node = kho_in_check_node,
		.leaf = kho_in_check_key,
	};
	struct kho_in_scan scan = {
		.budget = memblock_phys_mem_size() >> PAGE_SHIFT,
		.nbits = DIV_ROUND_UP_ULL(memblock_end_of_DRAM(),
					  1ULL << KHO_EXTEND_SHIFT),
	};
	size_t busy_size = BITS_TO_LONGS(scan.nbits) * sizeof(long);
	const char *why;
	int err;

	/* Without the bitmap, the tree is still vetted; scratch stays small. */
	scan.busy = memblock_alloc(busy_size, SMP_CACHE_BYTES);

	/*
	 * Vet the root before it is even converted to a virtual address; the
	 * walk then vets every page below it before reading it.
	 */
	why = kho_in_page_problem(kho_boot.tree_phys);
	if (why) {
		err = kho_in_reject(&scan, why, kho_boot.tree_phys);
	} else {
		kho_radix_tree_adopt(&kho_boot.tree,
				     phys_to_virt(kho_boot.tree_phys));
		err = __kho_radix_walk_tree(&kho_boot.tree, &cb, &scan);
	}
	if (err) {
		pr_warn("ignoring the handover: %s %#llx\n",
			scan.why ?: "unreadable tree at", scan.where);
		goto free_busy;
	}

	if (!scan.busy)
		pr_warn("no memory to extend scratch with, early boot may run short\n");
	else if (kho_scratch_extend(scan.busy, scan.nbits))
		pr_warn("could not extend scratch, early boot may run short\n");

free_busy:
	if (scan.busy)
		memblock_free(scan.busy, busy_size);
	return err;
}

/* Forget a handover that failed its checks, as if this were a cold boot. */
static void __init kho_in_drop(void)
{
	memblock_clear_kho_scratch_only();
	memblock_phys_free(kho_boot.scratch_phys, kho_boot.scratch_len);
	kho_scratch_adopt(NULL, 0);
	kho_radix_tree_adopt(&kho_boot.tree, NULL);
	kho_in_fdt_phys = 0;
}

/**
 * kho_memory_init_early - Vet the incoming tree and widen scratch.
 *
 * Runs before the memory map is allocated, which is the largest early
 * allocation and would not fit in the inherited scratch areas alone.
 *
 * Context: Early boot, memblock.memory complete, direct map up.
 */
void __init kho_memory_init_early(void)
{
	if (!is_kho_boot())
		return;

	/* free_area_init() asks kho_scratch_overlap() which pageblocks are CMA. */
	kho_scratch_adopt(phys_to_virt(kho_boot.scratch_phys),
			  kho_boot.scratch_len / sizeof(struct kho_scratch));

	if (kho_in_scan())
		kho_in_drop();
}

/* Step 3 ------------------------------------------------------------------ */

/**
 * struct kho_reservation - The run of adjacent blocks being reserved.
 * @start:  start of the run.
 * @end:    end of the run; equal to @start while no run is open.
 * @blocks: blocks seen so far.
 * @runs:   runs reserved so far.
 * @bytes:  bytes reserved so far.
 */
struct kho_reservation {
	phys_addr_t start;
	phys_addr_t end;
	unsigned long blocks;
	unsigned long runs;
	u64 bytes;
};

/*
 * Keep the run: reserved, so that memblock never gives it out, and no-init,
 * so that memblock_free_all() leaves the struct pages (and the head tags in
 * them) alone.
 */
static int __init kho_reservation_flush(struct kho_reservation *res)
{
	phys_addr_t size = res->end - res->start;
	int err;

	if (!size)
		return 0;

	err = memblock_reserve(res->start, size);
	if (err)
		return err;
	err = memblock_reserved_mark_noinit(res->start, size);
	if (err)
		return err;

	res->runs++;
	res->bytes += size;
	res->start = res->end;
	return 0;
}

/* Every order a key can hold fits in a head tag. */
static_assert(KHO_RADIX_MAX_ORDER <= KHO_HEAD_ORDER);

/* Make the struct pages of a block usable and tag its head page. */
static void __init kho_prepare_block(phys_addr_t phys, unsigned int order)
{
	unsigned long pfn = PHYS_PFN(phys);
	unsigned long i;
	int nid;

	/*
	 * With deferred struct page init, struct pages past the first
	 * deferred pfn are not initialised yet, and no later pass will touch
	 * a no-init reservation. Restore hands out every page of the block,
	 * so initialise all of them. The whole block is on one node: the
	 * previous kernel split its blocks at node boundaries. Without
	 * deferred init, memmap_init() did this already.
	 */
	if (IS_ENABLED(CONFIG_DEFERRED_STRUCT_PAGE_INIT)) {
		nid = early_pfn_to_nid(pfn);
		for (i = 0; i < 1UL << order; i++)
			init_deferred_page(pfn + i, nid);
	}

	set_page_private(pfn_to_page(pfn), kho_head_tag(order));
}

static int __init kho_reserve_block(unsigned long key, void *data)
{
	struct kho_reservation *res = data;
	unsigned int order;
	phys_addr_t phys;
	int err;

	/* kho_in_scan() accepted every key; this cannot fail. */
	if (kho_radix_decode_key(key, &phys, &order))
		return -EINVAL;

	kho_prepare_block(phys, order);
	res->blocks++;

	if (phys != res->end) {
		err = kho_reservation_flush(res);
		if (err)
			return err;
		res->start = phys;
		res->end = phys;
	}
	res->end += (phys_addr_t)PAGE_SIZE << order;
	return 0;
}

/**
 * kho_reserve_preserved - Keep every preserved block away from the allocator.
 * @tree: the incoming tree, accepted by kho_in_scan().
 *
 * Walks the keys in ascending order: blocks of one order in address order,
 * the largest orders first. A block that starts where the previous one ended
 * extends the current run; any other block closes the run, which is then
 * reserved in memblock and marked no-init with one call each. Every block's
 * head page is tagged with its order for kho_restore_folio() and
 * kho_restore_pages(); with deferred struct page init, each page of the
 * block is initialised first.
 *
 * Cost: one read of every tree page and of every set bit, one struct page
 * write per block (per page with deferred init), and two memblock calls per
 * run. A memblock call costs O(regions in memblock.reserved), and scattered
 * blocks form one run each, so N scattered blocks still cost O(N^2) in
 * memblock; runs of adjacent blocks cost one call pair per run.
 *
 * Context: Early boot, after memmap_init() and before memblock_free_all().
 * Return: 0 on success, or the error of the memblock call that failed;
 * runs reserved before the failure stay reserved.
 */
static int __init kho_reserve_preserved(struct kho_radix_tree *tree)
{
	const struct kho_radix_walk_cb cb = { .leaf = kho_reserve_block };
	struct kho_reservation res = {};
	int err;

	err = __kho_radix_walk_tree(tree, &cb, &res);
	if (err)
		return err;
	err = kho_reservation_flush(&res);
	if (err)
		return err;

	pr_info("reserved %lu preserved blocks, %llu KiB in %lu ranges\n",
		res.blocks, res.bytes >> 10, res.runs);
	return 0;
}

/**
 * kho_memory_init - Reserve preserved memory, or make scratch for the next kernel.
 *
 * On a handover boot, reserves every preserved block; the incoming tree's
 * own pages are not preserved and go to the page allocator with the rest of
 * free memory. On a cold boot with KHO enabled, reserves the scratch areas
 * that a successor will boot in.
 *
 * Context: Early boot, as late as memblock allows: just before
 * memblock_free_all().
 */
void __init kho_memory_init(void)
{
	int err;

	if (is_kdump_kernel()) {
		pr_info("disabled in the kdump kernel\n");
		kho_disable();
		return;
	}

	if (!is_kho_boot()) {
		if (!kho_is_enabled())
			return;
		err = kho_scratch_reserve();
		if (err) {
			pr_warn("no scratch memory (%pe), KHO disabled\n",
				ERR_PTR(err));
			kho_disable();
		}
		return;
	}

	err = kho_reserve_preserved(&kho_boot.tree);
	kho_radix_tree_adopt(&kho_boot.tree, NULL);
	if (err) {
		pr_err("cannot reserve preserved memory (%pe), the handover is lost\n",
		       ERR_PTR(err));
		kho_in_fdt_phys = 0;
	}
}
