#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of a sparse that the Linux 7.3 base accepts, building one
# if needed.
#
#   fetch-sparse.sh
#
# The base's scripts/checker-valid.sh requires __typeof_unqual__, which
# Debian 12's sparse 0.6.4 lacks, so `make C=2` refuses it.  Debian sid has
# 0.6.5~rc1, which supports it, but its binary package needs glibc 2.38.
# Its source package builds on Debian 12 with nothing but gcc and make, so
# this script fetches it with `apt-get source` through a private apt state
# (deb-src of sid only; the machine's apt configuration is never touched),
# builds the sparse binary alone and keeps it in $KHO_CACHE/sparse/ (with
# the source package's name in bin/sparse.source).  A sparse in PATH is
# used instead when the base accepts it.
set -euo pipefail
KHO_TAG=sparse
. "$(dirname "$0")/lib.sh"

base=$(kho_base)
valid() { [ -x "$1" ] && [ "$(sh "$base/scripts/checker-valid.sh" "$1" 2>/dev/null)" = 1 ]; }

if command -v sparse >/dev/null && valid "$(command -v sparse)"; then
	command -v sparse
	exit 0
fi

dir=$KHO_CACHE/sparse
bin=$dir/bin/sparse
if valid "$bin"; then
	echo "$bin"
	exit 0
fi

command -v apt-get >/dev/null || die "no apt-get: put a sparse with __typeof_unqual__ in PATH"
command -v dpkg-source >/dev/null || die "dpkg-source not found (package dpkg-dev)"
. "$(dirname "$0")/apt.sh"
uri=$(kho_apt_mirror)
[ -n "$uri" ] || die "no Debian mirror in the apt sources"

rm -rf "$dir/src"
mkdir -p "$dir/src" "$dir/bin"
apt_dir=$dir/apt
kho_apt_private "$apt_dir" "deb-src [signed-by=$kho_apt_keyring] $uri sid main"
say "fetching the sparse source package from sid (private apt state in $apt_dir)"
apt-get "${aptopts[@]}" -qq update >&2 || die "apt-get update failed"
(cd "$dir/src" && apt-get "${aptopts[@]}" -qq source --download-only sparse >&2) ||
	die "apt-get source sparse failed"
dsc=$(ls "$dir"/src/sparse_*.dsc | head -n1)
# apt checked the files against the signed Sources index; dpkg-source
# cannot check the .dsc signature without the maintainers' keyring.
log=$dir/src/build.log
dpkg-source -x "$dsc" "$dir/src/tree" > "$log" 2>&1 || { cat "$log" >&2; die "dpkg-source failed"; }
say "building $(basename "$dsc" .dsc)"
# Debian's Makefile names a gcc version of its own; the system gcc does.
make -C "$dir/src/tree" -j"$JOBS" CC=gcc HAVE_LLVM=no HAVE_GTK=no HAVE_SQLITE=no \
	HAVE_LIBXML=no sparse >> "$log" 2>&1 || { tail -n 30 "$log" >&2; die "sparse build failed"; }
cp "$dir/src/tree/sparse" "$bin"
# Its --version says what its Makefile says; keep the package version.
basename "$dsc" .dsc > "$bin.source"
valid "$bin" || die "the sparse built from $(basename "$dsc") is refused by checker-valid.sh"
say "sparse ready: $bin"
echo "$bin"
