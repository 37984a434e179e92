#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The harness's own test: ways a run can go wrong without any test noticing,
# each of which must turn the closing line of `check.sh kunit` red.
#
#   check-broken.sh         needs ours-test and stock-test built
#
# Every case runs check.sh from a copy of this checkout with a build folder
# of its own (the built kernels linked in, so nothing is rebuilt):
#   control         nothing broken: must end "N passed, 0 failed"
#   broken-init     the guest init does not build
#   missing-kernel  no kernel (an empty build folder, no base tree)
#   stale-log       the control run's passing serial log is left in place
#                   and the guest never runs (a QEMU that exits at once)
# A case is red when both the closing line and check.sh's exit status say
# so (CI reads the status), green when both say it passed.  One KTAP result
# per case; exit status 1 if any case did not end as it must.
set -uo pipefail
KHO_TAG=broken
. "$(dirname "$0")/lib.sh"

for k in ours stock; do
	[ -f "$(kho_kdir $k)/arch/x86/boot/bzImage" ] || die "kernel $k-test is not built"
done
work=$(mktemp -d /tmp/kho-broken.XXXXXX)
trap 'rm -rf "$work"' EXIT
# With .git: the overlay lists our files with git ls-files.
rsync -a "$KHO_REPO/" "$work/repo/"
base=$(kho_base)

# linked_build DIR: a build folder that reuses the built kernels.
linked_build() {
	local k
	mkdir -p "$1/mod"
	for k in src-ours ours-test stock; do
		ln -s "$KHO_BUILD/$k" "$1/$k"
	done
	for k in ours-test stock-test; do
		ln -s "$KHO_BUILD/mod/$k" "$1/mod/$k"
	done
}

# run CASE BUILD EXPECT [ENV=VALUE...]: check.sh kunit; EXPECT is green or red.
echo "KTAP version 1"
echo "1..4"
rc=0
run() {
	local name=$1 build=$2 expect=$3 last got
	shift 3
	say "$name: check.sh kunit (log $work/$name.log)"
	local st=0
	env KHO_BUILD="$build" "$@" "$work/repo/scripts/check.sh" kunit > "$work/$name.log" 2>&1 || st=$?
	last=$(tail -n 1 "$work/$name.log")
	# The closing line and the exit status (what CI sees) must agree.
	got="red line, exit status $st"
	if [[ $last =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
		got="green line, exit status $st"
		[ "$st" = 0 ] && got=green
	elif [ "$st" != 0 ]; then
		got=red
	fi
	if [ "$got" = "$expect" ]; then
		ktap ok "$name" "closing line: $last; exit status $st"
	else
		tail -n 20 "$work/$name.log" | sed 's/^/# /'
		ktap fail "$name" "expected $expect, got $got: $last"
		rc=1
	fi
	grep '^# failed: ' "$work/$name.log" | head -n 4
}

linked_build "$work/b-control"
run control "$work/b-control" green KHO_BASE="$base"
cp -a "$work/b-control/logs" "$work/good-logs"

cp "$work/repo/tools/testing/selftests/kho/kho_init.c" "$work/kho_init.c.orig"
echo '#error broken on purpose' >> "$work/repo/tools/testing/selftests/kho/kho_init.c"
linked_build "$work/b-init"
run broken-init "$work/b-init" red KHO_BASE="$base"
cp "$work/kho_init.c.orig" "$work/repo/tools/testing/selftests/kho/kho_init.c"

mkdir -p "$work/b-none" "$work/nobase"
run missing-kernel "$work/b-none" red KHO_BASE="$work/nobase"

linked_build "$work/b-stale"
cp -a "$work/good-logs" "$work/b-stale/logs"
mkdir -p "$work/fakebin"
printf '#!/bin/sh\nexit 0\n' > "$work/fakebin/qemu-system-x86_64"
chmod +x "$work/fakebin/qemu-system-x86_64"
run stale-log "$work/b-stale" red KHO_BASE="$base" PATH="$work/fakebin:$PATH"
exit $rc
