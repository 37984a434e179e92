#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# KHO and LUO in the same handover.
#
#   luo-scenario.sh [NAME] [PLAN] [MODARGS] [VARIANT] [TIMEOUT]
#
# Every stage runs tools/testing/selftests/kho/luo_memfd (static nolibc) from
# the guest init (khotest.luo=1): from stage 2 on it retrieves the LUO
# session of the previous kernel, checks every byte of the 4 MiB memfd
# preserved in it and finishes the session; then it preserves a new memfd.
# In the same stages the kho_scenario module verifies and preserves its own
# set through the KHO API.  Both must survive every kexec of the plan.
set -uo pipefail
KHO_TAG=luo
. "$(dirname "$0")/lib.sh"

name=${1:-kho-and-luo}
plan=${2:-ours,ours,ours}
modargs=${3:-}
variant=${4:-test}
tmo=${5:-300}

IFS=, read -r -a kernels <<< "$plan"
hdr=$(kho_kdir "${kernels[0]}" "$variant")/hdr/include
bin=$(kho_static luo_memfd "$KHO_REPO/tools/testing/selftests/kho/luo_memfd.c" "$hdr") ||
	{ kho_result "scenario.$name" fail "luo_memfd build failed"; exit 1; }

export KHO_INITRD_EXTRA="dir /bin 0755 0 0
file /bin/luo_memfd $bin 0755 0 0"
export KHO_CMDLINE_EXTRA="khotest.luo=1 liveupdate=on${KHO_CMDLINE_EXTRA:+ $KHO_CMDLINE_EXTRA}"
KHO_EXPECT="luo_memfd: memfd contents verified" \
	"$KHO_REPO/scripts/scenario.sh" "$name" "$plan" "$modargs" "$variant" "$tmo"
rc=$?
log=$KHO_BUILD/logs/$name.log
n=$(grep -ac 'luo_memfd: memfd contents verified' "$log" || true)
want=$((${#kernels[@]} - 1))
printf '    # luo_memfd verified %s of %s handed-over memfds\n' "$n" "$want"
if [ "$rc" = 0 ] && [ "$n" != "$want" ]; then
	kho_result "scenario.$name.luo" fail "$n of $want memfds verified"
	exit 1
fi
exit "$rc"
