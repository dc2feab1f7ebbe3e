#!/usr/bin/env python3
"""Fail when a workspace crate declares a dependency its code never names.

For every member of the workspace (read from the root Cargo.toml), each entry of
[dependencies], [dev-dependencies] and [build-dependencies] must be named somewhere in the
crate's Rust files (src/, tests/, benches/, examples/, build.rs) as the identifier Rust uses
for it (`foo-bar` → `foo_bar`, or the `package = ` rename). A dependency that is needed only
for its features or links (no path in the code names it) is listed with a reason under
`[package.metadata.omnigraph] deps-without-code = ["name"]` in that crate's Cargo.toml.

Usage: scripts/check_unused_deps.py [WORKSPACE_ROOT]     exit 1 listing every unused dependency
Stdlib only (Python >= 3.11 for tomllib).
"""

from __future__ import annotations

import pathlib
import re
import sys
import tomllib

SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def rust_sources(crate: pathlib.Path) -> str:
    parts = []
    for sub in ("src", "tests", "benches", "examples"):
        for f in sorted((crate / sub).rglob("*.rs")):
            parts.append(f.read_text(encoding="utf-8", errors="replace"))
    build = crate / "build.rs"
    if build.exists():
        parts.append(build.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def unused_in(crate: pathlib.Path) -> list[str]:
    manifest = tomllib.loads((crate / "Cargo.toml").read_text(encoding="utf-8"))
    allowed = set(
        manifest.get("package", {}).get("metadata", {}).get("omnigraph", {}).get("deps-without-code", [])
    )
    code = rust_sources(crate)
    unused = []
    for section in SECTIONS:
        for name in manifest.get(section, {}):
            if name in allowed:
                continue
            ident = name.replace("-", "_")
            if not re.search(rf"\b{re.escape(ident)}\b", code):
                unused.append(f"[{section}] {name}")
    return unused


def main(argv: list[str]) -> int:
    root = pathlib.Path(argv[1] if len(argv) > 1 else ".").resolve()
    workspace = tomllib.loads((root / "Cargo.toml").read_text(encoding="utf-8"))
    members = workspace.get("workspace", {}).get("members", [])
    findings = []
    for member in members:
        findings.extend(f"{member}/Cargo.toml {u}" for u in unused_in(root / member))
    if findings:
        print("unused dependencies (remove them, or list them under", file=sys.stderr)
        print("[package.metadata.omnigraph] deps-without-code with a reason):", file=sys.stderr)
        for f in findings:
            print(f"  {f}", file=sys.stderr)
        return 1
    print(f"unused dependencies: none in {len(members)} crates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
