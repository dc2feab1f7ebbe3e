#!/usr/bin/env python3
"""Assert the least-privilege rules of the OmniGraph execution roles on rendered policies.

Input: the JSON of `terraform show -json` (state after an apply, e.g. against moto) of a root
that uses infra/terraform/modules/omnigraph. Every IAM policy that reaches a role is checked:
inline `aws_iam_role_policy` documents, the role's own `inline_policy` blocks, and any
`aws_iam_role_policy_attachment` (managed policies cannot be inspected here, so any attachment
to a checked role fails).

Rules (Allow statements; an explicit Deny never grants anything):
  query    no write: s3:Put*, s3:Delete*, s3:AbortMultipartUpload, s3:Restore*, dynamodb
           PutItem/UpdateItem/DeleteItem/BatchWriteItem/TransactWriteItems/PartiQL writes,
           and no wildcard that covers them (s3:*, dynamodb:*, *); no lambda invoke.
  recover  no lambda:InvokeFunction / InvokeAsync / InvokeFunctionUrl (nor lambda:*, *).
  all      no Allow with NotAction (it grants everything not listed).
Sanity: all three roles are found and query can still read (s3:GetObject, dynamodb:GetItem),
so the check cannot pass vacuously.

Usage: check_iam.py STATE_JSON            check, exit 1 with the findings on a violation
       check_iam.py --self-test STATE_JSON  also prove the checker catches an injected write
Stdlib only.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import sys

ROLES = ("query", "mutate", "recover")

# Concrete actions a policy action pattern must not cover, per role.
QUERY_FORBIDDEN = [
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectTagging",
    "s3:PutObjectRetention",
    "s3:PutBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
    "s3:DeleteBucket",
    "s3:DeleteBucketPolicy",
    "s3:AbortMultipartUpload",
    "s3:RestoreObject",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:DeleteTable",
    "dynamodb:UpdateTable",
    "lambda:InvokeFunction",
]
# Prefixes that are writes whatever follows (catches patterns such as s3:Put* or s3:DeleteO*).
QUERY_FORBIDDEN_PREFIXES = ("s3:put", "s3:delete", "s3:restore", "dynamodb:partiqlinsert",
                            "dynamodb:partiqlupdate", "dynamodb:partiqldelete")

RECOVER_FORBIDDEN = [
    "lambda:InvokeFunction",
    "lambda:InvokeAsync",
    "lambda:InvokeFunctionUrl",
]

QUERY_REQUIRED = ["s3:GetObject", "dynamodb:GetItem"]


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def walk_resources(module):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from walk_resources(child)


def collect(state):
    """Return {role: {"name": str, "policies": [(origin, doc)], "attachments": [arn]}}."""
    root = state.get("values", {}).get("root_module", {})
    resources = [r for r in walk_resources(root) if r.get("mode") == "managed"]

    roles = {}
    for r in resources:
        if r["type"] == "aws_iam_role" and r.get("index") in ROLES and r["address"].endswith(
            f'aws_iam_role.function["{r["index"]}"]'
        ):
            roles[r["index"]] = {"name": r["values"]["name"], "policies": [], "attachments": []}
            for ip in r["values"].get("inline_policy") or []:
                if ip.get("policy"):
                    roles[r["index"]]["policies"].append(
                        (f'{r["address"]}.inline_policy[{ip.get("name")}]', json.loads(ip["policy"]))
                    )
            for arn in r["values"].get("managed_policy_arns") or []:
                roles[r["index"]]["attachments"].append(arn)

    by_name = {v["name"]: k for k, v in roles.items()}
    for r in resources:
        role = by_name.get(r["values"].get("role"))
        if role is None:
            continue
        if r["type"] == "aws_iam_role_policy":
            roles[role]["policies"].append((r["address"], json.loads(r["values"]["policy"])))
        elif r["type"] == "aws_iam_role_policy_attachment":
            roles[role]["attachments"].append(r["values"]["policy_arn"])
    return roles


def allow_statements(doc):
    for st in as_list(doc.get("Statement")):
        if st.get("Effect") == "Allow":
            yield st


def covers(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def findings_for(role: str, info) -> list[str]:
    out = []
    for arn in info["attachments"]:
        out.append(f"{role}: managed policy {arn} attached; only inline documents can be verified")
    granted = []
    for origin, doc in info["policies"]:
        for st in allow_statements(doc):
            sid = st.get("Sid", "?")
            if "NotAction" in st:
                out.append(f"{role}: {origin} statement {sid} allows NotAction (grants nearly everything)")
            for pattern in as_list(st.get("Action")):
                granted.append(pattern)
                if role == "query":
                    hit = [a for a in QUERY_FORBIDDEN if covers(pattern, a)]
                    if pattern.lower().startswith(QUERY_FORBIDDEN_PREFIXES):
                        hit.append(pattern)
                    if hit:
                        out.append(f"query: {origin} statement {sid} allows {pattern!r} (write: {sorted(set(hit))})")
                if role == "recover":
                    hit = [a for a in RECOVER_FORBIDDEN if covers(pattern, a)]
                    if hit:
                        out.append(f"recover: {origin} statement {sid} allows {pattern!r} (invoke: {hit})")
    if role == "query":
        for need in QUERY_REQUIRED:
            if not any(covers(p, need) for p in granted):
                out.append(f"query: no statement allows {need}; the policy was not found or is incomplete")
    return out


def check(state) -> list[str]:
    roles = collect(state)
    problems = [f"role {r!r} (aws_iam_role.function[\"{r}\"]) not found in the state" for r in ROLES if r not in roles]
    for role in ("query", "recover"):
        if role in roles:
            if not roles[role]["policies"]:
                problems.append(f"{role}: no policy documents found")
            problems += findings_for(role, roles[role])
    return problems


def inject(state, role: str, action: str):
    """A copy of state where the role's inline policy also allows `action` (for --self-test)."""
    state = copy.deepcopy(state)
    name = collect(state)[role]["name"]
    for r in walk_resources(state["values"]["root_module"]):
        if r["type"] == "aws_iam_role_policy" and r["values"].get("role") == name:
            doc = json.loads(r["values"]["policy"])
            doc["Statement"] = as_list(doc.get("Statement")) + [
                {"Sid": "Injected", "Effect": "Allow", "Action": action, "Resource": "*"}
            ]
            r["values"]["policy"] = json.dumps(doc)
            return state
    raise SystemExit(f"self-test: no aws_iam_role_policy for {role}")


def main(argv: list[str]) -> int:
    self_test = "--self-test" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if len(paths) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(paths[0], encoding="utf-8") as fh:
        state = json.load(fh)

    problems = check(state)
    if problems:
        print("IAM check FAILED:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1

    cases = []
    if self_test:
        cases = [
            ("query", "s3:PutObject"),
            ("query", ["s3:GetObject", "s3:DeleteObject"]),
            ("query", "s3:*"),
            ("query", "dynamodb:UpdateItem"),
            ("query", "dynamodb:Batch*"),
            ("query", "*"),
            ("recover", "lambda:InvokeFunction"),
            ("recover", "lambda:*"),
        ]
        for role, action in cases:
            if not check(inject(state, role, action)):
                print(f"IAM self-test FAILED: injecting {action!r} into {role} went unnoticed", file=sys.stderr)
                return 1

    print("IAM check passed: query has no write action, recover cannot invoke functions"
          + (f" (self-test: {len(cases)} injected violations caught)" if self_test else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
