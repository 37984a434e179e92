#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot our kernel once, let the built-in KUnit suites run, and parse the
# serial log with the base's own tools/testing/kunit/kunit.py; every case
# becomes one result of ours.
#
#   kunit.sh [VARIANT]
set -euo pipefail
KHO_TAG=kunit
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
name=kunit-$variant
rm -f "$KHO_BUILD/logs/$name".*
# A one-stage scenario: boot, run KUnit at boot, load the module, power off.
KHO_KUNIT=1 "$KHO_REPO/scripts/scenario.sh" "$name" ours "" "$variant" "${KUNIT_TIMEOUT:-600}" >/dev/null || true
log=$KHO_BUILD/logs/$name.log
json=$KHO_BUILD/logs/$name.json
python3 "$(kho_base)/tools/testing/kunit/kunit.py" parse --json="$json" < "$log" > "$log.parsed" 2>&1 || true
python3 - "$json" <<'PY' > "$KHO_BUILD/logs/$name.cases"
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print("error", "kunit.json", e)
    sys.exit(0)
def walk(group, prefix):
    for case in group.get("test_cases", []):
        print(case["status"], prefix + case["name"])
    for sub in group.get("sub_groups", []):
        walk(sub, prefix + sub["name"] + ".")
walk(doc, "")
PY
n=0
while read -r status case; do
	n=$((n + 1))
	case $status in
	PASS) kho_result "kunit.$variant.$case" ok ;;
	SKIP) kho_result "kunit.$variant.$case" fail "skipped" ;;
	*) kho_result "kunit.$variant.$case" fail "$status" ;;
	esac
done < "$KHO_BUILD/logs/$name.cases"
if [ "$n" = 0 ]; then
	tail -n 30 "$log.parsed" >&2
	kho_result "kunit.$variant" fail "no KUnit results in $log"
fi
# The kcsan kernel's reports in the base kernel's own code, for the record.
if [ "$variant" = kcsan ]; then
	others=$(kho_kcsan_others "$log" | wc -l)
	echo "# $others KCSAN reports outside KHO and LUO"
	kho_kcsan_others "$log" | sed -E 's/^\[ *[0-9.]+\] /#   /' | sort | uniq -c | head -n 20
fi
# Both of our suites must have run, not just some KUnit suite.
for suite in kho_radix kho; do
	grep -q " $suite\." "$KHO_BUILD/logs/$name.cases" ||
		kho_result "kunit.$variant.$suite" fail "suite $suite did not run"
done
