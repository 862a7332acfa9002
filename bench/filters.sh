#!/usr/bin/env bash
# Filtered-list latency over a large account (SPEC S6.1, issue: 1,000,000 contacts).
#
#   bash bench/filters.sh                      # SQLite in a temporary data dir
#   COUNT=200000 bash bench/filters.sh         # fewer records
#   BACKEND=postgres bash bench/filters.sh     # a throwaway PostgreSQL database (bench/lib.sh)
#   SWITCHBOARD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/swb_bench bash bench/filters.sh
#
# Seeds COUNT contacts into a fresh account with `switchboard dev seed` (and
# prints its rate), starts the release server on PORT, and prints the best of
# RUNS wall times (curl time_total, loopback) for each query, with its ratio
# to the indexed equality lookup (primaryEmail) of the same run. The
# database must be empty (a new data dir or database; BACKEND=postgres makes
# one and drops it at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
COUNT=${COUNT:-1000000}; RUNS=${RUNS:-5}; PORT=${PORT:-18181}
bench_backend
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000
cargo build --release -q
BIN=$PWD/target/release/switchboard
ACC=$($BIN account create --name Bench --admin-email "bench$$@bench.example" --admin-name Bench)
TOKEN=$($BIN private-app create --account "$ACC" --name bench --scopes contacts.read 2>/dev/null)
t0=$(date +%s%N)
$BIN dev seed --account "$ACC" --contacts "$COUNT"
t1=$(date +%s%N)
echo "backend: $BENCH_BACKEND_NAME; $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
awk -v n="$COUNT" -v ns=$((t1 - t0)) 'BEGIN { printf "seeded %d contacts in %.1f s: %.0f contacts/s\n", n, ns / 1e9, n / (ns / 1e9) }'
start_server "$PORT"

query() {
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" -G \
    "http://127.0.0.1:$PORT/services/ccaas/v1/contacts" -d limit=100 --data-urlencode "$1"
}
QUERIES=$(cat <<'EOF'
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
EOF
)
results=$(while IFS= read -r q; do
  res=$(for _ in $(seq "$RUNS"); do query "$q"; done)
  if grep -qv '^200 ' <<<"$res"; then echo "not 200: $q -> $(grep -v '^200 ' <<<"$res" | head -1)" >&2; exit 1; fi
  best=$(awk '{print $2 * 1000}' <<<"$res" | sort -n | head -n1)
  printf '%s\t%s\n' "$best" "$q"
done <<<"$QUERIES")
base=$(awk -F'\t' '$2 ~ /^filter=primaryEmail/ {print $1}' <<<"$results")
printf '%-9s %-7s %s\n' "best ms" "ratio" "query (limit=100, X-Total-Count computed; ratio to the primaryEmail lookup)"
awk -F'\t' -v b="$base" '{ printf "%-9.2f %-7s %s\n", $1, sprintf("%.1fx", $1 / b), $2 }' <<<"$results"
