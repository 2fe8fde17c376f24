#!/usr/bin/env bash
# POST /recipients/bulk, 1,000 recipients a request, with wrk, against Herald in production
# mode (PostgreSQL + Redis), one API process, 32 connections; prints recipients/s.
#
#   bench/recipients_bulk.sh                      # new recipients
#   BULK_MODE=replace bench/recipients_bulk.sh    # every entry replaces a recipient
#
# The recipients of earlier runs (external ids `bulk-...`) are deleted first, so each run
# starts from the same table. Needs: PostgreSQL on 127.0.0.1:5432, Redis, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v uv >/dev/null || uv() { python3 -m uv "$@"; }

production_env
export BULK_MODE=${BULK_MODE:-new}
export BULK_RUN=bench
PORT=${PORT:-8776}
DURATION=${DURATION:-10s}
LUA=bench/recipients_bulk.lua
URL="http://127.0.0.1:$PORT/recipients/bulk"
psql_() { psql "${HERALD_DATABASE_URL/+asyncpg/}" -Atq "$@"; }

uv run herald migrate
echo "bench-password-123" | uv run herald create-admin --username bench-admin >/dev/null 2>&1 || true
psql_ -c "DELETE FROM recipients WHERE external_id LIKE 'bulk-%'" -c "VACUUM ANALYZE recipients"

uv run herald serve --port "$PORT" >/tmp/herald-bench-bulk.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
wait_live "$PORT" 60
HERALD_BENCH_TOKEN=$(access_token "$PORT" bench-admin)
export HERALD_BENCH_TOKEN

if [ "$BULK_MODE" = replace ]; then
  # One connection a thread makes its 64 batches one at a time: the warm-up, stopped
  # once all are there.
  wrk -t2 -c2 -d600s --timeout 60s -s "$LUA" "$URL" >/dev/null &
  prefill=$!
  until [ "$(psql_ -c "SELECT count(*) FROM recipients WHERE external_id LIKE 'bulk-%'")" -ge 128000 ]; do
    sleep 1
  done
  kill "$prefill"
  wait "$prefill" 2>/dev/null || true
else
  wrk -t2 -c32 -d5s --timeout 60s -s "$LUA" "$URL" >/dev/null
fi
echo "POST /recipients/bulk ($BULK_MODE), 1 API process, 32 connections, $DURATION, $(nproc) cores," \
  "$(psql_ -c "SELECT count(*) FROM recipients") recipients before"
out=$(wrk -t2 -c32 -d"$DURATION" --timeout 60s --latency -s "$LUA" "$URL")
echo "$out"
if grep -q "Non-2xx" <<<"$out"; then
  echo "some answers were not 200" >&2
  exit 1
fi
awk '/^Requests\/sec:/ {printf "recipients/s: %d\n", $2 * 1000}' <<<"$out"
