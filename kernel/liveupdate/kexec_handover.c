// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the outgoing side: what this kernel hands over to the next one
 *
 * Kexec HandOver (KHO) lets memory survive a kexec. Subsystems preserve
 * folios and page ranges here (vmalloc areas in kho_vmalloc.c); each
 * preserved block becomes one key of the outgoing radix tree, whose pages
 * are themselves the handover format, so nothing needs serialising when the
 * machine kexecs. Subsystems also name their data blobs in a one-page FDT
 * (kho_add_subtree()); that FDT, which points at the tree, and the list of
 * scratch areas are what kexec_file_load() passes to the next kernel.
 *
 * Both are kept valid at all times: nothing needs freezing or finishing
 * before a kexec, which may happen whenever the owners of preserved memory
 * are ready for it.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <kunit/visibility.h>
#include <linux/cleanup.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/unaligned.h>

#include "../kexec_internal.h"
#include "kexec_handover_internal.h"

static bool kho_enable __ro_after_init = IS_ENABLED(CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT);

static int __init kho_parse_enable(char *arg)
{
	return kstrtobool(arg, &kho_enable);
}
early_param("kho", kho_parse_enable);

/**
 * kho_is_enabled - Tell whether KHO is on.
 *
 * Set by the kho= parameter (default: CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT)
 * and cleared if KHO cannot start.
 *
 * Context: Any context.
 * Return: true if this kernel accepts preservations and hands them over.
 */
bool kho_is_enabled(void)
{
	return kho_enable;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/* Turn KHO off for this boot; only possible before KHO is in use. */
void __init kho_disable(void)
{
	kho_enable = false;
}

/**
 * struct kho_out - What this kernel will hand over.
 * @tree: the preserved blocks; its root is NULL until kho_init() ran.
 * @fdt:  the handover FDT, one preserved page, always a valid FDT.
 * @lock: serialises changes to @fdt.
 * @dbg:  the debugfs view of @fdt and its blobs.
 */
struct kho_out {
	struct kho_radix_tree tree;
	void *fdt;
	struct mutex lock;	/* serialises changes to @fdt */
	struct kho_debugfs dbg;
};

static struct kho_out kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
};

/* The debugfs view of the incoming FDT. */
static struct kho_debugfs kho_in_dbg;

/**
 * kho_out_tree - The tree of the memory this kernel will hand over.
 *
 * Static but for KUnit builds, where the kho suite compares the tree with
 * what it preserved.
 *
 * Context: Any context. Changes to the tree take its lock.
 * Return: the outgoing tree, or NULL while KHO is off or not set up yet.
 */
VISIBLE_IF_KUNIT struct kho_radix_tree *kho_out_tree(void)
{
	return kho_out.tree.root ? &kho_out.tree : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(kho_out_tree);

/**
 * kho_in_restored - Hide the views of incoming blobs their owner took back.
 * @phys: start of the memory restore handed out.
 * @size: its length in bytes.
 *
 * Context: Any context; does not sleep.
 */
void kho_in_restored(phys_addr_t phys, size_t size)
{
	kho_debugfs_blob_forget_range(&kho_in_dbg, phys, size);
}

/*
 * Preserved memory must stay out of scratch: the next kernel allocates from
 * scratch before it has read the tree, and so rejects a handover with blocks
 * there. Checking a few areas costs little; debug kernels also warn.
 */
static __always_inline bool kho_in_scratch(unsigned long pfn,
					   unsigned long nr_pages)
{
	if (!__kho_scratch_overlap(PFN_PHYS(pfn), PFN_PHYS(pfn + nr_pages)))
		return false;

	WARN_ON(IS_ENABLED(CONFIG_KEXEC_HANDOVER_DEBUG));
	return true;
}

/**
 * kho_preserve_folio - Preserve a folio across kexec.
 * @folio: the folio.
 *
 * The next kernel gets the folio back, with the same order, from
 * kho_restore_folio(). Preserving a folio twice is the same as once.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is off; -EINVAL if the folio lies
 * in scratch memory; -ENOMEM if the tree cannot grow.
 */
int kho_preserve_folio(struct folio *folio)
{
	struct kho_radix_tree *tree = kho_out_tree();
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);

	if (!tree)
		return -EOPNOTSUPP;
	if (kho_in_scratch(pfn, 1UL << order))
		return -EINVAL;

	return kho_radix_add_key(tree, kho_radix_encode_key(PFN_PHYS(pfn), order));
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio - Stop preserving a folio.
 * @folio: a folio preserved with kho_preserve_folio().
 *
 * Context: Process context; may sleep.
 */
void kho_unpreserve_folio(struct folio *folio)
{
	struct kho_radix_tree *tree = kho_out_tree();
	phys_addr_t phys = PFN_PHYS(folio_pfn(folio));

	if (tree)
		kho_radix_del_key(tree, kho_radix_encode_key(phys, folio_order(folio)));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/*
 * The order of the block that starts at @pfn when [@pfn, @end) is cut into
 * the largest naturally aligned power-of-two blocks. A block never spans two
 * NUMA nodes either: the next kernel initialises the struct pages of a block
 * for the node of its first page (a stock 7.3 successor does the same).
 */
static unsigned int kho_block_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));

	while (order && pfn_to_nid(pfn) != pfn_to_nid(pfn + (1UL << order) - 1))
		order--;

	return order;
}

/*
 * Remove the blocks that kho_preserve_pages() of [@start, @end) added below
 * @stop. The cut depends on @end, so it is passed even when @stop is less.
 * Inlined, so that unpreserving one page costs a single call into the tree.
 */
static __always_inline void kho_unpreserve_blocks(struct kho_radix_tree *tree,
						  unsigned long start,
						  unsigned long stop,
						  unsigned long end)
{
	unsigned long pfn;
	unsigned int order;

	for (pfn = start; pfn < stop; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		kho_radix_del_key(tree, kho_radix_encode_key(PFN_PHYS(pfn), order));
	}
}

/**
 * kho_preserve_pages - Preserve a range of pages across kexec.
 * @page:     the first page.
 * @nr_pages: number of pages; the range needs no particular alignment.
 *
 * The range is recorded as the largest naturally aligned power-of-two blocks
 * that tile it (split where it crosses NUMA nodes). The next kernel gets the
 * pages back as order-0 pages from kho_restore_pages() with the same range.
 * If this fails part-way, the blocks it had added are removed again, so the
 * range is then not preserved at all; a range must therefore not overlap
 * memory that is already preserved.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EOPNOTSUPP if KHO is off; -EINVAL if the range lies
 * in scratch memory; -ENOMEM if the tree cannot grow.
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	struct kho_radix_tree *tree = kho_out_tree();
	unsigned long start = page_to_pfn(page);
	unsigned long end = start + nr_pages;
	unsigned long pfn;
	unsigned int order;
	int err;

	if (!tree)
		return -EOPNOTSUPP;
	if (kho_in_scratch(start, nr_pages))
		return -EINVAL;

	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_block_order(pfn, end);
		err = kho_radix_add_key(tree, kho_radix_encode_key(PFN_PHYS(pfn), order));
		if (err) {
			kho_unpreserve_blocks(tree, start, pfn, end);
			return err;
		}
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages - Stop preserving a range of pages.
 * @page:     the first page, as passed to kho_preserve_pages().
 * @nr_pages: number of pages, as passed to kho_preserve_pages().
 *
 * Only whole ranges can be unpreserved, not parts of one.
 *
 * Context: Process context; may sleep.
 */
void kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	struct kho_radix_tree *tree = kho_out_tree();
	unsigned long start = page_to_pfn(page);

	if (tree)
		kho_unpreserve_blocks(tree, start, start + nr_pages,
				      start + nr_pages);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

/**
 * kho_alloc_preserve - Allocate zeroed memory and preserve it.
 * @size: bytes needed; the allocation is rounded up to a power-of-two
 *        number of pages.
 *
 * Meant for data blobs that are handed over with kho_add_subtree(). The next
 * kernel frees such memory with kho_restore_free(). The memory comes from
 * below 4 GiB when there is some to spare, as the tree's own pages do: a
 * successor booted with less memory (mem=) then still finds the blobs that
 * describe the rest.
 *
 * Context: Process context; may sleep.
 * Return: the memory, or an ERR_PTR(): -EINVAL if @size is 0, -E2BIG if it
 * exceeds the largest page allocation, -ENOMEM if memory is short, or the
 * error of kho_preserve_folio().
 */
void *kho_alloc_preserve(size_t size)
{
	unsigned int order = get_order(size);
	struct folio *folio;
	int err;

	if (!size)
		return ERR_PTR(-EINVAL);
	if (order > MAX_PAGE_ORDER)
		return ERR_PTR(-E2BIG);

	folio = folio_alloc(GFP_KERNEL | __GFP_ZERO | __GFP_DMA32 | __GFP_NORETRY |
			    __GFP_NOWARN, order);
	if (!folio)
		folio = folio_alloc(GFP_KERNEL | __GFP_ZERO, order);
	if (!folio)
		return ERR_PTR(-ENOMEM);
	err = kho_preserve_folio(folio);
	if (!err)
		return folio_address(folio);

	folio_put(folio);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(kho_alloc_preserve);

/**
 * kho_unpreserve_free - Undo kho_alloc_preserve().
 * @mem: memory from kho_alloc_preserve(); NULL does nothing.
 *
 * Context: Process context; may sleep.
 */
void kho_unpreserve_free(void *mem)
{
	struct folio *folio = mem ? virt_to_folio(mem) : NULL;

	if (folio) {
		kho_unpreserve_folio(folio);
		folio_put(folio);
	}
}
EXPORT_SYMBOL_GPL(kho_unpreserve_free);

/* An errno for a libfdt error. */
static int kho_fdt_errno(int fdt_err)
{
	switch (fdt_err) {
	case 0:
		return 0;
	case -FDT_ERR_EXISTS:
		return -EEXIST;
	case -FDT_ERR_NOSPACE:
		return -ENOSPC;
	case -FDT_ERR_NOTFOUND:
		return -ENOENT;
	default:
		return -EINVAL;
	}
}

/* Add a child node describing a blob; on failure @fdt is unchanged. */
static int kho_fdt_add_blob(void *fdt, const char *name, u64 phys, u64 size)
{
	int node, err;

	node = fdt_add_subnode(fdt, 0, name);
	if (node < 0)
		return kho_fdt_errno(node);

	err = fdt_setprop(fdt, node, KHO_SUB_TREE_PROP_NAME, &phys, sizeof(phys));
	if (err)
		goto err_del_node;
	err = fdt_setprop(fdt, node, KHO_SUB_TREE_SIZE_PROP_NAME, &size,
			  sizeof(size));
	if (err)
		goto err_del_node;

	return 0;

err_del_node:
	fdt_del_node(fdt, node);
	return kho_fdt_errno(err);
}

/* Delete the child node describing the blob at @phys, if there is one. */
static bool kho_fdt_del_blob(void *fdt, u64 phys)
{
	const void *prop;
	int node, len;

	fdt_for_each_subnode(node, fdt, 0) {
		prop = fdt_getprop(fdt, node, KHO_SUB_TREE_PROP_NAME, &len);
		if (prop && len == sizeof(u64) &&
		    get_unaligned((const u64 *)prop) == phys) {
			fdt_del_node(fdt, node);
			return true;
		}
	}
	return false;
}

/**
 * kho_add_subtree - Hand a data blob over to the next kernel under a name.
 * @name: a name unique among the blobs, usable as an FDT node name.
 * @blob: the blob, in the direct map; its memory must be preserved
 *        separately (kho_alloc_preserve() does both).
 * @size: size of the blob in bytes.
 *
 * The next kernel finds the blob with kho_retrieve_subtree(). With
 * CONFIG_KEXEC_HANDOVER_DEBUGFS, the blob can also be read at
 * /sys/kernel/debug/kho/out/sub_fdts/@name.
 *
 * Context: Process context; may sleep. Takes the FDT lock.
 * Return: 0 on success; -EOPNOTSUPP if KHO is off; -EEXIST if @name is taken;
 * -ENOSPC if the FDT page is full; -EINVAL for a bad @name or @blob.
 */
int kho_add_subtree(const char *name, void *blob, size_t size)
{
	int err;

	if (!kho_out.fdt)
		return -EOPNOTSUPP;
	if (!virt_addr_valid(blob))
		return -EINVAL;

	scoped_guard(mutex, &kho_out.lock)
		err = kho_fdt_add_blob(kho_out.fdt, name, virt_to_phys(blob), size);
	if (err)
		return err;

	/* Outside the lock: creating the file allocates. */
	kho_debugfs_blob_add(&kho_out.dbg, name, blob, size);
	return 0;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/**
 * kho_remove_subtree - Stop handing a blob over.
 * @blob: a blob added with kho_add_subtree(); others are ignored.
 *
 * The blob's memory stays preserved until its owner unpreserves it.
 *
 * Context: Process context; may sleep. Takes the FDT lock.
 */
void kho_remove_subtree(void *blob)
{
	bool removed;

	if (!kho_out.fdt || !virt_addr_valid(blob))
		return;

	scoped_guard(mutex, &kho_out.lock)
		removed = kho_fdt_del_blob(kho_out.fdt, virt_to_phys(blob));
	if (removed)
		kho_debugfs_blob_remove(&kho_out.dbg, blob);
}
EXPORT_SYMBOL_GPL(kho_remove_subtree);

/*
 * Build the outgoing FDT in a preserved page. It stays "open" (its total size
 * is the whole page), so subtrees can be added and deleted in place without
 * repacking, and it is valid after every change.
 */
static int __init kho_out_fdt_init(void)
{
	u64 tree_phys = virt_to_phys(kho_out.tree.root);
	void *fdt;
	int err;

	fdt = kho_alloc_preserve(PAGE_SIZE);
	if (IS_ERR(fdt))
		return PTR_ERR(fdt);

	err = fdt_create_empty_tree(fdt, PAGE_SIZE);
	if (err)
		goto err_free_fdt;
	err = fdt_setprop_string(fdt, 0, "compatible", KHO_FDT_COMPATIBLE);
	if (err)
		goto err_free_fdt;
	err = fdt_setprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &tree_phys,
			  sizeof(tree_phys));
	if (err)
		goto err_free_fdt;

	kho_out.fdt = fdt;
	return 0;

err_free_fdt:
	kho_unpreserve_free(fdt);
	return kho_fdt_errno(err);
}

/*
 * Start the outgoing side. fs_initcall: after the page allocator and slab,
 * before the late initcalls of the subsystems that preserve memory.
 */
static int __init kho_init(void)
{
	const void *in_fdt = kho_in_fdt();
	int err;

	if (!kho_is_enabled())
		return 0;

	err = kho_radix_tree_init(&kho_out.tree);
	if (err)
		goto err_disable;

	err = kho_out_fdt_init();
	if (err)
		goto err_destroy_tree;

	kho_debugfs_init();
	kho_out_debugfs_init(&kho_out.dbg, kho_out.fdt, &kho_out.tree);
	if (in_fdt)
		kho_in_debugfs_init(&kho_in_dbg, in_fdt);

	/* The metadata is informative only: KHO works without it. */
	err = kho_kexec_metadata_init();
	if (err)
		pr_warn("no kexec-metadata for the next kernel: %pe\n",
			ERR_PTR(err));

	kho_scratch_release();
	return 0;

err_destroy_tree:
	kho_radix_tree_destroy(&kho_out.tree);
err_disable:
	kho_scratch_free();
	kho_disable();
	pr_err("cannot start, disabled: %pe\n", ERR_PTR(err));
	return err;
}
fs_initcall(kho_init);

/**
 * kho_fill_kimage - Add the handover to a kexec image.
 * @image: the image being loaded.
 *
 * Records the FDT's address and adds the list of scratch areas as a segment.
 * Crash kernels get no handover: they must not trust the crashed kernel's
 * state, and they boot in memory of their own.
 *
 * Context: kexec_file_load(), with the kexec lock held.
 * Return: 0 on success, or the error of kexec_add_buffer().
 */
int kho_fill_kimage(struct kimage *image)
{
	size_t list_size = kho_scratch_cnt * sizeof(*kho_scratch);
	struct kexec_buf list = {
		.image = image,
		.buffer = kho_scratch,
		.bufsz = list_size,
		.mem = KEXEC_BUF_MEM_UNKNOWN,
		.memsz = list_size,
		/* Page alignment would do; 64 KiB also covers 64K pages. */
		.buf_align = SZ_64K,
		.buf_max = ULONG_MAX,
		.top_down = true,
	};
	int err;

	if (!kho_is_enabled() || image->type == KEXEC_TYPE_CRASH)
		return 0;

	image->kho.fdt = virt_to_phys(kho_out.fdt);
	err = kexec_add_buffer(&list);
	if (err)
		return err;

	image->kho.scratch = &image->segment[image->nr_segments - 1];
	return 0;
}
