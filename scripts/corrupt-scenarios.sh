#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Damaged handovers: one ours -> ours kexec per class of damage.
#
#   corrupt-scenarios.sh [VARIANT] [CLASS...]
#
# Stage 1 preserves the usual set, then kho_corrupt_test() (built with
# CONFIG_KHO_CORRUPT_TEST) damages the handover in one way just before the
# kexec.  Stage 2 must boot normally, log the line that names the damage,
# and see no handover at all (the scenario module checks is_kho_boot()).
# Any kernel report in the log fails the class, as in every scenario.
set -euo pipefail
here=$(dirname "$0")

variant=${1:-test}
shift || true

# class | the line the next kernel must print (a fixed substring of it)
table='
fdt-compatible|ignoring the handover: FDT is not kho-v4
fdt-no-map|ignoring the handover: no valid preserved-memory-map
fdt-map-size|ignoring the handover: no valid preserved-memory-map
root-misaligned|ignoring the handover: misaligned tree page at
root-outside-ram|ignoring the handover: tree page outside RAM at
entry-misaligned|ignoring the handover: misaligned tree page at
entry-outside-ram|ignoring the handover: tree page outside RAM at
entry-in-scratch|ignoring the handover: tree page overlaps scratch at
entry-twice|ignoring the handover: tree page reached twice at
key-invalid|ignoring the handover: invalid key at
block-outside-ram|ignoring the handover: preserved block outside RAM at
block-in-scratch|ignoring the handover: preserved block overlaps scratch at
block-overlap|ignoring the handover: overlapping preserved blocks at
tree-page-in-block|ignoring the handover: tree page inside a preserved block at
'

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
