# Sourced by the bench scripts (bash). Picks the backend and cleans up after.
#
#   BACKEND=sqlite (default)   a fresh SQLite file in a temporary data dir
#   BACKEND=postgres           a throwaway database created on PG_ADMIN_URL's
#                              server (default postgres://postgres@127.0.0.1:5432/test)
#                              and dropped at exit (KEEP_DB=1 keeps it)
#   SWITCHBOARD_DATABASE_URL=postgres://…   use that (empty) database as given
#
# bench_backend sets SWITCHBOARD_DATA_DIR and, for PostgreSQL,
# SWITCHBOARD_DATABASE_URL; BENCH_BACKEND_NAME says which for the output.
# on_exit CMD runs CMD at exit (last registered first).

BENCH_EXIT_CMDS=()
bench_cleanup() {
  local i
  for ((i = ${#BENCH_EXIT_CMDS[@]} - 1; i >= 0; i--)); do eval "${BENCH_EXIT_CMDS[$i]}" || true; done
  BENCH_EXIT_CMDS=()
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
on_exit() { BENCH_EXIT_CMDS+=("$1"); }

need_psql() {
  command -v psql >/dev/null && return 0
  echo "installing postgresql-client with apt-get" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
}

# A new empty PostgreSQL database; prints its URL.
pg_create_db() {
  local admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test} name=$1
  need_psql
  PGOPTIONS=--client-min-messages=warning psql -q "$admin" -v ON_ERROR_STOP=1 \
    -c "drop database if exists $name" -c "create database $name" >/dev/null
  echo "${admin%/*}/$name"
}

pg_drop_db() {
  local admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
  psql -q "$admin" -c "drop database if exists $1 with (force)" >/dev/null 2>&1 || true
}

bench_backend() {
  if [ -z "${SWITCHBOARD_DATA_DIR:-}" ]; then
    SWITCHBOARD_DATA_DIR=$(mktemp -d)
    on_exit "rm -rf '$SWITCHBOARD_DATA_DIR'"
  fi
  export SWITCHBOARD_DATA_DIR
  if [ -n "${SWITCHBOARD_DATABASE_URL:-}" ]; then
    BENCH_BACKEND_NAME=postgres
  elif [ "${BACKEND:-sqlite}" = postgres ]; then
    local db=swb_bench_$$
    SWITCHBOARD_DATABASE_URL=$(pg_create_db "$db")
    export SWITCHBOARD_DATABASE_URL
    [ "${KEEP_DB:-0}" = 1 ] || on_exit "pg_drop_db $db"
    BENCH_BACKEND_NAME=postgres
  else
    BENCH_BACKEND_NAME=sqlite
  fi
}

# Start the release server in the background (extra args passed to `serve`);
# sets SERVER (its pid) and waits until /readyz answers.
start_server() {
  local port=$1; shift
  "$BIN" serve --bind "127.0.0.1:$port" "$@" >"$SWITCHBOARD_DATA_DIR/serve.log" 2>&1 &
  SERVER=$!
  on_exit "kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null"
  local _
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not become ready; its log:" >&2
  cat "$SWITCHBOARD_DATA_DIR/serve.log" >&2
  return 1
}
