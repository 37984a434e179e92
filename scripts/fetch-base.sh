#!/usr/bin/env bash
# Obtain a pristine Linux 7.3 source tree for the harness.
#
# With KSRC set, that tree is used as is (it must be 7.3).  Otherwise Debian's
# linux-source-7.3 package is downloaded with a private apt state (the
# machine's apt configuration is never touched): the mirror URI is read from
# the machine's own Debian sources, and the suites that carry 7.3 are tried in
# order.  The tree is unpacked once into $KHO_CACHE/base and reused.
#
# Prints the path of the pristine tree on stdout; progress goes to stderr.
set -euo pipefail

cache=${KHO_CACHE:-$HOME/.cache/kho-stateless}
suites=${KHO_BASE_SUITES:-"trixie-backports sid experimental"}

KHO_TAG=base
. "$(dirname "$0")/lib.sh"

check_73() {
	local mk=$1/Makefile v p
	[ -f "$mk" ] || die "$1 is not a kernel tree (no Makefile)"
	v=$(sed -n 's/^VERSION = //p' "$mk" | head -n1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$mk" | head -n1)
	[ "$v.$p" = "7.3" ] || die "$1 is Linux $v.$p, need 7.3"
}

if [ -n "${KSRC:-}" ]; then
	ksrc=$(cd "$KSRC" && pwd) || die "KSRC=$KSRC does not exist"
	check_73 "$ksrc"
	echo "$ksrc"
	exit 0
fi

base=$cache/base
if [ -f "$base/.kho-base-ok" ]; then
	check_73 "$base"
	echo "$base"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found: set KSRC=/path/to/linux-7.3"

. "$(dirname "$0")/apt.sh"
uri=$(kho_apt_mirror)
[ -n "$uri" ] || die "no Debian mirror found in /etc/apt sources: set KSRC=/path/to/linux-7.3"

[ -f "$kho_apt_keyring" ] || die "missing $kho_apt_keyring (package debian-archive-keyring)"
apt_dir=$cache/apt
lines=()
for s in $suites; do
	lines+=("deb [signed-by=$kho_apt_keyring] $uri $s main")
done
kho_apt_private "$apt_dir" "${lines[@]}"

say "reading package lists for: $suites (private apt state in $apt_dir)"
apt-get "${aptopts[@]}" -qq update >&2 || die "apt-get update failed"

# Pick the first suite, in our order, that carries a linux-source-7.3.
pkg=linux-source-7.3
ver=
for s in $suites; do
	ver=$(apt-cache "${aptopts[@]}" madison "$pkg" 2>/dev/null |
	      awk -F'|' -v s="$s" '$3 ~ "[ /]" s "/" { gsub(/ /, "", $2); print $2; exit }')
	[ -n "$ver" ] && { say "found $pkg $ver in $s"; break; }
done
[ -n "$ver" ] || die "no $pkg in suites: $suites"

say "downloading $pkg $ver"
(cd "$apt_dir/debs" && apt-get "${aptopts[@]}" -qq download "$pkg=$ver" >&2) ||
	die "download of $pkg=$ver failed"
deb=$(ls "$apt_dir"/debs/${pkg}_*.deb | head -n1)

say "unpacking $(basename "$deb")"
tmp=$cache/unpack.$$
rm -rf "$tmp"; mkdir -p "$tmp"
dpkg-deb -x "$deb" "$tmp"
tarball=$(ls "$tmp"/usr/src/linux-source-7.3*.tar.* | head -n1)
[ -n "$tarball" ] || die "no source tarball in $deb"
mkdir -p "$tmp/src"
tar -xf "$tarball" -C "$tmp/src"
top=$(ls -d "$tmp"/src/*/ | head -n1)
check_73 "$top"
rm -rf "$base"
mv "$top" "$base"
rm -rf "$tmp"
touch "$base/.kho-base-ok"
say "pristine base ready: $base"
echo "$base"
