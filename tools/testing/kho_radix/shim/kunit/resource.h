/* SPDX-License-Identifier: GPL-2.0 */
/* Deferred actions are declared with the rest of the harness's KUnit. */
#include <kunit/test.h>
