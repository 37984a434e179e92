// SPDX-License-Identifier: GPL-2.0
/*
 * kho_corrupt_test.c - damage the outgoing handover, for tests only
 *
 * The next kernel must survive a handover that is broken in any way: it
 * logs one line, ignores the handover and boots normally. To test that on
 * a real kexec, a test (tools/testing/selftests/kho/scenario/) calls
 * kho_corrupt_test() just before the kexec, with the name of one class of
 * damage. Every class breaks exactly one rule that kho_in_check.c or
 * kho_incoming.c enforces; the table below pairs each with it.
 *
 * Built only with CONFIG_KHO_CORRUPT_TEST, which no production kernel sets.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "kexec_handover_internal.h"

/* A page-aligned address far above the RAM of any test machine. */
#define KHO_CORRUPT_NOWHERE	BIT_ULL(46)

/* The property holds a native-endian u64, as the ABI header says. */
static int kho_corrupt_set_root(void *fdt, u64 phys)
{
	return fdt_setprop_inplace(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &phys,
				   sizeof(phys)) ? -EIO : 0;
}

static int kho_corrupt_fdt(const char *what)
{
	struct mutex *lock;	/* the FDT's, from kexec_handover.c */
	void *fdt = kho_out_fdt_for_test(&lock);
	const u64 *prop;
	u32 tiny = 0;
	int err = -EINVAL;

	if (!fdt)
		return -ENODEV;

	guard(mutex)(lock);
	prop = fdt_getprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, NULL);
	if (!prop)
		return -ENOENT;

	if (!strcmp(what, "fdt-compatible"))
		err = fdt_setprop_inplace(fdt, 0, "compatible", "kho-v0",
					  sizeof("kho-v0")) ? -EIO : 0;
	else if (!strcmp(what, "fdt-no-map"))
		err = fdt_delprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME) ? -EIO : 0;
	else if (!strcmp(what, "fdt-map-size"))
		err = fdt_setprop(fdt, 0, KHO_FDT_MEMORY_MAP_PROP_NAME, &tiny,
				  sizeof(tiny)) ? -EIO : 0;
	else if (!strcmp(what, "root-misaligned"))
		err = kho_corrupt_set_root(fdt, get_unaligned(prop) + 8);
	else if (!strcmp(what, "root-outside-ram"))
		err = kho_corrupt_set_root(fdt, KHO_CORRUPT_NOWHERE);
	return err;
}

/* The first non-empty entry of the root table, or -ENOENT. */
static int kho_corrupt_first_entry(const struct kho_radix_node *root)
{
	int i;

	for (i = 0; i < KHO_RADIX_TABLE_ENTRIES; i++)
		if (root->table[i])
			return i;
	return -ENOENT;
}

/*
 * Hang a chain of fresh pages, one per level, with a single key bit in its
 * leaf, under the last entry of the root: that entry routes key bits above
 * KHO_RADIX_KEY_WIDTH, so the key cannot be valid. The pages are never
 * freed: after the kexec, they are free memory of the next kernel.
 */
static int kho_corrupt_wide_key(struct kho_radix_node *root)
{
	u64 *entry = &root->table[KHO_RADIX_TABLE_ENTRIES - 1];
	unsigned int level;
	void *page;

	for (level = KHO_RADIX_TOP_LEVEL; level > 0; level--) {
		page = (void *)get_zeroed_page(GFP_KERNEL);
		if (!page)
			return -ENOMEM;
		*entry = virt_to_phys(page);
		if (level == 1)
			break;
		entry = &((struct kho_radix_node *)page)->table[0];
	}
	set_bit(0, ((struct kho_radix_leaf *)page)->bitmap);
	return 0;
}

static int kho_corrupt_first_key(unsigned long key, void *data)
{
	*(unsigned long *)data = key;
	return 1;
}

/* A block of the next order up that contains the first preserved block. */
static int kho_corrupt_overlap(struct kho_radix_tree *tree)
{
	const struct kho_radix_walk_cb cb = { .leaf = kho_corrupt_first_key };
	unsigned long key = 0;
	unsigned int order;
	phys_addr_t phys;

	kho_radix_walk_tree(tree, &cb, &key);
	if (!key || kho_radix_decode_key(key, &phys, &order))
		return -ENOENT;
	if (order >= KHO_RADIX_MAX_ORDER)
		return -ERANGE;
	order++;
	phys &= ~(((phys_addr_t)PAGE_SIZE << order) - 1);
	return kho_radix_add_key(tree, kho_radix_encode_key(phys, order));
}

static int kho_corrupt_tree(const char *what)
{
	struct kho_radix_tree *tree = kho_out_tree_for_test();
	struct kho_radix_node *root;
	int i;

	if (!tree)
		return -ENODEV;
	root = tree->root;

	/* Damage through the tree API: it takes the lock itself. */
	if (!strcmp(what, "block-outside-ram"))
		return kho_radix_add_key(tree, kho_radix_encode_key(KHO_CORRUPT_NOWHERE, 0));
	if (!strcmp(what, "block-in-scratch"))
		return kho_scratch_cnt ?
		       kho_radix_add_key(tree, kho_radix_encode_key(kho_scratch[0].addr, 0)) :
		       -ENOENT;
	if (!strcmp(what, "block-overlap"))
		return kho_corrupt_overlap(tree);
	if (!strcmp(what, "tree-page-in-block"))
		return kho_radix_add_key(tree, kho_radix_encode_key(virt_to_phys(root), 0));

	/* Damage to the root table itself. */
	guard(mutex)(&tree->lock);
	if (!strcmp(what, "key-invalid"))
		return kho_corrupt_wide_key(root);

	i = kho_corrupt_first_entry(root);
	if (i < 0)
		return i;
	if (!strcmp(what, "entry-misaligned"))
		root->table[i] += 8;
	else if (!strcmp(what, "entry-outside-ram"))
		root->table[i] = KHO_CORRUPT_NOWHERE;
	else if (!strcmp(what, "entry-in-scratch") && kho_scratch_cnt)
		root->table[i] = kho_scratch[0].addr;
	else if (!strcmp(what, "entry-twice") && i + 1 < KHO_RADIX_TABLE_ENTRIES)
		root->table[i + 1] = root->table[i];
	else
		return -EINVAL;
	return 0;
}

/**
 * kho_corrupt_test - Damage this kernel's handover in one named way.
 * @what: the class of damage. The FDT: "fdt-compatible", "fdt-no-map",
 *        "fdt-map-size", "root-misaligned", "root-outside-ram". The tree's
 *        pages: "entry-misaligned", "entry-outside-ram", "entry-in-scratch",
 *        "entry-twice". Its keys: "key-invalid", "block-outside-ram",
 *        "block-in-scratch", "block-overlap", "tree-page-in-block".
 *
 * Meant to be called once, after everything is preserved and just before
 * the kexec: this kernel's own view of its handover stays broken.
 *
 * Context: Process context; may sleep. Takes the FDT or the tree lock.
 * Return: 0 on success; -EINVAL for an unknown class; -ENODEV if KHO is not
 * set up; -ENOENT if there is nothing of the kind to damage (e.g. an empty
 * tree); -ENOMEM or -EIO if the damage could not be done.
 */
int kho_corrupt_test(const char *what)
{
	int err;

	if (!strncmp(what, "fdt-", 4) || !strncmp(what, "root-", 5))
		err = kho_corrupt_fdt(what);
	else
		err = kho_corrupt_tree(what);

	if (err)
		pr_err("test: could not damage the handover (%s): %pe\n", what,
		       ERR_PTR(err));
	else
		pr_warn("test: damaged the outgoing handover: %s\n", what);
	return err;
}
EXPORT_SYMBOL_GPL(kho_corrupt_test);
