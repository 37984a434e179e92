/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the validator's test files share: the standard machine, trees built
 * with the real tree code and damaged by hand, a brute-force reference of
 * what vetting and reserving must do, and the check of one run against it.
 *
 * The standard machine (test_machine()): tree pages are the harness's heap
 * pages, moved by kho_shim_phys_delta to [TREE_RAM, TREE_RAM + 2^47), which
 * is usable RAM; blocks get made-up addresses in a bank of usable RAM at
 * [BANK, BANK + BANK_SIZE). Below BANK there is no RAM, and above the bank
 * none until TREE_RAM, so that every order up to KHO_RADIX_MAX_ORDER has
 * room for a block of its own below TREE_RAM (the order-MAX block is
 * [0, 2^63)). Blocks are never dereferenced.
 */
#ifndef KHO_IN_CHECK_UTIL_H
#define KHO_IN_CHECK_UTIL_H

#include <linux/bits.h>
#include <linux/io.h>

#include "harness.h"
#include "in_check_machine.h"

#define TREE_RAM	(BIT_ULL(63) | KHO_SHIM_PHYS_FLIP)
#define TREE_RAM_SIZE	BIT_ULL(47)
#define BANK		(4ULL << 30)
#define BANK_SIZE	BIT_ULL(40)
/* Where tests put blocks: even a 64 KiB page leaf (32 GiB) has room below. */
#define BLOCKS		(BANK + (64ULL << 30))
#define GIB		BIT_ULL(30)

/* A preserved block. */
struct blk {
	phys_addr_t phys;
	unsigned int order;
};

static inline phys_addr_t blk_size(const struct blk *b)
{
	return (phys_addr_t)PAGE_SIZE << b->order;
}

static inline phys_addr_t blk_end(const struct blk *b)
{
	return b->phys + blk_size(b);
}

/*
 * A tree made with kho_radix_add_key(), plus every page it had when it was
 * sealed and every page the test added: vetting cuts refused parts off,
 * and they must still be freed.
 */
struct test_tree {
	struct kho_radix_tree tree;
	phys_addr_t root;
	phys_addr_t *pages;
	size_t nr_pages, cap_pages;
};

/* Reset the machine to the standard one, move tree pages to TREE_RAM. */
void test_machine(u64 seed);
/* The machine freed, the physical space back where it was. */
void test_machine_done(void);

bool tt_init(struct test_tree *t);
bool tt_add(struct test_tree *t, phys_addr_t phys, unsigned int order);
bool tt_add_blocks(struct test_tree *t, const struct blk *blks, size_t nr);
/* Set @key's bit, which need not be a valid key, making its path. */
bool tt_add_raw(struct test_tree *t, unsigned long key);
/* Note every page of the (intact) tree, so that tt_free() frees them. */
void tt_seal(struct test_tree *t);
/* A zeroed page owned by @t; *@phys gets its address. */
void *tt_page(struct test_tree *t, phys_addr_t *phys);
void tt_free(struct test_tree *t);
/* The table entry at @level (1 up to the root's) on @key's path. */
u64 *tt_entry(struct test_tree *t, unsigned long key, unsigned int level);
/* The page at @level (0 up to the root's) on @key's path. */
phys_addr_t tt_page_at(struct test_tree *t, unsigned long key, unsigned int level);
unsigned long blk_key(const struct blk *b);

/* The test's own view of the machine, for the reference. */
struct ref_region {
	phys_addr_t start, end;
	enum kho_in_kind kind;
};

struct ref_world {
	struct ref_region map[64];	/* painted in order; later wins */
	size_t nr_map;
	struct machine_range image[8], reserved[8];
	size_t nr_image, nr_reserved;
	phys_addr_t fdt, fdt_end;
	unsigned long budget;
	/* See machine.unbacked_kind: for words of a leaf read as a table. */
	enum kho_in_kind unbacked;
};

/* Paint the machine and the reference alike. */
void world_map(struct ref_world *w, phys_addr_t start, phys_addr_t end,
	       enum kho_in_kind kind);
void world_image(struct ref_world *w, phys_addr_t start, phys_addr_t end);
void world_reserved(struct ref_world *w, phys_addr_t start, phys_addr_t end);
void world_unbacked(struct ref_world *w, enum kho_in_kind kind);
/* The standard machine as a world: TREE_RAM and the bank usable. */
void world_standard(struct ref_world *w, u64 seed);

/*
 * Ways the reference can be told to behave like the code under test does
 * where that differs from its documentation, to name a known bug behind a
 * mismatch (see the regression tests in in_check_reserve_test.c).
 */
#define REF_NESTED_IN_REFUSED	BIT(0)	/* nested in a refused block: refused */
#define REF_LABEL_BOTTOM	BIT(1)	/* straddling: the kind at the bottom */

/* What a run must produce, as the reference computes it. */
struct ref_result {
	unsigned long *kept;		/* keys left, ascending */
	size_t nr_kept;
	phys_addr_t *pages;		/* accepted tree pages, ascending */
	size_t nr_pages;
	struct kho_in_tally entries[KHO_IN_KINDS];
	struct kho_in_tally blocks[KHO_IN_KINDS];
	struct kho_radix_stats stats;
	unsigned long runs;
	unsigned long kept_pages;
	bool fdt_kept;
};

/*
 * Compute, from the tree at @root as it is now (read only) and @w, what
 * machine_take_tree() must do.
 */
void ref_compute(const struct ref_world *w, phys_addr_t root, unsigned int quirks,
		 struct ref_result *r);
void ref_free(struct ref_result *r);

/*
 * Compare a run of machine_take_tree() (@v, the machine's emits and the
 * tree as it is now) with @r. Quiet: returns a bit per differing aspect
 * (0 if none) and, if @why is set, a line about the first one.
 */
unsigned int run_differs(const struct kho_in_vet *v, phys_addr_t root,
			 const struct ref_world *w, const struct ref_result *r,
			 char *why, size_t len);
/* run_differs(), with one failure reported per differing aspect. */
bool expect_run(const struct kho_in_vet *v, phys_addr_t root,
		const struct ref_world *w, const struct ref_result *r, int line);
#define EXPECT_RUN(v, root, w, r)	expect_run(v, root, w, r, __LINE__)

/* Reference, run, compare, free the reference: the usual test body. */
bool expect_take_tree(struct kho_in_vet *v, phys_addr_t root,
		      const struct ref_world *w, int line);
#define EXPECT_TAKE_TREE(v, root, w)	expect_take_tree(v, root, w, __LINE__)

/* A tree of some blocks on the standard machine, and its vetting state. */
struct scene {
	struct ref_world w;
	struct test_tree t;
	struct kho_in_vet v;
};

bool scene_init(struct scene *s, const struct blk *blks, size_t nr);
void scene_done(struct scene *s);

/* The keys left in the tree at @root (read with the tree's own walk). */
size_t tree_keys(phys_addr_t root, unsigned long **keys);

/* @nr disjoint random blocks up to @max_order from @base, shuffled. */
struct blk *random_blocks(size_t nr, unsigned int max_order, phys_addr_t base,
			  u64 *rng);

#endif
