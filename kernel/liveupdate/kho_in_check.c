// SPDX-License-Identifier: GPL-2.0
/*
 * kho_in_check.c - vet a KHO tree handed over by the previous kernel
 *
 * The successor reads the tree before it knows anything about the kernel
 * that wrote it: that kernel may have been buggy, or its memory may have
 * been damaged before the kexec. Nothing in the tree is used until all of it
 * has been checked here:
 *
 * tree pages  page aligned, RAM, not forbidden (scratch, our own image),
 *             reached once only, not inside a preserved block;
 * keys        a valid order bit (see kho_radix_decode_key(): no order and
 *             no address a key can hold makes a block end wrap around), the
 *             block inside RAM and not forbidden, no two blocks overlapping;
 * work        tree pages and preserved pages together never exceed the
 *             pages of RAM, so that a hostile tree (a page reachable from
 *             many entries, leaves full of keys) costs at most one step per
 *             page of RAM.
 *
 * The result is the preserved memory as runs of adjacent blocks of one
 * order, sorted by address, which is all that reservation needs: the tree is
 * read once, here.
 *
 * Cost, with P tree pages, K keys and R runs (R <= K): one visit per page
 * and per key, O(P + K); the walk meets keys in ascending order, which is
 * by order from the largest down and by address within one order, so the
 * runs come in at most KHO_RADIX_MAX_ORDER + 1 sorted groups and merging
 * them costs O(R log G) for G groups (G is 1 when all blocks have one
 * order). Tree pages are sorted in O(P log P); P is small next to K (a leaf
 * holds PAGE_SIZE * 8 keys). Working memory: the runs and the page list.
 *
 * Like the tree, this file needs no FDT, memblock or kexec; the caller
 * supplies those facts through struct kho_in_env. The userspace harness in
 * tools/testing/kho_radix/ compiles it unmodified and fuzzes it.
 */

#include <linux/array_size.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/types.h>

#include <asm/page.h>

#include "kho_in_check.h"

/* Room for the first runs and pages; arrays double from there. */
#define KHO_IN_FIRST_CAP	64

/**
 * struct kho_in_walk - The state of one vetting walk.
 * @env:    the caller's facts about the machine.
 * @res:    what is being built.
 * @budget: pages of RAM not yet taken by a tree page or a block.
 * @groups: number of groups of one order found so far.
 * @first:  index in @res->ranges of the first run of each group.
 */
struct kho_in_walk {
	const struct kho_in_env *env;
	struct kho_in_result *res;
	unsigned long budget;
	unsigned int groups;
	unsigned long first[KHO_RADIX_MAX_ORDER + 1];
};

static int kho_in_refuse(struct kho_in_result *res, const char *why,
			 const char *detail, u64 where)
{
	res->why = why;
	res->detail = detail;
	res->where = where;
	return -EINVAL;
}

/* Double an array of @elem-byte entries; NULL if there is no memory. */
static void *kho_in_grow(const struct kho_in_env *env, void *old,
			 unsigned long *cap, unsigned long used, size_t elem)
{
	unsigned long ncap = *cap ? *cap * 2 : KHO_IN_FIRST_CAP;
	void *mem;

	if (ncap > SIZE_MAX / elem)
		return NULL;
	mem = env->alloc(ncap * elem, env->data);
	if (!mem)
		return NULL;
	if (used)
		memcpy(mem, old, used * elem);
	if (old)
		env->free(old, *cap * elem, env->data);
	*cap = ncap;
	return mem;
}

static int kho_in_charge(struct kho_in_walk *w, unsigned long pages, u64 where)
{
	if (pages > w->budget)
		return kho_in_refuse(w->res, "more tree and preserved pages than RAM",
				     NULL, where);
	w->budget -= pages;
	return 0;
}

/* Why @phys cannot be a tree page, or NULL if it can. */
static const char *kho_in_page_problem(const struct kho_in_env *env,
				       phys_addr_t phys, const char **detail)
{
	*detail = NULL;
	if (phys & (PAGE_SIZE - 1))
		return "misaligned tree page";
	if (phys > PHYS_ADDR_MAX - PAGE_SIZE || !env->is_ram(phys, PAGE_SIZE, env->data))
		return "tree page outside RAM";
	*detail = env->forbidden(phys, PAGE_SIZE, env->data);
	if (*detail)
		return "tree page overlaps";
	return NULL;
}

static int kho_in_cmp_phys(const void *a, const void *b)
{
	phys_addr_t x = *(const phys_addr_t *)a;
	phys_addr_t y = *(const phys_addr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * While the walk runs, @res->pages is an open-addressing hash set of the
 * tree pages seen so far: pfn + 1 per slot, 0 for an empty slot, at most
 * half full. A page reached a second time is refused before it is read
 * again, which also stops a cycle at its first repetition.
 */
static unsigned long kho_in_slot(u64 tag, unsigned long cap)
{
	return (tag * 0x9e3779b97f4a7c15ULL) >> (64 - ilog2(cap));
}

/* Put @tag in a set known to have room and not to hold it. */
static void kho_in_set_put(phys_addr_t *set, unsigned long cap, u64 tag)
{
	unsigned long i = kho_in_slot(tag, cap);

	while (set[i])
		i = (i + 1) & (cap - 1);
	set[i] = tag;
}

static int kho_in_set_grow(const struct kho_in_env *env,
			   struct kho_in_result *res)
{
	unsigned long cap = res->pages_cap ? res->pages_cap * 2 : KHO_IN_FIRST_CAP;
	phys_addr_t *set;
	unsigned long i;

	set = env->alloc(cap * sizeof(*set), env->data);
	if (!set)
		return -ENOMEM;
	memset(set, 0, cap * sizeof(*set));
	for (i = 0; i < res->pages_cap; i++)
		if (res->pages[i])
			kho_in_set_put(set, cap, res->pages[i]);
	if (res->pages)
		env->free(res->pages, res->pages_cap * sizeof(*set), env->data);
	res->pages = set;
	res->pages_cap = cap;
	return 0;
}

/* Add the page at @phys to the set; false if it was there already. */
static bool kho_in_set_add(struct kho_in_result *res, phys_addr_t phys)
{
	u64 tag = (phys >> PAGE_SHIFT) + 1;
	unsigned long i = kho_in_slot(tag, res->pages_cap);

	for (; res->pages[i]; i = (i + 1) & (res->pages_cap - 1))
		if (res->pages[i] == tag)
			return false;
	res->pages[i] = tag;
	res->nr_pages++;
	return true;
}

static int kho_in_visit_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct kho_in_walk *w = data;
	struct kho_in_result *res = w->res;
	const char *detail;
	const char *why;
	int err;

	why = kho_in_page_problem(w->env, phys, &detail);
	if (why)
		return kho_in_refuse(res, why, detail, phys);

	if (2 * (res->nr_pages + 1) > res->pages_cap &&
	    kho_in_set_grow(w->env, res)) {
		kho_in_refuse(res, "out of memory while vetting the tree", NULL, phys);
		return -ENOMEM;
	}
	if (!kho_in_set_add(res, phys))
		return kho_in_refuse(res, "tree page reached twice", NULL, phys);

	err = kho_in_charge(w, 1, phys);
	if (err)
		return err;
	if (level)
		res->stats.tables++;
	else
		res->stats.leaves++;
	return 0;
}

/* Turn the hash set of tree pages into a sorted array of addresses. */
static void kho_in_list_pages(struct kho_in_result *res)
{
	unsigned long i, n = 0;

	for (i = 0; i < res->pages_cap; i++)
		if (res->pages[i])
			res->pages[n++] = (res->pages[i] - 1) << PAGE_SHIFT;
	sort(res->pages, n, sizeof(*res->pages), kho_in_cmp_phys, NULL);
}

static int kho_in_visit_key(unsigned long key, void *data)
{
	struct kho_in_walk *w = data;
	struct kho_in_result *res = w->res;
	struct kho_in_range *last = NULL;
	const char *detail;
	unsigned int order;
	phys_addr_t phys;
	phys_addr_t size;
	int err;

	if (kho_radix_decode_key(key, &phys, &order))
		return kho_in_refuse(res, "invalid key", NULL, key);

	size = (phys_addr_t)PAGE_SIZE << order;
	if (!w->env->is_ram(phys, size, w->env->data))
		return kho_in_refuse(res, "preserved block outside RAM", NULL, phys);
	detail = w->env->forbidden(phys, size, w->env->data);
	if (detail)
		return kho_in_refuse(res, "preserved block overlaps", detail, phys);
	err = kho_in_charge(w, size >> PAGE_SHIFT, phys);
	if (err)
		return err;
	res->stats.keys++;
	res->preserved += size >> PAGE_SHIFT;

	if (res->nr_ranges)
		last = &res->ranges[res->nr_ranges - 1];
	if (last && last->order == order) {
		/* Keys ascend, so blocks of one order come in address order. */
		if (phys < last->start + last->size)
			return kho_in_refuse(res, "keys out of order", NULL, key);
		if (phys == last->start + last->size) {
			last->size += size;
			return 0;
		}
	} else {
		/* ... and orders only ever go down. */
		if ((last && order > last->order) || w->groups == ARRAY_SIZE(w->first))
			return kho_in_refuse(res, "keys out of order", NULL, key);
		w->first[w->groups++] = res->nr_ranges;
	}

	if (res->nr_ranges == res->ranges_cap) {
		struct kho_in_range *ranges;

		ranges = kho_in_grow(w->env, res->ranges, &res->ranges_cap,
				     res->nr_ranges, sizeof(*ranges));
		if (!ranges)
			goto no_memory;
		res->ranges = ranges;
	}
	res->ranges[res->nr_ranges++] = (struct kho_in_range) {
		.start = phys,
		.size = size,
		.order = order,
	};
	return 0;

no_memory:
	kho_in_refuse(res, "out of memory while vetting the tree", NULL, phys);
	return -ENOMEM;
}

/* Merge the sorted runs src[a..b) and src[b..c) into dst[a..c). */
static void kho_in_merge(struct kho_in_range *dst,
			 const struct kho_in_range *src,
			 unsigned long a, unsigned long b, unsigned long c)
{
	unsigned long i = a, j = b, k = a;

	while (i < b && j < c)
		dst[k++] = src[j].start < src[i].start ? src[j++] : src[i++];
	while (i < b)
		dst[k++] = src[i++];
	while (j < c)
		dst[k++] = src[j++];
}

/*
 * Sort the runs by address: merge neighbouring groups pairwise until one is
 * left, O(R log G). Needs a second array of R runs while it works.
 */
static int kho_in_sort_ranges(struct kho_in_walk *w)
{
	const struct kho_in_env *env = w->env;
	struct kho_in_result *res = w->res;
	unsigned long n = res->nr_ranges;
	struct kho_in_range *src = res->ranges;
	struct kho_in_range *dst, *spare;
	unsigned int groups = w->groups;
	unsigned int g, kept;

	if (groups < 2)
		return 0;

	spare = env->alloc(n * sizeof(*spare), env->data);
	if (!spare) {
		kho_in_refuse(res, "out of memory while vetting the tree", NULL, 0);
		return -ENOMEM;
	}
	dst = spare;

	while (groups > 1) {
		for (g = 0, kept = 0; g < groups; g += 2, kept++) {
			unsigned long a = w->first[g];
			unsigned long b = g + 1 < groups ? w->first[g + 1] : n;
			unsigned long c = g + 2 < groups ? w->first[g + 2] : n;

			kho_in_merge(dst, src, a, b, c);
			w->first[kept] = a;
		}
		groups = kept;
		swap(src, dst);
	}

	/* Keep whichever array ended up sorted, free the other one. */
	if (src == spare) {
		env->free(res->ranges, res->ranges_cap * sizeof(*spare), env->data);
		res->ranges = spare;
		res->ranges_cap = n;
	} else {
		env->free(spare, n * sizeof(*spare), env->data);
	}
	w->groups = 1;
	return 0;
}

/* With runs and pages sorted: no two blocks overlap, no page is in one. */
static int kho_in_check_disjoint(struct kho_in_result *res)
{
	const struct kho_in_range *r = res->ranges;
	unsigned long i, j;

	for (i = 1; i < res->nr_ranges; i++)
		if (r[i].start < r[i - 1].start + r[i - 1].size)
			return kho_in_refuse(res, "overlapping preserved blocks",
					     NULL, r[i].start);

	for (i = 0, j = 0; i < res->nr_pages; i++) {
		phys_addr_t page = res->pages[i];

		while (j < res->nr_ranges && r[j].start + r[j].size <= page)
			j++;
		if (j < res->nr_ranges && r[j].start <= page)
			return kho_in_refuse(res, "tree page inside a preserved block",
					     NULL, page);
	}
	return 0;
}

/**
 * kho_in_check_tree - Vet an incoming tree and list the memory it preserves.
 * @root: physical address of the tree's root table, as the FDT gave it.
 * @env:  facts about this machine and a source of working memory.
 * @res:  where the result goes; fully overwritten.
 *
 * Checks everything listed at the top of this file, reading each tree page
 * at most once and only after its address passed the checks. On success
 * @res->ranges lists every preserved block, as runs of adjacent blocks of
 * one order, sorted and disjoint, and @res->pages every tree page, sorted.
 *
 * Context: Any context in which @env's callbacks may run. Does not lock;
 * nothing else may use the tree meanwhile.
 * Return: 0 if the tree may be used; -EINVAL if it must not, with
 * @res->why, @res->detail and @res->where saying why; -ENOMEM if @env ran
 * out of memory. On error nothing is left allocated.
 */
int kho_in_check_tree(phys_addr_t root, const struct kho_in_env *env,
		      struct kho_in_result *res)
{
	const struct kho_radix_walk_cb cb = {
		.node = kho_in_visit_page,
		.leaf = kho_in_visit_key,
	};
	struct kho_in_walk w = {
		.env = env,
		.res = res,
		.budget = env->ram_pages,
	};
	struct kho_radix_tree tree;
	const char *detail;
	const char *why;
	int err;

	memset(res, 0, sizeof(*res));

	/* The root is vetted before it is even turned into a pointer. */
	why = kho_in_page_problem(env, root, &detail);
	if (why)
		return kho_in_refuse(res, why, detail, root);

	kho_radix_tree_adopt(&tree, phys_to_virt(root));
	err = __kho_radix_walk_tree(&tree, &cb, &w);
	kho_radix_tree_adopt(&tree, NULL);
	if (!err) {
		kho_in_list_pages(res);
		err = kho_in_sort_ranges(&w);
	}
	if (!err)
		err = kho_in_check_disjoint(res);
	if (err)
		kho_in_free_result(env, res);
	return err;
}

/**
 * kho_in_free_pages - Drop the list of tree pages from a result.
 * @env: as passed to kho_in_check_tree().
 * @res: a result of kho_in_check_tree().
 *
 * Context: As kho_in_check_tree().
 */
void kho_in_free_pages(const struct kho_in_env *env, struct kho_in_result *res)
{
	if (res->pages)
		env->free(res->pages, res->pages_cap * sizeof(*res->pages),
			  env->data);
	res->pages = NULL;
	res->nr_pages = 0;
	res->pages_cap = 0;
}

/**
 * kho_in_free_result - Drop everything a result holds.
 * @env: as passed to kho_in_check_tree().
 * @res: a result of kho_in_check_tree().
 *
 * Keeps @res->why, @res->detail and @res->where.
 *
 * Context: As kho_in_check_tree().
 */
void kho_in_free_result(const struct kho_in_env *env, struct kho_in_result *res)
{
	kho_in_free_pages(env, res);
	if (res->ranges)
		env->free(res->ranges, res->ranges_cap * sizeof(*res->ranges),
			  env->data);
	res->ranges = NULL;
	res->nr_ranges = 0;
	res->ranges_cap = 0;
}
