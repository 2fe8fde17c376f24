#!/usr/bin/env bash
# GET /api/data?limit=100 against a table of >= 1,000,000 points, with wrk, against Herald
# in production mode (PostgreSQL + Redis), 32 concurrent connections.
#
#   bench/data_api.sh                 # one API process
#   WORKERS=2 bench/data_api.sh       # herald serve --workers 2
#   ROLE=admin bench/data_api.sh      # as an admin (all points) instead of a user (valid only)
#   ROLE=admin LUA=bench/recipients_api.lua PATH_QUERY=/recipients bench/data_api.sh
#   ROLE=admin LUA=bench/notify_key_api.lua PATH_QUERY=/notifications bench/data_api.sh
#
# Needs: PostgreSQL on 127.0.0.1:5432 (database test_data), Redis on 127.0.0.1:6379, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v uv >/dev/null || uv() { python3 -m uv "$@"; }

production_env
PORT=${PORT:-8774}
WORKERS=${WORKERS:-1}
ROLE=${ROLE:-user}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PATH_QUERY=${PATH_QUERY:-/api/data?limit=100}
LUA=${LUA:-bench/data_api.lua} # bench/notify_api.lua: POST /notifications; bench/recipients_api.lua: PUT /recipients/...

uv run herald migrate
rows=$(psql "${HERALD_DATABASE_URL/+asyncpg/}" -Atc "SELECT count(*) FROM data_points")
if [ "$rows" -lt 1000000 ]; then
  uv run python bench/ingest.py --points $((1000000 - rows))
fi
psql "${HERALD_DATABASE_URL/+asyncpg/}" -qc "VACUUM ANALYZE data_points"

echo "bench-password-123" | uv run herald create-admin --username bench-admin >/dev/null 2>&1 || true

uv run herald serve --port "$PORT" --workers "$WORKERS" >/tmp/herald-bench.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
wait_live "$PORT" 60

if [ "$ROLE" = admin ]; then user=bench-admin; else user=bench-user; fi
curl -fs -X POST "http://127.0.0.1:$PORT/auth/signup" -H 'Content-Type: application/json' \
  -d '{"username":"bench-user","password":"bench-password-123"}' >/dev/null || true
HERALD_BENCH_TOKEN=$(access_token "$PORT" "$user")
export HERALD_BENCH_TOKEN
if [ "$LUA" = bench/notify_key_api.lua ]; then # as a service: needs ROLE=admin to make the key
  HERALD_BENCH_KEY=$(notify_key_fixture "$PORT" "$HERALD_BENCH_TOKEN")
  export HERALD_BENCH_KEY
fi

echo "one answer: $(curl -fs -H "Authorization: Bearer $HERALD_BENCH_TOKEN" "http://127.0.0.1:$PORT$PATH_QUERY" | head -c 160)..."
echo "warm-up"; wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$LUA" "http://127.0.0.1:$PORT$PATH_QUERY" >/dev/null
echo "GET $PATH_QUERY as $ROLE, $WORKERS API process(es), $CONNECTIONS connections, $DURATION, $(nproc) cores"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" "http://127.0.0.1:$PORT$PATH_QUERY"
