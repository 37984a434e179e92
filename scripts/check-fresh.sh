#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the README's set-up on a machine that has nothing but Debian, git
# and make.
#
#   check-fresh.sh [TARGET...]      default: demo check
#
# A minimal Debian 12 root is made with debootstrap (once, cached in
# $KHO_CACHE/fresh/root-base and copied for every run), with git and make
# as its only extra packages (Debian's minimal root has no make, and the
# README's commands are make targets).  The repo is cloned into a fresh
# copy of it and each TARGET is run there with `make TARGET`, as root,
# with an empty cache: every package, the base tree and every build come
# from the project's own scripts.  A missing tool fails the run.  Each target's duration is
# printed; logs in $KHO_CACHE/fresh/logs.  Needs root (chroot, mounts).
set -uo pipefail
KHO_TAG=fresh
. "$(dirname "$0")/lib.sh"
. "$KHO_REPO/scripts/apt.sh"

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(demo check)

top=$KHO_CACHE/fresh
base=$top/root-base
root=$top/root
logs=$top/logs
mkdir -p "$top" "$logs"

if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2 ||
		die "cannot install debootstrap"
fi
mirror=$(kho_apt_mirror)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
extra=git,make,ca-certificates
if [ "$(cat "$base/.kho-fresh-ok" 2>/dev/null)" != "$extra" ]; then
	say "debootstrap bookworm (minbase + $extra) from $mirror"
	rm -rf "$base"
	t0=$SECONDS
	debootstrap --variant=minbase --include=$extra bookworm "$base" "$mirror" \
		> "$logs/debootstrap.log" 2>&1 || die "debootstrap failed; see $logs/debootstrap.log"
	echo "$extra" > "$base/.kho-fresh-ok"
	say "root made in $((SECONDS - t0)) s"
fi

umount_all() {
	local m
	for m in dev/pts dev proc sys; do
		mountpoint -q "$root/$m" && umount -l "$root/$m"
	done
	return 0
}
trap umount_all EXIT
umount_all
rm -rf "$root"
cp -a "$base" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
git clone -q "$KHO_REPO" "$root/work/repo" || die "git clone failed"

rc=0
for t in "${targets[@]}"; do
	say "make $t in a fresh Debian 12 root (log $logs/$t.log)"
	t0=$SECONDS
	if chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	   LANG=C.UTF-8 TERM=dumb bash -c "cd /work/repo && make $t" > "$logs/$t.log" 2>&1; then
		say "make $t passed in $((SECONDS - t0)) s"
	else
		tail -n 30 "$logs/$t.log" >&2
		say "make $t FAILED after $((SECONDS - t0)) s"
		rc=1
	fi
	grep -aE 'not found|No such file' "$logs/$t.log" | head -n 5 >&2 || true
done
exit $rc
