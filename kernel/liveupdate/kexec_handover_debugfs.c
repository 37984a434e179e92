// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO debugfs: read-only views of the handover
 *
 *   kho/out/fdt              the FDT this kernel hands over (the whole page)
 *   kho/out/sub_fdts/<name>  each blob added with kho_add_subtree()
 *   kho/out/scratch_phys     start of each scratch area, one per line
 *   kho/out/scratch_len      size of each scratch area, one per line
 *   kho/in/fdt               the FDT the previous kernel handed over
 *   kho/in/sub_fdts/<name>   each blob it named
 *
 * The views are for people and tests only; KHO works the same without them,
 * so a failure here is reported and otherwise ignored.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "kexec_handover_internal.h"

static struct dentry *kho_debugfs_root;

/* Protects the blob lists of every view; never held across an allocation. */
static DEFINE_MUTEX(kho_debugfs_lock);

struct kho_debugfs_blob {
	struct list_head node;
	struct debugfs_blob_wrapper wrapper;
	struct dentry *file;
};

static int kho_debugfs_add_file(struct kho_debugfs *dbg, struct dentry *dir,
				const char *name, const void *data, size_t size)
{
	struct kho_debugfs_blob *blob;
	struct dentry *file;

	blob = kzalloc_obj(*blob);
	if (!blob)
		return -ENOMEM;

	/* debugfs wants a writable pointer, but the files are read-only. */
	blob->wrapper.data = (void *)data;
	blob->wrapper.size = size;
	file = debugfs_create_blob(name, 0400, dir, &blob->wrapper);
	if (IS_ERR(file)) {
		kfree(blob);
		return PTR_ERR(file);
	}
	blob->file = file;

	mutex_lock(&kho_debugfs_lock);
	list_add(&blob->node, &dbg->blobs);
	mutex_unlock(&kho_debugfs_lock);
	return 0;
}

/**
 * kho_debugfs_blob_add - Show a blob of the outgoing FDT.
 * @dbg:  the view.
 * @name: the blob's name, also the file's.
 * @blob: the blob.
 * @size: its size in bytes.
 *
 * Context: Process context; may sleep. Must not hold any KHO lock.
 */
void kho_debugfs_blob_add(struct kho_debugfs *dbg, const char *name,
			  const void *blob, size_t size)
{
	int err;

	if (!dbg->blobs_dir)
		return;

	err = kho_debugfs_add_file(dbg, dbg->blobs_dir, name, blob, size);
	if (err)
		pr_warn("no debugfs file for blob '%s': %pe\n", name, ERR_PTR(err));
}

/**
 * kho_debugfs_blob_remove - Stop showing a blob of the outgoing FDT.
 * @dbg:  the view.
 * @blob: the blob, as passed to kho_debugfs_blob_add().
 *
 * Context: Process context; may sleep.
 */
void kho_debugfs_blob_remove(struct kho_debugfs *dbg, const void *blob)
{
	struct kho_debugfs_blob *entry, *found = NULL;

	if (!dbg->blobs_dir)
		return;

	mutex_lock(&kho_debugfs_lock);
	list_for_each_entry(entry, &dbg->blobs, node) {
		if (entry->wrapper.data == blob) {
			list_del(&entry->node);
			found = entry;
			break;
		}
	}
	mutex_unlock(&kho_debugfs_lock);

	if (found) {
		debugfs_remove(found->file);
		kfree(found);
	}
}

/* One line per scratch area, with either its start or its size. */
static void kho_debugfs_show_areas(struct seq_file *m, bool sizes)
{
	unsigned int i;

	for (i = 0; i < kho_scratch_cnt; i++)
		seq_printf(m, "0x%llx\n", (u64)(sizes ? kho_scratch[i].size :
						       kho_scratch[i].addr));
}

static int scratch_phys_show(struct seq_file *m, void *unused)
{
	kho_debugfs_show_areas(m, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scratch_phys);

static int scratch_len_show(struct seq_file *m, void *unused)
{
	kho_debugfs_show_areas(m, true);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scratch_len);

/* Create @name/ and @name/sub_fdts/ under kho/ for @dbg. */
static int __init kho_debugfs_dirs(struct kho_debugfs *dbg, const char *name)
{
	struct dentry *dir, *blobs_dir;

	INIT_LIST_HEAD(&dbg->blobs);
	if (!kho_debugfs_root)
		return -ENOENT;

	dir = debugfs_create_dir(name, kho_debugfs_root);
	if (IS_ERR(dir))
		return PTR_ERR(dir);

	blobs_dir = debugfs_create_dir("sub_fdts", dir);
	if (IS_ERR(blobs_dir)) {
		debugfs_remove(dir);
		return PTR_ERR(blobs_dir);
	}

	dbg->dir = dir;
	dbg->blobs_dir = blobs_dir;
	return 0;
}

/*
 * The size of the outgoing tree, for an operator checking what a kexec will
 * cost. The count walks the tree under its lock, which is cheap next to the
 * walk the next kernel makes of the same pages.
 */
static int tree_stats_show(struct seq_file *m, void *unused)
{
	struct kho_radix_stats st;
	int err;

	err = kho_radix_tree_stats(m->private, &st);
	if (err)
		return err;
	seq_printf(m, "keys: %lu\ntables: %lu\nleaves: %lu\nbytes: %lu\n",
		   st.keys, st.tables, st.leaves, (st.tables + st.leaves) * PAGE_SIZE);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tree_stats);

/**
 * kho_out_debugfs_init - Create the view of the outgoing FDT.
 * @dbg:  the view to set up.
 * @fdt:  the outgoing FDT page.
 * @tree: the outgoing preserved-memory tree.
 *
 * Context: Boot, after kho_debugfs_init().
 */
void __init kho_out_debugfs_init(struct kho_debugfs *dbg, const void *fdt,
				 struct kho_radix_tree *tree)
{
	struct dentry *file;
	int err;

	err = kho_debugfs_dirs(dbg, "out");
	if (err)
		goto report;

	/* The whole page, as the next kernel receives it. */
	err = kho_debugfs_add_file(dbg, dbg->dir, "fdt", fdt, PAGE_SIZE);
	if (err)
		goto report;

	file = debugfs_create_file("scratch_phys", 0400, dbg->dir, NULL,
				   &scratch_phys_fops);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto report;
	}
	file = debugfs_create_file("scratch_len", 0400, dbg->dir, NULL,
				   &scratch_len_fops);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto report;
	}
	file = debugfs_create_file("tree_stats", 0400, dbg->dir, tree, &tree_stats_fops);
	if (IS_ERR(file)) {
		err = PTR_ERR(file);
		goto report;
	}
	return;

report:
	pr_warn("incomplete debugfs view of the outgoing FDT: %pe\n",
		ERR_PTR(err));
}

/**
 * kho_in_debugfs_init - Create the view of the incoming FDT.
 * @dbg: the view to set up.
 * @fdt: the incoming FDT.
 *
 * Context: Boot, after kho_debugfs_init().
 */
void __init kho_in_debugfs_init(struct kho_debugfs *dbg, const void *fdt)
{
	const void *blob;
	const char *name;
	phys_addr_t phys;
	size_t size;
	int node, err;

	err = kho_debugfs_dirs(dbg, "in");
	if (err)
		goto report;

	err = kho_debugfs_add_file(dbg, dbg->dir, "fdt", fdt, fdt_totalsize(fdt));
	if (err)
		goto report;

	fdt_for_each_subnode(node, fdt, 0) {
		name = fdt_get_name(fdt, node, NULL);
		blob = NULL;
		if (!kho_fdt_read_blob(fdt, node, &phys, &size))
			blob = kho_in_blob(phys, size);
		if (!blob) {
			pr_warn("incoming blob '%s' not shown in debugfs\n", name);
			continue;
		}
		err = kho_debugfs_add_file(dbg, dbg->blobs_dir, name, blob, size);
		if (err)
			goto report;
	}
	return;

report:
	pr_warn("incomplete debugfs view of the incoming FDT: %pe\n",
		ERR_PTR(err));
}

/**
 * kho_debugfs_init - Create /sys/kernel/debug/kho/.
 *
 * Context: Boot.
 */
void __init kho_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("kho", NULL);

	if (IS_ERR(root)) {
		pr_warn("no debugfs view: %pe\n", root);
		return;
	}
	kho_debugfs_root = root;
}
