#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every test of the project, in order of cost; one KTAP result per test and a
# closing "N passed, N failed" line.  Exit status 1 if anything failed.
#
#   check.sh [GROUP...]     groups: unit kernels kunit base scenarios debug
#                           (default: all of them)
set -uo pipefail
KHO_TAG=check
. "$(dirname "$0")/lib.sh"

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(unit kernels kunit base scenarios debug)
want() { printf '%s\n' "${groups[@]}" | grep -qx "$1"; }

export KHO_RESULTS=$KHO_BUILD/results.check
mkdir -p "$KHO_BUILD"
: > "$KHO_RESULTS"
t_start=$(date +%s)
echo "KTAP version 1"

"$KHO_REPO/scripts/deps.sh" || exit 1

# Userspace tests: each prints KTAP, possibly with one level of subtests;
# every result line becomes one of ours ("PREFIX.parent.case").
run_ktap() {	# run_ktap PREFIX CMD...
	local prefix=$1 log line rc=0 n=0 subs=()
	shift
	log=$KHO_BUILD/logs/$prefix.log
	mkdir -p "$(dirname "$log")"
	"$@" > "$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^\ \ \ \ (ok|not\ ok)\ [0-9]+\ ([^#]*[^#\ ]) ]]; then
			subs+=("${BASH_REMATCH[1]}|${BASH_REMATCH[2]}")
			continue
		fi
		[[ $line =~ ^(ok|not\ ok)\ [0-9]+\ ([^#]*[^#\ ]) ]] || continue
		local st=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} sub
		for sub in "${subs[@]}"; do
			if [ "${sub%%|*}" = ok ]; then
				kho_result "$prefix.$name.${sub#*|}" ok
			else
				kho_result "$prefix.$name.${sub#*|}" fail "see $log"
			fi
			n=$((n + 1))
		done
		# The parent line adds a result of its own only when it fails
		# beyond its subtests (a crash, a leak check at exit).
		if [ ${#subs[@]} = 0 ] || { [ "$st" != ok ] && ! printf '%s\n' "${subs[@]}" | grep -q '^not ok|'; }; then
			if [ "$st" = ok ]; then kho_result "$prefix.$name" ok
			else kho_result "$prefix.$name" fail "see $log"; fi
			n=$((n + 1))
		fi
		subs=()
	done < "$log"
	if [ "$n" = 0 ] || { [ "$rc" != 0 ] && ! grep -aq 'not ok ' "$log"; }; then
		tail -n 40 "$log" >&2
		kho_result "$prefix" fail "exit status $rc, $n results; see $log"
	fi
}

if want unit; then
	if [ -f "$KHO_REPO/tools/testing/kho_radix/Makefile" ]; then
		run_ktap radix make -s -C "$KHO_REPO/tools/testing/kho_radix" check
		run_ktap radix-valgrind make -s -C "$KHO_REPO/tools/testing/kho_radix" valgrind
		# The incoming-tree validator under libFuzzer, briefly (make fuzz
		# runs it for longer).
		run_ktap radix-fuzz make -s -C "$KHO_REPO/tools/testing/kho_radix" fuzz-smoke
	fi
	# The operator's report tool: decoder tests on saved and malformed FDTs.
	run_ktap kho-report make -s -C "$KHO_REPO/tools/kho" check
	# Our rst through the kernel's own doc build: no warnings.
	run_ktap docs "$KHO_REPO/scripts/check-docs.sh"
	# memblock_reserve_bulk() (patches/0002) in the base's memblock
	# simulator, with the base's own memblock tests.
	run_ktap memblock "$KHO_REPO/scripts/memblock-tests.sh"
fi

built=1
if want kernels || want kunit || want base || want scenarios; then
	for k in ours stock; do
		if (kho_kernel "$k" test >/dev/null); then
			kho_result "build.$k-test" ok
		else
			kho_result "build.$k-test" fail "see the build output above"
			built=0
		fi
	done
fi

if want kunit && [ "$built" = 1 ]; then
	"$KHO_REPO/scripts/kunit.sh" test || true
fi

if want base; then
	"$KHO_REPO/scripts/base-selftests.sh" ours || true
fi

# Our QEMU scenarios.  Each is a chain of kernels (see scenario.sh).
run_scenarios() {	# run_scenarios VARIANT PREFIX TIMEOUT
	local v=$1 p=$2 t=$3 s=$KHO_REPO/scripts/scenario.sh
	"$s" "${p}ours-ours" ours,ours "" "$v" "$t" || true
	"$s" "${p}chain" ours,ours,ours,ours "" "$v" "$t" || true
	"$s" "${p}big-and-scattered" ours,ours "big_order=15,scattered=4096" "$v" "$t" || true
	# KHO and a LUO memfd in the same handovers.
	"$KHO_REPO/scripts/luo-scenario.sh" "${p}kho-and-luo" ours,ours,ours "" "$v" "$t" || true
	# kho-report before and after the kexec, checked against what was
	# preserved (report-scenario.sh, report-check.py).
	"$KHO_REPO/scripts/report-scenario.sh" "${p}report" ours,ours "" "$v" "$t" || true
	KHO_REPORT_WARNINGS=fragmented "$KHO_REPO/scripts/report-scenario.sh" \
		"${p}report-scattered" ours,ours scattered=4096 "$v" "$t" || true
	if [ "$v" = test ]; then
		"$s" stock-to-ours stock,ours "" test "$t" || true
		"$s" ours-to-stock ours,stock "" test "$t" || true
		"$s" mixed-chain ours,stock,ours,stock "" test "$t" || true
		"$KHO_REPO/scripts/luo-scenario.sh" kho-and-luo-mixed stock,ours,stock "" test "$t" || true
		# A successor booted with kho=off ignores the handover whole
		# and boots as if cold, whichever kernel made it.
		KHO_EXPECT="KHO: KHO is off, ignoring the handover" \
			"$s" kho-off-successor ours,ours+kho=off scattered=4096 test "$t" || true
		KHO_EXPECT="KHO: KHO is off, ignoring the handover" \
			"$s" stock-to-kho-off stock,ours+kho=off "" test "$t" || true
	fi
}

if want scenarios && [ "$built" = 1 ]; then
	run_scenarios test "" 300
	# Handovers damaged on purpose: one class of damage per kexec.
	"$KHO_REPO/scripts/corrupt-scenarios.sh" test || true
fi

# The same on the debug kernel (KASAN, lockdep, DEBUG_VM): any report fails.
if want debug; then
	if (kho_kernel ours debug >/dev/null); then
		kho_result "build.ours-debug" ok
		"$KHO_REPO/scripts/kunit.sh" debug || true
		run_scenarios debug debug- 900
	else
		kho_result "build.ours-debug" fail "see the build output above"
	fi
fi

pass=$(grep -c '^ok ' "$KHO_RESULTS")
fail=$(grep -c '^not ok ' "$KHO_RESULTS")
echo "1..$((pass + fail))"
echo "# check took $(($(date +%s) - t_start)) s; logs in $KHO_BUILD/logs"
grep '^not ok ' "$KHO_RESULTS" | sed 's/^/# failed: /'
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
