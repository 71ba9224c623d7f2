#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the CI snippet of docs/ci.md for real: the `run:` commands of the YAML block after
# "<!-- tested: batch_ci.sh -->", in order, in a fresh copy of the source tree (the files
# git knows, as they are in the working tree), with GOLDEN_IMAGE a safe fixture (the job
# passes, the JUnit report has one passing testcase) and then an at-risk fixture (the job
# fails with status 1, the testcase fails with type at-risk). Also checks that the GitLab
# job of docs/ci.md lists the same commands.
#   batch_ci.sh SOURCE_DIR FIXTURE_DIR
# Ends with "N passed, N failed".
set -uo pipefail
src=$1 fixture_dir=$(cd "$2" && pwd)
doc=$src/docs/ci.md
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2"; fi
}

awk '/<!-- tested: batch_ci.sh -->/ {found = 1; next}
     found && /^```yaml/ {inside = 1; next}
     inside && /^```/ {exit}
     inside {print}' "$doc" | sed -n 's/^ *- run: //p' > "$tmp/steps.txt"
[ "$(wc -l < "$tmp/steps.txt")" -ge 4 ]; check $? "docs/ci.md: fewer than 4 run: steps found"
awk '/^## GitLab CI/ {found = 1; next}
     found && /^```yaml/ {inside = 1; next}
     inside && /^```/ {exit}
     inside && /^  script:/ {s = 1; next}
     inside && s && /^    - / {sub(/^    - /, ""); print; next}
     inside && s {s = 0}' "$doc" > "$tmp/gitlab.txt"
diff "$tmp/steps.txt" "$tmp/gitlab.txt" > /dev/null; check $? "GitLab script differs from the GitHub run: steps"

mkdir "$tmp/repo"
(cd "$src" && git ls-files -z --cached --others --exclude-standard | \
   xargs -0 tar -cf - --ignore-failed-read 2>/dev/null) | tar -xf - -C "$tmp/repo"
run_steps() { # GOLDEN_IMAGE -> exit status of the last step (the gate)
  local status=0
  while IFS= read -r step; do
    (cd "$tmp/repo" && GOLDEN_IMAGE=$1 bash -c "$step") > "$tmp/step.log" 2>&1
    status=$?
    case "$step" in *"kbprobe scan"*) ;; *) [ $status -eq 0 ] || { cat "$tmp/step.log"; return 99; } ;; esac
  done < "$tmp/steps.txt"
  return $status
}
run_steps "$fixture_dir/sp2-safe/disk.vhdx"
status=$?
[ $status -eq 0 ]; check $? "safe golden image: the gate exited $status"
[ "$(grep -c '<testcase ' "$tmp/repo/kbprobe-junit.xml")" -eq 1 ]; check $? "safe: junit testcases"
! grep -q '<failure' "$tmp/repo/kbprobe-junit.xml"; check $? "safe: junit has a failure"
jq -e '.version == "2.1.0" and (.runs[0].results | length) == 0' "$tmp/repo/kbprobe.sarif" > /dev/null
check $? "safe: sarif"
run_steps "$fixture_dir/sp2-rtm-iis/disk.vhdx"
status=$?
[ $status -eq 1 ]; check $? "at-risk golden image: the gate exited $status, want 1"
grep -q '<failure type="at-risk"' "$tmp/repo/kbprobe-junit.xml"; check $? "at-risk: no at-risk failure in junit"
jq -e '.runs[0].results[0].ruleId == "at-risk"' "$tmp/repo/kbprobe.sarif" > /dev/null; check $? "at-risk: sarif"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
