#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each test binary given as "[VAR=value ...] path" as one KTAP subtest,
# then print the totals over all of them as "N passed, N failed".
set -u

echo "KTAP version 1"
echo "1..$#"

n=0 passed=0 failed=0 status=0
for run in "$@"; do
	n=$((n + 1))
	# The first word that is not VAR=value names the run.
	name=
	for word in $run; do
		[[ $word == *=* && -z $name && $word != -* ]] && continue
		name=${name:-$(basename "$word")}
	done
	log=$(mktemp)
	env $run >"$log" 2>&1
	rc=$?
	sed 's/^/    /' "$log"
	summary=$(tail -n 1 "$log")
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		# A crash or bail-out: count the binary itself as a failure.
		failed=$((failed + 1))
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok $n $name"
	else
		echo "not ok $n $name # exit status $rc"
		status=1
	fi
	rm -f "$log"
done

echo "$passed passed, $failed failed"
exit $status
