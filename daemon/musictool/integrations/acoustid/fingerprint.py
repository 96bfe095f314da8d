"""Chromaprint fingerprints with `fpcalc -json`, as an asyncio subprocess so the event loop never waits.

fpcalc (Debian libchromaprint-tools) decodes with FFmpeg, so it reads whatever the DJ's files are; the
first 120 s are what AcoustID indexes. The binary can be overridden with $FPCALC, as pyacoustid does.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MAX_LENGTH = 120  # seconds of audio AcoustID fingerprints
TIMEOUT = 120.0


class FingerprintError(Exception):
    """The file could not be fingerprinted; the message says which file and why."""


@dataclass(frozen=True)
class Fingerprint:
    duration: float
    fingerprint: str  # compressed, base64url (what the lookup takes)


def fpcalc_path() -> str | None:
    return shutil.which(os.environ.get("FPCALC", "fpcalc"))


async def fingerprint_file(
    path: str | Path, length: int = MAX_LENGTH, timeout: float = TIMEOUT
) -> Fingerprint:
    path = Path(path)
    if not path.is_file():
        raise FingerprintError(f"cannot fingerprint {path}: file not found")
    exe = fpcalc_path()
    if exe is None:
        raise FingerprintError(
            "fpcalc is not installed (Debian/Ubuntu: apt install libchromaprint-tools; "
            "or set FPCALC to its path)"
        )
    proc = await asyncio.create_subprocess_exec(
        exe,
        "-json",
        "-length",
        str(length),
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise FingerprintError(f"fpcalc took longer than {timeout:.0f} s on {path}") from None
    except asyncio.CancelledError:
        proc.kill()
        await proc.wait()
        raise
    try:
        data = json.loads(out)
        result = Fingerprint(duration=float(data["duration"]), fingerprint=str(data["fingerprint"]))
    except (ValueError, KeyError, TypeError) as exc:
        # fpcalc 1.5 exits 3 with "Error decoding audio frame (End of file)" on many good MP3s but
        # still prints the fingerprint; only a run without usable output is a failure
        reason = err.decode(errors="replace").strip().splitlines()
        detail = reason[-1] if reason else f"unreadable output ({exc})"
        raise FingerprintError(f"fpcalc could not read {path} (exit {proc.returncode}): {detail}") from exc
    if not result.fingerprint or result.duration <= 0:
        raise FingerprintError(f"fpcalc found no audio in {path}")
    return result
