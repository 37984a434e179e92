// SPDX-License-Identifier: GPL-2.0-only
/*
 * KHO debugfs: read-only views of the handover
 *
 *   kho/out/fdt              the FDT this kernel hands over (the whole page)
 *   kho/out/sub_fdts/<name>  each blob added with kho_add_subtree()
 *   kho/out/scratch_phys     start of each scratch area, one per line
 *   kho/out/scratch_len      size of each scratch area, one per line
 *   kho/out/tree_stats       size of the outgoing tree
 *   kho/out/ranges           preserved memory as runs of same-order blocks
 *   kho/out/totals           preserved memory per order, tree size, overhead
 *   kho/in/fdt               the FDT the previous kernel handed over
 *   kho/in/sub_fdts/<name>   each blob it named
 *   kho/in/ranges            what it handed over, as kho/out/ranges
 *   kho/in/totals            the same totals for it
 *
 * The views are for people and tests only; KHO works the same without them,
 * so a failure here is reported and otherwise ignored.
 *
 * ranges and totals are text meant for tools as much as for people: a
 * header line starting with '#' names the fields, then one record per line
 * with a fixed number of space-separated fields. Their format is described
 * in Documentation/admin-guide/mm/kho.rst.
 */

#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>

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

/**
 * kho_debugfs_blob_remove_range - Drop the views of blobs that start in a range.
 * @dbg:  the view.
 * @phys: start of the range.
 * @size: its length in bytes.
 *
 * An incoming blob is memory its owner may take back and free; its view
 * must go before that, or reading it would read freed memory. Removal
 * waits for readers that are inside the file.
 *
 * Context: Process context; may sleep.
 */
void kho_debugfs_blob_remove_range(struct kho_debugfs *dbg, phys_addr_t phys,
				   size_t size)
{
	struct kho_debugfs_blob *entry, *tmp;
	LIST_HEAD(gone);
	phys_addr_t at;

	if (!dbg->blobs_dir)
		return;

	mutex_lock(&kho_debugfs_lock);
	list_for_each_entry_safe(entry, tmp, &dbg->blobs, node) {
		at = virt_to_phys(entry->wrapper.data);
		if (at >= phys && at - phys < size)
			list_move(&entry->node, &gone);
	}
	mutex_unlock(&kho_debugfs_lock);

	list_for_each_entry_safe(entry, tmp, &gone, node) {
		debugfs_remove(entry->file);
		kfree(entry);
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

/*
 * ranges and totals print a &struct kho_in_summary for both directions. The
 * incoming one is kept by the incoming side and never changes after boot.
 * The outgoing one is a snapshot of the tree: the tree lock is held for a
 * single walk whose callbacks only count and fill a preallocated array, and
 * all formatting and copying to userspace happen after it is dropped, so a
 * reader never holds up preservation for more than one walk.
 */

/* Ranges the first snapshot attempt makes room for: one page of them. */
#define KHO_DBG_FIRST_RANGES	(PAGE_SIZE / sizeof(struct kho_in_range))

/* Walks tried before giving up on a tree that grows faster than it is read. */
#define KHO_DBG_SNAPSHOT_TRIES	4

/**
 * struct kho_dbg_snapshot - A summary being taken of the outgoing tree.
 * @sum:    the summary; @sum.ranges points at @ranges.
 * @ranges: room for @cap ranges.
 * @cap:    size of @ranges.
 * @found:  ranges the walk found, also those that did not fit.
 * @end:    end of the last range found.
 * @order:  order of the last range found.
 */
struct kho_dbg_snapshot {
	struct kho_in_summary sum;
	struct kho_in_range *ranges;
	unsigned long cap;
	unsigned long found;
	phys_addr_t end;
	unsigned int order;
};

static int kho_dbg_count_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct kho_dbg_snapshot *snap = data;

	if (level)
		snap->sum.tree.tables++;
	else
		snap->sum.tree.leaves++;
	return 0;
}

/*
 * Keys come in tree order: the largest order first, each order by address.
 * A block that continues the previous one of its order extends its range.
 */
static int kho_dbg_add_key(unsigned long key, void *data)
{
	struct kho_dbg_snapshot *snap = data;
	phys_addr_t phys, size;
	unsigned int order;

	/* This kernel built every key of its own tree. */
	if (kho_radix_decode_key(key, &phys, &order))
		return -EINVAL;

	snap->sum.tree.keys++;
	size = (phys_addr_t)PAGE_SIZE << order;
	if (snap->found && phys == snap->end && order == snap->order) {
		if (snap->found <= snap->cap)
			snap->ranges[snap->found - 1].size += size;
	} else {
		if (snap->found < snap->cap) {
			snap->ranges[snap->found].start = phys;
			snap->ranges[snap->found].size = size;
			snap->ranges[snap->found].order = order;
		}
		snap->found++;
		snap->order = order;
	}
	snap->end = phys + size;
	return 0;
}

static int kho_dbg_cmp_start(const void *a, const void *b)
{
	const struct kho_in_range *ra = a, *rb = b;

	if (ra->start == rb->start)
		return 0;
	return ra->start < rb->start ? -1 : 1;
}

/*
 * Take a summary of @tree into @snap, sorted by start like the incoming one.
 * @snap->ranges must be freed with kvfree() after a success.
 */
static int kho_dbg_snapshot(struct kho_radix_tree *tree,
			    struct kho_dbg_snapshot *snap)
{
	const struct kho_radix_walk_cb cb = {
		.node = kho_dbg_count_page,
		.leaf = kho_dbg_add_key,
	};
	unsigned long cap = KHO_DBG_FIRST_RANGES;
	struct kho_in_range *ranges;
	unsigned int tries;
	int err;

	for (tries = 0; tries < KHO_DBG_SNAPSHOT_TRIES; tries++) {
		/* Allocated outside the tree lock, which the walk takes. */
		ranges = kvmalloc_array(cap, sizeof(*ranges), GFP_KERNEL);
		if (!ranges)
			return -ENOMEM;

		memset(snap, 0, sizeof(*snap));
		snap->ranges = ranges;
		snap->cap = cap;
		err = kho_radix_walk_tree(tree, &cb, snap);
		if (!err && snap->found <= cap) {
			sort(ranges, snap->found, sizeof(*ranges),
			     kho_dbg_cmp_start, NULL);
			snap->sum.ranges = ranges;
			snap->sum.nr_ranges = snap->found;
			return 0;
		}

		kvfree(ranges);
		if (err)
			return err;
		/* The tree may still grow before the next walk: leave room. */
		cap = snap->found + snap->found / 8 + KHO_DBG_FIRST_RANGES;
	}
	return -EAGAIN;
}

/**
 * struct kho_dbg_summary - The summary one open file prints.
 * @sum:   the summary.
 * @owned: the outgoing snapshot's ranges, freed with the file; NULL for the
 *         incoming summary, which is not ours to free.
 */
struct kho_dbg_summary {
	struct kho_in_summary sum;
	struct kho_in_range *owned;
};

/*
 * The summary behind a ranges or totals file: of @tree (out/), or of the
 * handover this kernel received when @tree is NULL (in/).
 */
static int kho_dbg_summary_get(struct kho_radix_tree *tree,
			       struct kho_dbg_summary *view)
{
	const struct kho_in_summary *in;
	struct kho_dbg_snapshot snap;
	int err;

	if (!tree) {
		in = kho_in_summary();
		if (!in)
			return -ENODATA;
		view->sum = *in;
		view->owned = NULL;
		return 0;
	}

	err = kho_dbg_snapshot(tree, &snap);
	if (err)
		return err;
	view->sum = snap.sum;
	view->owned = snap.ranges;
	return 0;
}

static void kho_dbg_summary_put(struct kho_dbg_summary *view)
{
	kvfree(view->owned);
	view->owned = NULL;
}

/* ranges: "# start size order", then one range per line, by start. */
static void *kho_dbg_range_at(struct seq_file *m, loff_t pos)
{
	struct kho_dbg_summary *view = m->private;

	if (!pos)
		return SEQ_START_TOKEN;
	if (pos > view->sum.nr_ranges)
		return NULL;
	return (void *)&view->sum.ranges[pos - 1];
}

static void *kho_dbg_ranges_start(struct seq_file *m, loff_t *pos)
{
	return kho_dbg_range_at(m, *pos);
}

static void *kho_dbg_ranges_next(struct seq_file *m, void *v, loff_t *pos)
{
	return kho_dbg_range_at(m, ++*pos);
}

static void kho_dbg_ranges_stop(struct seq_file *m, void *v)
{
}

static int kho_dbg_ranges_show(struct seq_file *m, void *v)
{
	const struct kho_in_range *r = v;

	if (v == SEQ_START_TOKEN)
		seq_puts(m, "# start size order\n");
	else
		seq_printf(m, "0x%016llx 0x%llx %u\n", (u64)r->start,
			   (u64)r->size, r->order);
	return 0;
}

static const struct seq_operations kho_dbg_ranges_sops = {
	.start = kho_dbg_ranges_start,
	.next = kho_dbg_ranges_next,
	.stop = kho_dbg_ranges_stop,
	.show = kho_dbg_ranges_show,
};

/* The summary is taken once per open, so a read sees one consistent state. */
static int kho_dbg_ranges_open(struct inode *inode, struct file *file)
{
	struct kho_dbg_summary *view;
	int err;

	view = __seq_open_private(file, &kho_dbg_ranges_sops, sizeof(*view));
	if (!view)
		return -ENOMEM;

	err = kho_dbg_summary_get(inode->i_private, view);
	if (err)
		seq_release_private(inode, file);
	return err;
}

static int kho_dbg_ranges_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	kho_dbg_summary_put(m->private);
	return seq_release_private(inode, file);
}

static const struct file_operations kho_dbg_ranges_fops = {
	.owner = THIS_MODULE,
	.open = kho_dbg_ranges_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = kho_dbg_ranges_release,
};

/* Every order a key can name, so that any summary fits the per-order table. */
#define KHO_DBG_ORDERS	(KHO_RADIX_MAX_ORDER + 1)

/*
 * totals: "# key value", then one line per key. Per-order keys appear only
 * for orders that have blocks. runs counts the ranges that remain once
 * adjacent ranges of different orders are merged too: the memory
 * reservations the next kernel makes.
 */
static void kho_dbg_totals_print(struct seq_file *m,
				 const struct kho_in_summary *sum)
{
	u64 blocks[KHO_DBG_ORDERS] = {};
	u64 nr_blocks = 0, pages = 0, bytes, tree_bytes;
	unsigned long i, runs = 0;
	phys_addr_t end = 0;
	unsigned int order;

	for (i = 0; i < sum->nr_ranges; i++) {
		const struct kho_in_range *r = &sum->ranges[i];

		if (r->order < KHO_DBG_ORDERS)
			blocks[r->order] += r->size >> (PAGE_SHIFT + r->order);
		pages += r->size >> PAGE_SHIFT;
		if (!i || r->start != end)
			runs++;
		end = r->start + r->size;
	}
	bytes = pages << PAGE_SHIFT;
	tree_bytes = (u64)(sum->tree.tables + sum->tree.leaves) * PAGE_SIZE;

	seq_puts(m, "# key value\n");
	seq_printf(m, "page_size %lu\n", PAGE_SIZE);
	for (order = 0; order < KHO_DBG_ORDERS; order++)
		nr_blocks += blocks[order];
	seq_printf(m, "blocks %llu\npages %llu\nbytes %llu\n", nr_blocks,
		   pages, bytes);
	seq_printf(m, "ranges %lu\nruns %lu\n", sum->nr_ranges, runs);
	for (order = 0; order < KHO_DBG_ORDERS; order++) {
		if (!blocks[order])
			continue;
		seq_printf(m, "order_%u_blocks %llu\n", order, blocks[order]);
		seq_printf(m, "order_%u_pages %llu\n", order,
			   blocks[order] << order);
		seq_printf(m, "order_%u_bytes %llu\n", order,
			   blocks[order] << (PAGE_SHIFT + order));
	}
	seq_printf(m, "tree_tables %lu\ntree_leaves %lu\ntree_keys %lu\n",
		   sum->tree.tables, sum->tree.leaves, sum->tree.keys);
	seq_printf(m, "tree_bytes %llu\n", tree_bytes);
	seq_printf(m, "metadata_bytes_per_gib %llu\n",
		   bytes ? mul_u64_u64_div_u64(tree_bytes, SZ_1G, bytes) : 0);
}

static int totals_show(struct seq_file *m, void *unused)
{
	struct kho_dbg_summary view;
	int err;

	err = kho_dbg_summary_get(m->private, &view);
	if (err)
		return err;
	kho_dbg_totals_print(m, &view.sum);
	kho_dbg_summary_put(&view);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(totals);

/* ranges and totals of @tree, or of the incoming handover if @tree is NULL. */
static int __init kho_dbg_summary_files(struct dentry *dir,
					struct kho_radix_tree *tree)
{
	struct dentry *file;

	file = debugfs_create_file("ranges", 0400, dir, tree,
				   &kho_dbg_ranges_fops);
	if (IS_ERR(file))
		return PTR_ERR(file);
	file = debugfs_create_file("totals", 0400, dir, tree, &totals_fops);
	return PTR_ERR_OR_ZERO(file);
}

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
	err = kho_dbg_summary_files(dbg->dir, tree);
	if (err)
		goto report;
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

	err = kho_dbg_summary_files(dbg->dir, NULL);
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
