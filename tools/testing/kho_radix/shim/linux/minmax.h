/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KHO_SHIM_LINUX_MINMAX_H
#define KHO_SHIM_LINUX_MINMAX_H

/* Plain GNU C versions: the harness has no need for the kernel's type checks. */
#define min(a, b)	({ typeof(a) __ma = (a); typeof(b) __mb = (b); __ma < __mb ? __ma : __mb; })
#define max(a, b)	({ typeof(a) __ma = (a); typeof(b) __mb = (b); __ma > __mb ? __ma : __mb; })

#define swap(a, b)	do { typeof(a) __sw = (a); (a) = (b); (b) = __sw; } while (0)

#endif
