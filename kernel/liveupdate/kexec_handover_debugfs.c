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

#include <kunit/visibility.h>
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
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "kexec_handover_internal.h"

static struct dentry *kho_debugfs_root;

/*
 * Protects the blob lists of every view and each blob's gone flag. A
 * spinlock, taken with interrupts off: restoring memory marks the blobs in
 * it gone, and restore may be called wherever stock 7.3 allows it, so it
 * must not sleep. Never held across an allocation or a copy to user space.
 */
static DEFINE_SPINLOCK(kho_debugfs_lock);

struct kho_debugfs_blob {
	struct list_head node;
	const void *data;
	size_t size;
	bool gone;		/* its owner took the memory back */
	struct dentry *file;
};

/*
 * A read copies one page at most of the blob, under the lock, into a buffer
 * of its own: the owner can take the memory back at any moment, and once
 * the blob is marked gone no reader is still copying from it.
 */
static ssize_t kho_debugfs_blob_read(struct file *file, char __user *buf,
				     size_t len, loff_t *ppos)
{
	struct kho_debugfs_blob *blob = file->private_data;
	unsigned long flags;
	loff_t pos = *ppos;
	void *bounce;
	ssize_t ret;
	bool gone;
	size_t n;

	if (pos < 0)
		return -EINVAL;
	if (pos >= blob->size || !len)
		return 0;
	n = min_t(size_t, min_t(size_t, len, blob->size - pos), PAGE_SIZE);
	bounce = kmalloc(n, GFP_KERNEL);
	if (!bounce)
		return -ENOMEM;

	spin_lock_irqsave(&kho_debugfs_lock, flags);
	gone = blob->gone;
	if (!gone)
		memcpy(bounce, blob->data + pos, n);
	spin_unlock_irqrestore(&kho_debugfs_lock, flags);

	if (gone) {
		ret = -ENOENT;
	} else if (copy_to_user(buf, bounce, n)) {
		ret = -EFAULT;
	} else {
		*ppos = pos + n;
		ret = n;
	}
	kfree(bounce);
	return ret;
}

static const struct file_operations kho_debugfs_blob_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= kho_debugfs_blob_read,
	.llseek	= default_llseek,
};

static struct kho_debugfs_blob *kho_debugfs_add_file(struct kho_debugfs *dbg,
						     struct dentry *dir, const char *name,
						     const void *data, size_t size)
{
	struct kho_debugfs_blob *blob;
	unsigned long flags;
	struct dentry *file;

	blob = kzalloc_obj(*blob);
	if (!blob)
		return ERR_PTR(-ENOMEM);

	blob->data = data;
	blob->size = size;
	file = debugfs_create_file(name, 0400, dir, blob, &kho_debugfs_blob_fops);
	if (IS_ERR(file)) {
		kfree(blob);
		return ERR_CAST(file);
	}
	/* The size stat() shows, as for a debugfs blob. */
	i_size_write(d_inode(file), size);
	blob->file = file;

	spin_lock_irqsave(&kho_debugfs_lock, flags);
	list_add(&blob->node, &dbg->blobs);
	spin_unlock_irqrestore(&kho_debugfs_lock, flags);
	return blob;
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
	struct kho_debugfs_blob *file;

	if (!dbg->blobs_dir)
		return;

	file = kho_debugfs_add_file(dbg, dbg->blobs_dir, name, blob, size);
	if (IS_ERR(file))
		pr_warn("no debugfs file for blob '%s': %pe\n", name, file);
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
	unsigned long flags;

	if (!dbg->blobs_dir)
		return;

	spin_lock_irqsave(&kho_debugfs_lock, flags);
	list_for_each_entry(entry, &dbg->blobs, node) {
		if (entry->data == blob) {
			list_del(&entry->node);
			entry->gone = true;
			found = entry;
			break;
		}
	}
	spin_unlock_irqrestore(&kho_debugfs_lock, flags);

	if (found) {
		debugfs_remove(found->file);
		kfree(found);
	}
}

/**
 * kho_debugfs_blob_forget_range - Hide the blobs that start in a range.
 * @dbg:  the view.
 * @phys: start of the range.
 * @size: its length in bytes.
 *
 * An incoming blob is memory its owner may take back and free. Its file
 * stays, but reads of it fail with -ENOENT from now on, and no read is
 * still copying from it when this returns.
 *
 * Context: Any context; does not sleep.
 */
void kho_debugfs_blob_forget_range(struct kho_debugfs *dbg, phys_addr_t phys,
				   size_t size)
{
	struct kho_debugfs_blob *entry;
	unsigned long flags;
	phys_addr_t at;

	spin_lock_irqsave(&kho_debugfs_lock, flags);
	/* No view yet: kho_in_debugfs_init() checks every blob itself. */
	if (!dbg->blobs_dir) {
		spin_unlock_irqrestore(&kho_debugfs_lock, flags);
		return;
	}
	list_for_each_entry(entry, &dbg->blobs, node) {
		at = virt_to_phys((void *)entry->data);
		if (at >= phys && at - phys < size)
			entry->gone = true;
	}
	spin_unlock_irqrestore(&kho_debugfs_lock, flags);
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
	unsigned long flags;

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

	/* Under the lock: kho_debugfs_blob_forget_range() may run meanwhile. */
	spin_lock_irqsave(&kho_debugfs_lock, flags);
	INIT_LIST_HEAD(&dbg->blobs);
	dbg->dir = dir;
	dbg->blobs_dir = blobs_dir;
	spin_unlock_irqrestore(&kho_debugfs_lock, flags);
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
 * ranges and totals are read from a tree: the outgoing one, or the copy of
 * the vetted incoming one. Blocks are listed by address, so the keys of
 * every order are walked at once, each order by its own cursor. The tree's
 * lock is held only while one buffer of the file is filled (seq_file's
 * start to stop) or, for totals, for a bounded number of ranges, and the
 * cursors forget their leaves whenever it is dropped: a reader never holds
 * preservation up for long, and sees every block that stays in the tree
 * meanwhile exactly once.
 */

/* Ranges totals counts with the lock held, before letting others in. */
#define KHO_DBG_BATCH	1024

/* A run of adjacent blocks of one order. */
struct kho_dbg_range {
	phys_addr_t start;
	phys_addr_t size;
	unsigned int order;
};

struct kho_dbg_stream {
	struct kho_radix_iter it;
	unsigned int order;
	struct kho_dbg_range run;
	bool live;
};

/**
 * struct kho_dbg_cursor - The blocks of a tree, in address order.
 * @tree:   the tree.
 * @nr:     streams in @s.
 * @pos:    the file position of the next range; the one before it is
 *          kept after the cursor (see kho_dbg_ranges_open()).
 * @s:      one stream per order with keys left.
 */
struct kho_dbg_cursor {
	struct kho_radix_tree *tree;
	unsigned int nr;
	loff_t pos;
	struct kho_dbg_stream s[KHO_DBG_ORDERS];
};

static void kho_dbg_fetch(struct kho_dbg_stream *st)
{
	unsigned long first, nr;
	phys_addr_t phys;
	unsigned int order;

	st->live = kho_radix_iter_next(&st->it, &first, &nr) &&
		   !kho_radix_decode_key(first, &phys, &order);
	if (st->live)
		st->run = (struct kho_dbg_range){
			.start = phys,
			.size = (phys_addr_t)nr << (PAGE_SHIFT + order),
			.order = order,
		};
}

/* Start over at the lowest block. Caller holds the tree's lock. */
static void kho_dbg_rewind(struct kho_dbg_cursor *c)
{
	struct kho_dbg_stream *st;
	unsigned int order;

	c->nr = 0;
	c->pos = 1;
	for (order = 0; order < KHO_DBG_ORDERS; order++) {
		st = &c->s[c->nr];
		kho_radix_iter_init(&st->it, c->tree->root,
				    BIT(KHO_RADIX_KEY_WIDTH - 1 - order),
				    BIT(KHO_RADIX_KEY_WIDTH - order) - 1, false);
		kho_dbg_fetch(st);
		if (st->live) {
			st->order = order;
			c->nr++;
		}
	}
}

/* Let the tree change: the cursors keep their keys, not their leaves. */
static void kho_dbg_unlocked(struct kho_dbg_cursor *c)
{
	unsigned int i;

	for (i = 0; i < c->nr; i++)
		c->s[i].it.leaf = NULL;
}

/*
 * The next range by address, or false at the end. Runs of one order that
 * touch (the walk cuts them at leaf edges) make one range. Caller holds the
 * tree's lock.
 */
static bool kho_dbg_next(struct kho_dbg_cursor *c, struct kho_dbg_range *r)
{
	struct kho_dbg_stream *low = NULL, *st;
	unsigned int i;

	for (i = 0; i < c->nr; i++) {
		st = &c->s[i];
		if (st->live && (!low || st->run.start < low->run.start))
			low = st;
	}
	if (!low)
		return false;

	*r = low->run;
	for (kho_dbg_fetch(low);
	     low->live && low->run.start == r->start + r->size;
	     kho_dbg_fetch(low))
		r->size += low->run.size;
	c->pos++;
	return true;
}

/* ranges: "# start size order", then one range per line, by start. */
static void *kho_dbg_ranges_start(struct seq_file *m, loff_t *pos)
{
	struct kho_dbg_cursor *c = m->private;
	struct kho_dbg_range *r = (void *)(c + 1);

	mutex_lock(&c->tree->lock);
	if (!*pos)
		return SEQ_START_TOKEN;
	/* The range that did not fit in the last buffer comes again. */
	if (*pos == c->pos - 1 && c->pos > 1)
		return r;
	if (*pos != c->pos)
		kho_dbg_rewind(c);
	while (c->pos < *pos)
		if (!kho_dbg_next(c, r))
			return NULL;
	return kho_dbg_next(c, r) ? r : NULL;
}

static void *kho_dbg_ranges_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct kho_dbg_cursor *c = m->private;
	struct kho_dbg_range *r = (void *)(c + 1);

	++*pos;
	if (v == SEQ_START_TOKEN)
		kho_dbg_rewind(c);
	return kho_dbg_next(c, r) ? r : NULL;
}

static void kho_dbg_ranges_stop(struct seq_file *m, void *v)
{
	struct kho_dbg_cursor *c = m->private;

	kho_dbg_unlocked(c);
	mutex_unlock(&c->tree->lock);
}

static int kho_dbg_ranges_show(struct seq_file *m, void *v)
{
	const struct kho_dbg_range *r = v;

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

/* The tree behind a ranges or totals file, or NULL if there is none. */
static struct kho_radix_tree *kho_dbg_tree(struct inode *inode)
{
	const struct kho_in_summary *in;

	if (inode->i_private)
		return inode->i_private;
	in = kho_in_summary();
	return in && in->copy.root ? (struct kho_radix_tree *)&in->copy : NULL;
}

static int kho_dbg_ranges_open(struct inode *inode, struct file *file)
{
	struct kho_radix_tree *tree = kho_dbg_tree(inode);
	struct kho_dbg_cursor *c;

	if (!tree)
		return -ENODATA;
	c = __seq_open_private(file, &kho_dbg_ranges_sops,
			       sizeof(*c) + sizeof(struct kho_dbg_range));
	if (!c)
		return -ENOMEM;
	c->tree = tree;
	return 0;
}

static const struct file_operations kho_dbg_ranges_fops = {
	.owner = THIS_MODULE,
	.open = kho_dbg_ranges_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

static int kho_dbg_count_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct kho_radix_stats *st = data;

	if (level)
		st->tables++;
	else
		st->leaves++;
	return 0;
}

/**
 * kho_dbg_add_up - Add up the blocks of a tree for totals.
 * @tree: the tree.
 * @t:    zeroed totals, filled in.
 *
 * The tree's lock is dropped every KHO_DBG_BATCH ranges, so that preservers
 * are not held up for the whole walk; visible to the kho KUnit suite, which
 * checks that.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 * Return: 0; -ENOMEM without memory for the cursor; -EINTR if the reader
 * was killed.
 */
VISIBLE_IF_KUNIT int kho_dbg_add_up(struct kho_radix_tree *tree,
				    struct kho_dbg_totals *t)
{
	const struct kho_radix_walk_cb cb = { .node = kho_dbg_count_page };
	struct kho_dbg_cursor *c;
	struct kho_dbg_range r;
	phys_addr_t end = 0;
	unsigned int n;
	int err;

	c = kzalloc_obj(*c);
	if (!c)
		return -ENOMEM;
	c->tree = tree;

	/* A walk that reads no leaf: one visit per table entry. */
	err = kho_radix_walk_tree(tree, &cb, &t->tree);
	mutex_lock(&tree->lock);
	kho_dbg_rewind(c);
	for (n = 0; !err && kho_dbg_next(c, &r); n++) {
		t->blocks[r.order] += r.size >> (PAGE_SHIFT + r.order);
		t->pages += r.size >> PAGE_SHIFT;
		t->ranges++;
		if (t->ranges == 1 || r.start != end)
			t->runs++;
		end = r.start + r.size;
		if (n == KHO_DBG_BATCH) {
			kho_dbg_unlocked(c);
			mutex_unlock(&tree->lock);
			cond_resched();
			n = 0;
			if (fatal_signal_pending(current))
				err = -EINTR;
			mutex_lock(&tree->lock);
		}
	}
	mutex_unlock(&tree->lock);
	kfree(c);
	for (n = 0; n < KHO_DBG_ORDERS; n++)
		t->tree.keys += t->blocks[n];
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(kho_dbg_add_up);

/* Names of the refusal kinds in totals, by &enum kho_in_kind. */
static const char *const kho_dbg_kinds[KHO_IN_KINDS] = {
	[KHO_IN_MISALIGNED] = "misaligned",
	[KHO_IN_NOT_RAM] = "not_ram",
	[KHO_IN_NOMAP] = "nomap",
	[KHO_IN_SCRATCH] = "scratch",
	[KHO_IN_IMAGE] = "image",
	[KHO_IN_RESERVED] = "reserved",
	[KHO_IN_TWICE] = "twice",
	[KHO_IN_BEYOND] = "beyond",
	[KHO_IN_TREE_PAGE] = "tree_page",
	[KHO_IN_NESTED] = "nested",
	[KHO_IN_BUDGET] = "budget",
	[KHO_IN_NOROOM] = "noroom",
};

/* What the incoming side refused, for in/totals. */
static void kho_dbg_refused_print(struct seq_file *m,
				  const struct kho_in_summary *in)
{
	unsigned long entries = 0, blocks = 0, pages = 0;
	unsigned int kind;

	for (kind = 1; kind < KHO_IN_KINDS; kind++) {
		entries += in->entries[kind].count;
		blocks += in->blocks[kind].count;
		pages += in->blocks[kind].pages;
	}
	seq_printf(m, "refused_entries %lu\nrefused_blocks %lu\nrefused_pages %lu\n",
		   entries, blocks, pages);
	for (kind = 1; kind < KHO_IN_KINDS; kind++) {
		if (in->entries[kind].count)
			seq_printf(m, "refused_%s_entries %lu\n", kho_dbg_kinds[kind],
				   in->entries[kind].count);
		if (in->blocks[kind].count)
			seq_printf(m, "refused_%s_blocks %lu\nrefused_%s_pages %lu\n",
				   kho_dbg_kinds[kind], in->blocks[kind].count,
				   kho_dbg_kinds[kind], in->blocks[kind].pages);
	}
}

/*
 * totals: "# key value", then one line per key. Per-order keys appear only
 * for orders that have blocks. runs counts the ranges that remain once
 * adjacent ranges of different orders are merged too: the memory
 * reservations the next kernel makes. in/totals also says what the
 * incoming side refused.
 */
static int totals_show(struct seq_file *m, void *unused)
{
	struct kho_radix_tree *tree = kho_dbg_tree(file_inode(m->file));
	u64 nr_blocks = 0, bytes, tree_bytes;
	struct kho_dbg_totals *t;
	unsigned int order;
	int err;

	if (!tree)
		return -ENODATA;
	t = kzalloc_obj(*t);
	if (!t)
		return -ENOMEM;
	err = kho_dbg_add_up(tree, t);
	if (err)
		goto out;

	for (order = 0; order < KHO_DBG_ORDERS; order++)
		nr_blocks += t->blocks[order];
	bytes = t->pages << PAGE_SHIFT;
	tree_bytes = (u64)(t->tree.tables + t->tree.leaves) * PAGE_SIZE;

	seq_puts(m, "# key value\n");
	seq_printf(m, "page_size %lu\n", PAGE_SIZE);
	seq_printf(m, "blocks %llu\npages %llu\nbytes %llu\n", nr_blocks,
		   t->pages, bytes);
	seq_printf(m, "ranges %lu\nruns %lu\n", t->ranges, t->runs);
	for (order = 0; order < KHO_DBG_ORDERS; order++) {
		if (!t->blocks[order])
			continue;
		seq_printf(m, "order_%u_blocks %llu\n", order, t->blocks[order]);
		seq_printf(m, "order_%u_pages %llu\n", order,
			   t->blocks[order] << order);
		seq_printf(m, "order_%u_bytes %llu\n", order,
			   t->blocks[order] << (PAGE_SHIFT + order));
	}
	seq_printf(m, "tree_tables %lu\ntree_leaves %lu\ntree_keys %lu\n",
		   t->tree.tables, t->tree.leaves, t->tree.keys);
	seq_printf(m, "tree_bytes %llu\n", tree_bytes);
	seq_printf(m, "metadata_bytes_per_gib %llu\n",
		   bytes ? mul_u64_u64_div_u64(tree_bytes, SZ_1G, bytes) : 0);
	if (!file_inode(m->file)->i_private)
		kho_dbg_refused_print(m, kho_in_summary());
out:
	kfree(t);
	return err;
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
	err = PTR_ERR_OR_ZERO(kho_debugfs_add_file(dbg, dbg->dir, "fdt", fdt, PAGE_SIZE));
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
	struct kho_debugfs_blob *file;
	const void *blob;
	const char *name;
	phys_addr_t phys;
	size_t size;
	int node, err;

	err = kho_debugfs_dirs(dbg, "in");
	if (err)
		goto report;

	file = kho_debugfs_add_file(dbg, dbg->dir, "fdt", fdt, fdt_totalsize(fdt));
	err = PTR_ERR_OR_ZERO(file);
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
		file = kho_debugfs_add_file(dbg, dbg->blobs_dir, name, blob, size);
		err = PTR_ERR_OR_ZERO(file);
		if (err)
			goto report;
		/*
		 * Its owner may have taken it back already (LUO restores from
		 * an early_initcall). Checked after the file is listed, so that
		 * a restore running meanwhile either sees the file or is seen.
		 */
		if (!kho_in_unrestored(phys))
			kho_debugfs_blob_forget_range(dbg, phys, 1);
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
