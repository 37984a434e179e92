// SPDX-License-Identifier: GPL-2.0
/*
 * Shared parts of the validator's tests (see in_check_util.h). The
 * reference here is written from the validator's documentation, not from
 * its code: a recursive walk with a set of pages seen instead of position
 * marks, per-block decisions by brute force instead of a sweep.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "in_check_util.h"

static void *xrealloc(void *p, size_t n, size_t elem)
{
	p = realloc(p, (n ? n : 1) * elem);
	if (!p)
		kho_shim_fatal("out of memory in the harness itself");
	return p;
}

static void *grow(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	*cap = max_t(size_t, need, *cap ? 2 * *cap : 64);
	return xrealloc(array, *cap, elem);
}

/* xsort() must not see NULL, even for nothing to sort. */
static void xsort(void *base, size_t nr, size_t size,
		  int (*cmp)(const void *, const void *))
{
	if (nr > 1)
		qsort(base, nr, size, cmp);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

void test_machine(u64 seed)
{
	machine_reset(seed);
	/* phys = (virt ^ flip) - delta: tree pages land at TREE_RAM. */
	kho_shim_phys_delta = BIT_ULL(63);
	machine_map(TREE_RAM, TREE_RAM + TREE_RAM_SIZE, KHO_IN_OK);
	machine_map(BANK, BANK + BANK_SIZE, KHO_IN_OK);
}

void test_machine_done(void)
{
	machine_free();
	kho_shim_phys_delta = 0;
}

unsigned long blk_key(const struct blk *b)
{
	return kho_radix_encode_key(b->phys, b->order);
}

static void tt_note(struct test_tree *t, phys_addr_t phys)
{
	t->pages = grow(t->pages, &t->cap_pages, t->nr_pages + 1, sizeof(*t->pages));
	t->pages[t->nr_pages++] = phys;
}

bool tt_init(struct test_tree *t)
{
	memset(t, 0, sizeof(*t));
	if (!EXPECT_EQ(kho_radix_tree_init(&t->tree), 0))
		return false;
	t->root = virt_to_phys(t->tree.root);
	tt_note(t, t->root);
	return true;
}

bool tt_add(struct test_tree *t, phys_addr_t phys, unsigned int order)
{
	unsigned long key = kho_radix_encode_key(phys, order);

	return EXPECT(key) && EXPECT_EQ(kho_radix_add_key(&t->tree, key), 0);
}

bool tt_add_blocks(struct test_tree *t, const struct blk *blks, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!tt_add(t, blks[i].phys, blks[i].order))
			return false;
	return true;
}

static unsigned int index_at(unsigned long key, unsigned int level)
{
	return (key >> kho_radix_level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
}

bool tt_add_raw(struct test_tree *t, unsigned long key)
{
	struct kho_radix_node *table = t->tree.root;
	struct kho_radix_leaf *leaf;
	unsigned int level;
	phys_addr_t phys;
	u64 *entry;

	for (level = KHO_RADIX_TOP_LEVEL; level; level--) {
		entry = &table->table[index_at(key, level)];
		if (!*entry) {
			tt_page(t, &phys);
			*entry = phys;
		}
		table = phys_to_virt(*entry);
	}
	leaf = (struct kho_radix_leaf *)table;
	leaf->bitmap[(key % KHO_RADIX_LEAF_BITS) / BITS_PER_LONG] |=
		BIT(key % BITS_PER_LONG);
	/* The tree's own hot leaf knows nothing of this. */
	t->tree.hot_leaf = NULL;
	return EXPECT(true);
}

static int tt_note_page(phys_addr_t phys, unsigned int level, void *data)
{
	tt_note(data, phys);
	return 0;
}

void tt_seal(struct test_tree *t)
{
	const struct kho_radix_walk_cb cb = { .node = tt_note_page };

	EXPECT_EQ(kho_radix_walk_tree(&t->tree, &cb, t), 0);
}

void *tt_page(struct test_tree *t, phys_addr_t *phys)
{
	void *page = (void *)get_zeroed_page(GFP_KERNEL);

	if (!page)
		kho_shim_fatal("no page for the test");
	*phys = virt_to_phys(page);
	tt_note(t, *phys);
	return page;
}

void tt_free(struct test_tree *t)
{
	size_t i;

	xsort(t->pages, t->nr_pages, sizeof(*t->pages), cmp_u64);
	for (i = 0; i < t->nr_pages; i++)
		if (!i || t->pages[i] != t->pages[i - 1])
			free_page((unsigned long)phys_to_virt(t->pages[i]));
	free(t->pages);
	memset(t, 0, sizeof(*t));
}

u64 *tt_entry(struct test_tree *t, unsigned long key, unsigned int level)
{
	struct kho_radix_node *table = phys_to_virt(t->root);
	unsigned int l;

	for (l = KHO_RADIX_TOP_LEVEL; l > level; l--)
		table = phys_to_virt(table->table[index_at(key, l)]);
	return &table->table[index_at(key, level)];
}

phys_addr_t tt_page_at(struct test_tree *t, unsigned long key, unsigned int level)
{
	return level == KHO_RADIX_TOP_LEVEL ? t->root : *tt_entry(t, key, level + 1);
}

/* The world ----------------------------------------------------------------- */

void world_map(struct ref_world *w, phys_addr_t start, phys_addr_t end,
	       enum kho_in_kind kind)
{
	if (w->nr_map == ARRAY_SIZE(w->map))
		kho_shim_fatal("%s: too many regions", __func__);
	w->map[w->nr_map++] = (struct ref_region){ start, end, kind };
	machine_map(start, end, kind);
}

void world_image(struct ref_world *w, phys_addr_t start, phys_addr_t end)
{
	if (w->nr_image == ARRAY_SIZE(w->image))
		kho_shim_fatal("%s: too many ranges", __func__);
	w->image[w->nr_image++] = (struct machine_range){ start, end };
	machine_add_image(start, end);
}

void world_reserved(struct ref_world *w, phys_addr_t start, phys_addr_t end)
{
	if (w->nr_reserved == ARRAY_SIZE(w->reserved))
		kho_shim_fatal("%s: too many ranges", __func__);
	w->reserved[w->nr_reserved++] = (struct machine_range){ start, end };
	machine_add_reserved(start, end);
}

void world_unbacked(struct ref_world *w, enum kho_in_kind kind)
{
	w->unbacked = kind;
	machine.unbacked_kind = kind;
}

void world_standard(struct ref_world *w, u64 seed)
{
	memset(w, 0, sizeof(*w));
	w->budget = 1UL << 40;
	machine_reset(seed);
	kho_shim_phys_delta = BIT_ULL(63);
	world_map(w, TREE_RAM, TREE_RAM + TREE_RAM_SIZE, KHO_IN_OK);
	world_map(w, BANK, BANK + BANK_SIZE, KHO_IN_OK);
}

/* The reference --------------------------------------------------------------- */

/* The last painted region holding @phys decides; nothing painted: a hole. */
static enum kho_in_kind ref_kind_at(const struct ref_world *w, phys_addr_t phys)
{
	size_t i = w->nr_map;

	while (i--)
		if (phys >= w->map[i].start && phys < w->map[i].end)
			return w->map[i].kind;
	return KHO_IN_NOT_RAM;
}

/*
 * The kind of [@start, @end): KHO_IN_OK if all of it is usable, else the
 * kind of its highest unusable byte. Kinds change only at region edges.
 */
static enum kho_in_kind ref_range_kind(const struct ref_world *w,
				       phys_addr_t start, phys_addr_t end)
{
	phys_addr_t top = end - 1, next;
	enum kho_in_kind kind;
	size_t i;

	for (;;) {
		kind = ref_kind_at(w, top);
		if (kind)
			return kind;
		/* Down to the highest region edge below @top, or done. */
		next = start;
		for (i = 0; i < w->nr_map; i++) {
			if (w->map[i].start > next && w->map[i].start <= top)
				next = w->map[i].start;
			if (w->map[i].end > next && w->map[i].end <= top)
				next = w->map[i].end;
		}
		if (next == start)
			return ref_kind_at(w, start);
		top = next - 1;
	}
}

static bool ref_overlaps(const struct machine_range *r, size_t nr,
			 phys_addr_t start, phys_addr_t end)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (start < r[i].end && r[i].start < end)
			return true;
	return false;
}

static enum kho_in_kind ref_page_kind(const struct ref_world *w, phys_addr_t phys)
{
	enum kho_in_kind kind = ref_kind_at(w, phys);

	if (kind)
		return kind;
	if (ref_range_kind(w, phys, phys + PAGE_SIZE))
		return KHO_IN_NOT_RAM;
	if (ref_overlaps(w->image, w->nr_image, phys, phys + PAGE_SIZE))
		return KHO_IN_IMAGE;
	if (ref_overlaps(w->reserved, w->nr_reserved, phys, phys + PAGE_SIZE))
		return KHO_IN_RESERVED;
	if (w->unbacked && !kho_shim_page_live(phys_to_virt(phys)))
		return w->unbacked;
	return KHO_IN_OK;
}

static void ref_tally(struct kho_in_tally *t, phys_addr_t where,
		      unsigned long pages)
{
	if (!t->count || where < t->first)
		t->first = where;
	t->count++;
	t->pages += pages;
}

/* The walk's state: pages seen so far, blocks of the accepted leaves. */
struct ref_walk {
	const struct ref_world *w;
	struct ref_result *r;
	struct blk *blks;
	size_t nr_blks, cap_blks;
	size_t cap_pages;
	phys_addr_t *seen;		/* sorted copy, rebuilt lazily */
	size_t nr_seen;
	unsigned long no_blocks;	/* keys that are no block */
};

static bool ref_seen(struct ref_walk *rw, phys_addr_t phys)
{
	size_t i;

	/* Tests have at most a few thousand pages: keep it simple. */
	for (i = 0; i < rw->r->nr_pages; i++)
		if (rw->r->pages[i] == phys)
			return true;
	return false;
}

/* Runs of set bits, found bit by bit in the words that have any. */
static unsigned long ref_leaf_runs(const struct kho_radix_leaf *leaf)
{
	unsigned long runs = 0, w;
	bool prev = false;
	unsigned int bit;

	for (w = 0; w < ARRAY_SIZE(leaf->bitmap); w++) {
		if (!leaf->bitmap[w]) {
			prev = false;
			continue;
		}
		for (bit = 0; bit < BITS_PER_LONG; bit++) {
			bool set = leaf->bitmap[w] >> bit & 1;

			runs += set && !prev;
			prev = set;
		}
	}
	return runs;
}

static void ref_take_leaf(struct ref_walk *rw, const struct kho_radix_leaf *leaf,
			  unsigned long base)
{
	unsigned int bit, order;
	phys_addr_t phys;

	for (bit = 0; bit < KHO_RADIX_LEAF_BITS; bit++) {
		if (!leaf->bitmap[bit / BITS_PER_LONG]) {
			bit |= BITS_PER_LONG - 1;
			continue;
		}
		if (!(leaf->bitmap[bit / BITS_PER_LONG] >> (bit % BITS_PER_LONG) & 1))
			continue;
		rw->r->stats.keys++;
		/*
		 * A key that is no block cannot be kept: it leaves the tree and
		 * counts as a block outside RAM, with no pages and no address
		 * (ref_compute() adds it in after the blocks).
		 */
		if (kho_radix_decode_key(base | bit, &phys, &order)) {
			rw->no_blocks++;
			continue;
		}
		rw->blks = grow(rw->blks, &rw->cap_blks, rw->nr_blks + 1, sizeof(*rw->blks));
		rw->blks[rw->nr_blks++] = (struct blk){ phys, order };
	}
}

static void ref_visit(struct ref_walk *rw, phys_addr_t table_phys,
		      unsigned int level, unsigned long prefix)
{
	const struct kho_radix_node *table = phys_to_virt(table_phys);
	struct ref_result *r = rw->r;
	enum kho_in_kind kind;
	unsigned long key, runs;
	unsigned int idx;
	u64 e;

	for (idx = 0; idx < KHO_RADIX_TABLE_ENTRIES; idx++) {
		e = table->table[idx];
		if (!e)
			continue;
		key = prefix | (unsigned long)idx << kho_radix_level_shift(level);
		if (level == KHO_RADIX_TOP_LEVEL && key >> KHO_RADIX_KEY_WIDTH)
			kind = KHO_IN_BEYOND;
		else if (e % PAGE_SIZE || e > PHYS_ADDR_MAX - PAGE_SIZE)
			kind = KHO_IN_MISALIGNED;
		else
			kind = ref_page_kind(rw->w, e);
		if (!kind && ref_seen(rw, e))
			kind = KHO_IN_TWICE;
		if (!kind && r->nr_pages >= rw->w->budget)
			kind = KHO_IN_BUDGET;
		if (!kind && level == 1) {
			if (!kho_shim_page_live(phys_to_virt(e)))
				kho_shim_fatal("test bug: leaf %#llx has no backing",
					       (unsigned long long)e);
			runs = ref_leaf_runs(phys_to_virt(e));
			if (r->runs + runs > 2 * rw->w->budget)
				kind = KHO_IN_BUDGET;
		}
		if (kind) {
			ref_tally(&r->entries[kind], e, 0);
			continue;
		}
		r->pages = grow(r->pages, &rw->cap_pages, r->nr_pages + 1, sizeof(*r->pages));
		r->pages[r->nr_pages++] = e;
		if (level == 1) {
			r->stats.leaves++;
			r->runs += runs;
			ref_take_leaf(rw, phys_to_virt(e), key);
			continue;
		}
		if (!kho_shim_page_live(phys_to_virt(e)))
			kho_shim_fatal("test bug: table %#llx has no backing",
				       (unsigned long long)e);
		r->stats.tables++;
		ref_visit(rw, e, level - 1, key);
	}
}

static int cmp_blk_desc(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;

	if (x->order != y->order)
		return x->order > y->order ? -1 : 1;
	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* Disjoint ranges sorted by start; does one hold [@start, @end)? */
struct ivls {
	struct machine_range *r;
	size_t nr, cap;
};

static bool ivls_holds(const struct ivls *s, phys_addr_t start, phys_addr_t end)
{
	return machine_ranges_hold(s->r, s->nr, start, end);
}

static int cmp_range(const void *a, const void *b)
{
	const struct machine_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void ivls_add(struct ivls *s, phys_addr_t start, phys_addr_t end)
{
	s->r = grow(s->r, &s->cap, s->nr + 1, sizeof(*s->r));
	s->r[s->nr++] = (struct machine_range){ start, end };
}

/* Sort and merge touching or overlapping ranges. */
static void ivls_merge(struct ivls *s)
{
	machine_ranges_merge(s->r, &s->nr);
}

/* @s minus @cut, both merged. */
static void ivls_subtract(struct ivls *s, const struct ivls *cut)
{
	struct ivls out = {};
	size_t i, j = 0;

	for (i = 0; i < s->nr; i++) {
		phys_addr_t start = s->r[i].start, end = s->r[i].end;

		while (j < cut->nr && cut->r[j].end <= start)
			j++;
		for (size_t k = j; k < cut->nr && cut->r[k].start < end; k++) {
			if (cut->r[k].start > start)
				ivls_add(&out, start, cut->r[k].start);
			start = max(start, cut->r[k].end);
		}
		if (start < end)
			ivls_add(&out, start, end);
	}
	free(s->r);
	*s = out;
}

static bool ivls_equal(const struct ivls *a, const struct ivls *b)
{
	return a->nr == b->nr &&
	       (!a->nr || !memcmp(a->r, b->r, a->nr * sizeof(*a->r)));
}

/* Whether a range refusal takes @b, and why. */
static enum kho_in_kind ref_range_refusal(const struct ref_world *w,
					  const struct ref_result *r,
					  const struct blk *b)
{
	phys_addr_t start = b->phys, end = blk_end(b);
	size_t i;

	if (ref_overlaps(w->image, w->nr_image, start, end))
		return KHO_IN_IMAGE;
	if (ref_overlaps(w->reserved, w->nr_reserved, start, end))
		return KHO_IN_RESERVED;
	for (i = 0; i < r->nr_pages; i++)
		if (r->pages[i] < end && start < r->pages[i] + PAGE_SIZE)
			return KHO_IN_TREE_PAGE;
	return KHO_IN_OK;
}

static enum kho_in_kind ref_memory(const struct ref_world *w, const struct blk *b,
				   unsigned int quirks)
{
	enum kho_in_kind kind = ref_range_kind(w, b->phys, blk_end(b));

	if (!kind || !(quirks & REF_LABEL_BOTTOM) || ref_kind_at(w, blk_end(b) - 1))
		return kind;
	return ref_kind_at(w, b->phys) ?: KHO_IN_NOT_RAM;
}

void ref_compute(const struct ref_world *w, phys_addr_t root, unsigned int quirks,
		 struct ref_result *r)
{
	struct ref_walk rw = { .w = w, .r = r };
	struct ivls larger = {}, kept = {}, order_in = {};
	enum kho_in_kind kind;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	r->pages = grow(NULL, &rw.cap_pages, 1, sizeof(*r->pages));
	r->pages[r->nr_pages++] = root;
	r->stats.tables = 1;
	ref_visit(&rw, root, KHO_RADIX_TOP_LEVEL, 0);
	xsort(r->pages, r->nr_pages, sizeof(*r->pages), cmp_u64);

	/* Largest first: a block is nested if a larger one holds it. */
	xsort(rw.blks, rw.nr_blks, sizeof(*rw.blks), cmp_blk_desc);
	r->kept = xrealloc(NULL, rw.nr_blks, sizeof(*r->kept));
	for (i = 0; i < rw.nr_blks; i = j) {
		order_in.nr = 0;
		for (j = i; j < rw.nr_blks && rw.blks[j].order == rw.blks[i].order; j++) {
			const struct blk *b = &rw.blks[j];

			kind = ref_range_refusal(w, r, b);
			if (kind) {
				ref_tally(&r->blocks[kind], b->phys, 1UL << b->order);
				continue;
			}
			if (ivls_holds(&larger, b->phys, blk_end(b))) {
				ref_tally(&r->blocks[KHO_IN_NESTED], b->phys, 1UL << b->order);
				continue;
			}
			kind = ref_memory(w, b, quirks);
			if (quirks & REF_NESTED_IN_REFUSED)
				ivls_add(&order_in, b->phys, blk_end(b));
			if (kind) {
				ref_tally(&r->blocks[kind], b->phys, 1UL << b->order);
				continue;
			}
			if (!(quirks & REF_NESTED_IN_REFUSED))
				ivls_add(&order_in, b->phys, blk_end(b));
			ivls_add(&kept, b->phys, blk_end(b));
			r->kept[r->nr_kept++] = blk_key(b);
			r->kept_pages += 1UL << b->order;
		}
		/* Blocks of one order are disjoint, and none is in a larger one. */
		for (size_t k = 0; k < order_in.nr; k++)
			ivls_add(&larger, order_in.r[k].start, order_in.r[k].end);
		xsort(larger.r, larger.nr, sizeof(*larger.r), cmp_range);
	}
	/* Counted, but the first address outside RAM stays a block's. */
	r->blocks[KHO_IN_NOT_RAM].count += rw.no_blocks;
	xsort(r->kept, r->nr_kept, sizeof(*r->kept), cmp_u64);
	ivls_merge(&kept);
	r->fdt_kept = w->fdt_end && ivls_holds(&kept, w->fdt, w->fdt_end);

	free(rw.blks);
	free(larger.r);
	free(kept.r);
	free(order_in.r);
}

void ref_free(struct ref_result *r)
{
	free(r->kept);
	free(r->pages);
	memset(r, 0, sizeof(*r));
}

/* Comparing a run with the reference ---------------------------------------- */

struct key_list {
	unsigned long *keys;
	size_t nr, cap;
};

static int note_key(unsigned long key, void *data)
{
	struct key_list *l = data;

	l->keys = grow(l->keys, &l->cap, l->nr + 1, sizeof(*l->keys));
	l->keys[l->nr++] = key;
	return 0;
}

size_t tree_keys(phys_addr_t root, unsigned long **keys)
{
	const struct kho_radix_walk_cb cb = { .leaf = note_key };
	struct kho_radix_tree tree;
	struct key_list l = {};

	kho_radix_tree_adopt(&tree, phys_to_virt(root));
	__kho_radix_walk_tree(&tree, &cb, &l);
	*keys = l.keys;
	return l.nr;
}

enum {
	DIFF_KEPT = BIT(0),
	DIFF_PAGES = BIT(1),
	DIFF_ENTRIES = BIT(2),
	DIFF_BLOCKS = BIT(3),
	DIFF_STATS = BIT(4),
	DIFF_EMITS = BIT(5),
	DIFF_COUNTS = BIT(6),
};

static const char *const diff_names[] = {
	"keys left in the tree", "accepted tree pages", "refused entries",
	"refused blocks", "stats and runs", "emits", "kept counts",
};

#define DIFF_ASPECTS	ARRAY_SIZE(diff_names)

static __printf(3, 4) void say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || *why)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static unsigned int diff_tallies(const struct kho_in_tally *got,
				 const struct kho_in_tally *want, const char *what,
				 char *why, size_t len)
{
	unsigned int kind;

	for (kind = 0; kind < KHO_IN_KINDS; kind++) {
		if (got[kind].count == want[kind].count &&
		    got[kind].pages == want[kind].pages &&
		    (!want[kind].count || got[kind].first == want[kind].first))
			continue;
		say(why, len,
		    "%s %s: %lu (%lu pages, first %#llx), expected %lu (%lu pages, first %#llx)",
		    what, kho_in_kind_name(kind), got[kind].count, got[kind].pages,
		    (unsigned long long)got[kind].first, want[kind].count,
		    want[kind].pages, (unsigned long long)want[kind].first);
		return 1;
	}
	return 0;
}

static unsigned int diff_emits(const struct kho_in_vet *v, const struct ref_world *w,
			       const struct ref_result *r, char *why, size_t len)
{
	struct ivls got_p = {}, got_n = {}, want_p = {}, want_n = {};
	unsigned int diff = 0;
	phys_addr_t phys;
	unsigned int order;
	size_t i;

	if (machine.bad_emits) {
		for (i = 0; i < machine.nr_emits && !machine.emits[i].ret; i++)
			;
		say(why, len, "%lu emits failed, the first [%#llx, +%#llx) with %d",
		    machine.bad_emits, (unsigned long long)machine.emits[i].base,
		    (unsigned long long)machine.emits[i].size, machine.emits[i].ret);
		diff = 1;
	}
	for (i = 0; i < machine.nr_emits; i++) {
		const struct machine_emit *e = &machine.emits[i];

		ivls_add(e->preserved ? &got_p : &got_n, e->base, e->base + e->size);
	}
	for (i = 0; i < r->nr_kept; i++) {
		if (kho_radix_decode_key(r->kept[i], &phys, &order))
			continue;
		ivls_add(&want_p, phys, phys + ((phys_addr_t)PAGE_SIZE << order));
	}
	for (i = 0; i < r->nr_pages; i++)
		ivls_add(&want_n, r->pages[i], r->pages[i] + PAGE_SIZE);
	if (w->fdt_end)
		ivls_add(&want_n, w->fdt, w->fdt_end);
	ivls_merge(&got_p);
	ivls_merge(&got_n);
	ivls_merge(&want_p);
	ivls_merge(&want_n);
	ivls_subtract(&want_n, &want_p);
	if (!ivls_equal(&got_p, &want_p)) {
		say(why, len, "preserved emits: %zu ranges, expected %zu", got_p.nr, want_p.nr);
		diff = 1;
	}
	if (!ivls_equal(&got_n, &want_n)) {
		say(why, len, "emits of pages that stay: %zu ranges, expected %zu",
		    got_n.nr, want_n.nr);
		diff = 1;
	}
	if (v->fdt_kept != r->fdt_kept) {
		say(why, len, "fdt_kept %d, expected %d", v->fdt_kept, r->fdt_kept);
		diff = 1;
	}
	if (v->stretches != want_p.nr) {
		say(why, len, "%lu stretches, expected %zu", v->stretches, want_p.nr);
		diff = 1;
	}
	free(got_p.r);
	free(got_n.r);
	free(want_p.r);
	free(want_n.r);
	return diff;
}

static unsigned int run_diff(const struct kho_in_vet *v, phys_addr_t root,
			     const struct ref_world *w, const struct ref_result *r,
			     char why[][160])
{
	const struct list_head *node;
	unsigned long *keys;
	unsigned int diff = 0;
	size_t nr, i;

	nr = tree_keys(root, &keys);
	if (nr != r->nr_kept || (nr && memcmp(keys, r->kept, nr * sizeof(*keys)))) {
		for (i = 0; i < nr && i < r->nr_kept && keys[i] == r->kept[i]; i++)
			;
		say(why[0], 160,
		    "%zu keys, expected %zu; first difference at %zu: %#lx, expected %#lx",
		    nr, r->nr_kept, i, i < nr ? keys[i] : 0,
		    i < r->nr_kept ? r->kept[i] : 0);
		diff |= DIFF_KEPT;
	}
	free(keys);

	i = 0;
	list_for_each(node, &v->pages) {
		if (i >= r->nr_pages || kho_in_node_page(node) != r->pages[i])
			break;
		i++;
	}
	if (v->nr_pages != r->nr_pages || i != r->nr_pages) {
		say(why[1], 160, "%lu pages, expected %zu; first difference at %zu",
		    v->nr_pages, r->nr_pages, i);
		diff |= DIFF_PAGES;
	}
	if (diff_tallies(v->entries, r->entries, "entries", why[2], 160))
		diff |= DIFF_ENTRIES;
	if (diff_tallies(v->blocks, r->blocks, "blocks", why[3], 160))
		diff |= DIFF_BLOCKS;
	if (v->stats.tables != r->stats.tables || v->stats.leaves != r->stats.leaves ||
	    v->stats.keys != r->stats.keys || v->runs != r->runs) {
		say(why[4], 160,
		    "%lu tables, %lu leaves, %lu keys, %lu runs; expected %lu, %lu, %lu, %lu",
		    v->stats.tables, v->stats.leaves, v->stats.keys, v->runs,
		    r->stats.tables, r->stats.leaves, r->stats.keys, r->runs);
		diff |= DIFF_STATS;
	}
	if (diff_emits(v, w, r, why[5], 160))
		diff |= DIFF_EMITS;
	if (v->kept != r->nr_kept || v->kept_pages != r->kept_pages) {
		say(why[6], 160, "kept %lu blocks, %lu pages; expected %zu, %lu",
		    v->kept, v->kept_pages, r->nr_kept, r->kept_pages);
		diff |= DIFF_COUNTS;
	}
	return diff;
}

unsigned int run_differs(const struct kho_in_vet *v, phys_addr_t root,
			 const struct ref_world *w, const struct ref_result *r,
			 char *why, size_t len)
{
	char whys[DIFF_ASPECTS][160] = {};
	unsigned int diff = run_diff(v, root, w, r, whys), i;

	if (why && len) {
		*why = 0;
		for (i = 0; i < DIFF_ASPECTS; i++)
			if (diff & BIT(i)) {
				snprintf(why, len, "%s: %s", diff_names[i], whys[i]);
				break;
			}
	}
	return diff;
}

bool expect_run(const struct kho_in_vet *v, phys_addr_t root,
		const struct ref_world *w, const struct ref_result *r, int line)
{
	char whys[DIFF_ASPECTS][160] = {};
	unsigned int diff = run_diff(v, root, w, r, whys), i;

	kho_test_checks += DIFF_ASPECTS;
	for (i = 0; i < DIFF_ASPECTS; i++)
		if (diff & BIT(i))
			kho_test_fail(__FILE__, line, "%s: %s", diff_names[i], whys[i]);
	return !diff;
}

bool expect_take_tree(struct kho_in_vet *v, phys_addr_t root,
		      const struct ref_world *w, int line)
{
	struct ref_result r;
	bool ok;

	ref_compute(w, root, 0, &r);
	machine_clear_emits();
	kho_test_checks++;
	if (machine_take_tree(v, root, w->budget, w->fdt, w->fdt_end)) {
		kho_test_fail(__FILE__, line, "the root was refused");
		ref_free(&r);
		return false;
	}
	ok = expect_run(v, root, w, &r, line);
	ref_free(&r);
	return ok;
}

bool scene_init(struct scene *s, const struct blk *blks, size_t nr)
{
	world_standard(&s->w, kho_test_seed());
	if (!tt_init(&s->t) || !tt_add_blocks(&s->t, blks, nr))
		return false;
	tt_seal(&s->t);
	return true;
}

void scene_done(struct scene *s)
{
	tt_free(&s->t);
	test_machine_done();
}

struct blk *random_blocks(size_t nr, unsigned int max_order, phys_addr_t base,
			  u64 *rng)
{
	struct blk *blks = xrealloc(NULL, nr, sizeof(*blks)), t;
	phys_addr_t cur = base;
	size_t i = 0, j;

	while (i < nr) {
		unsigned int order = kho_rand(rng) % (max_order + 1);
		phys_addr_t size = (phys_addr_t)PAGE_SIZE << order;
		unsigned int run = 1 + kho_rand(rng) % 4;

		cur = (cur + size - 1) & ~(size - 1);
		cur += size * (kho_rand(rng) % 4);
		for (; run && i < nr; run--, i++, cur += size)
			blks[i] = (struct blk){ cur, order };
	}
	for (i = nr; i > 1; i--) {
		j = kho_rand(rng) % i;
		t = blks[i - 1];
		blks[i - 1] = blks[j];
		blks[j] = t;
	}
	return blks;
}
