/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_EXPORT_H
#define KHO_SHIM_LINUX_EXPORT_H

/* A harmless redeclaration, so the caller's trailing semicolon is legal. */
#define EXPORT_SYMBOL_GPL(sym)	extern typeof(sym) sym

#endif
