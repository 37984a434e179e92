// SPDX-License-Identifier: GPL-2.0
/*
 * The page allocator and mutexes that kernel/liveupdate/kho_radix_tree.c
 * expects, instrumented to catch what the kernel would only catch with
 * debug options: leaks, allocation under a lock, unpaired lock operations.
 * It also knows which pages are live, so that the validator's simulated
 * machine (in_check_machine.c) can tell a tree page from a made-up address.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/page.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mutex.h>
#include <linux/sched.h>

#include "kho_shim.h"

u64 kho_shim_phys_delta;

struct task_struct kho_shim_task;

static unsigned long nr_calls, nr_allocated, nr_freed;
static void (*alloc_hook)(unsigned long nth, void *arg);
static void *alloc_hook_arg;
static unsigned long hook_base;
static bool in_hook;
static unsigned int locks_held;

/*
 * The live pages, as an open-addressing hash set of their addresses with
 * tombstones; rebuilt when it fills up. Slot values: 0 free, 1 tombstone.
 */
static uintptr_t *live_set;
static size_t live_cap, live_used;

static size_t live_slot(uintptr_t page)
{
	return (page / PAGE_SIZE * 0x9e3779b97f4a7c15ULL) & (live_cap - 1);
}

static void live_insert(uintptr_t page);

static void live_rebuild(void)
{
	uintptr_t *old = live_set;
	size_t i, old_cap = live_cap;

	live_cap = live_cap ? live_cap * 2 : 1024;
	while (live_cap < 4 * kho_shim_pages_live())
		live_cap *= 2;
	live_set = calloc(live_cap, sizeof(*live_set));
	if (!live_set)
		kho_shim_fatal("out of memory in the harness itself");
	live_used = 0;
	for (i = 0; i < old_cap; i++)
		if (old[i] > 1)
			live_insert(old[i]);
	free(old);
}

static void live_insert(uintptr_t page)
{
	size_t i;

	if (2 * (live_used + 1) > live_cap)
		live_rebuild();
	for (i = live_slot(page); live_set[i] > 1; i = (i + 1) & (live_cap - 1))
		;
	if (!live_set[i])
		live_used++;
	live_set[i] = page;
}

/* The slot of @page, or live_cap if it is not live. */
static size_t live_find(uintptr_t page)
{
	size_t i;

	if (!live_cap)
		return 0;
	for (i = live_slot(page); live_set[i]; i = (i + 1) & (live_cap - 1))
		if (live_set[i] == page)
			return i;
	return live_cap;
}

bool kho_shim_page_live(const void *page)
{
	return live_cap && live_find((uintptr_t)page) < live_cap;
}

void kho_shim_fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	abort();
}

unsigned long kho_shim_pages_live(void)
{
	return nr_allocated - nr_freed;
}

unsigned long kho_shim_alloc_calls(void)
{
	return nr_calls;
}

void kho_shim_set_alloc_hook(void (*hook)(unsigned long nth, void *arg),
			     void *arg)
{
	alloc_hook = hook;
	alloc_hook_arg = arg;
	hook_base = nr_calls;
}

unsigned int kho_shim_locks_held(void)
{
	return locks_held;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	unsigned long nth;
	void *page;

	/*
	 * The tree asks for low memory first, without reclaim: userspace has
	 * none, so that try fails at once and is no allocation of the model;
	 * the GFP_KERNEL call that follows is.
	 */
	if (gfp == (GFP_KERNEL | __GFP_DMA32 | __GFP_NORETRY | __GFP_NOWARN))
		return 0;
	if (gfp != GFP_KERNEL)
		kho_shim_fatal("unexpected gfp flags %#x", gfp);
	/* The tree promises to allocate before it takes its lock. */
	if (locks_held)
		kho_shim_fatal("page allocated with %u tree lock(s) held", locks_held);

	nth = ++nr_calls;
	if (alloc_hook && !in_hook) {
		in_hook = true;
		alloc_hook(nth - hook_base, alloc_hook_arg);
		in_hook = false;
	}
	/* The fault point of the task's fail-nth, as in should_fail(). */
	if (current->fail_nth && !--current->fail_nth)
		return 0;

	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!page)
		kho_shim_fatal("out of memory in the harness itself");
	memset(page, 0, PAGE_SIZE);
	nr_allocated++;
	live_insert((uintptr_t)page);
	return (unsigned long)page;
}

void free_page(unsigned long addr)
{
	size_t slot;

	if (!addr)
		return;
	if (addr & (PAGE_SIZE - 1))
		kho_shim_fatal("%s(%#lx): not a page address", __func__, addr);
	slot = live_find(addr);
	if (slot >= live_cap)
		kho_shim_fatal("%s(%#lx): not a live page", __func__, addr);
	live_set[slot] = 1;
	free((void *)addr);
	nr_freed++;
	/* Nothing live: the set goes too, so that no memory outlives the run. */
	if (!kho_shim_pages_live()) {
		free(live_set);
		live_set = NULL;
		live_cap = 0;
		live_used = 0;
	}
}

void mutex_init(struct mutex *lock)
{
	lock->held = 0;
	lock->magic = lock;
}

void mutex_lock(struct mutex *lock)
{
	if (lock->magic != lock)
		kho_shim_fatal("%s() on a mutex never initialised (%s in the kernel)",
			       __func__, "DEBUG_LOCKS_WARN_ON");
	if (lock->held)
		kho_shim_fatal("%s() on a held mutex: the kernel would deadlock", __func__);
	lock->held = 1;
	locks_held++;
}

void mutex_unlock(struct mutex *lock)
{
	if (lock->magic != lock)
		kho_shim_fatal("%s() on a mutex never initialised", __func__);
	if (lock->held != 1)
		kho_shim_fatal("%s() on a mutex that is not held", __func__);
	lock->held = 0;
	locks_held--;
}
