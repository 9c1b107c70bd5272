#!/usr/bin/env bash
# The crash test at length: N rounds (default 50) per backend of `CrashRoundTests`, each a fresh
# database, a `laurel serve` under 32 concurrent earns, redemptions and transfers with Idempotency-Keys,
# SIGKILL at a moment drawn from the seed, a restart, every key retried, and the ledger checked.
# Prints each round and a total per backend; the figures in docs/guarantees.md come from it.
#   scripts/crash-rounds.sh [ROUNDS] [SEED]
# PostgreSQL: uses $LAUREL_TEST_POSTGRES_URL when set, else starts the throwaway cluster of
# .ci/postgres.sh (port $LAUREL_PG_PORT, default 54329). SQLite only: LAUREL_CRASH_SQLITE_ONLY=1.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-50}
seed=${2:-$(( (RANDOM << 15 | RANDOM) % 999999 + 1 ))}

if [ -z "${LAUREL_TEST_POSTGRES_URL:-}" ] && [ -z "${LAUREL_CRASH_SQLITE_ONLY:-}" ]; then
    source .ci/postgres.sh start
fi
[ -n "${LAUREL_CRASH_SQLITE_ONLY:-}" ] && unset LAUREL_TEST_POSTGRES_URL

swift build --build-tests
log=${TMPDIR:-/tmp}/crash-rounds-$seed.log
started=$(date +%s)
set +e
LAUREL_CRASH_ROUNDS=$rounds LAUREL_CRASH_SEED=$seed swift test --skip-build --filter CrashRoundTests >"$log" 2>&1
status=$?
set -e
grep -E "crash rounds|✘" "$log" || true
echo "crash-rounds: $rounds round(s) per backend, seed $seed, $(( $(date +%s) - started )) s in all, exit $status (full output: $log)"
exit "$status"
