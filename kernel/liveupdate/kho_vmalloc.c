// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO for vmalloc areas: preserve them and rebuild them after kexec
 *
 * A vmalloc area is physical pages of one order, mapped in a given sequence
 * at some virtual address. The pages are preserved like any others; their
 * sequence travels in a list of one-page chunks (&struct kho_vmalloc_chunk),
 * preserved as well, that the owner's &struct kho_vmalloc points to. The
 * next kernel restores the pages and maps them in the same sequence at a
 * virtual address of its own; the chunks are freed on the way.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kasan.h>
#include <linux/kexec_handover.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../../mm/vmalloc.h"
#include "kexec_handover_internal.h"

/* The vm_struct flags a preserved area may carry, and how the ABI spells them. */
static const struct {
	unsigned long vm;
	unsigned short kho;
} kho_vmalloc_flags[] = {
	{ VM_ALLOC,		KHO_VMALLOC_ALLOC },
	{ VM_ALLOW_HUGE_VMAP,	KHO_VMALLOC_HUGE_VMAP },
};

static int kho_vmalloc_flags_to_abi(unsigned long vm_flags,
				    unsigned short *kho_flags)
{
	unsigned int i;

	*kho_flags = 0;
	for (i = 0; i < ARRAY_SIZE(kho_vmalloc_flags); i++) {
		if (vm_flags & kho_vmalloc_flags[i].vm) {
			vm_flags &= ~kho_vmalloc_flags[i].vm;
			*kho_flags |= kho_vmalloc_flags[i].kho;
		}
	}
	/* Anything else (ioremap, vmap of foreign pages, ...) cannot be rebuilt. */
	return vm_flags ? -EOPNOTSUPP : 0;
}

static int kho_vmalloc_flags_from_abi(unsigned short kho_flags,
				      unsigned long *vm_flags)
{
	unsigned int i;

	*vm_flags = 0;
	for (i = 0; i < ARRAY_SIZE(kho_vmalloc_flags); i++) {
		if (kho_flags & kho_vmalloc_flags[i].kho) {
			kho_flags &= ~kho_vmalloc_flags[i].kho;
			*vm_flags |= kho_vmalloc_flags[i].vm;
		}
	}
	return kho_flags ? -EINVAL : 0;
}

/* A new, empty, preserved chunk. */
static struct kho_vmalloc_chunk *kho_vmalloc_chunk_new(void)
{
	struct kho_vmalloc_chunk *chunk;
	int err;

	chunk = (struct kho_vmalloc_chunk *)get_zeroed_page(GFP_KERNEL);
	if (!chunk)
		return ERR_PTR(-ENOMEM);

	err = kho_preserve_pages(virt_to_page(chunk), 1);
	if (err) {
		free_page((unsigned long)chunk);
		return ERR_PTR(err);
	}
	return chunk;
}

/**
 * kho_unpreserve_vmalloc - Stop preserving a vmalloc area.
 * @preservation: filled by a successful kho_preserve_vmalloc(); cleared here.
 *
 * The area itself is left alone; only its preservation and the chunks that
 * described it go away.
 *
 * Context: Process context; may sleep.
 */
void kho_unpreserve_vmalloc(struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_chunk *chunk = KHOSER_LOAD_PTR(preservation->first);
	unsigned long step = 1UL << preservation->order;

	while (chunk) {
		struct kho_vmalloc_chunk *next = KHOSER_LOAD_PTR(chunk->hdr.next);
		unsigned int slot;

		for (slot = 0; slot < KHO_VMALLOC_SIZE && chunk->phys[slot]; slot++)
			kho_unpreserve_pages(phys_to_page(chunk->phys[slot]), step);

		kho_unpreserve_pages(virt_to_page(chunk), 1);
		free_page((unsigned long)chunk);
		chunk = next;
	}
	memset(preservation, 0, sizeof(*preservation));
}
EXPORT_SYMBOL_GPL(kho_unpreserve_vmalloc);

/**
 * kho_preserve_vmalloc - Preserve a vmalloc area across kexec.
 * @ptr:          start of the area, as returned by vmalloc() and friends.
 * @preservation: filled with the description the next kernel needs; the
 *                caller hands it over inside its own preserved data.
 *
 * Only areas from vmalloc() (huge mappings included) can be preserved. The
 * next kernel rebuilds the area with kho_restore_vmalloc(), at another
 * address and without regard to the NUMA node it was allocated on.
 *
 * Context: Process context; may sleep.
 * Return: 0 on success; -EINVAL if @ptr is not a vmalloc area; -EOPNOTSUPP
 * if it is not one from vmalloc(); -ENOMEM, or another error of
 * kho_preserve_pages(). On failure nothing stays preserved.
 */
int kho_preserve_vmalloc(void *ptr, struct kho_vmalloc *preservation)
{
	struct kho_vmalloc_chunk *chunk, *next;
	struct vm_struct *vm = find_vm_area(ptr);
	unsigned int order, slot = 0;
	unsigned long step, i;
	unsigned short flags;
	int err;

	if (!vm)
		return -EINVAL;
	err = kho_vmalloc_flags_to_abi(vm->flags, &flags);
	if (err)
		return err;

	order = get_vm_area_page_order(vm);
	step = 1UL << order;

	chunk = kho_vmalloc_chunk_new();
	if (IS_ERR(chunk))
		return PTR_ERR(chunk);

	memset(preservation, 0, sizeof(*preservation));
	KHOSER_STORE_PTR(preservation->first, chunk);
	preservation->flags = flags;
	preservation->order = order;

	for (i = 0; i < vm->nr_pages; i += step) {
		/* A new chunk only once one more address needs it. */
		if (slot == KHO_VMALLOC_SIZE) {
			next = kho_vmalloc_chunk_new();
			if (IS_ERR(next)) {
				err = PTR_ERR(next);
				goto err_unpreserve;
			}
			KHOSER_STORE_PTR(chunk->hdr.next, next);
			chunk = next;
			slot = 0;
		}

		err = kho_preserve_pages(vm->pages[i], step);
		if (err)
			goto err_unpreserve;
		chunk->phys[slot++] = page_to_phys(vm->pages[i]);
	}

	preservation->total_pages = vm->nr_pages;
	return 0;

err_unpreserve:
	kho_unpreserve_vmalloc(preservation);
	return err;
}
EXPORT_SYMBOL_GPL(kho_preserve_vmalloc);

/*
 * Restore the pages the chunks list into @pages, freeing each chunk once
 * read. On failure, @pages[0 .. *nr) holds the pages restored so far.
 */
static int kho_vmalloc_collect(const struct kho_vmalloc *preservation,
			       struct page **pages, unsigned int *nr)
{
	unsigned int total = preservation->total_pages;
	unsigned long step = 1UL << preservation->order;
	phys_addr_t chunk_phys = preservation->first.phys;
	struct kho_vmalloc_chunk *chunk;
	struct page *chunk_page, *page;
	unsigned int slot, i;
	int err = 0;

	*nr = 0;
	while (chunk_phys) {
		/* Restoring a chunk first proves it was preserved (and once). */
		chunk_page = kho_restore_pages(chunk_phys, 1);
		if (!chunk_page)
			return -EINVAL;
		chunk = page_address(chunk_page);

		for (slot = 0; slot < KHO_VMALLOC_SIZE && chunk->phys[slot]; slot++) {
			if (total - *nr < step) {
				err = -EINVAL;
				break;
			}
			page = kho_restore_pages(chunk->phys[slot], step);
			if (!page) {
				err = -EINVAL;
				break;
			}
			for (i = 0; i < step; i++)
				pages[(*nr)++] = page + i;
		}

		chunk_phys = chunk->hdr.next.phys;
		__free_page(chunk_page);
		if (err)
			return err;
	}
	return *nr == total ? 0 : -EINVAL;
}

/**
 * kho_restore_vmalloc - Rebuild a vmalloc area the previous kernel preserved.
 * @preservation: the description kho_preserve_vmalloc() filled.
 *
 * The area comes back with the same contents, page order and flags, at a new
 * address; vfree() releases it.
 *
 * Context: Process context; may sleep.
 * Return: the start of the area, or NULL if @preservation does not describe
 * preserved memory or memory for the mapping is short. On failure the pages
 * that could be restored are freed.
 */
void *kho_restore_vmalloc(const struct kho_vmalloc *preservation)
{
	kasan_vmalloc_flags_t kasan_flags = KASAN_VMALLOC_PROT_NORMAL;
	unsigned int total = preservation->total_pages;
	unsigned int order = preservation->order;
	unsigned int shift = PAGE_SHIFT + order;
	unsigned long vm_flags, addr, size;
	struct vm_struct *area;
	struct page **pages;
	unsigned int nr = 0;
	int err;

	if (kho_vmalloc_flags_from_abi(preservation->flags, &vm_flags))
		return NULL;
	/* vmalloc never maps pages above MAX_PAGE_ORDER, nor partial ones. */
	if (order > MAX_PAGE_ORDER || !total || total % (1U << order))
		return NULL;

	pages = kvmalloc_array(total, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;

	err = kho_vmalloc_collect(preservation, pages, &nr);
	if (err)
		goto err_free_pages;

	size = (unsigned long)total << PAGE_SHIFT;
	area = __get_vm_area_node(size, 1UL << shift, shift,
				  vm_flags | VM_UNINITIALIZED, VMALLOC_START,
				  VMALLOC_END, NUMA_NO_NODE, GFP_KERNEL,
				  __builtin_return_address(0));
	if (!area)
		goto err_free_pages;

	addr = (unsigned long)area->addr;
	err = vmap_pages_range(addr, addr + get_vm_area_size(area), PAGE_KERNEL,
			       pages, shift);
	if (err)
		goto err_free_area;

	area->nr_pages = total;
	area->pages = pages;
	if (vm_flags & VM_ALLOC)
		kasan_flags |= KASAN_VMALLOC_VM_ALLOC;
	area->addr = kasan_unpoison_vmalloc(area->addr, size, kasan_flags);
	clear_vm_uninitialized_flag(area);

	return area->addr;

err_free_area:
	free_vm_area(area);
err_free_pages:
	while (nr)
		__free_page(pages[--nr]);
	kvfree(pages);
	return NULL;
}
EXPORT_SYMBOL_GPL(kho_restore_vmalloc);
