#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kexec scenarios on the shape of a hypervisor host (host-scenarios.table):
# several NUMA nodes, most of RAM preserved, tight scratch, reserve_mem=,
# successors booted with other command lines.  One result per scenario.
#
#   host-scenarios.sh [VARIANT] [NAME...]
#
# On the debug kernel the scratch sizes of the table are replaced by the
# debug kernel's own (KASAN's shadow lives in scratch), and guests get 2 GiB
# more memory for it.
set -uo pipefail
KHO_TAG=host
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
shift || true
here=$(dirname "$0")
tmo=600
[ "$variant" = debug ] && tmo=1500

fail=0
while IFS='|' read -r name plan args mem nodes cmdline expect; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF -- "$name"; then
		continue
	fi
	# There is no stock debug kernel: its rows run on the test kernels only.
	[ "$variant" = debug ] && [[ $plan == *stock* ]] && continue
	[ "$variant" = test ] || name=$variant-$name
	if [ "$variant" = debug ]; then
		cmdline=$(printf '%s' "$cmdline" | sed -E 's/kho_scratch=[^ ]*//')
		mem=$(( ${mem%G} + 2 ))G
	fi
	KHO_NODES=$nodes KHO_CMDLINE_EXTRA=$cmdline KHO_EXPECT=$expect \
		"$here/scenario.sh" "$name" "$plan" "$args" "$variant" "$tmo" "$mem" || fail=1
done < <(grep '^[a-z]' "$here/host-scenarios.table")
exit $fail
