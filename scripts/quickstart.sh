#!/usr/bin/env bash
# The README's main-job command: builds the `omnigraph` CLI and runs the embedded quickstart
# against a fresh local directory (no AWS): create a graph from the example schema, load the
# example data, query it, branch it, write on the branch (a load and a `.gq` mutation) and read
# back in time.
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
step "load the example data (one commit)" "$OG" --store "$STORE" --stats load --data "$EX/data.jsonl" --format json
step "everyone, youngest first" "$OG" --store "$STORE" query --file "$EX/queries.gq" --name people_by_age --format table
step "who ann knows" "$OG" --store "$STORE" --stats query --file "$EX/queries.gq" --name friends_of --params '{"h": "ann"}' --format table
step "reachable from ann in 1-3 hops" "$OG" --store "$STORE" query --file "$EX/queries.gq" --name reach --params '{"h": "ann"}' --format table
step "headcount per company" "$OG" --store "$STORE" query --file "$EX/queries.gq" --name headcount --format table
step "branch for an agent (one conditional write, no data copied)" "$OG" --store "$STORE" --stats branch create agent-1
step "the agent adds a person on its branch" "$OG" --store "$STORE" load --branch agent-1 --mode append --data "$EX/more.jsonl" --format json
step "the agent's branch sees fay; main does not" "$OG" --store "$STORE" query --branch agent-1 --file "$EX/queries.gq" --name people_by_age --format table
step "the agent updates ann's age on its branch (a .gq mutation, one commit)" "$OG" --store "$STORE" --stats mutate --branch agent-1 -e 'query set_age($h: String, $age: I32) { update Person set { age: $age } where handle = $h }' --params '{"h": "ann", "age": 35}' --format json
step "ann is 35 on the agent's branch" "$OG" --store "$STORE" query --branch agent-1 --file "$EX/queries.gq" --name people_by_age --format table
step "time travel: main before the load (version 1)" "$OG" --store "$STORE" query --version 1 --file "$EX/queries.gq" --name people_by_age --format table
step "branches" "$OG" --store "$STORE" branch list --format json
step "history (newest first)" "$OG" --store "$STORE" commit list --limit 3 --format jsonl

printf '\nThe graph lives in %s\n' "$STORE"
