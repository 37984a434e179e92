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
 *    in one walk (kho_in_check_tree() in kho_in_check.c), which also lists
 *    the preserved memory as sorted runs; then let memblock also use the
 *    memory that holds no preserved data.
 * 3. kho_memory_init(), just before memblock hands its free memory to the
 *    page allocator: reserve all runs with one bulk memblock insert and tag
 *    the head page of every block (kho_reserve_preserved()). The tree is
 *    not read again; its pages are not preserved and become free memory.
 *
 * Steps 2 and 3 are linear in the size of the handover: O(P + K) for P tree
 * pages and K keys, plus O(R + M) for R runs merged into the M regions
 * memblock already has. No step costs more per block as blocks accumulate.
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
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/unaligned.h>

#include <asm/early_ioremap.h>
#include <asm/sections.h>

#include "../../mm/mm_init.h"
#include "kexec_handover_internal.h"
#include "kho_in_check.h"

/* The FDT of an accepted handover; 0 on a cold boot or once it was dropped. */
static phys_addr_t kho_in_fdt_phys __ro_after_init;

/* What the early steps need; all of it is dead once the tree is reserved. */
static struct {
	phys_addr_t scratch_phys;
	u64 scratch_len;
	phys_addr_t tree_phys;
	struct kho_in_result res;
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

/*
 * Keys come in address order within each order, so consecutive questions
 * nearly always fall in the span the previous answer came from: the
 * callbacks below remember it, which keeps the vetting walk at a couple of
 * compares per key.
 */
static struct {
	phys_addr_t ram_lo, ram_hi;	/* known RAM */
	phys_addr_t ok_lo, ok_hi;	/* known free of scratch and our image */
} kho_in_hint __initdata;

/* Whether [@base, @base + @size) is RAM without holes; @size > 0. */
static bool __init kho_in_is_ram(phys_addr_t base, phys_addr_t size,
				 void *data)
{
	phys_addr_t end = base + size;
	struct memblock_region *r;

	if (base >= kho_in_hint.ram_lo && end <= kho_in_hint.ram_hi)
		return true;

	/* Nearly every range lies in one region: remember that region. */
	for_each_mem_region(r) {
		if (base >= r->base && end <= r->base + r->size) {
			kho_in_hint.ram_lo = r->base;
			kho_in_hint.ram_hi = r->base + r->size;
			return true;
		}
	}

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

/* Narrow [*@lo, *@hi) around @phys to avoid [@start, @end). */
static void __init kho_in_clip(phys_addr_t phys, phys_addr_t start,
			       phys_addr_t end, phys_addr_t *lo, phys_addr_t *hi)
{
	if (end <= phys)
		*lo = max(*lo, end);
	else
		*hi = min(*hi, start);
}

/* What [@phys, @phys + @size) overlaps that preserved memory never may. */
static const char * __init kho_in_forbidden(phys_addr_t phys, phys_addr_t size,
					    void *data)
{
	phys_addr_t text = __pa_symbol(_text);
	phys_addr_t end = __pa_symbol(_end);
	phys_addr_t lo = 0, hi = PHYS_ADDR_MAX;
	unsigned int i;

	if (phys >= kho_in_hint.ok_lo && phys + size <= kho_in_hint.ok_hi)
		return NULL;

	if (kho_scratch_overlap(phys, size))
		return "scratch";
	if (phys < end && text < phys + size)
		return "the kernel image";

	/* The gap between forbidden ranges this range lies in. */
	for (i = 0; i < kho_scratch_cnt; i++)
		kho_in_clip(phys, kho_scratch[i].addr,
			    kho_scratch[i].addr + kho_scratch[i].size, &lo, &hi);
	kho_in_clip(phys, text, end, &lo, &hi);
	kho_in_hint.ok_lo = lo;
	kho_in_hint.ok_hi = hi;
	return NULL;
}

/* Working memory of the vetting walk: scratch, since nothing else is safe. */
static void * __init kho_in_alloc(size_t size, void *data)
{
	return memblock_alloc_raw(size, SMP_CACHE_BYTES);
}

static void __init kho_in_free(void *mem, size_t size, void *data)
{
	memblock_free(mem, size);
}

static const struct kho_in_env kho_in_env_early __initconst = {
	.is_ram = kho_in_is_ram,
	.forbidden = kho_in_forbidden,
	.alloc = kho_in_alloc,
	.free = kho_in_free,
};

/*
 * Scratch may grow into every 1 << KHO_EXTEND_SHIFT bytes that hold neither
 * a preserved block nor a tree page. Best effort: a kernel that cannot
 * extend scratch still boots if the inherited scratch is big enough.
 */
static void __init kho_in_extend_scratch(const struct kho_in_result *res)
{
	unsigned long nbits = DIV_ROUND_UP_ULL(memblock_end_of_DRAM(),
					       1ULL << KHO_EXTEND_SHIFT);
	size_t size = BITS_TO_LONGS(nbits) * sizeof(long);
	unsigned long *busy;
	unsigned long i;

	busy = memblock_alloc(size, SMP_CACHE_BYTES);
	if (!busy) {
		pr_warn("no memory to extend scratch with, early boot may run short\n");
		return;
	}

	for (i = 0; i < res->nr_ranges; i++) {
		phys_addr_t start = res->ranges[i].start;
		phys_addr_t last = start + res->ranges[i].size - 1;

		bitmap_set(busy, start >> KHO_EXTEND_SHIFT,
			   (last >> KHO_EXTEND_SHIFT) - (start >> KHO_EXTEND_SHIFT) + 1);
	}
	for (i = 0; i < res->nr_pages; i++)
		__set_bit(res->pages[i] >> KHO_EXTEND_SHIFT, busy);

	if (kho_scratch_extend(busy, nbits))
		pr_warn("could not extend scratch, early boot may run short\n");
	memblock_free(busy, size);
}

/*
 * Vet the whole incoming tree before anything relies on it (see
 * kho_in_check.c), keep the list of preserved runs it yields, and widen
 * scratch with the memory that holds nothing of the handover.
 */
static int __init kho_in_scan(void)
{
	struct kho_in_env env = kho_in_env_early;
	struct kho_in_result *res = &kho_boot.res;
	u64 t0 = local_clock();
	int err;

	env.ram_pages = memblock_phys_mem_size() >> PAGE_SHIFT;
	err = kho_in_check_tree(kho_boot.tree_phys, &env, res);
	if (err) {
		pr_warn("ignoring the handover: %s%s%s at %#llx\n", res->why,
			res->detail ? " " : "", res->detail ?: "", res->where);
		return err;
	}

	kho_in_extend_scratch(res);
	kho_in_free_pages(&env, res);
	pr_info("vetted %lu tree pages and %lu preserved blocks (%lu pages in %lu runs) in %llu us\n",
		res->stats.tables + res->stats.leaves, res->stats.keys,
		res->preserved, res->nr_ranges, div_u64(local_clock() - t0, NSEC_PER_USEC));
	return 0;
}

/* Forget a handover that failed its checks, as if this were a cold boot. */
static void __init kho_in_drop(void)
{
	memblock_clear_kho_scratch_only();
	memblock_phys_free(kho_boot.scratch_phys, kho_boot.scratch_len);
	kho_scratch_adopt(NULL, 0);
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

	/*
	 * kho=off is parsed after kho_populate() ran. Nothing here would use
	 * the handover then, so its memory is better returned to the system.
	 */
	if (!kho_is_enabled()) {
		pr_info("KHO is off, ignoring the handover\n");
		kho_in_drop();
		return;
	}

	if (kho_in_scan())
		kho_in_drop();
}

/* Step 3 ------------------------------------------------------------------ */

/* Every order a key can hold fits in a head tag. */
static_assert(KHO_RADIX_MAX_ORDER <= KHO_HEAD_ORDER);

/* The memory region a pfn was last looked up in, and its node. */
struct kho_nid_cache {
	unsigned long start_pfn;
	unsigned long end_pfn;
	int nid;
};

static int __init kho_pfn_nid(struct kho_nid_cache *c, unsigned long pfn)
{
	if (pfn < c->start_pfn || pfn >= c->end_pfn)
		c->nid = memblock_search_pfn_nid(pfn, &c->start_pfn, &c->end_pfn);
	return c->nid;
}

/* Make the struct pages of a block usable and tag its head page. */
static void __init kho_prepare_block(struct kho_nid_cache *c, phys_addr_t phys,
				     unsigned int order)
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
		nid = kho_pfn_nid(c, pfn);
		for (i = 0; i < 1UL << order; i++)
			init_deferred_page(pfn + i, nid);
	}

	set_page_private(pfn_to_page(pfn), kho_head_tag(order));
}

/* One memblock call pair per run: the slow path, O(runs x regions). */
static int __init kho_reserve_each(const struct kho_in_range *ranges,
				   unsigned long nr)
{
	unsigned long i;
	int err;

	for (i = 0; i < nr; i++) {
		err = memblock_reserve(ranges[i].start, ranges[i].size);
		if (err)
			return err;
		err = memblock_reserved_mark_noinit(ranges[i].start,
						    ranges[i].size);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Reserve every run, marked no-init, with one memblock_reserve_bulk() call:
 * runs that touch become one region, and the insert costs O(regions + runs)
 * however scattered the blocks are. Returns the number of regions through
 * @regions.
 */
static int __init kho_reserve_runs(const struct kho_in_range *ranges,
				   unsigned long nr, unsigned long *regions)
{
	size_t size = nr * sizeof(struct memblock_region);
	struct memblock_region *rgn;
	unsigned long i, n = 0;
	int err;

	*regions = nr;
	rgn = nr ? memblock_alloc_raw(size, SMP_CACHE_BYTES) : NULL;
	if (!rgn) {
		if (nr)
			pr_warn("no memory for a bulk reservation, reserving %lu runs one by one\n",
				nr);
		return kho_reserve_each(ranges, nr);
	}

	for (i = 0; i < nr; i++) {
		if (n && rgn[n - 1].base + rgn[n - 1].size == ranges[i].start) {
			rgn[n - 1].size += ranges[i].size;
			continue;
		}
		rgn[n].base = ranges[i].start;
		rgn[n].size = ranges[i].size;
		n++;
	}
	*regions = n;

	err = memblock_reserve_bulk(rgn, n, MEMBLOCK_RSRV_NOINIT);
	memblock_free(rgn, size);
	if (err == -EBUSY || err == -EINVAL) {
		/* Something else reserved part of it already: merge one by one. */
		pr_info("bulk reservation refused (%pe), reserving %lu runs one by one\n",
			ERR_PTR(err), nr);
		err = kho_reserve_each(ranges, nr);
	}
	return err;
}

/**
 * kho_reserve_preserved - Keep every preserved block away from the allocator.
 * @res: the runs kho_in_scan() vetted, sorted by address.
 *
 * Reserves all runs in memblock, marked no-init so that memblock_free_all()
 * leaves their struct pages (and the head tags in them) alone, then tags
 * the head page of every block with its order for kho_restore_folio() and
 * kho_restore_pages(); with deferred struct page init, each page of a block
 * is initialised first. Nothing is tagged unless all of it is reserved.
 *
 * Cost: O(R + M) for the reservation, R runs and M regions memblock had
 * before; then one struct page write per block (per page with deferred
 * init). The tree is not read again: kho_in_scan() read it once.
 *
 * Context: Early boot, after memmap_init() and before memblock_free_all().
 * Return: 0 on success, or the error of the memblock call that failed.
 */
static int __init kho_reserve_preserved(const struct kho_in_result *res)
{
	struct kho_nid_cache nids = { };
	unsigned long i, regions;
	u64 t0 = local_clock();
	phys_addr_t phys, end;
	int err;

	err = kho_reserve_runs(res->ranges, res->nr_ranges, &regions);
	if (err)
		return err;

	for (i = 0; i < res->nr_ranges; i++) {
		const struct kho_in_range *r = &res->ranges[i];

		end = r->start + r->size;
		for (phys = r->start; phys < end; phys += PAGE_SIZE << r->order)
			kho_prepare_block(&nids, phys, r->order);
	}

	pr_info("reserved %lu preserved blocks, %lu KiB in %lu ranges in %llu us\n",
		res->stats.keys, res->preserved << (PAGE_SHIFT - 10), regions,
		div_u64(local_clock() - t0, NSEC_PER_USEC));
	return 0;
}

/* What debugfs shows of the handover after boot. */
static struct kho_in_summary kho_in_sum __ro_after_init;

/**
 * kho_in_summary - What the previous kernel handed over.
 *
 * Context: Any context, after early boot.
 * Return: the summary, or NULL on a cold boot or if the handover was
 * dropped.
 */
const struct kho_in_summary *kho_in_summary(void)
{
	return kho_in_sum.ranges ? &kho_in_sum : NULL;
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

	err = kho_reserve_preserved(&kho_boot.res);
	if (err) {
		pr_err("cannot reserve preserved memory (%pe), the handover is lost\n",
		       ERR_PTR(err));
		kho_in_free_result(&kho_in_env_early, &kho_boot.res);
		kho_in_fdt_phys = 0;
		return;
	}

	/* The runs stay, in memory memblock gave out, for debugfs. */
	kho_in_sum.ranges = kho_boot.res.ranges;
	kho_in_sum.nr_ranges = kho_boot.res.nr_ranges;
	kho_in_sum.tree = kho_boot.res.stats;
}
