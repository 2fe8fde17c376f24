# Shared by the shell benches (sourced): wait for a Herald they started, log a user in.

production_env() { # Herald in production mode against the local PostgreSQL and Redis
  export HERALD_DATABASE_URL=${HERALD_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test_data}
  export HERALD_BROKER_URL=${HERALD_BROKER_URL:-redis://127.0.0.1:6379/1}
  HERALD_JWT_SECRET=${HERALD_JWT_SECRET:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(36))')}
  export HERALD_JWT_SECRET
  export HERALD_ACCESS_TOKEN_TTL_SECONDS=3600
  export HERALD_LOG_LEVEL=${HERALD_LOG_LEVEL:-WARNING}
  export HERALD_DATA_INGEST_ENABLED=false
  export HERALD_API_KEY_RATE_LIMIT=${HERALD_API_KEY_RATE_LIMIT:-1000000000} # the bench key is checked, never stopped
  export HERALD_SMS_PROVIDER=${HERALD_SMS_PROVIDER:-console}
  export HERALD_EMAIL_PROVIDER=${HERALD_EMAIL_PROVIDER:-console}
}

wait_live() { # port, tries 0.5 s apart
  for _ in $(seq 1 "$2"); do
    curl -fs "http://127.0.0.1:$1/health/live" >/dev/null && return 0
    sleep 0.5
  done
  echo "Herald on port $1 did not answer /health/live" >&2
  return 1
}

access_token() { # port, username (password bench-password-123)
  curl -fs -X POST "http://127.0.0.1:$1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"bench-password-123\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

notify_key_fixture() { # port, admin token: a template, a recipient and a notifications key; prints the key
  local api="http://127.0.0.1:$1" auth="Authorization: Bearer $2" json='Content-Type: application/json'
  curl -fs -X PUT "$api/templates/bench-reminder" -H "$auth" -H "$json" -d '{
    "description": "bench/notify_key_api.lua", "variables": ["when", "place"],
    "sms": {"text": "Hi {{ recipient.name }}, your appointment is {{ when }} at {{ place }}."},
    "email": {"subject": "Your appointment {{ when }}",
              "text": "Hi {{ recipient.name }},\n\nyour appointment is {{ when }} at {{ place }}.",
              "html": "<p>Hi {{ recipient.name }},</p><p>your appointment is <b>{{ when }}</b> at {{ place }}.</p>"}
  }' >/dev/null
  curl -fs -X PUT "$api/recipients/bench-recipient" -H "$auth" -H "$json" \
    -d '{"name": "Bench Person", "email": "bench-recipient@example.com", "locale": "en-US"}' >/dev/null
  curl -fs -X POST "$api/admin/api-keys" -H "$auth" -H "$json" \
    -d '{"name": "bench", "scopes": ["notifications:write"]}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}
