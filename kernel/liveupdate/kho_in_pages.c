// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the incoming side: who may restore a block, and its struct pages
 *
 * Early boot (kho_incoming.c) reserves the preserved blocks without writing
 * their struct pages: a host hands over most of its RAM, and initialising
 * every struct page of it on one CPU while the virtual machines wait is
 * what this design avoids. The authority on what may be restored moves
 * through three phases:
 *
 * tree  From kho_memory_init() on, the vetted incoming tree holds exactly
 *       the kept blocks. A restore claims a block by clearing its bit with
 *       one atomic operation, then initialises the block's struct pages
 *       itself (it writes them anyway). LUO restores this way from its
 *       early_initcall.
 * pass  kho_memory_init_late(), from page_alloc_init_late(): one thread per
 *       node, each with padata helpers (as deferred struct page init does),
 *       initialises the struct pages of every block nobody claimed and tags
 *       its head page with its order. This comes before anything walks pfns
 *       (page_ext and page_owner, set_zone_contiguous(), compaction,
 *       /proc/kpageflags, memory hotplug). Restores are refused while it
 *       runs; nothing restores at that point of boot.
 * tags  From then on, a restore claims a block by taking its head tag with
 *       one cmpxchg, as a stock 7.3 successor does. The tree's pages have
 *       gone back to the page allocator: nothing is kept per block or run.
 *
 * In none of them does restore take a lock that sleeps.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/padata.h>
#include <linux/page-isolation.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/topology.h>

#include "../../mm/mm_init.h"
#include "kexec_handover_internal.h"

enum kho_in_phase {
	KHO_IN_PHASE_TREE,
	KHO_IN_PHASE_PASS,
	KHO_IN_PHASE_TAGS,
};

/**
 * struct kho_in_auth - Who says what may be restored.
 * @root:   the vetted incoming tree; NULL on a cold boot, once the handover
 *          was lost, and after the pass.
 * @orders: a bit per order that the tree may hold.
 * @phase:  an &enum kho_in_phase.
 * @users:  restores working on the tree right now.
 */
static struct kho_in_auth {
	struct kho_radix_node *root;
	u64 orders;
	int phase;
	atomic_t users;
} kho_in_auth;

/*
 * Below each node's first deferred pfn, memmap_init() initialised every
 * struct page already, preserved ones included. Saved before
 * deferred_grow_zone() moves the mark over ranges it initialised, which
 * never include reserved memory.
 */
static unsigned long kho_in_first_deferred[MAX_NUMNODES] __initdata;

/**
 * kho_in_set_tree - Make a vetted incoming tree the authority on restores.
 * @root:   its root table.
 * @orders: a bit per order it may hold.
 *
 * Context: Early boot, from kho_memory_init().
 */
void __init kho_in_set_tree(struct kho_radix_node *root, u64 orders)
{
	int nid;

	for_each_online_node(nid) {
#ifdef CONFIG_DEFERRED_STRUCT_PAGE_INIT
		kho_in_first_deferred[nid] = NODE_DATA(nid)->first_deferred_pfn;
#else
		kho_in_first_deferred[nid] = ULONG_MAX;
#endif
	}
	kho_in_auth.orders = orders;
	kho_in_auth.root = root;
}

/* The leaf of the incoming tree that holds the bit of the block, or NULL. */
static struct kho_radix_leaf *kho_in_block_bit(unsigned long pfn,
					       unsigned int order,
					       unsigned int *bit)
{
	unsigned long key = kho_radix_encode_key(PFN_PHYS(pfn), order);

	*bit = key & (KHO_RADIX_LEAF_BITS - 1);
	return __kho_radix_find_leaf(kho_in_auth.root, key);
}

/**
 * kho_in_covered - Tell whether a page lies in a kept preserved block.
 * @root:   the vetted incoming tree.
 * @orders: a bit per order it may hold.
 * @pfn:    the page.
 *
 * Context: Early boot, before the tree is handed to restore.
 * Return: true if a block of the tree covers @pfn.
 */
bool __init kho_in_covered(const struct kho_radix_node *root, u64 orders,
			   unsigned long pfn)
{
	struct kho_radix_leaf *leaf;
	unsigned long key;
	unsigned int order;

	for (; orders; orders &= orders - 1) {
		order = __ffs64(orders);
		key = kho_radix_encode_key(PFN_PHYS(pfn & ~(BIT(order) - 1)), order);
		leaf = __kho_radix_find_leaf(root, key);
		if (leaf && test_bit(key & (KHO_RADIX_LEAF_BITS - 1), leaf->bitmap))
			return true;
	}
	return false;
}

/**
 * kho_in_tree_get - Enter a restore, and learn who decides it.
 *
 * Context: Any context.
 * Return: true if the incoming tree decides it: the caller then uses
 * kho_in_tree_take() and calls kho_in_tree_put() when done. false
 * otherwise: head tags decide once kho_in_tags_ready(), and nothing can be
 * restored before that.
 */
bool kho_in_tree_get(void)
{
	atomic_inc(&kho_in_auth.users);
	/* Pairs with the barrier in kho_memory_init_late(). */
	smp_mb__after_atomic();
	if (READ_ONCE(kho_in_auth.phase) == KHO_IN_PHASE_TREE)
		return true;
	atomic_dec(&kho_in_auth.users);
	return false;
}

/**
 * kho_in_tree_put - Leave a restore that kho_in_tree_get() let use the tree.
 *
 * Context: Any context.
 */
void kho_in_tree_put(void)
{
	atomic_dec(&kho_in_auth.users);
}

/**
 * kho_in_tags_ready - Tell whether restores may trust head tags.
 *
 * Context: Any context.
 * Return: true once the struct page pass is done; false while it runs.
 */
bool kho_in_tags_ready(void)
{
	/* Pairs with the release in kho_memory_init_late(). */
	return smp_load_acquire(&kho_in_auth.phase) == KHO_IN_PHASE_TAGS;
}

/**
 * kho_in_tree_take - Claim the preserved block that starts at a page.
 * @pfn:       the page.
 * @max_order: the largest order the caller can take.
 *
 * Orders are tried from the largest down: once vetted, at most one block
 * starts at any page.
 *
 * Context: Any context, between kho_in_tree_get() and kho_in_tree_put().
 * Return: the order of the block, now the caller's; -1 if none starts at
 * @pfn or another restore took it.
 */
int kho_in_tree_take(unsigned long pfn, unsigned int max_order)
{
	struct kho_radix_leaf *leaf;
	unsigned int bit;
	u64 orders;
	int order;

	orders = kho_in_auth.orders & GENMASK_ULL(min(max_order, 63U), 0);
	if (pfn)
		orders &= GENMASK_ULL(min(__ffs(pfn), 63UL), 0);
	for (; orders; orders &= ~BIT_ULL(order)) {
		order = fls64(orders) - 1;
		leaf = kho_in_block_bit(pfn, order, &bit);
		if (leaf && test_and_clear_bit(bit, leaf->bitmap))
			return order;
	}
	return -1;
}

/**
 * kho_in_tree_give - Undo kho_in_tree_take().
 * @pfn:   the page the block starts at.
 * @order: the order kho_in_tree_take() returned.
 *
 * Context: As kho_in_tree_take().
 */
void kho_in_tree_give(unsigned long pfn, unsigned int order)
{
	struct kho_radix_leaf *leaf;
	unsigned int bit;

	leaf = kho_in_block_bit(pfn, order, &bit);
	if (!WARN_ON_ONCE(!leaf))
		set_bit(bit, leaf->bitmap);
}

/* The zone of @nid that spans @pfn; MAX_NR_ZONES if none does. */
static unsigned int __meminit kho_in_zone(int nid, unsigned long pfn)
{
	pg_data_t *pgdat = NODE_DATA(nid);
	unsigned int zid;

	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		if (zone_spans_pfn(&pgdat->node_zones[zid], pfn))
			break;
	return zid;
}

/*
 * Initialise the struct pages of [@pfn, @end) as deferred init would have,
 * with the node and zone this kernel sees for each page: a block may lie on
 * another node than its first page (a successor with another topology).
 * Pages memmap_init() initialised already are skipped unless @all.
 */
static void __init kho_in_init_range(unsigned long pfn, unsigned long end,
				     bool all)
{
	unsigned long start_pfn, end_pfn, stop, zend;
	unsigned int zid;
	struct zone *zone;
	int nid;

	while (pfn < end) {
		nid = memblock_search_pfn_nid(pfn, &start_pfn, &end_pfn);
		if (nid < 0 || pfn < start_pfn) {
			/* Vetting keeps no block over a hole. */
			WARN_ON_ONCE(1);
			return;
		}
		stop = min(end, end_pfn);
		if (!all)
			pfn = max(pfn, kho_in_first_deferred[nid]);
		while (pfn < stop) {
			zid = kho_in_zone(nid, pfn);
			if (WARN_ON_ONCE(zid == MAX_NR_ZONES))
				return;
			zone = &NODE_DATA(nid)->node_zones[zid];
			zend = min(stop, zone_end_pfn(zone));
			for (; pfn < zend; pfn++) {
				__init_single_page(pfn_to_page(pfn), pfn, zid, nid);
				if (pageblock_aligned(pfn))
					init_pageblock_migratetype(pfn_to_page(pfn),
								   MIGRATE_MOVABLE, false);
			}
		}
		pfn = stop;
	}
}

/**
 * kho_in_init_block - Initialise the struct pages of a block restore claimed.
 * @pfn:   its first page.
 * @order: its order.
 *
 * Only for blocks claimed with kho_in_tree_take(), which is possible during
 * boot only: this runs while init memory still exists. Every page is
 * written, also those memmap_init() did, as restore hands them all out.
 *
 * Context: Boot, between kho_in_tree_get() and kho_in_tree_put().
 */
void __ref kho_in_init_block(unsigned long pfn, unsigned int order)
{
	kho_in_init_range(pfn, pfn + BIT(order), true);
}

/* The pass ---------------------------------------------------------------- */

/*
 * Initialise and tag the kept blocks in [@start, @end): the parts of blocks
 * that start before @start, too, since other chunks do the rest of a block
 * larger than a chunk; the chunk with the head tags it. @all as for
 * kho_in_init_range().
 */
static void __init kho_in_pass_range(unsigned long start, unsigned long end,
				     bool all)
{
	unsigned long key, first, nr, lo, hi, pfn, head;
	struct kho_radix_iter it;
	unsigned int order;
	u64 orders;

	for (orders = kho_in_auth.orders; orders; orders &= orders - 1) {
		order = __ffs64(orders);
		if (order > KHO_RADIX_MAX_ORDER)
			break;
		lo = kho_radix_encode_key(PFN_PHYS(start & ~(BIT(order) - 1)), order);
		key = kho_radix_encode_key(PFN_PHYS((end - 1) & ~(BIT(order) - 1)), order);
		if (!lo || !key)
			continue;
		kho_radix_iter_init(&it, kho_in_auth.root, lo, key, false);
		while (kho_radix_iter_next(&it, &first, &nr)) {
			head = (start & ~(BIT(order) - 1)) + ((first - lo) << order);
			hi = min(head + (nr << order), end);
			kho_in_init_range(max(head, start), hi, all);
			for (pfn = head; pfn < hi; pfn += BIT(order))
				if (pfn >= start)
					WRITE_ONCE(pfn_to_page(pfn)->private,
						   kho_head_tag(order));
			cond_resched();
		}
	}
}

/* Coarse reservations: their gaps become pages like any reserved page. */
static void __init kho_in_pass_coarse(unsigned long start, unsigned long end)
{
	const struct memblock_region *r;
	unsigned long lo, hi, pfn;
	unsigned int i, nr;

	r = kho_in_coarse(&nr);
	for (i = 0; r && i < nr; i++, r++) {
		if (!(r->flags & MEMBLOCK_RSRV_NOINIT))
			continue;
		lo = max(start, PHYS_PFN(r->base));
		hi = min(end, PHYS_PFN(r->base + r->size));
		if (lo >= hi)
			continue;
		kho_in_init_range(lo, hi, true);
		for (pfn = lo; pfn < hi; pfn++)
			__SetPageReserved(pfn_to_page(pfn));
		cond_resched();
	}
}

/* One padata chunk of a node: the node's memory in [@start, @end). */
static void __init kho_in_pass_chunk(unsigned long start, unsigned long end,
				     void *arg)
{
	unsigned int unused;
	unsigned long s, e;
	int nid = (long)arg;
	bool coarse;
	int i;

	/* A coarse region's gaps were marked reserved: blocks are redone. */
	coarse = kho_in_coarse(&unused);
	for_each_mem_pfn_range(i, nid, &s, &e, NULL) {
		s = max(s, start);
		e = min(e, end);
		if (s >= e)
			continue;
		kho_in_pass_coarse(s, e);
		if (kho_in_auth.root)
			kho_in_pass_range(s, e, coarse);
	}
}

static atomic_t kho_in_pass_left __initdata;
static __initdata DECLARE_COMPLETION(kho_in_pass_done);

/* The pass over one node, spread over the node's CPUs. */
static int __init kho_in_pass_node(void *data)
{
	pg_data_t *pgdat = data;
	const struct cpumask *cpus = cpumask_of_node(pgdat->node_id);
	struct padata_mt_job job = {
		.thread_fn = kho_in_pass_chunk,
		.fn_arg = (void *)(long)pgdat->node_id,
		.start = pgdat->node_start_pfn,
		.size = pgdat->node_spanned_pages,
		.align = PAGES_PER_SECTION,
		.min_chunk = PAGES_PER_SECTION,
		.max_threads = max(cpumask_weight(cpus), 1U),
	};

	if (!cpumask_empty(cpus))
		set_cpus_allowed_ptr(current, cpus);
	padata_do_multithreaded(&job);
	if (atomic_dec_and_test(&kho_in_pass_left))
		complete(&kho_in_pass_done);
	return 0;
}

static void __init kho_in_free_tree_page(void *page)
{
	free_reserved_page(virt_to_page(page));
}

/* Give the gaps of coarse reservations to the page allocator. */
static unsigned long __init kho_in_free_gaps(void)
{
	const struct memblock_region *r;
	unsigned long pfn, end, freed = 0;
	unsigned long fdt_pfn = is_kho_boot() ? PHYS_PFN(__pa(kho_in_fdt())) : 0;
	struct page *page;
	unsigned int i, nr;
	int j;

	r = kho_in_coarse(&nr);
	for (i = 0; r && i < nr; i++, r++) {
		for_each_mem_pfn_range(j, MAX_NUMNODES, &pfn, &end, NULL) {
			pfn = max(pfn, PHYS_PFN(r->base));
			end = min(end, PHYS_PFN(r->base + r->size));
			for (; pfn < end; pfn++) {
				page = pfn_to_page(pfn);
				if (!PageReserved(page) || (fdt_pfn && pfn == fdt_pfn))
					continue;
				free_reserved_page(page);
				freed++;
			}
			cond_resched();
		}
	}
	return freed;
}

/**
 * kho_memory_init_late - Initialise the struct pages of preserved memory.
 *
 * Initialises, in parallel, the struct pages of every preserved block that
 * no restore claimed yet, tags each head page with its order, and hands
 * the decision on restores over to those tags; then frees the incoming
 * tree's pages and, after a coarse reservation, the gaps in it.
 *
 * Context: Boot, from page_alloc_init_late(): after deferred struct page
 * init, before memblock_discard() and before anything walks pfns.
 */
void __init kho_memory_init_late(void)
{
	unsigned long gaps = 0;
	unsigned int nodes = 0;
	struct kho_radix_tree tree;
	u64 t0 = local_clock();
	unsigned int unused;
	int nid;

	if (!kho_in_auth.root && !kho_in_coarse(&unused)) {
		/* Pairs with the acquire in kho_in_tags_ready(). */
		smp_store_release(&kho_in_auth.phase, KHO_IN_PHASE_TAGS);
		return;
	}

	WRITE_ONCE(kho_in_auth.phase, KHO_IN_PHASE_PASS);
	/* Pairs with the barrier in kho_in_tree_get(). */
	smp_mb();
	while (atomic_read(&kho_in_auth.users))
		cpu_relax();

	atomic_set(&kho_in_pass_left, num_node_state(N_MEMORY));
	for_each_node_state(nid, N_MEMORY) {
		if (IS_ERR(kthread_run(kho_in_pass_node, NODE_DATA(nid),
				       "khoinit%d", nid)))
			kho_in_pass_node(NODE_DATA(nid));
		nodes++;
	}
	wait_for_completion(&kho_in_pass_done);
	/*
	 * Publishes the tags the pass wrote; pairs with the acquire in
	 * kho_in_tags_ready().
	 */
	smp_store_release(&kho_in_auth.phase, KHO_IN_PHASE_TAGS);

	if (kho_in_auth.root) {
		kho_radix_tree_adopt(&tree, kho_in_auth.root);
		kho_in_auth.root = NULL;
		kho_radix_tree_release(&tree, kho_in_free_tree_page);
	}
	gaps = kho_in_free_gaps();
	pr_info("initialised the struct pages of preserved memory on %u nodes in %llu us%s\n",
		nodes, div_u64(local_clock() - t0, NSEC_PER_USEC),
		gaps ? ", freed the gaps of its coarse reservation" : "");
}
