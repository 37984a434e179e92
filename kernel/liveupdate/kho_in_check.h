/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Vetting an incoming KHO tree, apart from everything that makes it a
 * kernel's boot step (memblock, the FDT, early mappings), so that the same
 * file also runs in the userspace harness and under a fuzzer.
 */
#ifndef LINUX_KHO_IN_CHECK_H
#define LINUX_KHO_IN_CHECK_H

#include <linux/kho_radix_tree.h>
#include <linux/types.h>

/**
 * struct kho_in_env - What vetting needs to know about the running machine.
 * @is_ram:    whether [@phys, @phys + @size) is RAM without holes; @size is
 *             never 0 and the range never wraps.
 * @forbidden: why [@phys, @phys + @size) can hold neither a tree page nor a
 *             preserved block (it is scratch, or this kernel's image), or
 *             NULL if it can.
 * @alloc:     zeroed working memory of @size bytes, or NULL.
 * @free:      give back memory from @alloc, with the size it was asked for.
 * @ram_pages: pages of RAM. A valid tree and its blocks never take more, so
 *             this bounds the work a hostile tree can cause.
 * @data:      passed to every callback.
 */
struct kho_in_env {
	bool (*is_ram)(phys_addr_t phys, phys_addr_t size, void *data);
	const char *(*forbidden)(phys_addr_t phys, phys_addr_t size, void *data);
	void *(*alloc)(size_t size, void *data);
	void (*free)(void *mem, size_t size, void *data);
	unsigned long ram_pages;
	void *data;
};

/**
 * struct kho_in_range - A run of adjacent preserved blocks of one order.
 * @start: physical address of the first block.
 * @size:  bytes in the run, a multiple of the block size.
 * @order: order of every block in the run.
 */
struct kho_in_range {
	phys_addr_t start;
	phys_addr_t size;
	unsigned int order;
};

/**
 * struct kho_in_result - What vetting found, or why it refused the tree.
 * @ranges:     the preserved blocks as runs, sorted by address, disjoint.
 * @nr_ranges:  entries in @ranges.
 * @ranges_cap: entries @ranges has room for (its allocation size).
 * @pages:      physical addresses of the tree's own pages, sorted.
 * @nr_pages:   entries in @pages.
 * @pages_cap:  entries @pages has room for.
 * @stats:      tables, leaves and keys of the tree.
 * @preserved:  pages in all preserved blocks together.
 * @why:        what was wrong, when the tree was refused.
 * @detail:     what the bad page or block overlaps, for some @why; or NULL.
 * @where:      the address or key it was wrong about.
 */
struct kho_in_result {
	struct kho_in_range *ranges;
	unsigned long nr_ranges;
	unsigned long ranges_cap;
	phys_addr_t *pages;
	unsigned long nr_pages;
	unsigned long pages_cap;
	struct kho_radix_stats stats;
	unsigned long preserved;
	const char *why;
	const char *detail;
	u64 where;
};

int kho_in_check_tree(phys_addr_t root, const struct kho_in_env *env,
		      struct kho_in_result *res);
void kho_in_free_pages(const struct kho_in_env *env,
		       struct kho_in_result *res);
void kho_in_free_result(const struct kho_in_env *env,
			struct kho_in_result *res);

#endif /* LINUX_KHO_IN_CHECK_H */
