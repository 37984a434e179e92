#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The operator's view in QEMU: kho-report before and after every kexec.
#
#   report-scenario.sh [NAME] [PLAN] [MODARGS] [VARIANT] [TIMEOUT]
#
# Defaults: NAME report, PLAN ours,ours, VARIANT test, TIMEOUT 300.  Builds
# tools/kho/kho-report as a static binary, adds it to the guest's initramfs
# as /bin/kho-report and runs scenario.sh with khotest.report=1, so that
# every stage prints the report (text and JSON) after preserving its set and
# before its kexec, and with kho_scenario's log_items=1, so that the log
# lists what each stage handed over.  scripts/report-check.py then compares
# on the host what each stage said it would hand over with what the next
# stage said it received and with what the module preserved.  Records one
# result per check (report.NAME.CHECK) besides the scenario's own.
# KHO_REPORT_WARNINGS lists the warning codes the run must raise and may
# raise (e.g. "fragmented" with scattered=4096); by default, none.
set -uo pipefail
KHO_TAG=report
. "$(dirname "$0")/lib.sh"

name=${1:-report}
plan=${2:-ours,ours}
modargs=${3:-}
variant=${4:-test}
tmo=${5:-300}

tooldir=$KHO_BUILD/kho-report
if ! make -s -C "$KHO_REPO/tools/kho" STATIC=1 LDFLAGS=-s OUTPUT="$tooldir" >&2; then
	kho_result "report.$name.build" fail "static build of tools/kho failed"
	exit 1
fi

export KHO_INITRD_EXTRA="dir /bin 0755 0 0
file /bin/kho-report $tooldir/kho-report 0755 0 0"
# A JSON report lists every range: a large log buffer keeps the console
# from dropping lines of it (report-check.py counts them).
export KHO_CMDLINE_EXTRA="khotest.report=1 log_buf_len=8M"
# A failed scenario still leaves a log worth checking: it may say why.
"$KHO_REPO/scripts/scenario.sh" "$name" "$plan" "log_items=1${modargs:+,$modargs}" \
	"$variant" "$tmo"
rc=$?

IFS=, read -r -a kernels <<< "$plan"
checks=$KHO_BUILD/scenarios/$name/report-check.out
python3 "$KHO_REPO/scripts/report-check.py" "$KHO_BUILD/logs/$name.log" \
	"${#kernels[@]}" "${KHO_REPORT_WARNINGS:-}" > "$checks" 2>&1
crc=$?
failed=0
while IFS= read -r line; do
	if [[ $line =~ ^ok\ (.*)$ ]]; then
		kho_result "report.$name.${BASH_REMATCH[1]}" ok
	elif [[ $line =~ ^not\ ok\ ([^ ]*)\ \#\ (.*)$ ]]; then
		kho_result "report.$name.${BASH_REMATCH[1]}" fail "${BASH_REMATCH[2]}"
		failed=1
	else
		printf '    %s\n' "$line"
	fi
done < "$checks"
# A checker that died without saying what failed is a failure of its own.
if [ "$crc" != 0 ] && [ "$failed" = 0 ]; then
	kho_result "report.$name.check" fail "report-check.py exit status $crc"
	failed=1
fi
[ "$rc" = 0 ] && [ "$failed" = 0 ]
