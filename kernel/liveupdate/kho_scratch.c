// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO scratch areas: memory that never holds preserved blocks
 *
 * A kexec successor must not allocate anything before it knows which memory
 * its predecessor preserved, yet it needs memory to find out: a place to be
 * loaded, page tables, the memblock arrays, the memory map. KHO therefore
 * keeps a few *scratch areas* that are never preserved: one below
 * ARCH_LOW_ADDRESS_LIMIT, one anywhere, and one per NUMA node with memory.
 * kexec places the next kernel's segments in them, the successor's memblock
 * allocates only from them until the preserved-memory tree has been read,
 * and the page allocator gives them out only for movable allocations
 * (MIGRATE_CMA): an owner that wants such memory preserved pins it first,
 * which migrates it out of scratch.
 *
 * A cold-booted kernel carves the areas out of memblock, sized from what the
 * kernel itself reserved while booting (kho_scratch_reserve()). A successor
 * inherits its predecessor's list and hands the same list on, so the areas
 * stay where they are across any chain of kexecs.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/kmemleak.h>
#include <linux/math.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/page-isolation.h>
#include <linux/string.h>

#include "../../mm/mm_init.h"
#include "../kexec_internal.h"
#include "kexec_handover_internal.h"

/*
 * Deferred struct page init hands memory to the buddy allocator in blocks of
 * up to MAX_PAGE_ORDER and looks at the buddy of each block while merging.
 * An area that is not aligned to that size would let it look at struct pages
 * outside the area that nobody initialised. The alignment also has to cover
 * a CMA pageblock, since the areas are given out as MIGRATE_CMA.
 */
#define KHO_SCRATCH_ALIGN	(PAGE_SIZE * MAX_ORDER_NR_PAGES)
static_assert(KHO_SCRATCH_ALIGN >= CMA_MIN_ALIGNMENT_BYTES);

struct kho_scratch *kho_scratch;
unsigned int kho_scratch_cnt;

/*
 * Whether this kernel carved the areas out itself (a cold boot), and so
 * holds them reserved: only then may they be released or freed. Inherited
 * areas were never reserved here, whatever became of the handover.
 */
static bool kho_scratch_owned __initdata;

/* The kinds of area, in the order a cold boot places them in the list. */
enum kho_scratch_kind {
	KHO_SCRATCH_LOWMEM,
	KHO_SCRATCH_GLOBAL,
	KHO_SCRATCH_PERNODE,
	KHO_SCRATCH_KINDS,
};

/*
 * Sizing, from the kho_scratch= parameter:
 *
 *   kho_scratch=N%       every area is N percent of the memory the kernel
 *                        reserved in its range while booting (HugeTLB
 *                        excluded, it never comes from scratch); the
 *                        default is 200%; 0% is refused.
 *   kho_scratch=L,G,P    the low-memory area is L bytes, the global one G
 *                        and each per-node one P; K, M and G suffixes work.
 *
 * Explicit sizes replace the percentage, which is then 0.
 */
static unsigned int kho_scratch_percent __initdata = 200;
static phys_addr_t kho_scratch_bytes[KHO_SCRATCH_KINDS] __initdata;

static int __init kho_parse_scratch_percent(char *arg, size_t len)
{
	unsigned int percent;
	int err;

	/* The command line copy is ours to edit: drop the '%'. */
	arg[len - 1] = '\0';
	err = kstrtouint(arg, 10, &percent);
	if (err)
		return err;
	/* No scratch at all would leave a successor nowhere to boot. */
	if (!percent) {
		pr_warn("kho_scratch=0%% ignored, keeping %u%%\n",
			kho_scratch_percent);
		return -EINVAL;
	}

	kho_scratch_percent = percent;
	pr_info("scratch areas sized at %u%% of kernel memory\n", percent);
	return 0;
}

static int __init kho_parse_scratch_sizes(char *arg)
{
	phys_addr_t sizes[KHO_SCRATCH_KINDS];
	phys_addr_t total = 0;
	char *end;
	int kind;

	for (kind = 0; kind < KHO_SCRATCH_KINDS; kind++) {
		if (kind) {
			if (*arg != ',')
				return -EINVAL;
			arg++;
		}
		sizes[kind] = memparse(arg, &end);
		if (end == arg)
			return -EINVAL;
		total += sizes[kind];
		arg = end;
	}
	if (*arg || !total)
		return -EINVAL;

	memcpy(kho_scratch_bytes, sizes, sizeof(sizes));
	kho_scratch_percent = 0;
	pr_info("scratch areas: low memory %llu MiB, global %llu MiB, per node %llu MiB\n",
		(u64)sizes[KHO_SCRATCH_LOWMEM] >> 20,
		(u64)sizes[KHO_SCRATCH_GLOBAL] >> 20,
		(u64)sizes[KHO_SCRATCH_PERNODE] >> 20);
	return 0;
}

static int __init kho_parse_scratch(char *arg)
{
	size_t len = arg ? strlen(arg) : 0;

	if (!len)
		return -EINVAL;
	if (arg[len - 1] == '%')
		return kho_parse_scratch_percent(arg, len);
	return kho_parse_scratch_sizes(arg);
}
early_param("kho_scratch", kho_parse_scratch);

/* kho_scratch_percent of what the kernel reserved below @limit on @nid. */
static phys_addr_t __init kho_scratch_share(phys_addr_t limit, int nid)
{
	phys_addr_t used = memblock_reserved_kern_size(limit, nid);

	/* HugeTLB pages are never allocated from scratch. */
	used -= memblock_reserved_hugetlb_size(limit, nid);
	return mult_frac(used, kho_scratch_percent, 100);
}

static phys_addr_t __init kho_scratch_size(enum kho_scratch_kind kind, int nid)
{
	phys_addr_t size;

	if (!kho_scratch_percent)
		size = kho_scratch_bytes[kind];
	else if (kind == KHO_SCRATCH_LOWMEM)
		size = kho_scratch_share(ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE);
	else if (kind == KHO_SCRATCH_GLOBAL)
		/* Everything, less what the low-memory area already covers. */
		size = kho_scratch_share(MEMBLOCK_ALLOC_ANYWHERE, NUMA_NO_NODE) -
		       kho_scratch_share(ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE);
	else
		size = kho_scratch_share(MEMBLOCK_ALLOC_ANYWHERE, nid);

	return round_up(size, KHO_SCRATCH_ALIGN);
}

/*
 * Allocate one area below @limit (on exactly @nid unless NUMA_NO_NODE) into
 * the next free slot of @areas. An area sized zero is simply left out.
 */
static int __init kho_scratch_take(struct kho_scratch *areas, unsigned int *cnt,
				   phys_addr_t size, phys_addr_t limit, int nid)
{
	phys_addr_t addr;

	if (!size)
		return 0;

	addr = memblock_alloc_range_nid(size, KHO_SCRATCH_ALIGN, 0, limit, nid,
					nid != NUMA_NO_NODE);
	if (!addr) {
		pr_err("cannot reserve %pa bytes of scratch (node %d)\n",
		       &size, nid);
		return -ENOMEM;
	}

	areas[*cnt].addr = addr;
	areas[*cnt].size = size;
	(*cnt)++;
	return 0;
}

/**
 * kho_scratch_reserve - Carve out the scratch areas on a cold boot.
 *
 * Sizes come from kho_scratch= or from the kernel's own memblock use so far,
 * which is why this runs as late as memblock allows. On failure nothing
 * stays allocated.
 *
 * Context: Early boot, memblock active, only on a boot without handover.
 * Return: 0 on success, -ENOMEM if an area or the list cannot be allocated.
 */
int __init kho_scratch_reserve(void)
{
	unsigned int max = KHO_SCRATCH_PERNODE + nodes_weight(node_states[N_MEMORY]);
	struct kho_scratch *areas;
	unsigned int cnt = 0;
	int nid, err;

	areas = memblock_alloc(max * sizeof(*areas), PAGE_SIZE);
	if (!areas)
		return -ENOMEM;

	err = kho_scratch_take(areas, &cnt,
			       kho_scratch_size(KHO_SCRATCH_LOWMEM, NUMA_NO_NODE),
			       ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE);
	if (err)
		goto err_free_areas;

	err = kho_scratch_take(areas, &cnt,
			       kho_scratch_size(KHO_SCRATCH_GLOBAL, NUMA_NO_NODE),
			       MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE);
	if (err)
		goto err_free_areas;

	/* Memoryless nodes cannot host an area, and need none. */
	for_each_node_state(nid, N_MEMORY) {
		err = kho_scratch_take(areas, &cnt,
				       kho_scratch_size(KHO_SCRATCH_PERNODE, nid),
				       MEMBLOCK_ALLOC_ACCESSIBLE, nid);
		if (err)
			goto err_free_areas;
	}

	kho_scratch = areas;
	kho_scratch_cnt = cnt;
	kho_scratch_owned = true;
	return 0;

err_free_areas:
	while (cnt--)
		memblock_phys_free(areas[cnt].addr, areas[cnt].size);
	memblock_free(areas, max * sizeof(*areas));
	return err;
}

/**
 * kho_scratch_adopt - Use the scratch areas a predecessor handed over.
 * @areas: the list, mapped in the direct map; NULL to forget the areas.
 * @cnt:   the number of entries in @areas.
 *
 * Context: Early boot.
 */
void __init kho_scratch_adopt(struct kho_scratch *areas, unsigned int cnt)
{
	kho_scratch = areas;
	kho_scratch_cnt = areas ? cnt : 0;
}

/**
 * kho_scratch_overlap - Check whether a range touches a scratch area.
 * @phys: start of the range.
 * @size: length of the range in bytes.
 *
 * Preserved memory must never be in scratch: the successor allocates from
 * scratch before it knows what is preserved. This is also how the memory
 * map code finds the pageblocks to give out as MIGRATE_CMA.
 *
 * Context: Any context. The list is fixed once mm is up.
 * Return: true if [@phys, @phys + @size) intersects a scratch area.
 */
bool kho_scratch_overlap(phys_addr_t phys, size_t size)
{
	return __kho_scratch_overlap(phys, phys + size);
}

/**
 * kho_scratch_extend - Let memblock also use memory that holds nothing preserved.
 * @busy:  one bit per 1 << %KHO_EXTEND_SHIFT bytes of physical address
 *         space, set where preserved blocks or incoming tree pages lie.
 * @nbits: number of bits in @busy; it covers all of memblock.memory.
 *
 * The inherited areas are sized for the predecessor's boot, while the
 * successor must allocate its whole memory map before it may leave scratch.
 * Every clear bit of @busy marks memory that no preserved data lives in, so
 * it can be scratch too until the preserved blocks are reserved.
 *
 * Context: Early boot, after the architecture has settled memblock.memory
 * (on EFI systems, after reserve_regions() rebuilt it) and before anything
 * allocates the memory map.
 * Return: 0 on success, or the error of the memblock call that failed.
 */
int __init kho_scratch_extend(const unsigned long *busy, unsigned long nbits)
{
	unsigned long first, end;
	int err = 0;

	for_each_clear_bitrange(first, end, busy, nbits) {
		err = memblock_mark_kho_scratch((phys_addr_t)first << KHO_EXTEND_SHIFT,
						(phys_addr_t)(end - first) << KHO_EXTEND_SHIFT);
		if (err)
			break;
	}
	return err;
}

/**
 * kho_scratch_release - Give cold-boot scratch to the page allocator.
 *
 * kho_scratch_reserve() took the areas out of memblock, so they are still
 * reserved; they become MIGRATE_CMA pageblocks so that only movable pages,
 * which can be moved out before they are preserved, land in them. A
 * successor needs none of this: its areas were never reserved, and the
 * memory map already marks them CMA through kho_scratch_overlap().
 *
 * Context: Boot, page allocator up. Does nothing unless
 * kho_scratch_reserve() carved the areas out.
 */
void __init kho_scratch_release(void)
{
	unsigned int i;

	if (!kho_scratch_owned)
		return;
	kho_scratch_owned = false;
	for (i = 0; i < kho_scratch_cnt; i++) {
		unsigned long pfn = PHYS_PFN(kho_scratch[i].addr);
		unsigned long end = pfn + PHYS_PFN(kho_scratch[i].size);

		/*
		 * With debug_pagealloc, freed pages are unmapped, and a
		 * kmemleak scan of them would fault.
		 */
		kmemleak_ignore_phys(kho_scratch[i].addr);
		/* An area beyond mem= is not this kernel's memory (no memmap). */
		for (; pfn < end; pfn += pageblock_nr_pages)
			if (pfn_valid(pfn))
				init_cma_reserved_pageblock(pfn_to_page(pfn));
	}
}

/**
 * kho_scratch_free - Return cold-boot scratch when KHO could not start.
 *
 * Context: Boot, page allocator up, instead of kho_scratch_release(). Does
 * nothing unless kho_scratch_reserve() carved the areas out.
 */
void __init kho_scratch_free(void)
{
	unsigned int i;

	if (!kho_scratch_owned)
		return;
	kho_scratch_owned = false;
	for (i = 0; i < kho_scratch_cnt; i++) {
		void *start = phys_to_virt(kho_scratch[i].addr);

		free_reserved_area(start, start + kho_scratch[i].size, -1, NULL);
	}
	kho_scratch_cnt = 0;
}

/**
 * kho_locate_mem_hole - Place a kexec segment inside scratch memory.
 * @kbuf: the segment to place.
 * @func: tries to fit @kbuf into a range; returns 1 once it did.
 *
 * With KHO on, any memory outside scratch may be preserved by the time the
 * machine kexecs, so segments go into scratch only.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 if @kbuf was placed, -EADDRNOTAVAIL if no area could take it,
 * 1 if KHO does not apply (disabled, or a crash kernel) and the caller
 * should search as usual.
 */
int kho_locate_mem_hole(struct kexec_buf *kbuf,
			int (*func)(struct resource *, void *))
{
	unsigned int i;

	if (!kho_is_enabled() || kbuf->image->type == KEXEC_TYPE_CRASH)
		return 1;

	for (i = 0; i < kho_scratch_cnt; i++) {
		struct resource res = DEFINE_RES_MEM(kho_scratch[i].addr,
						     kho_scratch[i].size);
		int ret;

		/* Not this kernel's memory (beyond mem=): it cannot load there. */
		if (!pfn_valid(PHYS_PFN(kho_scratch[i].addr)))
			continue;
		ret = func(&res, kbuf);

		if (ret == 1)
			return 0;
		if (ret)
			break;
	}
	return -EADDRNOTAVAIL;
}
