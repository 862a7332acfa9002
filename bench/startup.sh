#!/usr/bin/env bash
# Start-up to ready: the time from exec of `switchboard serve` (release build)
# to the first `GET /readyz` that answers 200, over N runs per case.
#
#   bash bench/startup.sh                  # SQLite and PostgreSQL, N=10
#   N=20 CASES="sqlite-fresh sqlite-existing" bash bench/startup.sh
#   STRACE=1 bash bench/startup.sh         # also one `strace -f -c` run per case
#
# Cases: sqlite-fresh (an empty data dir each run: migrations, server key),
# sqlite-existing (a data dir a server already ran on, holding SEED contacts),
# postgres-fresh (a new empty database each run, created before the clock
# starts), postgres-existing (one migrated database holding SEED contacts).
# The poller (python3) connects every millisecond and sends GET /readyz; the
# clock starts just before the fork+exec and stops at the 200. The server is
# stopped (SIGTERM) after each run.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-10}; PORT=${PORT:-18484}; SEED=${SEED:-10000}
CASES=${CASES:-sqlite-fresh sqlite-existing postgres-fresh postgres-existing}
export SWITCHBOARD_PASSWORD='bench password 1'
cargo build --release -q
BIN=$PWD/target/release/switchboard
WORK=$(mktemp -d); on_exit "rm -rf '$WORK'"

# time_to_ready LOG DATA_DIR [DATABASE_URL]: runs serve once, prints milliseconds.
time_to_ready() {
  python3 - "$BIN" "$PORT" "$@" <<'PY'
import os, signal, socket, subprocess, sys, time
bin_, port, log, data_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
env = dict(os.environ, SWITCHBOARD_DATA_DIR=data_dir)
env.pop("SWITCHBOARD_DATABASE_URL", None)
if len(sys.argv) > 5:
    env["SWITCHBOARD_DATABASE_URL"] = sys.argv[5]
req = f"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
with open(log, "ab") as out:
    t0 = time.perf_counter()
    proc = subprocess.Popen([bin_, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    ready = None
    while time.perf_counter() - t0 < 30 and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(req)
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    ready = time.perf_counter()
                    break
        except OSError:
            pass
        time.sleep(0.001)
    # The whole process group: with STRACE=1 the child is strace, and a
    # signalled strace detaches and leaves the server running.
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)
if ready is None:
    sys.exit("the server did not become ready (see %s)" % log)
print(f"{1000 * (ready - t0):.1f}")
PY
}

summary() { # label, values...
  local label=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v l="$label" '{v[NR]=$1} END {
    printf "%-18s n=%d  min %.0f ms  median %.0f ms  max %.0f ms\n", l, NR, v[1], (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[NR] }'
}

with_db() { # data dir, url ('' for SQLite), command...
  local dir=$1 url=$2; shift 2
  if [ -n "$url" ]; then env SWITCHBOARD_DATA_DIR="$dir" SWITCHBOARD_DATABASE_URL="$url" "$@"
  else env -u SWITCHBOARD_DATABASE_URL SWITCHBOARD_DATA_DIR="$dir" "$@"; fi
}

prepare_existing() { # data dir [url]: one start to migrate, then SEED contacts
  local dir=$1 url=${2:-}
  mkdir -p "$dir"
  time_to_ready "$WORK/prepare.log" "$dir" ${url:+"$url"} >/dev/null
  if [ "$SEED" -gt 0 ]; then
    local acc
    acc=$(with_db "$dir" "$url" "$BIN" account create --name Startup --admin-email "startup$$@bench.example" --admin-name Bench)
    with_db "$dir" "$url" "$BIN" dev seed --account "$acc" --contacts "$SEED" >/dev/null 2>&1
  fi
}

strace_run() { # label, data dir [url]
  command -v strace >/dev/null || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null; }
  local label=$1 dir=$2 url=${3:-}
  local real=$BIN
  BIN="$WORK/strace-serve"
  printf '#!/bin/sh\nexec strace -f -c -o %s %s "$@"\n' "$WORK/strace-$label.txt" "$real" >"$BIN"; chmod +x "$BIN"
  time_to_ready "$WORK/$label.log" "$dir" ${url:+"$url"} >/dev/null
  BIN=$real
  echo "--- strace -f -c, $label (top 12 by time)"; sed -n '1,15p' "$WORK/strace-$label.txt"
}

echo "$(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); N=$N runs per case; existing data: $SEED contacts"
for c in $CASES; do
  vals=()
  case $c in
    sqlite-fresh)
      for i in $(seq "$N"); do vals+=("$(time_to_ready "$WORK/$c.log" "$WORK/fresh-$i")"); rm -rf "$WORK/fresh-$i"; done
      [ "${STRACE:-0}" = 1 ] && strace_run "$c" "$WORK/fresh-strace" ;;
    sqlite-existing)
      prepare_existing "$WORK/existing"
      for i in $(seq "$N"); do vals+=("$(time_to_ready "$WORK/$c.log" "$WORK/existing")"); done
      [ "${STRACE:-0}" = 1 ] && strace_run "$c" "$WORK/existing" ;;
    postgres-fresh)
      for i in $(seq "$N"); do
        db=swb_startup_$$_$i; url=$(pg_create_db "$db"); mkdir -p "$WORK/pgf-$i"
        vals+=("$(time_to_ready "$WORK/$c.log" "$WORK/pgf-$i" "$url")"); pg_drop_db "$db"
      done ;;
    postgres-existing)
      db=swb_startup_$$; url=$(pg_create_db "$db"); on_exit "pg_drop_db $db"
      prepare_existing "$WORK/pge" "$url"
      for i in $(seq "$N"); do vals+=("$(time_to_ready "$WORK/$c.log" "$WORK/pge" "$url")"); done
      [ "${STRACE:-0}" = 1 ] && strace_run "$c" "$WORK/pge" "$url" ;;
    *) echo "unknown case $c" >&2; continue ;;
  esac
  summary "$c" "${vals[@]}"
  [ "${VERBOSE:-0}" = 1 ] && echo "  runs: ${vals[*]}"
done
