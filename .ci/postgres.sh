#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster on loopback for the tests.
#   source .ci/postgres.sh start   -> exports LAUREL_TEST_POSTGRES_URL
#   bash .ci/postgres.sh stop
#   bash .ci/postgres.sh fresh-database NAME   -> (re)creates database NAME, prints its URL
# initdb refuses to run as root, so the cluster belongs to a throwaway user.
set -euo pipefail
PG_USER=laurel_ci
PG_PORT=${LAUREL_PG_PORT:-54329}
PG_DIR=${LAUREL_PG_DIR:-/tmp/laurel-pg-$PG_PORT}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

pg_start() {
    if [ -z "$PG_BIN" ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq postgresql >/dev/null || { sleep 5; apt-get install -y -qq postgresql >/dev/null; }
        PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_USER"
    if [ ! -f "$PG_DIR/PG_VERSION" ]; then
        rm -rf "$PG_DIR"; mkdir -p "$PG_DIR"; chown "$PG_USER" "$PG_DIR"
        runuser -u "$PG_USER" -- "$PG_BIN/initdb" -D "$PG_DIR" --auth=trust -U laurel >/dev/null
    fi
    if ! runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR" status >/dev/null 2>&1; then
        runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=500 -c max_locks_per_transaction=512" -w -t 300 start >/dev/null
    fi
    runuser -u "$PG_USER" -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U laurel -d postgres -qtc \
        "SELECT 1 FROM pg_database WHERE datname = 'laurel_test'" | grep -q 1 \
        || runuser -u "$PG_USER" -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U laurel laurel_test
    export LAUREL_TEST_POSTGRES_URL="postgres://laurel@127.0.0.1:$PG_PORT/laurel_test"
    echo "PostgreSQL running: $LAUREL_TEST_POSTGRES_URL"
}

pg_stop() {
    [ -n "$PG_BIN" ] && [ -f "$PG_DIR/postmaster.pid" ] && runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null || true
}

# An empty database for the benchmark: the test database keeps a schema per test store, ~1,000
# after a few days of test runs (90,000 relations), and PostgreSQL figures measured in it drift.
pg_fresh_database() {
    local name=$1
    runuser -u "$PG_USER" -- "$PG_BIN/dropdb" -h 127.0.0.1 -p "$PG_PORT" -U laurel --if-exists "$name"
    runuser -u "$PG_USER" -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U laurel "$name"
    echo "postgres://laurel@127.0.0.1:$PG_PORT/$name"
}

case "${1:-}" in
    start) pg_start ;;
    stop) pg_stop ;;
    fresh-database) pg_fresh_database "${2:?fresh-database needs a database name}" ;;
    *) echo "usage: source .ci/postgres.sh start | bash .ci/postgres.sh stop | bash .ci/postgres.sh fresh-database NAME" >&2; exit 2 ;;
esac
