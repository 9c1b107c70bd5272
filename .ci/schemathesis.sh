#!/usr/bin/env bash
# Schemathesis against a real `laurel serve --demo`: requests generated from /openapi.json (valid
# and invalid ones) for every operation, with all of its checks. Any failure fails the script: the
# document must describe exactly what the server accepts and answers, and no request may get a 500.
#
#   bash .ci/schemathesis.sh                 # the built debug binary (built if missing)
#   LAUREL_BINARY=path/to/laurel SCHEMATHESIS_SEED=7 bash .ci/schemathesis.sh
#
# Bounded: at most SCHEMATHESIS_EXAMPLES cases per operation and phase, and SCHEMATHESIS_MAX_TIME
# seconds in all (about 4.5 minutes, ~12,000 requests on a busy 2-core machine). The seed is fixed,
# so each run generates the same cases, as far as the time bound lets it get.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
seed=${SCHEMATHESIS_SEED:-27}
examples=${SCHEMATHESIS_EXAMPLES:-20}
max_time=${SCHEMATHESIS_MAX_TIME:-270}

if ! command -v schemathesis >/dev/null || ! schemathesis --version | grep -q " $SCHEMATHESIS_VERSION\$"; then
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

binary=${LAUREL_BINARY:-}
if [ -z "$binary" ]; then
    swift build --product laurel >/dev/null
    binary="$(swift build --show-bin-path)/laurel"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# --failed-auth-limit 0: the ignored_auth check sends requests without or with wrong keys to every operation, far past
# the failed-authentication limit, which would then refuse the valid requests too (RateLimitRouteTests test the limit).
"$binary" serve --demo --db "$work/laurel.db" --port "$port" --settle-every 0 --failed-auth-limit 0 >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 600); do
    if curl -sf "$base/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "schemathesis: laurel serve did not start" >&2; exit 1; }
    sleep 0.1
done
key=$(grep -o 'lk_admin_[A-Za-z0-9_-]*' "$work/server.log" | head -1)
[ -n "$key" ] || { cat "$work/server.log"; echo "schemathesis: serve --demo printed no key" >&2; exit 1; }

status=0
config="$PWD/.ci/schemathesis.toml"
# From the scratch folder, so that nothing schemathesis keeps lands in the repository.
(cd "$work" && LAUREL_API_KEY="$key" SCHEMATHESIS_HOOKS="$OLDPWD/.ci/schemathesis_hooks.py" schemathesis --config-file "$config" run "$base/openapi.json" --url "$base" \
    --checks all \
    --seed "$seed" --max-examples "$examples" --max-time "$max_time" \
    --generation-database none --workers 1 \
    --no-color --output-truncate false) \
    || status=$?

# A request that crashed the process shows as connection errors above; say so plainly.
if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis: the laurel server process died during the run; its last output:" >&2
    tail -n 40 "$work/server.log" >&2
    status=1
fi
exit "$status"
