/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine that kernel/liveupdate/kho_in_check.c asks about, simulated
 * for the tests, the fuzzer and the benchmark: what kho_incoming.c defines
 * in the kernel (kho_in_page_kind(), kho_in_span(), the per-page storage
 * and kho_in_emit()), defined here over a memory map the caller paints.
 *
 * Vocabulary:
 *
 * map       a kind for every address: KHO_IN_OK (usable RAM), KHO_IN_NOMAP,
 *           KHO_IN_SCRATCH or KHO_IN_NOT_RAM (a hole; everything not
 *           painted). kho_in_span() answers with the largest range of one
 *           kind, as the kernel merges adjacent memblock regions.
 * image     ranges of the kernel's own image, and
 * reserved  ranges reserved before vetting: inside RAM, they make a tree
 *           page IMAGE or RESERVED, and an emit over a reserved range fails
 *           with -EBUSY, as memblock_reserve_bulk_add() does.
 * backed    a page the harness can read: a page of its page allocator or of
 *           a range the caller registered (the fuzzer's image). A tree page
 *           the map calls usable but nothing backs is a bug of the test
 *           (the run bails out), unless machine.unbacked_kind says what the
 *           validator is to be told instead.
 * storage   the word and list node kho_in_page_word()/kho_in_page_node()
 *           give for a page, made on first use and filled with garbage
 *           (machine.garbage), because vetting must assume nothing about
 *           them.
 * emit      a reservation, recorded with its result.
 */
#ifndef KHO_IN_CHECK_MACHINE_H
#define KHO_IN_CHECK_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/list.h>
#include <linux/types.h>

#include "kho_in_check.h"

/* What new storage holds. */
enum machine_garbage {
	MACHINE_GARBAGE_RANDOM,	/* a random word (the default) */
	MACHINE_GARBAGE_ONES,	/* all ones */
	MACHINE_GARBAGE_ZERO,	/* zero */
	MACHINE_GARBAGE_CRAFT,	/* machine.craft(phys, machine.craft_arg) */
};

struct machine_emit {
	phys_addr_t base;
	phys_addr_t size;
	bool preserved;
	int ret;
};

struct machine_range {
	phys_addr_t start;
	phys_addr_t end;
};

/* Calls the validator made, for cost checks. */
struct machine_calls {
	unsigned long page_kind;
	unsigned long span;
	unsigned long page_word;
	unsigned long emit;
};

struct machine {
	enum machine_garbage garbage;
	unsigned long (*craft)(phys_addr_t phys, void *arg);
	void *craft_arg;
	u64 rng;
	/* KHO_IN_OK: an unbacked usable page bails out; else the answer. */
	enum kho_in_kind unbacked_kind;
	struct machine_calls calls;
	/* The emits so far; @floor is where the next one must end by. */
	struct machine_emit *emits;
	size_t nr_emits, cap_emits;
	phys_addr_t floor;
	unsigned long bad_emits;
};

extern struct machine machine;

/* Forget everything: an empty map (all NOT_RAM), no ranges, no storage. */
void machine_reset(u64 seed);
/* Free everything machine_reset() keeps for reuse (valgrind counts it). */
void machine_free(void);
/* Paint [@start, @end) with @kind (KHO_IN_OK, NOMAP, SCRATCH or NOT_RAM). */
void machine_map(phys_addr_t start, phys_addr_t end, enum kho_in_kind kind);
void machine_add_image(phys_addr_t start, phys_addr_t end);
void machine_add_reserved(phys_addr_t start, phys_addr_t end);
void machine_add_backed(phys_addr_t start, phys_addr_t end);
const struct machine_range *machine_image(size_t *nr);
const struct machine_range *machine_reserved(size_t *nr);
/* The painted map: kind of @phys and the bounds of its span, no counting. */
enum kho_in_kind machine_kind_at(phys_addr_t phys, phys_addr_t *start,
				 phys_addr_t *end);
/* Whether kho_in_page_kind() answered KHO_IN_OK for @phys (page aligned). */
bool machine_vetted(phys_addr_t phys);
/* The storage word of @phys if it has one, else NULL; made by nobody. */
unsigned long *machine_storage(phys_addr_t phys);
void machine_clear_emits(void);
/* Sort @r and merge ranges that touch or overlap; *@nr shrinks to fit. */
void machine_ranges_merge(struct machine_range *r, size_t *nr);
/* Whether one range of merged @r holds all of [@start, @end). */
bool machine_ranges_hold(const struct machine_range *r, size_t nr,
			 phys_addr_t start, phys_addr_t end);

/*
 * Everything a caller of kho_in_reserve() does in the kernel
 * (kho_in_take_tree()): vet, refuse the image, the reserved ranges and the
 * tree pages, reserve. Returns vetting's answer about the root.
 */
enum kho_in_kind machine_take_tree(struct kho_in_vet *v, phys_addr_t root,
				   unsigned long ram_pages, phys_addr_t fdt,
				   phys_addr_t fdt_end);

#endif
