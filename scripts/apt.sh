# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the scripts that download Debian packages (fetch-base.sh,
# fetch-sparse.sh): apt-get with a private state, so that the machine's own
# apt configuration is read for its mirror and never changed.

# kho_apt_mirror: the machine's Debian mirror, the first URI of a deb822 or
# one-line source that serves the main archive (not the security archive).
kho_apt_mirror() {
	local f
	{
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
	} | grep -v -- '-security' | grep -E '/debian/?$' | head -n1 || true
}

# shellcheck disable=SC2034  # aptopts is for the caller
# kho_apt_private DIR LINE...: make DIR a private apt state whose
# sources.list holds the LINEs, and set the array aptopts to the options that
# make apt-get and apt-cache use it.  Packages are checked against the
# Debian archive keyring.  A Release file past its Valid-Until date is
# accepted: a mirror may be a snapshot that stops being refreshed (seen:
# sid's and experimental's expired 27 days before a run), and its
# signature, which is what vouches for the packages, is still checked.
kho_apt_private() {
	local dir=$1
	shift
	mkdir -p "$dir"/{lists/partial,archives/partial,debs} \
		"$dir"/etc/{preferences.d,apt.conf.d,sources.list.d}
	printf '%s\n' "$@" > "$dir/etc/sources.list"
	: > "$dir/status"
	aptopts=(
		-o "Dir::State=$dir"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir"
		-o "Dir::Cache::archives=$dir/archives"
		-o "Dir::Etc::SourceList=$dir/etc/sources.list"
		-o "Dir::Etc::SourceParts=$dir/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$dir/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
		-o "Dir::Etc::Parts=$dir/etc/apt.conf.d"
		-o "APT::Get::List-Cleanup=0"
		-o "Debug::NoLocking=1"
		-o "APT::Sandbox::User=root"
		-o "Acquire::Check-Valid-Until=false"
	)
}

# The keyring that signs the Debian archive.
# shellcheck disable=SC2034  # for the caller
kho_apt_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
