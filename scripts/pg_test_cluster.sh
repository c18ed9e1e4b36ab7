#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL cluster for the tests, on 127.0.0.1 only.
#   scripts/pg_test_cluster.sh start   -> prints the DATABASE_URL to use
#   scripts/pg_test_cluster.sh stop
# The cluster lives in $PGTEST_DIR (default /tmp/thuocdo-pgtest) and runs as the
# 'postgres' system user when started as root (initdb refuses to run as root).
set -euo pipefail
DIR="${PGTEST_DIR:-/tmp/thuocdo-pgtest}"
PORT="${PGTEST_PORT:-55432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
if [ -z "$BIN" ]; then
  echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
as_pg() {
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
case "${1:-start}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl -D $DIR/data status" >/dev/null 2>&1; then
      :
    else
      rm -rf "$DIR"
      mkdir -p "$DIR"
      [ "$(id -u)" = "0" ] && chown postgres:postgres "$DIR"
      as_pg "$BIN/initdb -D $DIR/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 >$DIR/initdb.log 2>&1"
      as_pg "$BIN/pg_ctl -D $DIR/data -l $DIR/server.log -w -o \"-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB -c max_connections=200\" start >/dev/null"
      as_pg "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres thuocdo_test"
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/thuocdo_test"
    ;;
  stop)
    if [ -d "$DIR/data" ]; then
      as_pg "$BIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
