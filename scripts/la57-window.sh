#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The base defect behind the debug guests' no5lvl (README, "Known base
# defects"), reproduced on demand.  Boot the FLAVOR debug kernel with 5-level
# paging under QEMU's gdb stub and stop in cpu_detect() when it runs with
# interrupts on (identify_cpu(), from arch_cpu_finalize_init()).  There
# CR4.LA57 is set while boot_cpu_data's LA57 bit, which pgtable_l5_enabled()
# and so KASAN's shadow bounds read until alternatives are patched, is clear.
# Then single-step through the window with interrupts and timers let in
# (the stub's sstep flags), so that the next timer interrupt lands in it, and
# let the boot go on: KASAN reports the interrupt's spin lock in the direct
# map as a wild access.  No root file system: the boot ends in a panic.
#
#   la57-window.sh [FLAVOR]      default: stock
#
# KHO_CMDLINE_EXTRA adds to the command line: with no5lvl (the workaround)
# there is no window and no report.
#
# Exit 0 if the window is there and the report came, 1 if not.  Serial log
# and gdb output: $KHO_BUILD/logs/la57-window-FLAVOR.{log,gdb}.
set -euo pipefail
KHO_TAG=la57-window
. "$(dirname "$0")/lib.sh"

flavor=${1:-stock}
kdir=$(kho_kdir "$flavor" debug)
[ -f "$kdir/vmlinux" ] || die "no $flavor debug kernel (build it: kho_kernel $flavor debug)"
command -v gdb >/dev/null || die "gdb is missing (scripts/deps.sh)"
log=$KHO_BUILD/logs/la57-window-$flavor.log
out=$KHO_BUILD/logs/la57-window-$flavor.gdb
mkdir -p "$KHO_BUILD/logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Where the bit lies, from the kernel's own headers: an object built against
# the kernel, read back by gdb.
cat > "$work/la57.c" <<'C'
#include <linux/module.h>
#include <asm/processor.h>
const unsigned long kho_la57_byte =
	offsetof(struct cpuinfo_x86, x86_capability) + X86_FEATURE_LA57 / 8;
const unsigned long kho_la57_mask = 1UL << (X86_FEATURE_LA57 % 8);
MODULE_LICENSE("GPL");
C
echo 'obj-m := la57.o' > "$work/Kbuild"
make -s -C "$kdir" M="$work" CC="${KHO_CC:-gcc}" la57.o >&2
read -r byte mask < <(gdb -q -batch -ex \
	'printf "%lu %lu\n", *(unsigned long *)&kho_la57_byte, *(unsigned long *)&kho_la57_mask' \
	"$work/la57.o" | tail -n 1)
base=$(nm "$kdir/vmlinux" | awk '$3 == "boot_cpu_data" { print $1 }')
[ -n "$base" ] && [ -n "$mask" ] || die "cannot locate boot_cpu_data's LA57 bit"
addr=$(printf '0x%x' $((0x$base + byte)))

port=$((20000 + RANDOM % 20000))
cat > "$work/gdb" <<G
set pagination off
set confirm off
target remote 127.0.0.1:$port
hbreak cpu_detect
continue
while ((\$eflags >> 9) & 1) == 0
  continue
end
printf "window: IF=%d CR4.LA57=%d cap=%d\n", (\$eflags >> 9) & 1, (\$cr4 >> 12) & 1, (*(unsigned char *)$addr & $mask) != 0
delete
maintenance packet Qqemu.sstep=0x1
stepi 3000
hbreak alternative_instructions
continue
printf "patched: cap=%d\n", (*(unsigned char *)$addr & $mask) != 0
delete
continue
quit
G
timeout 180 qemu-system-x86_64 -accel tcg -cpu max -m "$(kho_mem debug)" -smp 2 \
	-kernel "$kdir/arch/x86/boot/bzImage" -append "console=ttyS0 nokaslr panic=-1 ${KHO_CMDLINE_EXTRA:-}" \
	-no-reboot -display none -serial "file:$log" -gdb "tcp:127.0.0.1:$port" -S &
qemu=$!
sleep 1
timeout 170 gdb -q -batch -x "$work/gdb" "$kdir/vmlinux" > "$out" 2>&1 || true
kill "$qemu" 2>/dev/null || true
wait "$qemu" 2>/dev/null || true

window=$(sed -n 's/^window: //p' "$out")
patched=$(sed -n 's/^patched: //p' "$out")
report=$(grep -a -m1 'BUG: KASAN' "$log" | sed -E 's/^\[ *[0-9.]+\] //' || true)
say "$flavor debug kernel, in identify_cpu(): ${window:-not reached}; at alternative_instructions(): ${patched:-not reached}"
say "after an interrupt in the window: ${report:-no KASAN report}"
if [ "$window" = "IF=1 CR4.LA57=1 cap=0" ] && [ "$patched" = "cap=1" ] &&
	[[ $report == *wild-memory-access* ]]; then
	say "reproduced: interrupts on, 5-level paging in use, LA57 read as off, a false report"
	exit 0
fi
say "not reproduced (gdb output: $out, serial log: $log)"
exit 1
