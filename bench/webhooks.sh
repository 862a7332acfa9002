#!/usr/bin/env bash
# Webhook delivery under sustained creates (issue: webhooks; target
# >= 1,000 events/s delivered on SQLite with p99 commit-to-delivery <= 2 s).
#
#   bash bench/webhooks.sh                      # SQLite
#   BACKEND=postgres bash bench/webhooks.sh     # a throwaway PostgreSQL database (bench/lib.sh)
#   CONC=64 DUR=20 RUNS=2 bash bench/webhooks.sh
#   BASELINE=0 DRAIN=0 bash bench/webhooks.sh   # the sustained run(s) only
#   SWITCHBOARD_BIN=path/to/switchboard bash bench/webhooks.sh  # a binary built already
#
# Builds the release server and bench/webhooks (the load generator and the
# receiver, its own cargo workspace), creates an account and a Private App
# (contacts.read, contacts.write) with the CLI, starts `switchboard serve
# --webhook-allow-private` (the receiver is on 127.0.0.1) with the per-token
# rate limit raised to 10^9 per 10 s, and runs bench/webhooks RUNS times.
# Each run makes one subscription to contacts.created pointing at its own
# receiver, creates contacts one per request (POST /services/ccaas/v1/contacts)
# from CONC clients for DUR seconds, waits until every created record was
# delivered (or none came for IDLE s), and prints: creates/s; deliveries/s
# from the first delivery to the last; latency from the payload's createdAt
# (the record's time, taken before its commit, millisecond precision) to
# receipt, and from the client's 201 (sent after the commit) to receipt, the
# commit lying between the two; and missing/duplicate deliveries (unique
# data.id against the created ids). Each run has a server of its own on a
# fresh data dir (and, with BACKEND=postgres, a fresh database), so no run
# sees an earlier run's subscription or records. With BASELINE=1 (the
# default) a first run creates without a subscription: what the server and
# the clients manage alone on this machine at this time. With DRAIN=1 (the
# default) a last run measures the worker alone: its receiver holds the
# first delivery until the creates end (the server's --webhook-timeout-ms is
# raised above DUR), so the rest wait in the outbox, and then the backlog is
# drained with no creates beside it; its latencies are of the wait. Server CPU from
# /proc/<pid>/stat (PostgreSQL's own CPU is not counted). The server, the
# clients and the receiver share the same cores.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
PORT=${PORT:-18686}; CONC=${CONC:-32}; DUR=${DUR:-10}; RUNS=${RUNS:-1}; IDLE=${IDLE:-10}
BASELINE=${BASELINE:-1}; DRAIN=${DRAIN:-1}
BASE=http://127.0.0.1:$PORT
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
export SWITCHBOARD_PASSWORD='bench password 1' SWITCHBOARD_RATE_LIMIT=1000000000

# SWITCHBOARD_BIN: a server binary built already (to compare two builds).
if [ -z "${SWITCHBOARD_BIN:-}" ]; then cargo build --release -q; fi
cargo build --release -q --manifest-path bench/webhooks/Cargo.toml --target-dir "$TARGET"
BIN=${SWITCHBOARD_BIN:-$TARGET/release/switchboard}

echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); concurrency $CONC, ${DUR}s of creates per run, $RUNS run(s)"
runs=$(seq "$RUNS")
[ "$BASELINE" = 1 ] && runs="baseline $runs"
[ "$DRAIN" = 1 ] && runs="$runs drain"
for run in $runs; do
  subscribe=1 hold=0 serve_args=()
  case $run in
    baseline) subscribe=0 ;;
    drain) hold=1 serve_args=(--webhook-timeout-ms "$(((DUR + 20) * 1000))") ;;
  esac
  ( # a subshell per run: its own data dir, database and server, cleaned up at its exit
    BENCH_EXIT_CMDS=(); trap bench_cleanup EXIT
    unset SWITCHBOARD_DATA_DIR
    bench_backend
    ACC=$($BIN account create --name Webhooks --admin-email "webhooks$$@bench.example" --admin-name Bench)
    TOKEN=$($BIN private-app create --account "$ACC" --name bench --scopes contacts.read,contacts.write 2>/dev/null)
    start_server "$PORT" --issuer "$BASE" --webhook-allow-private "${serve_args[@]}"
    [ "$subscribe" = 1 ] || echo "run $run: no subscription, creates only"
    [ "$hold" = 0 ] || echo "run $run: the first delivery held until the creates end, then the backlog drained"
    echo "run $run: Switchboard on $BENCH_BACKEND_NAME (pid $SERVER), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    WHBENCH_TOKEN=$TOKEN "$TARGET/release/whbench" --base "$BASE" --concurrency "$CONC" --duration "$DUR" \
      --idle "$IDLE" --pid "$SERVER" --subscribe "$subscribe" --hold "$hold" | sed "s/^WEBHOOKS /WEBHOOKS backend=$BENCH_BACKEND_NAME run=$run /"
    if grep -qiE 'warn|error' "$SWITCHBOARD_DATA_DIR/serve.log"; then
      echo "the server logged warnings or errors (first 5):"
      grep -iE 'warn|error' "$SWITCHBOARD_DATA_DIR/serve.log" | head -n 5 || true
    fi
  )
done
