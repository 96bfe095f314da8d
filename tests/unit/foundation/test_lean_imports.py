"""What the product may import: never the tests or their equipment (testkit/; scripts/ may use the kit), and never what only the benches and tests use (librosa with
numba and llvmlite, pyyaml): those live in the `bench` and `dev` extras, not in `dependencies`."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
from pathlib import Path

from testkit.fixtures_path import REPO

PRODUCT = [REPO / "daemon", REPO / "tray", REPO / "scripts"]
EXTRAS_ONLY = {"librosa", "numba", "llvmlite", "essentia", "yaml"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):  # every import, also the ones inside functions
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_product_file_imports_the_tests_their_kit_or_an_extra_only_package() -> None:
    bad = []
    for root in PRODUCT:
        # scripts/ are dev tools: they may use the test kit (the dashboard screenshots run its demo), not tests/
        banned = {"tests"} | ({"testkit"} if root.name != "scripts" else set()) | EXTRAS_ONLY
        for path in sorted(root.rglob("*.py")):
            found = _imports(path) & banned
            if found:
                bad.append(f"{path.relative_to(REPO)}: {sorted(found)}")
    assert not bad, "\n".join(bad)


def test_the_extras_only_packages_are_not_runtime_dependencies() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = " ".join(project["dependencies"]).lower()
    assert "librosa" not in runtime and "pyyaml" not in runtime
    assert any(d.startswith("librosa") for d in project["optional-dependencies"]["bench"])
    assert any(d.startswith("pyyaml") for d in project["optional-dependencies"]["dev"])


def test_importing_every_daemon_module_and_the_serve_path_loads_none_of_them() -> None:
    code = """
import importlib, json, pkgutil, sys
import musictool, musictool.cli, musictool.service
for info in pkgutil.walk_packages(musictool.__path__, "musictool."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
from musictool.cli import build_parser
build_parser().parse_args(["serve"])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "musictool" in loaded and "aiohttp" in loaded
    assert not loaded & EXTRAS_ONLY, sorted(loaded & EXTRAS_ONLY)
