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

say() { printf '[base] %s\n' "$*" >&2; }
die() { printf '[base] error: %s\n' "$*" >&2; exit 1; }

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

# The machine's Debian mirror: first URI of a deb822 or one-line source that
# serves the main Debian archive (not the security archive).
mirror_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" || $1 == "deb-src" {
			for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break }
		}' "$f"
	done
}
uri=$(mirror_uri | grep -v -- '-security' | grep -E '/debian/?$' | head -n1 || true)
[ -n "$uri" ] || die "no Debian mirror found in /etc/apt sources: set KSRC=/path/to/linux-7.3"

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "missing $keyring (package debian-archive-keyring)"

apt_dir=$cache/apt
mkdir -p "$apt_dir"/{lists/partial,archives/partial,etc/preferences.d,etc/apt.conf.d,debs}
: > "$apt_dir/etc/sources.list"
for s in $suites; do
	echo "deb [signed-by=$keyring] $uri $s main" >> "$apt_dir/etc/sources.list"
done
: > "$apt_dir/status"
aptopts=(
	-o "Dir::State=$apt_dir"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache=$apt_dir"
	-o "Dir::Cache::archives=$apt_dir/archives"
	-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$apt_dir/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
	-o "Dir::Etc::Parts=$apt_dir/etc/apt.conf.d"
	-o "APT::Get::List-Cleanup=0"
	-o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root"
)
mkdir -p "$apt_dir/etc/sources.list.d"

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
