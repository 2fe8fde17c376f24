#!/usr/bin/env bash
# Instructions the request metrics cost per request, in-process (one API process) and in
# prometheus_client's multiprocess mode (`herald serve --workers N`), counted by callgrind:
# the writes one request makes (in progress up and down, the counter, the histogram),
# 50,000 times, less a run that makes none. Needs valgrind.
#
#   bench/metrics_writes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-50000}
script='
import sys
from entrypoints.http import request_metrics as metrics

def one_request():
    metrics.IN_PROGRESS.inc()
    metrics.IN_PROGRESS.dec()
    metrics.record("GET", "/me", 200, 0.004)

one_request()  # the labelled children are made once, not per request
for _ in range(int(sys.argv[1])):
    one_request()
'
count() { # requests, then env assignments
  local requests=$1 out
  shift
  out=$(mktemp)
  env "$@" valgrind --tool=callgrind --callgrind-out-file="$out" \
    .venv/bin/python -c "$script" "$requests" >/dev/null 2>&1
  awk '/^totals:/ {print $2}' "$out"
  rm -f "$out"
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for mode in in-process multiprocess; do
  env=()
  [ "$mode" = multiprocess ] && env=(PROMETHEUS_MULTIPROC_DIR="$dir")
  base=$(count 0 "${env[@]}")
  total=$(count "$REQUESTS" "${env[@]}")
  echo "$mode: $(((total - base) / REQUESTS)) instructions per request"
done
