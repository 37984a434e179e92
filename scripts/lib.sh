# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the harness scripts: paths, kernels, QEMU runs, results.
# Sourced, not run.

KHO_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KHO_CACHE=${KHO_CACHE:-$HOME/.cache/kho-stateless}
KHO_BUILD=${KHO_BUILD:-$KHO_CACHE/build}
JOBS=${JOBS:-$(($(nproc) + 1))}
KVM=${KVM:-0}
export KHO_CACHE KHO_BUILD JOBS KVM

say() { printf '[%s] %s\n' "${KHO_TAG:-kho}" "$*" >&2; }
die() { printf '[%s] error: %s\n' "${KHO_TAG:-kho}" "$*" >&2; exit 1; }

# The target: ARCH=arm64 (the kernel's own convention, also `make check
# ARCH=arm64`) or x86_64, the default; KHO_PAGES=16k or 64k picks arm64's
# page size (4k by default).  ARCH itself is not passed on: every kernel
# make gets it explicitly, and userspace builds must not see it.
if [ -z "${KHO_ARCH:-}" ]; then
	case ${ARCH:-x86_64} in
	x86_64 | x86) KHO_ARCH=x86_64 ;;
	arm64 | aarch64) KHO_ARCH=arm64 ;;
	*) die "unsupported ARCH=$ARCH (x86_64 or arm64)" ;;
	esac
fi
KHO_PAGES=${KHO_PAGES:-4k}
case $KHO_ARCH:$KHO_PAGES in
x86_64:4k) KHO_SFX= KHO_CROSS= KHO_IMAGE=arch/x86/boot/bzImage KHO_CONSOLE=ttyS0 ;;
arm64:4k | arm64:16k | arm64:64k)
	KHO_SFX=-arm64 KHO_CROSS=aarch64-linux-gnu- KHO_IMAGE=arch/arm64/boot/Image KHO_CONSOLE=ttyAMA0
	[ "$KHO_PAGES" = 4k ] || KHO_SFX=-arm64-$KHO_PAGES
	;;
*) die "unsupported page size $KHO_PAGES for $KHO_ARCH" ;;
esac
# `make check ARCH=arm64` also hands ARCH to every make we run, through
# MAKEFLAGS; ours pass what they need explicitly.
unset ARCH MAKEFLAGS MFLAGS
export KHO_ARCH KHO_PAGES

# ktap ok|fail|skip NAME [DIAG]: the next numbered KTAP result line on
# stdout.  KTAP_N, KTAP_FAILED and KTAP_SKIPPED count them; a skip is
# neither a pass nor a failure.
KTAP_N=0 KTAP_FAILED=0 KTAP_SKIPPED=0
ktap() {
	KTAP_N=$((KTAP_N + 1))
	case $1 in
	ok) echo "ok $KTAP_N $2${3:+ # $3}" ;;
	skip) echo "ok $KTAP_N $2 # SKIP ${3:-}"; KTAP_SKIPPED=$((KTAP_SKIPPED + 1)) ;;
	*) echo "not ok $KTAP_N $2${3:+ # $3}"; KTAP_FAILED=$((KTAP_FAILED + 1)) ;;
	esac
}

# kho_static NAME SRC HDR: a static nolibc program of the guest, built
# against the UAPI headers HDR into $KHO_BUILD/init/NAME (when SRC is newer).
kho_static() {
	local out=$KHO_BUILD/init$KHO_SFX/$1
	mkdir -p "$KHO_BUILD/init$KHO_SFX"
	if [ ! -x "$out" ] || [ "$2" -nt "$out" ]; then
		"${KHO_CROSS}gcc" -static -Os -nostdinc -nostdlib -fno-asynchronous-unwind-tables \
		    -fno-ident -fno-stack-protector -Wall -Werror \
		    -I "$3" -I "$(kho_base)/tools/include/nolibc" -o "$out" "$2" >&2 ||
			die "static build of $(basename "$2") failed"
	fi
	echo "$out"
}

# The pristine base, fetched once.
kho_base() {
	[ -n "${KHO_BASE:-}" ] || KHO_BASE=$("$KHO_REPO/scripts/fetch-base.sh") ||
		die "no Linux 7.3 base tree"
	export KHO_BASE
	echo "$KHO_BASE"
}

# kho_src FLAVOR: the source tree of a flavor.  "ours" is the overlay
# workspace (refreshed on every call), "stock" a hardlink copy of the
# pristine base (remade when the base changes).
#
# Each flavor's build folders sit next to its tree, which both name
# "src-ours": ccache hashes paths relative to the build folder, so only
# with the same relative path ("../src-ours") does a stock build get every
# file our overlay leaves alone from ccache, compiled once for both
# flavors.  Stock's tree and build folders live in $KHO_BUILD/stock/.
kho_src() {
	local base ws id
	base=$(kho_base) || exit 1
	case $1 in
	ours)
		"$KHO_REPO/scripts/overlay.sh" "$base" "$KHO_BUILD/src-ours" || exit 1
		echo "$KHO_BUILD/src-ours"
		;;
	stock)
		ws=$KHO_BUILD/stock/src-ours
		id=$(stat -c '%i:%Y' "$base/Makefile")
		if [ "$(cat "$ws/.kho-base" 2>/dev/null)" != "$id" ]; then
			say "creating the stock tree $ws (hardlink copy of $base)"
			rm -rf "$ws"
			mkdir -p "$(dirname "$ws")"
			cp -al "$base" "$ws" || die "cannot copy $base"
			echo "$id" > "$ws/.kho-base"
		fi
		echo "$ws"
		;;
	*) die "unknown kernel flavor $1" ;;
	esac
}

# kho_kdir FLAVOR [VARIANT]: the build folder of a kernel (of the target:
# arm64's carry a suffix, next to the x86_64 ones so that the relative path
# to the tree stays the same).
kho_kdir() {
	case $1 in
	stock) echo "$KHO_BUILD/stock/stock-${2:-test}$KHO_SFX" ;;
	*) echo "$KHO_BUILD/$1-${2:-test}$KHO_SFX" ;;
	esac
}

# Guest memory per variant: KASAN's shadow counts as kernel memory, and the
# default scratch sizing (a multiple of kernel memory) needs room for it.
# Its early allocations (the shadow itself) must also fit in the successor's
# scratch, so the debug kernel gets explicit scratch sizes.
kho_mem() { [ "${1:-test}" = debug ] && echo 4G || echo 2G; }
# Debug guests also boot with 4-level paging (no5lvl), for a base defect (see
# README, "Known base defects"): with LA57, an interrupt that arrives while
# identify_cpu() has cleared boot_cpu_data's capabilities makes KASAN take a
# direct-map address for a wild one (about 1 boot in 30 to 40 under TCG;
# scripts/la57-window.sh reproduces it on stock 7.3 on demand).
# KHO_NO5LVL=0 leaves it out (scripts/kasan-loop.sh).
kho_cmdline() {
	[ "${1:-test}" = debug ] || return 0
	echo "kho_scratch=64M,1G,0$([ "${KHO_NO5LVL:-1}" = 0 ] || [ "$KHO_ARCH" != x86_64 ] || echo ' no5lvl')"
}

# kho_kernel FLAVOR VARIANT: build (incrementally) and print the build folder.
kho_kernel() {
	local src out
	src=$(kho_src "$1") || exit 1
	out=$(kho_kdir "$1" "$2")
	"$KHO_REPO/scripts/build-kernel.sh" "$src" "$out" "$2" "$1" || die "kernel build failed: $1-$2"
	kho_module "$1" "$2"
	echo "$out"
}

# kho_module FLAVOR VARIANT: the scenario module, built against that kernel.
kho_module() {
	local kdir mdir
	kdir=$(kho_kdir "$1" "$2")
	mdir=$KHO_BUILD/mod/${kdir##*/}
	mkdir -p "$mdir"
	cp -u "$KHO_REPO"/tools/testing/selftests/kho/scenario/kho_scenario.c "$mdir/"
	{
		echo 'obj-m := kho_scenario.o'
		# Only our kernel's ABI header has what the damage code uses.
		if [ "$1" = ours ]; then echo 'ccflags-y := -DKHO_SCN_OURS'; fi
	} > "$mdir/Kbuild"
	make -s -C "$kdir" M="$mdir" ARCH="$KHO_ARCH" CROSS_COMPILE="$KHO_CROSS" \
		CC="${KHO_CC:-${KHO_CROSS}gcc}" modules >&2 ||
		die "scenario module build failed for $1-$2"
}

# kho_init_bin: the guest init, static nolibc, built against our UAPI headers.
kho_init_bin() {
	kho_static kho_init "$KHO_REPO/tools/testing/selftests/kho/kho_init.c" "$1"
}

# kho_qemu LOG TIMEOUT KERNEL INITRD CMDLINE [MEM]: one boot (and whatever
# kexecs follow) under a timeout; the serial console goes to LOG.  Returns
# QEMU's status (124 on timeout).
kho_qemu() {
	local log=$1 tmo=$2 kernel=$3 initrd=$4 cmdline=$5 mem=${6:-2G} accel
	accel=(-accel tcg -cpu max)
	[ "$KVM" = 1 ] && accel=(-accel kvm -cpu host)
	mkdir -p "$(dirname "$log")"
	# KHO_NODES=N splits memory and CPUs into N NUMA nodes (N divides 2);
	# KHO_SMP=1 boots one vCPU instead of two (make bench).
	# KHO_PREALLOC=1 backs all guest memory before the boot (make bench): a
	# host's memory is there when the next kernel touches it, while QEMU's
	# lazily backed memory costs a host page fault at a first touch, which
	# lands inside the boot windows the benchmark measures.
	local numa=() n nodes=${KHO_NODES:-1} size smp=${KHO_SMP:-2} prealloc=()
	[ "${KHO_PREALLOC:-0}" = 1 ] && prealloc=(-mem-prealloc)
	if [ "$nodes" -gt 1 ]; then
		# One socket per node: CPUs of one cache on two nodes make the
		# kernel warn about the topology.
		smp=2,sockets=$nodes,cores=$((2 / nodes)),threads=1
		size=$(( ${mem%G} / nodes ))G
		for ((n = 0; n < nodes; n++)); do
			numa+=(-object memory-backend-ram,size=$size,id=m$n
			       -numa node,nodeid=$n,cpus=$n,memdev=m$n)
		done
	fi
	local qemu=(qemu-system-x86_64)
	[ "$KHO_ARCH" = arm64 ] && qemu=(qemu-system-aarch64 -machine virt)
	timeout --foreground -k 5 "$tmo" "${qemu[@]}" "${accel[@]}" -m "$mem" -smp "$smp" \
		"${numa[@]}" "${prealloc[@]}" -no-reboot -nographic -nodefaults -serial file:"$log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=$KHO_CONSOLE panic=-1 oops=panic $cmdline" </dev/null
}

# kho_splats LOG: print kernel reports that fail a test; status 0 if any.
# A KCSAN report (the kcsan variant) fails a test when a racing function
# its title names is ours (kho_*, luo_*); the base kernel's own data races
# are not counted against us (kho_kcsan_others lists them).
kho_splats() {
	awk '/BUG: KCSAN: / { if ($0 ~ /[^_a-zA-Z0-9](kho|luo)_[a-z0-9_]/) { print NR ":" $0; hit = 1 }; next }
	     /BUG:|WARNING:|UBSAN:|DEBUG_LOCKS_WARN_ON|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning|Kernel panic|Oops|Call Trace:/ {
		print NR ":" $0; hit = 1 }
	     END { exit !hit }' "$1"
}

# kho_kcsan_others LOG: the KCSAN reports of LOG in none of our functions.
kho_kcsan_others() {
	grep -a 'BUG: KCSAN: ' "$1" | grep -avE '[^_a-zA-Z0-9](kho|luo)_[a-z0-9_]' || true
}

# Results.  kho_result NAME STATUS [DIAG] records one KTAP line.
KHO_RESULTS=${KHO_RESULTS:-$KHO_BUILD/results}
kho_result() {
	mkdir -p "$(dirname "$KHO_RESULTS")"
	[ -f "$KHO_RESULTS" ] || : > "$KHO_RESULTS"
	KTAP_N=$(wc -l < "$KHO_RESULTS")
	ktap "$2" "$1" "${3:-}" | tee -a "$KHO_RESULTS"
}
