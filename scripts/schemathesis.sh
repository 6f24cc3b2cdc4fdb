#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis: a fresh server on a
# temporary SQLite database, three identities (no token, a customer, an admin), every
# operation, every phase (coverage, fuzzing, stateful), every check. Fails on any failure
# and on any 5xx. Prints the number of test cases per identity.
#
#   scripts/schemathesis.sh            # debug build
#   scripts/schemathesis.sh --release  # release build
#
# Settings (environment): SCHEMATHESIS_MAX_EXAMPLES (default 25 cases per operation and
# phase), SCHEMATHESIS_SEED (default 20261121), SCHEMATHESIS_VENV (default
# target/schemathesis-venv, made and filled from PyPI on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25}
SEED=${SCHEMATHESIS_SEED:-20261121}
PROFILE=debug
CARGO_FLAGS=()
if [ "${1:-}" = "--release" ]; then
    PROFILE=release
    CARGO_FLAGS=(--release)
fi

if ! "$VENV/bin/st" --version 2>/dev/null | grep -qx "st, version $ST_VERSION"; then
    echo "installing schemathesis $ST_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION"
fi

cargo build --quiet -p comanda-server "${CARGO_FLAGS[@]}"
BIN=target/$PROFILE/comanda-server

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
export DATABASE_URL="sqlite://$WORK/fuzz.db"
COMANDA_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export COMANDA_SECRET_KEY
export COMANDA_BIND=127.0.0.1:$PORT
# Cheap hashes, and limits the fuzzer cannot reach: it signs up and signs in thousands of
# times from one address, which the defaults rightly refuse with 429.
export COMANDA_ARGON2_MEMORY_KIB=256 COMANDA_ARGON2_ITERATIONS=1
export COMANDA_LOGIN_MAX_PER_ACCOUNT=1000000 COMANDA_LOGIN_MAX_PER_ADDRESS=1000000
export COMANDA_SIGNUP_MAX_PER_ADDRESS=1000000
export RUST_LOG=warn

PASSWORD=fuzz-password-1
COMANDA_ADMIN_PASSWORD=$PASSWORD "$BIN" create-admin --username boss --email boss@example.com \
    >/dev/null 2>&1
"$BIN" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fs "$BASE/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "$BASE/health" >/dev/null

token() {
    curl -fs "$BASE/auth/token" --data-urlencode "username=$1" --data-urlencode "password=$PASSWORD" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
curl -fs "$BASE/users/" -H 'content-type: application/json' \
    -d "{\"username\": \"carla\", \"email\": \"carla@example.com\", \"password\": \"$PASSWORD\"}" >/dev/null
# A menu item and an order, so that the examples and the stateful phase find something.
ADMIN=$(token boss)
CUSTOMER=$(token carla)
curl -fs "$BASE/menu/" -H "Authorization: Bearer $ADMIN" -H 'content-type: application/json' \
    -d '{"flavor": "Margherita", "size": "medium", "price_cents": 3500}' >/dev/null
curl -fs "$BASE/orders/" -H "Authorization: Bearer $CUSTOMER" -H 'content-type: application/json' \
    -d '{"items": [{"flavor": "Margherita", "size": "medium", "quantity": 2}]}' >/dev/null

status=0
summary=""
run() {
    local name=$1
    shift
    echo "== schemathesis as $name"
    local start=$SECONDS
    if ! "$VENV/bin/st" --config-file scripts/schemathesis.toml run "$BASE/openapi.json" \
        --phases coverage,fuzzing,stateful --checks all \
        --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
        --request-timeout 35 --suppress-health-check all \
        --report ndjson --report-ndjson-path "$WORK/$name.ndjson" \
        "$@" | tee "$WORK/$name.out"; then
        status=1
    fi
    local cases
    cases=$(grep -Eo '[0-9]+ generated' "$WORK/$name.out" | tail -n 1 | grep -Eo '[0-9]+' || echo "?")
    summary+="$name: $cases test cases in $((SECONDS - start)) s"$'\n'
}
run anonymous
# The fuzzer may sign the customer out (logout, ending sessions, deactivation): a fresh
# token for each identity's run.
run customer -H "Authorization: Bearer $(token carla)"
run admin -H "Authorization: Bearer $(token boss)"

# Every 5xx is logged as an error (schemathesis's not_a_server_error check fails on them too).
if grep -q 'ERROR' "$WORK/server.log"; then
    echo "the server logged errors:" >&2
    grep 'ERROR' "$WORK/server.log" >&2
    status=1
fi
echo
echo "schemathesis $ST_VERSION, seed $SEED, max examples $MAX_EXAMPLES:"
printf '%s' "$summary"
exit $status
