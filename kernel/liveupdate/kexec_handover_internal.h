/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of KHO share with each other; nothing here is meant for
 * code outside kernel/liveupdate/.
 *
 *   kexec_handover.c          the outgoing side: preservation API, the FDT
 *                             and its subtrees, kexec_file glue
 *   kho_vmalloc.c             vmalloc areas, on top of kho_preserve_pages()
 *   kho_scratch.c             scratch areas: sizing, reservation, lookups
 *   kho_incoming.c            the incoming side in early boot: accept,
 *                             vet and reserve what was handed over
 *   kho_in_check.c            vetting an incoming tree and reserving what
 *                             it keeps (no memblock or FDT in it, so that
 *                             userspace can fuzz it)
 *   kho_in_pages.c            who may restore a block, and the struct
 *                             pages of preserved memory
 *   kho_restore.c             the incoming side later: restore preserved
 *                             memory, look up handed-over blobs
 *   kho_metadata.c            the "kexec-metadata" subtree
 *   kexec_handover_debugfs.c  debugfs views of both FDTs and their blobs
 */
#ifndef LINUX_KEXEC_HANDOVER_INTERNAL_H
#define LINUX_KEXEC_HANDOVER_INTERNAL_H

#include <linux/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#include "kho_in_check.h"

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
struct dentry;

/**
 * struct kho_debugfs - The debugfs view of one FDT and of its blobs.
 * @dir:       "in" or "out" under /sys/kernel/debug/kho/.
 * @blobs_dir: "sub_fdts" inside @dir: one file per named blob.
 * @blobs:     those files, so that removing a subtree removes its file.
 */
struct kho_debugfs {
	struct dentry *dir;
	struct dentry *blobs_dir;
	struct list_head blobs;
};
#else
/* Nothing to keep when there is no view. */
struct kho_debugfs {
};
#endif

/* kexec_handover.c */
void kho_disable(void);

/* kho_scratch.c */
extern struct kho_scratch *kho_scratch;
extern unsigned int kho_scratch_cnt;

/*
 * Granularity at which a successor turns memory without preserved blocks
 * into extra scratch: 1 GiB keeps the bitmap that tracks it tiny (one bit
 * per GiB of address space) and still frees most of a large machine.
 */
#define KHO_EXTEND_SHIFT	30

/*
 * kho_scratch_overlap() for [@phys, @end), inline: every preservation checks
 * it, and the list holds only a few areas.
 */
static inline bool __kho_scratch_overlap(phys_addr_t phys, phys_addr_t end)
{
	const struct kho_scratch *area = kho_scratch;
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++, area++)
		if (phys < area->addr + area->size && area->addr < end)
			return true;
	return false;
}

int kho_scratch_reserve(void);
void kho_scratch_adopt(struct kho_scratch *areas, unsigned int cnt);
int kho_scratch_extend(const unsigned long *busy, unsigned long nbits);
void kho_scratch_release(void);
void kho_scratch_free(void);

/* kho_incoming.c */
const void *kho_in_fdt(void);

/**
 * struct kho_in_summary - What the previous kernel handed over, after boot.
 * @valid:      set on a handover boot whose tree was taken.
 * @copy:       a copy of the vetted incoming tree for debugfs, made before
 *              anything was restored; its root is NULL without debugfs.
 * @tree:       tables, leaves and keys of the incoming tree as vetted.
 * @kept:       preserved blocks reserved.
 * @kept_pages: pages in them.
 * @entries:    table entries refused, by &enum kho_in_kind.
 * @blocks:     preserved blocks refused, by &enum kho_in_kind.
 */
struct kho_in_summary {
	bool valid;
	struct kho_radix_tree copy;
	struct kho_radix_stats tree;
	unsigned long kept;
	unsigned long kept_pages;
	struct kho_in_tally entries[KHO_IN_KINDS];
	struct kho_in_tally blocks[KHO_IN_KINDS];
};

struct memblock_region;

const struct kho_in_summary *kho_in_summary(void);
const struct memblock_region *kho_in_coarse(unsigned int *nr);

/* kho_in_pages.c */
void kho_in_set_tree(struct kho_radix_node *root, u64 orders);
bool kho_in_covered(const struct kho_radix_node *root, u64 orders,
		    unsigned long pfn);
bool kho_in_tree_get(void);
void kho_in_tree_put(void);
bool kho_in_tags_ready(void);
int kho_in_tree_take(unsigned long pfn, unsigned int max_order);
void kho_in_tree_give(unsigned long pfn, unsigned int order);
void kho_in_init_block(unsigned long pfn, unsigned int order);

/*
 * From its reservation in early boot until its restore, the head page of
 * each preserved block holds the block's order in page->private, under a
 * tag: restore accepts only addresses whose page carries it.
 */
#define KHO_HEAD_TAG	0x4b484f00UL	/* "KHO" and the order in the low byte */
#define KHO_HEAD_ORDER	GENMASK(7, 0)

static inline unsigned long kho_head_tag(unsigned int order)
{
	return KHO_HEAD_TAG | order;
}

/* The order a tag records, or -1 if @private is not a tag. */
static inline int kho_head_order(unsigned long private)
{
	if ((private & ~KHO_HEAD_ORDER) != KHO_HEAD_TAG)
		return -1;
	return private & KHO_HEAD_ORDER;
}

/* kexec_handover.c: restore took [@phys, @phys + @size) back */
void kho_in_restored(phys_addr_t phys, size_t size);

/* kho_restore.c */
int kho_fdt_read_blob(const void *fdt, int node, phys_addr_t *phys,
		      size_t *size);
const void *kho_in_blob(phys_addr_t phys, size_t size);
bool kho_in_unrestored(phys_addr_t phys);

#if IS_ENABLED(CONFIG_KUNIT)
/* kexec_handover.c, for the kho KUnit suite */
struct kho_radix_tree *kho_out_tree(void);
#endif

/* kho_metadata.c */
int kho_kexec_metadata_init(void);

/*
 * kexec_handover_debugfs.c: read-only views. They only report their own
 * failures, since KHO works the same without them.
 */
struct kho_radix_tree;

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
/* Every order a key can name. */
#define KHO_DBG_ORDERS	(KHO_RADIX_MAX_ORDER + 1)

/* What the totals files add up. */
struct kho_dbg_totals {
	u64 blocks[KHO_DBG_ORDERS];
	u64 pages;
	unsigned long ranges;
	unsigned long runs;
	struct kho_radix_stats tree;
};

#if IS_ENABLED(CONFIG_KUNIT)
/* For the kho KUnit suite, which checks that readers let preservers in. */
int kho_dbg_add_up(struct kho_radix_tree *tree, struct kho_dbg_totals *t);
#endif

void kho_debugfs_init(void);
void kho_out_debugfs_init(struct kho_debugfs *dbg, const void *fdt,
			  struct kho_radix_tree *tree);
void kho_in_debugfs_init(struct kho_debugfs *dbg, const void *fdt);
void kho_debugfs_blob_add(struct kho_debugfs *dbg, const char *name,
			  const void *blob, size_t size);
void kho_debugfs_blob_remove(struct kho_debugfs *dbg, const void *blob);
void kho_debugfs_blob_forget_range(struct kho_debugfs *dbg, phys_addr_t phys,
				   size_t size);
#else
static inline void kho_debugfs_init(void) { }
static inline void kho_out_debugfs_init(struct kho_debugfs *dbg,
					const void *fdt,
					struct kho_radix_tree *tree) { }
static inline void kho_in_debugfs_init(struct kho_debugfs *dbg,
				       const void *fdt) { }
static inline void kho_debugfs_blob_add(struct kho_debugfs *dbg,
					const char *name, const void *blob,
					size_t size) { }
static inline void kho_debugfs_blob_remove(struct kho_debugfs *dbg,
					   const void *blob) { }
static inline void kho_debugfs_blob_forget_range(struct kho_debugfs *dbg,
						 phys_addr_t phys, size_t size) { }
#endif /* CONFIG_KEXEC_HANDOVER_DEBUGFS */

#endif /* LINUX_KEXEC_HANDOVER_INTERNAL_H */
