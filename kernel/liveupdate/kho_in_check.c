// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_check.c - vet a KHO tree handed over by the previous kernel, and
 * reserve what it preserves
 *
 * The successor reads the tree before it knows anything about the kernel
 * that wrote it: that kernel may have been buggy, its memory may have been
 * damaged before the kexec, or this kernel may see the machine differently
 * (booted with mem=, another NUMA layout). Whatever is wrong costs exactly
 * what it covers: a bad table entry the blocks below it, a bad block itself.
 * Everything else is kept and can be restored.
 *
 * Vocabulary (see also kho_radix_tree.c):
 *
 * entry     a u64 of a table: the address of a page one level down. An
 *           entry is refused, and zeroed, when it is not a page address,
 *           the page is not RAM this kernel may read, or it is a page the
 *           walk reached already.
 * position  where a page sits in the tree: its level and the first key
 *           below it. The walk marks every page it accepts with its
 *           position, in storage the kernel gives it for each tree page (a
 *           tree page's own struct page); a page whose mark names an
 *           earlier position that really points at it is a duplicate.
 *           Marks are checked against the tree, so whatever the storage
 *           held before proves nothing.
 * run       consecutive keys of one order in one leaf: adjacent blocks.
 * stream    the runs of one order, walked from the top of memory down.
 * sweep     the walk of all streams at once, from the top of memory down,
 *           that decides for every block whether it is kept and reserves
 *           what is kept, in one descending pass (kho_in_reserve()).
 *
 * Refused blocks have their bits cleared, so that afterwards the tree holds
 * exactly the kept blocks: restore and the later struct page pass read it
 * as the authority.
 *
 * Cost, for P tree pages, R runs and K orders in use: the structure walk
 * O(P), plus a word scan of each leaf; the sweep O(R x K); the checks
 * against memory and reserved ranges O(1) per run, since each answer covers
 * a whole range of memory. Working memory: none beyond the stack and a
 * small static array of streams; a tree page's own storage holds its mark
 * and its list node.
 *
 * Like the tree, this file needs no FDT, memblock or kexec: what it must know
 * about the machine it asks through the kho_in_*() functions of
 * kho_in_check.h, so that the userspace harness in tools/testing/kho_radix/
 * compiles it unmodified and fuzzes it.
 */

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/page.h>

#include "kho_in_check.h"

static const char *const kho_in_kind_names[KHO_IN_KINDS] = {
	[KHO_IN_OK] = "accepted",
	[KHO_IN_MISALIGNED] = "not page aligned",
	[KHO_IN_NOT_RAM] = "outside RAM",
	[KHO_IN_NOMAP] = "outside the linear map",
	[KHO_IN_SCRATCH] = "in scratch memory",
	[KHO_IN_IMAGE] = "over the kernel image",
	[KHO_IN_RESERVED] = "over reserved memory",
	[KHO_IN_TWICE] = "reached twice",
	[KHO_IN_BEYOND] = "beyond the widest key",
	[KHO_IN_TREE_PAGE] = "holding a tree page",
	[KHO_IN_NESTED] = "inside a larger block",
	[KHO_IN_BUDGET] = "past the work limit",
	[KHO_IN_NOROOM] = "left without room to reserve it",
};

/**
 * kho_in_kind_name - Say why something was refused, for log lines.
 * @kind: the reason.
 *
 * Context: Any context.
 * Return: a short phrase; "?" for a value that is not a kind.
 */
const char *kho_in_kind_name(enum kho_in_kind kind)
{
	return kind < KHO_IN_KINDS ? kho_in_kind_names[kind] : "?";
}

/*
 * Count @n refused entries, or blocks of @pages pages in all, the lowest at
 * @where. An entry has no pages and a block at least one: @first is unset
 * until the first entry, or the first block with pages, is counted. What
 * kho_in_tally_nowhere() counted before has no address to be first.
 */
static void __init kho_in_tally(struct kho_in_tally *t, phys_addr_t where,
				unsigned long n, unsigned long pages)
{
	if (!(pages ? t->pages : t->count) || where < t->first)
		t->first = where;
	t->count += n;
	t->pages += pages;
}

/* Count a refused leaf bit that is no block's key: it has no address. */
static void __init kho_in_tally_nowhere(struct kho_in_tally *t)
{
	t->count++;
}

/* The first and last key of @order, leaving out a block whose end wraps. */
static unsigned long __init kho_in_order_first(unsigned int order)
{
	return BIT(KHO_RADIX_KEY_WIDTH - 1 - order);
}

static unsigned long __init kho_in_order_last(unsigned int order)
{
	return BIT(KHO_RADIX_KEY_WIDTH - order) - 2;
}

static unsigned int __init kho_in_key_order(unsigned long key)
{
	return KHO_RADIX_KEY_WIDTH - fls64(key);
}

static phys_addr_t __init kho_in_key_phys(unsigned long key, unsigned int order)
{
	return (phys_addr_t)(key ^ kho_in_order_first(order)) << (PAGE_SHIFT + order);
}

static unsigned long __init kho_in_phys_key(phys_addr_t phys, unsigned int order)
{
	return kho_in_order_first(order) | (unsigned long)(phys >> (PAGE_SHIFT + order));
}

/* Structure walk --------------------------------------------------------- */

/*
 * A position mark: a tag in the top byte, then the first key below the page
 * and its level. Keys are at most KHO_RADIX_KEY_WIDTH bits wide.
 */
#define KHO_IN_MARK_TAG		(0xa5UL << 56)
#define KHO_IN_MARK_LEVEL	GENMASK(2, 0)
static_assert(KHO_RADIX_DEPTH - 1 <= KHO_IN_MARK_LEVEL);
static_assert(KHO_RADIX_KEY_WIDTH + 3 <= 56);

static unsigned long __init kho_in_mark(unsigned int level, unsigned long key)
{
	return KHO_IN_MARK_TAG | key << 3 | level;
}

/*
 * Whether the page at @phys, now reached at (@level, @key), was accepted
 * before: its mark must name an earlier position whose entry points at it.
 * Every page on the path to an earlier position was accepted already, so
 * the check reads only vetted pages.
 */
static bool __init kho_in_seen(const struct kho_in_vet *v, phys_addr_t phys,
			       unsigned int level, unsigned long key)
{
	unsigned long mark = *kho_in_page_word(phys);
	const struct kho_radix_node *table = v->root;
	unsigned int at, l;
	unsigned long k;
	u64 entry = 0;

	if ((mark & ~(~0UL >> 8)) != KHO_IN_MARK_TAG)
		return false;
	at = mark & KHO_IN_MARK_LEVEL;
	k = (mark & (~0UL >> 8)) >> 3;
	if (at >= KHO_RADIX_TOP_LEVEL)
		return phys == virt_to_phys(v->root);
	if (k > key || (k == key && at <= level))
		return false;

	for (l = KHO_RADIX_TOP_LEVEL; l > at; l--) {
		entry = table->table[(k >> kho_radix_level_shift(l)) &
				     (KHO_RADIX_TABLE_ENTRIES - 1)];
		if (!entry)
			return false;
		if (l - 1 > at)
			table = phys_to_virt(entry);
	}
	return entry == phys;
}

/* Take the page at @phys into the set of tree pages. */
static void __init kho_in_accept(struct kho_in_vet *v, phys_addr_t phys,
				 unsigned int level, unsigned long key)
{
	*kho_in_page_word(phys) = kho_in_mark(level, key);
	list_add_tail(kho_in_page_node(phys), &v->pages);
	v->nr_pages++;
}

/*
 * Count the keys and runs of a leaf whose first key is @base, a word at a
 * time: a run starts at every set bit whose lower neighbour is clear. Also
 * say which orders its keys have.
 */
static void __init kho_in_count_leaf(const struct kho_radix_leaf *leaf,
				     unsigned long base, unsigned long *keys,
				     unsigned long *runs, u64 *orders)
{
	unsigned long word, carry = 0;
	unsigned int w, order;

	*keys = 0;
	*runs = 0;
	*orders = 0;
	for (w = 0; w < ARRAY_SIZE(leaf->bitmap); w++) {
		word = leaf->bitmap[w];
		if (!word) {
			carry = 0;
			continue;
		}
		*keys += hweight64(word);
		*runs += hweight64(word & ~((word << 1) | carry));
		carry = word >> (BITS_PER_LONG - 1);
	}
	if (!*keys)
		return;

	if (base >= KHO_RADIX_LEAF_BITS) {
		*orders = BIT_ULL(kho_in_key_order(base));
		return;
	}
	/* The very first leaf mixes the largest orders. */
	for (order = kho_in_key_order(KHO_RADIX_LEAF_BITS - 1);
	     order <= KHO_RADIX_MAX_ORDER; order++)
		*orders |= BIT_ULL(order);
}

/* Why the entry @entry, for a page at @level below key @key, is refused. */
static enum kho_in_kind __init kho_in_check_entry(struct kho_in_vet *v, u64 entry,
						  unsigned int level,
						  unsigned long key)
{
	unsigned long keys, runs;
	enum kho_in_kind kind;
	u64 orders;

	if (entry & (PAGE_SIZE - 1) || entry > PHYS_ADDR_MAX - PAGE_SIZE)
		return KHO_IN_MISALIGNED;
	kind = kho_in_page_kind(entry);
	if (kind)
		return kind;
	if (kho_in_seen(v, entry, level, key))
		return KHO_IN_TWICE;
	if (v->nr_pages >= v->budget)
		return KHO_IN_BUDGET;
	if (level)
		return KHO_IN_OK;

	kho_in_count_leaf(phys_to_virt(entry), key, &keys, &runs, &orders);
	if (v->runs + runs > 2 * v->budget)
		return KHO_IN_BUDGET;
	v->runs += runs;
	/* The first leaf, which mixes orders, is counted as the largest. */
	if (orders)
		v->order_runs[fls64(orders) - 1] += runs;
	v->stats.keys += keys;
	v->orders |= orders;
	return KHO_IN_OK;
}

/*
 * Clear the bits of a leaf that are no block's key: 0, the keys too narrow
 * for any order, and the last key of each order (its block would end at
 * 2^64). No memory lies under them: they are counted as outside RAM, with
 * no pages and no address, so that the first address of that kind stays
 * the lowest block's.
 */
static void __init kho_in_drop_invalid(struct kho_in_vet *v,
				       struct kho_radix_leaf *leaf, unsigned long base)
{
	unsigned long key;
	unsigned int w;

	for (w = 1; w <= KHO_RADIX_KEY_WIDTH; w++) {
		key = BIT(w) - 1;
		if (key < base || key - base >= KHO_RADIX_LEAF_BITS ||
		    !test_bit(key - base, leaf->bitmap))
			continue;
		__clear_bit(key - base, leaf->bitmap);
		kho_in_tally_nowhere(&v->blocks[KHO_IN_NOT_RAM]);
	}
	if (!base && test_bit(0, leaf->bitmap)) {
		__clear_bit(0, leaf->bitmap);
		kho_in_tally_nowhere(&v->blocks[KHO_IN_NOT_RAM]);
	}
}

struct kho_in_frame {
	struct kho_radix_node *table;
	unsigned long key;
	unsigned int next;
};

static int __init kho_in_cmp_pages(void *priv, const struct list_head *a,
				   const struct list_head *b)
{
	phys_addr_t x = kho_in_node_page(a), y = kho_in_node_page(b);

	return x > y;
}

/**
 * kho_in_vet_tree - Check every page of an incoming tree and repair it.
 * @v:         the vetting state; fully overwritten.
 * @root:      physical address of the root table, from the FDT.
 * @ram_pages: pages of RAM, which bounds what a valid tree can hold.
 *
 * Walks the tables depth first and refuses every entry that does not point
 * at a page this kernel may read as a tree page (see &enum kho_in_kind), or
 * points at a page reached before: the entry is zeroed, so that the blocks
 * below it are dropped and the rest of the tree stays usable. Leaves are
 * only counted here, a word at a time. The accepted pages end up in
 * @v->pages, sorted by address.
 *
 * Context: Early boot, or any context where nothing else uses the tree.
 * Return: %KHO_IN_OK, or why the root itself is unusable: then nothing of
 * the tree was read.
 */
enum kho_in_kind __init kho_in_vet_tree(struct kho_in_vet *v, phys_addr_t root,
					unsigned long ram_pages)
{
	struct kho_in_frame stack[KHO_RADIX_DEPTH], *f;
	unsigned int level = KHO_RADIX_TOP_LEVEL;
	unsigned long child_key;
	enum kho_in_kind kind;
	u64 *entry;

	memset(v, 0, sizeof(*v));
	INIT_LIST_HEAD(&v->pages);
	v->budget = ram_pages;

	if (root & (PAGE_SIZE - 1) || root > PHYS_ADDR_MAX - PAGE_SIZE)
		return KHO_IN_MISALIGNED;
	kind = kho_in_page_kind(root);
	if (kind)
		return kind;

	v->root = phys_to_virt(root);
	kho_in_accept(v, root, KHO_RADIX_TOP_LEVEL, 0);
	v->stats.tables++;
	stack[level] = (struct kho_in_frame){ .table = v->root };

	for (;;) {
		f = &stack[level];
		while (f->next < KHO_RADIX_TABLE_ENTRIES && !f->table->table[f->next])
			f->next++;
		if (f->next == KHO_RADIX_TABLE_ENTRIES) {
			if (level == KHO_RADIX_TOP_LEVEL)
				break;
			stack[++level].next++;
			continue;
		}

		entry = &f->table->table[f->next];
		child_key = f->key | (unsigned long)f->next << kho_radix_level_shift(level);
		if (level == KHO_RADIX_TOP_LEVEL && child_key >> KHO_RADIX_KEY_WIDTH)
			kind = KHO_IN_BEYOND;
		else
			kind = kho_in_check_entry(v, *entry, level - 1, child_key);
		if (kind) {
			kho_in_tally(&v->entries[kind], *entry, 1, 0);
			*entry = 0;
			f->next++;
			continue;
		}

		kho_in_accept(v, *entry, level - 1, child_key);
		if (level == 1) {
			kho_in_drop_invalid(v, phys_to_virt(*entry), child_key);
			v->stats.leaves++;
			f->next++;
			continue;
		}
		v->stats.tables++;
		stack[--level] = (struct kho_in_frame){
			.table = phys_to_virt(*entry),
			.key = child_key,
		};
	}

	list_sort(NULL, &v->pages, kho_in_cmp_pages);
	return KHO_IN_OK;
}

/**
 * kho_in_forget_pages - Clear the marks vetting left in the tree pages' storage.
 * @v: a state kho_in_vet_tree() filled.
 *
 * Afterwards @v->pages is empty and the storage of every tree page is zero.
 *
 * Context: As kho_in_vet_tree().
 */
void __init kho_in_forget_pages(struct kho_in_vet *v)
{
	struct list_head *node, *next;

	list_for_each_safe(node, next, &v->pages) {
		*kho_in_page_word(kho_in_node_page(node)) = 0;
		list_del_init(node);
	}
	v->nr_pages = 0;
}

/* Refusals by range ------------------------------------------------------- */

/* Drop keys [@key, @key + @n) of @leaf, blocks of @order from @phys on. */
static void __init kho_in_drop(struct kho_in_vet *v, struct kho_radix_leaf *leaf,
			       unsigned long key, unsigned long n,
			       unsigned int order, phys_addr_t phys,
			       enum kho_in_kind kind)
{
	bitmap_clear(leaf->bitmap, key & (KHO_RADIX_LEAF_BITS - 1), n);
	kho_in_tally(&v->blocks[kind], phys, n, n << order);
}

/**
 * kho_in_refuse_range - Refuse every preserved block that overlaps a range.
 * @v:     a state kho_in_vet_tree() filled.
 * @start: start of the range.
 * @end:   its end; nothing happens if it is not above @start.
 * @kind:  why, for the tally.
 *
 * Context: As kho_in_vet_tree().
 */
void __init kho_in_refuse_range(struct kho_in_vet *v, phys_addr_t start,
				phys_addr_t end, enum kho_in_kind kind)
{
	unsigned long first, nr, lo, hi;
	struct kho_radix_iter it;
	unsigned int order;
	u64 orders;

	if (!v->root || end <= start)
		return;
	for (orders = v->orders; orders; orders &= orders - 1) {
		order = __ffs64(orders);
		lo = max(kho_in_phys_key(start, order), kho_in_order_first(order));
		hi = min(kho_in_phys_key(end - 1, order), kho_in_order_last(order));
		kho_radix_iter_init(&it, v->root, lo, hi, false);
		while (kho_radix_iter_next(&it, &first, &nr))
			kho_in_drop(v, it.leaf, first, nr, order,
				    kho_in_key_phys(first, order), kind);
	}
}

/**
 * kho_in_refuse_tree_pages - Refuse the blocks that hold a page of the tree.
 * @v: a state kho_in_vet_tree() filled.
 *
 * The tree is read until the successor's struct page pass is done, so no
 * block that holds one of its pages may ever be handed out.
 *
 * Context: As kho_in_vet_tree().
 */
void __init kho_in_refuse_tree_pages(struct kho_in_vet *v)
{
	struct list_head *node;
	phys_addr_t page;

	list_for_each(node, &v->pages) {
		page = kho_in_node_page(node);
		kho_in_refuse_range(v, page, page + PAGE_SIZE, KHO_IN_TREE_PAGE);
	}
}

/* The sweep --------------------------------------------------------------- */

/**
 * struct kho_in_stream - The blocks of one order, from the top down.
 * @it:    cursor over the order's keys.
 * @order: the order.
 * @start: start of the part of the current run not dealt with yet ...
 * @end:   ... and its end; the run ends at @end too.
 * @key:   the key of the block at @start.
 * @live:  false once the order has no run left.
 */
struct kho_in_stream {
	struct kho_radix_iter it;
	unsigned int order;
	phys_addr_t start;
	phys_addr_t end;
	unsigned long key;
	bool live;
};

/* One stream per order; vetting runs once at a time, in early boot. */
static struct kho_in_stream kho_in_streams[KHO_RADIX_MAX_ORDER + 1] __initdata;

static void __init kho_in_stream_fetch(struct kho_in_stream *s)
{
	unsigned long nr;

	s->live = kho_radix_iter_prev(&s->it, &s->key, &nr);
	if (!s->live)
		return;
	s->start = kho_in_key_phys(s->key, s->order);
	s->end = s->start + ((phys_addr_t)nr << (PAGE_SHIFT + s->order));
}

/* Drop the part of @s's current run at and above @at, which it ends above. */
static void __init kho_in_stream_drop(struct kho_in_vet *v, struct kho_in_stream *s,
				      phys_addr_t at, enum kho_in_kind kind)
{
	unsigned int shift = PAGE_SHIFT + s->order;
	phys_addr_t from = max(at, s->start);

	kho_in_drop(v, s->it.leaf, s->key + ((from - s->start) >> shift),
		    (s->end - from) >> shift, s->order, from, kind);
	s->end = from;
	if (s->end == s->start)
		kho_in_stream_fetch(s);
}

/*
 * The smaller blocks at and above @at lie inside the block of @winner that
 * ends highest: drop them (the larger block keeps the union reserved).
 */
static void __init kho_in_drop_nested(struct kho_in_vet *v, unsigned int nr,
				      const struct kho_in_stream *winner,
				      phys_addr_t at)
{
	struct kho_in_stream *s;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		s = &kho_in_streams[i];
		while (s->live && s->order < winner->order && s->end > at)
			kho_in_stream_drop(v, s, at, KHO_IN_NESTED);
	}
}

/* The live stream whose run ends highest, the larger order on a tie. */
static struct kho_in_stream *__init kho_in_top(unsigned int nr)
{
	struct kho_in_stream *top = NULL, *s;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		s = &kho_in_streams[i];
		if (s->live && (!top || s->end > top->end ||
				(s->end == top->end && s->order > top->order)))
			top = s;
	}
	return top;
}

/* Where the block run of @w must stop: a larger order takes over there. */
static phys_addr_t __init kho_in_floor(unsigned int nr, const struct kho_in_stream *w)
{
	phys_addr_t floor = w->start;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		const struct kho_in_stream *s = &kho_in_streams[i];

		if (s->live && s->order > w->order && s->end > floor)
			floor = s->end;
	}
	return floor;
}

/**
 * struct kho_in_sweep - The reservation pass in progress.
 * @v:       the vetting state.
 * @nr:      streams in use.
 * @kept_lo: start of the lowest stretch of kept memory reserved so far ...
 * @kept_hi: ... and its end.
 * @emitted: reservations made.
 * @lo:      start of the range kho_in_span() answered for last ...
 * @hi:      ... its end (0: none yet) ...
 * @kind:    ... and its answer.
 * @pend_lo: start of the kept memory not emitted yet ...
 * @pend_hi: ... its end ...
 * @pend_blocks: ... and the blocks in it.
 */
struct kho_in_sweep {
	struct kho_in_vet *v;
	unsigned int nr;
	phys_addr_t kept_lo;
	phys_addr_t kept_hi;
	unsigned long emitted;
	phys_addr_t lo;
	phys_addr_t hi;
	enum kho_in_kind kind;
	phys_addr_t pend_lo;
	phys_addr_t pend_hi;
	unsigned long pend_blocks;
};

/* kho_in_span(), asked once per range: runs come in long series in one. */
static enum kho_in_kind __init kho_in_sweep_span(struct kho_in_sweep *sw,
						 phys_addr_t phys,
						 phys_addr_t *start)
{
	if (phys < sw->lo || phys >= sw->hi)
		sw->kind = kho_in_span(phys, &sw->lo, &sw->hi);
	*start = sw->lo;
	return sw->kind;
}

/*
 * Emit the stretch of kept memory gathered so far: touching kept ranges of
 * any order become one reservation, so that a run cut by a larger block
 * costs no extra one.
 */
static void __init kho_in_flush(struct kho_in_sweep *sw)
{
	phys_addr_t lo = sw->pend_lo, hi = sw->pend_hi;
	unsigned long blocks;

	if (lo == hi)
		return;
	sw->pend_lo = 0;
	sw->pend_hi = 0;
	blocks = sw->pend_blocks;
	sw->pend_blocks = 0;
	if (kho_in_emit(lo, hi - lo, true)) {
		/* Vetting leaves no overlap: only a bug elsewhere gets here. */
		kho_in_refuse_range(sw->v, lo, hi, KHO_IN_RESERVED);
		sw->kept_lo = 0;
		sw->kept_hi = 0;
		return;
	}
	sw->emitted++;
	sw->v->kept += blocks;
	sw->v->kept_pages += (hi - lo) >> PAGE_SHIFT;
	sw->v->stretches++;
}

static void __init kho_in_keep(struct kho_in_sweep *sw, struct kho_in_stream *s,
			       phys_addr_t lo, phys_addr_t hi)
{
	unsigned int shift = PAGE_SHIFT + s->order;

	if (hi != sw->pend_lo || sw->pend_lo == sw->pend_hi) {
		kho_in_flush(sw);
		sw->pend_hi = hi;
		sw->kept_hi = hi;
	}
	sw->pend_lo = lo;
	sw->pend_blocks += (hi - lo) >> shift;
	sw->kept_lo = lo;
}

/*
 * Keep or refuse the blocks of @s in [@floor, @s->end), from the top down,
 * by what the memory under them is. Each answer of kho_in_span() covers a
 * whole range, so this costs one call per kind of memory met, not per block.
 */
static void __init kho_in_sweep_run(struct kho_in_sweep *sw, struct kho_in_stream *s,
				    phys_addr_t floor)
{
	phys_addr_t bs = (phys_addr_t)PAGE_SIZE << s->order;
	phys_addr_t cur = s->end, lo, start;
	enum kho_in_kind kind;

	while (cur > floor) {
		kind = kho_in_sweep_span(sw, cur - 1, &start);
		if (kind == KHO_IN_OK) {
			lo = max(floor, round_up(start, bs));
			if (lo < cur) {
				kho_in_keep(sw, s, lo, cur);
				cur = lo;
				continue;
			}
			/* The block straddles an edge: what lies below names the kind. */
			kind = kho_in_sweep_span(sw, start - 1, &start);
			lo = cur - bs;
		} else {
			lo = max(floor, round_down(start, bs));
		}
		kho_in_drop(sw->v, s->it.leaf,
			    s->key + ((lo - s->start) >> (PAGE_SHIFT + s->order)),
			    (cur - lo) / bs, s->order, lo, kind ?: KHO_IN_NOT_RAM);
		cur = lo;
	}

	s->end = floor;
	if (s->end == s->start)
		kho_in_stream_fetch(s);
}

/* Reserve a page range that must stay, unless kept memory covers it already. */
static void __init kho_in_keep_page(struct kho_in_sweep *sw, phys_addr_t lo,
				    phys_addr_t hi)
{
	kho_in_flush(sw);
	if (!kho_in_emit(lo, hi - lo, false))
		sw->emitted++;
}

/*
 * Refuse the blocks of @order over unusable memory before the sweep, so
 * that a block refused so is no longer one that smaller blocks nest in:
 * those inside it that lie in usable memory are kept.
 */
static void __init kho_in_refuse_memory(struct kho_in_sweep *sw, unsigned int order)
{
	phys_addr_t bs = (phys_addr_t)PAGE_SIZE << order, start, end, cur, lo, from;
	struct kho_radix_iter it;
	unsigned long first, nr;
	enum kho_in_kind kind;

	kho_radix_iter_init(&it, sw->v->root, kho_in_order_first(order),
			    kho_in_order_last(order), true);
	while (kho_radix_iter_prev(&it, &first, &nr)) {
		start = kho_in_key_phys(first, order);
		end = start + nr * bs;
		for (cur = end; cur > start; cur = lo) {
			kind = kho_in_sweep_span(sw, cur - 1, &from);
			if (kind == KHO_IN_OK) {
				lo = max(start, round_up(from, bs));
				if (lo < cur)
					continue;
				kind = kho_in_sweep_span(sw, from - 1, &from);
				lo = cur - bs;
			} else {
				lo = max(start, round_down(from, bs));
			}
			kho_in_drop(sw->v, it.leaf, first + ((lo - start) >> (PAGE_SHIFT + order)),
				    (cur - lo) / bs, order, lo, kind);
		}
	}
}

/* The highest end of the live streams other than @s, 0 if none. */
static phys_addr_t __init kho_in_others_end(unsigned int nr,
					    const struct kho_in_stream *s)
{
	phys_addr_t end = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (&kho_in_streams[i] != s && kho_in_streams[i].live)
			end = max(end, kho_in_streams[i].end);
	return end;
}

/*
 * The runs of @s that lie wholly above @bound, where nothing else (another
 * order, a tree page, the FDT) lies: each is the top of the sweep, nothing
 * cuts or nests in it. Taken in one loop, so that a series of runs of one
 * order (scattered pages) costs no scan of the other streams per run.
 */
static void __init kho_in_sweep_alone(struct kho_in_sweep *sw,
				      struct kho_in_stream *s, phys_addr_t bound)
{
	while (s->live && s->start >= bound)
		kho_in_sweep_run(sw, s, s->start);
}

/**
 * kho_in_reserve - Decide every block's fate and reserve what is kept.
 * @v: a state kho_in_vet_tree() filled, with the refusals by range done.
 *
 * One pass from the top of memory down over all orders at once. Where
 * blocks overlap (they nest, being aligned), the larger one is kept and
 * reserves the union; a block is refused when the memory below it is not
 * usable (kho_in_span()). Kept blocks, every tree page and the FDT (unless
 * a kept block covers it) are passed to kho_in_emit(), in descending order.
 * Refused blocks leave the tree.
 *
 * Context: As kho_in_vet_tree().
 * Return: the number of kho_in_emit() calls that succeeded.
 */
unsigned long __init kho_in_reserve(struct kho_in_vet *v)
{
	struct kho_in_sweep sw = { .v = v };
	struct list_head *page = v->pages.prev;
	phys_addr_t page_end, fdt_end = v->fdt_end;
	struct kho_in_stream *s;
	phys_addr_t floor;
	unsigned int order;
	bool fdt_all;
	u64 orders;

	v->kept = 0;
	v->kept_pages = 0;
	v->stretches = 0;
	v->fdt_kept = false;
	/* The smallest order present has nothing nested in it. */
	for (orders = v->orders & (v->orders - 1); orders && v->root;
	     orders &= orders - 1)
		kho_in_refuse_memory(&sw, __ffs64(orders));
	fdt_all = true;
	for (orders = v->orders; orders && v->root; orders &= orders - 1) {
		order = __ffs64(orders);
		s = &kho_in_streams[sw.nr];
		s->order = order;
		kho_radix_iter_init(&s->it, v->root,
				    kho_in_order_first(order), kho_in_order_last(order),
				    true);
		kho_in_stream_fetch(s);
		if (s->live)
			sw.nr++;
	}

	for (;;) {
		s = kho_in_top(sw.nr);
		page_end = page != &v->pages ? kho_in_node_page(page) + PAGE_SIZE : 0;
		if (page_end > (s ? s->end : 0) && page_end > fdt_end) {
			kho_in_keep_page(&sw, page_end - PAGE_SIZE, page_end);
			page = page->prev;
			continue;
		}
		/* The FDT page by page, each covered by kept memory or emitted. */
		if (fdt_end && fdt_end > (s ? s->end : 0)) {
			if (fdt_end - PAGE_SIZE < sw.kept_lo || fdt_end > sw.kept_hi) {
				kho_in_keep_page(&sw, fdt_end - PAGE_SIZE, fdt_end);
				fdt_all = false;
			}
			fdt_end -= PAGE_SIZE;
			if (fdt_end == v->fdt) {
				v->fdt_kept = fdt_all;
				fdt_end = 0;
			}
			continue;
		}
		if (!s)
			break;

		floor = kho_in_floor(sw.nr, s);
		kho_in_drop_nested(v, sw.nr, s, floor);
		kho_in_sweep_run(&sw, s, floor);
		kho_in_sweep_alone(&sw, s, max(kho_in_others_end(sw.nr, s),
					       max(page_end, fdt_end)));
	}
	kho_in_flush(&sw);
	return sw.emitted;
}

/**
 * kho_in_max_emits - Bound the kho_in_emit() calls kho_in_reserve() makes.
 * @v: a state kho_in_vet_tree() filled.
 *
 * One per run and per tree page, one for the FDT, and one more each time a
 * run is cut in two: by a run of a larger order that it overlaps (which cuts
 * at most one run of each smaller order, being contiguous), or by a change
 * of memory kind, which the caller adds (it knows the memory map).
 *
 * Context: As kho_in_vet_tree().
 * Return: the bound.
 */
unsigned long __init kho_in_max_emits(const struct kho_in_vet *v)
{
	unsigned long n = v->runs + v->nr_pages + 1;
	unsigned int order;

	for (order = 0; order <= KHO_RADIX_MAX_ORDER; order++)
		n += v->order_runs[order] * hweight64(v->orders & (BIT_ULL(order) - 1));
	return n;
}

/* Before the memory map exists ------------------------------------------- */

/* Mark the 1 << @shift byte units that [@start, @end) touches. */
static void __init kho_in_mark_busy(unsigned long *busy, unsigned long nbits,
				    unsigned int shift, phys_addr_t start,
				    phys_addr_t end)
{
	unsigned long first = start >> shift, last = (end - 1) >> shift;

	if (first >= nbits)
		return;
	last = min(last, nbits - 1);
	bitmap_set(busy, first, last - first + 1);
}

/*
 * Mark what the keys of @leaf (first key @base) cover, a word at a time:
 * the 64 blocks of one word lie within a few units unless they are huge.
 */
static void __init kho_in_busy_leaf(const struct kho_radix_leaf *leaf,
				    unsigned long base, unsigned long *busy,
				    unsigned long nbits, unsigned int shift)
{
	unsigned long word, key;
	unsigned int w, order;
	phys_addr_t lo, hi;

	for (w = 0; w < ARRAY_SIZE(leaf->bitmap); w++) {
		word = leaf->bitmap[w];
		if (!word)
			continue;
		key = base + w * BITS_PER_LONG;
		order = kho_in_key_order(key + BITS_PER_LONG - 1);
		if (order > KHO_RADIX_MAX_ORDER || kho_in_key_order(key) != order) {
			/* The huge orders of the first leaf: all of it. */
			bitmap_set(busy, 0, nbits);
			return;
		}
		lo = kho_in_key_phys(key + __ffs(word), order);
		hi = kho_in_key_phys(key + __fls(word), order);
		if (hi > PHYS_ADDR_MAX - ((phys_addr_t)PAGE_SIZE << order))
			hi = PHYS_ADDR_MAX;
		else
			hi += (phys_addr_t)PAGE_SIZE << order;
		kho_in_mark_busy(busy, nbits, shift, lo, hi);
	}
}

/**
 * kho_in_busy - Mark the memory an incoming tree may use, before vetting it.
 * @root:   physical address of the root table, already checked.
 * @budget: pages that may be read at most.
 * @busy:   one bit per 1 << @shift bytes; set where tree pages or preserved
 *          blocks may lie. Bits already set stay set.
 * @nbits:  bits in @busy.
 * @shift:  log2 of the bytes one bit of @busy stands for.
 *
 * Reads the tree without changing it, skipping entries that cannot be tree
 * pages, so that its marks are a superset of what vetting will keep. A tree
 * that needs more reading than @budget allows marks everything.
 *
 * Context: Early boot, before the memory map exists.
 */
void __init kho_in_busy(phys_addr_t root, unsigned long budget,
			unsigned long *busy, unsigned long nbits,
			unsigned int shift)
{
	struct kho_in_frame stack[KHO_RADIX_DEPTH], *f;
	unsigned int level = KHO_RADIX_TOP_LEVEL;
	unsigned long key, read = 1;
	u64 entry;

	kho_in_mark_busy(busy, nbits, shift, root, root + PAGE_SIZE);
	stack[level] = (struct kho_in_frame){ .table = phys_to_virt(root) };
	for (;;) {
		f = &stack[level];
		while (f->next < KHO_RADIX_TABLE_ENTRIES && !f->table->table[f->next])
			f->next++;
		if (f->next == KHO_RADIX_TABLE_ENTRIES) {
			if (level == KHO_RADIX_TOP_LEVEL)
				return;
			stack[++level].next++;
			continue;
		}

		entry = f->table->table[f->next];
		key = f->key | (unsigned long)f->next << kho_radix_level_shift(level);
		if (entry & (PAGE_SIZE - 1) || entry > PHYS_ADDR_MAX - PAGE_SIZE ||
		    kho_in_page_kind(entry)) {
			f->next++;
			continue;
		}
		if (++read > budget) {
			bitmap_set(busy, 0, nbits);
			return;
		}
		kho_in_mark_busy(busy, nbits, shift, entry, entry + PAGE_SIZE);
		if (level == 1) {
			kho_in_busy_leaf(phys_to_virt(entry), key, busy, nbits, shift);
			f->next++;
			continue;
		}
		stack[--level] = (struct kho_in_frame){
			.table = phys_to_virt(entry),
			.key = key,
		};
	}
}
