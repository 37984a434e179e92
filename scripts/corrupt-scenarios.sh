#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Damaged handovers: one ours -> ours kexec per class of damage.
#
#   corrupt-scenarios.sh [VARIANT] [CLASS...]
#
# Stage 1 preserves the usual set, then the scenario module damages the
# handover in one way through its ABI (the FDT and the tree in memory) just
# before the kexec.  Stage 2 must boot normally and log the line that names
# the damage.  Damage to the FDT or to the tree's root costs the whole
# handover (the module checks is_kho_boot()); any other costs exactly what
# it covers: the one folio it aims at is refused, or nothing, and everything
# else is restored and checked.  Any kernel report in the log fails the
# class, as in every scenario.
set -euo pipefail
here=$(dirname "$0")

variant=${1:-test}
shift || true

# class | the line the next kernel must print (a fixed substring of it)
table='
fdt-compatible|ignoring the handover: FDT is not kho-v4
fdt-no-map|ignoring the handover: no preserved-memory-map
fdt-map-size|ignoring the handover: preserved-memory-map of the wrong size
root-misaligned|ignoring the handover: tree root not page aligned
root-outside-ram|ignoring the handover: tree root outside RAM
entry-misaligned|refused 1 table entries not page aligned
entry-outside-ram|refused 1 table entries outside RAM
entry-in-scratch|refused 1 table entries in scratch memory
entry-twice|refused 1 table entries reached twice
key-beyond|refused 1 table entries beyond the widest key
block-outside-ram|refused 1 preserved blocks (4 KiB) outside RAM
block-in-scratch|refused 1 preserved blocks (4 KiB) in scratch memory
block-overlap|refused 1 preserved blocks (2048 KiB) inside a larger block
tree-page-in-block|refused 1 preserved blocks (4 KiB) holding a tree page'

fail=0
while IFS='|' read -r class line; do
	[ -n "$class" ] || continue
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF -- "$class"; then
		continue
	fi
	name=corrupt-$class
	[ "$variant" = test ] || name=$variant-$name
	KHO_EXPECT=$line "$here/scenario.sh" "$name" ours,ours \
		"corrupt=$class,max_order=3,unpreserve=0" "$variant" 120 || fail=1
done <<< "$table"
exit $fail
