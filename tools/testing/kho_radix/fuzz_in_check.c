// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kho_in_check_tree(): an arbitrary memory image, root
 * and memory map (see fuzz_input.h for the format) go to the validator,
 * which must either refuse cleanly or return a result that obeys every
 * promise of its kernel-doc.
 *
 * The simulated machine: image page p is at physical phys_base + p *
 * PAGE_SIZE (kho_shim_phys_delta moves the shim's physical space there).
 * Image pages that are not RAM, are forbidden, or lie past the image's
 * size are poisoned for ASan while the validator runs, so reading any page
 * it has not vetted is a crash; and every address the tree code turns into
 * a pointer must be a vetted page (kho_shim_phys_check()).
 *
 * Checked on success: runs sorted, disjoint, coalesced, aligned to their
 * order, inside RAM and not forbidden; tree pages sorted, unique, RAM, not
 * forbidden, outside every run, the root among them; the counts agree with
 * each other and with the budget; a second walk of the tree gives the same
 * pages and exactly the keys of the runs. On failure: -EINVAL with a reason,
 * or -ENOMEM only when an allocation was made to fail; nothing left
 * allocated. Either way the image is unchanged.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <asm/page.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>

#include "fuzz_input.h"
#include "kho_in_check.h"

#define IMAGE_BYTES	(FUZZ_MAX_PAGES * PAGE_SIZE)
#define NO_MEMORY	"out of memory while vetting the tree"

/* The machine of the current input. */
static struct {
	struct fuzz_hdr h;
	uint64_t base;		/* physical address of image page 0 */
	uint64_t bytes;		/* bytes of the image in use */
	uint64_t ram, forbidden;	/* page masks, limited to the image */
	unsigned long calls, live;
	bool failed;		/* an allocation was made to fail */
} m;

static uint8_t image[IMAGE_BYTES] __attribute__((aligned(PAGE_SIZE)));
static uint8_t copy[IMAGE_BYTES];

/* What the last input did, for fuzz_replay.c. */
int fuzz_last_err;
const char *fuzz_last_why;

static void __attribute__((noreturn, format(printf, 3, 4)))
fuzz_bug(int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_in_check.c:%d: (%s) ", line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define ENSURE(cond, ...)						\
	do {								\
		if (cond)						\
			fuzz_bug(__LINE__, #cond, __VA_ARGS__);		\
	} while (0)

/* Whether image page @p is RAM that tree pages and blocks may use. */
static bool page_usable(uint64_t p)
{
	return (m.ram >> p & 1) && !(m.forbidden >> p & 1);
}

/*
 * The image pages [*first, *last] that [@phys, @phys + @size) touches;
 * false if it is not all inside the image. The range never wraps.
 */
static bool image_pages(phys_addr_t phys, phys_addr_t size, uint64_t *first,
			uint64_t *last)
{
	uint64_t off = phys - m.base;

	if (phys < m.base || off >= m.bytes || size > m.bytes - off)
		return false;
	*first = off >> PAGE_SHIFT;
	*last = (off + size - 1) >> PAGE_SHIFT;
	return true;
}

static void check_range_contract(phys_addr_t phys, phys_addr_t size)
{
	ENSURE(!size || phys + size < phys, "callback got [%#llx, +%#llx)",
	       (unsigned long long)phys, (unsigned long long)size);
}

static bool f_is_ram(phys_addr_t phys, phys_addr_t size, void *data)
{
	uint64_t p, first, last;

	check_range_contract(phys, size);
	if (!image_pages(phys, size, &first, &last))
		return false;
	for (p = first; p <= last; p++)
		if (!(m.ram >> p & 1))
			return false;
	return true;
}

static const char *f_forbidden(phys_addr_t phys, phys_addr_t size, void *data)
{
	uint64_t p, first, last, off;

	check_range_contract(phys, size);
	/* Clip to the image: nothing outside it is forbidden. */
	if (phys < m.base) {
		if (phys + size - 1 < m.base)
			return NULL;
		size -= m.base - phys;
		phys = m.base;
	}
	off = phys - m.base;
	if (off >= m.bytes)
		return NULL;
	if (size > m.bytes - off)
		size = m.bytes - off;
	image_pages(phys, size, &first, &last);
	for (p = first; p <= last; p++)
		if (m.forbidden >> p & 1)
			return FUZZ_SCRATCH;
	return NULL;
}

/*
 * The env's working memory: a bump allocator over a static arena that is
 * poisoned for ASan except for live allocations, with a poisoned gap after
 * each, and never reused within one input (so a use after free is caught).
 * The arena and the image sit at fixed addresses, unlike malloc()'s
 * memory: libFuzzer also learns from compared values, pointers included,
 * and fixed addresses keep runs with one seed identical (with ASLR off, as
 * run_fuzz.sh does).
 */
#define ARENA_BYTES	(256 * 1024)
#define ARENA_GAP	32
#define MAX_LIVE	16

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(ARENA_GAP)));
static size_t arena_used;
static struct {
	void *mem;
	size_t size;
} live[MAX_LIVE];

static void *f_alloc(size_t size, void *data)
{
	size_t need = (size + ARENA_GAP - 1) / ARENA_GAP * ARENA_GAP + ARENA_GAP;
	unsigned int i;
	void *mem;

	if (++m.calls == m.h.fail_at) {
		m.failed = true;
		return NULL;
	}
	ENSURE(size > ARENA_BYTES || need > ARENA_BYTES - arena_used,
	       "arena full at %zu bytes for %zu more", arena_used, size);
	for (i = 0; i < MAX_LIVE && live[i].mem; i++)
		;
	ENSURE(i == MAX_LIVE, "more than %d live allocations", MAX_LIVE);
	mem = arena + arena_used;
	arena_used += need;
	ASAN_UNPOISON_MEMORY_REGION(mem, size);
	memset(mem, 0, size);
	live[i].mem = mem;
	live[i].size = size;
	m.live++;
	return mem;
}

static void f_free(void *mem, size_t size, void *data)
{
	unsigned int i;

	ENSURE(!mem, "free(NULL)");
	for (i = 0; i < MAX_LIVE && live[i].mem != mem; i++)
		;
	ENSURE(i == MAX_LIVE, "free of memory the env did not give, or twice");
	ENSURE(live[i].size != size, "free of %zu bytes with size %zu",
	       live[i].size, size);
	ASAN_POISON_MEMORY_REGION(mem, size);
	live[i].mem = NULL;
	m.live--;
}

static const struct kho_in_env env_template = {
	.is_ram = f_is_ram,
	.forbidden = f_forbidden,
	.alloc = f_alloc,
	.free = f_free,
};

/* Every pointer the tree code makes must be to a vetted, usable page. */
void kho_shim_phys_check(phys_addr_t phys)
{
	uint64_t first, last;

	ENSURE(phys & (PAGE_SIZE - 1), "pointer to unaligned %#llx",
	       (unsigned long long)phys);
	ENSURE(!image_pages(phys, PAGE_SIZE, &first, &last),
	       "pointer to %#llx outside the image", (unsigned long long)phys);
	ENSURE(!page_usable(first), "pointer to unusable page %llu",
	       (unsigned long long)first);
}

/* The walk of an accepted tree, done again without any vetting. */
struct rewalk {
	phys_addr_t pages[FUZZ_MAX_PAGES + 1];
	unsigned long keys[FUZZ_MAX_PAGES + 1];
	unsigned int nr_pages, nr_keys;
};

static int rewalk_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct rewalk *rw = data;

	ENSURE(rw->nr_pages > FUZZ_MAX_PAGES, "accepted tree has too many pages");
	rw->pages[rw->nr_pages++] = phys;
	return 0;
}

static int rewalk_leaf(unsigned long key, void *data)
{
	struct rewalk *rw = data;

	ENSURE(rw->nr_keys > FUZZ_MAX_PAGES, "accepted tree has too many keys");
	ENSURE(rw->nr_keys && key <= rw->keys[rw->nr_keys - 1], "keys not ascending");
	rw->keys[rw->nr_keys++] = key;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void check_accepted(phys_addr_t root, const struct kho_in_env *env,
			   struct kho_in_result *res)
{
	const struct kho_radix_walk_cb cb = { .node = rewalk_node, .leaf = rewalk_leaf };
	unsigned long keys[FUZZ_MAX_PAGES + 1];
	unsigned long preserved = 0, nr_keys = 0, i, j;
	struct kho_radix_tree tree;
	struct rewalk rw = {};
	bool root_seen = false;
	uint64_t first, last, p;

	ENSURE(res->why, "accepted with a reason: %s", res->why);
	ENSURE(res->nr_ranges > res->ranges_cap, "more runs than room");
	ENSURE(res->nr_pages > res->pages_cap, "more pages than room");
	ENSURE(res->nr_ranges && !res->ranges, "runs without an array");

	for (i = 0; i < res->nr_ranges; i++) {
		const struct kho_in_range *r = &res->ranges[i];
		phys_addr_t blk;

		ENSURE(r->order > KHO_RADIX_MAX_ORDER, "run %lu order %u", i, r->order);
		blk = (phys_addr_t)PAGE_SIZE << r->order;
		ENSURE(!r->size || r->size % blk || r->start % blk,
		       "run %lu [%#llx, +%#llx) order %u misshapen", i,
		       (unsigned long long)r->start, (unsigned long long)r->size,
		       r->order);
		ENSURE(!image_pages(r->start, r->size, &first, &last),
		       "run %lu outside the image", i);
		for (p = first; p <= last; p++)
			ENSURE(!page_usable(p), "run %lu on unusable page %llu", i,
			       (unsigned long long)p);
		if (i) {
			const struct kho_in_range *q = r - 1;

			ENSURE(r->start < q->start + q->size, "runs %lu and %lu overlap",
			       i - 1, i);
			ENSURE(r->order == q->order && r->start == q->start + q->size,
			       "runs %lu and %lu not coalesced", i - 1, i);
		}
		preserved += r->size >> PAGE_SHIFT;
		for (j = 0; j < r->size / blk; j++) {
			ENSURE(nr_keys > FUZZ_MAX_PAGES, "too many blocks");
			keys[nr_keys++] = kho_radix_encode_key(r->start + j * blk, r->order);
			ENSURE(!keys[nr_keys - 1], "run %lu block %lu has no key", i, j);
		}
	}
	ENSURE(preserved != res->preserved, "preserved %lu, runs hold %lu",
	       res->preserved, preserved);
	ENSURE(nr_keys != res->stats.keys, "%lu keys, runs hold %lu",
	       res->stats.keys, nr_keys);

	ENSURE(res->nr_pages != res->stats.tables + res->stats.leaves,
	       "%lu pages, %lu tables + %lu leaves", res->nr_pages,
	       res->stats.tables, res->stats.leaves);
	ENSURE(!res->stats.tables, "no root table");
	for (i = 0, j = 0; i < res->nr_pages; i++) {
		phys_addr_t pg = res->pages[i];

		ENSURE(i && pg <= res->pages[i - 1], "pages not strictly ascending");
		ENSURE(!image_pages(pg, PAGE_SIZE, &first, &last) ||
		       pg & (PAGE_SIZE - 1) || !page_usable(first),
		       "bad tree page %#llx", (unsigned long long)pg);
		while (j < res->nr_ranges &&
		       res->ranges[j].start + res->ranges[j].size <= pg)
			j++;
		ENSURE(j < res->nr_ranges && res->ranges[j].start <= pg,
		       "tree page %#llx inside run %lu", (unsigned long long)pg, j);
		root_seen |= pg == root;
	}
	ENSURE(!root_seen, "the root is not among the pages");
	ENSURE(res->nr_pages + res->preserved > env->ram_pages,
	       "%lu pages + %lu preserved over a budget of %lu", res->nr_pages,
	       res->preserved, env->ram_pages);

	/* Walk again: same pages, and exactly the keys of the runs. */
	kho_radix_tree_adopt(&tree, phys_to_virt(root));
	ENSURE(__kho_radix_walk_tree(&tree, &cb, &rw), "second walk failed");
	ENSURE(rw.nr_pages != res->nr_pages, "second walk: %u pages, not %lu",
	       rw.nr_pages, res->nr_pages);
	qsort(rw.pages, rw.nr_pages, sizeof(rw.pages[0]), cmp_u64);
	ENSURE(memcmp(rw.pages, res->pages, rw.nr_pages * sizeof(rw.pages[0])),
	       "second walk: other pages");
	qsort(keys, nr_keys, sizeof(keys[0]), cmp_u64);
	ENSURE(rw.nr_keys != nr_keys || memcmp(rw.keys, keys, nr_keys * sizeof(keys[0])),
	       "second walk: %u keys, not the %lu of the runs", rw.nr_keys, nr_keys);

	kho_in_free_pages(env, res);
	ENSURE(res->pages || res->nr_pages, "pages kept after kho_in_free_pages()");
	kho_in_free_result(env, res);
	ENSURE(res->ranges || res->nr_ranges, "runs kept after kho_in_free_result()");
}

static void check_refused(int err, const struct kho_in_result *res)
{
	ENSURE(err != -EINVAL && err != -ENOMEM, "returned %d", err);
	ENSURE(err == -ENOMEM && !m.failed, "-ENOMEM with no failed allocation");
	ENSURE(!res->why, "refused without a reason");
	ENSURE((err == -ENOMEM) != !strcmp(res->why, NO_MEMORY),
	       "returned %d with \"%s\"", err, res->why);
	ENSURE(res->ranges || res->pages || res->nr_ranges || res->nr_pages,
	       "result arrays left after a refusal");
}

static void poison_image(bool poison)
{
	uint64_t p;

	for (p = 0; p < FUZZ_MAX_PAGES; p++) {
		if (poison && p < m.h.pages && page_usable(p))
			continue;
		if (poison)
			ASAN_POISON_MEMORY_REGION(image + p * PAGE_SIZE, PAGE_SIZE);
		else
			ASAN_UNPOISON_MEMORY_REGION(image + p * PAGE_SIZE, PAGE_SIZE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kho_in_env env = env_template;
	struct kho_in_result res;
	uint64_t mask, words, *w;
	phys_addr_t root;
	size_t off;
	int err;

	memset(&m, 0, sizeof(m));
	memset(live, 0, sizeof(live));
	arena_used = 0;
	ASAN_POISON_MEMORY_REGION(arena, ARENA_BYTES);
	fuzz_last_err = 0;
	fuzz_last_why = NULL;
	if (!fuzz_parse_hdr(data, size, &m.h))
		return -1;

	m.bytes = (uint64_t)m.h.pages * PAGE_SIZE;
	m.base = m.h.phys_base & ~(uint64_t)(PAGE_SIZE - 1);
	if (m.base > 0 - m.bytes)
		m.base = 0 - m.bytes;
	mask = m.h.pages == 64 ? ~0ULL : (1ULL << m.h.pages) - 1;
	m.ram = m.h.ram & mask;
	m.forbidden = m.h.forbidden & mask;

	memset(image, 0, m.bytes);
	w = (uint64_t *)image;
	words = m.bytes / sizeof(*w);
	for (off = FUZZ_HDR_BYTES; off + FUZZ_REC_BYTES <= size; off += FUZZ_REC_BYTES) {
		uint32_t pos = fuzz_get(data + off, 4);
		uint64_t val = fuzz_get(data + off + 4, 8);

		w[(pos & ~FUZZ_REL) % words] = pos & FUZZ_REL ? m.base + val : val;
	}
	memcpy(copy, image, m.bytes);

	env.ram_pages = m.h.budget ? m.h.budget - 1 : __builtin_popcountll(m.ram);
	root = m.base + m.h.root;
	kho_shim_phys_delta = ((uintptr_t)image ^ KHO_SHIM_PHYS_FLIP) - m.base;

	poison_image(true);
	err = kho_in_check_tree(root, &env, &res);
	poison_image(false);

	ENSURE(memcmp(copy, image, m.bytes), "the validator wrote to the image");
	fuzz_last_err = err;
	fuzz_last_why = res.why;
	if (err) {
		check_refused(err, &res);
	} else {
		poison_image(true);
		check_accepted(root, &env, &res);
		poison_image(false);
	}
	ENSURE(m.live, "%lu allocation(s) left", m.live);
	return 0;
}
