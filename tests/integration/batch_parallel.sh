#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the GNU parallel recipe of docs/fleet.md for real, on this machine: the fenced sh
# block after the line "<!-- tested: batch_parallel.sh -->", with HOSTS=3/: (":" is GNU
# parallel's name for the local machine, so no ssh is needed), N=3 shards, the fixture
# images as the list. Then checks that the merged result has every image exactly once and
# that the JUnit file has one testcase per image.
#   batch_parallel.sh KBPROBE FIXTURE_DIR FLEET_MD
# Ends with "N passed, N failed".
set -uo pipefail
kbprobe=$1 fixture_dir=$2 doc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # check CONDITION-EXIT-STATUS MESSAGE
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2"; fi
}

/usr/bin/python3 - "$fixture_dir" > "$tmp/images.txt" <<'PY'
import json, os, sys
d = sys.argv[1]
for s in json.load(open(os.path.join(d, "index.json")))["scenarios"]:
    for files in s["images"].values():
        print(os.path.join(d, files[0]))
PY
awk '/<!-- tested: batch_parallel.sh -->/ {found = 1; next}
     found && /^```sh/ {inside = 1; next}
     inside && /^```/ {exit}
     inside {print}' "$doc" > "$tmp/recipe.sh"
[ -s "$tmp/recipe.sh" ]; check $? "no recipe found in $doc"
grep -q 'parallel --sshlogin' "$tmp/recipe.sh"; check $? "the recipe does not use parallel --sshlogin"

mkdir "$tmp/out"
export HOSTS=3/: N=3 IMAGES="$tmp/images.txt" OUT="$tmp/out" KBPROBE="$kbprobe"
export PARALLEL="--will-cite"
bash "$tmp/recipe.sh" > "$tmp/recipe.log" 2>&1
status=$?
grep -E "Sanitizer|runtime error" "$tmp/recipe.log"; [ $? -ne 0 ]; check $? "sanitizer report in the recipe's output"
# The images hold at-risk, broken and unknown verdicts: merge exits 15 (1|2|4|8), not 0
[ "$status" -eq 15 ]; check $? "recipe exit $status, want 15 (merge's bits over the fixtures): $(tail -5 "$tmp/recipe.log")"
for k in 0 1 2; do
  [ -s "$OUT/shard-$k.jsonl" ]; check $? "shard $k wrote nothing"
done
total=$(wc -l < "$tmp/images.txt")
lines=$(wc -l < "$OUT/fleet.jsonl")
[ "$lines" -eq "$total" ]; check $? "merged $lines records for $total images"
diff <(jq -r .image "$OUT/fleet.jsonl" | sort) <(sort "$tmp/images.txt") > /dev/null
check $? "the merged images are not the list"
shard_lines=$(cat "$OUT"/shard-*.jsonl | wc -l)
[ "$shard_lines" -eq "$total" ]; check $? "the shards hold $shard_lines records for $total images (overlap)"
cases=$(grep -c '<testcase ' "$OUT/fleet.xml")
[ "$cases" -eq "$total" ]; check $? "fleet.xml has $cases testcases for $total images"
grep -q "0 duplicate records dropped, 0 images missing" "$tmp/recipe.log"
check $? "merge reported duplicates or missing images: $(grep Merged "$tmp/recipe.log")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
