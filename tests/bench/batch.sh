#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (never a test with a threshold): images per second of `kbprobe scan` on the
# fixture batch (the first file of every container of every scenario) with -j 1 and -j 2,
# and the ratio, in one run.
#   tests/bench/batch.sh [KBPROBE] [FIXTURE_DIR] [ROUNDS]
set -euo pipefail
kbprobe=${1:-build/kbprobe}
fixture_dir=${2:-${KB_FIXTURE_DIR:-.cache/fixtures}}
rounds=${3:-3}
list=$(mktemp)
trap 'rm -f "$list"' EXIT
/usr/bin/python3 - "$fixture_dir" > "$list" <<'PY'
import json, os, sys
d = sys.argv[1]
for s in json.load(open(os.path.join(d, "index.json")))["scenarios"]:
    for files in s["images"].values():
        print(os.path.join(d, files[0]))
PY
count=$(wc -l < "$list")
# one untimed pass to warm the page cache
"$kbprobe" scan -q -j 2 --format jsonl --from "$list" > /dev/null || true
declare -A rate
for jobs in 1 2; do
  start=$(date +%s.%N)
  for ((r = 0; r < rounds; r++)); do
    "$kbprobe" scan -q -j "$jobs" --format jsonl --from "$list" > /dev/null || true
  done
  end=$(date +%s.%N)
  rate[$jobs]=$(awk -v n="$count" -v r="$rounds" -v a="$start" -v b="$end" 'BEGIN {print n * r / (b - a)}')
  printf 'kbprobe scan -j %d: %d images x %d rounds in %.2f s: %.1f images/s\n' \
    "$jobs" "$count" "$rounds" "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "${rate[$jobs]}"
done
printf 'ratio -j 2 / -j 1: %.2f (cores online: %s)\n' "$(awk -v x="${rate[2]}" -v y="${rate[1]}" 'BEGIN {print x / y}')" "$(nproc)"
