/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of KUnit that kernel/liveupdate/kho_radix_kunit.c uses, with the
 * same names and meaning, run by the harness (kunit.c) instead of the
 * kernel: a failed expectation marks the case failed, a failed assertion
 * also ends it (longjmp back to the runner), and after the case the suite's
 * exit function and then the deferred actions run, as in the kernel.
 * tools/include has no KUnit.
 */
#ifndef KHO_SHIM_KUNIT_TEST_H
#define KHO_SHIM_KUNIT_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <linux/array_size.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define KUNIT_PARAM_DESC_SIZE	128

struct kunit_shim_action;

struct kunit {
	void *priv;
	const void *param_value;
	/* The rest is the runner's. */
	const char *name;
	const char *param_desc;
	unsigned int failures;
	bool skipped;
	void *abort;			/* the runner's jmp_buf */
	struct kunit_shim_action *actions;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(struct kunit *test, const void *prev,
				       char *desc);
};

struct kunit_suite {
	const char *name;
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)			{ .run_case = fn, .name = #fn }
#define KUNIT_CASE_PARAM(fn, gen)	\
	{ .run_case = fn, .name = #fn, .generate_params = gen }

/* Suites register themselves before main() runs; kunit.c runs them. */
void kunit_shim_register(struct kunit_suite *suite);
#define kunit_test_suite(suite)						\
	static void __attribute__((constructor)) kunit_shim_add_##suite(void) \
	{								\
		kunit_shim_register(&(suite));				\
	}

/* The kernel's, written so that each argument is used once. */
#define KUNIT_ARRAY_PARAM_DESC(name, array, desc_member)		\
	static const void *name##_gen_params(struct kunit *test,	\
					     const void *prev, char *desc) \
	{								\
		__auto_type __first = &(array)[0];			\
		__auto_type __next = __first;				\
		size_t __desc = __builtin_offsetof(typeof(*__first), desc_member); \
									\
		if (prev)						\
			__next = (typeof(__first))prev + 1;		\
		if (__next - __first >= sizeof(typeof(array)) / sizeof(*__first)) \
			return NULL;					\
		snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s",		\
			 *(const char *const *)((const char *)__next + __desc)); \
		return __next;						\
	}

/* Reporting: "# case (param): file:line: what. message" */
void kunit_shim_begin(struct kunit *test, const char *file, int line);
void __printf(1, 2) kunit_shim_what(const char *fmt, ...);
/*
 * Not format-checked: the kernel build checks the messages against the
 * kernel's types, and tools/include's u64 is an unsigned long where the
 * kernel's is an unsigned long long (printed with %llx).
 */
void kunit_shim_message(struct kunit *test, const char *fmt, ...);
void kunit_shim_end(struct kunit *test, bool assertion);
void __noreturn __printf(2, 3) kunit_skip(struct kunit *test, const char *fmt, ...);
void __printf(2, 3) kunit_info(struct kunit *test, const char *fmt, ...);

#define KUNIT_SHIM_FAILED(test, assertion, what, ...)			\
	do {								\
		struct kunit *__failed = (test);			\
									\
		kunit_shim_begin(__failed, __FILE__, __LINE__);		\
		kunit_shim_what what;					\
		kunit_shim_message(__failed, "" __VA_ARGS__);		\
		kunit_shim_end(__failed, assertion);			\
	} while (0)

/* Both values, as signed and as hexadecimal numbers. */
#define KUNIT_SHIM_VALUES	"%s == %lld (%#llx), %s == %lld (%#llx)"

#define KUNIT_SHIM_BINARY(test, assertion, left, op, right, ...)	\
	do {								\
		const typeof(left) __left = (left);			\
		const typeof(right) __right = (right);			\
									\
		if (!(__left op __right))				\
			KUNIT_SHIM_FAILED(test, assertion,		\
				("expected %s %s %s, but " KUNIT_SHIM_VALUES, \
				 #left, #op, #right,			\
				 #left, (long long)__left,		\
				 (unsigned long long)__left,		\
				 #right, (long long)__right,		\
				 (unsigned long long)__right),		\
				__VA_ARGS__);				\
	} while (0)

#define KUNIT_SHIM_UNARY(test, assertion, cond, what, ...)		\
	do {								\
		if (!(cond))						\
			KUNIT_SHIM_FAILED(test, assertion, ("expected %s", what), \
					  __VA_ARGS__);			\
	} while (0)

#define KUNIT_FAIL(test, ...)						\
	KUNIT_SHIM_FAILED(test, false, ("failure"), __VA_ARGS__)

#define KUNIT_EXPECT_EQ(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, ==, r)
#define KUNIT_EXPECT_NE(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, !=, r)
#define KUNIT_EXPECT_LT(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, <, r)
#define KUNIT_EXPECT_LE(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, <=, r)
#define KUNIT_EXPECT_GT(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, >, r)
#define KUNIT_EXPECT_GE(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, >=, r)
#define KUNIT_EXPECT_PTR_EQ(test, l, r)		KUNIT_SHIM_BINARY(test, false, l, ==, r)
#define KUNIT_EXPECT_EQ_MSG(test, l, r, ...)	\
	KUNIT_SHIM_BINARY(test, false, l, ==, r, __VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(test, l, r, ...)	\
	KUNIT_SHIM_BINARY(test, false, l, !=, r, __VA_ARGS__)
#define KUNIT_EXPECT_TRUE(test, c)		KUNIT_SHIM_UNARY(test, false, c, #c " to be true")
#define KUNIT_EXPECT_FALSE(test, c)	\
	KUNIT_SHIM_UNARY(test, false, !(c), #c " to be false")
#define KUNIT_EXPECT_TRUE_MSG(test, c, ...)	\
	KUNIT_SHIM_UNARY(test, false, c, #c " to be true", __VA_ARGS__)
#define KUNIT_EXPECT_FALSE_MSG(test, c, ...)	\
	KUNIT_SHIM_UNARY(test, false, !(c), #c " to be false", __VA_ARGS__)
#define KUNIT_EXPECT_NULL(test, p)	\
	KUNIT_SHIM_UNARY(test, false, !(p), #p " to be NULL")
#define KUNIT_EXPECT_NOT_NULL(test, p)	\
	KUNIT_SHIM_UNARY(test, false, p, #p " not to be NULL")

#define KUNIT_ASSERT_EQ(test, l, r)		KUNIT_SHIM_BINARY(test, true, l, ==, r)
#define KUNIT_ASSERT_NE(test, l, r)		KUNIT_SHIM_BINARY(test, true, l, !=, r)
#define KUNIT_ASSERT_LT(test, l, r)		KUNIT_SHIM_BINARY(test, true, l, <, r)
#define KUNIT_ASSERT_LE(test, l, r)		KUNIT_SHIM_BINARY(test, true, l, <=, r)
#define KUNIT_ASSERT_GT(test, l, r)		KUNIT_SHIM_BINARY(test, true, l, >, r)
#define KUNIT_ASSERT_EQ_MSG(test, l, r, ...)	\
	KUNIT_SHIM_BINARY(test, true, l, ==, r, __VA_ARGS__)
#define KUNIT_ASSERT_NE_MSG(test, l, r, ...)	\
	KUNIT_SHIM_BINARY(test, true, l, !=, r, __VA_ARGS__)
#define KUNIT_ASSERT_TRUE(test, c)		KUNIT_SHIM_UNARY(test, true, c, #c " to be true")
#define KUNIT_ASSERT_TRUE_MSG(test, c, ...)	\
	KUNIT_SHIM_UNARY(test, true, c, #c " to be true", __VA_ARGS__)
#define KUNIT_ASSERT_FALSE_MSG(test, c, ...)	\
	KUNIT_SHIM_UNARY(test, true, !(c), #c " to be false", __VA_ARGS__)
#define KUNIT_ASSERT_NOT_NULL(test, p)	\
	KUNIT_SHIM_UNARY(test, true, p, #p " not to be NULL")

/* Deferred actions and test-managed memory, undone after the case. */
typedef void (kunit_action_t)(void *ctx);

#define KUNIT_DEFINE_ACTION_WRAPPER(wrapper, orig, arg_type)		\
	static void wrapper(void *in)					\
	{								\
		orig((arg_type)in);					\
	}

int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx);
int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx);
void kunit_release_action(struct kunit *test, kunit_action_t *action,
			  void *ctx);

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit *test, const void *ptr);

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p = kunit_kmalloc_array(test, 1, size, gfp);

	if (p)
		memset(p, 0, size);
	return p;
}

static inline void *kunit_kcalloc(struct kunit *test, size_t n, size_t size,
				  gfp_t gfp)
{
	void *p = kunit_kmalloc_array(test, n, size, gfp);

	if (p)
		memset(p, 0, n * size);
	return p;
}

#endif
