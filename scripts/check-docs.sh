#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build our documentation with the kernel's own doc build and fail on any
# warning about it.
#
#   check-docs.sh
#
# Our rst files (the repo's Documentation/) are built in the overlay
# workspace with `make htmldocs SPHINXDIRS=<their folder>`, so Sphinx (from
# Debian) and the kernel's kernel-doc extension render every kernel-doc
# directive from our sources.  A folder is built on its own, so references
# to documents and labels outside it cannot be resolved by Sphinx: such a
# warning is accepted only when the document or label exists in the tree.
# Any other warning about our rst files or about the sources their
# directives read is a failure; warnings about other files of the same
# folder are counted and ignored.  Since kernel-doc silently renders nothing
# for a :doc: title or identifier that does not exist, every kernel-doc
# directive of our rst files is also run through scripts/kernel-doc and
# must produce text.  Without sphinx-build, each rst file is
# parsed with docutils instead, with Sphinx's directives and roles stubbed
# (warnings are failures there too).
#
# KTAP output, one result per folder (or file) and one for the kernel-doc
# directives; outputs in
# $KHO_BUILD/docs/, logs in $KHO_BUILD/logs/docs/.
set -uo pipefail
KHO_TAG=docs
. "$(dirname "$0")/lib.sh"

"$KHO_REPO/scripts/deps.sh" || exit 1

t_start=$(date +%s)
ws=$(kho_src ours) || exit 1
logs=$KHO_BUILD/logs/docs
out=$KHO_BUILD/docs
# A fresh output folder: Sphinx only reports warnings for what it rebuilds.
rm -rf "$out"
mkdir -p "$logs" "$out"

mapfile -t rst < <(cd "$KHO_REPO" && git ls-files -co --exclude-standard -- 'Documentation/*.rst' | sort)
[ ${#rst[@]} -gt 0 ] || die "no rst files in the repo"
# The sources that our kernel-doc directives read.
mapfile -t srcs < <(cd "$KHO_REPO" && sed -n 's/^\.\. kernel-doc:: *//p' "${rst[@]}" | sort -u)

n=0 failed=0
result() { ktap "$@"; n=$KTAP_N failed=$KTAP_FAILED; }

echo "KTAP version 1"

if command -v sphinx-build >/dev/null; then
	mapfile -t dirs < <(printf '%s\n' "${rst[@]}" | sed 's|^Documentation/||; s|/[^/]*$||' | sort -u)
	echo "1..$((${#dirs[@]} + 1))"
	echo "# $(sphinx-build --version), ${#rst[@]} rst files, kernel-doc from ${#srcs[@]} sources"
	for d in "${dirs[@]}"; do
		log=$logs/${d//\//_}.log
		t0=$(date +%s)
		# O= keeps the output out of the workspace (a hardlink copy of
		# the base); no bytecode is written next to the extensions.
		if ! PYTHONDONTWRITEBYTECODE=1 make -C "$ws" O="$out" SPHINXDIRS="$d" htmldocs \
		     > "$log" 2>&1; then
			tail -n 20 "$log" >&2
			result fail "sphinx $d" "the doc build failed; see $log"
			continue
		fi
		bad=() others=0
		while IFS= read -r line; do
			f=${line%%:*}
			f=${f#"$ws/"}
			ours=0
			for o in "${rst[@]}" "${srcs[@]}"; do
				[ "$f" = "$o" ] && ours=1
			done
			if [ $ours = 0 ]; then
				others=$((others + 1))
				continue
			fi
			if [[ $line =~ unknown\ document:\ \'/([^\']+)\' ]] &&
			   [ -f "$ws/Documentation/${BASH_REMATCH[1]}.rst" ]; then
				continue
			fi
			if [[ $line =~ undefined\ label:\ \'([^\']+)\' ]] &&
			   grep -rqiE --include='*.rst' "^\.\. _${BASH_REMATCH[1]}:" "$ws/Documentation"; then
				continue
			fi
			bad+=("$line")
		done < <(grep -aE '^[^ ]+:[0-9]*:? ?(WARNING|ERROR|SEVERE|CRITICAL)|^[^ ]+: (warning|error):' "$log")
		echo "# $d: built in $(($(date +%s) - t0)) s, ${#bad[@]} warnings about our files, $others about other files"
		if [ ${#bad[@]} = 0 ]; then
			result ok "sphinx $d"
		else
			printf '# %s\n' "${bad[@]#"$ws/"}"
			result fail "sphinx $d" "${#bad[@]} warnings"
		fi
	done
else
	echo "1..$((${#rst[@]} + 1))"
	echo "# no sphinx-build: docutils parse only"
	for f in "${rst[@]}"; do
		log=$logs/$(basename "$f").log
		if python3 - "$KHO_REPO/$f" > "$log" 2>&1 <<'EOF'
import sys
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles

class Stub(Directive):
    """A Sphinx-only directive: accepted, content ignored."""
    has_content = True
    optional_arguments = 10
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []

class AnyOptions(dict):
    def __missing__(self, key):
        return directives.unchanged

Stub.option_spec = AnyOptions()
for name in ("kernel-doc", "toctree", "kernel-include", "kernel-feat", "kernel-abi"):
    directives.register_directive(name, Stub)

def stub_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []

for name in ("doc", "ref", "c:func", "c:type", "c:macro", "manpage"):
    roles.register_local_role(name, stub_role)

with open(sys.argv[1], encoding="utf-8") as f:
    publish_doctree(f.read(), source_path=sys.argv[1],
                    settings_overrides={"report_level": 2, "halt_level": 2})
EOF
		then
			result ok "docutils $f"
		else
			sed 's/^/# /' "$log" | tail -n 5
			result fail "docutils $f" "see $log"
		fi
	done
fi
# Every kernel-doc directive must find what it names.  Directives are
# "FILE|OPTION|ARGUMENTS" lines; an option line follows its directive.
empty=() checked=0
while IFS='|' read -r where src opt args; do
	case $opt in
	doc) sel=(-s "$args") ;;
	identifiers) sel=() ;;
	export) sel=(-e) ;;
	internal) sel=(-i) ;;
	'') sel=() ;;
	*) continue ;;
	esac
	if [ "$opt" = identifiers ]; then
		for id in $args; do
			checked=$((checked + 1))
			[ -n "$(cd "$ws" && scripts/kernel-doc -rst -s "$id" "$src" 2>/dev/null)" ] ||
				empty+=("$where: $src: no kernel-doc for $id")
		done
		continue
	fi
	checked=$((checked + 1))
	[ -n "$(cd "$ws" && scripts/kernel-doc -rst "${sel[@]}" "$src" 2>/dev/null)" ] ||
		empty+=("$where: $src: nothing for :$opt: $args")
done < <(cd "$KHO_REPO" && awk '
	function flush() { if (src != "") print where "|" src "|" opt "|" args; src = "" }
	/^\.\. kernel-doc::/ { flush(); where = FILENAME ":" FNR; src = $3; opt = ""; args = ""; next }
	src != "" && /^ +:[a-z-]+:/ {
		if (opt != "") { flush(); next }
		line = $0; sub(/^ +:/, "", line); opt = line; sub(/:.*/, "", opt)
		sub(/^[a-z-]+: */, "", line); args = line; next
	}
	src != "" { flush() }
	END { flush() }' "${rst[@]}")
if [ ${#empty[@]} = 0 ]; then
	result ok "kernel-doc directives"
else
	printf '# %s\n' "${empty[@]}"
	result fail "kernel-doc directives" "${#empty[@]} of $checked render nothing"
fi
echo "# kernel-doc directives: $checked checked"

echo "# check-docs: $((n - failed)) passed, $failed failed in $(($(date +%s) - t_start)) s"
[ "$failed" = 0 ]
