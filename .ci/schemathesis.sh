#!/usr/bin/env bash
# Schemathesis against a running server: every check, an admin Private App
# token, a bounded time. Any 5xx, or any response that breaks the OpenAPI
# document the server serves, fails the run.
#
#   bash .ci/schemathesis.sh            # what CI runs (about 3 minutes)
#   MAX_TIME=600 bash .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# The version this script was written against: its CLI and checks change.
SCHEMATHESIS_VERSION=4.32.5
MAX_TIME=${MAX_TIME:-150}

venv=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

# SWITCHBOARD_BIN: a binary built already (a debug build, to iterate locally).
bin=${SWITCHBOARD_BIN:-target/release/switchboard}
if [ -z "${SWITCHBOARD_BIN:-}" ]; then cargo build --release -q; fi
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

export SWITCHBOARD_DATA_DIR="$data"
export SWITCHBOARD_PASSWORD='schemathesis password'
account=$("$bin" account create --name "Schemathesis" --admin-email admin@schemathesis.example \
  --admin-name "Admin" </dev/null | grep -oE '[0-9a-f]{32}' | head -n1)
token=$("$bin" private-app create --account "$account" --name schemathesis \
  --scopes admin.read,admin.write,contacts.read,contacts.write,tickets.read,tickets.write,calls.read,calls.write \
  </dev/null 2>/dev/null)

# A rate limit high enough that the run tests the API rather than the limiter.
"$bin" serve --bind "127.0.0.1:$port" --issuer "$base" --rate-limit 100000 \
  >"$data/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null

# The token's own app, which the hooks keep schemathesis from changing.
SWITCHBOARD_OWN_APP_ID=$(curl -fsS "$base/services/oauth2/v1/me" -H "Authorization: Bearer $token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["app"]["id"])')
export SWITCHBOARD_OWN_APP_ID
export SCHEMATHESIS_HOOKS=schemathesis_hooks

status=0
PYTHONPATH=.ci "$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/openapi.json" \
  --checks all \
  --max-examples 20 \
  --max-time "$MAX_TIME" \
  --request-timeout 5 \
  --workers 2 \
  --seed 1 \
  --generation-database none \
  --header "Authorization: Bearer $token" \
  --report junit --report-dir target/schemathesis-report \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis failed; the server's log:" >&2
  tail -n 50 "$data/server.log" >&2
fi
exit "$status"
