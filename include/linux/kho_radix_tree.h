/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of unsigned long keys kept in the page-based radix tree whose layout
 * is part of the KHO handover ABI (see <linux/kho/abi/kexec_handover.h>).
 * The tree itself knows nothing about memory blocks; it stores keys.
 */

#ifndef _LINUX_KHO_RADIX_TREE_H
#define _LINUX_KHO_RADIX_TREE_H

#include <linux/errno.h>
#include <linux/mutex_types.h>
#include <linux/types.h>

struct kho_radix_node;
struct kho_radix_leaf;

/**
 * struct kho_radix_tree - A set of keys stored in a KHO radix tree.
 * @root:     the top-level table; never NULL between init (or adopt) and
 *            destroy.
 * @lock:     serialises every change to the tree and every locked walk.
 * @hot_leaf: the leaf of the key last added or removed, or NULL. Read and
 *            written only under @lock.
 * @hot_base: the key bits above the leaf bits of every key in @hot_leaf.
 */
struct kho_radix_tree {
	struct kho_radix_node *root;
	struct mutex lock;	/* held across every change and locked walk */
	struct kho_radix_leaf *hot_leaf;
	unsigned long hot_base;
};

/**
 * struct kho_radix_walk_cb - What a walk calls while visiting a tree.
 * @node: called with the physical address of every table and leaf page and
 *        its level (0 for a leaf, %KHO_RADIX_TOP_LEVEL for the root) before
 *        the walk reads that page. A kernel walking a tree it did not build
 *        checks the address here. May be NULL.
 * @leaf: called with every key in the set, in ascending order. May be NULL.
 *
 * A non-zero return from either callback ends the walk at once, and the walk
 * returns that value.
 */
struct kho_radix_walk_cb {
	int (*node)(phys_addr_t phys, unsigned int level, void *data);
	int (*leaf)(unsigned long key, void *data);
};

/**
 * struct kho_radix_stats - The size of a tree, in pages and keys.
 * @tables: number of table pages, the root included.
 * @leaves: number of leaf pages.
 * @keys:   number of keys in the set.
 */
struct kho_radix_stats {
	unsigned long tables;
	unsigned long leaves;
	unsigned long keys;
};

/**
 * struct kho_radix_iter - A cursor over the keys of one key range, in runs.
 * @root:      root table of the tree.
 * @lo:        lowest key of the range.
 * @hi:        highest key of the range.
 * @pos:       the next key to look at: the lowest key not returned yet when
 *             going up, the highest when going down.
 * @done:      set once the range is exhausted.
 * @leaf:      the leaf of the run returned last, or NULL; a caller that owns
 *             the tree may clear that run's bits in it.
 * @leaf_base: the key bits above the leaf bits of every key in @leaf.
 *
 * A run is a set of consecutive keys that all lie in one leaf. The cursor
 * keeps no page other than @leaf, so a caller that drops the tree's lock
 * between two steps sets @leaf to NULL before the next one.
 */
struct kho_radix_iter {
	const struct kho_radix_node *root;
	unsigned long lo;
	unsigned long hi;
	unsigned long pos;
	bool done;
	struct kho_radix_leaf *leaf;
	unsigned long leaf_base;
};

#ifdef CONFIG_KEXEC_HANDOVER

int kho_radix_tree_init(struct kho_radix_tree *tree);
void kho_radix_tree_adopt(struct kho_radix_tree *tree,
			  struct kho_radix_node *root);
void kho_radix_tree_destroy(struct kho_radix_tree *tree);
void kho_radix_tree_release(struct kho_radix_tree *tree,
			    void (*release)(void *page));
int kho_radix_add_key(struct kho_radix_tree *tree, unsigned long key);
bool kho_radix_has_key(struct kho_radix_tree *tree, unsigned long key);
void kho_radix_del_key(struct kho_radix_tree *tree, unsigned long key);
int kho_radix_walk_tree(struct kho_radix_tree *tree,
			const struct kho_radix_walk_cb *cb, void *data);
int __kho_radix_walk_tree(struct kho_radix_tree *tree,
			  const struct kho_radix_walk_cb *cb, void *data);
int kho_radix_tree_stats(struct kho_radix_tree *tree,
			 struct kho_radix_stats *stats);
int kho_radix_tree_clone(struct kho_radix_tree *dst,
			 const struct kho_radix_node *root);
struct kho_radix_leaf *__kho_radix_find_leaf(const struct kho_radix_node *root,
					     unsigned long key);
void kho_radix_iter_init(struct kho_radix_iter *it,
			 const struct kho_radix_node *root,
			 unsigned long lo, unsigned long hi, bool down);
bool kho_radix_iter_next(struct kho_radix_iter *it, unsigned long *first,
			 unsigned long *nr);
bool kho_radix_iter_prev(struct kho_radix_iter *it, unsigned long *first,
			 unsigned long *nr);

#else /* CONFIG_KEXEC_HANDOVER */

/* Without KHO no tree can be built: everything reports -EOPNOTSUPP. */

static inline int kho_radix_tree_init(struct kho_radix_tree *tree)
{
	return -EOPNOTSUPP;
}

static inline void kho_radix_tree_adopt(struct kho_radix_tree *tree,
					struct kho_radix_node *root) { }

static inline void kho_radix_del_key(struct kho_radix_tree *tree,
				     unsigned long key) { }

static inline void kho_radix_tree_destroy(struct kho_radix_tree *tree) { }

static inline void kho_radix_tree_release(struct kho_radix_tree *tree,
					  void (*release)(void *page)) { }

static inline int kho_radix_add_key(struct kho_radix_tree *tree,
				    unsigned long key)
{
	return -EOPNOTSUPP;
}

static inline bool kho_radix_has_key(struct kho_radix_tree *tree,
				     unsigned long key)
{
	return false;
}

static inline int kho_radix_walk_tree(struct kho_radix_tree *tree,
				      const struct kho_radix_walk_cb *cb,
				      void *data)
{
	return -EOPNOTSUPP;
}

static inline int __kho_radix_walk_tree(struct kho_radix_tree *tree,
					const struct kho_radix_walk_cb *cb,
					void *data)
{
	return -EOPNOTSUPP;
}

static inline int kho_radix_tree_stats(struct kho_radix_tree *tree,
				       struct kho_radix_stats *stats)
{
	return -EOPNOTSUPP;
}

static inline int kho_radix_tree_clone(struct kho_radix_tree *dst,
				       const struct kho_radix_node *root)
{
	return -EOPNOTSUPP;
}

static inline struct kho_radix_leaf *
__kho_radix_find_leaf(const struct kho_radix_node *root, unsigned long key)
{
	return NULL;
}

static inline void kho_radix_iter_init(struct kho_radix_iter *it,
				       const struct kho_radix_node *root,
				       unsigned long lo, unsigned long hi,
				       bool down)
{
	it->done = true;
	it->leaf = NULL;
}

static inline bool kho_radix_iter_next(struct kho_radix_iter *it,
				       unsigned long *first, unsigned long *nr)
{
	return false;
}

static inline bool kho_radix_iter_prev(struct kho_radix_iter *it,
				       unsigned long *first, unsigned long *nr)
{
	return false;
}

#endif /* CONFIG_KEXEC_HANDOVER */

#endif /* _LINUX_KHO_RADIX_TREE_H */
