# Shared by the shell benches (sourced): wait for a Herald they started, log a user in.

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
