#!/usr/bin/env bash
# Filtered-list latency over a large account (SPEC S6.1, issue: 1,000,000 contacts).
#
#   bash bench/filters.sh                      # SQLite in a temporary data dir
#   COUNT=100000 bash bench/filters.sh         # fewer records
#   SWITCHBOARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/swb_bench bash bench/filters.sh
#
# Seeds COUNT contacts into a fresh account with `switchboard dev seed`, starts the
# release server on PORT, and prints the best of RUNS wall times (curl time_total,
# loopback) for each query. The database must be empty (a new data dir or database).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000000}; RUNS=${RUNS:-5}; PORT=${PORT:-18181}
export SWITCHBOARD_DATA_DIR=${SWITCHBOARD_DATA_DIR:-$(mktemp -d)}
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000
cargo build --release -q
BIN=target/release/switchboard
ACC=$($BIN account create --name Bench --admin-email "bench$$@bench.example" --admin-name Bench)
TOKEN=$($BIN private-app create --account "$ACC" --name bench --scopes contacts.read 2>/dev/null)
time $BIN dev seed --account "$ACC" --contacts "$COUNT"
$BIN serve --bind "127.0.0.1:$PORT" >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

query() {
  curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $TOKEN" -G \
    "http://127.0.0.1:$PORT/services/ccaas/v1/contacts" -d limit=100 --data-urlencode "$1"
}
printf '%-10s %s\n' "best (s)" "query (limit=100, X-Total-Count computed)"
while IFS= read -r q; do
  best=$(for _ in $(seq "$RUNS"); do query "$q"; done | sort -n | head -n1)
  printf '%-10s %s\n' "$best" "$q"
done <<'QUERIES'
offset=0
filter=primaryEmail = "ada.lovelace.123456@example.com"
filter=accountNumber = "AC00500000"
filter=primaryPhoneNumber IN ("+447712345678","+447787654321","+447700000001")
filter=city = "Hen"
filter=city = "Hen" AND (primaryPhoneNumber IN ("7210664812277358","2694499999495") OR blockCustomer = 0)
filter=firstName = "Ada"
filter=lastName LIKE "Lov%"
filter=tags = "vip"
offset=9000
QUERIES
