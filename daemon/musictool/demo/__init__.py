"""Bundled demo data and the pieces `musictool demo` runs: a sample Traktor collection.nml, a sample
Discogs collection and a small stand-in that serves it (standin.py). Where the data comes from: SOURCES.md.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

MARKER = ".musictool-demo"


class DemoDirError(Exception):
    """The folder asked for is not one the demo made, and not empty: the demo never clears it."""


def prepare(root: Path, api_port: int, discogs_url: str) -> Path:
    """Make `root` a fresh demo home: collection.nml under Traktor/ and a config.toml pointing the daemon at
    it and at the stand-in. Clears only a folder an earlier demo made (it holds MARKER)."""
    if root.exists() and any(root.iterdir()):
        if not (root / MARKER).exists():
            raise DemoDirError(f"{root} is not empty and was not made by `musictool demo`; choose another --dir")
        shutil.rmtree(root)
    (root / "Traktor").mkdir(parents=True)
    (root / MARKER).write_text("made by `musictool demo`; cleared by the next demo run\n", encoding="utf-8")
    nml = root / "Traktor" / "collection.nml"
    nml.write_bytes(resources.files(__package__).joinpath("collection.nml").read_bytes())
    (root / "config.toml").write_text(
        f"""# written by `musictool demo`: the bundled sample collections, served locally
[api]
port = {api_port}

[traktor]
collection = "{nml.as_posix()}"

[discogs]
username = "demo"
token = "demo-token"
base_url = "{discogs_url}"
rate_limit = 600
""",
        encoding="utf-8",
    )
    return root
