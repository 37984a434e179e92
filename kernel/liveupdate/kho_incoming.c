// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the incoming side in early boot: accept, vet and reserve
 *
 * A kexec successor meets the handover in four steps; this file does the
 * first three, all in early boot, kho_in_pages.c and kho_restore.c the rest:
 *
 * 1. kho_populate(), from the architecture's early setup, before memblock
 *    knows all of RAM: check the FDT and the scratch list, then confine
 *    memblock to the scratch areas.
 * 2. kho_memory_init_early(), once memblock.memory is complete and the
 *    direct map exists, before the memory map is allocated: check where the
 *    FDT and the tree's root lie, and let memblock also use the memory that
 *    can hold nothing of the handover (kho_in_busy()), since the memory map
 *    of a large machine does not fit in the inherited scratch.
 * 3. kho_memory_init(), just before memblock hands its free memory to the
 *    page allocator: vet the tree (kho_in_vet_tree()), refuse what must be
 *    refused and reserve the rest with one bulk memblock insert
 *    (kho_in_reserve()). No struct page of preserved memory is written:
 *    the vetted tree itself says what may be restored until kho_in_pages.c
 *    has initialised those struct pages, in parallel, late in boot.
 *
 * Damage costs what it names. A table entry or a block that fails a check
 * is dropped with the blocks it covers, and everything else is kept: one
 * line per kind of refusal says how much and where the first one was. The
 * handover is dropped whole only when nothing in it can be trusted: its
 * FDT, its scratch list or the root of its tree; that happens in steps 1
 * and 2, before anything relied on it. A shortage in step 3 is met with a
 * coarser reservation, never by dropping what was handed over.
 *
 * Early boot costs O(P) for the P tree pages, a word scan of every leaf and
 * O(R x K) for R runs of adjacent blocks of K orders, plus one bulk insert:
 * nothing per preserved page, and no working memory beyond static arrays.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/crash_dump.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho/abi/memblock.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/memblock.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>

#include <asm/early_ioremap.h>
#include <asm/sections.h>

#include "../../mm/mm_init.h"
#include "kexec_handover_internal.h"
#include "kho_in_check.h"

/* The FDT of an accepted handover; 0 on a cold boot or once it was dropped. */
static phys_addr_t kho_in_fdt_phys __ro_after_init;

/* What the early steps need; all of it is dead once boot is done. */
static struct {
	phys_addr_t scratch_phys;
	u64 scratch_len;
	phys_addr_t tree_phys;
	u64 fdt_len;
	struct kho_in_vet vet;
} kho_boot __initdata;

/**
 * is_kho_boot - Tell whether this kernel received a kexec handover.
 *
 * Reliable from the moment the architecture called kho_populate(). A
 * handover that later turns out unusable makes this false again.
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

/* Fault injection ---------------------------------------------------------- */

#ifdef CONFIG_FAIL_KHO
/*
 * fail_kho_incoming=<interval>,<probability>,<space>,<times> makes the calls
 * of the incoming path that can run out of room or memory fail, in the
 * syntax of Documentation/fault-injection/fault-injection.rst: every
 * <interval>-th call once the first <space> calls have passed, <times> times
 * (-1: no limit). So K,100,0,1 fails exactly the K-th call, and 1,100,K,-1
 * every call after the K-th. Only 100% is supported: the first calls come
 * before per-CPU areas, random numbers and early parameters exist, too
 * early for should_fail() (a debug kernel hung in it), so the count is kept
 * here and the parameter read from the command line on first use.
 */
static unsigned int kho_in_fault_calls __initdata;
static unsigned int kho_in_fault_seen __initdata;
static unsigned long kho_in_fault_interval __initdata;
static unsigned long kho_in_fault_space __initdata;
static long kho_in_fault_times __initdata;

static void __init kho_in_fault_parse(void)
{
	unsigned long interval, probability, space;
	const char *arg = boot_command_line;
	long times;

	/* A parameter of its own, not text inside another one's value. */
	while ((arg = strstr(arg, "fail_kho_incoming=")) &&
	       arg != boot_command_line && arg[-1] != ' ')
		arg++;
	if (!arg)
		return;
	if (sscanf(arg + strlen("fail_kho_incoming="), "%lu,%lu,%lu,%ld",
		   &interval, &probability, &space, &times) != 4 ||
	    !interval || probability != 100) {
		pr_warn("fault injection: fail_kho_incoming= wants K,100,SPACE,TIMES\n");
		return;
	}
	kho_in_fault_interval = interval;
	kho_in_fault_space = space;
	kho_in_fault_times = times;
}

static bool __init kho_in_fail(const char *site)
{
	static bool parsed __initdata;

	if (!parsed) {
		parsed = true;
		kho_in_fault_parse();
	}

	kho_in_fault_calls++;
	if (!kho_in_fault_interval || !kho_in_fault_times)
		return false;
	/* As should_fail(): each call spends one of <space> first. */
	if (kho_in_fault_space) {
		kho_in_fault_space--;
		return false;
	}
	if (++kho_in_fault_seen % kho_in_fault_interval)
		return false;
	if (kho_in_fault_times > 0)
		kho_in_fault_times--;
	pr_info("fault injection: failing call %u (%s)\n", kho_in_fault_calls, site);
	return true;
}

static void __init kho_in_fault_report(void)
{
	pr_info("fault injection: %u calls could have failed\n", kho_in_fault_calls);
}
#else
static inline bool kho_in_fail(const char *site)
{
	return false;
}

static inline void kho_in_fault_report(void)
{
}
#endif

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
	if (!prop)
		return "no " KHO_FDT_MEMORY_MAP_PROP_NAME;
	if (prop_len != sizeof(u64))
		return KHO_FDT_MEMORY_MAP_PROP_NAME " of the wrong size";

	*tree_phys = get_unaligned((const u64 *)prop);
	return NULL;
}

/* Check the FDT and find the root of the preserved-memory tree in it. */
static int __init kho_in_check_fdt(phys_addr_t phys, u64 len,
				   phys_addr_t *tree_phys, u64 *fdt_len)
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
	if (!why)
		*fdt_len = fdt_totalsize(fdt);
	early_memunmap(fdt, len);
	if (why) {
		pr_warn("ignoring the handover: %s (FDT at %pa)\n", why, &phys);
		return -EINVAL;
	}
	return 0;
}

/* Why the scratch list is unusable, or NULL if it is fine. */
static const char * __init kho_in_scratch_problem(const struct kho_scratch *areas,
						  unsigned int cnt,
						  phys_addr_t fdt, u64 fdt_len)
{
	unsigned int i;

	for (i = 0; i < cnt; i++) {
		const struct kho_scratch *area = &areas[i];

		if (!PAGE_ALIGNED(area->addr) || !PAGE_ALIGNED(area->size))
			return "misaligned scratch area";
		if (area->addr > PHYS_ADDR_MAX - area->size)
			return "scratch area past the end of physical memory";
		/* This kernel allocates from scratch before it reads the FDT. */
		if (fdt < area->addr + area->size && area->addr < fdt + fdt_len)
			return "FDT in scratch memory";
	}
	return NULL;
}

/*
 * Where this kernel's RAM ends, as far as the command line says. On x86,
 * mem= drops the RAM above an address from the firmware's map, but only
 * after this runs: scratch added above it would be memory the kernel does
 * not have (no memory map can be made for it). Elsewhere mem= is applied
 * to memblock itself, scratch included.
 */
static phys_addr_t __init kho_in_mem_limit(void)
{
	phys_addr_t limit = PHYS_ADDR_MAX;
#ifdef CONFIG_X86
	const char *arg = boot_command_line;
	char *end;
	u64 size;

	while ((arg = strstr(arg, "mem="))) {
		if (arg == boot_command_line || arg[-1] == ' ') {
			size = memparse(arg + 4, &end);
			if (end != arg + 4 && size)
				limit = size;
		}
		arg += 4;
	}
#endif
	return limit;
}

/*
 * Make the (checked) scratch areas memory that memblock may allocate from.
 * Stock kernels may pass areas of size zero, which are simply skipped, and
 * so are the parts of areas beyond mem=: the next kexec hands the list on,
 * and a kernel with more memory finds them untouched.
 */
static int __init kho_in_add_scratch(const struct kho_scratch *areas,
				     unsigned int cnt)
{
	phys_addr_t limit = kho_in_mem_limit(), size;
	unsigned int i;
	int err;

	for (i = 0; i < cnt; i++) {
		size = areas[i].addr < limit ? min(areas[i].size, limit - areas[i].addr) : 0;
		if (size < areas[i].size)
			pr_info("scratch area at %pa: %llu of %llu MiB beyond mem=, not used\n",
				&areas[i].addr, (u64)(areas[i].size - size) >> 20,
				(u64)areas[i].size >> 20);
		if (!size)
			continue;
		err = kho_in_fail("memblock_add") ? -ENOMEM :
		      memblock_add(areas[i].addr, size);
		if (err)
			return err;
		err = kho_in_fail("memblock_mark_kho_scratch") ? -ENOMEM :
		      memblock_mark_kho_scratch(areas[i].addr, size);
		if (err)
			return err;
	}
	return 0;
}

/* Check the scratch list, keep it, and turn its areas into scratch memory. */
static int __init kho_in_take_scratch(phys_addr_t phys, u64 len,
				      phys_addr_t fdt, u64 fdt_len)
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

	why = kho_in_scratch_problem(areas, cnt, fdt, fdt_len);
	if (why) {
		pr_warn("ignoring the handover: %s\n", why);
		err = -EINVAL;
		goto unmap_areas;
	}

	/* The next kexec hands the same list on, so it stays where it is. */
	err = kho_in_fail("memblock_reserve") ? -ENOMEM : memblock_reserve(phys, len);
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
 * off limits until kho_memory_init() has reserved the preserved blocks. A
 * handover that fails a check is ignored, with one warning.
 *
 * Context: Early boot, from architecture setup code, before memblock knows
 * all of RAM and before any memblock allocation that must avoid preserved
 * memory.
 */
void __init kho_populate(phys_addr_t fdt_phys, u64 fdt_len,
			 phys_addr_t scratch_phys, u64 scratch_len)
{
	phys_addr_t tree_phys;
	u64 len;

	if (kho_in_check_fdt(fdt_phys, fdt_len, &tree_phys, &len))
		return;
	if (kho_in_take_scratch(scratch_phys, scratch_len, fdt_phys, len))
		return;

	memblock_set_kho_scratch_only();
	kho_boot.scratch_phys = scratch_phys;
	kho_boot.scratch_len = scratch_len;
	kho_boot.tree_phys = tree_phys;
	kho_boot.fdt_len = len;
	kho_in_fdt_phys = fdt_phys;
	pr_info("found a kexec handover with %llu scratch areas\n",
		scratch_len / sizeof(struct kho_scratch));
}

/* What vetting asks the machine ------------------------------------------- */

/* The last memory region that starts at or below @phys, or -1. */
static int __init kho_in_region_at(phys_addr_t phys)
{
	const struct memblock_type *type = &memblock.memory;
	int lo = 0, hi = type->cnt - 1, mid, found = -1;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (type->regions[mid].base <= phys) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

static enum kho_in_kind __init kho_in_region_kind(struct memblock_region *r)
{
	if (memblock_is_nomap(r))
		return KHO_IN_NOMAP;
	if (memblock_is_kho_scratch(r))
		return KHO_IN_SCRATCH;
	return KHO_IN_OK;
}

static phys_addr_t __init kho_in_region_end(const struct memblock_region *r)
{
	return r->base + r->size;
}

/* See kho_in_check.h. Regions that differ in node only make one answer. */
enum kho_in_kind __init kho_in_span(phys_addr_t phys, phys_addr_t *start,
				    phys_addr_t *end)
{
	struct memblock_region *r = memblock.memory.regions;
	int cnt = memblock.memory.cnt, i = kho_in_region_at(phys), lo, hi;
	enum kho_in_kind kind;

	if (i < 0 || phys >= kho_in_region_end(&r[i])) {
		*start = i < 0 ? 0 : kho_in_region_end(&r[i]);
		*end = i + 1 < cnt ? r[i + 1].base : PHYS_ADDR_MAX;
		return KHO_IN_NOT_RAM;
	}

	kind = kho_in_region_kind(&r[i]);
	for (lo = i; lo > 0 && kho_in_region_end(&r[lo - 1]) == r[lo].base &&
	     kho_in_region_kind(&r[lo - 1]) == kind; lo--)
		;
	for (hi = i; hi + 1 < cnt && kho_in_region_end(&r[hi]) == r[hi + 1].base &&
	     kho_in_region_kind(&r[hi + 1]) == kind; hi++)
		;
	*start = r[lo].base;
	*end = kho_in_region_end(&r[hi]);
	return kind;
}

static bool __init kho_in_over_image(phys_addr_t phys, phys_addr_t size)
{
	return phys < __pa_symbol(_end) && __pa_symbol(_text) < phys + size;
}

/* See kho_in_check.h. */
enum kho_in_kind __init kho_in_page_kind(phys_addr_t phys)
{
	phys_addr_t start, end;
	enum kho_in_kind kind;

	kind = kho_in_span(phys, &start, &end);
	if (kind)
		return kind;
	if (phys + PAGE_SIZE > end)
		return KHO_IN_NOT_RAM;
	if (kho_in_over_image(phys, PAGE_SIZE))
		return KHO_IN_IMAGE;
	if (memblock_is_region_reserved(phys, PAGE_SIZE))
		return KHO_IN_RESERVED;
	return KHO_IN_OK;
}

/*
 * A tree page's own struct page holds vetting's marks and list node: tree
 * pages are not preserved memory, and memblock_free_all() initialises their
 * struct pages afresh (kho_in_forget_pages() clears the rest).
 */
unsigned long * __init kho_in_page_word(phys_addr_t phys)
{
	return &pfn_to_page(PHYS_PFN(phys))->private;
}

struct list_head * __init kho_in_page_node(phys_addr_t phys)
{
	return &pfn_to_page(PHYS_PFN(phys))->lru;
}

phys_addr_t __init kho_in_node_page(const struct list_head *node)
{
	return page_to_phys(list_entry(node, struct page, lru));
}

/*
 * The reservation, in one of two modes: exact (a bulk memblock insert of
 * every range) or coarse, when memblock has no room for that many regions:
 * ranges closer than @gap with nothing reserved between them are merged,
 * into at most ARRAY_SIZE(@regions) regions.
 */
#define KHO_IN_COARSE_MAX	64

static struct {
	bool coarse;
	bool full;
	phys_addr_t gap;
	unsigned int nr;
	struct memblock_region regions[KHO_IN_COARSE_MAX];
} kho_in_resv __initdata;

static int __init kho_in_collect(phys_addr_t base, phys_addr_t size)
{
	struct memblock_region *last;
	phys_addr_t end = base + size, start, stop;

	/* Ranges come downwards: @base + @size is at or below the last one. */
	if (kho_in_resv.nr) {
		last = &kho_in_resv.regions[kho_in_resv.nr - 1];
		if (last->base - end < kho_in_resv.gap &&
		    (end == last->base ||
		     (kho_in_span(end, &start, &stop) == KHO_IN_OK && stop >= last->base &&
		      !memblock_is_region_reserved(end, last->base - end)))) {
			last->size += last->base - base;
			last->base = base;
			return 0;
		}
	}
	if (kho_in_resv.nr == KHO_IN_COARSE_MAX) {
		/* Goes on, so that the sweep ends; this gap is too fine. */
		kho_in_resv.full = true;
		return 0;
	}
	kho_in_resv.regions[kho_in_resv.nr++] = (struct memblock_region){
		.base = base,
		.size = size,
	};
	return 0;
}

/*
 * Whether the struct page of @pfn is ours to initialise: in a kept block or
 * a coarse gap; with no @v, every page is (a stretch reserved exactly).
 */
static bool __init kho_in_ours(const struct kho_in_vet *v, unsigned long pfn)
{
	phys_addr_t phys = PFN_PHYS(pfn);
	unsigned int i;

	if (!v || kho_in_covered(v->root, v->orders, pfn))
		return true;
	for (i = 0; kho_in_resv.coarse && i < kho_in_resv.nr; i++)
		if (phys >= kho_in_resv.regions[i].base &&
		    phys - kho_in_resv.regions[i].base < kho_in_resv.regions[i].size)
			return kho_in_resv.regions[i].flags & MEMBLOCK_RSRV_NOINIT;
	return false;
}

/*
 * An edge page of a reserved stretch, before the buddy allocator may look at
 * it. @whole when it heads a pageblock that also holds free memory: that
 * pageblock needs its migratetype before deferred init frees the free part
 * (which sets no migratetype for a pageblock whose head it does not free),
 * and setting it reads the page's zone. Otherwise one word does: "no page
 * type", so that PageBuddy() and PageGuard() are false whatever else is
 * there, with no node or zone to look up.
 */
static void __init kho_in_init_edge(unsigned long pfn, bool whole)
{
	if (whole)
		init_deferred_page(pfn, early_pfn_to_nid(pfn));
	else
		pfn_to_page(pfn)->page_type = UINT_MAX;
}

/*
 * The buddy allocator, merging a free block, looks at the struct page of
 * its buddy: for memory next to a reserved stretch [@pfn, @end_pfn), that
 * can be the stretch's first page or, at its end, the block of the size of
 * the end's alignment. A pageblock the stretch ends inside of needs its
 * head's migratetype too. Those pages are initialised when they are ours
 * (see kho_in_ours()), before deferred init or deferred_grow_zone() frees
 * their neighbours; the rest of each struct page is written by restore or
 * by kho_memory_init_late(). Nothing else of preserved memory is written
 * in early boot, and a whole struct page only for a pageblock head.
 */
static void __init kho_in_init_stretch(unsigned long pfn, unsigned long end_pfn,
				       const struct kho_in_vet *v)
{
	unsigned long head = pageblock_start_pfn(end_pfn - 1), edge;
	unsigned int shift = __ffs(end_pfn);

	if (kho_in_ours(v, pfn))
		kho_in_init_edge(pfn, pageblock_aligned(pfn));
	if (head > pfn && !pageblock_aligned(end_pfn) && kho_in_ours(v, head))
		kho_in_init_edge(head, true);
	if (shift >= MAX_PAGE_ORDER || end_pfn - pfn < BIT(shift))
		return;
	edge = end_pfn - BIT(shift);
	if (edge != pfn && edge != head && kho_in_ours(v, edge))
		kho_in_init_edge(edge, pageblock_aligned(edge));
}

/*
 * See kho_in_check.h. A kept stretch reserved exactly has its edges
 * initialised here, while its bounds are at hand, with no lookup.
 */
int __init kho_in_emit(phys_addr_t base, phys_addr_t size, bool preserved)
{
	int err;

	if (kho_in_resv.coarse)
		return kho_in_collect(base, size);
	err = memblock_reserve_bulk_add(base, size, preserved ?
					MEMBLOCK_RSRV_NOINIT : MEMBLOCK_NONE);
	if (!err && preserved)
		kho_in_init_stretch(PHYS_PFN(base), PHYS_PFN(base + size), NULL);
	return err;
}

/* Step 2 ------------------------------------------------------------------ */

/*
 * Memory may become scratch in units of 1 << KHO_EXTEND_SHIFT bytes; a unit
 * holding anything of the handover stays out. The map covers the first
 * 64 TiB; memory above is not added to scratch.
 */
#define KHO_IN_BUSY_BITS	SZ_64K
static DECLARE_BITMAP(kho_in_busy_map, KHO_IN_BUSY_BITS) __initdata;

/*
 * Scratch may grow into every unit of memory that holds neither a preserved
 * block nor a tree page. Best effort: a kernel that cannot extend scratch
 * still boots if the inherited scratch is big enough.
 */
static void __init kho_in_extend_scratch(void)
{
	unsigned long nbits = min_t(u64, KHO_IN_BUSY_BITS,
				    DIV_ROUND_UP_ULL(memblock_end_of_DRAM(),
						     1ULL << KHO_EXTEND_SHIFT));
	unsigned long first, end;
	int err;

	kho_in_busy(kho_boot.tree_phys,
		    memblock_phys_mem_size() >> PAGE_SHIFT, kho_in_busy_map,
		    nbits, KHO_EXTEND_SHIFT);
	if (kho_in_fdt_phys >> KHO_EXTEND_SHIFT < nbits)
		__set_bit(kho_in_fdt_phys >> KHO_EXTEND_SHIFT, kho_in_busy_map);

	for_each_clear_bitrange(first, end, kho_in_busy_map, nbits) {
		err = kho_in_fail("memblock_mark_kho_scratch") ? -ENOMEM :
		      memblock_mark_kho_scratch((phys_addr_t)first << KHO_EXTEND_SHIFT,
						(phys_addr_t)(end - first) << KHO_EXTEND_SHIFT);
		if (err) {
			pr_warn("could not extend scratch (%pe), early boot may run short\n",
				ERR_PTR(err));
			return;
		}
	}
}

/* Forget a handover that failed its checks, as if this were a cold boot. */
static void __init kho_in_drop(void)
{
	memblock_clear_kho_scratch_only();
	memblock_phys_free(kho_boot.scratch_phys, kho_boot.scratch_len);
	kho_scratch_adopt(NULL, 0);
	kho_in_fdt_phys = 0;
}

/* Whether the FDT and the tree's root lie where this kernel may read them. */
static bool __init kho_in_placed(void)
{
	phys_addr_t fdt = kho_in_fdt_phys, end = fdt + kho_boot.fdt_len;
	phys_addr_t root = kho_boot.tree_phys;
	enum kho_in_kind kind;

	/* It is read for the whole uptime: it must stay where it is. */
	for (; fdt < end; fdt = PAGE_ALIGN(fdt + 1)) {
		kind = kho_in_page_kind(fdt & PAGE_MASK);
		if (kind) {
			pr_warn("ignoring the handover: FDT %s (at %pa)\n",
				kho_in_kind_name(kind), &kho_in_fdt_phys);
			return false;
		}
	}

	kind = root & ~PAGE_MASK ? KHO_IN_MISALIGNED : kho_in_page_kind(root);
	if (kind) {
		pr_warn("ignoring the handover: tree root %s (at %pa)\n",
			kho_in_kind_name(kind), &root);
		return false;
	}
	return true;
}

/**
 * kho_memory_init_early - Check where the handover lies and widen scratch.
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

	if (!kho_in_placed()) {
		kho_in_drop();
		return;
	}
	kho_in_extend_scratch();
}

/* Step 3 ------------------------------------------------------------------ */

/* Refuse blocks over memory this kernel is already using. */
static void __init kho_in_refuse_used(struct kho_in_vet *v)
{
	struct memblock_region *r;

	kho_in_refuse_range(v, __pa_symbol(_text), __pa_symbol(_end), KHO_IN_IMAGE);
	for_each_reserved_mem_region(r)
		kho_in_refuse_range(v, r->base, r->base + r->size, KHO_IN_RESERVED);
	kho_in_refuse_tree_pages(v);
}

/* Reserve every kept range with one bulk insert; -ENOMEM if there is no room. */
static int __init kho_in_reserve_exact(struct kho_in_vet *v)
{
	/* Each edge between memory regions can cut a run once more. */
	unsigned long cnt = kho_in_max_emits(v) + memblock.memory.cnt;
	int err;

	err = kho_in_fail("memblock_reserve_bulk_begin") ? -ENOMEM :
	      memblock_reserve_bulk_begin(cnt);
	if (err)
		return err;
	kho_in_reserve(v);
	memblock_reserve_bulk_end();
	return 0;
}

/*
 * No room for every range: merge them into few regions, with the gaps
 * between them reserved too (kho_in_pages.c gives the gaps back once it
 * has initialised their struct pages), coarser until they fit.
 */
static int __init kho_in_reserve_coarse(struct kho_in_vet *v)
{
	struct memblock_region *r;
	unsigned int i, done;
	int err = 0;

	kho_in_resv.coarse = true;
	for (kho_in_resv.gap = SZ_2M; ; kho_in_resv.gap <<= 4) {
		kho_in_resv.nr = 0;
		kho_in_resv.full = false;
		kho_in_reserve(v);
		if (!kho_in_resv.full)
			break;
		if (kho_in_resv.gap >= PHYS_ADDR_MAX >> 4) {
			kho_in_resv.nr = 0;
			return -ENOSPC;
		}
	}

	/* Normal reservations first: their struct pages get initialised. */
	for (done = 0; done < kho_in_resv.nr; done++) {
		r = &kho_in_resv.regions[done];
		err = kho_in_fail("memblock_reserve") ? -ENOMEM :
		      memblock_reserve(r->base, r->size);
		if (err)
			break;
	}
	for (i = 0; i < done; i++) {
		r = &kho_in_resv.regions[i];
		if (!kho_in_fail("memblock_reserved_mark_noinit") &&
		    !memblock_reserved_mark_noinit(r->base, r->size))
			r->flags = MEMBLOCK_RSRV_NOINIT;
	}
	kho_in_resv.nr = done;
	return err;
}

/* The regions of a coarse reservation, for kho_in_pages.c; NULL if exact. */
const struct memblock_region * __init kho_in_coarse(unsigned int *nr)
{
	*nr = kho_in_resv.nr;
	return kho_in_resv.coarse ? kho_in_resv.regions : NULL;
}

/*
 * Coarse reservations merge kept blocks with the gaps between them and with
 * memory reserved before: the edges of each reserved stretch, whichever
 * region they lie in, are initialised when they are ours.
 */
static void __init kho_in_init_edges(const struct kho_in_vet *v)
{
	struct memblock_region *r = memblock.reserved.regions;
	unsigned long i, n = memblock.reserved.cnt, next;

	for (i = 0; i < n; i = next) {
		for (next = i + 1; next < n &&
		     r[next - 1].base + r[next - 1].size == r[next].base; next++)
			;
		kho_in_init_stretch(PHYS_PFN(r[i].base),
				    PHYS_PFN(r[next - 1].base + r[next - 1].size), v);
	}
}

/*
 * The handover is lost after a coarse reservation stopped part-way: give
 * the regions it did reserve back, so that their memory is initialised and
 * freed as any free memory is. A region that memblock cannot give back
 * stays reserved, with the edges of its stretch initialised as on success,
 * for kho_in_pages.c to initialise and free later: the buddy allocator
 * reads the struct pages next to the free memory it merges.
 */
static void __init kho_in_unreserve_coarse(const struct kho_in_vet *v)
{
	struct memblock_region *r;
	unsigned int i, kept = 0;

	for (i = 0; i < kho_in_resv.nr; i++) {
		r = &kho_in_resv.regions[i];
		if (memblock_phys_free(r->base, r->size))
			kho_in_resv.regions[kept++] = *r;
	}
	kho_in_resv.nr = kept;
	kho_in_resv.coarse = kept;
	if (kept) {
		pr_err("cannot give back %u coarse regions\n", kept);
		kho_in_init_edges(v);
	}
}

/* Keep every reserve_mem= region of the handover reserved, whatever else. */
static void __init kho_in_keep_reserve_mem(void)
{
	const void *fdt = kho_in_fdt(), *base;
	int node, child, len_start, len_size;
	const u64 *start, *size;
	phys_addr_t phys;
	size_t len;

	if (!fdt)
		return;
	node = fdt_subnode_offset(fdt, 0, MEMBLOCK_KHO_FDT);
	if (node < 0 || kho_fdt_read_blob(fdt, node, &phys, &len))
		return;
	base = len >= sizeof(struct fdt_header) ? kho_in_blob(phys, len) : NULL;
	if (!base || fdt_check_header(base) ||
	    fdt_node_check_compatible(base, 0, MEMBLOCK_KHO_NODE_COMPATIBLE))
		return;

	fdt_for_each_subnode(child, base, 0) {
		start = fdt_getprop(base, child, "start", &len_start);
		size = fdt_getprop(base, child, "size", &len_size);
		if (!start || len_start != sizeof(*start) || !size ||
		    len_size != sizeof(*size) || !get_unaligned(size))
			continue;
		if (kho_in_fail("memblock_reserve") ||
		    memblock_reserve(get_unaligned(start), get_unaligned(size)))
			pr_err("cannot keep reserve_mem region '%s' reserved\n",
			       fdt_get_name(base, child, NULL));
	}
}

static void __init kho_in_report(const struct kho_in_vet *v, u64 t0, u64 t1)
{
	const struct kho_in_tally *t;
	unsigned int kind;

	for (kind = 1; kind < KHO_IN_KINDS; kind++) {
		t = &v->entries[kind];
		if (t->count)
			pr_warn("refused %lu table entries %s, first at %pa\n",
				t->count, kho_in_kind_name(kind), &t->first);
		t = &v->blocks[kind];
		/* Leaf bits that are no block's key have no address to show. */
		if (t->count && !t->pages)
			pr_warn("refused %lu leaf bits that name no block\n", t->count);
		else if (t->count)
			pr_warn("refused %lu preserved blocks (%lu KiB) %s, first at %pa\n",
				t->count, t->pages << (PAGE_SHIFT - 10),
				kho_in_kind_name(kind), &t->first);
	}
	pr_info("vetted %lu tree pages and %lu preserved blocks in %lu runs in %llu us\n",
		v->stats.tables + v->stats.leaves, v->stats.keys, v->runs,
		div_u64(t1 - t0, NSEC_PER_USEC));
	pr_info("reserved %lu preserved blocks, %lu KiB in %lu ranges in %llu us\n",
		v->kept, v->kept_pages << (PAGE_SHIFT - 10), v->stretches,
		div_u64(local_clock() - t1, NSEC_PER_USEC));
}

/* Vet the tree and reserve what it preserves; false if nothing could be kept. */
static bool __init kho_in_take_tree(void)
{
	struct kho_in_vet *v = &kho_boot.vet;
	u64 t0 = local_clock(), t1;
	enum kho_in_kind kind;
	int err;

	kind = kho_in_vet_tree(v, kho_boot.tree_phys,
			       memblock_phys_mem_size() >> PAGE_SHIFT);
	if (kind) {
		pr_err("the root of the tree is %s now, the handover is lost\n",
		       kho_in_kind_name(kind));
		return false;
	}
	v->fdt = kho_in_fdt_phys & PAGE_MASK;
	v->fdt_end = PAGE_ALIGN(kho_in_fdt_phys + kho_boot.fdt_len);
	kho_in_refuse_used(v);
	t1 = local_clock();

	err = kho_in_reserve_exact(v);
	if (err) {
		pr_warn("no room for %lu reservations (%pe), reserving coarsely\n",
			v->runs, ERR_PTR(err));
		err = kho_in_reserve_coarse(v);
	}
	if (err && !kho_in_resv.nr) {
		kho_in_forget_pages(v);
		pr_err("cannot reserve preserved memory (%pe), the handover is lost\n",
		       ERR_PTR(err));
		return false;
	}
	if (err) {
		/* Blocks outside what was reserved go to the allocator ... */
		phys_addr_t below = kho_in_resv.regions[kho_in_resv.nr - 1].base;

		/* ... which must not get the tree or the FDT, still to be read. */
		if (kho_in_node_page(v->pages.next) < below || v->fdt < below) {
			/* Issue 13 defect 8: nothing of it may stay half-done. */
			kho_in_unreserve_coarse(v);
			kho_in_forget_pages(v);
			pr_err("cannot reserve the tree itself (%pe), the handover is lost\n",
			       ERR_PTR(err));
			return false;
		}
		kho_in_refuse_range(v, 0, below, KHO_IN_NOROOM);
		pr_warn("only part of the preserved memory was reserved (%pe)\n",
			ERR_PTR(err));
	}
	if (kho_in_resv.coarse)
		pr_warn("reserved %u coarse regions, gaps up to %pa included\n",
			kho_in_resv.nr, &kho_in_resv.gap);

	if (kho_in_resv.coarse)
		kho_in_init_edges(v);
	kho_in_forget_pages(v);
	kho_in_report(v, t0, t1);
	kho_in_set_tree(v->root, v->orders);
	return true;
}

/* What debugfs shows of the handover after boot; its copy has a live lock. */
static struct kho_in_summary kho_in_sum;

/**
 * kho_in_summary - What the previous kernel handed over.
 *
 * Context: Any context, after boot.
 * Return: the summary, or NULL on a cold boot or if the handover was
 * dropped.
 */
const struct kho_in_summary *kho_in_summary(void)
{
	return kho_in_sum.valid ? &kho_in_sum : NULL;
}

/* Keep the refusals and the size of the handover for debugfs. */
static void __init kho_in_summarise(const struct kho_in_vet *v)
{
	memcpy(kho_in_sum.entries, v->entries, sizeof(v->entries));
	memcpy(kho_in_sum.blocks, v->blocks, sizeof(v->blocks));
	kho_in_sum.tree = v->stats;
	kho_in_sum.kept = v->kept;
	kho_in_sum.kept_pages = v->kept_pages;
	kho_in_sum.valid = true;
}

/*
 * The copy of the vetted tree that debugfs shows, taken before LUO's
 * early_initcall (linked after this file) can restore anything: restores
 * clear the bits of the tree they take blocks from.
 */
static int __init kho_in_snapshot(void)
{
	int err;

	if (!IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUGFS) || !kho_in_sum.valid)
		return 0;
	err = kho_radix_tree_clone(&kho_in_sum.copy, kho_boot.vet.root);
	if (err)
		pr_warn("no debugfs copy of the incoming tree: %pe\n", ERR_PTR(err));
	return 0;
}
early_initcall(kho_in_snapshot);

/**
 * kho_memory_init - Reserve preserved memory, or make scratch for the next kernel.
 *
 * On a handover boot, vets the incoming tree and reserves every preserved
 * block it keeps; the tree's own pages stay reserved until kho_in_pages.c
 * is done with them. On a cold boot with KHO enabled, reserves the scratch
 * areas that a successor will boot in.
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

	if (kho_in_take_tree())
		kho_in_summarise(&kho_boot.vet);
	/*
	 * reserve_mem= has revived its regions from the handover by now, and
	 * their users will write them whatever became of the rest.
	 */
	kho_in_keep_reserve_mem();
	if (!kho_in_sum.valid)
		kho_in_fdt_phys = 0;
	kho_in_fault_report();
}
