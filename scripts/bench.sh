#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: our KHO against stock 7.3, same config, same workloads, one run.
#
#   bench.sh [quick]
#
# BENCH_PARTS limits the run to some of: scattered ops contig orders large
# tree userspace (default: all of them, in one invocation).
# Builds stock 7.3 and ours with the same config (configs/test.config only:
# no KUnit, no test hooks), then boots each workload as a two-kernel chain
# (stock -> stock, ours -> ours) in QEMU and reads the *next* kernel's own
# printk clock:
#   early  from the line before "Zone ranges:" to it: kho_memory_init_early()
#          (where ours vets the tree) and the little else between them;
#   late   from "mem auto-init:" to "SLUB:": kho_memory_init() (where both
#          reserve the preserved memory) and memblock_free_all().
# "KHO time" is early + late minus the same two windows of a boot of the
# same kernel without the workload (the N=0 row, which hands over only the
# scenario module's own ~130 blocks), so that what remains is what the
# workload's handover costs.  Rows whose KHO time is within the windows'
# boot-to-boot noise (N=0, N=1,024, the small handovers) take the median of
# SMALL_BOOTS boots (default 3).  Where the windows' noise leaves ours
# below the time its own passes took (which lie inside the windows), ours is
# shown as that time, marked "*", and the ratio uses it.  Stock runs are capped by a timeout and shown as
# ">T".  Tree sizes are counted by our kernel when it vets the incoming tree
# (stock -> ours and ours -> ours), after one preserve and after 10
# preserve-all/unpreserve-all cycles of 16,384 fresh pages.  Preserve and
# unpreserve rates come from the first kernel (kho_scenario's timed loops,
# best of 9 rounds per boot); stock and ours boot in turn, OPS_BOOTS times
# each (default 3), and each side's best boot is compared.  Those chains
# kexec into ours, whose boot is quick whatever the first kernel was.
# The userspace walk against a plain read comes from tools/testing/kho_radix.
# The table is printed and saved in $KHO_BUILD/bench/.
set -uo pipefail
KHO_TAG=bench
. "$(dirname "$0")/lib.sh"

quick=${1:-}
out=$KHO_BUILD/bench
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
table=$out/bench-$stamp.txt

# Same config for both: the bench variant is test.config alone.
set -e
ws=$(kho_src ours)
"$KHO_REPO/scripts/build-kernel.sh" "$ws" "$KHO_BUILD/ours-bench" test stock
# Stock's test kernel already has exactly this config: share its build.
"$KHO_REPO/scripts/build-kernel.sh" "$(kho_src stock)" "$(kho_kdir stock test)" test stock
[ -e "$(kho_kdir stock bench)" ] || ln -s stock-test "$(kho_kdir stock bench)"
kho_module ours bench >/dev/null
kho_module stock bench >/dev/null
set +e

stock_cap=${STOCK_CAP:-700}
parts=" ${BENCH_PARTS:-scattered ops contig orders large tree userspace} "
part() { [[ $parts == *" $1 "* ]]; }
if [ "$quick" = quick ]; then
	sizes=(0 1024 16384)
	big=(65536)
	ops_sizes=(16384)
else
	sizes=(0 1024 16384 65536 131072 262144)
	big=(1048576)
	ops_sizes=(16384 65536 262144)
fi
ops_boots=${OPS_BOOTS:-3}

# secs LOG PATTERN: guest timestamp of the last line matching PATTERN.
ts() { grep -aE -- "$2" "$1" | tail -n1 | sed -nE 's/^\[ *([0-9]+\.[0-9]+)\].*/\1/p'; }
# Timestamp of the line just before the last "Zone ranges:".
ts_before_zones() {
	# Our own "KHO:" lines (the vetting pass ends just before it) do not
	# count as the start: stock prints nothing there.
	awk '/Zone ranges:/ { t = prev } !/KHO: / { prev = $0 } END { print t }' "$1" |
		sed -nE 's/^\[ *([0-9]+\.[0-9]+)\].*/\1/p'
}

# window LOG: early + late windows of the last boot in LOG, in ms, or "".
window() {
	local a b c d
	a=$(ts_before_zones "$1"); b=$(ts "$1" 'Zone ranges:')
	c=$(ts "$1" 'mem auto-init:'); d=$(ts "$1" 'SLUB: HWalign')
	[ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ -n "$d" ] || return 0
	# Only valid if the last SLUB line belongs to the last boot.
	awk -v a="$a" -v b="$b" -v c="$c" -v d="$d" \
		'BEGIN { if (d >= c && b >= a) printf "%.1f", ((b - a) + (d - c)) * 1000 }'
}

# run NAME PLAN MODARGS MEM TIMEOUT: boot a chain, echo its log path.
run() {
	"$KHO_REPO/scripts/scenario.sh" "bench-$1" "$2" "$3" bench "$5" "$4" >&2 || true
	echo "$KHO_BUILD/logs/bench-$1.log"
}

mem_for() {	# guest RAM for N scattered pages: each takes an order-1 pair
	local n=$1
	if [ "$n" -ge 1048576 ]; then echo 12G
	elif [ "$n" -ge 262144 ]; then echo 6G
	else echo 4G; fi
}

# Under TCG the early TSC calibration usually fails and printk time stands
# still until late in boot; tell the kernels the TSC rate (that of the host,
# which QEMU's TCG TSC follows), measured once by a guest's own calibration.
if [ -z "${KHO_TSC_KHZ:-}" ]; then
	log=$(run calibrate ours,ours "max_order=0,unpreserve=0,keep=0" 2G 300)
	KHO_TSC_KHZ=$(sed -nE 's/.*tsc: Detected ([0-9]+)\.([0-9]{3}) MHz.*/\1\2/p' "$log" | tail -n1)
fi
[ -n "$KHO_TSC_KHZ" ] || die "could not learn the guest TSC rate"
export KHO_CMDLINE_EXTRA="tsc_early_khz=$KHO_TSC_KHZ"
# Guest memory backed before each boot, as a host's is: a first touch of
# lazily backed guest memory (a new memory map, say) costs a host page
# fault inside the windows, from a few ms to over 200 ms run to run.
export KHO_PREALLOC=1
say "guest TSC: $KHO_TSC_KHZ kHz"

declare -A win
row() { printf '%-34s %14s %14s %10s\n' "$@" | tee -a "$table"; }
ratio() {
	awk -v s="$1" -v o="$2" 'BEGIN {
		if (o == "" || o + 0 <= 0) { print "-"; exit }
		if (s ~ /^>/) { printf ">%.0fx", substr(s, 2) / o; exit }
		if (s == "" || s == "n/a" || s + 0 <= 0) { print "-"; exit }
		printf "%.1fx", s / o }'
}

{
	echo "# make bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# host: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
	echo "# guest: QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{ print $4 }') -accel $([ "$KVM" = 1 ] && echo kvm || echo tcg) -cpu max, 2 vCPUs, memory preallocated (-mem-prealloc); kernels: stock 7.3 and ours, same config"
	echo "# times: the next kernel's own clock; KHO time = early + late windows minus the N=0 boot's"
	echo "# host load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
} | tee "$table"

# Boots whose KHO time is small against the boot-to-boot noise of the
# windows (no workload, 1,024 scattered pages, the small handovers
# below) are repeated SMALL_BOOTS times (default 3) and their medians used.
small_boots=${SMALL_BOOTS:-3}
declare -A small_base	# "median spread" of the empty boots, per kernel
med() {	# numbers on stdin: "median spread"
	grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f %.1f", v[int((NR + 1) / 2)], v[NR] - v[1] }'
}
passes() {	# passes LOG: our vet + reserve passes on our own clock, in us
	local vt rt
	vt=$(sed -nE 's/.*KHO: vetted .* in ([0-9]+) us.*/\1/p' "$1" | tail -n1)
	rt=$(sed -nE 's/.*KHO: reserved .* in ([0-9]+) us.*/\1/p' "$1" | tail -n1)
	[ -n "$vt" ] && [ -n "$rt" ] && echo $((vt + rt))
}

row "workload" "stock" "ours" "stock/ours"
row "--------" "-----" "----" "----------"

part scattered || { sizes=(); big=(); }
pass0=
for n in "${sizes[@]}" "${big[@]}"; do
	mem=$(mem_for "$n")
	args="max_order=0,unpreserve=0,keep=0,scattered=$n"
	[ "$n" = 0 ] && args="max_order=0,unpreserve=0,keep=0"
	boots=1
	[ "$n" -le 1024 ] && boots=$small_boots
	s=""
	if [[ " ${sizes[*]} " == *" $n "* ]]; then
		sm=$(for b in $(seq "$boots"); do
			log=$(run "stock-$n-$b" stock,stock "$args,stock=1" "$mem" $((stock_cap + 240)))
			window "$log"
			echo
		done | med)
		s=${sm%% *}
		[ -n "$s" ] || s=">$((stock_cap))000"
	fi
	logs=()
	for b in $(seq "$boots"); do
		logs+=("$(run "ours-$n-$b" ours,ours "$args" "$mem" 900)")
	done
	om=$(for log in "${logs[@]}"; do window "$log"; echo; done | med)
	o=${om%% *}
	p=$(for log in "${logs[@]}"; do passes "$log"; done | med | cut -d' ' -f1)
	win[stock-$n]=$s
	win[ours-$n]=$o
	if [ "$n" = 0 ]; then
		pass0=$p
		small_base[stock]=$sm
		small_base[ours]=$om
		row "boot windows, no workload" "${s:-?} ms" "${o:-?} ms" ""
		[ -n "$p" ] && awk -v p="$p" 'BEGIN {
			printf "%-34s %14s %11.1f ms\n", "  ours: vet + reserve passes", "", p / 1000 }' | tee -a "$table"
		continue
	fi
	sk=$(awk -v s="$s" -v b="${win[stock-0]}" 'BEGIN { if (s ~ /^>/ || s == "") print s; else printf "%.1f", s - b }')
	# Our passes lie inside the windows, so ours is never taken as less
	# than they are (marked *): the windows' noise can exceed our whole
	# KHO time at small N.
	ok=$(awk -v s="$o" -v b="${win[ours-0]}" -v p="$p" 'BEGIN {
		if (s == "") { print ""; exit }
		d = s - b
		if (p != "" && d < p / 1000) printf "%.1f*", p / 1000
		else printf "%.1f", d }')
	[ -z "$s" ] && sk="n/a"
	row "KHO time, $n scattered pages" "${sk} ms" "${ok:-?} ms" "$(ratio "$sk" "${ok%\*}")"
	# Ours also times its two passes with its own clock; what the scattered
	# pages add to the empty boot's passes, per page, is their own cost.
	[ -n "$p" ] && awk -v p="$p" -v p0="$pass0" -v n="$n" 'BEGIN {
		printf "%-34s %14s %11.1f ms\n", "  ours: vet + reserve passes", "", p / 1000
		if (p0 != "")
			printf "%-34s %14s %11.0f ns\n", "  ours: added per preserved page", "", (p - p0) * 1000 / n }' | tee -a "$table"
done

# Preserve and unpreserve rates: N scattered pages unpreserved and preserved
# again in timed loops, stock and ours booted in turn.
# ops_best LOG...: the smallest unpreserve and preserve times among LOGs.
ops_best() {
	sed -nE 's/.*bench: [0-9]+ pages: unpreserve ([0-9]+) ns, preserve ([0-9]+) ns.*/\1 \2/p' "$@" |
		awk 'NR == 1 || $1 < u { u = $1 } NR == 1 || $2 < p { p = $2 }
		     END { if (NR) print u, p }'
}
part ops || ops_sizes=()
for n in "${ops_sizes[@]}"; do
	mem=$(mem_for "$n")
	declare -a logs_s=() logs_o=()
	for b in $(seq "$ops_boots"); do
		for k in stock ours; do
			st=""; [ "$k" = stock ] && st=",stock=1"
			log=$(run "ops-$k-$n-$b" "$k,ours" "max_order=0,unpreserve=0,keep=0,scattered=$n$st" "$mem" 600)
			[ "$k" = stock ] && logs_s+=("$log") || logs_o+=("$log")
		done
	done
	read -r su sp <<< "$(ops_best "${logs_s[@]}")"
	read -r ou op <<< "$(ops_best "${logs_o[@]}")"
	rate() { awk -v n="$n" -v t="$1" 'BEGIN { if (t > 0) printf "%.2fM", n / t * 1000 }'; }
	gain() { awk -v s="$1" -v o="$2" 'BEGIN { if (s > 0 && o > 0) printf "ours %.2fx", s / o }'; }
	row "preserve ops/s, $n pages" "$(rate "$sp")" "$(rate "$op")" "$(gain "$sp" "$op")"
	row "unpreserve ops/s, $n pages" "$(rate "$su")" "$(rate "$ou")" "$(gain "$su" "$ou")"
	awk -v n="$n" -v a="$sp" -v b="$op" -v c="$su" -v d="$ou" 'BEGIN { if (a > 0 && b > 0 && c > 0 && d > 0)
		printf "%-34s %11.0f ns %11.0f ns\n%-34s %11.0f ns %11.0f ns\n",
			"  per preserve", a / n, b / n, "  per unpreserve", c / n, d / n }' | tee -a "$table"
done

# Small handovers: one 256 MiB aligned range through kho_preserve_pages()
# (contig) and one folio of every order 0..10 (orders).  Either is a few
# blocks, so its KHO time is below the boot-to-boot noise of the windows:
# each kernel boots it SMALL_BOOTS times (default 3), its median is
# compared with that of the N=0 boots, and the widest spread of those
# is printed as the noise.  Ours also shows its passes on its
# own clock, which has no such noise.
small_windows() {	# small_windows KERNEL NAME ARGS: one window per boot
	local k=$1 name=$2 args=$3 b log st=""
	[ "$k" = stock ] && st=",stock=1"
	for b in $(seq "$small_boots"); do
		log=$(run "$k-$name-$b" "$k,$k" "$args$st" 4G 600)
		window "$log"
		echo
	done
}
small_row() {	# small_row LABEL NAME ARGS
	local label=$1 name=$2 args=$3 k m sp bm bsp noise=0 d vt rt
	local -a cells=()
	for k in stock ours; do
		[ -n "${small_base[$k]:-}" ] ||
			small_base[$k]=$(small_windows "$k" empty "max_order=0,unpreserve=0,keep=0" | med)
		read -r m sp <<< "$(small_windows "$k" "$name" "$args" | med)"
		read -r bm bsp <<< "${small_base[$k]}"
		d=$(awk -v m="$m" -v b="$bm" 'BEGIN { if (m != "" && b != "") printf "%.1f", m - b }')
		noise=$(awk -v n="$noise" -v a="$bsp" 'BEGIN { print (a > n) ? a : n }')
		cells+=("${d:-?} ms")
	done
	row "$label" "${cells[0]}" "${cells[1]}" "noise $noise ms"
	vt=$(sed -nE 's/.*KHO: vetted .* in ([0-9]+) us.*/\1/p' "$KHO_BUILD/logs/bench-ours-$name-1.log" | tail -n1)
	rt=$(sed -nE 's/.*KHO: reserved .* in ([0-9]+) us.*/\1/p' "$KHO_BUILD/logs/bench-ours-$name-1.log" | tail -n1)
	[ -n "$vt" ] && [ -n "$rt" ] &&
		awk -v v="$vt" -v r="$rt" 'BEGIN {
			printf "%-34s %14s %11.2f ms\n", "  ours: vet + reserve passes", "", (v + r) / 1000 }' | tee -a "$table"
}
part contig && small_row "KHO time, 256 MiB contiguous" contig "max_order=0,unpreserve=0,keep=0,big_order=16"
part orders && small_row "KHO time, folios of orders 0..10" orders "max_order=10,unpreserve=0,keep=0"

# Large blocks, the shape of VM memory: 2 MiB folios filling about 70% of
# a LARGE_GIB (default 12) GiB guest, and one order-18 block through
# kho_preserve_pages().  For each kernel, with 1 and with 2 vCPUs:
#   window   the early-boot KHO window (early + late windows minus those
#            of a boot of the same size and vCPUs without the workload):
#            single-threaded, before anything else may run;
#   init     the parallel initialisation of the struct pages nobody
#            restored early (ours logs it; stock does that work inside
#            its window, so it has none);
#   restore  the restore of every block (the module's timed restore calls);
#   total    the three together: early boot until everything is restored.
large_gib=${LARGE_GIB:-$([ "$quick" = quick ] && echo 6 || echo 12)}
large_args="fill=70,big_order=18,max_order=0,unpreserve=0,keep=0"
part large || large_gib=
if [ -n "$large_gib" ]; then
	declare -A lg
	for cpus in 1 2; do
		for k in stock ours; do
			st=""; [ "$k" = stock ] && st=",stock=1"
			b=$(KHO_SMP=$cpus run "$k-large0-$cpus" "$k,$k" "max_order=0,unpreserve=0,keep=0$st" "${large_gib}G" 900)
			log=$(KHO_SMP=$cpus run "$k-large-$cpus" "$k,$k" "$large_args$st" "${large_gib}G" $((stock_cap + 600)))
			lg[$k-window-$cpus]=$(awk -v w="$(window "$log")" -v b="$(window "$b")" 'BEGIN {
				if (w != "" && b != "") printf "%.1f", w - b }')
			lg[$k-init-$cpus]=$(sed -nE 's/.*KHO: initialised the struct pages of preserved memory on .* in ([0-9]+) us.*/\1/p' "$log" |
				tail -n1 | awk '{ printf "%.1f", $1 / 1000 }')
			[ "$k" = stock ] && lg[$k-init-$cpus]=0
			lg[$k-restore-$cpus]=$(sed -nE 's/.*kho_scenario: stage 2: [0-9]+ restores took ([0-9]+) us.*/\1/p' "$log" |
				tail -n1 | awk '{ printf "%.1f", $1 / 1000 }')
			lg[$k-total-$cpus]=$(awk -v a="${lg[$k-window-$cpus]}" -v b="${lg[$k-init-$cpus]}" \
				-v c="${lg[$k-restore-$cpus]}" 'BEGIN { if (a != "" && b != "" && c != "") printf "%.1f", a + b + c }')
			[ "$k" = ours ] && [ "$cpus" = 1 ] &&
				lg[size]=$(sed -nE 's/.*kho_scenario: stage 1: preserved ([0-9]+) new items, ([0-9]+) bytes.*/\1 items, \2 bytes/p' "$log" | tail -n1)
		done
	done
	echo "# large: ${large_gib} GiB guest; stage 1 preserved ${lg[size]:-?}" | tee -a "$table"
	for what in window init restore total; do
		for cpus in 1 2; do
			label="large: $what, $cpus vCPU"
			[ "$cpus" = 2 ] && label="${label}s"
			sv=${lg[stock-$what-$cpus]:-}
			ov=${lg[ours-$what-$cpus]:-}
			row "$label" "${sv:-?} ms" "${ov:-?} ms" "$(ratio "$sv" "$ov")"
		done
	done
fi

# Tree size, counted by our kernel as it vets the incoming tree.
vetted() { sed -nE 's/.*KHO: vetted ([0-9]+) tree pages and ([0-9]+) preserved blocks.*/\1 \2/p' "$1" | tail -n1; }
cycle_list=(0 10)
part tree || cycle_list=()
for c in "${cycle_list[@]}"; do
	for k in stock ours; do
		st=""; [ "$k" = stock ] && st=",stock=1"
		run "$k-tree-$c" "$k,ours" "max_order=0,unpreserve=0,keep=0,scattered=16384,cycles=$c$st" 4G 600 >/dev/null
	done
	read -r sp sb <<< "$(vetted "$KHO_BUILD/logs/bench-stock-tree-$c.log")"
	read -r op ob <<< "$(vetted "$KHO_BUILD/logs/bench-ours-tree-$c.log")"
	label="tree pages, 16384 pages"
	[ "$c" = 0 ] && label="$label, one preserve" || label="$label, after $c cycles"
	row "$label" "${sp:-?}" "${op:-?}" "$(awk -v s="$sp" -v o="$op" 'BEGIN { if (o > 0) printf "%.2fx", s / o }')"
	if [ "$c" = 0 ] && [ -n "$op" ] && [ -n "$ob" ]; then
		awk -v sp="$sp" -v sb="$sb" -v op="$op" -v ob="$ob" 'BEGIN {
			printf "%-34s %14.5f %14.5f\n", "  tree pages per preserved page", sp / sb, op / ob }' | tee -a "$table"
	fi
done

# Userspace: the tree walk against a plain read of the same bytes.
if part userspace; then
	make -s -C "$KHO_REPO/tools/testing/kho_radix" bench > "$out/userspace-$stamp.txt" 2>&1 || true
	{
		echo
		echo "# userspace (tools/testing/kho_radix bench), same machine:"
		grep -E 'walk|read|tree|keys' "$out/userspace-$stamp.txt" | sed 's/^/#   /'
	} | tee -a "$table"
fi

ln -sf "$(basename "$table")" "$out/latest.txt"
say "table saved in $table"
