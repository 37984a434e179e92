/* SPDX-License-Identifier: GPL-2.0 */
/* Checked by the harness in shim.c: see kho_shim.h. */
#ifndef KHO_SHIM_LINUX_MUTEX_H
#define KHO_SHIM_LINUX_MUTEX_H

#include <linux/mutex_types.h>

void mutex_init(struct mutex *lock);
void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);

#endif
