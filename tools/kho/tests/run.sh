#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kho-report's tests: decode valid and damaged FDT files, read made-up
# debugfs folders, check the text, the JSON and the exit status.  Prints KTAP.
#
#   run.sh KHO_REPORT GEN_FDT WORKDIR
#
# KHO_REPORT is a build with ASan and UBSan: any report from them fails the
# case it happened in.  Run through `make -C tools/kho check`.
set -u

tool=$1
gen=$2
work=$3
rm -rf "$work"
mkdir -p "$work/fdt"

export ASAN_OPTIONS=exitcode=99:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=98

results=()
nr_fail=0
pass() { results+=("ok $((${#results[@]} + 1)) $1"); }
flunk() {
	results+=("not ok $((${#results[@]} + 1)) $1 # $2")
	nr_fail=$((nr_fail + 1))
}

# run ARGS...: run the tool; $rc, $out (stdout file), $err (stderr file).
out=$work/stdout
err=$work/stderr
run() {
	"$tool" "$@" > "$out" 2> "$err"
	rc=$?
}

# Why the last run is wrong, or nothing: sanitizer reports, status.
problem() {	# problem EXPECTED_STATUS
	if grep -qE 'Sanitizer|runtime error' "$err"; then
		echo "sanitizer: $(grep -m1 -E 'Sanitizer|runtime error' "$err")"
	elif [ "$rc" != "$1" ]; then
		echo "exit status $rc, expected $1: $(head -c 200 "$err")"
	fi
}

# expect NAME STATUS [PATTERN...]: the last run exited STATUS and its stdout
# (or, for status 1 and 2, stderr) matches every extended regex PATTERN.
expect() {
	local name=$1 status=$2 why pat where=$out
	shift 2
	why=$(problem "$status")
	if [ "$status" = 1 ] || [ "$status" = 2 ]; then
		where=$err
		# A refused input prints no report at all.
		[ -z "$why" ] && [ -s "$out" ] && why="printed a report for a bad input"
	fi
	for pat in "$@"; do
		[ -n "$why" ] && break
		grep -qE -- "$pat" "$where" || why="no match for '$pat'"
	done
	if [ -z "$why" ]; then pass "$name"; else flunk "$name" "$why"; fi
}

# expect_json NAME STATUS PYTHON_EXPR: stdout is JSON (bound to d) for which
# the expression is true.
expect_json() {
	local name=$1 status=$2 expr=$3 why
	why=$(problem "$status")
	if [ -z "$why" ]; then
		why=$(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print("not JSON: %s" % e); sys.exit()
try:
    ok = eval("(" + sys.argv[2] + ")")
except Exception as e:
    print("%s: %s" % (type(e).__name__, e)); sys.exit()
if not ok:
    print("false: " + sys.argv[2])
' "$out" "$expr")
	fi
	if [ -z "$why" ]; then pass "$name"; else flunk "$name" "$why"; fi
}

"$gen" "$work/fdt" mutate 200 || { echo "gen_fdt failed"; exit 1; }
F=$work/fdt

# ---- FDT files ----

run --fdt "$F/valid.dtb"
expect fdt.valid.text 0 'kho-v4 \(ABI version 4\)' 'tree root at 0x000000010a3f2000' \
	'kho-scenario +0x0000000104200000 +65536' 'kexec-metadata +0x0000000103456000 +76' \
	'^0 warnings$'
run --fdt "$F/valid.dtb" --json
expect_json fdt.valid.json 0 'd["file"]["fdt"]["abi_version"] == 4 and
	d["file"]["fdt"]["preserved_memory_map"] == 0x10a3f2000 and
	[(s["name"], s["preserved_data"], s["blob_size"], s["preserved"])
	 for s in d["file"]["fdt"]["subtrees"]] ==
	[("kexec-metadata", 0x103456000, 76, None), ("kho-scenario", 0x104200000, 65536, None)]
	and d["nr_warnings"] == 0'
run --fdt "$F/empty.dtb"
expect fdt.empty 0 'subtrees +0$'
run --fdt "$F/v3.dtb"
expect fdt.other-version 0 'ABI version 3' 'WARNING \[abi-version\]'
run --fdt "$F/v3.dtb" --strict
expect fdt.other-version.strict 3
run --fdt "$F/notkho.dtb"
expect fdt.not-kho 0 'WARNING \[not-kho\].*"luo-v1"'
run --fdt "$F/nocompat.dtb" --json
expect_json fdt.no-compatible 0 'd["file"]["fdt"]["compatible"] is None and
	d["file"]["warnings"][0]["code"] == "not-kho"'
run --fdt "$F/nosize.dtb"
expect fdt.no-blob-size 0 'WARNING \[no-blob-size\] subtree kho-scenario'
run --fdt "$F/nested.dtb"
expect fdt.nested-node 0 'WARNING \[nested-node\] subtree kho-scenario'
run --fdt "$F/oddname.dtb" --json
expect_json fdt.odd-name.json 0 '"\"" in d["file"]["fdt"]["subtrees"][1]["name"]'

# Damaged files: a clear message naming the file and the problem, status 2.
for c in zero:'too short' short:'too short' truncated:'claims [0-9]+ bytes' \
	 badmagic:BADMAGIC hugesize:TRUNCATED badstrings:TRUNCATED \
	 badstruct:BADSTRUCTURE badname:'damaged FDT' garbage:BADMAGIC \
	 nomap:'no preserved-memory-map' shortmap:'preserved-memory-map is not a u64' \
	 nodata:'kexec-metadata has no preserved-data' \
	 shortdata:'preserved-data is not a u64'; do
	run --fdt "$F/${c%%:*}.dtb"
	expect "fdt.malformed.${c%%:*}" 2 "${c%%:*}.dtb: .*${c#*:}"
done

# Random damage: refused (2) or decoded (0), never a crash.
bad=
for f in "$F"/mut-*.dtb; do
	run --fdt "$f" --json
	why=$(problem 0)
	[ -n "$why" ] && [ -z "$(problem 2)" ] && why=
	[ -n "$why" ] && { bad="$(basename "$f"): $why"; break; }
	if [ "$rc" = 0 ] && ! python3 -m json.tool "$out" > /dev/null 2>&1; then
		bad="$(basename "$f"): invalid JSON"
		break
	fi
done
if [ -z "$bad" ]; then pass fdt.mutated-200; else flunk fdt.mutated-200 "$bad"; fi

run --fdt "$work/no-such-file"
expect fdt.missing-file 1 'no-such-file: No such file'

# ---- debugfs folders ----

# mkdir_dbg DIR: a folder laid out like /sys/kernel/debug/kho after a KHO
# boot, with out/ and in/ describing the blobs of valid.dtb.
RANGES='# start size order
0x0000000103456000 0x1000 0
0x0000000104200000 0x10000 4
0x0000000104400000 0x400000 10
0x0000000104800000 0x200000 9'
TOTALS='# key value
page_size 4096
blocks 4
pages 1553
bytes 6361088
ranges 4
runs 3
order_0_blocks 1
tree_tables 6
tree_leaves 3
tree_keys 4
tree_bytes 36864
metadata_bytes_per_gib 6222'
mkdir_dbg() {
	local d=$1 side
	for side in out in; do
		mkdir -p "$d/$side/sub_fdts"
		cp "$F/valid.dtb" "$d/$side/fdt"
		head -c 76 /dev/zero > "$d/$side/sub_fdts/kexec-metadata"
		head -c 65536 /dev/zero > "$d/$side/sub_fdts/kho-scenario"
		echo "$RANGES" > "$d/$side/ranges"
		echo "$TOTALS" > "$d/$side/totals"
	done
	# The kernel shows the outgoing FDT as its whole page.
	truncate -s 4096 "$d/out/fdt"
	printf '0x1000000\n0x140000000\n' > "$d/out/scratch_phys"
	printf '0x4000000\n0x40000000\n' > "$d/out/scratch_len"
}

D=$work/good
mkdir_dbg "$D"
run --debugfs "$D"
expect debugfs.good.text 0 '^== Outgoing' '^== Incoming' \
	'kexec-metadata .* yes \(order 0\)' 'kho-scenario .* yes \(order 4\)' \
	'4 blocks, 1553 pages, 6.1 MiB in 4 ranges, 3 runs' \
	'scratch areas +2, 1.1 GiB in total' \
	'^ +10 +4 MiB +1 +1024 +4 MiB$' \
	'reads 9 tree pages, tags 4 head pages, makes 3 reservations' '^0 warnings$'
run --debugfs "$D" --json
expect_json debugfs.good.json 0 'all(
	d[s]["preserved"]["blocks"] == 4 and d[s]["preserved"]["pages"] == 1553 and
	d[s]["preserved"]["runs"] == 3 and d[s]["preserved"]["nr_ranges"] == 4 and
	[(o["order"], o["blocks"], o["pages"]) for o in d[s]["preserved"]["orders"]] ==
	[(0, 1, 1), (4, 1, 16), (9, 1, 512), (10, 1, 1024)] and
	d[s]["preserved"]["ranges"][2] == {"start": 0x104400000, "size": 0x400000, "order": 10} and
	d[s]["tree"]["bytes"] == 36864 and d[s]["next_kernel"]["reservations"] == 3 and
	all(t["preserved"] for t in d[s]["fdt"]["subtrees"]) for s in ("out", "in")) and
	d["out"]["scratch"] == [{"start": 0x1000000, "size": 0x4000000},
				{"start": 0x140000000, "size": 0x40000000}] and
	d["in"]["scratch"] is None and d["nr_warnings"] == 0'
run --debugfs "$D" --ranges 2
expect debugfs.ranges-limit 0 'ranges +2 of 4, by address \(--ranges N shows more\)'
run --debugfs "$D" --ranges bogus
expect usage.bad-ranges 1 'wants a count'

D=$work/unpreserved
mkdir_dbg "$D"
sed -i '/0x0000000103456000/d' "$D/out/ranges"
sed -i 's/^blocks 4$/blocks 3/' "$D/out/totals"
run --debugfs "$D"
expect debugfs.blob-not-preserved 0 \
	'WARNING \[blob-not-preserved\] blob kexec-metadata at 0x103456000 is not in preserved' \
	'kexec-metadata .* NO$' '^1 warning$'
run --debugfs "$D" --strict
expect debugfs.blob-not-preserved.strict 3
sed -i 's/0x10000 4$/0x8000 3/' "$D/in/ranges"
run --debugfs "$D" --json
expect_json debugfs.blob-partly-preserved 0 \
	'[w["code"] for w in d["in"]["warnings"]] == ["blob-partly-preserved"]'

D=$work/frag
mkdir_dbg "$D"
for i in $(seq 0 1999); do
	printf '0x%016x 0x1000 0\n' $((0x200000000 + i * 8192))
done >> "$D/out/ranges"
run --debugfs "$D"
expect debugfs.fragmented 0 'WARNING \[fragmented\] .* in 2003 separate runs' \
	'ranges +16 of 2004'
run --debugfs "$D" --ranges all
lines=$(grep -cE '^  0x[0-9a-f]{16} 0x' "$out")
if [ "$lines" = $((2004 + 4)) ]; then pass debugfs.ranges-all
else flunk debugfs.ranges-all "$lines range lines, expected $((2004 + 4))"; fi

D=$work/scratch
mkdir_dbg "$D"
echo '0x0000000001200000 0x200000 9' >> "$D/out/ranges"
run --debugfs "$D"
expect debugfs.preserved-in-scratch 0 'WARNING \[preserved-in-scratch\] preserved range 0x1200000'

D=$work/blobs
mkdir_dbg "$D"
rm "$D/in/sub_fdts/kexec-metadata"
head -c 100 /dev/zero > "$D/out/sub_fdts/kexec-metadata"
cp "$F/empty.dtb" "$D/out/sub_fdts/kho-scenario"
run --debugfs "$D"
expect debugfs.blob-files 0 \
	'WARNING \[blob-size\] blob kexec-metadata: blob-size 76 but its file has 100' \
	'kho-scenario .* yes \(order 4\); FDT, compatible "kho-v4"'
# An incoming blob loses its file once its owner restored it: no warning.
if grep -q 'blob-not-shown' "$out"; then
	flunk debugfs.blob-restored "warned about an incoming blob without a file"
else
	pass debugfs.blob-restored
fi
# An outgoing blob without a file is worth a warning.
rm "$D/out/sub_fdts/kexec-metadata"
run --debugfs "$D"
expect debugfs.blob-missing 0 'WARNING \[blob-not-shown\] blob kexec-metadata has no file in out/'

# A stock 7.3 kernel: the FDT and scratch only; no handover received.
D=$work/stock
mkdir -p "$D/out/sub_fdts"
cp "$F/valid.dtb" "$D/out/fdt"
printf '0x1000000\n' > "$D/out/scratch_phys"
printf '0x4000000\n' > "$D/out/scratch_len"
run --debugfs "$D"
expect debugfs.stock 0 'this kernel has no out/ranges file' 'kho-scenario .* unknown' \
	'^No incoming handover' 'blob-not-shown'
run --debugfs "$D" --json
expect_json debugfs.stock.json 0 'd["in"] is None and d["out"]["preserved"] is None'

# Damaged debugfs files.
bad_case() {	# bad_case NAME FILE CONTENT PATTERN
	D=$work/bad-$1
	mkdir_dbg "$D"
	printf '%b' "$3" > "$D/$2"
	run --debugfs "$D"
	expect "debugfs.malformed.$1" 2 "$4"
}
bad_case ranges-text out/ranges 'hello world\n' 'out/ranges:1: expected'
bad_case ranges-fields in/ranges '# start size order\n0x1000 0x1000\n' 'in/ranges:2: expected'
bad_case ranges-decimal out/ranges '4096 0x1000 0\n' 'out/ranges:1: expected'
bad_case ranges-zero out/ranges '0x1000 0x0 0\n' 'impossible range'
bad_case ranges-wrap out/ranges '0xfffffffffffff000 0x2000 0\n' 'impossible range'
bad_case ranges-order out/ranges '0x0 0x1000 60\n' 'order 60 is too large'
bad_case ranges-misaligned out/ranges '0x3000 0x2000 1\n' 'not made of order-1 blocks'
bad_case ranges-overlap out/ranges '0x0 0x4000 0\n0x2000 0x1000 0\n' 'overlap at 0x2000'
bad_case totals out/totals 'blocks many\n' 'out/totals:1: expected'
bad_case page-size out/totals 'page_size 1000\n' 'page size 1000'
bad_case scratch-count out/scratch_len '0x1000\n' 'differ in length'
bad_case scratch-text out/scratch_phys 'zero\n' 'scratch_phys:1: expected'
bad_case fdt in/fdt 'not an FDT at all, though long enough for a header' \
	'in/fdt: not a valid FDT: FDT_ERR_BADMAGIC'

run --debugfs "$work/nowhere"
expect debugfs.missing 1 'no KHO debugfs files here'
run --bogus
expect usage.unknown-option 1 'usage:'
run --help
expect usage.help 0 '^usage:'
run extra-argument
expect usage.extra-argument 1 'usage:'

echo "KTAP version 1"
echo "1..${#results[@]}"
printf '%s\n' "${results[@]}"
echo "# kho-report: $((${#results[@]} - nr_fail)) passed, $nr_fail failed"
[ "$nr_fail" = 0 ]
