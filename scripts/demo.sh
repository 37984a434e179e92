#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: build our kernel, boot it in QEMU, preserve memory, kexec
# through KHO, verify everything in the next kernel, print a summary.
set -euo pipefail
KHO_TAG=demo
. "$(dirname "$0")/lib.sh"

"$KHO_REPO/scripts/deps.sh"
say "building our kernel (first run: download + full build, several minutes)"
kho_kernel ours test >/dev/null
export KHO_RESULTS=$KHO_BUILD/results.demo
: > "$KHO_RESULTS"
rc=0
"$KHO_REPO/scripts/scenario.sh" demo ours,ours >/dev/null || rc=$?
log=$KHO_BUILD/logs/demo.log

field() { sed -n "s/.*$1.*/\\1/p" "$log" | head -n1; }
echo
echo "KHO-stateless demo: two kernels, one kexec handover (serial log: $log)"
echo "  first kernel preserved (kho_scenario, stage 1):"
grep -a 'kho_scenario: stage 1: preserved' "$log" | sed 's/.*stage 1: /    /'
echo "    folios of orders 0..$(grep -a -o 'max_order=[0-9]*' "$log" | head -n1 | cut -d= -f2 || echo MAX_PAGE_ORDER)," \
     "3 page ranges not order-aligned, a 77-page vmalloc area, the scenario blob (named subtree)"
grep -a 'kho:.*tree' "$log" | head -n 3 | sed 's/^\[ *[0-9.]*\] /    /' || true
echo "  second kernel:"
grep -a 'kho_scenario: stage 2: verified' "$log" | sed 's/.*stage 2: /    /'
grep -aE 'khotest: stage 2 .*init started' "$log" | sed 's/.*init started at /    reached init after /' || true
grep -aE '^\[ *[0-9.]+\] (KHO|kho):' "$log" | sed 's/^/    /' | head -n 6 || true
if [ "$rc" = 0 ]; then
	echo "  result: PASS (every preserved byte verified after the kexec)"
else
	echo "  result: FAIL (see $log)"
fi
exit $rc
