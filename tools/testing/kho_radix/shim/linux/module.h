/* SPDX-License-Identifier: GPL-2.0 */
/* tools/include's <linux/module.h>, and the module tags, which mean nothing here. */
#ifndef KHO_SHIM_LINUX_MODULE_H
#define KHO_SHIM_LINUX_MODULE_H

#include_next <linux/module.h>

#define MODULE_DESCRIPTION(desc)
#define MODULE_LICENSE(license)
#define MODULE_IMPORT_NS(ns)

#endif
