"""Is Traktor running? By process name, without psutil.

Traktor rewrites collection.nml when it quits, so a write made while it runs would be lost: the writer queues
edits until this says no. Linux: /proc/*/comm and the executable's base name; macOS: `ps -axco comm`;
Windows: `tasklist`. A process matches when its name starts with one of the configured names
(case-insensitive; default "Traktor", which covers "Traktor", "Traktor.exe", "Traktor Pro 4").
When the list cannot be read (ps missing or failing) the answer is "maybe running": writes wait, never guess.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterable

DEFAULT_NAMES = ("Traktor",)


class ProcessListError(OSError):
    """The process list could not be read: the check fails closed (a write waits rather than risk being lost)."""


class TraktorRunning(Exception):
    """Raised by ensure_not_running: a write must not replace collection.nml now."""

    def __init__(self, name: str):
        super().__init__(f"{name} is running")
        self.name = name


def _proc_names() -> Iterable[str]:
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError as e:
        raise ProcessListError(f"cannot read /proc: {e}") from e
    if not pids:
        raise ProcessListError("/proc lists no processes")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
                yield f.read().strip()
        except OSError:
            continue
        with contextlib.suppress(OSError):
            yield os.path.basename(os.readlink(f"/proc/{pid}/exe"))


def _run_lister(argv: list[str], timeout: float) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    except (OSError, subprocess.SubprocessError) as e:
        raise ProcessListError(f"{argv[0]} failed: {e}") from e
    if out.returncode != 0 or not out.stdout.strip():
        why = (out.stderr or "").strip().splitlines()[-1:] or [f"exit status {out.returncode}, no output"]
        raise ProcessListError(f"{argv[0]} failed: {why[0]}")
    return out.stdout


def ps_names() -> Iterable[str]:
    """macOS (and any Unix without /proc): `ps -axco comm`, header line skipped."""
    return [line.strip() for line in _run_lister(["ps", "-axco", "comm"], 5).splitlines()[1:]]


def _tasklist_names() -> Iterable[str]:
    out = _run_lister(["tasklist", "/FO", "CSV", "/NH"], 10)
    return [line.split('","')[0].strip('"') for line in out.splitlines() if line.strip()]


def process_names() -> Iterable[str]:
    if os.path.isdir("/proc"):
        return _proc_names()
    if sys.platform.startswith("win"):
        return _tasklist_names()
    return ps_names()


def traktor_running(
    names: Iterable[str] = DEFAULT_NAMES, lister: Callable[[], Iterable[str]] = process_names
) -> str | None:
    """The name of a running Traktor process, or None. When the process list cannot be read the answer is
    "maybe": a text saying so, so writes wait (fail closed). Blocking (reads /proc or runs ps): use a thread."""
    wanted = [n.lower() for n in names if n]
    try:
        for name in lister():
            low = name.lower()
            if any(low.startswith(w) for w in wanted):
                return name
    except ProcessListError as e:
        return f"Traktor (maybe: could not list processes, {e})"
    return None


def ensure_not_running(names: Iterable[str] = DEFAULT_NAMES) -> None:
    """The check right before collection.nml is replaced: Traktor may have started since the queue looked."""
    found = traktor_running(names)
    if found:
        raise TraktorRunning(found)
