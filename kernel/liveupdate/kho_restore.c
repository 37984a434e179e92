// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the incoming side later: give preserved memory back
 *
 * Every block the previous kernel preserved is reserved from early boot on
 * (kho_incoming.c). Here owners turn such blocks back into folios or pages
 * of this kernel, and find the blobs that were handed over by name.
 *
 * Who says that a block may be restored changes once during boot (see
 * kho_in_pages.c): first the vetted incoming tree, whose bit for the block
 * a restore clears atomically, then the tag in the block's head page, which
 * a restore takes with one cmpxchg. Either way a block is handed out at most
 * once, even to restores that race for it (a caller bug), and an address
 * that was not preserved, or was restored already, changes nothing.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/pgalloc_tag.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

/*
 * A taken tag: the block is being restored, and no other restore may have
 * it. It keeps the order, so that a restore of several blocks can give the
 * tags back when a later block fails, but kho_head_order() refuses it.
 */
#define KHO_HEAD_TAKEN	BIT(31)
static_assert(!(KHO_HEAD_TAKEN & (KHO_HEAD_TAG | KHO_HEAD_ORDER)));

/*
 * Take the tag of the block whose head page is @pfn: its order, or -1 if
 * no tagged block starts there (or another restore took it first).
 */
static int kho_take_tag(unsigned long pfn, unsigned int max_order)
{
	struct page *head = pfn_to_online_page(pfn);
	unsigned long tag;
	int order;

	if (!head)
		return -1;
	tag = READ_ONCE(head->private);
	order = kho_head_order(tag);
	if (order < 0 || order > max_order ||
	    !try_cmpxchg(&head->private, &tag, tag | KHO_HEAD_TAKEN))
		return -1;
	return order;
}

/* The order of a block taken by kho_take_block(), from its head page. */
static unsigned int kho_taken_order(unsigned long pfn)
{
	return READ_ONCE(pfn_to_page(pfn)->private) & KHO_HEAD_ORDER;
}

/*
 * Claim the block that starts at @pfn, of order @max_order at most, from
 * whichever authority decides now (@tree: the incoming tree). Its head page
 * holds the taken tag afterwards, in both cases. Returns the order, or -1.
 */
static int kho_take_block(unsigned long pfn, unsigned int max_order, bool tree)
{
	int order;

	if (!tree)
		return kho_in_tags_ready() ? kho_take_tag(pfn, max_order) : -1;

	order = kho_in_tree_take(pfn, max_order);
	if (order < 0)
		return -1;
	/* Its struct pages were never initialised: do it now. */
	kho_in_init_block(pfn, order);
	WRITE_ONCE(pfn_to_page(pfn)->private, kho_head_tag(order) | KHO_HEAD_TAKEN);
	return order;
}

/* Undo kho_take_block(). */
static void kho_give_block(unsigned long pfn, bool tree)
{
	unsigned int order = kho_taken_order(pfn);

	if (tree) {
		WRITE_ONCE(pfn_to_page(pfn)->private, 0);
		kho_in_tree_give(pfn, order);
	} else {
		WRITE_ONCE(pfn_to_page(pfn)->private, kho_head_tag(order));
	}
}

/* Turn a claimed block into allocated pages of this kernel. */
static void kho_claim_block(struct page *head, unsigned int order,
			    bool as_folio)
{
	unsigned long nr = 1UL << order;
	unsigned long i;

	/* Untagged, the block cannot be restored a second time. */
	WRITE_ONCE(head->private, 0);

	for (i = 0; i < nr; i++) {
		/* A folio is referenced through its head page only. */
		set_page_count(head + i, as_folio && i ? 0 : 1);
		/*
		 * Nothing here allocated the pages: an empty tag keeps
		 * allocation profiling from accounting their free.
		 */
		if (!as_folio || !i)
			clear_page_tag_ref(head + i);
	}
	if (as_folio && order)
		prep_compound_page(head, order);

	adjust_managed_page_count(head, nr);
}

/**
 * kho_restore_folio - Take back a folio the previous kernel preserved.
 * @phys: physical address of the folio.
 *
 * The folio comes back with the order it was preserved with, and with one
 * reference, owned by the caller.
 *
 * Context: Any context; it does not sleep. Not while the struct pages of
 * preserved memory are being initialised, late in boot before the regular
 * initcalls: nothing may restore then, and a restore fails.
 * Return: the folio, or NULL if no preserved block starts at @phys (or it was
 * restored already).
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	bool tree = kho_in_tree_get();
	int order = -1;

	if (PAGE_ALIGNED(phys))
		order = kho_take_block(pfn, MAX_FOLIO_ORDER, tree);
	if (order >= 0)
		kho_claim_block(pfn_to_page(pfn), order, true);
	if (tree)
		kho_in_tree_put();

	if (order < 0) {
		pr_warn_ratelimited("no preserved folio at %pa\n", &phys);
		return NULL;
	}
	kho_in_restored(phys, PAGE_SIZE << order);
	return pfn_folio(pfn);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

/* Give back the blocks of [@start, @stop) that kho_take_block() took. */
static void kho_give_range(unsigned long start, unsigned long stop, bool tree)
{
	unsigned long pfn;
	unsigned int order;

	for (pfn = start; pfn < stop; pfn += 1UL << order) {
		order = kho_taken_order(pfn);
		kho_give_block(pfn, tree);
	}
}

/* The order of the largest block that can start at @pfn and end by @end. */
static unsigned int kho_fit_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	return pfn ? min_t(unsigned int, order, __ffs(pfn)) : order;
}

/**
 * kho_restore_pages - Take back pages the previous kernel preserved.
 * @phys:     physical address of the first page.
 * @nr_pages: number of pages.
 *
 * The range must be covered exactly by preserved blocks, as after
 * kho_preserve_pages() of the same range. Each page comes back as an order-0
 * page with one reference, owned by the caller. Nothing is restored unless
 * the whole range can be; a concurrent restore of one of its blocks may
 * make both fail.
 *
 * Context: As kho_restore_folio().
 * Return: the first page, or NULL if the range is not exactly preserved.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long start = PHYS_PFN(phys), end = start + nr_pages, pfn;
	bool tree = kho_in_tree_get();
	int order = -1;

	if (!PAGE_ALIGNED(phys) || !nr_pages || end < start)
		goto out;

	/* Take every block first, so that a failure changes nothing. */
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_take_block(pfn, kho_fit_order(pfn, end), tree);
		if (order < 0) {
			kho_give_range(start, pfn, tree);
			goto out;
		}
	}

	for (pfn = start; pfn < end; pfn += 1UL << order) {
		order = kho_taken_order(pfn);
		kho_claim_block(pfn_to_page(pfn), order, false);
	}
out:
	if (tree)
		kho_in_tree_put();
	if (order < 0) {
		pr_warn_ratelimited("no preserved pages at %pa (+%lu pages)\n",
				    &phys, nr_pages);
		return NULL;
	}
	kho_in_restored(phys, nr_pages << PAGE_SHIFT);
	return pfn_to_page(start);
}
EXPORT_SYMBOL_GPL(kho_restore_pages);

/**
 * kho_restore_free - Take back memory from kho_alloc_preserve() and free it.
 * @mem: the memory, at the address the previous kernel's allocation had in
 *       the direct map; NULL does nothing.
 *
 * For blobs that are only read once after kexec.
 *
 * Context: Process context.
 */
void kho_restore_free(void *mem)
{
	struct folio *folio = mem ? kho_restore_folio(__pa(mem)) : NULL;

	/* kho_restore_folio() has named the address; this names the caller. */
	if (folio)
		folio_put(folio);
	else
		WARN_ON_ONCE(mem);
}
EXPORT_SYMBOL_GPL(kho_restore_free);

/**
 * kho_fdt_read_blob - Read the blob a subtree node of a KHO FDT describes.
 * @fdt:  the FDT.
 * @node: offset of the subtree node.
 * @phys: where to store the physical address of the blob.
 * @size: where to store its size; may be NULL.
 *
 * Context: Any context.
 * Return: 0 on success, -EINVAL if the node lacks a valid property.
 */
int kho_fdt_read_blob(const void *fdt, int node, phys_addr_t *phys,
		      size_t *size)
{
	const void *addr_prop, *size_prop;
	int addr_len, size_len;

	addr_prop = fdt_getprop(fdt, node, KHO_SUB_TREE_PROP_NAME, &addr_len);
	size_prop = fdt_getprop(fdt, node, KHO_SUB_TREE_SIZE_PROP_NAME, &size_len);
	if (!addr_prop || addr_len != sizeof(u64) ||
	    !size_prop || size_len != sizeof(u64)) {
		pr_warn("subtree '%s' has no valid %s and %s\n",
			fdt_get_name(fdt, node, NULL), KHO_SUB_TREE_PROP_NAME,
			KHO_SUB_TREE_SIZE_PROP_NAME);
		return -EINVAL;
	}

	*phys = get_unaligned((const u64 *)addr_prop);
	if (size)
		*size = get_unaligned((const u64 *)size_prop);
	return 0;
}

/**
 * kho_in_blob - Map a blob the incoming FDT names, if that is safe at all.
 * @phys: physical address of the blob, from the FDT.
 * @size: its size in bytes.
 *
 * Only rules out addresses no blob can have; whether the memory really was
 * preserved is up to the blob's owner.
 *
 * Context: Any context once the direct map is up.
 * Return: the blob in the direct map, or NULL if it is empty, wraps around
 * or does not start and end in memory that has struct pages.
 */
const void *kho_in_blob(phys_addr_t phys, size_t size)
{
	if (!size || phys > PHYS_ADDR_MAX - size)
		return NULL;
	if (!pfn_valid(PHYS_PFN(phys)) || !pfn_valid(PHYS_PFN(phys + size - 1)))
		return NULL;
	return phys_to_virt(phys);
}

/**
 * kho_in_unrestored - Tell whether an incoming block is still preserved.
 * @phys: address of the block's first page.
 *
 * Context: Any context after boot.
 * Return: true if a preserved block that nobody restored yet starts at
 * @phys; false if there is none, or its owner took it back (and may have
 * freed it).
 */
bool kho_in_unrestored(phys_addr_t phys)
{
	struct page *head = pfn_to_online_page(PHYS_PFN(phys));

	return kho_in_tags_ready() && head && PAGE_ALIGNED(phys) &&
	       kho_head_order(READ_ONCE(head->private)) >= 0;
}

/**
 * kho_retrieve_subtree - Find a blob the previous kernel handed over by name.
 * @name: the name it was added with, by kho_add_subtree().
 * @phys: where to store the physical address of the blob.
 * @size: where to store its size in bytes; may be NULL.
 *
 * The blob's memory stays preserved until its owner restores it.
 *
 * Context: Any context once the direct map is up.
 * Return: 0 on success; -EINVAL if @phys is NULL or the blob's node is
 * malformed; -ENOENT if there was no handover, no blob of that name, or the
 * blob lies outside this kernel's memory (then *@phys is set and *@size is
 * not).
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size)
{
	const void *fdt = kho_in_fdt();
	size_t len;
	int node, err;

	if (!phys)
		return -EINVAL;
	/* No handover, or no blob of that name: the same to the caller. */
	node = fdt ? fdt_subnode_offset(fdt, 0, name) : -FDT_ERR_NOTFOUND;
	if (node < 0)
		return -ENOENT;

	err = kho_fdt_read_blob(fdt, node, phys, &len);
	if (err)
		return err;
	/* Beyond this kernel's memory (mem=), the blob is lost with it. */
	if (!kho_in_blob(*phys, len)) {
		pr_warn("blob '%s' at %pa is outside this kernel's memory\n", name, phys);
		return -ENOENT;
	}
	if (size)
		*size = len;
	return 0;
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);
