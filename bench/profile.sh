#!/usr/bin/env bash
# Where the server's CPU goes under load: `perf record` of the release server
# while wrk runs one of the peer harness's scenarios against it.
#
#   bash bench/profile.sh token                 # client_credentials grant, SQLite
#   BACKEND=postgres bash bench/profile.sh get  # GET /contacts/{id} with a bearer token
#   SCENARIOS="token introspect get" bash bench/profile.sh
#
# Same set-up as bench/peers.sh (an account, a confidential app, a contact,
# the per-token rate limit raised to 10^9 per 10 s). For each scenario: 3 s
# of load to warm up, then perf samples the server (-F FREQ, DWARF call
# graphs from .eh_frame, no debug build needed) for SECS s under wrk -t2
# -c64. Prints the top self-time symbols, and the top inclusive ones
# (children) for the lead's reading; perf.data files stay in OUT (default: a
# temporary dir, kept) for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
WRK_DIR=${WRK_DIR:-../shared/peers/wrk}
PORT=${PORT:-18585}; SECS=${SECS:-8}; FREQ=${FREQ:-499}; TOP=${TOP:-25}
SCENARIOS=${SCENARIOS:-${1:-token introspect get}}
BASE=http://127.0.0.1:$PORT
OUT=${OUT:-$(mktemp -d)}; mkdir -p "$OUT"
command -v perf >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null; }
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bench_backend
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000000

cargo build --release -q
BIN=$PWD/target/release/switchboard
ACC=$($BIN account create --name Profile --admin-email "profile$$@bench.example" --admin-name Bench)
ADMIN=$($BIN private-app create --account "$ACC" --name bench --scopes admin.read,admin.write,contacts.write 2>/dev/null)
start_server "$PORT" --issuer "$BASE"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
CONTACT=$(curl -sf "$BASE/services/ccaas/v1/contacts" -H "Authorization: Bearer $ADMIN" \
  -H 'Content-Type: application/json' -d '{"firstName":"Bench","city":"Hen"}' | json "['id']")
APP=$(curl -sf "$BASE/services/admin/v1/oauth-apps" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"name":"bench","redirectUris":["https://client.example/cb"],"scopes":["contacts.read"],"visibility":"private","clientType":"confidential","accessTokenLifetime":"never"}')
export CLIENT_ID CLIENT_SECRET CLIENT_AUTH=basic SCOPE=contacts.read
CLIENT_ID=$(echo "$APP" | json "['clientId']")
CLIENT_SECRET=$(echo "$APP" | json "['clientSecret']")
export TOKEN_PATH=/services/oauth2/v1/token INTROSPECT_PATH=/services/oauth2/v1/introspect
export GET_PATH=/services/ccaas/v1/contacts/$CONTACT
export ACCESS_TOKEN
ACCESS_TOKEN=$(curl -sf -u "$CLIENT_ID:$CLIENT_SECRET" "$BASE$TOKEN_PATH" -d grant_type=client_credentials -d scope=contacts.read | json "['access_token']")

echo "backend: $BENCH_BACKEND_NAME; $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); perf -F $FREQ for ${SECS}s under wrk -t2 -c64"
for s in $SCENARIOS; do
  case $s in token) lua=token.lua ;; introspect) lua=introspect.lua ;; get) lua=get.lua ;; *) echo "unknown scenario $s" >&2; exit 2 ;; esac
  wrk -t2 -c64 -d3s -s "$WRK_DIR/$lua" "$BASE" >/dev/null
  wrk -t2 -c64 -d"$((SECS + 2))s" --latency -s "$WRK_DIR/$lua" "$BASE" >"$OUT/wrk-$s.txt" &
  WRK=$!
  sleep 1
  perf record -q -F "$FREQ" --call-graph dwarf,16384 -p "$SERVER" -o "$OUT/perf-$s.data" -- sleep "$SECS" 2>/dev/null
  wait $WRK
  echo
  echo "=== $s ($BENCH_BACKEND_NAME): $(grep -E 'Requests/sec' "$OUT/wrk-$s.txt")"
  echo "--- self time, top $TOP symbols"
  perf report -i "$OUT/perf-$s.data" --no-children --sort sym --stdio -g none --percent-limit 0.5 2>/dev/null \
    | grep -E '^ +[0-9]' | head -n "$TOP" || true
  echo "--- by object (kernel, the binary, libc)"
  perf report -i "$OUT/perf-$s.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 6 || true
  echo "--- by thread (comm)"
  perf report -i "$OUT/perf-$s.data" --no-children --sort comm --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n 8 || true
  echo "--- inclusive, frames of Switchboard and the libraries on its request path"
  perf report -i "$OUT/perf-$s.data" --children --sort sym --stdio -g none --percent-limit 0.8 2>/dev/null \
    | grep -E '^ +[0-9]' | grep -E 'switchboard|sqlx|hyper::proto|argon2|sha2|tracing|metrics|governor|moka|serde_json|tower_http|uuid|tokio_postgres|sqlite3' \
    | head -n "$TOP" || true
  echo "--- inclusive (children), top $TOP symbols"
  perf report -i "$OUT/perf-$s.data" --children --sort sym --stdio -g none --percent-limit 2 2>/dev/null \
    | grep -E '^ +[0-9]' | head -n "$TOP" || true
done
echo
echo "perf data kept in $OUT (perf report -i $OUT/perf-<scenario>.data)"
