#!/usr/bin/env bash
# Runs the store suite (internal/store/...) on a throwaway PostgreSQL server.
#
#   scripts/test-postgres.sh [go test flags...]     e.g. scripts/test-postgres.sh -race
#
# It installs Debian's PostgreSQL server binaries when they are missing (as
# root), creates a cluster in a temporary directory owned by an unprivileged
# user (initdb refuses root), starts it on a Unix socket only, exports
# XIAOER_TEST_POSTGRES for TestPostgres, runs the tests, and always stops the
# server and removes the directory. Nothing listens on the network.
# XIAOER_PG_PORT names the socket's port (default 55432); XIAOER_PG_KEEP_LOG,
# a file to keep the full go test -v output in.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${XIAOER_PG_PORT:-55432}

# The newest installed server's bin directory (by version: 10 after 9), or
# nothing.
find_pgbin() {
  local d
  printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | while read -r d; do
    if [ -x "$d/initdb" ]; then echo "$d"; fi
  done | tail -n 1
}

pgbin=$(find_pgbin)
if [ -z "$pgbin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-postgres: no PostgreSQL server binaries in /usr/lib/postgresql and not root to install them" >&2
    exit 1
  fi
  echo "test-postgres: installing postgresql from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  pgbin=$(find_pgbin)
  if [ -z "$pgbin" ]; then
    echo "test-postgres: installing postgresql gave no server binaries" >&2
    exit 1
  fi
fi
echo "test-postgres: using $pgbin"

dir=$(mktemp -d /tmp/xiaoer-pg.XXXXXX)
# As root, the server runs as the postgres user that Debian's package made.
run_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/false postgres
  fi
  chown postgres "$dir"
  run_pg() { runuser -u postgres -- "$@"; }
fi

cleanup() {
  if [ -n "${XIAOER_PG_KEEP_LOG:-}" ]; then cp "$dir/test.log" "$XIAOER_PG_KEEP_LOG" || true; fi
  run_pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

run_pg "$pgbin/initdb" -D "$dir/data" -U xiaoer --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
# Durability settings are off: the cluster is thrown away after the run.
if ! run_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null; then
  cat "$dir/server.log" >&2
  exit 1
fi

export XIAOER_TEST_POSTGRES="host=$dir port=$port user=xiaoer dbname=postgres sslmode=disable"
echo "test-postgres: $XIAOER_TEST_POSTGRES"
status=0
go test -count=1 -v "$@" ./internal/store/... >"$dir/test.log" 2>&1 || status=$?
# The summary, every failure with its messages, and the top-level results.
grep -E '^(ok|FAIL|panic)|^--- |--- FAIL|\.go:[0-9]+: ' "$dir/test.log" || true
if [ "$status" -ne 0 ]; then
  grep -A 60 '^panic' "$dir/test.log" || true
  exit "$status"
fi
# A skipped TestPostgres would pass silently: make sure the suite ran.
for t in TestPostgres TestPostgresMigrate; do
  if ! grep -q "^--- PASS: $t " "$dir/test.log"; then
    echo "test-postgres: $t did not run" >&2
    exit 1
  fi
done
echo "test-postgres: the store suite passed on PostgreSQL"
