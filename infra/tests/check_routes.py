#!/usr/bin/env python3
"""Assert that the applied API Gateway routes are exactly the generated route map.

Input: the JSON of `terraform show -json` after an apply of a root that uses
infra/terraform/modules/omnigraph with `enable_api_gateway = true`, and the module's
api_routes.json (generated from the service's route table by omnigraph_api::routes).
Every `aws_apigatewayv2_route` must target the integration of the function the map names,
and every entry of the map must be deployed (no route missing, none extra).

Usage: check_routes.py STATE_JSON ROUTES_JSON
Stdlib only.
"""

from __future__ import annotations

import json
import sys


def resources(module: dict):
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from resources(child)


def deployed_routes(state: dict) -> dict[str, str]:
    root = state.get("values", {}).get("root_module", {})
    integration_fn: dict[str, str] = {}
    routes: list[tuple[str, str]] = []
    for r in resources(root):
        values = r.get("values", {})
        if r.get("type") == "aws_apigatewayv2_integration":
            integration_fn[values.get("id", "")] = str(r.get("index", ""))
        elif r.get("type") == "aws_apigatewayv2_route":
            routes.append((values.get("route_key", ""), values.get("target", "")))
    out = {}
    for key, target in routes:
        integration = target.removeprefix("integrations/")
        out[key] = integration_fn.get(integration, f"<unknown integration {integration}>")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        state = json.load(f)
    with open(argv[2]) as f:
        want = json.load(f)
    have = deployed_routes(state)
    if not want:
        print("check_routes: the route map is empty", file=sys.stderr)
        return 1
    problems = []
    for key in sorted(set(want) | set(have)):
        if want.get(key) != have.get(key):
            problems.append(f"  {key}: deployed {have.get(key)!r}, route table says {want.get(key)!r}")
    if problems:
        print("check_routes: API Gateway routes differ from api_routes.json:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    print(f"check_routes: {len(have)} routes, each to the function that serves it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
