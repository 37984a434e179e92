#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_fuzz.sh FUZZER WORKDIR SEED [libFuzzer options...]
#
# Run the libFuzzer target on WORKDIR (new inputs land there) plus the seed
# corpus in corpus/ (only read), with the given seed. Shows libFuzzer's
# progress lines, then one KTAP result with executions and coverage
# (libFuzzer's cov: and ft:), and "N passed, N failed". A crash, leak or
# timeout fails the run; its input is kept in out/fuzz-artifacts/.
set -u

fuzzer=$1 work=$2 seed=$3
shift 3
here=$(dirname "$0")
artifacts=$here/out/fuzz-artifacts/
mkdir -p "$work" "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "KTAP version 1"
echo "1..1"
echo "# fuzz_in_check: seed $seed (rerun with FUZZ_SEED=$seed), options $*"
# Without address randomisation and corpus reloads, a given seed and number
# of runs always gives the same result.
norand=(setarch "$(uname -m)" -R)
if ! "${norand[@]}" true 2>/dev/null; then
	echo "# setarch -R unavailable: results may vary from run to run"
	norand=()
fi
"${norand[@]}" "$fuzzer" -seed="$seed" -reload=0 -max_len=4096 \
	-len_control=0 -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 \
	-print_final_stats=1 -artifact_prefix="$artifacts" \
	"$@" "$work" "$here/corpus" >"$log" 2>&1
rc=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)' "$log" | sed 's/^/# /'

last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
summary="${execs:-?} executions, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"

if [ "$rc" -eq 0 ]; then
	echo "ok 1 fuzz_in_check # $summary"
	echo "1 passed, 0 failed"
	exit 0
fi
tail -n 60 "$log" | sed 's/^/# /'
echo "not ok 1 fuzz_in_check # exit status $rc; $summary"
echo "0 passed, 1 failed"
exit 1
