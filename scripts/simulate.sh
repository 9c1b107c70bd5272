#!/usr/bin/env bash
# The deterministic simulation at length: seeds 1…N (default 50) per backend of `SimulationTests`,
# each run twice with faults injected at the store seam (busy database, failed commit, connection
# dropped mid-transaction) and once without, the three ledgers compared and every invariant checked
# after every fault. Prints each seed's figures and a total per backend; docs/guarantees.md quotes them.
#   scripts/simulate.sh [SEEDS] [STEPS]
# PostgreSQL: uses $LAUREL_TEST_POSTGRES_URL when set, else starts the throwaway cluster of
# .ci/postgres.sh (port $LAUREL_PG_PORT, default 54329). SQLite only: LAUREL_SIM_SQLITE_ONLY=1.
# A failing seed is named in the output; `LAUREL_SIM_SEED=S swift test --filter SimulationTests` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-50}
steps=${2:-150}

if [ -z "${LAUREL_TEST_POSTGRES_URL:-}" ] && [ -z "${LAUREL_SIM_SQLITE_ONLY:-}" ]; then
    source .ci/postgres.sh start
fi
[ -n "${LAUREL_SIM_SQLITE_ONLY:-}" ] && unset LAUREL_TEST_POSTGRES_URL

swift build --build-tests
log=${TMPDIR:-/tmp}/simulate-$seeds-$steps.log
started=$(date +%s)
set +e
# One seed at a time, so each seed's time is its own.
LAUREL_SIM_SEEDS=$seeds LAUREL_SIM_STEPS=$steps swift test --skip-build --no-parallel --filter SimulationTests >"$log" 2>&1
status=$?
set -e
grep -E "^simulation: |✘" "$log" || true
for backend in sqlite postgres; do
    grep "^simulation: $backend " "$log" | awk -v backend="$backend" '
        { gsub(/[(),;:]/, ""); runs++; ops += $5; faults += $7; busy += $10; commit += $12; dropped += $14; failed += $15
          faulted += $(NF-6); clean += $(NF-2) }
        END { if (runs) printf "simulate: %s: %d seeds, %d operations, %d faults (busy %d, commitFails %d, connectionDropped %d), %d failed to the caller; %.0f s with faults, %.0f s without\n",
              backend, runs, ops, faults, busy, commit, dropped, failed, faulted, clean }'
done
echo "simulate: $seeds seed(s) of $steps steps per backend, $(( $(date +%s) - started )) s in all, exit $status (full output: $log)"
exit "$status"
