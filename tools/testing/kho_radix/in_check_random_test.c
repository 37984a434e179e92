// SPDX-License-Identifier: GPL-2.0
#include "in_check_util.h"
static void stub_check(void) { EXPECT(true); }
static const struct kho_test_case cases[] = { KHO_CASE(stub_check) };
KHO_SUITE(in_check_random_suite, cases);
