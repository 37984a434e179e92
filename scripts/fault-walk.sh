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
# Then a second chain in which stage k + 1 fails every call from its k-th
# on (fail_kho_incoming=1,100,k-1,-1): the fallbacks fail too, down to a
# late drop of the whole handover.  That chain guards issue 13 defects 1
# (a late drop freed scratch this kernel never reserved), 3 (a late drop
# gave the reserve_mem= regions to the allocator: every stage checks the
# previous stage's pattern in one) and 8 (a fallback that failed part-way
# left struct pages nobody initialised: every stage of that chain reads
# every pfn's flags, which DEBUG_VM checks on the debug kernel).
# A third chain fails calls k and k + 1 only, so that a lost handover
# leaves the call that keeps the reserve_mem= regions to succeed.
# Last, one kexec fails the bulk reservation and the second coarse one
# (calls j and j + 2), so that the coarse fallback stops part-way with one
# region reserved (defect 8): the blocks below it are refused or, when the
# tree lies lower (a predecessor takes tree pages from low memory), the
# handover is lost and the region must be given back whole.  Every pfn is
# read, and no zone may manage more than it has.  No chain reaches that:
# failing every call from the bulk one on fails the first coarse region too.
# Records the counting run, the three chains, one result per stage, and
# the part-way kexec.
set -uo pipefail
KHO_TAG=fault-walk
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
prefix=fault
[ "$variant" = test ] || prefix=$variant-fault
args="tolerant=1,scattered=4096,max_order=4,rmem=scnfw"
extra="reserve_mem=8M:2M:scnfw"
here=$(dirname "$0")
per=60
[ "$variant" = debug ] && per=150

KHO_CMDLINE_EXTRA="$extra fail_kho_incoming=1000000,100,0,1" \
	"$here/scenario.sh" "$prefix-count" ours,ours "$args" "$variant" $((2 * per)) || exit 1
n=$(sed -nE 's/.*KHO: fault injection: ([0-9]+) calls could have failed.*/\1/p' \
	"$KHO_BUILD/logs/$prefix-count.log" | tail -n 1)
[ -n "$n" ] || die "the successor did not count its fault points"
say "$n calls of the incoming path can fail; failing each in turn, in one chain"

# walk NAME WHAT ARGS...: one chain, stage k + 1 with the k-th plan word;
# one result per stage for the failure the word asked for.
walk() {
	local name=$1 what=$2 plan=ours k line cost sect log rc=0
	shift 2
	for ((k = 1; k <= n; k++)); do
		plan+=",ours+fail_kho_incoming=$1"
		shift
	done
	KHO_CMDLINE_EXTRA="$extra${walk_extra:+ $walk_extra}" "$here/scenario.sh" "$prefix-$name" "$plan" "$args" "$variant" \
		$(((n + 1) * per)) || rc=1
	log=$KHO_BUILD/logs/$prefix-$name.log
	for ((k = 1; k <= n; k++)); do
		# The successor's part of the log, and what the failure cost, as
		# it said it.
		sect=$(awk -v s="khotest: kexec into stage $((k + 1)) " -v e="khotest: kexec into stage $((k + 2)) " '
			index($0, s) { on = 1 } index($0, e) { on = 0 } on { sub(/^\[ *[0-9.]+\] /, ""); print }' "$log")
		line=$(printf '%s\n' "$sect" | grep -a -m1 "KHO: fault injection: failing call $k (")
		if [ -z "$line" ]; then
			kho_result "scenario.$prefix-$name-$k" fail "stage $((k + 1)) did not fail call $k"
			rc=1
			continue
		fi
		cost=$(printf '%s\n' "$sect" | grep -a -E 'KHO: (ignoring the handover|cannot|only part|no room|reserved [0-9]+ (preserved|coarse))' |
			sed 's/^KHO: //' | paste -sd '|' | sed 's/|/; then /g')
		printf '    # %s %s: %s; %s\n' "$what" "$k" "${line#KHO: fault injection: }" "${cost:-?}"
		# A handover lost after reserve_mem= revived its region: the
		# region and its contents must have stayed (defect 3), unless
		# the kernel said it could not keep it (that call failed too).
		if ! printf '%s\n' "$sect" | grep -aq "cannot keep reserve_mem region 'scnfw'" &&
		   { printf '%s\n' "$sect" | grep -aq 'scnfw: page .* is in the page allocator' ||
		     { printf '%s\n' "$sect" | grep -aq 'handover is lost' &&
		       ! printf '%s\n' "$sect" | grep -aq 'reserve_mem scnfw at .*contents verified'; }; }; then
			kho_result "scenario.$prefix-$name-$k" fail "the reserve_mem region was lost without a word"
			rc=1
			continue
		fi
		kho_result "scenario.$prefix-$name-$k" ok
	done
	return $rc
}

rc=0
words=()
for ((k = 1; k <= n; k++)); do words+=("$k;100;0;1"); done
walk chain "call" "${words[@]}" || rc=1
words=()
for ((k = 1; k <= n; k++)); do words+=("1;100;$((k - 1));-1"); done
# Only here can a fallback fail part-way: every stage reads every pfn.
walk_extra=khotest.pfnwalk=1 walk from "calls from" "${words[@]}" || rc=1
# Every call from the k-th on fails the call that keeps the reserve_mem=
# regions too, and the kernel may then say it lost them.  Failing only
# calls k and k + 1 reaches the same lost handover (the bulk reservation
# and the first coarse one) with that call left to succeed: the region
# must then be kept, contents and all.
words=()
for ((k = 1; k <= n; k++)); do words+=("1;100;$((k - 1));2"); done
walk pair "calls" "${words[@]}" || rc=1

# Issue 13 defect 8: a coarse fallback that fails part-way.  j is the bulk
# reservation's call, as the first chain's stage j + 1 named it;
# fail_kho_incoming=2,100,j-2,2 fails calls j and j + 2.
j=$(sed -nE 's/.*KHO: fault injection: failing call ([0-9]+) \(memblock_reserve_bulk_begin\).*/\1/p' \
	"$KHO_BUILD/logs/$prefix-chain.log" | head -n 1)
if [ -z "$j" ] || [ "$j" -lt 2 ]; then
	kho_result "scenario.$prefix-part" fail "the first chain did not name the bulk reservation's call"
	rc=1
else
	say "failing calls $j and $((j + 2)): the bulk reservation and the second coarse one"
	KHO_EXPECT="KHO: fault injection: failing call $((j + 2)) (memblock_reserve)" \
	KHO_CMDLINE_EXTRA="$extra khotest.pfnwalk=1" "$here/scenario.sh" "$prefix-part" \
		"ours,ours+fail_kho_incoming=2;100;$((j - 2));2" "$args" "$variant" $((3 * per)) || rc=1
fi
exit $rc
