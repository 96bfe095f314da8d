#!/usr/bin/env python3
"""Check the browser extension's manifest and files, then zip it for the Chrome Web Store and addons.mozilla.org.

    python scripts/package_extension.py check   # exit 1 and list every problem
    python scripts/package_extension.py zip     # check, then write dist/musictool-extension-<version>.zip

The check stands in for `web-ext lint` (which needs npm packages this project does not ship): Manifest V3,
every file the manifest and its pages name exists, icons are PNGs of their stated size, no remote code
(no http(s) script, no eval), permissions limited to what the extension needs (storage; the five stores and
the daemon's loopback address), a Firefox id. The zip is reproducible: same files, same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXTENSION = REPO / "extension"
DIST = REPO / "dist"
ALLOWED_PERMISSIONS = {"storage"}
ALLOWED_HOSTS = {
    "http://127.0.0.1/*",
    "https://www.discogs.com/*",
    "https://*.bandcamp.com/*",
    "https://www.beatport.com/*",
    "https://www.junodownload.com/*",
    "https://www.traxsource.com/*",
}
_REMOTE_CODE = [
    (re.compile(r"\beval\s*\("), "eval()"),
    (re.compile(r"\bnew\s+Function\s*\("), "new Function()"),
    (re.compile(r"importScripts\s*\(\s*['\"]https?:"), "importScripts of a remote script"),
    (re.compile(r"\bimport\s*\(\s*['\"]https?:"), "import() of a remote module"),
]
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class _Refs(HTMLParser):
    """Scripts and stylesheets an extension page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.refs.append(a["src"] or "")
        elif tag == "script":
            self.refs.append("inline:")  # MV3 pages may not run inline scripts
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.refs.append(a["href"] or "")
        if tag == "img" and a.get("src"):
            self.refs.append(a["src"] or "")


def _png_size(path: Path) -> tuple[int, int] | None:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def _match_within(pattern: str, hosts: set[str]) -> bool:
    """A content-script match pattern is covered by a host permission (same scheme and host)."""
    scheme, _, rest = pattern.partition("://")
    host = rest.split("/", 1)[0]
    return any(
        h.partition("://")[0] == scheme and h.partition("://")[2].split("/", 1)[0] == host for h in hosts
    )


def files_and_problems(root: Path = EXTENSION) -> tuple[set[str], list[str]]:
    """The files the extension uses (relative paths) and every problem found."""
    problems: list[str] = []
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return set(), [f"manifest.json: cannot read it: {exc}"]
    files = {"manifest.json"}

    def need(rel: str, where: str) -> None:
        if re.match(r"^[a-z]+:", rel):
            problems.append(f"{where}: {rel} is not a file of the extension (remote code is not allowed)")
            return
        rel = rel.lstrip("/")
        if not (root / rel).is_file():
            problems.append(f"{where}: {rel} does not exist")
            return
        files.add(rel)

    if manifest.get("manifest_version") != 3:
        problems.append("manifest_version must be 3")
    for key in ("name", "version", "description"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            problems.append(f"{key} is required")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,9}){0,3}", str(manifest.get("version", ""))):
        problems.append("version must be one to four dot-separated numbers")
    if len(manifest.get("description", "")) > 132:
        problems.append("description must be at most 132 characters (Chrome Web Store)")
    for size, rel in {
        **manifest.get("icons", {}),
        **manifest.get("action", {}).get("default_icon", {}),
    }.items():
        need(rel, f"icon {size}")
        if (root / rel).is_file() and _png_size(root / rel) != (int(size), int(size)):
            problems.append(f"icon {rel} must be a {size}x{size} PNG")
    background = manifest.get("background", {})
    if "service_worker" not in background:
        problems.append("background.service_worker is required (Chromium)")
    else:
        need(background["service_worker"], "background.service_worker")
    for rel in background.get("scripts", []):
        need(rel, "background.scripts")
    for n, cs in enumerate(manifest.get("content_scripts", [])):
        for rel in cs.get("js", []) + cs.get("css", []):
            need(rel, f"content_scripts[{n}]")
        for pattern in cs.get("matches", []):
            if not _match_within(pattern, set(manifest.get("host_permissions", []))):
                problems.append(f"content_scripts[{n}]: {pattern} is outside host_permissions")
    pages = [manifest.get("action", {}).get("default_popup"), manifest.get("options_ui", {}).get("page")]
    for page in filter(None, pages):
        need(page, "pages")
        if (root / page).is_file():
            parser = _Refs()
            parser.feed((root / page).read_text(encoding="utf-8"))
            for ref in parser.refs:
                if ref == "inline:":
                    problems.append(f"{page}: inline <script> (MV3 pages run only script files)")
                else:
                    need(ref, page)
    extra = set(manifest.get("permissions", [])) - ALLOWED_PERMISSIONS
    if extra:
        problems.append(f"permissions not needed: {', '.join(sorted(extra))}")
    hosts = set(manifest.get("host_permissions", [])) - ALLOWED_HOSTS
    if hosts:
        problems.append(f"host_permissions beyond the stores and the daemon: {', '.join(sorted(hosts))}")
    csp = manifest.get("content_security_policy", {}).get("extension_pages", "")
    if "unsafe-eval" in csp or re.search(r"https?:", csp):
        problems.append("content_security_policy must not allow eval or remote scripts")
    if not manifest.get("browser_specific_settings", {}).get("gecko", {}).get("id"):
        problems.append("browser_specific_settings.gecko.id is required (Firefox)")
    node = shutil.which("node")
    for rel in sorted(f for f in files if f.endswith(".js")):
        text = (root / rel).read_text(encoding="utf-8")
        for pattern, what in _REMOTE_CODE:
            if pattern.search(text):
                problems.append(f"{rel}: {what} (remote or generated code is not allowed)")
        if node:  # a syntax error would only show when the browser loads the file
            done = subprocess.run([node, "--check", str(root / rel)], capture_output=True, text=True)
            if done.returncode:
                problems.append(f"{rel}: JavaScript syntax error: {done.stderr.strip().splitlines()[-1:]}")
    return files, problems


def build_zip(root: Path = EXTENSION, out_dir: Path = DIST) -> Path:
    files, problems = files_and_problems(root)
    if problems:
        raise SystemExit("extension check failed:\n  " + "\n  ".join(problems))
    version = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["version"]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"musictool-extension-{version}.zip"
    tmp = target.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, (root / rel).read_bytes())
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["check", "zip"])
    parser.add_argument("--extension", type=Path, default=EXTENSION, help="the unpacked extension folder")
    parser.add_argument("--out", type=Path, default=DIST, help="where the zip goes")
    args = parser.parse_args(argv)
    if args.action == "check":
        files, problems = files_and_problems(args.extension)
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        if not problems:
            print(f"extension ok: {len(files)} files")
        return 1 if problems else 0
    print(build_zip(args.extension, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
