// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmarks of the unmodified tree code in userspace (optimised build, no
 * sanitizers): add/delete rates, walk throughput against a plain read of
 * the same pages, tree size per preserved page, and size stability across
 * add/delete cycles.
 *
 * BENCH_GIB sets the simulated host's preserved memory (default 1024, i.e.
 * 1 TiB, which as order-0 keys is 2^28 of them; the tree for that is only
 * about 32 MiB, so it fits easily).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <linux/io.h>
#include <linux/limits.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>

#include "in_check_machine.h"
#include "kho_shim.h"

#define GIB BIT_ULL(30)

struct key_set {
	const char *name;
	unsigned long nr;
	unsigned long (*key)(const struct key_set *set, unsigned long i);
	u64 stride;		/* bytes between blocks */
	unsigned int order;
	u64 *random;		/* for random sets: sorted physical addresses */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long strided_key(const struct key_set *set, unsigned long i)
{
	return kho_radix_encode_key(i * set->stride, set->order);
}

static unsigned long random_key(const struct key_set *set, unsigned long i)
{
	return kho_radix_encode_key(set->random[i], 0);
}

static u64 set_bytes(const struct key_set *set)
{
	return (u64)set->nr * (PAGE_SIZE << set->order);
}

/* Not static, so the compiler must keep the stores of the sums. */
unsigned long bench_sink;

static int sum_key(unsigned long key, void *data)
{
	*(unsigned long *)data += key;
	return 0;
}

struct page_list {
	const u64 **pages;
	unsigned long nr, cap;
};

static int list_page(phys_addr_t phys, unsigned int level, void *data)
{
	struct page_list *pl = data;

	if (pl->nr == pl->cap) {
		pl->cap = pl->cap ? 2 * pl->cap : 1024;
		pl->pages = realloc(pl->pages, pl->cap * sizeof(*pl->pages));
		if (!pl->pages)
			kho_shim_fatal("out of memory");
	}
	pl->pages[pl->nr++] = phys_to_virt(phys);
	return 0;
}

/* The baseline: read every word of the tree's pages, nothing else. */
static double read_pages(const struct page_list *pl)
{
	unsigned long sum = 0, p, w;
	double t = now();

	for (p = 0; p < pl->nr; p++)
		for (w = 0; w < PAGE_SIZE / sizeof(u64); w++)
			sum += pl->pages[p][w];
	bench_sink = sum;
	return now() - t;
}

static void human(double v, const char *unit, char *buf, size_t len)
{
	static const char * const prefix[] = { "", "K", "M", "G", "T" };
	unsigned int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, "%.2f %s%s", v, prefix[i], unit);
}

static void bench_set(const struct key_set *set)
{
	const struct kho_radix_walk_cb walk_keys = { .leaf = sum_key };
	const struct kho_radix_walk_cb walk_nodes = { .node = list_page };
	struct kho_radix_tree tree = {};
	struct kho_radix_stats stats;
	struct page_list pl = {};
	double t_add, t_walk, t_read, t_del, t_vet, t_resv;
	struct kho_in_vet vet;
	unsigned long i, sum = 0, pages;
	u64 preserved_pages = set_bytes(set) / PAGE_SIZE, tree_bytes;
	char a[32], b[32], c[32];

	if (kho_radix_tree_init(&tree))
		kho_shim_fatal("init failed");

	t_add = now();
	for (i = 0; i < set->nr; i++)
		if (kho_radix_add_key(&tree, set->key(set, i)))
			kho_shim_fatal("add failed");
	t_add = now() - t_add;

	kho_radix_tree_stats(&tree, &stats);
	pages = stats.tables + stats.leaves;
	tree_bytes = (u64)pages * PAGE_SIZE;

	/* Warm once, then time the key walk and the plain read of its pages. */
	kho_radix_walk_tree(&tree, &walk_nodes, &pl);
	read_pages(&pl);
	t_walk = now();
	kho_radix_walk_tree(&tree, &walk_keys, &sum);
	t_walk = now() - t_walk;
	bench_sink = sum;
	t_read = read_pages(&pl);

	/* What a successor does with it in early boot: vet, then reserve. */
	machine_reset(1);
	machine.garbage = MACHINE_GARBAGE_ZERO;
	machine_map(0, PHYS_ADDR_MAX, KHO_IN_OK);
	t_vet = now();
	if (kho_in_vet_tree(&vet, virt_to_phys(tree.root), 1UL << 40))
		kho_shim_fatal("vetting refused the root");
	t_vet = now() - t_vet;
	t_resv = now();
	kho_in_refuse_tree_pages(&vet);
	kho_in_reserve(&vet);
	t_resv = now() - t_resv;
	if (vet.kept != stats.keys)
		kho_shim_fatal("vetting kept %lu of %lu blocks", vet.kept, stats.keys);
	kho_in_forget_pages(&vet);
	machine_free();

	printf("\n%s\n", set->name);
	printf("  keys %lu, preserved %.1f GiB, tree %lu pages ",
	       set->nr, (double)set_bytes(set) / GIB, pages);
	printf("(%lu tables, %lu leaves) = %.2f MiB\n",
	       stats.tables, stats.leaves, (double)tree_bytes / (1 << 20));
	printf("  tree pages per preserved page %.3g, metadata bytes per preserved page %.4g\n",
	       (double)pages / preserved_pages, (double)tree_bytes / preserved_pages);
	human(set->nr / t_add, "adds/s", a, sizeof(a));
	printf("  add      %8.3f s  %s\n", t_add, a);
	human(set->nr / t_walk, "keys/s", a, sizeof(a));
	human(tree_bytes / t_walk, "B/s", b, sizeof(b));
	printf("  walk     %8.3f s  %s, %s of tree\n", t_walk, a, b);
	human(tree_bytes / t_read, "B/s", c, sizeof(c));
	printf("  read     %8.3f s  %s (plain read of the same %lu pages); walk/read time %.2f\n",
	       t_read, c, pages, t_walk / t_read);

	human(set->nr / t_vet, "keys/s", a, sizeof(a));
	printf("  vet      %8.3f s  %s; vet/read time %.2f\n", t_vet, a, t_vet / t_read);
	human(set->nr / t_resv, "keys/s", a, sizeof(a));
	printf("  reserve  %8.3f s  %s in %lu ranges\n", t_resv, a, vet.stretches);

	t_del = now();
	for (i = 0; i < set->nr; i++)
		kho_radix_del_key(&tree, set->key(set, i));
	t_del = now() - t_del;
	human(set->nr / t_del, "dels/s", a, sizeof(a));
	printf("  delete   %8.3f s  %s; pages left %lu\n", t_del, a, kho_shim_pages_live());

	kho_radix_tree_destroy(&tree);
	free(pl.pages);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 *random_pages(unsigned long nr, u64 span, uint64_t seed)
{
	u64 *phys = malloc(nr * sizeof(*phys));
	unsigned long i;

	if (!phys)
		kho_shim_fatal("out of memory");
	for (i = 0; i < nr; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		phys[i] = ((seed >> 11) % span) & ~(PAGE_SIZE - 1);
	}
	qsort(phys, nr, sizeof(*phys), cmp_u64);
	return phys;
}

/* Add everything, delete everything, ten times: the size must not drift. */
static int bench_cycles(const char *what, const struct key_set *sets,
			unsigned int nr_sets)
{
	struct kho_radix_tree tree = {};
	unsigned long first = 0, i;
	unsigned int cycle, s;
	int bad = 0;

	if (kho_radix_tree_init(&tree))
		kho_shim_fatal("init failed");
	printf("\n10 cycles of add-all/delete-all: %s\n  pages after add:", what);
	for (cycle = 0; cycle < 10; cycle++) {
		for (s = 0; s < nr_sets; s++)
			for (i = 0; i < sets[s].nr; i++)
				kho_radix_add_key(&tree, sets[s].key(&sets[s], i));
		if (!cycle)
			first = kho_shim_pages_live();
		printf(" %lu", kho_shim_pages_live());
		bad |= kho_shim_pages_live() != first;
		for (s = 0; s < nr_sets; s++)
			for (i = 0; i < sets[s].nr; i++)
				kho_radix_del_key(&tree, sets[s].key(&sets[s], i));
		bad |= kho_shim_pages_live() != 1;
	}
	printf("\n  after the last delete: %lu page(s); %s\n", kho_shim_pages_live(),
	       bad ? "SIZE DRIFTED" : "stable");
	kho_radix_tree_destroy(&tree);
	return bad;
}

int main(void)
{
	const char *env = getenv("BENCH_GIB");
	u64 gib = env && *env ? strtoull(env, NULL, 0) : 1024;
	unsigned long nr_random = 1UL << 20;
	struct key_set sets[5];
	char name[5][128];
	int ret;

	snprintf(name[0], 128, "dense: %llu GiB as order-0 pages", (unsigned long long)gib);
	sets[0] = (struct key_set){ name[0], gib * GIB / PAGE_SIZE, strided_key, PAGE_SIZE, 0 };
	snprintf(name[1], 128, "scattered: every other order-0 page of %llu GiB",
		 (unsigned long long)gib);
	sets[1] = (struct key_set){ name[1], gib * GIB / PAGE_SIZE / 2, strided_key,
				    2 * PAGE_SIZE, 0 };
	snprintf(name[2], 128, "random: %lu order-0 pages anywhere in %llu GiB", nr_random,
		 (unsigned long long)gib);
	sets[2] = (struct key_set){ name[2], nr_random, random_key, 0, 0,
				    random_pages(nr_random, gib * GIB, 42) };
	snprintf(name[3], 128, "worst case: one order-0 page per 128 MiB leaf span of 8 TiB");
	sets[3] = (struct key_set){ name[3], 65536, strided_key, 128ULL << 20, 0 };
	snprintf(name[4], 128, "huge: %llu GiB as order-9 (2 MiB) blocks",
		 (unsigned long long)gib);
	sets[4] = (struct key_set){ name[4], gib * GIB / (PAGE_SIZE << 9), strided_key,
				    PAGE_SIZE << 9, 9 };

	printf("KHO radix tree benchmark (userspace, PAGE_SHIFT %d, -O2, no sanitizers)\n",
	       PAGE_SHIFT);
	for (unsigned int s = 0; s < 5; s++)
		bench_set(&sets[s]);

	/* Cycles over smaller sets, so that ten rounds stay quick. */
	sets[0].nr = sets[0].nr / 16;
	sets[1].nr = sets[1].nr / 16;
	ret = bench_cycles("random + worst case + huge sets together", &sets[2], 3);
	ret |= bench_cycles("dense and scattered sets, 1/16 of their size", sets, 2);
	free(sets[2].random);
	return ret;
}
