#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Early-boot fault injection: fail each call of a kexec successor's
# incoming path that can run out of memory or room, one boot per call.
#
#   fault-walk.sh [VARIANT]
#
# A first ours -> ours boot without a failure counts the calls (the
# successor logs "KHO: fault injection: N calls could have failed"); then
# for k = 1..N the successor boots with fail_kho_incoming=k,100,0,1, which
# fails exactly its k-th such call (CONFIG_FAIL_KHO).  Every boot must log
# the failure, end in either the whole handover or a smaller, logged one
# (the scenario module runs tolerant: what is restored must be right, what
# is missing is counted), and show no kernel report.
set -euo pipefail
KHO_TAG=fault-walk
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
prefix=fault
[ "$variant" = test ] || prefix=$variant-fault
args="tolerant=1,scattered=4096,max_order=4"
here=$(dirname "$0")

KHO_CMDLINE_EXTRA="fail_kho_incoming=1000000,100,0,1" \
	"$here/scenario.sh" "$prefix-count" ours,ours "$args" "$variant" 300 || exit 1
n=$(sed -nE 's/.*KHO: fault injection: ([0-9]+) calls could have failed.*/\1/p' \
	"$KHO_BUILD/logs/$prefix-count.log" | tail -n 1)
[ -n "$n" ] || die "the successor did not count its fault points"
say "$n calls of the incoming path can fail; failing each in turn"

fail=0
for ((k = 1; k <= n; k++)); do
	KHO_EXPECT="KHO: fault injection: failing call $k " \
	KHO_CMDLINE_EXTRA="fail_kho_incoming=$k,100,0,1" \
		"$here/scenario.sh" "$prefix-$k" ours,ours "$args" "$variant" 300 || fail=1
done
exit $fail
