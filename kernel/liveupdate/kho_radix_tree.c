// SPDX-License-Identifier: GPL-2.0
/*
 * kho_radix_tree.c - the set of keys that KHO hands to the next kernel
 *
 * Vocabulary:
 *
 * key      A non-zero unsigned long below BIT(KHO_RADIX_KEY_WIDTH); the set
 *          holds keys and nothing else. KHO builds its keys from a block's
 *          address and order (the *order bit*, see the ABI header), but this
 *          file never looks inside a key beyond the bits that route it.
 * page     Every part of the tree is one whole page from the page allocator,
 *          because the pages themselves are what the next kernel reads.
 * level    Height above the bottom of the tree: 0 for leaves, 1 for the
 *          tables that point at leaves, KHO_RADIX_TOP_LEVEL for the root.
 * leaf     A level-0 page: a bitmap with one bit per key.
 * table    A page at level 1 or above: an array of entries.
 * entry    A u64 in a table: the physical address of a page one level down,
 *          or 0 when no key below it is in the set. Physical, so that the
 *          successor can follow it without our virtual mappings.
 * root     The table at KHO_RADIX_TOP_LEVEL. It exists for the whole life of
 *          the tree, even when the set is empty, because its address is what
 *          the handover publishes.
 * index    The bits of a key that select an entry (or, in a leaf, a bit) at
 *          a given level.
 * path     The pages a key's indices lead through, one per level.
 * spare    A zeroed page allocated, with the lock dropped, for an insertion
 *          that may need new pages.
 * graft    Linking spares into the tree: they are chained to each other
 *          first and then published by a single store into the tree.
 * reclaim  Freeing the leaf and tables that a deletion leaves empty, so the
 *          tree never grows across add/delete cycles.
 * hot leaf The leaf of the key last added or removed. Callers mostly work
 *          through memory in address order (the pages of a range, of a
 *          memfd, of a list of folios), so the next key usually belongs to
 *          the same leaf and needs no descent at all.
 *
 * The tree is a plain set: nothing here needs FDT, memblock or kexec, so the
 * same file also runs in the userspace harness in tools/testing/kho_radix/.
 */

#include <linux/array_size.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/types.h>

#ifdef CONFIG_FAIL_KHO
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/kconfig.h>
#endif

/* Keys are routed with unsigned long shifts; the top table's span must fit. */
static_assert(KHO_RADIX_KEY_WIDTH < BITS_PER_LONG);
/* Leaf words and table entries are both scanned as u64. */
static_assert(BITS_PER_LONG == 64);
static_assert(KHO_RADIX_LEVEL_SHIFT(KHO_RADIX_TOP_LEVEL) + KHO_RADIX_TABLE_SHIFT <=
	      BITS_PER_LONG);

static bool kho_radix_key_valid(unsigned long key)
{
	return key && !(key >> KHO_RADIX_KEY_WIDTH);
}

static unsigned int kho_radix_index(unsigned long key, unsigned int level)
{
	if (!level)
		return key & (KHO_RADIX_LEAF_BITS - 1);

	return (key >> kho_radix_level_shift(level)) & (KHO_RADIX_TABLE_ENTRIES - 1);
}

#ifdef CONFIG_FAIL_KHO
/*
 * Tree page allocations as a fault-injection capability: configured with
 * fail_kho_radix= on the command line or in debugfs, and failed for one task
 * through its fail-nth (Documentation/fault-injection/).
 */
static DECLARE_FAULT_ATTR(fail_kho_radix);

static int __init fail_kho_radix_setup(char *str)
{
	return setup_fault_attr(&fail_kho_radix, str);
}
__setup("fail_kho_radix=", fail_kho_radix_setup);

static int __init fail_kho_radix_debugfs(void)
{
	/*
	 * Report each failure in one line, without the stack trace: the KUnit
	 * suites fail tree pages dozens of times, and a trace each would read
	 * like a kernel report. Writing 2 to "verbose" brings the traces back.
	 */
	fail_kho_radix.verbose = 1;
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		return 0;
	return PTR_ERR_OR_ZERO(fault_create_debugfs_attr("fail_kho_radix", NULL,
							 &fail_kho_radix));
}
late_initcall(fail_kho_radix_debugfs);
#endif /* CONFIG_FAIL_KHO */

/*
 * Whole pages from the page allocator, never slab: a slab object may be a
 * KFENCE object, and the KFENCE pool can sit in scratch memory, which the
 * successor reuses freely before it has read the tree.
 *
 * Low memory first, without reclaim, then anywhere: a successor booted with
 * less memory (mem=) refuses what lies beyond its RAM, and a tree page up
 * there costs every block below it, the root all of them. The tree is small
 * next to what it describes (a page per 2^15 keys of one order and span).
 */
static void *kho_radix_alloc_page(void)
{
	unsigned long page;

#ifdef CONFIG_FAIL_KHO
	if (should_fail(&fail_kho_radix, PAGE_SIZE))
		return NULL;
#endif
	page = get_zeroed_page(GFP_KERNEL | __GFP_DMA32 | __GFP_NORETRY | __GFP_NOWARN);
	if (!page)
		page = get_zeroed_page(GFP_KERNEL);
	return (void *)page;
}

static void kho_radix_free_page(void *page)
{
	free_page((unsigned long)page);
}

/*
 * Whether a leaf or table is all zero now that its word @hint was cleared.
 * Starting at @hint usually settles it at once: the cleared bit's neighbours
 * are likely still set. And the words above are checked before those below
 * because ranges are unpreserved upwards, so that unpreserving a large range
 * page by page costs one short scan per emptied word, not a page per key.
 */
static bool kho_radix_page_empty(const void *page, unsigned int hint)
{
	const u64 *words = page;

	return !memchr_inv(words + hint, 0, PAGE_SIZE - hint * sizeof(u64)) &&
	       !memchr_inv(words, 0, hint * sizeof(u64));
}

static void kho_radix_set_hot(struct kho_radix_tree *tree, unsigned long key,
			      struct kho_radix_leaf *leaf)
{
	tree->hot_leaf = leaf;
	tree->hot_base = key >> KHO_RADIX_LEAF_SHIFT;
}

/*
 * The leaf that holds @key's bit, now hot, or NULL if @key's path is not
 * complete. Nothing is recorded on the way down: the callers' common case
 * then keeps no arrays on the stack, which hardened configs would zero on
 * every call. Always inlined, since it is most of that common case.
 * Caller holds @tree->lock.
 */
static __always_inline struct kho_radix_leaf *
kho_radix_find_leaf(struct kho_radix_tree *tree, unsigned long key)
{
	struct kho_radix_node *table = tree->root;
	unsigned int level;
	u64 entry;

	if (tree->hot_leaf && tree->hot_base == key >> KHO_RADIX_LEAF_SHIFT)
		return tree->hot_leaf;

	for (level = KHO_RADIX_TOP_LEVEL; level; level--) {
		entry = table->table[kho_radix_index(key, level)];
		if (!entry)
			return NULL;
		table = phys_to_virt(entry);
	}

	/* After the level 1 table, the page reached is the leaf. */
	kho_radix_set_hot(tree, key, (struct kho_radix_leaf *)table);
	return tree->hot_leaf;
}

/*
 * Follow @key down from @root, filling @path[level] with each page found.
 * Returns 0 if the whole path exists (@path[0] is then the leaf); otherwise
 * the level of the deepest table reached, whose entry for @key is empty.
 * That level is also the number of pages the key would need.
 */
static unsigned int kho_radix_descend(struct kho_radix_node *root,
				      unsigned long key, void **path)
{
	unsigned int level = KHO_RADIX_TOP_LEVEL;
	struct kho_radix_node *table = root;
	u64 entry;

	path[level] = root;
	while (level) {
		entry = table->table[kho_radix_index(key, level)];
		if (!entry)
			return level;

		path[--level] = phys_to_virt(entry);
		table = path[level];
	}

	return 0;
}

/*
 * Complete @key's path from the table at @level down with the zeroed pages
 * @spares[0] (the leaf) to @spares[level - 1]. The new pages are chained to
 * each other before the last store makes them reachable, so the tree never
 * holds a half-built path, even for a moment.
 */
static void kho_radix_graft(void **path, unsigned int level, unsigned long key,
			    void **spares)
{
	struct kho_radix_node *table;
	unsigned int l;

	path[0] = spares[0];
	for (l = 1; l < level; l++) {
		table = spares[l];
		table->table[kho_radix_index(key, l)] = virt_to_phys(path[l - 1]);
		path[l] = table;
	}

	table = path[level];
	table->table[kho_radix_index(key, level)] = virt_to_phys(path[level - 1]);
}

/**
 * kho_radix_tree_init - Create an empty tree.
 * @tree: the tree to set up; its previous contents are ignored.
 *
 * Allocates the root table, so that the tree has an address to publish even
 * while the set is empty. If that fails, @tree is left without a root: every
 * call on it then fails or does nothing, and destroying it is allowed.
 *
 * Context: Process context; may sleep (GFP_KERNEL allocation).
 * Return: 0 on success, -ENOMEM if the root table cannot be allocated.
 */
int kho_radix_tree_init(struct kho_radix_tree *tree)
{
	/* A tree whose root cannot be allocated is still a valid, rootless one. */
	mutex_init(&tree->lock);
	tree->hot_leaf = NULL;
	tree->root = kho_radix_alloc_page();
	return tree->root ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_GPL(kho_radix_tree_init);

/**
 * kho_radix_tree_adopt - Take over a tree built by someone else.
 * @tree: the tree to set up; its previous contents are ignored.
 * @root: the root table of the existing tree, usually the one the previous
 *        kernel handed over.
 *
 * Nothing under @root is read or checked here. A tree that did not come from
 * this kernel must be walked with a &kho_radix_walk_cb.node callback that
 * vets every page before any other function is used on it.
 *
 * Context: Any context, including early boot; does not allocate.
 */
void kho_radix_tree_adopt(struct kho_radix_tree *tree,
			  struct kho_radix_node *root)
{
	mutex_init(&tree->lock);
	tree->root = root;
	tree->hot_leaf = NULL;
}
EXPORT_SYMBOL_GPL(kho_radix_tree_adopt);

/*
 * kho_radix_add_key() for a key whose path is incomplete: allocate what it
 * lacks, then graft it. Kept apart so that the arrays it needs stay off the
 * stack of the common case.
 */
static noinline int kho_radix_add_path(struct kho_radix_tree *tree,
				       unsigned long key)
{
	void *spares[KHO_RADIX_TABLE_LEVELS];
	void *path[KHO_RADIX_DEPTH];
	unsigned int nr_spares = 0;
	struct kho_radix_leaf *leaf;
	unsigned int missing;
	int err = 0;

	mutex_lock(&tree->lock);
	/*
	 * A concurrent deletion may reclaim pages while the lock is dropped to
	 * allocate, so count again after every allocation round. Each round
	 * ends with more spares than the last, and no key needs more than the
	 * spare array holds, so the loop ends.
	 */
	for (;;) {
		missing = kho_radix_descend(tree->root, key, path);
		if (missing <= nr_spares)
			break;

		mutex_unlock(&tree->lock);
		while (nr_spares < missing) {
			spares[nr_spares] = kho_radix_alloc_page();
			if (!spares[nr_spares]) {
				err = -ENOMEM;
				goto free_spares;
			}
			nr_spares++;
		}
		mutex_lock(&tree->lock);
	}

	if (missing) {
		nr_spares -= missing;
		kho_radix_graft(path, missing, key, spares + nr_spares);
	}
	leaf = path[0];
	__set_bit(kho_radix_index(key, 0), leaf->bitmap);
	kho_radix_set_hot(tree, key, leaf);
	mutex_unlock(&tree->lock);

free_spares:
	while (nr_spares)
		kho_radix_free_page(spares[--nr_spares]);
	return err;
}

/**
 * kho_radix_add_key - Add a key to the set.
 * @tree: the tree.
 * @key:  the key; adding a key that is already present is not an error.
 *
 * Pages the key needs are allocated while @tree->lock is not held, and are
 * linked only once all of them exist: if this fails, the tree is unchanged.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 * Return: 0 on success; -EINVAL if @key is 0 or wider than
 * %KHO_RADIX_KEY_WIDTH, or @tree has no root; -ENOMEM if a page for the path
 * cannot be allocated.
 */
int kho_radix_add_key(struct kho_radix_tree *tree, unsigned long key)
{
	struct kho_radix_leaf *leaf;

	if (!kho_radix_key_valid(key) || !tree->root)
		return -EINVAL;

	mutex_lock(&tree->lock);
	leaf = kho_radix_find_leaf(tree, key);
	if (leaf)
		__set_bit(kho_radix_index(key, 0), leaf->bitmap);
	mutex_unlock(&tree->lock);

	return leaf ? 0 : kho_radix_add_path(tree, key);
}
EXPORT_SYMBOL_GPL(kho_radix_add_key);

/*
 * kho_radix_del_key() found @key's leaf word empty: free the leaf and the
 * tables above it that hold nothing else. Caller holds @tree->lock.
 */
static noinline void kho_radix_reclaim(struct kho_radix_tree *tree,
				       unsigned long key)
{
	void *path[KHO_RADIX_DEPTH];
	struct kho_radix_node *table;
	unsigned int level, hint;

	/* The caller found the leaf, so the whole path exists. */
	kho_radix_descend(tree->root, key, path);
	hint = BIT_WORD(kho_radix_index(key, 0));
	for (level = 0; level < KHO_RADIX_TOP_LEVEL; level++) {
		if (!kho_radix_page_empty(path[level], hint))
			break;

		table = path[level + 1];
		hint = kho_radix_index(key, level + 1);
		table->table[hint] = 0;
		if (!level)
			tree->hot_leaf = NULL;
		kho_radix_free_page(path[level]);
	}
}

/**
 * kho_radix_del_key - Remove a key from the set.
 * @tree: the tree.
 * @key:  the key; removing an absent or invalid key does nothing.
 *
 * The leaf and any tables that the removal leaves empty are unlinked and
 * freed (the root excepted), so that a tree returns to its previous size when
 * keys are added and removed again.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 */
void kho_radix_del_key(struct kho_radix_tree *tree, unsigned long key)
{
	struct kho_radix_leaf *leaf;
	unsigned int bit;

	if (!kho_radix_key_valid(key) || !tree->root)
		return;

	mutex_lock(&tree->lock);
	leaf = kho_radix_find_leaf(tree, key);
	if (leaf) {
		bit = kho_radix_index(key, 0);
		__clear_bit(bit, leaf->bitmap);
		/* Mostly the cleared bit still has neighbours: keep the leaf. */
		if (!leaf->bitmap[BIT_WORD(bit)])
			kho_radix_reclaim(tree, key);
	}
	mutex_unlock(&tree->lock);
}
EXPORT_SYMBOL_GPL(kho_radix_del_key);

/**
 * kho_radix_has_key - Test whether a key is in the set.
 * @tree: the tree.
 * @key:  the key.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 * Return: true if @key is in the set; false if it is not, is not a valid key,
 * or @tree has no root.
 */
bool kho_radix_has_key(struct kho_radix_tree *tree, unsigned long key)
{
	struct kho_radix_leaf *leaf;
	bool found = false;

	if (!kho_radix_key_valid(key) || !tree->root)
		return false;

	mutex_lock(&tree->lock);
	leaf = kho_radix_find_leaf(tree, key);
	if (leaf)
		found = test_bit(kho_radix_index(key, 0), leaf->bitmap);
	mutex_unlock(&tree->lock);

	return found;
}
EXPORT_SYMBOL_GPL(kho_radix_has_key);

static int kho_radix_walk_leaf(const struct kho_radix_leaf *leaf,
			       unsigned long base,
			       const struct kho_radix_walk_cb *cb, void *data)
{
	unsigned long word, key;
	unsigned int w;
	int err;

	/*
	 * A word at a time, taking its set bits lowest first: the successor
	 * walks millions of keys in early boot, and dense leaves are the norm.
	 */
	for (w = 0; w < ARRAY_SIZE(leaf->bitmap); w++) {
		key = base | ((unsigned long)w * BITS_PER_LONG);
		for (word = leaf->bitmap[w]; word; word &= word - 1) {
			err = cb->leaf(key | __ffs(word), data);
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * An explicit stack instead of recursion: the depth is fixed and small, and
 * keeping the state in one place lets walk and destroy share the scan.
 * @key[level] is the lowest key that can lie below @table[level].
 */
struct kho_radix_cursor {
	unsigned int level;
	struct kho_radix_node *table[KHO_RADIX_DEPTH];
	unsigned long key[KHO_RADIX_DEPTH];
	unsigned int next[KHO_RADIX_DEPTH];
};

static void kho_radix_cursor_enter(struct kho_radix_cursor *cur,
				   unsigned int level,
				   struct kho_radix_node *table,
				   unsigned long key)
{
	cur->level = level;
	cur->table[level] = table;
	cur->key[level] = key;
	cur->next[level] = 0;
}

/*
 * Move to the next non-empty entry of the current table, in ascending index
 * (hence key) order. Returns the entry and the lowest key below it through
 * @key, or 0 once the table is exhausted.
 */
static u64 kho_radix_cursor_next(struct kho_radix_cursor *cur,
				 unsigned long *key)
{
	unsigned int level = cur->level;
	const u64 *entries = cur->table[level]->table;
	unsigned int idx = cur->next[level];

	while (idx < KHO_RADIX_TABLE_ENTRIES && !entries[idx])
		idx++;
	if (idx == KHO_RADIX_TABLE_ENTRIES) {
		cur->next[level] = idx;
		return 0;
	}

	cur->next[level] = idx + 1;
	*key = cur->key[level] | ((unsigned long)idx << kho_radix_level_shift(level));
	return entries[idx];
}

/**
 * __kho_radix_walk_tree - Visit every page and every key of a tree.
 * @tree: the tree.
 * @cb:   the callbacks; either may be NULL.
 * @data: passed to every callback.
 *
 * Pages are visited depth first, each one reported to @cb->node before it is
 * read, and keys are reported to @cb->leaf in ascending order. Because the
 * depth is fixed, even a corrupted tree cannot make the walk loop forever;
 * but a page reachable from several entries is visited each time, which is
 * why a kernel walking a tree it did not build must reject pages seen twice.
 * A leaf is not read at all when @cb->leaf is NULL.
 *
 * Context: The caller holds @tree->lock or otherwise owns the tree, as in
 * early boot. Does not sleep or allocate by itself.
 * Return: 0 after a complete walk; the first non-zero callback return, which
 * ends the walk; -EINVAL if @tree has no root.
 */
int __kho_radix_walk_tree(struct kho_radix_tree *tree,
			  const struct kho_radix_walk_cb *cb, void *data)
{
	struct kho_radix_cursor cur;
	unsigned int child;
	unsigned long key;
	u64 entry;
	int err;

	if (!tree->root)
		return -EINVAL;

	if (cb->node) {
		err = cb->node(virt_to_phys(tree->root), KHO_RADIX_TOP_LEVEL, data);
		if (err)
			return err;
	}

	kho_radix_cursor_enter(&cur, KHO_RADIX_TOP_LEVEL, tree->root, 0);
	for (;;) {
		entry = kho_radix_cursor_next(&cur, &key);
		if (!entry) {
			if (cur.level == KHO_RADIX_TOP_LEVEL)
				return 0;
			cur.level++;
			continue;
		}

		child = cur.level - 1;
		if (cb->node) {
			err = cb->node(entry, child, data);
			if (err)
				return err;
		}

		if (child) {
			kho_radix_cursor_enter(&cur, child, phys_to_virt(entry), key);
		} else if (cb->leaf) {
			err = kho_radix_walk_leaf(phys_to_virt(entry), key, cb, data);
			if (err)
				return err;
		}
	}
}
EXPORT_SYMBOL_GPL(__kho_radix_walk_tree);

/**
 * kho_radix_walk_tree - Visit every page and every key of a tree, locked.
 * @tree: the tree.
 * @cb:   the callbacks; either may be NULL.
 * @data: passed to every callback.
 *
 * As __kho_radix_walk_tree(), with @tree->lock held throughout. The callbacks
 * therefore must not call the locking kho_radix_* functions on @tree.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 * Return: 0 after a complete walk; the first non-zero callback return, which
 * ends the walk; -EINVAL if @tree has no root.
 */
int kho_radix_walk_tree(struct kho_radix_tree *tree,
			const struct kho_radix_walk_cb *cb, void *data)
{
	int ret;

	mutex_lock(&tree->lock);
	ret = __kho_radix_walk_tree(tree, cb, data);
	mutex_unlock(&tree->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(kho_radix_walk_tree);

static int kho_radix_count_page(phys_addr_t phys, unsigned int level,
				void *data)
{
	struct kho_radix_stats *stats = data;
	const struct kho_radix_leaf *leaf;

	if (level) {
		stats->tables++;
		return 0;
	}

	/* Counting bits a word at a time beats a callback per key. */
	leaf = phys_to_virt(phys);
	stats->leaves++;
	stats->keys += bitmap_weight(leaf->bitmap, KHO_RADIX_LEAF_BITS);
	return 0;
}

/**
 * kho_radix_tree_stats - Measure a tree.
 * @tree:  the tree.
 * @stats: filled with the number of table pages, leaf pages and keys.
 *
 * Context: Process context; may sleep. Takes @tree->lock.
 * Return: 0 on success, -EINVAL if @tree has no root.
 */
int kho_radix_tree_stats(struct kho_radix_tree *tree,
			 struct kho_radix_stats *stats)
{
	const struct kho_radix_walk_cb cb = { .node = kho_radix_count_page };

	memset(stats, 0, sizeof(*stats));
	return kho_radix_walk_tree(tree, &cb, stats);
}
EXPORT_SYMBOL_GPL(kho_radix_tree_stats);

/**
 * kho_radix_tree_release - Hand every page of a tree, the root included, to a function.
 * @tree:    the tree; its root is NULL afterwards, and releasing it again
 *           does nothing.
 * @release: called once for each page, after the pages below it; it may
 *           free the page.
 *
 * For trees whose pages did not come from kho_radix_tree_init() and
 * kho_radix_add_key(), such as a tree a successor adopted from its
 * predecessor, whose pages are reserved memory.
 *
 * Context: Any context @release may run in. The caller must own the tree:
 * no other user may run concurrently, so @tree->lock is not taken.
 */
void kho_radix_tree_release(struct kho_radix_tree *tree,
			    void (*release)(void *page))
{
	struct kho_radix_cursor cur;
	unsigned long key;
	u64 entry;

	if (!tree->root)
		return;

	/* Children first: a table is released only after everything below it. */
	kho_radix_cursor_enter(&cur, KHO_RADIX_TOP_LEVEL, tree->root, 0);
	for (;;) {
		entry = kho_radix_cursor_next(&cur, &key);
		if (!entry) {
			release(cur.table[cur.level]);
			if (cur.level == KHO_RADIX_TOP_LEVEL)
				break;
			cur.level++;
			continue;
		}

		if (cur.level == 1)
			release(phys_to_virt(entry));
		else
			kho_radix_cursor_enter(&cur, cur.level - 1,
					       phys_to_virt(entry), key);
	}

	tree->root = NULL;
	tree->hot_leaf = NULL;
}
EXPORT_SYMBOL_GPL(kho_radix_tree_release);

/**
 * kho_radix_tree_destroy - Free every page of a tree, the root included.
 * @tree: the tree; its root is NULL afterwards, and destroying it again does
 *        nothing.
 *
 * The pages go back to the page allocator, so an adopted tree may only be
 * destroyed once its pages belong to this kernel's allocator.
 *
 * Context: Any context that may free pages. The caller must own the tree:
 * no other user may run concurrently, so @tree->lock is not taken.
 */
void kho_radix_tree_destroy(struct kho_radix_tree *tree)
{
	kho_radix_tree_release(tree, kho_radix_free_page);
}
EXPORT_SYMBOL_GPL(kho_radix_tree_destroy);

/*
 * Whole-word scans of a leaf, in both directions. The successor walks
 * millions of keys through these in early boot, so they work a word at a
 * time and never call out.
 */
#define KHO_RADIX_LEAF_WORDS	(KHO_RADIX_LEAF_BITS / BITS_PER_LONG)

/* The first bit at or above @bit that is @set, or KHO_RADIX_LEAF_BITS. */
static unsigned int kho_radix_scan_up(const struct kho_radix_leaf *leaf,
				      unsigned int bit, bool set)
{
	unsigned long flip = set ? 0 : ~0UL;
	unsigned int w = BIT_WORD(bit);
	unsigned long word;

	word = (leaf->bitmap[w] ^ flip) & (~0UL << (bit % BITS_PER_LONG));
	while (!word) {
		if (++w == KHO_RADIX_LEAF_WORDS)
			return KHO_RADIX_LEAF_BITS;
		word = leaf->bitmap[w] ^ flip;
	}
	return w * BITS_PER_LONG + __ffs(word);
}

/* The last bit at or below @bit that is @set, or -1. */
static int kho_radix_scan_down(const struct kho_radix_leaf *leaf,
			       unsigned int bit, bool set)
{
	unsigned long flip = set ? 0 : ~0UL;
	unsigned int w = BIT_WORD(bit);
	unsigned long word;

	word = (leaf->bitmap[w] ^ flip) &
	       (~0UL >> (BITS_PER_LONG - 1 - bit % BITS_PER_LONG));
	while (!word) {
		if (!w--)
			return -1;
		word = leaf->bitmap[w] ^ flip;
	}
	return w * BITS_PER_LONG + __fls(word);
}

/*
 * The leaf of the lowest key at or above *@key (at or below, if @down) that
 * has a leaf at all, with *@key moved to the first (last) key of any empty
 * part skipped on the way; NULL if there is none within @limit. A table
 * with no entry left in the direction of the walk sends the search back to
 * the root from the next subtree: every table is left at most once that way.
 */
static struct kho_radix_leaf *kho_radix_seek(const struct kho_radix_node *root,
					     unsigned long *key,
					     unsigned long limit, bool down)
{
	const struct kho_radix_node *table;
	unsigned long k = *key, span;
	unsigned int level;
	int idx, from;

restart:
	if (down ? k < limit : k > limit)
		return NULL;
	table = root;
	for (level = KHO_RADIX_TOP_LEVEL; level; level--) {
		from = kho_radix_index(k, level);
		idx = from;
		if (down) {
			while (idx >= 0 && !table->table[idx])
				idx--;
		} else {
			while (idx < KHO_RADIX_TABLE_ENTRIES && !table->table[idx])
				idx++;
		}
		if (idx < 0 || idx == KHO_RADIX_TABLE_ENTRIES) {
			/* The root spans every key: nothing lies beyond it. */
			if (level == KHO_RADIX_TOP_LEVEL)
				return NULL;
			span = kho_radix_level_shift(level + 1);
			if (down) {
				if (!(k >> span))
					return NULL;
				k = ((k >> span) << span) - 1;
			} else {
				k = ((k >> span) + 1) << span;
			}
			goto restart;
		}
		if (idx != from) {
			/* Entering a later subtree: start at its edge. */
			span = kho_radix_level_shift(level);
			k = (k >> (span + KHO_RADIX_TABLE_SHIFT) <<
			     (span + KHO_RADIX_TABLE_SHIFT)) |
			    ((unsigned long)idx << span);
			if (down)
				k |= BIT(span) - 1;
			if (down ? k < limit : k > limit)
				return NULL;
		}
		table = phys_to_virt(table->table[idx]);
	}

	*key = k;
	return (struct kho_radix_leaf *)table;
}

/**
 * kho_radix_iter_init - Set a cursor at one end of a key range.
 * @it:   the cursor.
 * @root: root table of the tree.
 * @lo:   lowest key of the range.
 * @hi:   highest key of the range; the range is empty if @hi < @lo.
 * @down: start at @hi, for kho_radix_iter_prev(); else at @lo, for
 *        kho_radix_iter_next().
 *
 * Context: Any context. The caller holds the tree's lock or owns the tree
 * for as long as it uses the cursor.
 */
void kho_radix_iter_init(struct kho_radix_iter *it,
			 const struct kho_radix_node *root,
			 unsigned long lo, unsigned long hi, bool down)
{
	it->root = root;
	it->lo = lo;
	it->hi = hi;
	it->pos = down ? hi : lo;
	it->done = !root || hi < lo;
	it->leaf = NULL;
	it->leaf_base = 0;
}
EXPORT_SYMBOL_GPL(kho_radix_iter_init);

/* Make @it->leaf the leaf @it->pos is in, skipping empty parts; false at the end. */
static bool kho_radix_iter_seek(struct kho_radix_iter *it, bool down)
{
	if (it->leaf && it->pos >> KHO_RADIX_LEAF_SHIFT == it->leaf_base)
		return true;

	it->leaf = kho_radix_seek(it->root, &it->pos, down ? it->lo : it->hi, down);
	if (!it->leaf) {
		it->done = true;
		return false;
	}
	it->leaf_base = it->pos >> KHO_RADIX_LEAF_SHIFT;
	return true;
}

/**
 * kho_radix_iter_next - The next run of keys, going up.
 * @it:    a cursor set up by kho_radix_iter_init() with @down false.
 * @first: where to store the run's first key.
 * @nr:    where to store the number of keys in the run.
 *
 * Runs come in ascending order; each lies in one leaf (@it->leaf) and is as
 * long as the set bits of that leaf and the range allow.
 *
 * Context: As kho_radix_iter_init().
 * Return: true if a run was found, false once the range is exhausted.
 */
bool kho_radix_iter_next(struct kho_radix_iter *it, unsigned long *first,
			 unsigned long *nr)
{
	unsigned long base, last;
	unsigned int bit, end;

	while (!it->done && kho_radix_iter_seek(it, false)) {
		base = it->leaf_base << KHO_RADIX_LEAF_SHIFT;
		bit = kho_radix_scan_up(it->leaf, kho_radix_index(it->pos, 0), true);
		if (bit == KHO_RADIX_LEAF_BITS) {
			it->pos = base + KHO_RADIX_LEAF_BITS;
			it->leaf = NULL;
			if (!it->pos || it->pos > it->hi)
				it->done = true;
			continue;
		}
		if ((base | bit) > it->hi)
			break;

		end = kho_radix_scan_up(it->leaf, bit, false);
		last = min(base | (end - 1), it->hi);
		*first = base | bit;
		*nr = last - *first + 1;
		it->pos = last + 1;
		if (last == it->hi)
			it->done = true;
		return true;
	}

	it->done = true;
	return false;
}
EXPORT_SYMBOL_GPL(kho_radix_iter_next);

/**
 * kho_radix_iter_prev - The next run of keys, going down.
 * @it:    a cursor set up by kho_radix_iter_init() with @down true.
 * @first: where to store the run's first (lowest) key.
 * @nr:    where to store the number of keys in the run.
 *
 * As kho_radix_iter_next(), in descending order.
 *
 * Context: As kho_radix_iter_init().
 * Return: true if a run was found, false once the range is exhausted.
 */
bool kho_radix_iter_prev(struct kho_radix_iter *it, unsigned long *first,
			 unsigned long *nr)
{
	unsigned long base, low;
	int bit, start;

	while (!it->done && kho_radix_iter_seek(it, true)) {
		base = it->leaf_base << KHO_RADIX_LEAF_SHIFT;
		bit = kho_radix_scan_down(it->leaf, kho_radix_index(it->pos, 0), true);
		if (bit < 0) {
			it->leaf = NULL;
			if (!base || base - 1 < it->lo)
				it->done = true;
			it->pos = base - 1;
			continue;
		}
		if ((base | bit) < it->lo)
			break;

		start = kho_radix_scan_down(it->leaf, bit, false) + 1;
		low = max(base | start, it->lo);
		*first = low;
		*nr = (base | bit) - low + 1;
		if (low == it->lo)
			it->done = true;
		it->pos = low - 1;
		return true;
	}

	it->done = true;
	return false;
}
EXPORT_SYMBOL_GPL(kho_radix_iter_prev);

/**
 * __kho_radix_find_leaf - Find the leaf a key belongs in, without the lock.
 * @root: root table of the tree.
 * @key:  the key; it need not be in the set.
 *
 * Reads the tree only: nothing is cached, so that several CPUs may look up
 * keys at once in a tree that no one changes any more but bit by bit
 * (a successor's vetted incoming tree).
 *
 * Context: Any context. The caller owns the tree, or holds its lock.
 * Return: the leaf whose bit @key is, or NULL if @key's path is incomplete
 * or @key is not a valid key.
 */
struct kho_radix_leaf *__kho_radix_find_leaf(const struct kho_radix_node *root,
					     unsigned long key)
{
	const struct kho_radix_node *table = root;
	unsigned int level;
	u64 entry;

	if (!root || !kho_radix_key_valid(key))
		return NULL;
	for (level = KHO_RADIX_TOP_LEVEL; level; level--) {
		entry = READ_ONCE(table->table[kho_radix_index(key, level)]);
		if (!entry)
			return NULL;
		table = phys_to_virt(entry);
	}
	return (struct kho_radix_leaf *)table;
}
EXPORT_SYMBOL_GPL(__kho_radix_find_leaf);

/**
 * kho_radix_tree_clone - Make a new tree with the keys of another one.
 * @dst:  the tree to set up; its previous contents are ignored.
 * @root: root table of the tree to copy, which nobody changes meanwhile.
 *
 * Copies the other tree page by page, so that the cost is one page
 * allocation and copy per page of it, however many keys it holds.
 *
 * Context: Process context; may sleep (GFP_KERNEL allocations).
 * Return: 0 on success, -ENOMEM if a page cannot be allocated (nothing is
 * left allocated then).
 */
int kho_radix_tree_clone(struct kho_radix_tree *dst,
			 const struct kho_radix_node *root)
{
	const struct kho_radix_node *src[KHO_RADIX_DEPTH];
	struct kho_radix_node *copy[KHO_RADIX_DEPTH];
	unsigned int next[KHO_RADIX_DEPTH];
	unsigned int level = KHO_RADIX_TOP_LEVEL;
	void *page;
	u64 entry;
	int err;

	err = kho_radix_tree_init(dst);
	if (err)
		return err;

	/*
	 * Depth first; each copied table starts as a copy of its source, so
	 * its entries are replaced one by one as their children are copied.
	 * An entry not replaced yet still points into the source tree, which
	 * is why destroying a half-made copy must cut those entries first.
	 */
	memcpy(dst->root, root, PAGE_SIZE);
	src[level] = root;
	copy[level] = dst->root;
	next[level] = 0;
	for (;;) {
		while (next[level] < KHO_RADIX_TABLE_ENTRIES &&
		       !src[level]->table[next[level]])
			next[level]++;
		if (next[level] == KHO_RADIX_TABLE_ENTRIES) {
			if (level == KHO_RADIX_TOP_LEVEL)
				return 0;
			level++;
			next[level]++;
			continue;
		}

		entry = src[level]->table[next[level]];
		page = kho_radix_alloc_page();
		if (!page)
			goto err_cut;
		memcpy(page, phys_to_virt(entry), PAGE_SIZE);
		copy[level]->table[next[level]] = virt_to_phys(page);
		if (level == 1) {
			next[level]++;
			continue;
		}
		level--;
		src[level] = phys_to_virt(entry);
		copy[level] = page;
		next[level] = 0;
	}

err_cut:
	/* Entries at and after the failed one still point into @root. */
	for (; level <= KHO_RADIX_TOP_LEVEL; level++) {
		memset(&copy[level]->table[next[level]], 0,
		       (KHO_RADIX_TABLE_ENTRIES - next[level]) * sizeof(u64));
		/* The child being copied at the level above is done with. */
		if (level < KHO_RADIX_TOP_LEVEL)
			next[level + 1]++;
	}
	kho_radix_tree_destroy(dst);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(kho_radix_tree_clone);
