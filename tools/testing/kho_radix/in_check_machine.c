// SPDX-License-Identifier: GPL-2.0
/*
 * The simulated machine of in_check_machine.h: the kho_in_*() functions
 * that kho_in_check.c calls, as kho_incoming.c defines them in the kernel,
 * over a painted memory map instead of memblock.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "harness.h"
#include "in_check_machine.h"

struct machine machine;

/*
 * The map as breakpoints: [bp[i], bp[i + 1]) has kind[i], the last one runs
 * to the top of the physical space, bp[0] is 0, and no two neighbours have
 * the same kind.
 */
static struct {
	phys_addr_t *bp;
	enum kho_in_kind *kind;
	size_t nr, cap;
} map;

struct range_list {
	struct machine_range *r;
	size_t nr, cap;
};

static struct range_list image, reserved, backed;

/* A page's storage; made once and never moved, since its node gets linked. */
struct machine_page {
	phys_addr_t phys;
	unsigned long word;
	struct list_head node;
};

#define STORAGE_CHUNK	1024

static struct {
	struct machine_page **slot;	/* hash table, NULL = free */
	size_t cap, used;
	struct machine_page **chunks;
	size_t nr_chunks, in_chunk;
} storage;

/* The pages kho_in_page_kind() found usable: phys | 1, in a hash set. */
static struct {
	phys_addr_t *slot;
	size_t cap, used;
} vetted;

static void *grow(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	*cap = max_t(size_t, need, *cap ? 2 * *cap : 16);
	array = realloc(array, *cap * elem);
	if (!array)
		kho_shim_fatal("out of memory in the harness itself");
	return array;
}

static size_t hash_slot(phys_addr_t phys, size_t cap)
{
	return (phys / PAGE_SIZE * 0x9e3779b97f4a7c15ULL >> 7) & (cap - 1);
}

static void storage_free(void)
{
	size_t i;

	for (i = 0; i < storage.nr_chunks; i++)
		free(storage.chunks[i]);
	free(storage.chunks);
	free(storage.slot);
	memset(&storage, 0, sizeof(storage));
}

void machine_clear_emits(void)
{
	machine.nr_emits = 0;
	machine.floor = PHYS_ADDR_MAX;
	machine.bad_emits = 0;
}

void machine_free(void)
{
	machine_reset(0);
	free(machine.emits);
	free(map.bp);
	free(map.kind);
	free(image.r);
	free(reserved.r);
	free(backed.r);
	memset(&machine, 0, sizeof(machine));
	memset(&map, 0, sizeof(map));
	memset(&image, 0, sizeof(image));
	memset(&reserved, 0, sizeof(reserved));
	memset(&backed, 0, sizeof(backed));
}

void machine_reset(u64 seed)
{
	struct machine_emit *emits = machine.emits;
	size_t cap = machine.cap_emits;

	memset(&machine, 0, sizeof(machine));
	machine.emits = emits;
	machine.cap_emits = cap;
	machine.rng = seed;
	machine_clear_emits();

	map.bp = grow(map.bp, &map.cap, 1, sizeof(*map.bp));
	map.kind = realloc(map.kind, map.cap * sizeof(*map.kind));
	if (!map.kind)
		kho_shim_fatal("out of memory in the harness itself");
	map.bp[0] = 0;
	map.kind[0] = KHO_IN_NOT_RAM;
	map.nr = 1;
	image.nr = 0;
	reserved.nr = 0;
	backed.nr = 0;
	storage_free();
	free(vetted.slot);
	memset(&vetted, 0, sizeof(vetted));
}

/* The breakpoint at or below @phys. */
static size_t map_find(phys_addr_t phys)
{
	size_t lo = 0, hi = map.nr;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (map.bp[mid] <= phys)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Make @phys a breakpoint; returns its index. */
static size_t map_split(phys_addr_t phys)
{
	size_t i = map_find(phys);
	size_t cap = map.cap;

	if (map.bp[i] == phys)
		return i;
	map.bp = grow(map.bp, &map.cap, map.nr + 1, sizeof(*map.bp));
	map.kind = grow(map.kind, &cap, map.nr + 1, sizeof(*map.kind));
	memmove(&map.bp[i + 2], &map.bp[i + 1], (map.nr - i - 1) * sizeof(*map.bp));
	memmove(&map.kind[i + 2], &map.kind[i + 1], (map.nr - i - 1) * sizeof(*map.kind));
	map.bp[i + 1] = phys;
	map.kind[i + 1] = map.kind[i];
	map.nr++;
	return i + 1;
}

void machine_map(phys_addr_t start, phys_addr_t end, enum kho_in_kind kind)
{
	size_t first, last, i, w;

	if (end <= start)
		kho_shim_fatal("%s: empty range", __func__);
	first = map_split(start);
	last = end == PHYS_ADDR_MAX ? map.nr : map_split(end);
	for (i = first; i < last; i++)
		map.kind[i] = kind;
	/* Merge neighbours of one kind. */
	for (i = 1, w = 0; i < map.nr; i++) {
		if (map.kind[i] == map.kind[w])
			continue;
		w++;
		map.bp[w] = map.bp[i];
		map.kind[w] = map.kind[i];
	}
	map.nr = w + 1;
}

enum kho_in_kind machine_kind_at(phys_addr_t phys, phys_addr_t *start,
				 phys_addr_t *end)
{
	size_t i = map_find(phys);

	*start = map.bp[i];
	/* The top byte of the space has no end that fits: left out. */
	*end = i + 1 < map.nr ? map.bp[i + 1] : PHYS_ADDR_MAX;
	return map.kind[i];
}

static void range_add(struct range_list *l, phys_addr_t start, phys_addr_t end)
{
	if (end <= start)
		kho_shim_fatal("empty range");
	l->r = grow(l->r, &l->cap, l->nr + 1, sizeof(*l->r));
	l->r[l->nr++] = (struct machine_range){ start, end };
}

static bool range_overlaps(const struct range_list *l, phys_addr_t start,
			   phys_addr_t end)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (start < l->r[i].end && l->r[i].start < end)
			return true;
	return false;
}

static int cmp_range(const void *a, const void *b)
{
	const struct machine_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

void machine_ranges_merge(struct machine_range *r, size_t *nr)
{
	size_t i, w = 0;

	if (!*nr)
		return;
	qsort(r, *nr, sizeof(*r), cmp_range);
	for (i = 1; i < *nr; i++) {
		if (r[i].start <= r[w].end) {
			r[w].end = max(r[w].end, r[i].end);
			continue;
		}
		r[++w] = r[i];
	}
	*nr = w + 1;
}

bool machine_ranges_hold(const struct machine_range *r, size_t nr,
			 phys_addr_t start, phys_addr_t end)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].start <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && r[lo - 1].start <= start && end <= r[lo - 1].end;
}

void machine_add_image(phys_addr_t start, phys_addr_t end)
{
	range_add(&image, start, end);
}

void machine_add_reserved(phys_addr_t start, phys_addr_t end)
{
	range_add(&reserved, start, end);
}

void machine_add_backed(phys_addr_t start, phys_addr_t end)
{
	range_add(&backed, start, end);
}

const struct machine_range *machine_image(size_t *nr)
{
	*nr = image.nr;
	return image.r;
}

const struct machine_range *machine_reserved(size_t *nr)
{
	*nr = reserved.nr;
	return reserved.r;
}

static bool page_backed(phys_addr_t phys)
{
	uintptr_t virt = (uintptr_t)((phys + kho_shim_phys_delta) ^ KHO_SHIM_PHYS_FLIP);

	return range_overlaps(&backed, phys, phys + PAGE_SIZE) ||
	       kho_shim_page_live((void *)virt);
}

static void vetted_add(phys_addr_t phys)
{
	phys_addr_t *old = vetted.slot;
	size_t i, old_cap = vetted.cap;

	if (2 * (vetted.used + 1) > vetted.cap) {
		vetted.cap = vetted.cap ? 2 * vetted.cap : 256;
		vetted.slot = calloc(vetted.cap, sizeof(*vetted.slot));
		if (!vetted.slot)
			kho_shim_fatal("out of memory in the harness itself");
		vetted.used = 0;
		for (i = 0; i < old_cap; i++)
			if (old[i])
				vetted_add(old[i] & ~1ULL);
		free(old);
	}
	for (i = hash_slot(phys, vetted.cap); vetted.slot[i];
	     i = (i + 1) & (vetted.cap - 1))
		if (vetted.slot[i] == (phys | 1))
			return;
	vetted.slot[i] = phys | 1;
	vetted.used++;
}

bool machine_vetted(phys_addr_t phys)
{
	size_t i;

	if (!vetted.cap)
		return false;
	for (i = hash_slot(phys, vetted.cap); vetted.slot[i];
	     i = (i + 1) & (vetted.cap - 1))
		if (vetted.slot[i] == (phys | 1))
			return true;
	return false;
}

/* What kho_incoming.c answers: the span's kind, then image, then reserved. */
enum kho_in_kind kho_in_page_kind(phys_addr_t phys)
{
	phys_addr_t start, end;
	enum kho_in_kind kind;

	machine.calls.page_kind++;
	if (phys & (PAGE_SIZE - 1))
		kho_shim_fatal("%s(%#llx): not page aligned", __func__,
			       (unsigned long long)phys);
	kind = machine_kind_at(phys, &start, &end);
	if (kind)
		return kind;
	if (phys + PAGE_SIZE > end || phys + PAGE_SIZE < phys)
		return KHO_IN_NOT_RAM;
	if (range_overlaps(&image, phys, phys + PAGE_SIZE))
		return KHO_IN_IMAGE;
	if (range_overlaps(&reserved, phys, phys + PAGE_SIZE))
		return KHO_IN_RESERVED;
	if (!page_backed(phys)) {
		if (!machine.unbacked_kind)
			kho_shim_fatal("test bug: usable tree page %#llx has no backing",
				       (unsigned long long)phys);
		return machine.unbacked_kind;
	}
	vetted_add(phys);
	return KHO_IN_OK;
}

enum kho_in_kind kho_in_span(phys_addr_t phys, phys_addr_t *start,
			     phys_addr_t *end)
{
	machine.calls.span++;
	return machine_kind_at(phys, start, end);
}

static unsigned long garbage_word(phys_addr_t phys)
{
	switch (machine.garbage) {
	case MACHINE_GARBAGE_ONES:
		return ~0UL;
	case MACHINE_GARBAGE_ZERO:
		return 0;
	case MACHINE_GARBAGE_CRAFT:
		return machine.craft(phys, machine.craft_arg);
	default:
		return kho_rand(&machine.rng);
	}
}

static struct machine_page *storage_new(phys_addr_t phys)
{
	struct machine_page *p;

	if (!storage.nr_chunks || storage.in_chunk == STORAGE_CHUNK) {
		size_t cap = storage.nr_chunks;

		storage.chunks = grow(storage.chunks, &cap, storage.nr_chunks + 1,
				      sizeof(*storage.chunks));
		storage.chunks[storage.nr_chunks] = malloc(STORAGE_CHUNK * sizeof(*p));
		if (!storage.chunks[storage.nr_chunks++])
			kho_shim_fatal("out of memory in the harness itself");
		storage.in_chunk = 0;
	}
	p = &storage.chunks[storage.nr_chunks - 1][storage.in_chunk++];
	p->phys = phys;
	p->word = garbage_word(phys);
	/* Pointers nothing may follow before vetting links the node. */
	p->node.next = (void *)(uintptr_t)(kho_rand(&machine.rng) | 1);
	p->node.prev = (void *)(uintptr_t)(kho_rand(&machine.rng) | 1);
	return p;
}

static struct machine_page **storage_find(phys_addr_t phys)
{
	size_t i;

	for (i = hash_slot(phys, storage.cap); storage.slot[i];
	     i = (i + 1) & (storage.cap - 1))
		if (storage.slot[i]->phys == phys)
			break;
	return &storage.slot[i];
}

static struct machine_page *storage_get(phys_addr_t phys)
{
	struct machine_page **slot, **old = storage.slot;
	size_t i, old_cap = storage.cap;

	if (phys & (PAGE_SIZE - 1))
		kho_shim_fatal("storage of unaligned %#llx", (unsigned long long)phys);
	if (2 * (storage.used + 1) > storage.cap) {
		storage.cap = storage.cap ? 2 * storage.cap : 256;
		storage.slot = calloc(storage.cap, sizeof(*storage.slot));
		if (!storage.slot)
			kho_shim_fatal("out of memory in the harness itself");
		for (i = 0; i < old_cap; i++)
			if (old[i])
				*storage_find(old[i]->phys) = old[i];
		free(old);
	}
	slot = storage_find(phys);
	if (!*slot) {
		*slot = storage_new(phys);
		storage.used++;
	}
	return *slot;
}

unsigned long *machine_storage(phys_addr_t phys)
{
	struct machine_page **slot;

	if (!storage.cap)
		return NULL;
	slot = storage_find(phys);
	return *slot ? &(*slot)->word : NULL;
}

unsigned long *kho_in_page_word(phys_addr_t phys)
{
	machine.calls.page_word++;
	return &storage_get(phys)->word;
}

struct list_head *kho_in_page_node(phys_addr_t phys)
{
	return &storage_get(phys)->node;
}

phys_addr_t kho_in_node_page(const struct list_head *node)
{
	return container_of(node, struct machine_page, node)->phys;
}

/* memblock_reserve_bulk_add()'s contract, without memblock. */
int kho_in_emit(phys_addr_t base, phys_addr_t size, bool preserved)
{
	int ret = 0;

	machine.calls.emit++;
	if (!size || size > PHYS_ADDR_MAX - base || base + size > machine.floor)
		ret = -EINVAL;
	else if (range_overlaps(&reserved, base, base + size))
		ret = -EBUSY;
	if (ret != -EINVAL)
		machine.floor = base;
	if (ret)
		machine.bad_emits++;
	machine.emits = grow(machine.emits, &machine.cap_emits, machine.nr_emits + 1,
			     sizeof(*machine.emits));
	machine.emits[machine.nr_emits++] = (struct machine_emit){
		base, size, preserved, ret
	};
	return ret;
}

enum kho_in_kind machine_take_tree(struct kho_in_vet *v, phys_addr_t root,
				   unsigned long ram_pages, phys_addr_t fdt,
				   phys_addr_t fdt_end)
{
	enum kho_in_kind kind;
	size_t i;

	kind = kho_in_vet_tree(v, root, ram_pages);
	if (kind)
		return kind;
	v->fdt = fdt;
	v->fdt_end = fdt_end;
	for (i = 0; i < image.nr; i++)
		kho_in_refuse_range(v, image.r[i].start, image.r[i].end, KHO_IN_IMAGE);
	for (i = 0; i < reserved.nr; i++)
		kho_in_refuse_range(v, reserved.r[i].start, reserved.r[i].end,
				    KHO_IN_RESERVED);
	kho_in_refuse_tree_pages(v);
	kho_in_reserve(v);
	return KHO_IN_OK;
}
