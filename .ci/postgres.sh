#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster on loopback for the tests.
#   source .ci/postgres.sh start   -> exports LAUREL_TEST_POSTGRES_URL
#   source .ci/postgres.sh start-standby   -> a hot standby of it, exports LAUREL_TEST_POSTGRES_REPLICA_URL
#   bash .ci/postgres.sh stop   (the standby too)
#   bash .ci/postgres.sh fresh-database NAME   -> (re)creates database NAME, prints its URL
# initdb refuses to run as root, so the cluster belongs to a throwaway user.
set -euo pipefail
PG_USER=laurel_ci
PG_PORT=${LAUREL_PG_PORT:-54329}
PG_DIR=${LAUREL_PG_DIR:-/tmp/laurel-pg-$PG_PORT}
# The standby: its own data directory beside the primary's (never inside: pg_basebackup would copy it).
PG_STANDBY_PORT=${LAUREL_PG_STANDBY_PORT:-$((PG_PORT + 10))}
PG_STANDBY_DIR=${LAUREL_PG_STANDBY_DIR:-$PG_DIR-standby}
PG_SLOT=laurel_test_standby
# Both clusters take these: a hot standby refuses to start with fewer connections or locks than its primary.
PG_SETTINGS="-c max_connections=500 -c max_locks_per_transaction=512"
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
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR $PG_SETTINGS" -w -t 300 start >/dev/null
    fi
    runuser -u "$PG_USER" -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U laurel -d postgres -qtc \
        "SELECT 1 FROM pg_database WHERE datname = 'laurel_test'" | grep -q 1 \
        || runuser -u "$PG_USER" -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U laurel laurel_test
    export LAUREL_TEST_POSTGRES_URL="postgres://laurel@127.0.0.1:$PG_PORT/laurel_test"
    echo "PostgreSQL running: $LAUREL_TEST_POSTGRES_URL"
}

# A hot standby of the running primary for the read-replica tests: a base backup streamed from it
# (`-R` writes primary_conninfo and standby.signal; initdb's --auth=trust has pg_hba allow
# replication from 127.0.0.1), through a replication slot so the primary keeps the WAL the standby
# has not received however far behind it falls. Made afresh unless one is running (a copy of an
# earlier primary could no longer follow it). Read-only: every schema and row the tests make on
# the primary appears here once replayed.
pg_start_standby() {
    local psql=(runuser -u "$PG_USER" -- "$PG_BIN/psql" -h 127.0.0.1 -U laurel -qtA)
    if ! runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR" status >/dev/null 2>&1; then
        pg_drop_slot
        rm -rf "$PG_STANDBY_DIR"; mkdir -p "$PG_STANDBY_DIR"; chown "$PG_USER" "$PG_STANDBY_DIR"; chmod 700 "$PG_STANDBY_DIR"
        # (It warns about the primary's socket in the data directory, which it rightly skips.)
        runuser -u "$PG_USER" -- "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" -U laurel -D "$PG_STANDBY_DIR" \
            -R -X stream -C -S "$PG_SLOT" -c fast 2> >(grep -v 'skipping special file' >&2)
        runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR" -l "$PG_STANDBY_DIR/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $PG_STANDBY_PORT -k $PG_STANDBY_DIR $PG_SETTINGS" -w -t 300 start >/dev/null
    fi
    if [ "$("${psql[@]}" -p "$PG_STANDBY_PORT" -d laurel_test -c 'SELECT pg_is_in_recovery()')" != t ]; then
        echo "the PostgreSQL standby on port $PG_STANDBY_PORT is not in recovery (see $PG_STANDBY_DIR/server.log)" >&2
        return 1
    fi
    export LAUREL_TEST_POSTGRES_REPLICA_URL="postgres://laurel@127.0.0.1:$PG_STANDBY_PORT/laurel_test"
    echo "PostgreSQL standby running: $LAUREL_TEST_POSTGRES_REPLICA_URL"
}

# The standby's slot on the primary, when both are there: left behind, it would keep WAL for ever.
pg_drop_slot() {
    runuser -u "$PG_USER" -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U laurel -qtA -d postgres -c \
        "SELECT pg_drop_replication_slot('$PG_SLOT') FROM pg_replication_slots WHERE slot_name = '$PG_SLOT'" >/dev/null
}

pg_stop() {
    # The standby first (then its slot): stopped after it, the primary's shutdown need not wait to send it the last WAL.
    if [ -n "$PG_BIN" ] && [ -f "$PG_STANDBY_DIR/postmaster.pid" ]; then
        runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_STANDBY_DIR" -m fast -w stop >/dev/null || true
        [ -f "$PG_DIR/postmaster.pid" ] && pg_drop_slot || true
    fi
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
    start-standby) pg_start_standby ;;
    stop) pg_stop ;;
    fresh-database) pg_fresh_database "${2:?fresh-database needs a database name}" ;;
    *) echo "usage: source .ci/postgres.sh start | source .ci/postgres.sh start-standby | bash .ci/postgres.sh stop | bash .ci/postgres.sh fresh-database NAME" >&2; exit 2 ;;
esac
