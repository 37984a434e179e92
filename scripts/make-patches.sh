#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Turn the repo's kernel changes into a git format-patch series against the
# pristine Linux 7.3 base, with a cover letter.
#
#   make-patches.sh [OUT]        (default OUT: $KHO_BUILD/patches)
#
# The series is described by series/series.conf (which files and patches/
# each patch takes) and series/SLUG.msg (each commit message); the cover
# letter is series/cover-letter.txt.  The script refuses a description in
# which a repo kernel file belongs to no patch or to two, a patches/ file is
# applied twice or never, or a message breaks the kernel's format.
#
# It builds a throwaway git repository in $KHO_BUILD/series-git whose first
# commit, "base", holds the base's version of every file the series touches
# (a format-patch diff only depends on those), commits each patch on top
# with a Signed-off-by line from SIGNOFF="Name <mail>" (default: git config
# user.name and user.email, else the author of the repo's HEAD), and runs
# git format-patch.  Commit dates are
# the date of the repo's HEAD, so the same checkout gives the same series.
# Finally it checks that the series ends in exactly the tree that
# scripts/overlay.sh builds, and runs the base's checkpatch.pl --strict on
# every patch; the summary lines are printed and kept in OUT/checkpatch.txt.
# A "checkpatch-ignore TYPE..." line in a patch's entry of series.conf
# passes those types to checkpatch's --ignore for that patch only (for
# userspace and test code that checkpatch's kernel rules misjudge); the
# summary line then names them, and series/cover-letter.txt must say why.
# Exit status 1 if the description is inconsistent or the series does not
# reproduce the overlay, 3 if checkpatch reports an error or a warning.
set -euo pipefail
KHO_TAG=patches
. "$(dirname "$0")/lib.sh"

"$KHO_REPO/scripts/deps.sh" || exit 1

out=${1:-${OUT:-$KHO_BUILD/patches}}
sdir=$KHO_REPO/series
conf=${SERIES_CONF:-$sdir/series.conf}
base=$(kho_base)
git=$KHO_BUILD/series-git
plan=$KHO_BUILD/series-plan

if [ -z "${SIGNOFF:-}" ]; then
	name=$(git -C "$KHO_REPO" config user.name || true)
	mail=$(git -C "$KHO_REPO" config user.email || true)
	# A fresh clone without a git identity: the author of its HEAD.
	[ -n "$name" ] && [ -n "$mail" ] ||
		{ name=$(git -C "$KHO_REPO" log -1 --format=%an 2>/dev/null || true)
		  mail=$(git -C "$KHO_REPO" log -1 --format=%ae 2>/dev/null || true); }
	[ -n "$name" ] && [ -n "$mail" ] ||
		die "set SIGNOFF='Name <mail>' (or git config user.name and user.email)"
	SIGNOFF="$name <$mail>"
fi
[[ $SIGNOFF =~ ^([^<]*[^<\ ])\ \<([^<>@\ ]+@[^<>\ ]+)\>$ ]] ||
	die "SIGNOFF must look like 'Name <mail>': $SIGNOFF"
export GIT_AUTHOR_NAME=${BASH_REMATCH[1]} GIT_AUTHOR_EMAIL=${BASH_REMATCH[2]}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
date=$(git -C "$KHO_REPO" log -1 --format=%cI 2>/dev/null || date -Iseconds)
kver=$(awk -F' = ' '$1 ~ /^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)$/ { v[$1] = $2 }
	END { printf "%s.%s.%s%s", v["VERSION"], v["PATCHLEVEL"], v["SUBLEVEL"], v["EXTRAVERSION"] }' "$base/Makefile")
export GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# --- 1. Read the description ------------------------------------------------

rm -rf "$plan"
mkdir -p "$plan"
paths=() only=() slugs=() owners=
cur=
add() {		# add LIST WORDS...: append to the current patch's LIST
	local l=$1
	shift
	[ -n "$cur" ] || die "$conf: '$l' before the first 'patch' line"
	printf '%s\n' "$@" >> "$plan/$cur.$l"
}
while read -r kw rest; do
	case $kw in
	''|'#'*) continue ;;
	paths) read -ra paths <<< "$rest" ;;
	series-only) read -ra only <<< "$rest" ;;
	owners) owners=$rest ;;
	patch)
		cur=$(printf '%02d' $((${#slugs[@]} + 1)))
		slugs+=("$rest")
		[ -f "$sdir/$rest.msg" ] || die "no commit message series/$rest.msg"
		: > "$plan/$cur.file"; : > "$plan/$cur.apply"
		: > "$plan/$cur.partial"; : > "$plan/$cur.maint"
		: > "$plan/$cur.ignore"
		;;
	file|apply|maintainers)
		read -ra words <<< "$rest"
		add "${kw/maintainers/maint}" "${words[@]}"
		;;
	checkpatch-ignore)
		read -ra words <<< "$rest"
		[ ${#words[@]} -gt 0 ] || die "$conf: 'checkpatch-ignore' without a type"
		for w in "${words[@]}"; do
			[[ $w =~ ^[A-Z][A-Z0-9_]*$ ]] || die "$conf: '$w' is not a checkpatch type"
		done
		add ignore "${words[@]}"
		;;
	partial) add partial "$rest" ;;
	*) die "$conf: unknown keyword '$kw'" ;;
	esac
done < "$conf"
[ ${#slugs[@]} -gt 0 ] || die "$conf describes no patch"
[ ${#paths[@]} -gt 0 ] || die "$conf has no 'paths' line"

# The repo's kernel files, found the way scripts/overlay.sh finds them.
mapfile -t repo_files < <(cd "$KHO_REPO" && git ls-files -co --exclude-standard -- "${paths[@]}" |
			  while read -r f; do [ -f "$f" ] && echo "$f"; done | sort -u)
mapfile -t repo_patches < <(cd "$KHO_REPO" && ls patches/*.patch 2>/dev/null | sort)

# Resolve every "file" and "apply" glob; each must match something.
err=0
bad() { say "series: $*"; err=1; }
# take N SLUG KEY WHERE IN OUT TAKEN CANDIDATE...: every glob in the file IN
# (a "KEY GLOB" line of patch N) must match some CANDIDATE (a WHERE), and no
# CANDIDATE may be taken by two patches; matches go to the file OUT and into
# the associative array named TAKEN.
take() {
	local n=$1 slug=$2 key=$3 where=$4 in=$5 out=$6 g c hit
	local -n taken=$7
	shift 7
	while read -r g; do
		hit=0
		for c in "$@"; do
			# shellcheck disable=SC2053
			[[ $c == $g ]] || continue
			hit=1
			if [ -n "${taken[$c]:-}" ]; then
				bad "$c: '$key' in patch ${taken[$c]} and in patch $n"
			else
				taken[$c]=$n
				echo "$c" >> "$out"
			fi
		done
		[ $hit = 1 ] || bad "patch $n ($slug): '$key $g' matches no $where"
	done < "$in"
}
declare -A owner applied
for n in $(seq -f %02g 1 ${#slugs[@]}); do
	slug=${slugs[10#$n - 1]}
	: > "$plan/$n.files"; : > "$plan/$n.patches"
	take "$n" "$slug" file "repo file" "$plan/$n.file" "$plan/$n.files" owner "${repo_files[@]}"
	take "$n" "$slug" apply "file in patches/" "$plan/$n.apply" "$plan/$n.patches" applied \
		"${repo_patches[@]}"
done
for f in "${repo_files[@]}"; do
	[ -n "${owner[$f]:-}" ] || bad "$f is in no patch"
done
for p in "${repo_patches[@]}"; do
	[ -n "${applied[$p]:-}" ] || bad "$p is applied by no patch"
done
for n in $(seq -f %02g 1 ${#slugs[@]}); do
	slug=${slugs[10#$n - 1]}
	while read -r f s; do
		[ -f "$KHO_REPO/$f" ] || bad "patch $n: 'partial $f' is not a repo file"
		[ -n "${owner[$f]:-}" ] && [ "${owner[$f]}" \> "$n" ] ||
			bad "patch $n: 'partial $f' needs a later patch that takes $f"
		[ -n "$s" ] || bad "patch $n: 'partial $f' without a sed script"
	done < "$plan/$n.partial"
	[ -s "$plan/$n.files" ] || [ -s "$plan/$n.patches" ] || [ -s "$plan/$n.partial" ] ||
		bad "patch $n ($slug) changes nothing"
done

# Commit messages: subject, blank line, body; 75 columns; our own trailers.
check_msg() {	# check_msg N FILE
	local n=$1 f=$2 i=0 line
	while IFS= read -r line || [ -n "$line" ]; do
		i=$((i + 1))
		case $i in
		1)
			[[ $line =~ ^(kho|memblock|memblock\ tests|selftests/kho|tools/kho|Documentation:\ kho):\ [a-z] ]] ||
				bad "series/$slug.msg: subject must start with one of 'kho: ', 'memblock: ', 'memblock tests: ', 'selftests/kho: ', 'tools/kho: ', 'Documentation: kho: ' and a lower-case verb"
			[ ${#line} -le 75 ] || bad "series/$slug.msg: subject longer than 75 columns"
			[[ $line == *. ]] && bad "series/$slug.msg: subject ends with a full stop"
			;;
		2) [ -z "$line" ] || bad "series/$slug.msg: line 2 must be empty" ;;
		*)
			[ ${#line} -le 75 ] || [[ $line =~ ^[[:space:]]*[^[:space:]]+$ ]] ||
				bad "series/$slug.msg:$i: longer than 75 columns"
			;;
		esac
		[[ $line =~ [[:space:]]$ ]] && bad "series/$slug.msg:$i: trailing white space"
		[[ $line =~ ^Signed-off-by: ]] && bad "series/$slug.msg:$i: the script adds Signed-off-by"
	done < "$f"
	[ "$i" -ge 3 ] || bad "series/$slug.msg: no body"
}
for n in $(seq -f %02g 1 ${#slugs[@]}); do
	slug=${slugs[10#$n - 1]}
	check_msg "$n" "$sdir/$slug.msg"
done
[ -f "$sdir/cover-letter.txt" ] || bad "no series/cover-letter.txt"
[ $err = 0 ] || die "the series description is inconsistent (see above)"

# --- 2. Commit the series in a throwaway repository --------------------------

# Every file the series touches: ours, and those the patches/ files change.
touched=$plan/touched
{
	cat "$plan"/*.files
	for p in "${repo_patches[@]}"; do
		sed -n -e 's|^+++ b/\([^[:space:]]*\).*|\1|p' -e 's|^--- a/\([^[:space:]]*\).*|\1|p' "$KHO_REPO/$p"
	done
	grep -q . "$plan"/*.maint && echo MAINTAINERS
} | sort -u > "$touched"

rm -rf "$git"
mkdir -p "$git"
git -C "$git" init -q -b series
while read -r f; do
	[ -f "$base/$f" ] || continue
	mkdir -p "$(dirname "$git/$f")"
	cp "$base/$f" "$git/$f"
done < "$touched"
git -C "$git" add -A
git -C "$git" commit -q -m "base: Linux $kver"
git -C "$git" tag base

# maint_add PATTERN: one F: line in the KHO entry of MAINTAINERS, in order.
maint_add() {
	local m=$git/MAINTAINERS
	grep -q '^KEXEC HANDOVER (KHO)$' "$m" || die "MAINTAINERS has no KEXEC HANDOVER (KHO) entry"
	awk -v new="F:	$1" '
		/^KEXEC HANDOVER \(KHO\)$/ { inside = 1 }
		inside && /^F:\t/ && !done && $0 > new { print new; done = 1 }
		inside && /^$/ { if (!done) print new; done = 1; inside = 0 }
		inside && $0 == new { die = 1 }
		{ print }
		END { exit die }' "$m" > "$m.new" || die "MAINTAINERS already lists $1"
	mv "$m.new" "$m"
}

for n in $(seq -f %02g 1 ${#slugs[@]}); do
	slug=${slugs[10#$n - 1]}
	while read -r f s; do
		mkdir -p "$(dirname "$git/$f")"
		sed -e "$s" "$KHO_REPO/$f" > "$git/$f"
		cmp -s "$KHO_REPO/$f" "$git/$f" && die "patch $n: the sed script of 'partial $f' changes nothing"
	done < "$plan/$n.partial"
	while read -r f; do
		mkdir -p "$(dirname "$git/$f")"
		cp "$KHO_REPO/$f" "$git/$f"
	done < "$plan/$n.files"
	while read -r p; do
		patch -d "$git" -p1 -s -N --no-backup-if-mismatch -r - < "$KHO_REPO/$p" ||
			die "patch $n: $p does not apply"
	done < "$plan/$n.patches"
	while read -r m; do maint_add "$m"; done < "$plan/$n.maint"
	git -C "$git" add -A
	git -C "$git" diff --cached --quiet && die "patch $n ($slug) is empty"
	{ cat "$sdir/$slug.msg"; printf '\nSigned-off-by: %s\n' "$SIGNOFF"; } |
		git -C "$git" commit -q -F -
done

# --- 3. The series must end in the tree that the overlay builds --------------

ws=$(kho_src ours)
# shellcheck disable=SC2053
is_only() { local g; for g in "${only[@]}"; do [[ $1 == $g ]] && return 0; done; return 1; }
while read -r f; do
	is_only "$f" && continue
	cmp -s "$git/$f" "$ws/$f" || bad "$f: the series' final version differs from the overlay's"
done < <(git -C "$git" ls-files)
for f in $(cat "$ws/.kho-overlay/files" "$ws/.kho-overlay/patched"); do
	git -C "$git" ls-files --error-unmatch -- "$f" >/dev/null 2>&1 ||
		bad "$f: overlaid by scripts/overlay.sh but not in the series"
done
# checkpatch asks, for every patch that adds a file, whether MAINTAINERS
# needs updating (FILE_PATH_CHANGES).  Answer it here instead: every file
# the series adds must be covered by an F: pattern of one of the "owners"
# entries of the final MAINTAINERS.
owned_pats=$(awk -v owners="|$owners|" '
	/^[A-Z0-9].*[^:]$/ && prev == "" { inside = index(owners, "|" $0 "|") > 0 }
	inside && /^F:\t/ { print $2 }
	{ prev = $0 }' "$git/MAINTAINERS")
[ -n "$owned_pats" ] || bad "MAINTAINERS has no F: line in the entries: $owners"
while read -r f; do
	ok=0
	for pat in $owned_pats; do
		# shellcheck disable=SC2053
		case $pat in
		*/) [[ $f == "$pat"* ]] && ok=1 ;;
		*) [[ $f == $pat ]] && ok=1 ;;
		esac
	done
	[ $ok = 1 ] || bad "$f: added by the series but not covered by MAINTAINERS entries $owners (add a 'maintainers' line)"
done < <(git -C "$git" diff --name-only --diff-filter=A base HEAD)
[ $err = 0 ] || die "the series does not reproduce the overlay (see above)"

# --- 4. format-patch, cover letter, checkpatch -------------------------------

mkdir -p "$out"
rm -f "$out"/*.patch "$out/checkpatch.txt"
git -C "$git" format-patch -q --cover-letter -o "$out" base..HEAD
cp_err=0
for p in "$out"/[0-9][0-9][0-9][0-9]-*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	ign=FILE_PATH_CHANGES
	n=$(basename "$p"); n=${n%%-*}; n=${n#00}
	while read -r t; do ign+=,$t; done < "$plan/$n.ignore"
	cp=(perl scripts/checkpatch.pl --strict --show-types --ignore "$ign")
	rep=$(cd "$base" && "${cp[@]}" "$p" 2>&1 || true)
	line=$(printf '%s\n' "$rep" | grep -a '^total: ' || true)
	[ -z "$line" ] || [ "$ign" = FILE_PATH_CHANGES ] || line+=" (ignoring ${ign#FILE_PATH_CHANGES,})"
	printf '%s: %s\n' "$(basename "$p")" "${line:-checkpatch printed no summary}" |
		tee -a "$out/checkpatch.txt"
	# Each report as "    FILE:LINE: TYPE: message".
	printf '%s\n' "$rep" | awk '
		/^(ERROR|WARNING|CHECK):/ { msg = $0; next }
		msg != "" && /^#[0-9]+: FILE: / { sub(/^#[0-9]+: FILE: /, ""); print "    " $0 " " msg; msg = "" }' |
		tee -a "$out/checkpatch.txt" >&2
	[[ $line =~ total:\ 0\ errors,\ 0\ warnings, ]] || cp_err=1
done
cover=$(ls "$out"/0000-cover-letter.patch)
subject=$(head -n1 "$sdir/cover-letter.txt")
# @KVER@ becomes the base's version, a line @CHECKPATCH@ the summaries
# and every CHECK left (errors and warnings make the status 3 anyway).
awk -v subject="$subject" -v blurb="$sdir/cover-letter.txt" -v kver="$kver" \
    -v checks="$out/checkpatch.txt" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
	/^\*\*\* BLURB HERE \*\*\*$/ {
		n = 0
		while ((getline line < blurb) > 0) {
			if (++n <= 2)
				continue
			if (line == "@CHECKPATCH@") {
				while ((getline c < checks) > 0)
					if (c ~ /^[0-9]+-/) { sub(/-[^:]*:/, ":", c); print "  " c }
					else if (c ~ / CHECK:/) print "  " c
				continue
			}
			gsub(/@KVER@/, kver, line)
			print line
		}
		next
	}
	{ print }' "$cover" > "$cover.new"
mv "$cover.new" "$cover"
grep -qE '\*\*\*|PLACEHOLDER' "$cover" && die "the cover letter still has a template marker"

say "${#slugs[@]} patches and a cover letter in $out"
# Status 3: the series is fine but checkpatch reported errors or warnings.
[ $cp_err = 0 ] || exit 3
