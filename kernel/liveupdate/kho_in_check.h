/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vetting an incoming KHO tree and reserving what it preserves, apart from
 * the rest of the kernel's boot, so that the same file also runs in the
 * userspace harness (tools/testing/kho_radix/) and under a fuzzer. What it
 * needs to know about the machine it asks through the kho_in_*() functions
 * declared at the end: kho_incoming.c defines them in the kernel, the
 * harness in userspace. They are plain calls, never through pointers.
 */
#ifndef LINUX_KHO_IN_CHECK_H
#define LINUX_KHO_IN_CHECK_H

#include <linux/build_bug.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/list.h>
#include <linux/types.h>

/**
 * enum kho_in_kind - What makes a tree page or a preserved block unusable.
 * @KHO_IN_OK:         nothing: it may be used.
 * @KHO_IN_MISALIGNED: a table entry that is not a page address.
 * @KHO_IN_NOT_RAM:    outside this kernel's RAM (a hole, past mem=).
 * @KHO_IN_NOMAP:      RAM outside the linear map (MEMBLOCK_NOMAP).
 * @KHO_IN_SCRATCH:    in scratch memory, which this kernel allocated from
 *                     before it read the tree.
 * @KHO_IN_IMAGE:      over this kernel's own image.
 * @KHO_IN_RESERVED:   over memory this kernel had reserved already.
 * @KHO_IN_TWICE:      a tree page that a second entry points at.
 * @KHO_IN_BEYOND:     a root entry for keys wider than any key can be.
 * @KHO_IN_TREE_PAGE:  a block that holds a page of the tree itself.
 * @KHO_IN_NESTED:     a block inside a larger preserved block, which is
 *                     kept instead (blocks are aligned: they nest or are
 *                     disjoint).
 * @KHO_IN_BUDGET:     past the work a tree of this machine's size can need.
 * @KHO_IN_NOROOM:     no room was left to reserve it.
 * @KHO_IN_KINDS:      the number of kinds.
 */
enum kho_in_kind {
	KHO_IN_OK,
	KHO_IN_MISALIGNED,
	KHO_IN_NOT_RAM,
	KHO_IN_NOMAP,
	KHO_IN_SCRATCH,
	KHO_IN_IMAGE,
	KHO_IN_RESERVED,
	KHO_IN_TWICE,
	KHO_IN_BEYOND,
	KHO_IN_TREE_PAGE,
	KHO_IN_NESTED,
	KHO_IN_BUDGET,
	KHO_IN_NOROOM,
	KHO_IN_KINDS,
};

/**
 * struct kho_in_tally - What was refused for one reason.
 * @count: table entries, or preserved blocks, refused. Leaf bits that are
 *         no block's key count as blocks outside RAM.
 * @pages: pages in the refused blocks (0 for entries: what lay below a
 *         refused entry is never read).
 * @first: the lowest address among them; a leaf bit that is no block's
 *         key has none (0 if nothing else was refused).
 */
struct kho_in_tally {
	unsigned long count;
	unsigned long pages;
	phys_addr_t first;
};

/**
 * struct kho_in_vet - The state of vetting one incoming tree.
 * @root:       the tree's root table, in the direct map.
 * @budget:     pages of RAM: a valid tree needs fewer tree pages than
 *              that, and fewer runs than twice that.
 * @pages:      the accepted tree pages, linked through their list nodes
 *              (kho_in_page_node()), sorted by address once vetted.
 * @nr_pages:   entries in @pages.
 * @runs:       runs of adjacent keys in all leaves.
 * @order_runs: the same, per order.
 * @orders:     a bit per order that some leaf holds keys of.
 * @stats:      tables, leaves and keys accepted.
 * @fdt:        the handover FDT, which must stay reserved as long as this
 *              kernel runs: its start ...
 * @fdt_end:    ... and end, page aligned.
 * @fdt_kept:   set when a kept preserved block covers the FDT.
 * @kept:       preserved blocks reserved.
 * @kept_pages: pages in them.
 * @stretches:  stretches of touching kept memory: the memblock regions the
 *              kept blocks became.
 * @entries:    table entries refused, by kind.
 * @blocks:     preserved blocks refused, by kind.
 */
struct kho_in_vet {
	struct kho_radix_node *root;
	unsigned long budget;
	struct list_head pages;
	unsigned long nr_pages;
	unsigned long runs;
	unsigned long order_runs[KHO_RADIX_MAX_ORDER + 1];
	u64 orders;
	struct kho_radix_stats stats;
	phys_addr_t fdt;
	phys_addr_t fdt_end;
	bool fdt_kept;
	unsigned long kept;
	unsigned long kept_pages;
	unsigned long stretches;
	struct kho_in_tally entries[KHO_IN_KINDS];
	struct kho_in_tally blocks[KHO_IN_KINDS];
};

/* Every order a key can hold has a bit in &struct kho_in_vet.orders. */
static_assert(KHO_RADIX_MAX_ORDER < 64);

const char *kho_in_kind_name(enum kho_in_kind kind);
enum kho_in_kind kho_in_vet_tree(struct kho_in_vet *v, phys_addr_t root,
				 unsigned long ram_pages);
void kho_in_refuse_range(struct kho_in_vet *v, phys_addr_t start,
			 phys_addr_t end, enum kho_in_kind kind);
void kho_in_refuse_tree_pages(struct kho_in_vet *v);
unsigned long kho_in_reserve(struct kho_in_vet *v);
void kho_in_forget_pages(struct kho_in_vet *v);
unsigned long kho_in_max_emits(const struct kho_in_vet *v);
void kho_in_busy(phys_addr_t root, unsigned long budget,
		 unsigned long *busy, unsigned long nbits, unsigned int shift);

/*
 * What vetting asks the machine; defined by kho_incoming.c in the kernel and
 * by the userspace harness.
 */

/**
 * kho_in_page_kind - Tell whether a tree page may lie at an address.
 * @phys: the address, page aligned.
 *
 * Context: Only from the vetting functions, in their context (early boot in
 * the kernel).
 * Return: %KHO_IN_OK, or why no tree page can be at @phys.
 */
enum kho_in_kind kho_in_page_kind(phys_addr_t phys);

/**
 * kho_in_span - Tell whether preserved blocks may lie at an address.
 * @phys:  the address.
 * @start: set to the start of the largest range around @phys that has the
 *         same answer ...
 * @end:   ... and to its end.
 *
 * The range lets a caller that walks many blocks ask once per range of
 * memory, not once per block.
 *
 * Context: As kho_in_page_kind().
 * Return: %KHO_IN_OK, or why no preserved block may lie at @phys.
 */
enum kho_in_kind kho_in_span(phys_addr_t phys, phys_addr_t *start,
			     phys_addr_t *end);

/**
 * kho_in_page_word - Find a word of storage for a tree page.
 * @phys: the address of the tree page.
 *
 * The word is free for vetting to use while it runs (in the kernel, it is
 * in the tree page's own struct page: tree pages are not preserved memory).
 * Vetting assumes nothing about what it holds before vetting wrote it.
 *
 * Context: As kho_in_page_kind().
 * Return: the word.
 */
unsigned long *kho_in_page_word(phys_addr_t phys);

/**
 * kho_in_page_node - Find a list node for a tree page.
 * @phys: the address of the tree page.
 *
 * Free for vetting to use while it runs, like kho_in_page_word().
 *
 * Context: As kho_in_page_kind().
 * Return: the node.
 */
struct list_head *kho_in_page_node(phys_addr_t phys);

/**
 * kho_in_node_page - Find the tree page a list node belongs to.
 * @node: a node that kho_in_page_node() returned.
 *
 * Context: As kho_in_page_kind().
 * Return: the address of the tree page.
 */
phys_addr_t kho_in_node_page(const struct list_head *node);

/**
 * kho_in_emit - Reserve a range of memory.
 * @base:      start of the range.
 * @size:      its length in bytes.
 * @preserved: true for preserved memory; false for a page that must stay
 *             reserved (a tree page, a page of the FDT).
 *
 * Calls come in strictly descending address order.
 *
 * Context: As kho_in_page_kind().
 * Return: 0; -EBUSY if the range overlaps memory reserved before, or
 * -EINVAL if it breaks the order.
 */
int kho_in_emit(phys_addr_t base, phys_addr_t size, bool preserved);

#endif /* LINUX_KHO_IN_CHECK_H */
