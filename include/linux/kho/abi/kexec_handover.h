/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KHO_ABI_KEXEC_HANDOVER_H
#define _LINUX_KHO_ABI_KEXEC_HANDOVER_H

/*
 * The data a kernel leaves behind for its kexec successor: the FDT properties,
 * the preserved-memory radix tree and the vmalloc descriptors. Both kernels
 * must agree on every byte described here.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/stddef.h>
#include <linux/typecheck.h>
#include <linux/types.h>

#include <asm/page.h>

/**
 * DOC: KHO handover format, version kho-v4
 *
 * A kernel that hands memory over to its kexec successor publishes one
 * flattened device tree (FDT). Its root node names the format version and
 * points at the preserved-memory radix tree; each subsystem that hands over
 * a data blob adds one child node describing it::
 *
 *   / {
 *       compatible = "kho-v4";
 *       preserved-memory-map = <u64: physical address of the top table>;
 *
 *       <name chosen by the subsystem> {
 *           preserved-data = <u64: physical address of the blob>;
 *           blob-size = <u64: size of the blob in bytes>;
 *       };
 *       ... one such child per blob ...
 *   };
 *
 * The blob size is carried explicitly because a blob need not be an FDT
 * itself and may have no way to describe its own length.
 *
 * The compatible string is the whole compatibility story: a successor that
 * does not recognise it must ignore the handover. Changing any property, the
 * tree layout, the key encoding or a structure below therefore requires a new
 * version string; no compatibility is promised across versions.
 */

/* Format version; checked by the successor before anything else is read. */
#define KHO_FDT_COMPATIBLE "kho-v4"

/* Root property: u64 physical address of the radix tree's top table. */
#define KHO_FDT_MEMORY_MAP_PROP_NAME "preserved-memory-map"

/* Child property: u64 physical address of a subsystem's blob. */
#define KHO_SUB_TREE_PROP_NAME "preserved-data"

/* Child property: u64 length in bytes of that blob. */
#define KHO_SUB_TREE_SIZE_PROP_NAME "blob-size"

/**
 * DOC: KHO preserved-memory radix tree, version kho-v4
 *
 * The set of preserved memory blocks travels as a radix tree of pages. Each
 * block is a naturally aligned run of 2^order pages and is represented by a
 * single number, its *key*. The tree stores a set of keys and nothing else.
 *
 * Key encoding. For a block of order ``o`` at physical address ``pa`` the key
 * is ``BIT(64 - PAGE_SHIFT - o) | (pa >> (PAGE_SHIFT + o))``. The single high
 * bit, the *order bit*, says how large the block is: the lower it sits, the
 * larger the block. Everything below it is the block's index among blocks of
 * that order. Blocks of different orders thus never share a key, and keys of
 * one order sort in address order. A key is at most
 * ``KHO_RADIX_KEY_WIDTH = 64 - PAGE_SHIFT + 1`` bits wide (53 with 4 KiB
 * pages) and is never zero.
 *
 * Worked example with 4 KiB pages: the order-0 page at 0x123456000 has the
 * key BIT(52) | 0x123456 = 0x0010000000123456; the order-9 (2 MiB) block at
 * 0x40000000 has the key BIT(43) | 0x200 = 0x0000080000000200.
 *
 * Limits of the key width. Orders 0 to 64 - PAGE_SHIFT all have an order bit
 * position, but a block of order 64 - PAGE_SHIFT would cover 2^64 bytes and
 * cannot exist, so ``KHO_RADIX_MAX_ORDER = 63 - PAGE_SHIFT``. At every order,
 * the block whose end would be 2^64 is not representable in phys_addr_t
 * either. kho_radix_decode_key() rejects all such keys, so a successor never
 * computes a block end that wraps around.
 *
 * Tree layout. Every tree page is one whole page (PAGE_SIZE bytes). Level 0
 * pages are *leaves*: a bitmap of ``KHO_RADIX_LEAF_BITS`` bits (PAGE_SIZE * 8)
 * in the kernel's native unsigned long bitmap layout, one bit per key. Pages
 * at levels 1 and above are *tables* of ``KHO_RADIX_TABLE_ENTRIES`` u64
 * entries (PAGE_SIZE / 8), each the physical address of a page one level
 * down, or 0 if that part of the key space is empty. The root of the tree is
 * the single table at ``KHO_RADIX_TOP_LEVEL``; it always exists, even when
 * the set is empty. A key selects its path from its bits, low bits at the
 * bottom::
 *
 *   key bit:  63..60  59..51  50..42  41..33  32..24  23..15  14..0
 *             unused  level 5 level 4 level 3 level 2 level 1 leaf bit
 *                     (root)
 *
 * (4 KiB pages: 15 leaf bits, 9 bits per table, 6 levels in total.) The
 * lowest key bit of each level is kho_radix_level_shift(level). Only entries
 * 0-3 of the root can be non-empty, because keys are 53 bits wide.
 * In the example above, the order-0 key 0x0010000000123456 is bit 0x3456 of
 * the leaf reached through entry 2 of the root, entry 0 at levels 4, 3 and 2,
 * and entry 0x24 at level 1.
 *
 * Leaves cover 128 MiB of order-0 pages each, so dense preservation costs
 * 1/32768 of the preserved memory plus a few tables.
 */

/*
 * Every size of the tree derives from PAGE_SHIFT through this enum; nothing
 * else may restate a number.
 */
enum kho_radix_layout {
	/* Order bit plus the widest shifted address, that of an order-0 page. */
	KHO_RADIX_KEY_WIDTH = 64 - PAGE_SHIFT + 1,
	/* Largest order whose block size still fits in 64 bits. */
	KHO_RADIX_MAX_ORDER = KHO_RADIX_KEY_WIDTH - 2,
	/* Key bits consumed by one table: one page of u64 entries. */
	KHO_RADIX_TABLE_SHIFT = const_ilog2(PAGE_SIZE / sizeof(u64)),
	KHO_RADIX_TABLE_ENTRIES = 1 << KHO_RADIX_TABLE_SHIFT,
	/* Key bits consumed by a leaf: one page of bits. */
	KHO_RADIX_LEAF_SHIFT = const_ilog2(PAGE_SIZE * BITS_PER_BYTE),
	KHO_RADIX_LEAF_BITS = 1 << KHO_RADIX_LEAF_SHIFT,
	/* Tables needed above the leaves to consume the rest of the key. */
	KHO_RADIX_TABLE_LEVELS = DIV_ROUND_UP(KHO_RADIX_KEY_WIDTH - KHO_RADIX_LEAF_SHIFT,
					      KHO_RADIX_TABLE_SHIFT),
	/* Levels are numbered from the leaves (0) up to the root. */
	KHO_RADIX_TOP_LEVEL = KHO_RADIX_TABLE_LEVELS,
	KHO_RADIX_DEPTH = KHO_RADIX_TABLE_LEVELS + 1,
};

/* A table page: physical addresses of the pages one level down, 0 = empty. */
struct kho_radix_node {
	u64 table[KHO_RADIX_TABLE_ENTRIES];
};

/* A leaf page: one bit per key. */
struct kho_radix_leaf {
	DECLARE_BITMAP(bitmap, KHO_RADIX_LEAF_BITS);
};

/*
 * The lowest key bit that a table at @level (1 and up) routes on: the leaf's
 * bitmap takes the lowest KHO_RADIX_LEAF_SHIFT bits of a key, and each table
 * level KHO_RADIX_TABLE_SHIFT more. A macro, so that constant expressions can
 * use it; code calls kho_radix_level_shift(), which also covers the leaf.
 */
#define KHO_RADIX_LEVEL_SHIFT(level)	\
	(KHO_RADIX_LEAF_SHIFT + ((level) - 1) * KHO_RADIX_TABLE_SHIFT)

/**
 * kho_radix_level_shift - The lowest key bit a tree level routes on.
 * @level: 0 for a leaf, up to %KHO_RADIX_TOP_LEVEL for the root.
 *
 * A key's index at @level (its entry in a table, or its bit in a leaf) is
 * the bits of the key from this one up, masked to the size of the page.
 *
 * Context: Any context.
 * Return: the key bit number, 0 for the leaf level.
 */
static inline unsigned int kho_radix_level_shift(unsigned int level)
{
	return level ? KHO_RADIX_LEVEL_SHIFT(level) : 0;
}

static_assert(sizeof(struct kho_radix_node) == PAGE_SIZE);
static_assert(sizeof(struct kho_radix_leaf) == PAGE_SIZE);
static_assert(KHO_RADIX_KEY_WIDTH <= BITS_PER_LONG);
static_assert(sizeof(phys_addr_t) == sizeof(u64));
static_assert(PAGE_SHIFT != 12 || KHO_RADIX_DEPTH == 6);
/* Level 1 routes on the key bits just above the leaf's. */
static_assert(KHO_RADIX_LEVEL_SHIFT(1) == KHO_RADIX_LEAF_SHIFT);
/* The root routes on the top bits of the widest key, and no level is idle. */
static_assert(KHO_RADIX_LEVEL_SHIFT(KHO_RADIX_TOP_LEVEL) < KHO_RADIX_KEY_WIDTH);
static_assert(KHO_RADIX_LEVEL_SHIFT(KHO_RADIX_TOP_LEVEL) +
	      KHO_RADIX_TABLE_SHIFT >= KHO_RADIX_KEY_WIDTH);
/* The table in the DOC comment above, for 4 KiB pages: root on bits 59..51. */
static_assert(PAGE_SHIFT != 12 || KHO_RADIX_LEVEL_SHIFT(1) == 15);
static_assert(PAGE_SHIFT != 12 || KHO_RADIX_LEVEL_SHIFT(KHO_RADIX_TOP_LEVEL) == 51);

/**
 * kho_radix_encode_key - Turn a preserved block into its radix tree key.
 * @phys:  physical address of the block, aligned to its size.
 * @order: order of the block, at most %KHO_RADIX_MAX_ORDER.
 *
 * Context: Any context.
 * Return: the key, or 0 (which is never a valid key) if @order is too large,
 * @phys is not aligned to the block size or the block would end past the top
 * of the physical address space.
 */
static inline unsigned long kho_radix_encode_key(phys_addr_t phys,
						 unsigned int order)
{
	u64 size;

	if (order > KHO_RADIX_MAX_ORDER)
		return 0;

	size = (u64)PAGE_SIZE << order;
	if ((u64)phys & (size - 1))
		return 0;
	if (phys > PHYS_ADDR_MAX - size)
		return 0;

	return BIT(KHO_RADIX_KEY_WIDTH - 1 - order) |
	       (unsigned long)((u64)phys >> (PAGE_SHIFT + order));
}

/**
 * kho_radix_decode_key - Turn a radix tree key back into a block.
 * @key:   the key, possibly read from an untrusted tree.
 * @phys:  where to store the physical address of the block.
 * @order: where to store the order of the block.
 *
 * A key that decodes successfully describes a block for which
 * ``*phys + (PAGE_SIZE << *order)`` can be computed in phys_addr_t without
 * wrapping, so callers may derive the block end without further checks.
 * @phys and @order are left untouched on failure.
 *
 * Context: Any context.
 * Return: 0 on success; -EINVAL if @key has no order bit, is wider than
 * %KHO_RADIX_KEY_WIDTH, names an order above %KHO_RADIX_MAX_ORDER or a block
 * whose end would not fit in phys_addr_t.
 */
static inline int kho_radix_decode_key(unsigned long key, phys_addr_t *phys,
				       unsigned int *order)
{
	unsigned int width = fls64(key);
	unsigned int blk_order, shift;
	u64 start, size;

	if (!width || width > KHO_RADIX_KEY_WIDTH)
		return -EINVAL;

	blk_order = KHO_RADIX_KEY_WIDTH - width;
	if (blk_order > KHO_RADIX_MAX_ORDER)
		return -EINVAL;

	/* The address bits below the order bit fill exactly 64 bits again. */
	shift = PAGE_SHIFT + blk_order;
	start = (u64)(key ^ BIT(width - 1)) << shift;
	size = 1ULL << shift;
	if (start > PHYS_ADDR_MAX - size)
		return -EINVAL;

	*phys = start;
	*order = blk_order;
	return 0;
}

/**
 * DOC: KHO vmalloc preservation, version kho-v4
 *
 * A preserved vmalloc area is described by a &struct kho_vmalloc, which the
 * owning subsystem stores in its own handed-over data. It points to a singly
 * linked list of one-page &struct kho_vmalloc_chunk pages; each lists the
 * physical addresses of the area's pages, in order, terminated by a 0 entry
 * or by the end of the chunk. The successor maps the same pages again, in the
 * same order, to rebuild the area.
 *
 * Pointers inside these structures are stored as physical addresses through
 * the KHOSER helpers, since virtual addresses mean nothing to the next
 * kernel. A stored physical address of 0 stands for NULL.
 */

/* A pointer field that is a physical address while in transit. */
#define DECLARE_KHOSER_PTR(name, type)	\
	union { u64 phys; type ptr; } name

/* Store @val (a pointer of the field's type, or NULL) into @dest for transit. */
#define KHOSER_STORE_PTR(dest, val)					\
	({								\
		typeof(val) __khoser_val = (val);			\
		typecheck(typeof((dest).ptr), __khoser_val);		\
		(dest).phys = __khoser_val ?				\
			      virt_to_phys(__khoser_val) : 0;		\
	})

/* Turn a field filled by KHOSER_STORE_PTR() back into a pointer. */
#define KHOSER_LOAD_PTR(src)						\
	({								\
		typeof(src) __khoser_src = (src);			\
		(typeof(__khoser_src.ptr))(__khoser_src.phys ?		\
			phys_to_virt(__khoser_src.phys) : NULL);	\
	})

/* First word of every chunk: the link to the following chunk. */
struct kho_vmalloc_hdr {
	DECLARE_KHOSER_PTR(next, struct kho_vmalloc_chunk *);
};

/* Page addresses that fit in one chunk after its header. */
#define KHO_VMALLOC_SIZE \
	((PAGE_SIZE - sizeof(struct kho_vmalloc_hdr)) / sizeof(u64))

/* Values of &struct kho_vmalloc.flags. */
#define KHO_VMALLOC_ALLOC	0x0001	/* area came from vmalloc() */
#define KHO_VMALLOC_HUGE_VMAP	0x0002	/* area may be mapped with huge pages */

/* One page of the list of page addresses of a preserved vmalloc area. */
struct kho_vmalloc_chunk {
	struct kho_vmalloc_hdr hdr;
	u64 phys[KHO_VMALLOC_SIZE];
};

/* The descriptor of a preserved vmalloc area. */
struct kho_vmalloc {
	DECLARE_KHOSER_PTR(first, struct kho_vmalloc_chunk *);
	unsigned int total_pages;	/* number of pages in the area */
	unsigned short flags;		/* KHO_VMALLOC_* flags of the area */
	unsigned short order;		/* order of each page of the area */
};

static_assert(sizeof(struct kho_vmalloc_hdr) == sizeof(u64));
static_assert(sizeof(struct kho_vmalloc_chunk) == PAGE_SIZE);
static_assert(sizeof(struct kho_vmalloc) == 16);
static_assert(offsetof(struct kho_vmalloc, total_pages) == 8);
static_assert(offsetof(struct kho_vmalloc, flags) == 12);
static_assert(offsetof(struct kho_vmalloc, order) == 14);

#endif /* _LINUX_KHO_ABI_KEXEC_HANDOVER_H */
