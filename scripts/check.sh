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
# No result of an earlier run may be read as one of this run.
rm -rf "$KHO_BUILD/logs" "$KHO_BUILD/scenarios"
mkdir -p "$KHO_BUILD/logs"
t_start=$(date +%s)
echo "KTAP version 1"

# Tuning knobs of the runners are for hand runs only: `make check` runs
# the same cases with the same seeds every time, and prints the seeds.
unset FILTER OPS LARGE BENCH_GIB CORPUS FUZZ_TIME KUNIT_TIMEOUT \
	KHO_EXPECT KHO_CMDLINE_EXTRA KHO_INITRD_EXTRA KHO_NODES KHO_REPORT_WARNINGS KHO_KUNIT \
	KHO_NO5LVL KHO_SMP KHO_PREALLOC
export SEED=1 FUZZ_SEED=1
echo "# seeds: SEED=$SEED FUZZ_SEED=$FUZZ_SEED"

count() { wc -l < "$KHO_RESULTS"; }
declared=0
# The closing lines, also when this script stops early: results declared
# but never recorded are failures.
finish() {
	local rc=$? pass fail got
	trap - EXIT
	[ -z "${bg_pid:-}" ] || kill -- -"$bg_pid" 2>/dev/null || true
	if [ "${done_all:-0}" != 1 ]; then
		kho_result "check" fail "check.sh stopped early (exit status $rc)" >/dev/null
	fi
	got=$(count)
	if [ "$got" -lt "$declared" ]; then
		kho_result "check.declared" fail "$got results recorded, $declared declared" >/dev/null
	fi
	pass=$(grep -c '^ok ' "$KHO_RESULTS")
	fail=$(grep -c '^not ok ' "$KHO_RESULTS")
	echo "1..$((pass + fail))"
	echo "# check took $(($(date +%s) - t_start)) s; $declared results declared; logs in $KHO_BUILD/logs"
	grep '^not ok ' "$KHO_RESULTS" | sed 's/^/# failed: /'
	echo "$pass passed, $fail failed"
	# An explicit status: a bare exit in an EXIT trap returns the status
	# the script had before the trap (0 after a normal end), whatever failed.
	[ "$fail" = 0 ] && exit 0
	exit 1
}
trap finish EXIT

# group NAME DECLARED TIMEOUT CMD...: run one group of tests, which
# declares before it runs how many results it records at least.  A group
# that records fewer, or runs out of time, records a failure of its own.
group() {
	local name=$1 want=$2 tmo=$3 before got rc=0 t0=$SECONDS
	shift 3
	declared=$((declared + want))
	echo "# group $name: at least $want results, timeout ${tmo}s"
	before=$(count)
	timeout -k 10 "$tmo" "$@" || rc=$?
	got=$(($(count) - before))
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		kho_result "$name" fail "timeout after ${tmo}s, $got results"
	elif [ "$got" -lt "$want" ]; then
		kho_result "$name" fail "$got of $want declared results recorded (exit status $rc)"
	fi
	echo "# group $name: $got results in $((SECONDS - t0)) s"
}

"$KHO_REPO/scripts/deps.sh" || exit 1

# Userspace tests: each prints KTAP, possibly with one level of subtests;
# every result line becomes one of ours ("PREFIX.parent.case").
KTAP_TIMEOUT=1800
run_ktap() {	# run_ktap PREFIX CMD...
	local prefix=$1 log line rc=0 n=0 subs=() plan= top=0
	shift
	log=$KHO_BUILD/logs/$prefix.log
	mkdir -p "$(dirname "$log")"
	declared=$((declared + 1))
	timeout -k 10 "$KTAP_TIMEOUT" "$@" > "$log" 2>&1 || rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^\ \ \ \ (ok|not\ ok)\ [0-9]+\ ([^#]*[^#\ ]) ]]; then
			local sst=${BASH_REMATCH[1]} sname=${BASH_REMATCH[2]}
			[[ $line =~ \#\ *SKIP ]] && sst=skip
			subs+=("$sst|$sname")
			continue
		fi
		if [[ $line =~ ^1\.\.([0-9]+)$ ]]; then
			# Several KTAP documents in one log: no single plan.
			if [ -z "$plan" ]; then plan=${BASH_REMATCH[1]}; else plan=many; fi
		fi
		[[ $line =~ ^(ok|not\ ok)\ [0-9]+\ ([^#]*[^#\ ]) ]] || continue
		local st=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]} sub
		top=$((top + 1))
		# A skipped test is not a pass.
		if [[ $line =~ \#\ *SKIP ]]; then
			kho_result "$prefix.$name" fail "skipped"
			n=$((n + 1)) subs=()
			continue
		fi
		for sub in "${subs[@]}"; do
			if [ "${sub%%|*}" = skip ]; then
				kho_result "$prefix.$name.${sub#*|}" fail "skipped"
			elif [ "${sub%%|*}" = ok ]; then
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
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		kho_result "$prefix" fail "timeout after ${KTAP_TIMEOUT}s; see $log"
	elif [ -n "$plan" ] && [ "$plan" != many ] && [ "$top" != "$plan" ]; then
		kho_result "$prefix" fail "$top results for a plan of $plan; see $log"
	elif [ "$n" = 0 ] || { [ "$rc" != 0 ] && ! grep -aq 'not ok ' "$log"; }; then
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

# A kernel that does not build records its failure here; the groups that
# need it still run and fail on their own ("kernel ... is not built").
build() {	# build FLAVOR VARIANT
	declared=$((declared + 1))
	if (kho_kernel "$1" "$2" >/dev/null); then
		kho_result "build.$1-$2" ok
	else
		kho_result "build.$1-$2" fail "see the build output above"
	fi
}
if want kernels || want kunit || want base || want scenarios || want debug; then
	build ours test
	build stock test
fi

# The debug and KCSAN kernels build in the background, niced, while the
# test kernel's groups run: their QEMU guests keep about one of the two
# cores busy, and the builds take what is left (not yet measured cold with
# the autogroup niced; see issue 15's note).  The background shell is a session of its own, so
# that an early stop of this script takes its builds down with it.  Their
# groups wait for them (bg_build_result).
bg_pid=
if want debug; then
	say "building ours-debug and ours-kcsan in the background"
	# A session of its own is an autogroup of its own, which the
	# scheduler shares the CPU with as with any other: nice the group.
	setsid nice -n 19 bash -c '. "$1/scripts/lib.sh"
		echo 19 2>/dev/null > /proc/self/autogroup || true
		for v in debug kcsan; do
			# The workspace is fresh (kho_kernel ours test above):
			# no second overlay.sh, which base-selftests.sh runs now.
			"$KHO_REPO/scripts/build-kernel.sh" "$KHO_BUILD/src-ours" \
				"$(kho_kdir ours "$v")" "$v" ours && kho_module ours "$v" >/dev/null
			echo $? > "$KHO_BUILD/logs/build-ours-$v.status"
		done' bg "$KHO_REPO" > /dev/null &
	bg_pid=$!
fi
bg_build_result() {	# bg_build_result VARIANT: wait for it and record it
	local st=$KHO_BUILD/logs/build-ours-$1.status t0=$SECONDS
	declared=$((declared + 1))
	while [ ! -f "$st" ] && kill -0 "$bg_pid" 2>/dev/null; do
		sleep 5
	done
	[ "$((SECONDS - t0))" -gt 5 ] && say "waited $((SECONDS - t0)) s for ours-$1"
	if [ "$(cat "$st" 2>/dev/null)" = 0 ]; then
		kho_result "build.ours-$1" ok
	else
		kho_result "build.ours-$1" fail "see the build output above"
	fi
}

# The KUnit cases of our two suites, as written in their sources.
kunit_cases=$(cat "$KHO_REPO"/kernel/liveupdate/kho_kunit.c \
	"$KHO_REPO"/kernel/liveupdate/kho_radix_kunit.c | grep -c 'KUNIT_CASE')
if want kunit; then
	group kunit-test "$kunit_cases" 900 "$KHO_REPO/scripts/kunit.sh" test
fi

if want base; then
	group base-selftests 5 9000 "$KHO_REPO/scripts/base-selftests.sh" ours
fi

# Our QEMU scenarios.  Each is a chain of kernels (see scenario.sh) and
# records one result; the report scenarios record their checks besides.
scn() {		# scn NAME PLAN MODARGS VARIANT TIMEOUT [ENV=VALUE...]
	local name=$1 plan=$2 args=$3 v=$4 t=$5
	shift 5
	group "scenario.$name" 1 $((t * 2 + 60)) env "$@" \
		"$KHO_REPO/scripts/scenario.sh" "$name" "$plan" "$args" "$v" "$t"
}
run_scenarios() {	# run_scenarios VARIANT PREFIX TIMEOUT
	local v=$1 p=$2 t=$3 r=$KHO_REPO/scripts
	scn "${p}ours-ours" ours,ours "" "$v" "$t"
	scn "${p}chain" ours,ours,ours,ours "" "$v" "$t"
	scn "${p}big-and-scattered" ours,ours "big_order=15,scattered=4096" "$v" "$t"
	# KHO and a LUO memfd in the same handovers.  LUO restores its memfd
	# from an early_initcall; the guest then reads every pfn's flags and
	# every incoming blob in debugfs, before and after the module's
	# restores (a blob LUO freed must not be shown: regression test for
	# issue 13 defect 4).
	group "scenario.${p}kho-and-luo" 1 $((t * 3)) env KHO_CMDLINE_EXTRA=khotest.pfnwalk=1 \
		"$r/luo-scenario.sh" "${p}kho-and-luo" ours,ours,ours "" "$v" "$t"
	# kho-report before and after the kexec, checked against what was
	# preserved (report-scenario.sh, report-check.py).
	group "scenario.${p}report" 1 $((t * 2)) \
		"$r/report-scenario.sh" "${p}report" ours,ours "" "$v" "$t"
	group "scenario.${p}report-scattered" 1 $((t * 2)) env KHO_REPORT_WARNINGS=fragmented \
		"$r/report-scenario.sh" "${p}report-scattered" ours,ours scattered=4096 "$v" "$t"
	# The shape of a hypervisor host (host-scenarios.sh); on the debug
	# variant, a test-kernel host hands over to debug successors.
	group "scenario.${p}host" "$(grep -c '^[a-z]' "$r/host-scenarios.table")" \
		$((t * 10)) "$r/host-scenarios.sh" "$v"
	if [ "$v" = test ]; then
		scn stock-to-ours stock,ours "" test "$t"
		scn ours-to-stock ours,stock "" test "$t"
		scn mixed-chain ours,stock,ours,stock "" test "$t"
		group scenario.kho-and-luo-mixed 1 $((t * 3)) \
			"$r/luo-scenario.sh" kho-and-luo-mixed stock,ours,stock "" test "$t"
		# A successor booted with kho=off ignores the handover whole
		# and boots as if cold, whichever kernel made it.
		scn kho-off-successor ours,ours+kho=off scattered=4096 test "$t" \
			KHO_EXPECT="KHO: KHO is off, ignoring the handover"
		scn stock-to-kho-off stock,ours+kho=off "" test "$t" \
			KHO_EXPECT="KHO: KHO is off, ignoring the handover"
		# Handovers damaged on purpose: one class of damage per kexec.
		group scenario.corrupt "$(grep -c '^[a-z]' "$r/corrupt-scenarios.table")" \
			$((t * 30)) "$r/corrupt-scenarios.sh" test
	fi
	# Early-boot fault injection: every failure point of the incoming path.
	group "scenario.${p}fault-walk" 5 $((t * 60)) "$r/fault-walk.sh" "$v"
}

if want scenarios; then
	run_scenarios test "" 300
fi

# The same on the debug kernel (KASAN, lockdep, DEBUG_VM): any report fails.
if want debug; then
	bg_build_result debug
	group kunit-debug "$kunit_cases" 1800 "$KHO_REPO/scripts/kunit.sh" debug
	run_scenarios debug debug- 900
	# Both suites under KCSAN (which excludes KASAN): the concurrent
	# cases must show no data race in our code (issue 13 defect 10).
	bg_build_result kcsan
	group kunit-kcsan "$kunit_cases" 1800 env KUNIT_TIMEOUT=1500 "$KHO_REPO/scripts/kunit.sh" kcsan
fi

done_all=1
