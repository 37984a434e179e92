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
 *   kho_in_check.c            vetting an incoming tree (no memblock or
 *                             FDT in it, so that userspace can fuzz it)
 *   kho_restore.c             the incoming side later: restore preserved
 *                             memory, look up handed-over blobs
 *   kho_metadata.c            the "kexec-metadata" subtree
 *   kho_corrupt_test.c        a test hook that damages the handover in
 *                             one chosen way (CONFIG_KHO_CORRUPT_TEST)
 *   kexec_handover_debugfs.c  debugfs views of both FDTs and their blobs
 */
#ifndef LINUX_KEXEC_HANDOVER_INTERNAL_H
#define LINUX_KEXEC_HANDOVER_INTERNAL_H

#include <linux/kexec_handover.h>
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
 * @ranges:    the preserved blocks as runs of one order, sorted, disjoint.
 * @nr_ranges: entries in @ranges.
 * @tree:      tables, leaves and keys of the incoming tree (whose pages are
 *             free memory by now).
 */
struct kho_in_summary {
	const struct kho_in_range *ranges;
	unsigned long nr_ranges;
	struct kho_radix_stats tree;
};

const struct kho_in_summary *kho_in_summary(void);

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

/* kexec_handover.c, for kho_corrupt_test.c */
struct mutex;
struct kho_radix_tree *kho_out_tree_for_test(void);
void *kho_out_fdt_for_test(struct mutex **lock);

#if IS_ENABLED(CONFIG_KUNIT)
/* kexec_handover.c, for the kho KUnit suite */
struct kho_radix_tree *kho_out_tree(void);
#endif

/* kho_corrupt_test.c; tests declare it themselves, as a weak symbol */
int kho_corrupt_test(const char *what);

/* kho_metadata.c */
int kho_kexec_metadata_init(void);

/*
 * kexec_handover_debugfs.c: read-only views. They only report their own
 * failures, since KHO works the same without them.
 */
struct kho_radix_tree;

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
void kho_debugfs_init(void);
void kho_out_debugfs_init(struct kho_debugfs *dbg, const void *fdt,
			  struct kho_radix_tree *tree);
void kho_in_debugfs_init(struct kho_debugfs *dbg, const void *fdt);
void kho_debugfs_blob_add(struct kho_debugfs *dbg, const char *name,
			  const void *blob, size_t size);
void kho_debugfs_blob_remove(struct kho_debugfs *dbg, const void *blob);
void kho_debugfs_blob_remove_range(struct kho_debugfs *dbg, phys_addr_t phys,
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
static inline void kho_debugfs_blob_remove_range(struct kho_debugfs *dbg,
						 phys_addr_t phys, size_t size) { }
#endif /* CONFIG_KEXEC_HANDOVER_DEBUGFS */

#endif /* LINUX_KEXEC_HANDOVER_INTERNAL_H */
