#!/usr/bin/env bash
# Complete OAuth authorization-code flows per second, consent remembered.
#
#   bash bench/authflow.sh                      # SQLite
#   BACKEND=postgres bash bench/authflow.sh     # a throwaway PostgreSQL database (bench/lib.sh)
#   CONC=64 DUR=10 RUNS=2 bash bench/authflow.sh
#
# Builds the release server and the load generator (bench/authflow, its own
# cargo workspace), creates an account (its admin signs in), an admin Private
# App and a confidential OAuth app with the CLI and the admin API, starts
# `switchboard serve`, and runs bench/authflow: CONC browsers, each signed in
# once through the sign-in form, run GET /authorize (PKCE S256; the consent
# given on the first flow is remembered) -> 302 with a code -> POST /token
# (authorization_code + code_verifier, client_secret_basic) -> access token,
# as fast as they can. Prints flows/s, flow latency, and the server's CPU time
# per flow (from /proc/<pid>/stat; PostgreSQL's own CPU is not counted). The
# generator runs on the same cores as the server.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PORT=${PORT:-18383}; CONC=${CONC:-16}; DUR=${DUR:-10}; WARMUP=${WARMUP:-3}; RUNS=${RUNS:-2}
BASE=http://127.0.0.1:$PORT
bench_backend
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000000

cargo build --release -q
cargo build --release -q --manifest-path bench/authflow/Cargo.toml --target-dir target
BIN=$PWD/target/release/switchboard
EMAIL="flows$$@bench.example"
ACC=$($BIN account create --name Flows --admin-email "$EMAIL" --admin-name Bench)
ADMIN=$($BIN private-app create --account "$ACC" --name bench --scopes admin.read,admin.write 2>/dev/null)
start_server "$PORT" --issuer "$BASE"

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
REDIRECT=https://client.example/cb
APP=$(curl -sf "$BASE/services/admin/v1/oauth-apps" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d "{\"name\":\"flows\",\"redirectUris\":[\"$REDIRECT\"],\"scopes\":[\"contacts.read\"],\"clientType\":\"confidential\"}")
CLIENT_ID=$(echo "$APP" | json "['clientId']")

echo "backend: $BENCH_BACKEND_NAME; $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); concurrency $CONC, ${WARMUP}s warm-up + $RUNS x ${DUR}s"
for run in $(seq "$RUNS"); do
  AUTHFLOW_CLIENT_SECRET=$(echo "$APP" | json "['clientSecret']") AUTHFLOW_PASSWORD=$SWITCHBOARD_PASSWORD \
    target/release/authflow --base "$BASE" --client-id "$CLIENT_ID" --redirect-uri "$REDIRECT" \
      --scope contacts.read --email "$EMAIL" --concurrency "$CONC" --duration "$DUR" --warmup "$WARMUP" \
      --pid "$SERVER" | sed "s/^AUTHFLOW /AUTHFLOW backend=$BENCH_BACKEND_NAME run=$run /"
done
