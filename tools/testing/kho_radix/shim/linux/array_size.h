/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include has ARRAY_SIZE() in <linux/kernel.h>, not in a header of its own. */
#include <linux/kernel.h>
