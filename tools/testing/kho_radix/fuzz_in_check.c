// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the incoming-tree validator: an arbitrary memory
 * image, root, memory map, FDT and page storage (see fuzz_input.h) go
 * through what kho_incoming.c does with them: kho_in_busy(), then
 * kho_in_vet_tree(), the refusals by range (image, reserved, tree pages)
 * and kho_in_reserve(), then kho_in_forget_pages(). Nothing it reads may be
 * trusted; what it leaves must keep every promise of kho_in_check.h.
 *
 * The simulated machine (in_check_machine.c): image page p is at physical
 * phys_base + p * PAGE_SIZE (kho_shim_phys_delta moves the shim's physical
 * space there). Nothing but the image backs a tree page: a usable page
 * outside it is one the validator is told is reserved, so it is never
 * read; blocks may lie anywhere. While the validator runs, image pages it
 * may not read are poisoned for ASan, and every address the tree code
 * turns into a pointer must be a page kho_in_page_kind() said was usable
 * (kho_shim_phys_check()).
 *
 * Checked afterwards: the emits are strictly descending, disjoint and all
 * succeeded; the tree is a tree again (a plain walk reaches each accepted
 * page once and nothing else); every key left decodes to a block inside an
 * emitted preserved range, in usable memory, over no tree page; the
 * preserved emits are exactly the kept blocks; every tree page and the FDT
 * are reserved; the tallies match what changed in the image (entries
 * zeroed, bits cleared, nothing else written) and every cleared block had
 * a reason to be; kho_in_busy() marked every unit that holds a kept block
 * or a tree page; kho_in_forget_pages() cleared the storage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <asm/page.h>
#include <linux/bitmap.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/limits.h>

#include "fuzz_input.h"
#include "harness.h"
#include "in_check_machine.h"

#define IMAGE_WORDS	(FUZZ_MAX_PAGES * PAGE_SIZE / sizeof(u64))
#define BUSY_BITS	4096

static struct {
	struct fuzz_hdr h;
	u64 base, bytes;
	phys_addr_t fdt, fdt_end;
	unsigned long budget;
	bool preset[FUZZ_MAX_PAGES];
	unsigned long storage[FUZZ_MAX_PAGES];
} m;

static u64 image[IMAGE_WORDS] __aligned(1 << 16);
static u64 before[IMAGE_WORDS];
static DECLARE_BITMAP(busy, BUSY_BITS);
static struct kho_in_vet vet;

char fuzz_last_outcome[256];

static void __noreturn __printf(3, 4) fuzz_bug(int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: (%s) ", __FILE__, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define ENSURE(cond, ...)						\
	do {								\
		if (!(cond))						\
			fuzz_bug(__LINE__, #cond, __VA_ARGS__);		\
	} while (0)

#define HEX(x)	((unsigned long long)(x))

/* The image page of @phys, or -1. */
static long image_page(phys_addr_t phys)
{
	return phys >= m.base && phys - m.base < m.bytes ?
	       (long)((phys - m.base) >> PAGE_SHIFT) : -1;
}

static bool in_ranges(const struct machine_range *r, size_t nr, phys_addr_t start,
		      phys_addr_t end)
{
	while (nr--)
		if (start < r[nr].end && r[nr].start < end)
			return true;
	return false;
}

/* Whether all of [@start, @end) is usable for a block or a tree page. */
static bool usable(phys_addr_t start, phys_addr_t end)
{
	phys_addr_t lo, hi;
	size_t nr_i, nr_r;
	const struct machine_range *img = machine_image(&nr_i);
	const struct machine_range *res = machine_reserved(&nr_r);

	if (in_ranges(img, nr_i, start, end) || in_ranges(res, nr_r, start, end))
		return false;
	while (start < end) {
		if (machine_kind_at(start, &lo, &hi) != KHO_IN_OK || hi == start)
			return false;
		if (hi >= end)
			return true;
		start = hi;
	}
	return true;
}

/* Every pointer the code makes must be to a page found usable first. */
void kho_shim_phys_check(phys_addr_t phys)
{
	ENSURE(!(phys & (PAGE_SIZE - 1)), "pointer to unaligned %#llx", HEX(phys));
	ENSURE(image_page(phys) >= 0, "pointer to %#llx outside the image", HEX(phys));
	ENSURE(machine_vetted(phys), "pointer to %#llx, never found usable", HEX(phys));
}

static void poison_image(bool poison)
{
	unsigned int p;

	for (p = 0; p < FUZZ_MAX_PAGES; p++) {
		u64 *page = &image[p * (PAGE_SIZE / sizeof(u64))];

		if (poison && p < m.h.pages &&
		    usable(m.base + p * PAGE_SIZE, m.base + (p + 1) * PAGE_SIZE))
			continue;
		if (poison)
			ASAN_POISON_MEMORY_REGION(page, PAGE_SIZE);
		else
			ASAN_UNPOISON_MEMORY_REGION(page, PAGE_SIZE);
	}
}

static unsigned long storage_word(phys_addr_t phys, void *arg)
{
	long p = image_page(phys);
	u64 rng = m.h.seed ^ phys;

	if (p >= 0 && m.preset[p])
		return m.storage[p];
	switch (m.h.garbage) {
	case FUZZ_GARBAGE_ZERO:
		return 0;
	case FUZZ_GARBAGE_ONES:
		return ~0UL;
	case FUZZ_GARBAGE_RANDOM:
		return kho_rand(&rng);
	default:
		return 0xa5UL << 56 | (kho_rand(&rng) & ((1UL << 56) - 1));
	}
}

static void paint(phys_addr_t start, phys_addr_t size, unsigned int kind)
{
	static const enum kho_in_kind kinds[] = {
		[FUZZ_KIND_OK] = KHO_IN_OK,
		[FUZZ_KIND_HOLE] = KHO_IN_NOT_RAM,
		[FUZZ_KIND_NOMAP] = KHO_IN_NOMAP,
		[FUZZ_KIND_SCRATCH] = KHO_IN_SCRATCH,
	};
	phys_addr_t end;

	if (size > PHYS_ADDR_MAX - start)
		size = PHYS_ADDR_MAX - start;
	if (!size)
		return;
	end = start + size;
	machine_map(start, end, kind < ARRAY_SIZE(kinds) ? kinds[kind] : KHO_IN_OK);
	if (kind == FUZZ_KIND_IMAGE)
		machine_add_image(start, end);
	if (kind == FUZZ_KIND_RESERVED)
		machine_add_reserved(start, end);
}

/* Build the machine and the image; false if the handover would be dropped. */
static bool setup(const u8 *data, size_t size)
{
	unsigned long ram = 0;
	unsigned int i;
	size_t off;

	memset(&m, 0, sizeof(m));
	if (!fuzz_parse_hdr(data, size, &m.h))
		return false;
	m.bytes = (u64)m.h.pages * PAGE_SIZE;
	m.base = m.h.phys_base & ~(u64)(PAGE_SIZE - 1);
	if (m.base > 0 - m.bytes)
		m.base = 0 - m.bytes;

	machine_reset(m.h.seed);
	machine.garbage = MACHINE_GARBAGE_CRAFT;
	machine.craft = storage_word;
	machine.unbacked_kind = KHO_IN_RESERVED;
	for (i = 0; i < FUZZ_SPANS; i++)
		paint(m.h.spans[i].start, m.h.spans[i].size, m.h.spans[i].kind);
	for (i = 0; i < m.h.pages; i++) {
		paint(m.base + i * PAGE_SIZE, PAGE_SIZE, m.h.kind[i]);
		ram += m.h.kind[i] != FUZZ_KIND_HOLE;
	}
	machine_add_backed(m.base, m.base + m.bytes - 1);
	m.budget = m.h.budget ? m.h.budget - 1 : ram;

	memset(image, 0, sizeof(image));
	for (off = FUZZ_HDR_BYTES; off + FUZZ_REC_BYTES <= size; off += FUZZ_REC_BYTES) {
		u32 pos = fuzz_get(data + off, 4);
		u64 val = fuzz_get(data + off + 4, 8);

		if (pos & FUZZ_REL)
			val += m.base;
		if (pos & FUZZ_STORAGE) {
			m.preset[(pos & 0x3fffffff) % m.h.pages] = true;
			m.storage[(pos & 0x3fffffff) % m.h.pages] = val;
		} else {
			image[(pos & 0x3fffffff) % (m.bytes / sizeof(u64))] = val;
		}
	}
	memcpy(before, image, sizeof(image));
	kho_shim_phys_delta = ((uintptr_t)image ^ KHO_SHIM_PHYS_FLIP) - m.base;

	/* As kho_in_placed(): the FDT must lie in usable memory, apart. */
	if (m.h.fdt_pages) {
		m.fdt = (m.base + m.bytes + m.h.fdt) & ~(phys_addr_t)(PAGE_SIZE - 1);
		m.fdt_end = m.fdt + m.h.fdt_pages * PAGE_SIZE;
		if (m.fdt_end < m.fdt || !m.fdt_end || !usable(m.fdt, m.fdt_end) ||
		    (m.fdt < m.base + m.bytes && m.base < m.fdt_end))
			return false;
	}
	return true;
}

/* Ranges of one sort, merged, for lookups. */
struct ranges {
	struct machine_range r[8 * 65536];
	size_t nr;
};

static struct ranges preserved, stays;

static void ranges_merge(struct ranges *s)
{
	machine_ranges_merge(s->r, &s->nr);
}

static bool ranges_hold(const struct ranges *s, phys_addr_t start, phys_addr_t end)
{
	return machine_ranges_hold(s->r, s->nr, start, end);
}

/* What a walk of the vetted tree finds: its pages, with level and first key. */
struct walk {
	phys_addr_t pages[FUZZ_MAX_PAGES];
	unsigned int levels[FUZZ_MAX_PAGES];
	unsigned long bases[FUZZ_MAX_PAGES];
	unsigned int nr_pages;
	unsigned long nr_keys, kept_pages;
};

/* Depth first, as the tree's own walk; a page met twice is a failure. */
static void walk_pages(struct walk *w, phys_addr_t phys, unsigned int level,
		       unsigned long base)
{
	const struct kho_radix_node *table;
	unsigned int i;

	for (i = 0; i < w->nr_pages; i++)
		ENSURE(w->pages[i] != phys, "page %#llx reached twice after vetting",
		       HEX(phys));
	ENSURE(w->nr_pages < FUZZ_MAX_PAGES, "more pages than the image");
	w->pages[w->nr_pages] = phys;
	w->levels[w->nr_pages] = level;
	w->bases[w->nr_pages++] = base;
	if (!level)
		return;
	table = phys_to_virt(phys);
	for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
		if (table->table[i])
			walk_pages(w, table->table[i], level - 1,
				   base | (unsigned long)i << kho_radix_level_shift(level));
}

static int walk_key(unsigned long key, void *data)
{
	struct walk *w = data;
	phys_addr_t phys, end;
	unsigned int order, i;

	ENSURE(!kho_radix_decode_key(key, &phys, &order), "key %#lx left, no block", key);
	end = phys + ((phys_addr_t)PAGE_SIZE << order);
	ENSURE(ranges_hold(&preserved, phys, end), "kept block %#llx order %u not reserved",
	       HEX(phys), order);
	ENSURE(usable(phys, end), "kept block %#llx order %u over unusable memory",
	       HEX(phys), order);
	for (i = 0; i < w->nr_pages; i++)
		ENSURE(w->pages[i] >= end || w->pages[i] + PAGE_SIZE <= phys,
		       "kept block %#llx order %u holds tree page %#llx", HEX(phys),
		       order, HEX(w->pages[i]));
	w->nr_keys++;
	w->kept_pages += 1UL << order;
	return 0;
}

static void check_emits(void)
{
	const struct machine_emit *e;
	struct ranges *to;
	size_t i;

	preserved.nr = 0;
	stays.nr = 0;
	ENSURE(!machine.bad_emits, "%lu emits failed", machine.bad_emits);
	for (i = 0; i < machine.nr_emits; i++) {
		e = &machine.emits[i];
		ENSURE(!i || e->base + e->size <= machine.emits[i - 1].base,
		       "emit %zu [%#llx, +%#llx) not below the one before", i,
		       HEX(e->base), HEX(e->size));
		ENSURE(!e->preserved || usable(e->base, e->base + e->size),
		       "preserved emit %zu over unusable memory", i);
		to = e->preserved ? &preserved : &stays;
		ENSURE(to->nr < ARRAY_SIZE(to->r), "more emits than expected");
		to->r[to->nr++] = (struct machine_range){ e->base, e->base + e->size };
	}
	ranges_merge(&preserved);
	ranges_merge(&stays);
}

/* Whether @key was set in an accepted leaf before vetting. */
static bool was_set(const struct walk *w, unsigned long key)
{
	unsigned int i;
	long p;

	for (i = 0; i < w->nr_pages; i++) {
		if (w->levels[i] ||
		    w->bases[i] != (key & ~(unsigned long)(KHO_RADIX_LEAF_BITS - 1)))
			continue;
		p = image_page(w->pages[i]);
		return test_bit(key % KHO_RADIX_LEAF_BITS,
				(unsigned long *)&before[p * (PAGE_SIZE / 8)]);
	}
	return false;
}

/*
 * A reason for the block at @phys of @order to have been refused: unusable
 * memory, a tree page, or a larger block around it in the vetted tree.
 */
static bool refusable(const struct walk *w, phys_addr_t phys, unsigned int order)
{
	phys_addr_t end = phys + ((phys_addr_t)PAGE_SIZE << order);
	unsigned long key;
	unsigned int i, o;

	if (!usable(phys, end))
		return true;
	for (i = 0; i < w->nr_pages; i++)
		if (w->pages[i] < end && phys < w->pages[i] + PAGE_SIZE)
			return true;
	for (o = order + 1; o <= KHO_RADIX_MAX_ORDER; o++) {
		key = kho_radix_encode_key(phys & ~(((phys_addr_t)PAGE_SIZE << o) - 1), o);
		if (key && was_set(w, key))
			return true;
	}
	return false;
}

/* The image before and after: what vetting changed must match its tallies. */
static void check_changes(const struct walk *w)
{
	unsigned long zeroed = 0, cleared = 0, pages = 0, count = 0, npages = 0;
	phys_addr_t low_entry = PHYS_ADDR_MAX, low_block = PHYS_ADDR_MAX, phys;
	bool accepted[FUZZ_MAX_PAGES] = {};
	unsigned int i, j, kind, order;
	u64 bits, *now, *was;
	unsigned long key;
	size_t wd;

	for (i = 0; i < w->nr_pages; i++)
		accepted[image_page(w->pages[i])] = true;
	for (i = 0; i < m.h.pages; i++) {
		now = &image[i * (PAGE_SIZE / 8)];
		was = &before[i * (PAGE_SIZE / 8)];
		if (!accepted[i]) {
			ENSURE(!memcmp(now, was, PAGE_SIZE), "page %u written, not a tree page", i);
			continue;
		}
		for (j = 0; w->pages[j] != m.base + (phys_addr_t)i * PAGE_SIZE; j++)
			;
		for (wd = 0; wd < PAGE_SIZE / 8; wd++) {
			if (now[wd] == was[wd])
				continue;
			if (w->levels[j]) {
				ENSURE(!now[wd], "entry changed, not zeroed");
				zeroed++;
				low_entry = min_t(phys_addr_t, low_entry, was[wd]);
				continue;
			}
			ENSURE(!(now[wd] & ~was[wd]), "bits set in a leaf");
			for (bits = was[wd] & ~now[wd]; bits; bits &= bits - 1) {
				key = w->bases[j] | (wd * 64 + __builtin_ctzll(bits));
				cleared++;
				/* No address to tally such a key by: no bound. */
				if (kho_radix_decode_key(key, &phys, &order)) {
					low_block = 0;
					continue;
				}
				pages += 1UL << order;
				low_block = min(low_block, phys);
				ENSURE(refusable(w, phys, order),
				       "block %#llx order %u refused without a reason",
				       HEX(phys), order);
			}
		}
	}
	for (kind = 0; kind < KHO_IN_KINDS; kind++) {
		count += vet.entries[kind].count;
		ENSURE(!vet.entries[kind].count || vet.entries[kind].first >= low_entry,
		       "first refused entry %#llx below every zeroed one",
		       HEX(vet.entries[kind].first));
	}
	ENSURE(count == zeroed, "%lu entries tallied, %lu zeroed", count, zeroed);
	count = 0;
	for (kind = 0; kind < KHO_IN_KINDS; kind++) {
		count += vet.blocks[kind].count;
		npages += vet.blocks[kind].pages;
		ENSURE(!vet.blocks[kind].count || vet.blocks[kind].first >= low_block,
		       "first refused block %#llx below every cleared one",
		       HEX(vet.blocks[kind].first));
	}
	ENSURE(count == cleared, "%lu blocks tallied, %lu bits cleared", count, cleared);
	ENSURE(npages == pages, "%lu pages tallied, %lu cleared", npages, pages);
	ENSURE(vet.kept == w->nr_keys, "kept %lu, %lu keys left", vet.kept, w->nr_keys);
	ENSURE(vet.kept_pages == w->kept_pages, "kept %lu pages, %lu left", vet.kept_pages,
	       w->kept_pages);
	ENSURE(vet.stats.keys == w->nr_keys + cleared,
	       "%lu keys vetted, %lu left + %lu cleared", vet.stats.keys, w->nr_keys, cleared);
}

static void outcome(void)
{
	size_t len = 0;
	unsigned int kind;

	fuzz_last_outcome[0] = 0;
	for (kind = 1; kind < KHO_IN_KINDS; kind++) {
		if (vet.entries[kind].count)
			len += snprintf(fuzz_last_outcome + len, sizeof(fuzz_last_outcome) - len,
					"%sentry %s", len ? " " : "", kho_in_kind_name(kind));
		if (len < sizeof(fuzz_last_outcome) && vet.blocks[kind].count)
			len += snprintf(fuzz_last_outcome + len, sizeof(fuzz_last_outcome) - len,
					"%sblock %s", len ? " " : "", kho_in_kind_name(kind));
		if (len >= sizeof(fuzz_last_outcome))
			break;
	}
	if (!len)
		snprintf(fuzz_last_outcome, sizeof(fuzz_last_outcome), "ok");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	const struct kho_radix_walk_cb keys_only = { .leaf = walk_key };
	const struct machine_range *img, *res;
	const struct list_head *node;
	struct kho_radix_tree tree;
	size_t nr_img, nr_res, i;
	struct walk w = {};
	enum kho_in_kind kind;
	phys_addr_t root, prev = 0, page;
	unsigned int shift, j;

	snprintf(fuzz_last_outcome, sizeof(fuzz_last_outcome), "dropped");
	if (!setup(data, size))
		return 0;
	root = m.base + m.h.root;
	shift = PAGE_SHIFT + m.h.busy % 52;

	poison_image(true);
	/* kho_memory_init_early(): only a root that passed kho_in_placed(). */
	bitmap_zero(busy, BUSY_BITS);
	if (!(root & (PAGE_SIZE - 1)) && kho_in_page_kind(root) == KHO_IN_OK)
		kho_in_busy(root, m.budget, busy, BUSY_BITS, shift);
	kind = kho_in_vet_tree(&vet, root, m.budget);
	if (kind) {
		poison_image(false);
		ENSURE(!machine.calls.page_word, "storage used with the root refused");
		ENSURE(!memcmp(before, image, sizeof(image)), "image written, root refused");
		snprintf(fuzz_last_outcome, sizeof(fuzz_last_outcome), "root %s",
			 kho_in_kind_name(kind));
		return 0;
	}
	vet.fdt = m.fdt;
	vet.fdt_end = m.fdt_end;
	img = machine_image(&nr_img);
	res = machine_reserved(&nr_res);
	for (i = 0; i < nr_img; i++)
		kho_in_refuse_range(&vet, img[i].start, img[i].end, KHO_IN_IMAGE);
	for (i = 0; i < nr_res; i++)
		kho_in_refuse_range(&vet, res[i].start, res[i].end, KHO_IN_RESERVED);
	kho_in_refuse_tree_pages(&vet);
	ENSURE(kho_in_reserve(&vet) == machine.nr_emits - machine.bad_emits,
	       "kho_in_reserve()'s count differs from the emits");

	check_emits();
	walk_pages(&w, root, KHO_RADIX_TOP_LEVEL, 0);
	ENSURE(w.nr_pages == vet.nr_pages, "walk finds %u pages, vetting %lu",
	       w.nr_pages, vet.nr_pages);
	ENSURE(vet.stats.tables + vet.stats.leaves == w.nr_pages, "stats count %lu pages",
	       vet.stats.tables + vet.stats.leaves);
	i = 0;
	list_for_each(node, &vet.pages) {
		page = kho_in_node_page(node);
		ENSURE(!i++ || page > prev, "pages not ascending");
		prev = page;
		for (j = 0; j < w.nr_pages && w.pages[j] != page; j++)
			;
		ENSURE(j < w.nr_pages, "page %#llx listed, not in the tree", HEX(page));
		ENSURE(ranges_hold(&stays, page, page + PAGE_SIZE),
		       "tree page %#llx not reserved", HEX(page));
		if (page >> shift < BUSY_BITS)
			ENSURE(test_bit(page >> shift, busy), "tree page %#llx not busy",
			       HEX(page));
	}
	kho_radix_tree_adopt(&tree, phys_to_virt(root));
	ENSURE(!__kho_radix_walk_tree(&tree, &keys_only, &w), "walk failed");
	if (m.fdt_end) {
		ENSURE(ranges_hold(&stays, m.fdt, m.fdt_end) ||
		       ranges_hold(&preserved, m.fdt, m.fdt_end),
		       "FDT [%#llx, %#llx) not reserved whole", HEX(m.fdt), HEX(m.fdt_end));
		ENSURE(!vet.fdt_kept || ranges_hold(&preserved, m.fdt, m.fdt_end),
		       "fdt_kept, but not inside kept memory");
	}
	/* Every kept block's units busy. */
	for (i = 0; i < preserved.nr; i++) {
		phys_addr_t u;

		for (u = preserved.r[i].start >> shift;
		     u <= (preserved.r[i].end - 1) >> shift && u < BUSY_BITS; u++)
			ENSURE(test_bit(u, busy), "kept memory at %#llx not busy",
			       HEX(preserved.r[i].start));
	}
	poison_image(false);
	check_changes(&w);

	outcome();
	kho_in_forget_pages(&vet);
	ENSURE(list_empty(&vet.pages) && !vet.nr_pages, "pages left after forgetting");
	for (j = 0; j < w.nr_pages; j++)
		ENSURE(*machine_storage(w.pages[j]) == 0, "storage of %#llx not cleared",
		       HEX(w.pages[j]));
	return 0;
}
