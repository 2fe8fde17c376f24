#!/usr/bin/env bash
# POST /webhooks/twilio/inbound with valid signatures, with wrk, against Herald in
# production mode (PostgreSQL + Redis), one API process, 32 connections; prints
# requests/s and the latency percentiles (the targets: 1,500/s, p99 under 50 ms).
# Each request is a new message (stored, handed to the Redis stream); no worker runs,
# so what is measured is the webhook alone.
#
#   bench/sms_inbound.sh                 # DURATION=10s by default
#
# Needs: PostgreSQL on 127.0.0.1:5432, Redis, wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
command -v uv >/dev/null || uv() { python3 -m uv "$@"; }

production_env
PORT=${PORT:-8777}
DURATION=${DURATION:-10s}
export HERALD_PUBLIC_URL="http://127.0.0.1:$PORT"
export HERALD_TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001
export HERALD_TWILIO_AUTH_TOKEN=bench-twilio-token
export HERALD_TWILIO_FROM_NUMBER=+15005550006
export HERALD_SMS_PROVIDER=console
export SMS_INBOUND_REQUESTS=${SMS_INBOUND_REQUESTS:-/tmp/herald-bench-inbound.tsv}
psql_() { psql "${HERALD_DATABASE_URL/+asyncpg/}" -Atq "$@"; }

uv run herald migrate
psql_ -c "TRUNCATE inbound_sms" -c "VACUUM ANALYZE inbound_sms"
uv run python -m bench.sms_inbound_requests --out "$SMS_INBOUND_REQUESTS" \
  --url "$HERALD_PUBLIC_URL/webhooks/twilio/inbound" --token "$HERALD_TWILIO_AUTH_TOKEN" \
  --count "${COUNT:-200000}"

uv run herald serve --port "$PORT" >/tmp/herald-bench-inbound.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
wait_live "$PORT" 60

# A warm-up first, so the pools, prepared statements and caches are filled before the
# measured run (as in a running service) and the p99 is not the first second's.
echo "warm-up"
WARM_UP=1 wrk -t4 -c32 -d3s --timeout 10s -s bench/sms_inbound.lua "http://127.0.0.1:$PORT/webhooks/twilio/inbound" >/dev/null
echo "POST /webhooks/twilio/inbound, 1 API process, 32 connections, $DURATION, $(nproc) cores"
out=$(wrk -t4 -c32 -d"$DURATION" --timeout 10s --latency -s bench/sms_inbound.lua \
  "http://127.0.0.1:$PORT/webhooks/twilio/inbound")
echo "$out"
if grep -q "Non-2xx" <<<"$out"; then
  echo "some answers were not 200" >&2
  exit 1
fi
echo "stored: $(psql_ -c "SELECT count(*) FROM inbound_sms")"
