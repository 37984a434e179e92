#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kexec scenarios on the shape of a hypervisor host (host-scenarios.table):
# several NUMA nodes, most of RAM preserved, tight scratch, reserve_mem=,
# successors booted with other command lines.  One result per scenario.
#
#   host-scenarios.sh [VARIANT] [NAME...]
#
# On the debug kernel every stage after the first boots the debug kernel
# (see the table's header for why the first does not), with the table's
# debug scratch and 2 GiB more memory.
set -uo pipefail
KHO_TAG=host
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
shift || true
here=$(dirname "$0")
tmo=600
[ "$variant" = debug ] && tmo=1500

# debug_plan PLAN: every stage after the first on the debug kernel.
debug_plan() {
	local IFS=, out=() st i=0
	for st in $1; do
		if [ $i -gt 0 ]; then
			case $st in
			*+*) st=${st%%+*}:debug+${st#*+} ;;
			*) st=$st:debug ;;
			esac
		fi
		out+=("$st")
		i=$((i + 1))
	done
	echo "${out[*]}"
}

fail=0
while IFS='|' read -r name plan args mem nodes cmdline expect dscratch; do
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF -- "$name"; then
		continue
	fi
	if [ "$variant" = debug ]; then
		name=$variant-$name
		plan=$(debug_plan "$plan")
		cmdline=$(printf '%s' "$cmdline" | sed -E 's/kho_scratch=[^ ]*//')
		cmdline="$cmdline kho_scratch=$dscratch $(kho_cmdline debug | sed -E 's/kho_scratch=[^ ]*//')"
		mem=$(( ${mem%G} + 2 ))G
	fi
	KHO_NODES=$nodes KHO_CMDLINE_EXTRA=$cmdline KHO_EXPECT=$expect \
		"$here/scenario.sh" "$name" "$plan" "$args" test "$tmo" "$mem" || fail=1
done < <(grep '^[a-z]' "$here/host-scenarios.table")
exit $fail
