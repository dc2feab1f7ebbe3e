#!/usr/bin/env bash
# The README's main-job command: builds the `omnigraph` CLI and runs the embedded quickstart
# against a fresh local directory (no AWS): create a graph from the example schema, inspect
# it, branch it, and check the example queries.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/omnigraph/target}
cd "$ROOT"

if ! command -v protoc >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler >/dev/null
fi
echo "==> building the CLI (first build takes ~10 minutes on 2 cores)"
cargo build -q --locked --workspace --bins

OG="$CARGO_TARGET_DIR/debug/omnigraph"
STORE=${OMNIGRAPH_QUICKSTART_DIR:-$(mktemp -d -t omnigraph-quickstart.XXXXXX)}
EX="$ROOT/examples/social"
step() { printf '\n==> %s\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "create a graph from the example schema" "$OG" --store "$STORE" init --schema "$EX/schema.pg"
step "its head: version, commit, one table per type" "$OG" --store "$STORE" --stats snapshot --format json
step "check the example queries against the schema (offline)" "$OG" lint --file "$EX/queries.gq" --schema "$EX/schema.pg" --format table
step "branch for an agent (one conditional write, no data copied)" "$OG" --store "$STORE" --stats branch create agent-1
step "branches" "$OG" --store "$STORE" branch list --format json
step "history" "$OG" --store "$STORE" commit list --format json

printf '\nThe graph lives in %s\n' "$STORE"
