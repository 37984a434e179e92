#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Issue 13, item 6: is the early-boot KASAN report of our debug guests a
# base defect?  Boot the same debug config and command line N times, with
# 5-level paging (without the "no5lvl" the debug guests otherwise get), on a
# kernel flavor, and count the boots whose log has a KASAN report.
#
#   kasan-loop.sh [FLAVOR] [N] [STAGES]      default: stock 40 1
#
# Each run is a scenario of STAGES boots of that kernel: boot, load the
# scenario module, preserve, then kexec into the next stage, as the debug
# rows of make check do; the last one powers off.  N runs
# make N * STAGES boots.  Logs: $KHO_BUILD/logs/kasan-loop-FLAVOR-I.log;
# the ones with a report are kept, the others removed.
set -uo pipefail
KHO_TAG=kasan-loop
. "$(dirname "$0")/lib.sh"

flavor=${1:-stock}
n=${2:-40}
stages=${3:-1}
plan=$flavor
for ((i = 1; i < stages; i++)); do plan+=",$flavor"; done
kho_kernel "$flavor" debug >/dev/null || die "no $flavor debug kernel"
hits=0
for ((i = 1; i <= n; i++)); do
	name=kasan-loop-$flavor-$i
	# The debug command line without no5lvl (kho_cmdline), as before the
	# workaround.
	KHO_NO5LVL=0 "$KHO_REPO/scripts/scenario.sh" "$name" "$plan" "" debug 300 \
		>/dev/null 2>&1 || true
	log=$KHO_BUILD/logs/$name.log
	if grep -aq 'BUG: KASAN' "$log"; then
		hits=$((hits + 1))
		say "run $i: $(grep -a -m1 'BUG: KASAN' "$log" | sed -E 's/^\[ *[0-9.]+\] //')"
	else
		rm -f "$log"
	fi
done
say "$flavor debug kernel, 5-level paging: $hits of $n runs of $stages boots with a KASAN report"
