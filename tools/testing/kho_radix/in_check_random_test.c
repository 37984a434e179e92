// SPDX-License-Identifier: GPL-2.0
/*
 * The validator against the brute-force reference of in_check_util.c, on
 * random trees with random damage: holes, NOMAP, scratch, image and
 * reserved ranges painted over the blocks, mem= cuts, nested blocks,
 * blocks over tree pages, bad table entries of every kind at every level,
 * pages reached twice, small budgets, the FDT anywhere, storage garbage of
 * every sort. SEED= reproduces a run (each round's seed is derived from
 * it), ITERS= sets the number of rounds (default 2000).
 *
 * A round that differs from the reference is explained, if it can be, by
 * one of the known bugs that in_check_reserve_test.c guards (the reference
 * can behave like the code does there); the case fails either way, but
 * says which bug, or prints the round's seed and what differs.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/kernel.h>
#include <linux/limits.h>

#include "in_check_util.h"

/* The area the blocks of a round live in. */
#define AREA		(4 * GIB)

enum {
	KNOWN_NESTED,	/* kho_in_reserve_nested_in_refused_bug_check */
	KNOWN_LABEL,	/* kho_in_reserve_straddle_label_bug_check */
	KNOWN_FDT,	/* kho_in_reserve_fdt_partly_kept_bug_check */
	KNOWN_BUGS,
};

static const char *const known_names[KNOWN_BUGS] = {
	"nested in a block refused for its memory (kho_in_reserve_nested_in_refused_bug_check)",
	"straddle labelled by the bottom (kho_in_reserve_straddle_label_bug_check)",
	"FDT partly inside kept memory (kho_in_reserve_fdt_partly_kept_bug_check)",
};

struct tally {
	unsigned long rounds, unexplained, known[KNOWN_BUGS];
	unsigned long entries, blocks, kept;
};

static phys_addr_t rand_page(u64 *rng, phys_addr_t base, phys_addr_t span)
{
	return base + (kho_rand(rng) % (span / PAGE_SIZE)) * PAGE_SIZE;
}

/* Paint random regions over the area, and maybe cut RAM short. */
static void damage_map(struct ref_world *w, u64 *rng)
{
	static const enum kho_in_kind kinds[] = {
		KHO_IN_NOT_RAM, KHO_IN_NOMAP, KHO_IN_SCRATCH,
	};
	unsigned int n = kho_rand(rng) % 5, i;
	phys_addr_t start, size;

	for (i = 0; i < n; i++) {
		start = rand_page(rng, BLOCKS, AREA);
		size = (1 + kho_rand(rng) % 4096) * PAGE_SIZE << (kho_rand(rng) % 8);
		switch (kho_rand(rng) % 5) {
		case 0:
			world_image(w, start, start + size);
			break;
		case 1:
			world_reserved(w, start, start + size);
			break;
		default:
			world_map(w, start, start + size, kinds[kho_rand(rng) % 3]);
			break;
		}
	}
	if (kho_rand(rng) % 8 == 0)
		world_map(w, rand_page(rng, BLOCKS, AREA), BANK + BANK_SIZE, KHO_IN_NOT_RAM);
}

/* Blocks that nest in others, or hold a tree page. */
static void damage_blocks(struct test_tree *t, const struct blk *blks, size_t nr,
			  u64 *rng)
{
	unsigned int n = kho_rand(rng) % 4, i, order;
	const struct blk *b;
	phys_addr_t phys;

	for (i = 0; i < n; i++) {
		b = &blks[kho_rand(rng) % nr];
		switch (kho_rand(rng) % 3) {
		case 0:		/* a smaller one inside */
			if (!b->order)
				continue;
			order = kho_rand(rng) % b->order;
			phys = b->phys + (kho_rand(rng) % (1UL << (b->order - order))) *
				((phys_addr_t)PAGE_SIZE << order);
			break;
		case 1:		/* a larger one around */
			order = b->order + 1 + kho_rand(rng) % 4;
			phys = b->phys & ~(((phys_addr_t)PAGE_SIZE << order) - 1);
			break;
		default:	/* one over a tree page */
			order = kho_rand(rng) % 4;
			phys = t->pages[kho_rand(rng) % t->nr_pages] &
			       ~(((phys_addr_t)PAGE_SIZE << order) - 1);
			break;
		}
		tt_add(t, phys, order);
	}
}

/*
 * The entry at @level on @key's path, or NULL if an earlier damage left
 * that path through something the harness cannot read.
 */
static u64 *entry_safe(struct test_tree *t, unsigned long key, unsigned int level)
{
	struct kho_radix_node *table = phys_to_virt(t->root);
	unsigned int l;
	u64 e;

	for (l = KHO_RADIX_TOP_LEVEL; l > level; l--) {
		e = table->table[(key >> kho_radix_level_shift(l)) &
				 (KHO_RADIX_TABLE_ENTRIES - 1)];
		if (!e || e % PAGE_SIZE || !kho_shim_page_live(phys_to_virt(e)))
			return NULL;
		table = phys_to_virt(e);
	}
	return &table->table[(key >> kho_radix_level_shift(level)) &
			     (KHO_RADIX_TABLE_ENTRIES - 1)];
}

/* Bad entries: one per kind drawn, at a random level of a random key. */
static void damage_entries(struct ref_world *w, struct test_tree *t,
			   const struct blk *blks, size_t nr, u64 *rng)
{
	unsigned int n = kho_rand(rng) % 4, i, level;
	struct kho_radix_node *root = phys_to_virt(t->root);
	unsigned long key;
	phys_addr_t where;
	u64 *e;

	for (i = 0; i < n; i++) {
		key = blk_key(&blks[kho_rand(rng) % nr]);
		level = 1 + kho_rand(rng) % KHO_RADIX_TOP_LEVEL;
		e = entry_safe(t, key, level);
		if (!e || !*e)
			continue;	/* cut off by an earlier one */
		switch (kho_rand(rng) % 7) {
		case 0:
			*e += 8 << (kho_rand(rng) % 8);
			break;
		case 1:		/* a hole */
			*e = rand_page(rng, GIB, 2 * GIB);
			break;
		case 2:		/* unbacked RAM, NOMAP or scratch */
			where = rand_page(rng, BANK + 2 * AREA, GIB);
			if (kho_rand(rng) % 2)
				world_map(w, where, where + PAGE_SIZE, kho_rand(rng) % 2 ?
					  KHO_IN_NOMAP : KHO_IN_SCRATCH);
			*e = where;
			break;
		case 3:		/* another tree page: reached twice, or cycles */
			*e = t->pages[kho_rand(rng) % t->nr_pages];
			break;
		case 4:		/* an empty slot next to it, to the same page */
			if (e[1] || (uintptr_t)(e + 1) % PAGE_SIZE == 0)
				continue;
			e[1] = *e;
			break;
		case 5:		/* a root entry for keys too wide */
			root->table[KHO_RADIX_TABLE_ENTRIES - 1 - kho_rand(rng) % 8] =
				t->pages[kho_rand(rng) % t->nr_pages];
			break;
		default:	/* a tree page in scratch now, not the root */
			where = *e;
			if (where == t->root)
				continue;
			world_map(w, where, where + PAGE_SIZE, KHO_IN_SCRATCH);
			break;
		}
	}
}

/*
 * Whether kept memory covers the FDT in part, or whole but with more than
 * one block: what kho_in_reserve_fdt_partly_kept_bug_check guards.
 */
static bool fdt_partly_kept(const struct ref_world *w, const struct ref_result *r)
{
	phys_addr_t covered = 0, phys;
	bool one = false;
	unsigned int order;
	size_t i;

	if (!w->fdt_end)
		return false;
	for (i = 0; i < r->nr_kept; i++) {
		if (kho_radix_decode_key(r->kept[i], &phys, &order))
			continue;
		phys_addr_t end = phys + ((phys_addr_t)PAGE_SIZE << order);

		if (phys < w->fdt_end && w->fdt < end)
			covered += min(end, w->fdt_end) - max(phys, w->fdt);
		one |= phys <= w->fdt && w->fdt_end <= end;
	}
	return covered && !one;
}

/* What one round came to. */
struct round {
	unsigned int diff;	/* aspects that differ from the reference */
	bool fdt_partly_kept;
	char why[256];
};

/*
 * Build round @seed's machine and tree, compute the reference (behaving as
 * @quirks say), run the validator and compare. The same seed builds the
 * same round again, so that a differing one can be judged against the
 * reference told to behave like a known bug.
 */
static void one_round(u64 seed, unsigned int quirks, struct tally *tl,
		      struct round *out)
{
	u64 rng = seed;
	struct ref_result r;
	struct ref_world w;
	struct kho_in_vet v;
	struct test_tree t;
	struct blk *blks, *b;
	size_t nr = 1 + kho_rand(&rng) % 300;
	unsigned int kind;
	phys_addr_t p;

	memset(out, 0, sizeof(*out));
	world_standard(&w, seed);
	world_unbacked(&w, KHO_IN_RESERVED);
	machine.garbage = kho_rand(&rng) % 3;
	blks = random_blocks(nr, 1 + kho_rand(&rng) % 12, BLOCKS, &rng);
	damage_map(&w, &rng);
	if (!tt_init(&t) || !tt_add_blocks(&t, blks, nr))
		goto out;
	tt_seal(&t);
	damage_blocks(&t, blks, nr, &rng);
	tt_seal(&t);
	damage_entries(&w, &t, blks, nr, &rng);
	if (kho_rand(&rng) % 8 == 0)
		w.budget = 1 + kho_rand(&rng) % (2 * t.nr_pages + 2);
	switch (kho_rand(&rng) % 4) {
	case 0:
		break;
	case 1:		/* in or over a block */
		b = &blks[kho_rand(&rng) % nr];
		w.fdt = b->phys + (kho_rand(&rng) % (1UL << min(b->order, 20U))) * PAGE_SIZE;
		w.fdt_end = w.fdt + (1 + kho_rand(&rng) % 3) * PAGE_SIZE;
		break;
	default:	/* somewhere in usable RAM outside the area */
		w.fdt = rand_page(&rng, BANK + 3 * AREA, GIB);
		w.fdt_end = w.fdt + (1 + kho_rand(&rng) % 3) * PAGE_SIZE;
		break;
	}
	/* The FDT lies where a successor may keep it, or the handover is off. */
	for (p = w.fdt; p < w.fdt_end; p += PAGE_SIZE) {
		size_t i;

		/* Unbacked pages answer RESERVED; really reserved ones are not fine. */
		kind = kho_in_page_kind(p);
		for (i = 0; i < w.nr_reserved; i++)
			if (p < w.reserved[i].end && w.reserved[i].start < p + PAGE_SIZE)
				kind = KHO_IN_IMAGE;
		if (kind && kind != KHO_IN_RESERVED) {
			w.fdt = 0;
			w.fdt_end = 0;
		}
	}

	ref_compute(&w, t.root, quirks, &r);
	out->fdt_partly_kept = fdt_partly_kept(&w, &r);
	machine_clear_emits();
	if (machine_take_tree(&v, t.root, w.budget, w.fdt, w.fdt_end)) {
		out->diff = ~0U;
		snprintf(out->why, sizeof(out->why), "the root was refused");
		ref_free(&r);
		goto out;
	}
	out->diff = run_differs(&v, t.root, &w, &r, out->why, sizeof(out->why));
	if (tl) {
		tl->rounds++;
		for (kind = 0; kind < KHO_IN_KINDS; kind++) {
			tl->entries += v.entries[kind].count;
			tl->blocks += v.blocks[kind].count;
		}
		tl->kept += v.kept;
	}
	kho_in_forget_pages(&v);
	ref_free(&r);
out:
	tt_free(&t);
	free(blks);
	test_machine_done();
}

/* Which known bug explains a round that differs, or KNOWN_BUGS. */
static unsigned int explain(u64 seed, const struct round *first)
{
	static const unsigned int quirks[] = {
		[KNOWN_NESTED] = REF_NESTED_IN_REFUSED,
		[KNOWN_LABEL] = REF_LABEL_BOTTOM,
	};
	struct round again;
	unsigned int k;

	/*
	 * The FDT half in kept memory: its emit overlaps, and a kept block
	 * emitted after it fails and is refused as RESERVED.
	 */
	if (first->fdt_partly_kept)
		return KNOWN_FDT;
	for (k = 0; k < ARRAY_SIZE(quirks); k++) {
		one_round(seed, quirks[k], NULL, &again);
		if (!again.diff)
			return k;
	}
	one_round(seed, REF_NESTED_IN_REFUSED | REF_LABEL_BOTTOM, NULL, &again);
	return again.diff ? KNOWN_BUGS : KNOWN_NESTED;
}

static void kho_in_reserve_random_check(void)
{
	unsigned long iters = kho_test_env("ITERS", 2000), i, known = 0;
	u64 rng = kho_test_seed() ^ 0xd1ff, seed;
	struct tally tl = {};
	struct round rd;
	unsigned int k;

	for (i = 0; i < iters; i++) {
		seed = kho_rand(&rng);
		one_round(seed, 0, &tl, &rd);
		kho_test_checks++;
		if (!rd.diff)
			continue;
		k = explain(seed, &rd);
		if (k < KNOWN_BUGS) {
			tl.known[k]++;
			continue;
		}
		if (++tl.unexplained <= 3)
			kho_test_diag("round seed %#llx: %s (differs in %#x)",
				      (unsigned long long)seed, rd.why, rd.diff);
	}
	for (k = 0; k < KNOWN_BUGS; k++)
		known += tl.known[k];
	kho_test_diag("%lu rounds: %lu entries and %lu blocks refused, %lu kept",
		      tl.rounds, tl.entries, tl.blocks, tl.kept);
	kho_test_diag("%lu rounds differ from the reference, %lu of them by known bugs",
		      tl.unexplained + known, known);
	EXPECT_EQ(tl.rounds, iters);
	EXPECT(tl.entries && tl.blocks && tl.kept);
	EXPECT_EQ(tl.unexplained, 0);
	for (k = 0; k < KNOWN_BUGS; k++)
		if (!EXPECT_EQ(tl.known[k], 0))
			kho_test_diag("%lu rounds show the known bug: %s", tl.known[k],
				      known_names[k]);
}

static const struct kho_test_case cases[] = {
	KHO_CASE(kho_in_reserve_random_check),
};

KHO_SUITE(in_check_random_suite, cases);
