/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-side control of the kernel shims: page accounting, allocation hooks
 * and lock checking. Allocations fail through current->fail_nth, as with the
 * kernel's fault injection (shim/linux/sched.h).
 */
#ifndef KHO_SHIM_H
#define KHO_SHIM_H

#include <stdbool.h>

#include <linux/compiler.h>

/* Pages handed out by get_zeroed_page() and not yet freed. */
unsigned long kho_shim_pages_live(void);

/* Whether @page was handed out by get_zeroed_page() and not freed since. */
bool kho_shim_page_live(const void *page);

/* Calls to get_zeroed_page() so far, failed ones included. */
unsigned long kho_shim_alloc_calls(void);

/*
 * Run @hook at the start of every get_zeroed_page() call, with the call's
 * number counted from now (1 for the next one). The shim guarantees that no
 * tree lock is held then, so the hook may use the tree API; allocations made
 * by the hook itself do not run it again. NULL removes the hook.
 */
void kho_shim_set_alloc_hook(void (*hook)(unsigned long nth, void *arg),
			     void *arg);

/* Tree mutexes currently held. */
unsigned int kho_shim_locks_held(void);

/* Report a broken kernel contract as a KTAP bail-out and abort. */
void __noreturn __printf(1, 2) kho_shim_fatal(const char *fmt, ...);

#endif
