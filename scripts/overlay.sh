#!/usr/bin/env bash
# Lay the repo's kernel-path files over a hardlink copy of the pristine base.
#
#   overlay.sh BASE WORKSPACE
#
# The workspace is rebuilt from the base with hardlinks (cp -al) whenever the
# base changes; afterwards only what differs is updated, so kbuild sees new
# mtimes on our files alone and a rebuild stays incremental.  Files we own are
# always written as new inodes (never through a hardlink), so the pristine
# base can never be modified.  A file that disappears from the repo is
# restored to the base's version (or removed when the base has none).  The
# patches in patches/*.patch are applied in order afterwards; a patch that
# does not apply is an error.
set -euo pipefail

base=$1
ws=$2
repo=$(cd "$(dirname "$0")/.." && pwd)

KHO_TAG=overlay
. "$(dirname "$0")/lib.sh"

# The kernel paths the repo may own.  tools/testing/selftests/kho is ours only
# for files the base does not have: the base's own selftest files there are
# never replaced (checked below).
kpaths=(include kernel mm lib Documentation arch tools/testing/selftests/kho)

stamp=$ws/.kho-overlay
base_id=$(stat -c '%i:%Y' "$base/Makefile")

if [ ! -f "$stamp/base" ] || [ "$(cat "$stamp/base")" != "$base_id" ]; then
	say "creating workspace $ws (hardlink copy of $base)"
	rm -rf "$ws"
	mkdir -p "$(dirname "$ws")"
	cp -al "$base" "$ws"
	mkdir -p "$stamp"
	echo "$base_id" > "$stamp/base"
	: > "$stamp/files"
	: > "$stamp/patched"
fi

# Files that our patches touch: step 3 writes them.
shopt -s nullglob
: > "$stamp/patched.new"
for p in "$repo"/patches/*.patch; do
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p" >> "$stamp/patched.new"
done
sort -u -o "$stamp/patched.new" "$stamp/patched.new"

# 1. The repo's kernel files, tracked or not (but not ignored).
mapfile -t now < <(cd "$repo" && git ls-files -co --exclude-standard -- "${kpaths[@]}" |
		   while read -r f; do [ -f "$f" ] && echo "$f"; done | sort -u)

for f in "${now[@]}"; do
	case $f in
	tools/testing/selftests/kho/*)
		[ -e "$base/$f" ] && die "$f would replace a base selftest file"
		;;
	esac
	grep -qxF -- "$f" "$stamp/patched.new" && continue
	if ! cmp -s "$repo/$f" "$ws/$f"; then
		mkdir -p "$(dirname "$ws/$f")"
		rm -f "$ws/$f"
		cp "$repo/$f" "$ws/$f"
	fi
done

# 2. Files the repo had last time but not now: back to the base's version.
printf '%s\n' "${now[@]}" > "$stamp/files.new"
comm -23 <(sort -u "$stamp/files") "$stamp/files.new" | while read -r f; do
	[ -n "$f" ] || continue
	rm -f "$ws/$f"
	if [ -e "$base/$f" ]; then cp -p "$base/$f" "$ws/$f"; fi
done
mv "$stamp/files.new" "$stamp/files"

# 3. Our patches to base files, applied in order in a staging folder to the
#    unpatched versions (ours where we own the file, else the base's); only a
#    result that differs from the workspace is copied in, so mtimes stay put.
unpatched() { if [ -e "$repo/$1" ]; then echo "$repo/$1"; else echo "$base/$1"; fi; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
while read -r f; do
	[ -n "$f" ] || continue
	mkdir -p "$(dirname "$stage/$f")"
	src=$(unpatched "$f")
	if [ -e "$src" ]; then cp "$src" "$stage/$f"; fi
done < "$stamp/patched.new"
for p in "$repo"/patches/*.patch; do
	patch -d "$stage" -p1 -s -N --no-backup-if-mismatch -r - < "$p" ||
		die "patch $(basename "$p") does not apply"
done
sync_file() {	# sync_file REL SOURCE: make the workspace file equal SOURCE
	if [ -e "$2" ]; then
		cmp -s "$2" "$ws/$1" && return 0
		mkdir -p "$(dirname "$ws/$1")"
		rm -f "$ws/$1"
		cp "$2" "$ws/$1"
	else
		rm -f "$ws/$1"
	fi
}
while read -r f; do
	[ -n "$f" ] && sync_file "$f" "$stage/$f"
done < "$stamp/patched.new"
# Files no longer patched go back to their unpatched version.
comm -23 <(sort -u "$stamp/patched") "$stamp/patched.new" | while read -r f; do
	[ -n "$f" ] && sync_file "$f" "$(unpatched "$f")"
done
mv "$stamp/patched.new" "$stamp/patched"
