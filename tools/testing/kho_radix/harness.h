/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KTAP runner, expectations and tree helpers shared by the test files.
 */
#ifndef KHO_HARNESS_H
#define KHO_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/array_size.h>
#include <linux/compiler.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/kho_radix_tree.h>

#include "kho_shim.h"

struct kho_test_case {
	const char *name;
	void (*run)(void);
};

struct kho_test_suite {
	const char *name;
	const struct kho_test_case *cases;
	size_t nr_cases;
};

#define KHO_CASE(fn)	{ #fn, fn }
#define KHO_SUITE(suite_name, table)					\
	const struct kho_test_suite suite_name = {			\
		#suite_name, table, ARRAY_SIZE(table)	\
	}

extern const struct kho_test_suite in_check_vet_suite;
extern const struct kho_test_suite in_check_refuse_suite;
extern const struct kho_test_suite in_check_reserve_suite;
extern const struct kho_test_suite in_check_busy_suite;
extern const struct kho_test_suite in_check_random_suite;

/* The KUnit suites built in (kunit.c), and one of their cases run. */
struct kunit_suite;
struct kunit_case;
struct kunit_suite *const *kunit_shim_suites(size_t *nr);
bool kunit_shim_run_case(const struct kunit_suite *suite,
			 const struct kunit_case *c);

void __printf(3, 4) kho_test_fail(const char *file, int line, const char *fmt, ...);
void __printf(1, 2) kho_test_diag(const char *fmt, ...);

/*
 * Checks the current case made; the runner reports them and fails a case
 * that made none, so that a test which checks nothing cannot pass.
 */
extern unsigned long kho_test_checks;

#define EXPECT(cond)							\
	({								\
		bool __ok = (cond);					\
		kho_test_checks++;					\
		if (!__ok)						\
			kho_test_fail(__FILE__, __LINE__, "%s", #cond);	\
		__ok;							\
	})

#define EXPECT_EQ(a, b)							\
	({								\
		unsigned long long __a = (a), __b = (b);		\
		bool __ok = __a == __b;					\
		kho_test_checks++;					\
		if (!__ok)						\
			kho_test_fail(__FILE__, __LINE__,		\
				      "%s == %s: %#llx != %#llx",	\
				      #a, #b, __a, __b);		\
		__ok;							\
	})

#define ASSERT(cond)		do { if (!EXPECT(cond)) return; } while (0)
#define ASSERT_EQ(a, b)		do { if (!EXPECT_EQ(a, b)) return; } while (0)

/* Tuning from the environment: SEED, OPS (random ops). */
u64 kho_test_seed(void);
unsigned long kho_test_env(const char *name, unsigned long dflt);

/* splitmix64: small, seedable, good enough to spread keys. */
static inline u64 kho_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Everything a walk can observe: keys in order, pages and their levels. */
struct kho_snapshot {
	unsigned long *keys;
	size_t nr_keys;
	phys_addr_t *pages;
	unsigned int *levels;
	size_t nr_pages;
	size_t cap_keys, cap_pages;
};

int kho_snapshot_take(struct kho_radix_tree *tree, struct kho_snapshot *snap);
bool kho_snapshot_equal(const struct kho_snapshot *a, const struct kho_snapshot *b);
void kho_snapshot_free(struct kho_snapshot *snap);

#endif
