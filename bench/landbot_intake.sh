#!/usr/bin/env bash
# POST /webhooks/landbot (Landbot's MessageHooks), with wrk, against Herald in production
# mode (PostgreSQL + Redis), one API process, 32 connections; prints requests/s and the
# latency percentiles (the targets: 1,500/s, p99 under 50 ms). Each request is a new
# message (stored, handed to the Redis stream); no worker runs, so what is measured is
# the webhook alone.
#
#   bench/landbot_intake.sh                 # DURATION=10s by default
#
# Needs: PostgreSQL on 127.0.0.1:5432, Redis, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v uv >/dev/null || uv() { python3 -m uv "$@"; }

production_env
PORT=${PORT:-8778}
DURATION=${DURATION:-10s}
LANDBOT_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
export LANDBOT_TOKEN HERALD_LANDBOT_WEBHOOK_TOKEN=$LANDBOT_TOKEN
psql_() { psql "${HERALD_DATABASE_URL/+asyncpg/}" -Atq "$@"; }

uv run herald migrate
psql_ -c "TRUNCATE landbot_messages" -c "VACUUM ANALYZE landbot_messages"

uv run herald serve --port "$PORT" >/tmp/herald-bench-landbot.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
wait_live "$PORT" 60

# A warm-up first, so the pools, prepared statements and caches are filled before the
# measured run (as in a running service) and the p99 is not the first second's.
echo "warm-up"
RUN=warm-up wrk -t4 -c32 -d3s --timeout 10s -s bench/landbot_intake.lua "http://127.0.0.1:$PORT/webhooks/landbot" >/dev/null
echo "POST /webhooks/landbot, 1 API process, 32 connections, $DURATION, $(nproc) cores"
out=$(wrk -t4 -c32 -d"$DURATION" --timeout 10s --latency -s bench/landbot_intake.lua \
  "http://127.0.0.1:$PORT/webhooks/landbot")
echo "$out"
if grep -q "Non-2xx" <<<"$out"; then
  echo "some answers were not 2xx" >&2
  exit 1
fi
echo "stored: $(psql_ -c "SELECT count(*) FROM landbot_messages")"
