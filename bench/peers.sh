#!/usr/bin/env bash
# Switchboard beside panva's oidc-provider and a bare hyper server, under the
# same wrk load, with the shared harness (shared/peers/run-peers.sh).
#
#   bash bench/peers.sh                          # SQLite, all peers (a few minutes)
#   PEERS= bash bench/peers.sh                   # Switchboard only
#   BACKEND=postgres bash bench/peers.sh         # a throwaway PostgreSQL database (bench/lib.sh)
#   SWITCHBOARD_DATABASE_URL=postgres://… bash bench/peers.sh
#   BIN=/path/to/an/older/switchboard PEERS= bash bench/peers.sh   # another build
#
# Scenarios: token (client_credentials), introspect, get (a contact with a
# bearer token). The harness reports server CPU time per request, the number
# to compare on these noisy 2-core machines. The per-token rate limit is
# raised to 10^9 requests per 10 s, or `get` would measure 429s.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PEERS_SCRIPT=${PEERS_SCRIPT:-../shared/peers/run-peers.sh}
PORT=${PORT:-18282}
BASE=http://127.0.0.1:$PORT
bench_backend
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000000

if [ -z "${BIN:-}" ]; then
  cargo build --release -q
  BIN=$PWD/target/release/switchboard
fi
ACC=$($BIN account create --name Peers --admin-email "peers$$@bench.example" --admin-name Bench)
ADMIN=$($BIN private-app create --account "$ACC" --name bench --scopes admin.read,admin.write,contacts.write 2>/dev/null)
start_server "$PORT" --issuer "$BASE"
echo "Switchboard on $BENCH_BACKEND_NAME (pid $SERVER)" >&2

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
CONTACT=$(curl -sf "$BASE/services/ccaas/v1/contacts" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"firstName":"Bench","city":"Hen"}' | json "['id']")
APP=$(curl -sf "$BASE/services/admin/v1/oauth-apps" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"bench","redirectUris":["https://client.example/cb"],"scopes":["contacts.read"],"visibility":"private","clientType":"confidential","accessTokenLifetime":"never"}')
CLIENT_ID=$(echo "$APP" | json "['clientId']")
CLIENT_SECRET=$(echo "$APP" | json "['clientSecret']")

EXT_NAME=switchboard EXT_BASE_URL=$BASE EXT_PID=$SERVER EXT_READY_PATH=/readyz \
EXT_CLIENT_ID=$CLIENT_ID EXT_CLIENT_SECRET=$CLIENT_SECRET EXT_SCOPE=contacts.read \
EXT_GET_PATH=/services/ccaas/v1/contacts/$CONTACT \
  bash "$PEERS_SCRIPT"
