#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The base's memblock simulator (tools/testing/memblock) on our overlay
# workspace: it compiles mm/memblock.c as patched by patches/*.patch, runs
# the base's own cases and ours (memblock_reserve_bulk), once as is, once
# with NUMA and once with NUMA and movable_node.  Prints KTAP, one result
# per case; exit status 1 if any failed.  Logs in $KHO_BUILD/logs/memblock/.
#
#   memblock-tests.sh
set -uo pipefail
KHO_TAG=memblock
. "$(dirname "$0")/lib.sh"

ws=$(kho_src ours) || exit 1
logs=$KHO_BUILD/logs/memblock
mkdir -p "$logs"

n=0
failed=0
result() { ktap "$@"; n=$KTAP_N; [ "$KTAP_FAILED" = 0 ] || failed=1; }

# build VARIANT DIR [MAKE ARGS]: build the simulator in DIR.  The Makefile
# finds the kernel sources by relative paths, so a second configuration is
# built in a sibling copy of the folder.
build() {
	local v=$1 dir=$2 blog=$logs/$1.build
	shift 2
	if make -s -C "$dir" -j"$JOBS" "$@" main > "$blog" 2>&1 &&
	   ! grep -q 'warning:' "$blog"; then
		result ok "$v.build"
		return 0
	fi
	tail -n 20 "$blog" | sed 's/^/# /'
	result fail "$v.build" "see $blog"
	return 1
}

# run VARIANT DIR [MAIN ARGS]: every "ok N : prefix: ...: case: passed" line
# of the verbose output becomes "ok N VARIANT.prefix....case".
run() {
	local v=$1 dir=$2 out=$logs/$1.out rc=0 line st name
	shift 2
	# Line-buffered, so that the lines before a failed assert() survive.
	(cd "$dir" && ASAN_OPTIONS=verify_asan_link_order=0 \
		timeout 300 stdbuf -oL ./main -v "$@") > "$out" 2>&1 || rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(ok|not\ ok)\ [0-9]+\ :\ (.*):\ (passed|failed)$ ]]; then
			st=${BASH_REMATCH[1]}
			name=${BASH_REMATCH[2]//: /.}
			if [ "$st" = ok ]; then result ok "$v.$name"
			else result fail "$v.$name" "see $out"; fi
		elif [[ $line =~ ^[[:space:]]*#\ (.*) ]]; then
			echo "# $v: ${BASH_REMATCH[1]}"
		fi
	done < "$out"
	if [ "$rc" != 0 ]; then
		tail -n 4 "$out" | sed 's/^/# /'
		result fail "$v.main" "exit status $rc; see $out"
	fi
	# Our cases must have run, not just the base's.
	grep -q '^ok [0-9]* : memblock_reserve_bulk: ' "$out" ||
		result fail "$v.memblock_reserve_bulk" "the bulk cases did not run"
}

echo "KTAP version 1"
if ! echo '#include <urcu/uatomic.h>' | gcc -E -x c - > /dev/null 2>&1; then
	result fail build "liburcu-dev is missing (the simulator needs it)"
	echo "1..$n"
	exit 1
fi

src=$ws/tools/testing/memblock
numa=$ws/tools/testing/memblock-numa
rm -rf "$numa"
cp -a "$src" "$numa"

if build uma "$src"; then
	run uma "$src"
fi
if build numa "$numa" NUMA=1; then
	run numa "$numa"
	run numa-movable "$numa" -m
fi
echo "1..$n"
exit "$failed"
