// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO, the incoming side later: give preserved memory back
 *
 * After early boot (kho_incoming.c), every block the previous kernel
 * preserved is reserved, and its head page records its order. Here owners
 * turn such blocks back into folios or pages of this kernel, and find the
 * blobs that were handed over by name.
 *
 * Restore trusts only the head tag: an address whose page does not carry
 * one was not preserved, or was restored already, and nothing is changed.
 * The tag is taken atomically before anything else changes, so that even
 * restores that race for one block (a caller bug) never both get it.
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

/* The head page of the preserved block at @phys, and its order; or NULL. */
static struct page *kho_preserved_head(phys_addr_t phys, unsigned int *order)
{
	struct page *page;
	int tagged;

	if (!PAGE_ALIGNED(phys))
		return NULL;
	page = pfn_to_online_page(PHYS_PFN(phys));
	if (!page)
		return NULL;

	tagged = kho_head_order(page_private(page));
	if (tagged < 0)
		return NULL;

	*order = tagged;
	return page;
}

/*
 * A taken tag: the block is being restored, and no other restore may have
 * it. It keeps the order, so that a restore of several blocks can give the
 * tags back when a later block fails, but kho_head_order() refuses it.
 */
#define KHO_HEAD_TAKEN	BIT(31)
static_assert(!(KHO_HEAD_TAKEN & (KHO_HEAD_TAG | KHO_HEAD_ORDER)));

/* Take a block's tag; false if another restore took it first. */
static bool kho_take_head(struct page *head, unsigned int order)
{
	unsigned long tag = kho_head_tag(order);

	return try_cmpxchg(&head->private, &tag, tag | KHO_HEAD_TAKEN);
}

/* The order a taken tag keeps. */
static unsigned int kho_taken_order(struct page *head)
{
	return page_private(head) & KHO_HEAD_ORDER;
}

/* Turn a block whose tag was taken into allocated pages of this kernel. */
static void kho_claim_block(struct page *head, unsigned int order,
			    bool as_folio)
{
	unsigned long nr = 1UL << order;
	unsigned long i;

	/* Untagged, the block cannot be restored a second time. */
	set_page_private(head, 0);

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
 * Context: Process context, after memblock_free_all().
 * Return: the folio, or NULL if no preserved block starts at @phys (or it was
 * restored already).
 */
struct folio *kho_restore_folio(phys_addr_t phys)
{
	struct page *head;
	unsigned int order;

	head = kho_preserved_head(phys, &order);
	if (!head || order > MAX_FOLIO_ORDER || !kho_take_head(head, order)) {
		pr_warn("no preserved folio at %pa\n", &phys);
		return NULL;
	}

	kho_claim_block(head, order, true);
	kho_in_restored(phys, PAGE_SIZE << order);
	return page_folio(head);
}
EXPORT_SYMBOL_GPL(kho_restore_folio);

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
 * Context: Process context, after memblock_free_all().
 * Return: the first page, or NULL if the range is not exactly preserved.
 */
struct page *kho_restore_pages(phys_addr_t phys, unsigned long nr_pages)
{
	unsigned long start = PHYS_PFN(phys);
	unsigned long end = start + nr_pages;
	unsigned long pfn, stop;
	unsigned int order;
	struct page *head;

	if (!PAGE_ALIGNED(phys) || !nr_pages || end < start)
		return NULL;

	/* Take every block's tag first: a failure must change nothing. */
	for (pfn = start; pfn < end; pfn += 1UL << order) {
		head = kho_preserved_head(PFN_PHYS(pfn), &order);
		if (!head || (1UL << order) > end - pfn ||
		    !kho_take_head(head, order))
			goto err_give_back;
	}

	for (pfn = start; pfn < end; pfn += 1UL << order) {
		head = pfn_to_page(pfn);
		order = kho_taken_order(head);
		kho_claim_block(head, order, false);
	}
	kho_in_restored(phys, nr_pages << PAGE_SHIFT);
	return pfn_to_page(start);

err_give_back:
	pr_warn("no preserved pages at %pa (+%lu pages)\n", &phys, nr_pages);
	for (stop = pfn, pfn = start; pfn < stop; pfn += 1UL << order) {
		head = pfn_to_page(pfn);
		order = kho_taken_order(head);
		set_page_private(head, kho_head_tag(order));
	}
	return NULL;
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
 * kho_retrieve_subtree - Find a blob the previous kernel handed over by name.
 * @name: the name it was added with, by kho_add_subtree().
 * @phys: where to store the physical address of the blob.
 * @size: where to store its size in bytes; may be NULL.
 *
 * The blob's memory stays preserved until its owner restores it.
 *
 * Context: Any context once the direct map is up.
 * Return: 0 on success; -ENOENT if there was no handover or no blob of that
 * name; -EINVAL if @phys is NULL or the blob's node is malformed.
 */
int kho_retrieve_subtree(const char *name, phys_addr_t *phys, size_t *size)
{
	const void *fdt = kho_in_fdt();
	int node;

	if (!fdt)
		return -ENOENT;
	if (!phys)
		return -EINVAL;

	node = fdt_subnode_offset(fdt, 0, name);
	if (node < 0)
		return -ENOENT;

	return kho_fdt_read_blob(fdt, node, phys, size);
}
EXPORT_SYMBOL_GPL(kho_retrieve_subtree);
