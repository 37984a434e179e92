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

# pick PATTERN: the first line of the log matching PATTERN, printk prefix cut.
pick() { grep -aE "$1" "$log" | head -n1 | tr -d '\r' | sed -E 's/^\[ *[0-9.]+\] //; s/^# khotest: //'; }
echo
echo "KHO-stateless demo: two kernels, one kexec handover (serial log: $log)"
echo "  first kernel (ours) preserved, through the KHO API:"
echo "    folios of every order 0..MAX_PAGE_ORDER, page ranges that are not"
echo "    order-aligned (kho_preserve_pages), a vmalloc area, and a named blob"
echo "    (the scenario's own descriptor, a KHO subtree)"
echo "    $(pick 'kho_scenario: stage 1: preserved' | sed 's/kho_scenario: stage 1: //')"
echo "    $(pick 'outgoing tree:' | sed 's/outgoing tree: /radix tree: /')"
echo "  second kernel (ours):"
# Under TCG the early clock usually stands still (make bench passes
# tsc_early_khz= to fix that), so a time of 0 us says nothing.
echo "    $(pick 'KHO: reserved' | sed -e 's/^KHO: //' -e 's/ in 0 us$/ (early clock not running)/')"
echo "    reached /init $(pick 'stage 2 of .* init started' | sed 's/.*init started at /at /')" \
     "(from the kexec jump: handover + boot)"
echo "    $(pick 'kho_scenario: stage 2: verified' | sed 's/kho_scenario: stage 2: //')"
if [ "$rc" = 0 ]; then
	echo "  result: PASS (every preserved byte verified after the kexec)"
else
	echo "  result: FAIL (see $log)"
fi
exit $rc
