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

# The classes and the line the next kernel must print for each.
table=$(grep '^[a-z]' "$here/corrupt-scenarios.table")

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
