#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Break the code on purpose and show which test layer notices.  Not part of
# `make check` (each mutation rebuilds a kernel); run by hand after changing
# the tree or the codec.  The repo is restored after every mutation.
#
#   mutation.sh [NAME...]     names: codec-order-bit leak-on-failed-add missing-unlock
set -uo pipefail
KHO_TAG=mutation
. "$(dirname "$0")/lib.sh"

abi=include/linux/kho/abi/kexec_handover.h
tree=kernel/liveupdate/kho_radix_tree.c
declare -A file=([codec-order-bit]=$abi [leak-on-failed-add]=$tree [missing-unlock]=$tree)
declare -A from=(
	[codec-order-bit]='BIT(KHO_RADIX_KEY_WIDTH - 1 - order)'
	[leak-on-failed-add]='				err = -ENOMEM;
				goto free_spares;'
	[missing-unlock]='	__set_bit(kho_radix_index(key, 0), leaf->bitmap);
	mutex_unlock(&tree->lock);'
)
declare -A to=(
	[codec-order-bit]='BIT(KHO_RADIX_KEY_WIDTH - 2 - order)'
	[leak-on-failed-add]='				err = -ENOMEM;
				nr_spares = 0;
				goto free_spares;'
	[missing-unlock]='	__set_bit(kho_radix_index(key, 0), leaf->bitmap);'
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(codec-order-bit leak-on-failed-add missing-unlock)

cd "$KHO_REPO"
export KHO_RESULTS=$KHO_BUILD/results.mutation
: > "$KHO_RESULTS"
for m in "${names[@]}"; do
	f=${file[$m]}
	cp "$f" "$KHO_BUILD/mutation.orig"
	python3 - "$f" "${from[$m]}" "${to[$m]}" <<'PY' || { say "$m: pattern not found"; continue; }
import sys
p, a, b = sys.argv[1:]
s = open(p).read()
if a not in s:
    sys.exit(1)
open(p, "w").write(s.replace(a, b, 1))
PY
	say "$m: userspace harness"
	if make -s -C tools/testing/kho_radix check > "$KHO_BUILD/logs/mut-$m-unit.log" 2>&1; then
		echo "# $m: userspace: not caught"
	else
		echo "# $m: userspace: CAUGHT ($(tail -n1 "$KHO_BUILD/logs/mut-$m-unit.log"))"
	fi
	for v in test debug; do
		if ! (kho_kernel ours "$v" >/dev/null 2>&1); then
			echo "# $m: $v kernel: CAUGHT (build failed)"
			continue
		fi
		KHO_RESULTS=$KHO_BUILD/results.mut-$m-$v
		: > "$KHO_RESULTS"
		export KHO_RESULTS
		KUNIT_TIMEOUT=180 "$KHO_REPO/scripts/kunit.sh" "$v" >/dev/null 2>&1
		k=$(grep -c '^not ok' "$KHO_RESULTS")
		echo "# $m: KUnit on $v kernel: $([ "$k" -gt 0 ] && echo "CAUGHT ($k failed)" || echo "not caught")"
		: > "$KHO_RESULTS"
		# Interop with stock on the test kernel, ours to ours on the debug one.
		plan=stock,ours
		[ "$v" = debug ] && plan=ours,ours
		"$KHO_REPO/scripts/scenario.sh" "mut-$v" "$plan" "" "$v" 180 >/dev/null 2>&1
		k=$(grep -c '^not ok' "$KHO_RESULTS")
		echo "# $m: QEMU scenario on $v kernel: $([ "$k" -gt 0 ] && echo "CAUGHT ($(grep '^not ok' "$KHO_RESULTS" | head -n1 | sed 's/.*# //'))" || echo "not caught")"
	done
	cp "$KHO_BUILD/mutation.orig" "$f"
done
# Leave the kernels built from the unmutated tree.
kho_kernel ours test >/dev/null 2>&1
kho_kernel ours debug >/dev/null 2>&1
