// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP runner and shared helpers for the KHO radix tree harness.
 *
 * It runs the KUnit suites built in (kunit.c), kho_radix first, then the
 * suites of this harness's own kind (KHO_SUITE()). Every case runs with a
 * fresh failure counter; afterwards the runner fails it if a tree lock is
 * still held or if the page allocator has more (or fewer) live pages than
 * before, so each case must free what it builds. A case of ours must also
 * make at least one check; how many passed is printed after it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kunit/test.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "harness.h"

#define MAX_REPORTS	10

static unsigned int case_failures;
static u64 seed;

unsigned long kho_test_checks;

static const struct kho_test_suite *const suites[] = {
	&in_check_vet_suite,
	&in_check_refuse_suite,
	&in_check_reserve_suite,
	&in_check_busy_suite,
	&in_check_random_suite,
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

u64 kho_test_seed(void)
{
	return seed;
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

static bool selected(const char *filter, const char *name)
{
	return !filter || !*filter || strstr(name, filter);
}

struct runner {
	const char *filter;
	unsigned int n, passed, failed;
};

/*
 * Run one case, a KUnit one (@kc of @ks) or one of ours (@tc), check what it
 * left behind, and report it.
 */
static void run_case(struct runner *r, const char *name,
		     const struct kunit_suite *ks, const struct kunit_case *kc,
		     const struct kho_test_case *tc)
{
	unsigned long live = kho_shim_pages_live();

	if (!selected(r->filter, name))
		return;

	case_failures = 0;
	kho_test_checks = 0;
	if (tc) {
		tc->run();
		if (!kho_test_checks)
			kho_test_fail(__FILE__, __LINE__, "no checks made");
		else
			kho_test_diag("%s: %lu of %lu checks passed", name,
				      kho_test_checks - min_t(unsigned long, case_failures,
							      kho_test_checks),
				      kho_test_checks);
	} else if (!kunit_shim_run_case(ks, kc)) {
		case_failures++;
	}
	current->fail_nth = 0;
	kho_shim_phys_delta = 0;
	kho_shim_set_alloc_hook(NULL, NULL);
	if (kho_shim_locks_held())
		kho_test_fail(__FILE__, __LINE__, "%u lock(s) left held",
			      kho_shim_locks_held());
	if (kho_shim_pages_live() != live)
		kho_test_fail(__FILE__, __LINE__, "%ld page(s) leaked",
			      (long)(kho_shim_pages_live() - live));
	if (case_failures > MAX_REPORTS)
		kho_test_diag("... %u more failure(s)", case_failures - MAX_REPORTS);

	if (case_failures) {
		r->failed++;
		printf("not ok %u %s\n", ++r->n, name);
	} else {
		r->passed++;
		printf("ok %u %s\n", ++r->n, name);
	}
	fflush(stdout);
}

int main(void)
{
	struct runner r = { .filter = getenv("FILTER") };
	struct kunit_suite *const *ks;
	const struct kunit_case *kc;
	size_t s, c, nr_ks, total = 0;

	/* A fixed seed by default, so that two runs test the same; SEED=0 draws one. */
	seed = kho_test_env("SEED", 1);
	if (!seed)
		seed = (u64)time(NULL) ^ ((u64)clock() << 32);

	ks = kunit_shim_suites(&nr_ks);
	for (s = 0; s < nr_ks; s++)
		for (kc = ks[s]->test_cases; kc->run_case; kc++)
			total += selected(r.filter, kc->name);
	for (s = 0; s < ARRAY_SIZE(suites); s++)
		for (c = 0; c < suites[s]->nr_cases; c++)
			total += selected(r.filter, suites[s]->cases[c].name);

	printf("KTAP version 1\n1..%zu\n", total);
	kho_test_diag("PAGE_SHIFT %d: key width %d, depth %d, %d table entries, %d leaf bits",
		      PAGE_SHIFT, KHO_RADIX_KEY_WIDTH, KHO_RADIX_DEPTH,
		      KHO_RADIX_TABLE_ENTRIES, KHO_RADIX_LEAF_BITS);
	kho_test_diag("seed %llu (rerun with SEED=%llu)",
		      (unsigned long long)seed, (unsigned long long)seed);

	for (s = 0; s < nr_ks; s++)
		for (kc = ks[s]->test_cases; kc->run_case; kc++)
			run_case(&r, kc->name, ks[s], kc, NULL);
	for (s = 0; s < ARRAY_SIZE(suites); s++)
		for (c = 0; c < suites[s]->nr_cases; c++)
			run_case(&r, suites[s]->cases[c].name, NULL, NULL,
				 &suites[s]->cases[c]);

	printf("%u passed, %u failed\n", r.passed, r.failed);
	return r.failed ? 1 : 0;
}
