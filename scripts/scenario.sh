#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run one KHO kexec scenario in QEMU and record its result.
#
#   scenario.sh NAME PLAN [MODARGS] [VARIANT] [TIMEOUT] [MEM]
#
# PLAN is the comma-separated list of kernels booted in turn (ours, stock;
# NAME+WORD also puts WORD on that stage's command line, as in ours+kho=off;
# NAME+W1+W2 two words, and ';' in a word stands for a comma; NAME:VARIANT
# boots that stage with another config, as in ours,ours:debug),
# MODARGS extra kho_scenario parameters (comma-separated), VARIANT the
# kernel config (test or debug).  The kernels must already be built.  The
# serial log is kept in $KHO_BUILD/logs/NAME.log and printed on failure.
# Pass: every stage's KTAP line is "ok", every stage ran, no kernel splat,
# and, if KHO_EXPECT is set, a kernel log line contains that text.
# KHO_CMDLINE_EXTRA adds to the kernel command line, KHO_INITRD_EXTRA adds
# gen_init_cpio lines to the initramfs (see scripts/report-scenario.sh).
set -euo pipefail
KHO_TAG=scenario
. "$(dirname "$0")/lib.sh"

name=$1
plan=$2
modargs=${3:-}
variant=${4:-test}
tmo=${5:-300}
mem=${6:-$(kho_mem "$variant")}

IFS=, read -r -a stages <<< "$plan"
nr=${#stages[@]}
kernels=("${stages[@]%%+*}")
word1=
[[ ${stages[0]} == *+* ]] && word1=${stages[0]#*+}
# As the guest init reads a plan word: '+' between words, ';' for a comma.
word1=${word1//+/ }
word1=${word1//;/,}
work=$KHO_BUILD/scenarios/$name
log=$KHO_BUILD/logs/$name.log
# Nothing of an earlier run may be read as this run's (kunit.sh and
# report-scenario.sh parse the log after this script).
rm -rf "$work" "$log"
mkdir -p "$work"

# A stage's kernel: FLAVOR, or FLAVOR:VARIANT for another config than the
# scenario's.
stage_kdir() {
	local v=$variant
	[[ $1 == *:* ]] && v=${1#*:}
	kho_kdir "${1%%:*}" "$v"
}
first=$(stage_kdir "${kernels[0]}")
init=$(kho_init_bin "$first/hdr/include")
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "dir /k 0755 0 0"
	echo "file /init $init 0755 0 0"
	for k in $(printf '%s\n' "${kernels[@]}" | sort -u); do
		kdir=$(stage_kdir "$k")
		[ -f "$kdir/$KHO_IMAGE" ] || die "kernel ${kdir##*/} is not built"
		echo "dir /k/$k 0755 0 0"
		echo "file /k/$k/kernel $kdir/$KHO_IMAGE 0644 0 0"
		echo "file /k/$k/kho_scenario.ko $KHO_BUILD/mod/${kdir##*/}/kho_scenario.ko 0644 0 0"
	done
	[ -z "${KHO_INITRD_EXTRA:-}" ] || printf '%s\n' "$KHO_INITRD_EXTRA"
} > "$work/cpio_list"
[ -x "$first/usr/gen_init_cpio" ] || die "kernel ${first##*/} is not built"
"$first/usr/gen_init_cpio" "$work/cpio_list" > "$work/initrd.cpio" ||
	die "gen_init_cpio failed"

# The built-in KUnit suites run at every boot unless told not to: only
# kunit.sh wants them (KHO_KUNIT=1); they would double a debug boot.
kunit=
[ "${KHO_KUNIT:-0}" = 1 ] || kunit=kunit.enable=0

say "$name: booting $plan (timeout ${tmo}s, log $log)"
t0=$(date +%s.%N)
rc=0
kho_qemu "$log" "$tmo" "$first/$KHO_IMAGE" "$work/initrd.cpio" \
	"kho=on printk.devkmsg=on ${kunit:+$kunit }$(kho_cmdline "$variant") khotest.plan=$plan khotest.stage=1${modargs:+ khotest.mod=$modargs}${KHO_CMDLINE_EXTRA:+ $KHO_CMDLINE_EXTRA}${word1:+ $word1}" "$mem" || rc=$?
t1=$(date +%s.%N)

# The guest's own KTAP lines (it writes them through /dev/kmsg).
mapfile -t lines < <(sed -E 's/^\[ *[0-9.]+\] //' "$log" | grep -aE '^(not )?ok [0-9]+ stage[0-9]+\.' || true)
oks=$(printf '%s\n' "${lines[@]}" | grep -c '^ok ' || true)
why=
[ "$rc" = 124 ] && why="timeout after ${tmo}s"
[ -z "$why" ] && [ "${#lines[@]}" != "$nr" ] && why="${#lines[@]} of $nr stages reported"
[ -z "$why" ] && [ "$oks" != "$nr" ] && why="$((nr - oks)) stage(s) failed"
if [ -z "$why" ] && [ -n "${KHO_EXPECT:-}" ]; then
	if seen=$(grep -aF -m1 -- "$KHO_EXPECT" "$log"); then
		printf '    # expected line: %s\n' "$(printf '%s' "$seen" | sed -E 's/^\[ *[0-9.]+\] //')"
	else
		why="no log line with \"$KHO_EXPECT\""
	fi
fi
if [ -z "$why" ] && splats=$(kho_splats "$log"); then
	why="kernel report in the log"
	printf '%s\n' "$splats" | head -n 20 >&2
fi
printf '    %s\n' "${lines[@]}"
grep -a 'kho_scenario: stage' "$log" | sed 's/^\[ *[0-9.]*\] /    # /' || true
printf '    # host wall time %.1f s\n' "$(echo "$t1 - $t0" | bc)"
if [ -n "$why" ]; then
	say "$name failed: $why; serial log $log:"
	tail -n 60 "$log" | sed 's/^/    | /' >&2
	kho_result "scenario.$name" fail "$why"
	exit 1
fi
kho_result "scenario.$name" ok
