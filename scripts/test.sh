#!/usr/bin/env bash
# The project's one test command (see README): installs what a fresh machine lacks, starts the
# AWS stand-ins (moto server for S3 + DynamoDB), runs the whole test suite, the format check,
# clippy and the Terraform checks, and stops moto on every exit path.
#
# Re-running on a warm machine reinstalls nothing: tools live in a cached venv keyed by the
# requirements file, and the cargo target directory lives outside the clone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${OMNIGRAPH_CACHE:-$HOME/.cache/omnigraph}
VENV=$CACHE/venv
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }

# --- 1. system packages --------------------------------------------------------------------
ensure_apt() { # ensure_apt <command> <package>
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2 (apt)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
ensure_apt protoc protobuf-compiler
ensure_apt curl curl

# --- 2. python tools in a cached venv ------------------------------------------------------
REQS=$ROOT/scripts/requirements-tools.txt
STAMP=$VENV/.omnigraph-requirements
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$REQS" "$STAMP"; then
    log "installing moto, cargo-lambda, checkov into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQS"
    cp "$REQS" "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# --- 3. moto server on a free loopback port ------------------------------------------------
MOTO_PID=""
MOTO_LOG=$(mktemp -t omnigraph-moto.XXXXXX)
cleanup() {
    local status=$?
    if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    rm -f "$MOTO_LOG"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
start_moto() {
    local attempt port
    for attempt in 1 2 3; do
        port=$(free_port)
        "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$MOTO_LOG" 2>&1 &
        MOTO_PID=$!
        for _ in $(seq 1 100); do
            if curl -fsS "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1; then
                MOTO_PORT=$port
                return 0
            fi
            kill -0 "$MOTO_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
        MOTO_PID=""
        log "moto did not start on port $port (attempt $attempt)"
    done
    cat "$MOTO_LOG" >&2
    return 1
}
start_moto
log "moto server on 127.0.0.1:$MOTO_PORT (pid $MOTO_PID)"

export OMNIGRAPH_MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export AWS_ENDPOINT_URL="$OMNIGRAPH_MOTO_ENDPOINT"
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

# --- 4. format, lint, tests ----------------------------------------------------------------
# Test and binary executables from builds of other clones/commits pile up in the shared target
# dir (cargo never deletes them); drop those untouched for three days. Libraries are kept.
if [ -d "$CARGO_TARGET_DIR/debug/deps" ]; then
    find "$CARGO_TARGET_DIR/debug/deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -mtime +3 -delete
fi

log "cargo fmt --check"
cargo fmt --all -- --check

log "unused dependencies"
python3 "$ROOT/scripts/check_unused_deps.py" "$ROOT"

log "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

log "build (the CLI tests run the binaries)"
cargo build --workspace --locked

log "tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast
fi

# --- 5. infrastructure checks --------------------------------------------------------------
if [ -x "$ROOT/infra/check.sh" ]; then
    log "terraform checks"
    "$ROOT/infra/check.sh"
fi

log "all checks passed"
