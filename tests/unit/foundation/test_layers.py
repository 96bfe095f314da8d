"""The layer rule of docs/ARCHITECTURE.md ("Layers"), checked by walking every import (AST, nothing is
imported): arrows point down, all SQL lives in store/, and the product, tests/, bench/ and testkit/ import
each other only the allowed way."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from testkit.fixtures_path import REPO

PRODUCT = REPO / "daemon" / "musictool"
# Rank of each top-level part of musictool: a module may import only from its own rank or below.
# A package not named here is a capability (rank 3), like library/ or an integration.
RANKS = {
    "model": 0,  # plain values and rules, no I/O
    "store": 1,  # all SQL
    "config": 2, "home": 2, "events": 2, "logs": 2, "redact": 2, "token": 2, "workers": 2, "jobs": 2, "notify": 2,
    "autostart": 2, "__init__": 2,
    "api": 4, "cli": 4, "service": 4, "components": 4, "__main__": 4,
}  # fmt: skip
CAPABILITY = 3
NAMES = {0: "model", 1: "store", 2: "foundation", 3: "capabilities", 4: "entry points (api, cli, service)"}
SQL = re.compile(
    r"^\s*(SELECT\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|REPLACE\s+INTO\s"
    r"|CREATE\s+(TEMP\w*\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s|DROP\s+(TABLE|INDEX|VIEW|TRIGGER)\s|ALTER\s+TABLE\s"
    r"|WITH\s+(RECURSIVE\s+)?\w+(\([^)]*\))?\s+AS\s*\(|PRAGMA\s+\w+|SAVEPOINT\s|RELEASE\s+\w|ROLLBACK\b"
    r"|BEGIN\b|COMMIT\b|VACUUM\b)"
)


def _imports(tree: ast.AST, package: str) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import, relative ones resolved against `package` (the
    package the module is in; for an __init__.py, the package itself)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base]) if base else ".".join(parts)
            yield node.lineno, base
            for a in node.names:  # `from musictool import store` imports musictool.store
                yield node.lineno, f"{base}.{a.name}"


def _part(module: str) -> str | None:
    """The top-level part of musictool a module belongs to ("store", "integrations", ...)."""
    parts = module.split(".")
    if parts[0] != "musictool":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def rank(module: str) -> int:
    part = _part(module)
    return RANKS.get(part, CAPABILITY) if part else -1


def upward_imports(source: str, module: str, package: str | None = None) -> list[str]:
    """Imports of `module` that reach a higher layer than its own, one per line and target part."""
    own = rank(module)
    out: dict[tuple[int, str | None], str] = {}
    for line, name in _imports(ast.parse(source), package or module.rpartition(".")[0]):
        if _part(name) is None or _part(name) == _part(module) or (line, _part(name)) in out:
            continue
        if rank(name) > own:
            out[(line, _part(name))] = f"{module}:{line} imports {name} ({NAMES[rank(name)]} above {NAMES[own]})"
    return list(out.values())


def sql_statements(source: str) -> list[tuple[int, str]]:
    """String literals (and f-strings) that start like an SQL statement."""
    out = []
    tree = ast.parse(source)
    inside_f = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_f:
            text = node.value
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            text = str(node.values[0].value)
        if text is not None and SQL.match(text):
            out.append((node.lineno, text.strip().splitlines()[0][:60]))
    return out


def _module(path: Path, root: Path) -> tuple[str, str]:
    """(module name, the package it is in) of a file under root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        name = ".".join(parts[:-1])
        return name, name
    return ".".join(parts), ".".join(parts[:-1])


def _files(*dirs: Path) -> list[Path]:
    return sorted(p for d in dirs for p in d.rglob("*.py"))


def test_the_product_imports_only_downward() -> None:
    bad = []
    for f in _files(PRODUCT):
        bad += upward_imports(f.read_text(encoding="utf-8"), *_module(f, REPO / "daemon"))
    assert not bad, "upward imports (docs/ARCHITECTURE.md, Layers):\n" + "\n".join(bad)


def test_all_sql_lives_in_store() -> None:
    bad = []
    for f in _files(PRODUCT, REPO / "tray"):
        if (PRODUCT / "store") in f.parents:
            continue
        bad += [f"{f.relative_to(REPO)}:{line}: {text}" for line, text in sql_statements(f.read_text("utf-8"))]
    assert not bad, "SQL outside daemon/musictool/store/:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("daemon", ("tests", "testkit", "bench")),  # the product never needs test equipment
        ("tray", ("tests", "testkit", "bench")),
        ("testkit", ("tests", "bench")),  # the one home both of them import
        ("tests", ("bench",)),
        ("bench", ("tests",)),
    ],
)
def test_equipment_imports(folder: str, forbidden: tuple[str, ...]) -> None:
    bench_scripts = {p.stem for p in (REPO / "bench").glob("*.py")}
    bad = []
    for f in _files(REPO / folder):
        for line, name in _imports(ast.parse(f.read_text("utf-8")), _module(f, REPO)[1]):
            top = name.split(".")[0]
            # bench/ runs as scripts: `import api_scale` beside them is bench too
            if top in forbidden or ("bench" in forbidden and folder != "bench" and top in bench_scripts):
                bad.append(f"{f.relative_to(REPO)}:{line} imports {name}")
    assert not bad, f"{folder}/ must not import {', '.join(forbidden)}:\n" + "\n".join(bad)


def test_the_checks_catch_what_they_are_for() -> None:
    """The walker itself: an upward import and SQL in a string are found, relative imports resolved."""
    src = "from musictool.integrations.musicbrainz.client import X\nfrom ..library import match\n"
    found = upward_imports(src, "musictool.store.enrichment")
    assert len(found) == 2 and "musictool.library" in found[1]
    assert upward_imports("from .api import app\n", "musictool.store", "musictool.store") == []  # store/__init__
    assert upward_imports("from ..api import app\n", "musictool.store", "musictool.store")
    assert upward_imports("from musictool.model.fields import SOURCES\n", "musictool.store.provenance") == []
    assert upward_imports("from musictool import service\n", "musictool.library.component")
    assert upward_imports("from musictool.store import kv\n", "musictool.api.routes.x") == []
    sql = 'q = f"SELECT {cols} FROM tracks"\nc.execute("  DELETE FROM x WHERE id = ?")\nprint("Select a file")\n'
    assert [line for line, _ in sql_statements(sql)] == [1, 2]
