#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs (as root), or print the
# apt-get line to run (as another user).  Does nothing when all are present.
set -euo pipefail

pkgs=(
	build-essential bc bison flex libssl-dev libelf-dev dwarves cpio kmod
	ccache qemu-system-x86 util-linux xz-utils zstd perl python3 git
	debian-archive-keyring libfdt-dev liburcu-dev sparse clang llvm libclang-rt-14-dev
	valgrind python3-sphinx python3-yaml rsync gdb
)
# The arm64 target (ARCH=arm64): Debian's cross compiler, QEMU's arm
# machines and their UEFI firmware.
case ${KHO_ARCH:-${ARCH:-x86_64}} in
arm64 | aarch64) pkgs+=(gcc-aarch64-linux-gnu qemu-system-arm qemu-efi-aarch64) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "[deps] missing Debian packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "[deps] installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
