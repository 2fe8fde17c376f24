#!/usr/bin/env bash
# Instructions the API process executes per GET /api/data?limit=100, counted by callgrind.
# Wall-clock figures on a shared 2-core VM move by 20 % between runs; this count moves by
# under 1 %, so it tells whether a change to the request path made it cheaper.
#
#   bench/data_api_instructions.sh    # after bench/data_api.sh has filled test_data
#   LUA=bench/notify_api.lua PATH_QUERY=/notifications bench/data_api_instructions.sh
#                                     # POST /notifications: one email to the caller, now
#   BENCH_USER=bench-admin LUA=bench/notify_key_api.lua PATH_QUERY=/notifications \
#     bench/data_api_instructions.sh  # by API key, to a recipient, with a template
#   BENCH_USER=bench-admin LUA=bench/recipients_bulk.lua PATH_QUERY=/recipients/bulk \
#     CONNECTIONS=2 DURATION=60s SETTLE=30 bench/data_api_instructions.sh
#                                     # 1,000 recipients a request: fewer, longer requests
#                                     # (SETTLE s for those in flight to finish)
#
# Needs: valgrind, wrk, PostgreSQL on 127.0.0.1:5432 (database test_data with the
# bench-user account bench/data_api.sh creates), Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

export HERALD_DATABASE_URL=${HERALD_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test_data}
export HERALD_BROKER_URL=${HERALD_BROKER_URL:-redis://127.0.0.1:6379/1}
export HERALD_JWT_SECRET=${HERALD_JWT_SECRET:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(36))')}
export HERALD_LOG_LEVEL=${HERALD_LOG_LEVEL:-WARNING}
export HERALD_DATA_INGEST_ENABLED=false
export HERALD_API_KEY_RATE_LIMIT=${HERALD_API_KEY_RATE_LIMIT:-1000000000} # the bench key is checked, never stopped
export HERALD_SMS_PROVIDER=${HERALD_SMS_PROVIDER:-console}
export HERALD_EMAIL_PROVIDER=${HERALD_EMAIL_PROVIDER:-console}
PORT=${PORT:-8775}
PATH_QUERY=${PATH_QUERY:-/api/data?limit=100}
LUA=${LUA:-bench/data_api.lua}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-20s}
SETTLE=${SETTLE:-5}
out=$(mktemp -d)

# Collection starts only after the warm-up, so start-up and first-request costs stay out.
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/cg" \
  .venv/bin/python .venv/bin/herald serve --port "$PORT" >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
wait_live "$PORT" 240 # under valgrind, start-up takes far longer
HERALD_BENCH_TOKEN=$(access_token "$PORT" "${BENCH_USER:-bench-user}") # bench-admin for admin routes
export HERALD_BENCH_TOKEN
if [ "$LUA" = bench/notify_key_api.lua ]; then # as a service: needs BENCH_USER=bench-admin
  HERALD_BENCH_KEY=$(notify_key_fixture "$PORT" "$HERALD_BENCH_TOKEN")
  export HERALD_BENCH_KEY
fi
# An email address, for POST /notifications (bench/notify_api.lua); reads ignore it.
curl -fs -X PATCH "http://127.0.0.1:$PORT/preferences" -H "Authorization: Bearer $HERALD_BENCH_TOKEN" \
  -H 'Content-Type: application/json' -d '{"notify_pref":"email","email":"bench@example.com"}' >/dev/null

served() { # requests Herald has answered so far, by its own /metrics (scrapes not counted)
  curl -fs "http://127.0.0.1:$PORT/metrics" | awk '/^herald_requests_total\{/ {s += $NF} END {printf "%d", s}'
}

# The requests are counted by the server, not by wrk: on a busy machine the answers still
# in progress when wrk stops (up to CONNECTIONS of the warm-up's and of the measured run's) were
# otherwise counted as work but not as requests. The pauses let them finish; wrk waits up
# to 60 s for an answer (its default, 2 s, would make it drop and reopen connections).
wrk -t1 -c"$CONNECTIONS" -d10s --timeout 60s -s "$LUA" "http://127.0.0.1:$PORT$PATH_QUERY" >/dev/null
sleep "$SETTLE"
first=$(served)
callgrind_control -i on "$server" >/dev/null 2>&1
wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --timeout 60s -s "$LUA" "http://127.0.0.1:$PORT$PATH_QUERY" >/dev/null
sleep "$SETTLE"
callgrind_control -i off "$server" >/dev/null 2>&1
requests=$(($(served) - first))
callgrind_control -d "$server" >/dev/null 2>&1
instructions=$(cat "$out"/cg* | awk '/^totals:/ {s += $2} END {print s}')
echo "$(basename "$LUA" .lua) $PATH_QUERY: $requests requests, $instructions instructions, $((instructions / requests)) per request"
