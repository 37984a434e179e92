/* SPDX-License-Identifier: GPL-2.0 */
/* The C library's snprintf() is the kernel's, for the harness. */
#include <stdio.h>
