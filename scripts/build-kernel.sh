#!/usr/bin/env bash
# Build a test kernel with O= outside the repo.
#
#   build-kernel.sh SRC OUT VARIANT [FLAVOR]
#
# SRC is a kernel tree (our overlay workspace, or the pristine base for a
# stock build), OUT the build folder, VARIANT "test", "debug" or "kcsan".
# The config is configs/test.config (plus configs/VARIANT.config) completed
# with Kconfig's defaults by olddefconfig, the way the base's own KHO and LUO
# selftests configure their kernels: about half of x86_64_defconfig, so a
# cold build takes half the time.  FLAVOR "ours" adds configs/ours.config
# (options that only exist with our patches applied).  Every option of the fragments is then
# checked and a missing one is an error that names it.  The config is only regenerated when
# a fragment changes, so a rebuild after a one-file change is incremental.
# configs/$KHO_ARCH.config adds what the target architecture needs (its
# serial console, its NUMA firmware), configs/arm64-16k.config or
# arm64-64k.config arm64's page size (KHO_PAGES, see lib.sh).
# Produces OUT/$KHO_IMAGE (bzImage or Image), OUT/usr/gen_init_cpio, the UAPI
# headers in OUT/hdr, and prepares OUT for external modules.
set -euo pipefail

src=$1
out=$2
variant=$3
flavor=${4:-stock}
repo=$(cd "$(dirname "$0")/.." && pwd)
jobs=${JOBS:-$(($(nproc) + 1))}

KHO_TAG=build
. "$(dirname "$0")/lib.sh"

frags=("$repo/configs/test.config" "$repo/configs/$KHO_ARCH.config")
[ "$KHO_PAGES" = 4k ] || frags+=("$repo/configs/$KHO_ARCH-$KHO_PAGES.config")
[ "$flavor" = ours ] && frags+=("$repo/configs/ours.config")
case $variant in
test) ;;
debug | kcsan) frags+=("$repo/configs/$variant.config") ;;
*) die "unknown variant $variant (test, debug or kcsan)" ;;
esac

cc=${KHO_CROSS}gcc hostcc=gcc
if command -v ccache >/dev/null; then
	cc="ccache $cc" hostcc="ccache gcc"
	export CCACHE_DIR=${CCACHE_DIR:-$HOME/.ccache}
	# Paths relative to the build folder, and no folder in the hash: the
	# same file builds to the same object in every workspace.
	export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$(dirname "$out")")}
	export CCACHE_NOHASHDIR=1
	ccache -M 8G >/dev/null 2>&1 || true
fi
mk=(make -s -C "$src" O="$out" ARCH="$KHO_ARCH" CROSS_COMPILE="$KHO_CROSS" CC="$cc" HOSTCC="$hostcc" -j"$jobs"
    KBUILD_BUILD_USER=kho KBUILD_BUILD_HOST=harness)
mkdir -p "$out"

# Two kernel builds at once on a small machine help nobody: builds started
# by parallel sessions (each with its own KHO_BUILD) wait for each other.
lock=${KHO_BUILD_LOCK:-${KHO_CACHE:-$HOME/.cache/kho-stateless}/build.lock}
mkdir -p "$(dirname "$lock")"
exec 9>"$lock"
if ! flock -n 9; then
	say "waiting for another kernel build to finish ($lock)"
	flock 9
fi

sum=$(cat "${frags[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.kho-config" 2>/dev/null)" != "$sum" ]; then
	say "configuring $out ($variant)"
	cat "${frags[@]}" > "$out/.config"
	"${mk[@]}" olddefconfig >/dev/null 2>&1
	missing=0
	while read -r line; do
		case $line in ''|'#'*) continue ;; esac
		if ! grep -qxF -- "$line" "$out/.config"; then
			say "config option missing after olddefconfig: $line"
			missing=1
		fi
	done < <(cat "${frags[@]}")
	[ "$missing" = 0 ] || die "kernel config for $variant is incomplete"
	echo "$sum" > "$out/.kho-config"
fi

say "building $(basename "$out") from $src (jobs=$jobs)"
t0=$(date +%s)
# A cold build takes minutes: say once a minute how far it got.
touch "$out/.kho-build-start"
# It holds no lock (fd 9) and ends with this script.
parent=$$
(
	set +e +o pipefail	# find may meet files make is replacing
	while sleep 60 && kill -0 "$parent" 2>/dev/null; do
		n=$(find "$out" -name '*.o' -newer "$out/.kho-build-start" 2>/dev/null | wc -l)
		say "$(basename "$out"): $n objects compiled, $(($(date +%s) - t0)) s"
	done
) 9>&- &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
"${mk[@]}" "${KHO_IMAGE##*/}" modules
"${mk[@]}" headers_install INSTALL_HDR_PATH="$out/hdr" >/dev/null
kill $ticker 2>/dev/null || true
say "built $out/$KHO_IMAGE in $(($(date +%s) - t0)) s"
