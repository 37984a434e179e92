// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP runner and shared tree helpers for the KHO radix tree harness.
 *
 * Every case runs with a fresh failure counter; afterwards the runner fails
 * it if a tree lock is still held or if the page allocator has more (or
 * fewer) live pages than before, so each case must free what it builds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/io.h>
#include <linux/string.h>

#include "harness.h"

#define MAX_REPORTS	10

static unsigned int case_failures;
static uint64_t seed;

static const struct kho_test_suite *const suites[] = {
	&codec_suite,
	&tree_suite,
	&walk_suite,
	&alloc_fail_suite,
	&reclaim_suite,
	&random_suite,
	&in_check_suite,
};

void kho_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (++case_failures > MAX_REPORTS)
		return;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void kho_test_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

unsigned long kho_test_env(const char *name, unsigned long dflt)
{
	const char *val = getenv(name);

	return val && *val ? strtoul(val, NULL, 0) : dflt;
}

uint64_t kho_test_seed(void)
{
	return seed;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

void kho_sort_keys(unsigned long *keys, size_t nr)
{
	qsort(keys, nr, sizeof(*keys), cmp_ulong);
}

static void *grow(void *array, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return array;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap < need)
		*cap = need;
	array = realloc(array, *cap * elem);
	if (!array)
		kho_shim_fatal("out of memory in the harness itself");
	return array;
}

static int snap_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct kho_snapshot *snap = data;
	size_t cap = snap->cap_pages;

	snap->pages = grow(snap->pages, &snap->cap_pages, snap->nr_pages + 1,
			   sizeof(*snap->pages));
	snap->levels = grow(snap->levels, &cap, snap->nr_pages + 1,
			    sizeof(*snap->levels));
	snap->pages[snap->nr_pages] = phys;
	snap->levels[snap->nr_pages++] = level;
	return 0;
}

static int snap_leaf(unsigned long key, void *data)
{
	struct kho_snapshot *snap = data;

	snap->keys = grow(snap->keys, &snap->cap_keys, snap->nr_keys + 1,
			  sizeof(*snap->keys));
	snap->keys[snap->nr_keys++] = key;
	return 0;
}

int kho_snapshot_take(struct kho_radix_tree *tree, struct kho_snapshot *snap)
{
	const struct kho_radix_walk_cb cb = { .node = snap_node, .leaf = snap_leaf };

	memset(snap, 0, sizeof(*snap));
	return kho_radix_walk_tree(tree, &cb, snap);
}

static bool same(const void *a, const void *b, size_t bytes)
{
	return !bytes || !memcmp(a, b, bytes);
}

bool kho_snapshot_equal(const struct kho_snapshot *a, const struct kho_snapshot *b)
{
	return a->nr_keys == b->nr_keys && a->nr_pages == b->nr_pages &&
	       same(a->keys, b->keys, a->nr_keys * sizeof(*a->keys)) &&
	       same(a->pages, b->pages, a->nr_pages * sizeof(*a->pages)) &&
	       same(a->levels, b->levels, a->nr_pages * sizeof(*a->levels));
}

void kho_snapshot_free(struct kho_snapshot *snap)
{
	free(snap->keys);
	free(snap->pages);
	free(snap->levels);
	memset(snap, 0, sizeof(*snap));
}

struct tree_check {
	const unsigned long *keys;
	size_t nr, seen;
	phys_addr_t *pages;
	size_t nr_pages, cap_pages;
	int prev_level;
	bool ok;
};

static int check_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct tree_check *tc = data;
	const void *page = phys_to_virt(phys);

	if (!EXPECT(kho_shim_locks_held() == 1))
		tc->ok = false;
	/* Depth first: a table is followed by its first child. */
	if (tc->prev_level < 0) {
		if (!EXPECT_EQ(level, KHO_RADIX_TOP_LEVEL))
			tc->ok = false;
	} else if (tc->prev_level > 0) {
		if (!EXPECT_EQ(level, tc->prev_level - 1))
			tc->ok = false;
	} else if (!EXPECT(level <= KHO_RADIX_TOP_LEVEL - 1)) {
		tc->ok = false;
	}
	tc->prev_level = level;

	if (!EXPECT(!((uintptr_t)page & (PAGE_SIZE - 1))))
		return tc->ok = false, -EFAULT;
	/* Reclaim: nothing below the root may be empty. */
	if (level != KHO_RADIX_TOP_LEVEL && !EXPECT(memchr_inv(page, 0, PAGE_SIZE)))
		tc->ok = false;

	tc->pages = grow(tc->pages, &tc->cap_pages, tc->nr_pages + 1,
			 sizeof(*tc->pages));
	tc->pages[tc->nr_pages++] = phys;
	return 0;
}

static int check_leaf(unsigned long key, void *data)
{
	struct tree_check *tc = data;

	if (tc->seen >= tc->nr) {
		kho_test_fail(__FILE__, __LINE__, "unexpected key %#lx", key);
		tc->ok = false;
		return -ERANGE;
	}
	if (!EXPECT_EQ(key, tc->keys[tc->seen])) {
		tc->ok = false;
		return -ERANGE;
	}
	tc->seen++;
	return 0;
}

static int cmp_phys(const void *a, const void *b)
{
	phys_addr_t x = *(const phys_addr_t *)a, y = *(const phys_addr_t *)b;

	return x < y ? -1 : x > y;
}

bool kho_tree_check(struct kho_radix_tree *tree, const unsigned long *keys,
		    size_t nr, unsigned long other_pages)
{
	const struct kho_radix_walk_cb cb = { .node = check_node, .leaf = check_leaf };
	struct tree_check tc = { .keys = keys, .nr = nr, .prev_level = -1, .ok = true };
	struct kho_radix_stats stats;
	size_t i;

	if (!EXPECT_EQ(kho_radix_walk_tree(tree, &cb, &tc), 0))
		tc.ok = false;
	if (!EXPECT_EQ(tc.seen, nr))
		tc.ok = false;
	if (!EXPECT_EQ(tc.nr_pages + other_pages, kho_shim_pages_live()))
		tc.ok = false;

	qsort(tc.pages, tc.nr_pages, sizeof(*tc.pages), cmp_phys);
	for (i = 1; i < tc.nr_pages; i++)
		if (!EXPECT(tc.pages[i] != tc.pages[i - 1]))
			tc.ok = false;

	if (!EXPECT_EQ(kho_radix_tree_stats(tree, &stats), 0))
		tc.ok = false;
	if (!EXPECT_EQ(stats.tables + stats.leaves, tc.nr_pages) ||
	    !EXPECT_EQ(stats.keys, nr))
		tc.ok = false;
	if (!EXPECT_EQ(kho_shim_locks_held(), 0))
		tc.ok = false;

	free(tc.pages);
	return tc.ok;
}

static bool selected(const char *filter, const char *name)
{
	return !filter || !*filter || strstr(name, filter);
}

int main(void)
{
	const char *filter = getenv("FILTER");
	unsigned int passed = 0, failed = 0, n = 0;
	size_t s, c, total = 0;

	seed = kho_test_env("SEED", 0);
	if (!seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);

	for (s = 0; s < ARRAY_SIZE(suites); s++)
		for (c = 0; c < suites[s]->nr_cases; c++)
			total += selected(filter, suites[s]->cases[c].name);

	printf("KTAP version 1\n1..%zu\n", total);
	kho_test_diag("PAGE_SHIFT %d: key width %d, depth %d, %d table entries, %d leaf bits",
		      PAGE_SHIFT, KHO_RADIX_KEY_WIDTH, KHO_RADIX_DEPTH,
		      KHO_RADIX_TABLE_ENTRIES, KHO_RADIX_LEAF_BITS);
	kho_test_diag("seed %llu (rerun with SEED=%llu)",
		      (unsigned long long)seed, (unsigned long long)seed);

	for (s = 0; s < ARRAY_SIZE(suites); s++) {
		for (c = 0; c < suites[s]->nr_cases; c++) {
			const struct kho_test_case *tc = &suites[s]->cases[c];
			unsigned long live = kho_shim_pages_live();

			if (!selected(filter, tc->name))
				continue;

			case_failures = 0;
			tc->run();
			kho_shim_fail_nth(0);
			kho_shim_set_alloc_hook(NULL, NULL);
			if (kho_shim_locks_held())
				kho_test_fail(__FILE__, __LINE__, "%u lock(s) left held",
					      kho_shim_locks_held());
			if (kho_shim_pages_live() != live)
				kho_test_fail(__FILE__, __LINE__, "%ld page(s) leaked",
					      (long)(kho_shim_pages_live() - live));
			if (case_failures > MAX_REPORTS)
				kho_test_diag("... %u more failure(s)",
					      case_failures - MAX_REPORTS);

			if (case_failures) {
				failed++;
				printf("not ok %u %s\n", ++n, tc->name);
			} else {
				passed++;
				printf("ok %u %s\n", ++n, tc->name);
			}
			fflush(stdout);
		}
	}

	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
