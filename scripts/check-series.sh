#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check the patch series the way a maintainer would receive it: `git am`
# onto a fresh copy of the pristine base, one patch at a time, with a
# kernel build after each patch; then check the result as a whole.
#
#   check-series.sh [N]      only the first N patches (default: all)
#
# The series comes from scripts/make-patches.sh (into $KHO_BUILD/patches),
# which also runs checkpatch.pl --strict on every patch.  The copy of the
# base is a hardlink copy in which every file the series touches is first
# replaced by a copy of its own, so that nothing can write through to the
# base; its git repository has a "base" commit of those files, which is all
# that `git am` reads.  The builds share one O= folder, so each one is
# incremental (and ccache-backed); they use scripts/build-kernel.sh with
# configs/test.config plus those lines of configs/ours.config whose options
# exist at that point of the series.
#
# KTAP output: one result per patch (it applies, the kernel builds, and
# checkpatch reports no error and no warning), then, for the whole series:
# W=1 and sparse (C=2) on the files the series touches, kernel-doc -Wall
# on them, the userspace radix tree harness, the base's selftest files left
# unmodified, and the base's KHO selftest (tools/testing/selftests/kho/
# vmtest.sh, through scripts/base-selftests.sh, /dev/kvm masked).  Logs go
# to $KHO_BUILD/logs/series/.  Exit status 1 if anything failed.
set -uo pipefail
KHO_TAG=series
. "$(dirname "$0")/lib.sh"

t_start=$(date +%s)
"$KHO_REPO/scripts/deps.sh" || exit 1
base=$(kho_base) || exit 1
pdir=$KHO_BUILD/patches
tree=$KHO_BUILD/series-tree
out=$KHO_BUILD/series-build
logs=$KHO_BUILD/logs/series
shadow=$KHO_BUILD/series-harness
lock=${KHO_BUILD_LOCK:-$KHO_CACHE/build.lock}
mkdir -p "$logs"

n=0 failed=0 skipped=0
result() {	# result ok|fail|skip NAME [DIAG]: one KTAP line
	ktap "$@"
	n=$KTAP_N failed=$KTAP_FAILED skipped=$KTAP_SKIPPED
}
since() { echo "$(($(date +%s) - $1)) s"; }

# --- The series ---------------------------------------------------------------

rc=0
"$KHO_REPO/scripts/make-patches.sh" "$pdir" > "$logs/make-patches.log" 2>&1 || rc=$?
# Status 3 only means that checkpatch complained: reported per patch below.
if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
	tail -n 30 "$logs/make-patches.log" >&2
	die "make-patches.sh failed (status $rc)"
fi
mapfile -t patches < <(ls "$pdir"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter\.patch$')
total=${#patches[@]}
[ "$total" -gt 0 ] || die "no patches in $pdir"
if [ -n "${1:-}" ]; then
	[[ $1 =~ ^[1-9][0-9]*$ ]] && [ "$1" -le "$total" ] || die "N must be 1 to $total"
	patches=("${patches[@]:0:$1}")
fi
full=0
[ ${#patches[@]} = "$total" ] && full=1

echo "KTAP version 1"
echo "1..$((${#patches[@]} + 6))"
echo "# series of $total patches in $pdir, checking ${#patches[@]}"

# --- A fresh copy of the base -------------------------------------------------

t0=$(date +%s)
rm -rf "$tree"
cp -al "$base" "$tree" || die "cannot copy the base to $tree"
mapfile -t touched < <(sed -n 's|^diff --git a/\([^ ]*\) b/\([^ ]*\)$|\1\n\2|p' "${patches[@]}" | sort -u)
existing=()
for f in "${touched[@]}"; do
	[ -e "$base/$f" ] || continue
	cp --remove-destination "$base/$f" "$tree/$f"
	existing+=("$f")
done
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=check-series GIT_AUTHOR_EMAIL=check-series@localhost
export GIT_COMMITTER_NAME=check-series GIT_COMMITTER_EMAIL=check-series@localhost
{ git -C "$tree" init -q -b series &&
  git -C "$tree" add -f -- "${existing[@]}" &&
  git -C "$tree" commit -q -m base &&
  git -C "$tree" tag base; } || die "cannot create the git repository in $tree"
echo "# fresh copy of the base with ${#existing[@]} files in git: $(since "$t0")"

# build-kernel.sh takes its fragments from the repo it lives in: a shadow
# repo with a link to it gets our test.config and a filtered ours.config.
mkdir -p "$shadow/scripts" "$shadow/configs"
ln -sf "$KHO_REPO/scripts/build-kernel.sh" "$shadow/scripts/build-kernel.sh"
ln -sf "$KHO_REPO/scripts/lib.sh" "$shadow/scripts/lib.sh"
ln -sf "$KHO_REPO/configs/test.config" "$shadow/configs/test.config"
ours_config() {	# the lines of configs/ours.config whose option exists in $tree
	local line sym
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			sym=${sym#CONFIG_}
			grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config[[:space:]]+$sym\$" \
				"$tree/kernel" "$tree/mm" "$tree/lib" "$tree/init" || continue
			;;
		esac
		echo "$line"
	done < "$KHO_REPO/configs/ours.config"
}

# LOCALVERSION set (to nothing) keeps setlocalversion from asking git.
export LOCALVERSION=

# --- One patch at a time ----------------------------------------------------

applied=0
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	t0=$(date +%s)
	if ! git -C "$tree" am -q "$p" > "$logs/$name.am.log" 2>&1; then
		cat "$logs/$name.am.log" >&2
		git -C "$tree" am --abort >/dev/null 2>&1
		result fail "$name" "git am failed; see $logs/$name.am.log"
		break
	fi
	applied=$((applied + 1))
	ours_config > "$shadow/configs/ours.config"
	why='' built='build ok'
	if ! "$shadow/scripts/build-kernel.sh" "$tree" "$out" test ours > "$logs/$name.build.log" 2>&1; then
		grep -a -m 20 -E 'error|Error|undefined' "$logs/$name.build.log" >&2
		why="build failed; see $logs/$name.build.log"
		built="build FAILED"
	fi
	# build-kernel.sh says how long the build itself took (without the
	# wait for the build lock).
	bt=$(sed -n 's/.* in \([0-9]*\) s$/\1 s/p' "$logs/$name.build.log" | tail -n1)
	cp=$(grep -a "^$name.patch: " "$pdir/checkpatch.txt" | sed 's/^[^:]*: //')
	if [[ ! $cp =~ ^total:\ 0\ errors,\ 0\ warnings, ]]; then
		why="${why:+$why; }checkpatch: ${cp:-no result}"
	fi
	echo "# $name: applied, $built${bt:+ (build $bt)}, $(since "$t0") in all; checkpatch $cp"
	if [ -n "$why" ]; then result fail "$name" "$why"; else result ok "$name"; fi
done

# --- The whole series -------------------------------------------------------

post=(w1 sparse kernel-doc kho-radix-harness base-selftests-unmodified base-selftest-kho)
if [ "$full" != 1 ] || [ "$applied" != "$total" ]; then
	for t in "${post[@]}"; do
		result skip "$t" "only $applied of $total patches applied"
	done
	echo "# check-series: $((n - failed - skipped)) passed, $failed failed, $skipped skipped in $(since "$t_start")"
	[ "$failed" = 0 ] && [ "$skipped" = 0 ]
	exit
fi

# The C files and headers of the kernel proper that the series touches.
mapfile -t ours < <(git -C "$tree" diff --name-only --diff-filter=AM base HEAD -- \
		    'include/*.h' 'kernel/*.[ch]' 'mm/*.[ch]' 'lib/*.[ch]' 'arch/*.[ch]')
objs=()
for f in "${ours[@]}"; do
	case $f in *.c) objs+=("${f%.c}.o") ;; esac
done
# Only objects of this configuration can be built.
built=()
for o in "${objs[@]}"; do
	[ -f "$out/$o" ] && built+=("$o")
done
echo "# files of the series: ${#ours[@]}, objects built in this configuration: ${#built[@]}"

kmake() {	# kmake ARGS...: make in $tree with O=$out, under the build lock
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	flock "$lock" make -C "$tree" O="$out" ARCH=x86_64 CC="$cc" HOSTCC="$cc" \
		-j"$JOBS" KBUILD_BUILD_USER=kho KBUILD_BUILD_HOST=harness "$@"
}
# warnings_in LOG: the compiler or checker messages about the series' files.
warnings_in() {
	local f
	for f in "${ours[@]}"; do
		grep -aE "(^|/)$f:[0-9]+(:[0-9]+)?: (warning|error)" "$1"
	done | sort -u
}

# warn_check NAME LOG LABEL MAKE-ARG...: rebuild the series' objects with
# MAKE-ARGs; NAME fails if the build fails or prints a warning.
warn_check() {
	local name=$1 log=$2 label=$3 t0 w
	shift 3
	t0=$(date +%s)
	if ! kmake "$@" "${built[@]}" > "$log" 2>&1; then
		tail -n 20 "$log" >&2
		result fail "$name" "make $* failed; see $log"
		return
	fi
	w=$(warnings_in "$log")
	echo "# $label on ${#built[@]} objects: $(since "$t0")"
	if [ -n "$w" ]; then
		echo "$w" | sed 's/^/# /'
		result fail "$name" "$(echo "$w" | wc -l) warnings"
	else
		result ok "$name"
	fi
}

# W=1: the extra warnings.
warn_check w1 "$logs/w1.log" "W=1 build" W=1

# sparse, with a version that the base's checker-valid.sh accepts.
if ! sparse=$("$KHO_REPO/scripts/fetch-sparse.sh" 2> "$logs/sparse-fetch.log"); then
	result fail sparse "no working sparse; see $logs/sparse-fetch.log"
else
	warn_check sparse "$logs/sparse.log" \
		"sparse $(cat "$sparse.source" 2>/dev/null || "$sparse" --version)" C=2 CHECK="$sparse"
fi

# kernel-doc on every file of the series, built here or not.  A file the
# base already had may keep the warnings the base has (line numbers aside).
kdoc() {	# kdoc TREE FILE: the warnings, without line numbers
	(cd "$1" && scripts/kernel-doc -none -Wall "$2" 2>&1) | sed 's/:[0-9][0-9]* /: /' | sort
}
: > "$logs/kernel-doc.log"
for f in "${ours[@]}"; do
	if [ -f "$base/$f" ]; then
		comm -23 <(kdoc "$tree" "$f") <(kdoc "$base" "$f")
	else
		kdoc "$tree" "$f"
	fi
done >> "$logs/kernel-doc.log"
w=$(grep -a -c . "$logs/kernel-doc.log")
if [ "$w" = 0 ]; then
	result ok kernel-doc
else
	sed 's/^/# /' "$logs/kernel-doc.log" | head -n 20
	result fail kernel-doc "$w new warnings on ${#ours[@]} files"
fi

# The userspace harness of the radix tree, from the series' tree.
if [ -f "$tree/tools/testing/kho_radix/Makefile" ]; then
	t0=$(date +%s)
	if make -s -C "$tree/tools/testing/kho_radix" KHO_BASE="$tree" check > "$logs/kho-radix.log" 2>&1; then
		echo "# kho_radix: $(tail -n 1 "$logs/kho-radix.log") in $(since "$t0")"
		result ok kho-radix-harness
	else
		tail -n 20 "$logs/kho-radix.log" >&2
		result fail kho-radix-harness "see $logs/kho-radix.log"
	fi
else
	result skip kho-radix-harness "not in the series"
fi

# The series adds to the base's selftest folders but changes nothing there.
changed=$(git -C "$tree" diff --name-only --diff-filter=MDR base HEAD -- \
	  tools/testing/selftests/kho tools/testing/selftests/liveupdate tools/testing/selftests/kselftest)
if [ -z "$changed" ]; then
	result ok base-selftests-unmodified
else
	result fail base-selftests-unmodified "changed: $(echo "$changed" | tr '\n' ' ')"
fi

# The base's KHO selftest, run from the series' tree by base-selftests.sh:
# its "stock" flavor runs the tree in KHO_BASE.  Its build folder and logs
# go to a KHO_BUILD of their own, away from those of `make check`.
t0=$(date +%s)
sbuild=$KHO_BUILD/series-selftest
if KHO_BASE=$tree KHO_BUILD=$sbuild KHO_RESULTS=$logs/selftest.results \
   "$KHO_REPO/scripts/base-selftests.sh" stock kho > "$logs/selftest.out" 2>&1; then
	result ok base-selftest-kho
else
	tail -n 20 "$logs/selftest.out" >&2
	result fail base-selftest-kho "see $logs/selftest.out and $sbuild/logs/selftest-stock-kho.log"
fi
echo "# base KHO selftest (build and QEMU run): $(since "$t0")"

echo "# check-series: $((n - failed - skipped)) passed, $failed failed, $skipped skipped in $(since "$t_start")"
[ "$failed" = 0 ] && [ "$skipped" = 0 ]
