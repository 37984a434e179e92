// SPDX-License-Identifier: GPL-2.0
/*
 * The runner of the KUnit suites built into the harness (shim/kunit/test.h):
 * each case, and each parameter of a parameterised case, runs with its own
 * struct kunit, then the suite's exit function, then its deferred actions
 * in reverse order, as KUnit does in the kernel. harness.c reports the
 * results and checks for leaked pages and held locks after every case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <kunit/test.h>

#include "harness.h"

/* Failures reported in full per case; the rest are only counted. */
#define KUNIT_SHIM_REPORTS	10

struct kunit_shim_action {
	kunit_action_t *action;
	void *ctx;
	struct kunit_shim_action *next;
};

static struct kunit_suite *registered[8];
static size_t nr_registered;
static bool quiet;

void kunit_shim_register(struct kunit_suite *suite)
{
	if (nr_registered == ARRAY_SIZE(registered))
		kho_shim_fatal("too many KUnit suites");
	registered[nr_registered++] = suite;
}

struct kunit_suite *const *kunit_shim_suites(size_t *nr)
{
	*nr = nr_registered;
	return registered;
}

static void kunit_shim_prefix(const struct kunit *test)
{
	if (test->param_desc)
		printf("# %s (%s): ", test->name, test->param_desc);
	else
		printf("# %s: ", test->name);
}

void kunit_shim_begin(struct kunit *test, const char *file, int line)
{
	quiet = test->failures >= KUNIT_SHIM_REPORTS;
	if (quiet)
		return;
	kunit_shim_prefix(test);
	printf("%s:%d: ", file, line);
}

void kunit_shim_what(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void kunit_shim_message(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	if (quiet || !*fmt)
		return;
	printf(": ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void kunit_shim_end(struct kunit *test, bool assertion)
{
	if (!quiet)
		printf("\n");
	test->failures++;
	if (assertion)
		longjmp(*(jmp_buf *)test->abort, 1);
}

void kunit_skip(struct kunit *test, const char *fmt, ...)
{
	va_list ap;

	kunit_shim_prefix(test);
	printf("SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	test->skipped = true;
	longjmp(*(jmp_buf *)test->abort, 1);
}

void kunit_info(struct kunit *test, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	len = strlen(line);
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	kunit_shim_prefix(test);
	printf("%s\n", line);
}

int kunit_add_action(struct kunit *test, kunit_action_t *action, void *ctx)
{
	struct kunit_shim_action *a = malloc(sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->action = action;
	a->ctx = ctx;
	a->next = test->actions;
	test->actions = a;
	return 0;
}

int kunit_add_action_or_reset(struct kunit *test, kunit_action_t *action,
			      void *ctx)
{
	int err = kunit_add_action(test, action, ctx);

	if (err)
		action(ctx);
	return err;
}

void kunit_release_action(struct kunit *test, kunit_action_t *action,
			  void *ctx)
{
	struct kunit_shim_action **link, *a;

	for (link = &test->actions; (a = *link); link = &a->next) {
		if (a->action == action && a->ctx == ctx) {
			*link = a->next;
			action(ctx);
			free(a);
			return;
		}
	}
}

static void kunit_shim_free(void *ptr)
{
	free(ptr);
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	/* Like kmalloc(), a zero-sized allocation is not NULL. */
	p = malloc(bytes ? bytes : 1);
	if (p && kunit_add_action_or_reset(test, kunit_shim_free, p))
		return NULL;
	return p;
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	kunit_release_action(test, kunit_shim_free, (void *)ptr);
}

/*
 * The case being run, and whether it ran, where setjmp() cannot lose what
 * was changed before the longjmp().
 */
static struct kunit current_test;
static jmp_buf current_abort;
static bool current_ran;

/* Run @c once, with @param; true unless it failed. */
static bool kunit_shim_run_one(const struct kunit_suite *suite,
			       const struct kunit_case *c, const void *param,
			       const char *desc)
{
	struct kunit *test = &current_test;
	struct kunit_shim_action *a;

	memset(test, 0, sizeof(*test));
	test->name = c->name;
	test->param_value = param;
	test->param_desc = desc;
	test->abort = &current_abort;
	current_ran = false;

	if (!setjmp(current_abort)) {
		if (suite->init && suite->init(test)) {
			KUNIT_FAIL(test, "suite init failed");
		} else {
			current_ran = true;
			c->run_case(test);
		}
	}
	if (current_ran && suite->exit && !setjmp(current_abort))
		suite->exit(test);
	while ((a = test->actions)) {
		test->actions = a->next;
		a->action(a->ctx);
		free(a);
	}
	if (test->failures > KUNIT_SHIM_REPORTS)
		kho_test_diag("... %u more failure(s)",
			      test->failures - KUNIT_SHIM_REPORTS);
	return !test->failures;
}

bool kunit_shim_run_case(const struct kunit_suite *suite,
			 const struct kunit_case *c)
{
	char desc[KUNIT_PARAM_DESC_SIZE];
	struct kunit parent = { .name = c->name };
	const void *param = NULL;
	unsigned int params = 0;
	bool ok = true;

	if (!c->generate_params)
		return kunit_shim_run_one(suite, c, NULL, NULL);

	for (;;) {
		desc[0] = '\0';
		param = c->generate_params(&parent, param, desc);
		if (!param)
			break;
		params++;
		ok &= kunit_shim_run_one(suite, c, param, desc);
	}
	if (!params) {
		kho_test_diag("%s: no parameters", c->name);
		return false;
	}
	return ok;
}
