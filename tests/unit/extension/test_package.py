"""scripts/package_extension.py: the manifest check passes on the shipped extension, catches what a store
would reject, and the zip holds exactly the extension's files, reproducibly."""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from testkit.fixtures_path import REPO

spec = importlib.util.spec_from_file_location("package_extension", REPO / "scripts" / "package_extension.py")
assert spec and spec.loader
package = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package)


def test_the_shipped_extension_passes_the_check() -> None:
    files, problems = package.files_and_problems()
    assert problems == []
    assert {
        "manifest.json",
        "background.js",
        "content.js",
        "recognize.js",
        "options.html",
        "popup.html",
    } <= files
    manifest = json.loads((REPO / "extension" / "manifest.json").read_text())
    assert manifest["options_ui"]["page"] == "options.html"
    assert manifest["browser_specific_settings"]["gecko"]["id"]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "ext"
    shutil.copytree(REPO / "extension", target)
    return target


def _edit(root: Path, fn) -> None:  # noqa: ANN001 - a small mutator
    manifest = json.loads((root / "manifest.json").read_text())
    fn(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest))


def test_the_check_names_each_problem(copy: Path) -> None:
    _edit(copy, lambda m: m.update(manifest_version=2))
    _edit(copy, lambda m: m["permissions"].append("tabs"))
    _edit(copy, lambda m: m["host_permissions"].append("<all_urls>"))
    _edit(copy, lambda m: m["content_scripts"][0]["matches"].append("https://example.com/*"))
    _edit(copy, lambda m: m["browser_specific_settings"].pop("gecko"))
    (copy / "recognize.js").unlink()
    (copy / "popup.html").write_text(
        '<script src="https://cdn.example/x.js"></script><script>alert(1)</script><script src="popup.js"></script>'
    )
    (copy / "content.js").write_text((copy / "content.js").read_text() + "\neval('1');\n")
    (copy / "icons" / "icon48.png").write_bytes((copy / "icons" / "icon16.png").read_bytes())
    _, problems = package.files_and_problems(copy)
    text = "\n".join(problems)
    for expected in (
        "manifest_version must be 3",
        "permissions not needed: tabs",
        "host_permissions beyond the stores and the daemon: <all_urls>",
        "https://example.com/* is outside host_permissions",
        "gecko.id is required",
        "recognize.js does not exist",
        "https://cdn.example/x.js is not a file of the extension",
        "inline <script>",
        "content.js: eval()",
        "icons/icon48.png must be a 48x48 PNG",
    ):
        assert expected in text, (expected, problems)


def test_a_syntax_error_is_caught_when_node_is_there(copy: Path) -> None:
    if not shutil.which("node"):
        pytest.skip("node is not installed; the check then skips the syntax pass")
    (copy / "popup.js").write_text("function (\n")
    _, problems = package.files_and_problems(copy)
    assert any(p.startswith("popup.js: JavaScript syntax error") for p in problems)


def test_the_zip_holds_the_extension_and_is_reproducible(tmp_path: Path) -> None:
    first = package.build_zip(out_dir=tmp_path / "a")
    second = package.build_zip(out_dir=tmp_path / "b")
    assert first.name == "musictool-extension-0.1.0.zip"
    assert first.read_bytes() == second.read_bytes()
    files, _ = package.files_and_problems()
    with zipfile.ZipFile(first) as zf:
        assert sorted(zf.namelist()) == sorted(files)
        assert json.loads(zf.read("manifest.json"))["manifest_version"] == 3


def test_a_broken_extension_is_not_zipped(copy: Path, tmp_path: Path) -> None:
    (copy / "background.js").unlink()
    with pytest.raises(SystemExit, match="background.service_worker: background.js does not exist"):
        package.build_zip(copy, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
