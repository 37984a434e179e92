#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the base's own KHO and LUO selftests, unmodified, against a kernel
# flavor (default: ours).
#
#   base-selftests.sh [FLAVOR] [TEST...]
#
# TEST is "kho" or a LUO test name; default all five.  The selftest scripts
# are run from the flavor's source tree (for "ours", the overlay workspace,
# whose selftest files are checked to be byte-identical to the pristine
# base's), so that they build and boot that kernel with their own configs.
# Their builds go to $KHO_BUILD/selftest-*; ccache is used through PATH.
# Unless KVM=1, /dev/kvm is hidden from them in a private mount namespace,
# so that QEMU falls back to TCG (KVM fails on our machines).
set -euo pipefail
KHO_TAG=selftest
. "$(dirname "$0")/lib.sh"

flavor=${1:-ours}
shift || true
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(kho luo_kexec_simple luo_multi_session luo_stress_files luo_stress_sessions)

base=$(kho_base)
src=$(kho_src "$flavor")
# Every file of the base's selftests must be there, byte for byte (our own
# scenario files may sit beside them).
for d in tools/testing/selftests/kho tools/testing/selftests/liveupdate tools/testing/selftests/kselftest; do
	while IFS= read -r f; do
		cmp -s "$base/$d/$f" "$src/$d/$f" ||
			die "$src/$d/$f differs from the pristine base: the base's tests must run unmodified"
	done < <(cd "$base/$d" && find . -type f)
done

# With the same relative paths as build-kernel.sh's (../src-ours), so that
# the files these configs compile alike come from our kernels' builds.
if [ -d /usr/lib/ccache ]; then
	export PATH=/usr/lib/ccache:$PATH CCACHE_BASEDIR=$KHO_CACHE CCACHE_NOHASHDIR=1
fi

# run_hidden_kvm CMD...: CMD with /dev/kvm masked unless KVM=1.  The mask
# lives in a mount namespace of its own, with /dev made a slave there so
# that it cannot reach the machine's /dev.  Propagation is left alone for
# the rest: unshare's default (making / private) fails with EINVAL where /
# is not a mount point, as in a chroot (make check-fresh).
run_hidden_kvm() {
	if [ "$KVM" != 1 ] && [ -e /dev/kvm ] && command -v unshare >/dev/null; then
		unshare -m --propagation unchanged bash -c \
			'mount --make-rslave /dev && mount --bind /dev/null /dev/kvm && exec "$@"' run "$@"
	else
		"$@"
	fi
}

# Another target than x86_64 is the scripts' own -t option, with the cross
# compiler in CROSS_COMPILE, as they ask for it.
target=()
if [ "$KHO_ARCH" != x86_64 ]; then
	target=(-t aarch64)
	export CROSS_COMPILE=$KHO_CROSS
fi

rc_all=0
for t in "${tests[@]}"; do
	log=$KHO_BUILD/logs/selftest-$flavor-$t$KHO_SFX.log
	mkdir -p "$(dirname "$log")"
	if [ "$t" = kho ]; then
		bdir=$KHO_BUILD/selftest-kho-$flavor$KHO_SFX
		cmd=("$src/tools/testing/selftests/kho/vmtest.sh" -d "$bdir" -j "$JOBS" "${target[@]}")
	else
		bdir=$KHO_BUILD/selftest-luo-$flavor$KHO_SFX
		wdir=$KHO_BUILD/selftest-luo-ws$KHO_SFX/$t
		rm -rf "$wdir"
		cmd=("$src/tools/testing/selftests/liveupdate/vmtest.sh" -d "$bdir" -j "$JOBS"
		     -T "$t" -w "$wdir" -k "${target[@]}")
	fi
	say "base selftest $t on $flavor (log $log)"
	t0=$(date +%s)
	rc=0
	run_hidden_kvm timeout -k 10 1800 "${cmd[@]}" > "$log" 2>&1 || rc=$?
	serial=
	[ "$t" = kho ] || serial=$wdir/qemu.serial
	why=
	case $rc in
	0) ;;
	4) why="skipped (the base's script said: $(grep -a 'SKIP' "$log" | tail -n1))" ;;
	124) why="timeout" ;;
	*) why="exit status $rc" ;;
	esac
	# The base's scripts decide by one string; we also want their KTAP pass line.
	[ -z "$why" ] && ! grep -aqE '^ok 1 ' "$log" && why="no KTAP pass line"
	if [ -z "$why" ] && [ -n "$serial" ] && [ -f "$serial" ] && kho_splats "$serial" >&2; then
		why="kernel report in the serial log"
	fi
	printf '    # %s: %s s\n' "$t" "$(($(date +%s) - t0))"
	if [ -n "$why" ]; then
		tail -n 40 "$log" | sed 's/^/    | /' >&2
		[ -n "$serial" ] && [ -f "$serial" ] && tail -n 40 "$serial" | sed 's/^/    | /' >&2
		kho_result "base.$flavor.$t" fail "$why"
		rc_all=1
	else
		kho_result "base.$flavor.$t" ok
	fi
done
exit $rc_all
