/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_TYPECHECK_H
#define KHO_SHIM_LINUX_TYPECHECK_H

/* Comparing pointers to both types makes the compiler warn on a mismatch. */
#define typecheck(type, x)			\
	({					\
		type __tc_want;			\
		typeof(x) __tc_got;		\
		(void)(&__tc_want == &__tc_got);\
		1;				\
	})

#endif
