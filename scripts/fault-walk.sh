#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Early-boot fault injection: fail each call of a kexec successor's
# incoming path that can run out of memory or room, one kexec per call.
#
#   fault-walk.sh [VARIANT]
#
# A first ours -> ours boot without a failure counts the calls (the
# successor logs "KHO: fault injection: N calls could have failed").  Then
# one chain of N + 1 kernels: stage k + 1 boots with
# fail_kho_incoming=k,100,0,1, which fails exactly its k-th such call
# (CONFIG_FAIL_KHO), and hands a fresh set over to the next stage.  Every
# kexec must log its failure and end in either the whole handover or a
# smaller, logged one (the scenario module runs tolerant: what is restored
# must be right, what is missing is counted), with no kernel report.
# Records the counting run, the chain, and one result per failed call.
set -uo pipefail
KHO_TAG=fault-walk
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
prefix=fault
[ "$variant" = test ] || prefix=$variant-fault
args="tolerant=1,scattered=4096,max_order=4"
here=$(dirname "$0")
per=60
[ "$variant" = debug ] && per=150

KHO_CMDLINE_EXTRA="fail_kho_incoming=1000000,100,0,1" \
	"$here/scenario.sh" "$prefix-count" ours,ours "$args" "$variant" $((2 * per)) || exit 1
n=$(sed -nE 's/.*KHO: fault injection: ([0-9]+) calls could have failed.*/\1/p' \
	"$KHO_BUILD/logs/$prefix-count.log" | tail -n 1)
[ -n "$n" ] || die "the successor did not count its fault points"
say "$n calls of the incoming path can fail; failing each in turn, in one chain"

plan=ours
for ((k = 1; k <= n; k++)); do
	plan+=",ours+fail_kho_incoming=$k;100;0;1"
done
rc=0
"$here/scenario.sh" "$prefix-chain" "$plan" "$args" "$variant" $(((n + 1) * per)) || rc=1
log=$KHO_BUILD/logs/$prefix-chain.log
for ((k = 1; k <= n; k++)); do
	line=$(grep -a -m1 "KHO: fault injection: failing call $k (" "$log" | sed -E 's/^\[ *[0-9.]+\] //')
	if [ -z "$line" ]; then
		kho_result "scenario.$prefix-$k" fail "stage $((k + 1)) did not fail call $k"
		rc=1
		continue
	fi
	# What the failure cost, as the successor said it.
	cost=$(awk -v s="khotest: kexec into stage $((k + 1)) " -v e="khotest: kexec into stage $((k + 2)) " '
		index($0, s) { on = 1 } index($0, e) { on = 0 }
		on && /KHO: (ignoring the handover|cannot|only part|no room|reserved [0-9]+ (preserved|coarse))/ {
			sub(/^\[ *[0-9.]+\] /, ""); print; exit }' "$log")
	printf '    # call %s: %s; %s\n' "$k" "${line#KHO: fault injection: }" "${cost:-?}"
	kho_result "scenario.$prefix-$k" ok
done
exit $rc
