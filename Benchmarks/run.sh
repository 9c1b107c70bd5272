#!/usr/bin/env bash
# Runs the whole benchmark of issue 5 with one command and keeps its output:
#   bash Benchmarks/run.sh                    # release build, the figures of docs/performance.md (SQLite; ~10 min)
#   bash Benchmarks/run.sh --postgres URL     # the same, then the PostgreSQL runs against URL
#   bash Benchmarks/run.sh --with-postgres    # starts the throwaway cluster of .ci/postgres.sh for them,
#                                             # in a database made afresh (laurel_bench)
#   bash Benchmarks/run.sh --quick            # tiny sizes on a debug build: checks the benchmark still runs
#                                             # and its correctness checks pass, says nothing about speed
#   --scratch-path DIR                        # build there instead of .build (swift build's option)
# Every mode checks what it did (ledger audit, failed requests, retries, oversold rewards,
# independently recomputed balances) and exits 1 on a failure, which stops this script.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
postgres=""
scratch=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --postgres) postgres="$2"; shift ;;
        --scratch-path) scratch=(--scratch-path "$2"); shift ;;
        --with-postgres) bash .ci/postgres.sh start >/dev/null; postgres="$(bash .ci/postgres.sh fresh-database laurel_bench)" ;;
        *) echo "unknown option $1 (see the head of $0)" >&2; exit 2 ;;
    esac
    shift
done

configuration=release
[ "$quick" = 1 ] && configuration=debug
log="${TMPDIR:-/tmp}/laurel-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
exec > >(tee "$log") 2>&1

echo "# laurel benchmark, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "# $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(swift --version 2>&1 | head -1)"
echo "# $configuration build$([ "$quick" = 1 ] && echo ', quick sizes: figures mean nothing')"

swift build -c "$configuration" "${scratch[@]}" --product laurel
swift build -c "$configuration" "${scratch[@]}" --product laurel-bench
bench="$(swift build -c "$configuration" "${scratch[@]}" --show-bin-path)/laurel-bench"

run() {
    echo
    echo "\$ laurel-bench $*"
    "$bench" "$@"
}

# Laurel's purchases over HTTP on PostgreSQL next to what the same cluster does with pgbench's
# TPC-B-like transaction (5 statements) at 8 clients, one right after the other (issue 34's
# target: Laurel at least pgbench's figure). pgbench's tables go in a schema of their own.
side_by_side() {
    local requests=$1 members=$2 scale=$3 seconds=$4
    echo
    echo "\$ laurel-bench http --postgres URL --requests $requests --concurrency 32 --members $members"
    local laurel
    laurel=$("$bench" http --postgres "$postgres" --requests "$requests" --concurrency 32 --members "$members" | tee /dev/stderr | sed -n 's/.* \([0-9.]*\) requests\/s over.*/\1/p' | head -1)
    echo
    echo "\$ pgbench -c 8 -j 2 -T $seconds (TPC-B-like, scale $scale, schema laurel_pgbench)"
    psql -q "$postgres" -c "CREATE SCHEMA IF NOT EXISTS laurel_pgbench"
    PGOPTIONS="-c search_path=laurel_pgbench" pgbench -i -q -s "$scale" "$postgres" 2>&1 | tail -1
    local tps
    tps=$(PGOPTIONS="-c search_path=laurel_pgbench" pgbench -c 8 -j 2 -T "$seconds" "$postgres" 2>&1 | tee /dev/stderr | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    psql -q "$postgres" -c "SET client_min_messages = warning" -c "DROP SCHEMA laurel_pgbench CASCADE"
    awk -v l="$laurel" -v p="$tps" 'BEGIN { if (l == "" || p == "" || p == 0) { print "side by side: a figure is missing"; exit 1 }
        printf "side by side: Laurel %.0f purchases/s, pgbench TPC-B-like %.0f transactions/s: %.2f of it\n", l, p, l / p }'
}

if [ "$quick" = 1 ]; then
    run core --events 20000
    run store --events 2000 --concurrency 8 --members 200
    run http --requests 1000 --concurrency 8 --members 200 --reads 1000 --health 1000
    run http --requests 400 --rate 200 --members 200
    run import --events 3000 --members 500 --reads 1000
    run redeem --requests 500 --stock 300 --members 200 --concurrency 8
    run retail-day --separate-server --members 1000 --operations 400 --levels 1,8 --rate 200 --open-seconds 2
    run growth --events 400 --batch 100 --reads 20
    if [ -n "$postgres" ]; then
        run store --postgres "$postgres" --events 1000 --concurrency 8 --members 200
        run http --postgres "$postgres" --requests 500 --concurrency 8 --members 200
        run retail-day --separate-server --postgres "$postgres" --members 1000 --operations 400 --levels 8 --rate 0
        run growth --postgres "$postgres" --events 400 --batch 100 --reads 20 --others 20
        side_by_side 500 200 1 3
    fi
else
    run core --events 200000
    run store --events 20000 --concurrency 16
    run http --requests 20000 --concurrency 16 --reads 20000
    run http --requests 20000 --concurrency 32
    run http --requests 25000 --rate 2500
    run http --requests 2000 --concurrency 16 --health 40000
    run import --events 100000 --members 10000 --reads 40000
    run redeem --requests 5000 --stock 5000 --concurrency 16
    run retail-day --separate-server
    run retail-day --separate-server --members 100000 --levels 16 --rate 0
    run growth --events 10000 --batch 500 --reads 500
    run growth --events 10000 --batch 500 --reads 500 --spread-days 300
    if [ -n "$postgres" ]; then
        run store --postgres "$postgres" --events 10000 --concurrency 16
        run http --postgres "$postgres" --requests 10000 --concurrency 16
        run redeem --postgres "$postgres" --requests 5000 --stock 5000 --concurrency 16
        run retail-day --separate-server --postgres "$postgres" --levels 1,16,32 --rate 800
        run growth --postgres "$postgres" --events 10000 --batch 500 --reads 500 --others 2000
        run growth --postgres "$postgres" --events 10000 --batch 500 --reads 500 --others 2000 --spread-days 300
        side_by_side 20000 5000 10 30
    fi
fi

echo
echo "# all runs passed their checks; output kept in $log"
