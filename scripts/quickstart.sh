#!/usr/bin/env bash
# The README's main-job command: builds the CLI and runs the embedded quickstart against a
# local directory.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/omnigraph/target}
cd "$ROOT"
command -v protoc >/dev/null 2>&1 || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq protobuf-compiler >/dev/null
}
cargo build -q --locked -p omnigraph-cli
"$CARGO_TARGET_DIR/debug/omnigraph" version
