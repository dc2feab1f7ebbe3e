#!/usr/bin/env bash
# Infrastructure checks for infra/terraform (run by scripts/test.sh; can run on its own).
#
#   1. terraform fmt -check -recursive infra/terraform
#   2. terraform init (-backend=false, local provider mirror) + validate: module, example
#   3. checkov (in-code skips only; each is listed in modules/omnigraph/README.md)
#   4. terraform apply of examples/basic against moto (OMNIGRAPH_MOTO_ENDPOINT), dummy zips
#   5. IAM policy rules on the applied state (infra/tests/check_iam.py, with a self-test) and
#      the API Gateway routes against api_routes.json (infra/tests/check_routes.py)
#   6. terraform destroy
#
# Nothing is written inside the clone: the Terraform tree is copied to a temp dir and all
# .terraform data, lock files, plans and state live there. Needs terraform (>= 1.5), the
# provider mirror (OMNIGRAPH_TF_PLUGIN_DIR, default /opt/tf-plugins, hashicorp/aws 5.100.x),
# python3, checkov and moto (both from the project venv $HOME/.cache/omnigraph/venv). When
# OMNIGRAPH_MOTO_ENDPOINT is unset, a private moto_server is started and stopped here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TF_SRC=$ROOT/infra/terraform
PLUGIN_DIR=${OMNIGRAPH_TF_PLUGIN_DIR:-/opt/tf-plugins}
VENV=${OMNIGRAPH_CACHE:-$HOME/.cache/omnigraph}/venv
[ -d "$VENV/bin" ] && PATH="$PATH:$VENV/bin"

START=$(date +%s)
WORK=""
OWN_MOTO_PID=""
CHECKOV_PID=""
APPLIED=0

say() { printf '%s\n' "$*"; }
die() {
    say "infra: FAIL $*" >&2
    exit 1
}

cleanup() {
    local status=$?
    set +e
    if [ "$APPLIED" = 1 ]; then
        say "infra: cleaning up: terraform destroy after a failure" >&2
        (cd "$WORK/tf/examples/basic" && moto_env terraform destroy -auto-approve -parallelism=30 -no-color \
            -var-file="$WORK/moto.tfvars.json" >"$WORK/destroy-cleanup.log" 2>&1) ||
            say "infra: cleanup destroy failed (moto state is in memory; nothing persists)" >&2
    fi
    if [ -n "$CHECKOV_PID" ] && kill -0 "$CHECKOV_PID" 2>/dev/null; then
        kill "$CHECKOV_PID" 2>/dev/null
        wait "$CHECKOV_PID" 2>/dev/null
    fi
    if [ -n "$OWN_MOTO_PID" ]; then
        kill "$OWN_MOTO_PID" 2>/dev/null
        wait "$OWN_MOTO_PID" 2>/dev/null
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# step <label> <command...>: run quietly, one line per step, the log on failure.
step() {
    local label=$1 t0 log
    shift
    t0=$(date +%s)
    log=$WORK/step.log
    if "$@" >"$log" 2>&1; then
        say "infra: ok   $label ($(($(date +%s) - t0))s)"
    else
        say "infra: FAIL $label ($(($(date +%s) - t0))s)" >&2
        sed 's/^/    /' "$log" | tail -n 80 >&2
        exit 1
    fi
}

# --- prerequisites ---------------------------------------------------------------------------
command -v terraform >/dev/null 2>&1 ||
    die "prerequisites: 'terraform' not found on PATH (install Terraform >= 1.5, e.g. /usr/local/bin/terraform)"
[ -d "$PLUGIN_DIR/registry.terraform.io/hashicorp/aws" ] ||
    die "prerequisites: provider mirror '$PLUGIN_DIR' with registry.terraform.io/hashicorp/aws is missing (no registry access here; set OMNIGRAPH_TF_PLUGIN_DIR)"
command -v python3 >/dev/null 2>&1 || die "prerequisites: 'python3' not found on PATH"
command -v checkov >/dev/null 2>&1 ||
    die "prerequisites: 'checkov' not found on PATH or in $VENV/bin (scripts/test.sh installs it)"

WORK=$(mktemp -d -t omnigraph-infra.XXXXXX)
cp -R "$TF_SRC" "$WORK/tf"
find "$WORK/tf" \( -name '.terraform' -o -name '.terraform.lock.hcl' -o -name '*.tfstate*' \) -prune -exec rm -rf {} +

# Private CLI config: no checkpoint calls, and no warning about a missing ~/.terraformrc.
printf 'disable_checkpoint = true\n' >"$WORK/terraformrc"
export TF_CLI_CONFIG_FILE=$WORK/terraformrc
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

if [ -z "${OMNIGRAPH_MOTO_ENDPOINT:-}" ]; then
    command -v moto_server >/dev/null 2>&1 ||
        die "prerequisites: OMNIGRAPH_MOTO_ENDPOINT is unset and moto_server is not on PATH (run via scripts/test.sh)"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
    OWN_MOTO_PID=$!
    OMNIGRAPH_MOTO_ENDPOINT=http://127.0.0.1:$port
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request,sys; urllib.request.urlopen('$OMNIGRAPH_MOTO_ENDPOINT/moto-api/', timeout=1)" 2>/dev/null && break
        sleep 0.1
    done
    say "infra: started moto on $OMNIGRAPH_MOTO_ENDPOINT (pid $OWN_MOTO_PID)"
fi
MOTO=$OMNIGRAPH_MOTO_ENDPOINT

# Run a command with dummy credentials, whatever the caller's AWS environment says.
moto_env() {
    env -u AWS_PROFILE -u AWS_SESSION_TOKEN \
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
        AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
        TF_DATA_DIR="$WORK/data-example" "$@"
}

tf_validate() { # tf_validate <dir> <data dir>
    (cd "$1" && TF_DATA_DIR=$2 terraform init -backend=false -plugin-dir="$PLUGIN_DIR" -no-color &&
        TF_DATA_DIR=$2 terraform validate -no-color)
}

# --- 1-2. format and validate ----------------------------------------------------------------
step "terraform fmt -check" terraform fmt -check -recursive -diff -no-color "$TF_SRC"
step "terraform validate modules/omnigraph" tf_validate "$WORK/tf/modules/omnigraph" "$WORK/data-module"
step "terraform validate examples/basic" tf_validate "$WORK/tf/examples/basic" "$WORK/data-example"

# --- 3. checkov (runs while moto applies, both are slow-ish) ---------------------------------
(cd "$ROOT" && checkov -d infra/terraform --framework terraform --skip-download --compact --quiet \
    >"$WORK/checkov.log" 2>&1; echo $? >"$WORK/checkov.rc") &
CHECKOV_PID=$!

# --- 4. apply against moto -------------------------------------------------------------------
python3 - "$WORK" <<'EOF'
import sys, zipfile
work = sys.argv[1]
for fn in ("query", "mutate", "recover"):
    with zipfile.ZipFile(f"{work}/{fn}.zip", "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, f"#!/bin/sh\necho 'dummy {fn} bootstrap for infra/check.sh'\n")
EOF
python3 - "$WORK" "$MOTO" <<'EOF'
import json, os, sys
import boto3
work, moto = sys.argv[1], sys.argv[2]
name = "ogchk-" + os.urandom(3).hex()  # unique: runs may share one moto
# The packages go to a separate code bucket here: moto evaluates the graph bucket's
# DenyInsecureTransport policy against its plain-HTTP endpoint.
code_bucket = name + "-code"
boto3.client("s3", endpoint_url=moto, region_name="us-east-1",
             aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(Bucket=code_bucket)
services = ["s3", "dynamodb", "lambda", "iam", "sts", "events", "scheduler", "sqs", "logs",
            "cloudwatch", "sns", "kms", "apigateway", "apigatewayv2"]
json.dump({
    "name": name,
    "code_bucket": code_bucket,
    "query_zip": f"{work}/query.zip",
    "mutate_zip": f"{work}/mutate.zip",
    "recover_zip": f"{work}/recover.zip",
    "deletion_protection": False,
    "force_destroy": True,
    "enable_api_gateway": True,
    "skip_credentials_validation": True,
    "skip_requesting_account_id": True,
    "skip_metadata_api_check": True,
    "s3_use_path_style": True,
    "endpoints": {s: moto for s in services},
}, open(f"{work}/moto.tfvars.json", "w"), indent=1)
EOF

apply_example() {
    cd "$WORK/tf/examples/basic"
    APPLIED=1
    moto_env terraform apply -auto-approve -parallelism=30 -no-color -var-file="$WORK/moto.tfvars.json"
}
APPLIED=1 # set before the step so the EXIT trap destroys a half-applied stack
step "terraform apply examples/basic against moto ($MOTO)" apply_example

# --- 5. IAM rules on the applied policies ----------------------------------------------------
iam_check() {
    (cd "$WORK/tf/examples/basic" && moto_env terraform show -json -no-color >"$WORK/state.json")
    python3 "$ROOT/infra/tests/check_iam.py" --self-test "$WORK/state.json"
}
step "IAM policy check (query read-only, recover cannot invoke)" iam_check
step "API Gateway routes equal the route table (api_routes.json)" \
    python3 "$ROOT/infra/tests/check_routes.py" "$WORK/state.json" "$TF_SRC/modules/omnigraph/api_routes.json"

# --- 6. destroy ------------------------------------------------------------------------------
destroy_example() {
    cd "$WORK/tf/examples/basic"
    moto_env terraform destroy -auto-approve -parallelism=30 -no-color -var-file="$WORK/moto.tfvars.json"
}
step "terraform destroy examples/basic" destroy_example
APPLIED=0

wait "$CHECKOV_PID" || true
CHECKOV_PID=""
if [ "$(cat "$WORK/checkov.rc" 2>/dev/null)" = 0 ]; then
    say "infra: ok   checkov ($(grep -Eo 'Passed checks: [0-9]+, Failed checks: [0-9]+, Skipped checks: [0-9]+' "$WORK/checkov.log" || echo 'no summary'))"
else
    say "infra: FAIL checkov" >&2
    sed 's/^/    /' "$WORK/checkov.log" | tail -n 80 >&2
    exit 1
fi

say "infra: all checks passed in $(($(date +%s) - START))s"
