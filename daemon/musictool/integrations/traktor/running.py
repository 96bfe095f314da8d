"""Is Traktor running? By process name, without psutil.

Traktor rewrites collection.nml when it quits, so a write made while it runs would be lost: the writer queues
edits until this says no. Linux: /proc/*/comm and the executable's base name; macOS: `ps -axco comm`;
Windows: `tasklist`. A process matches when its name starts with one of the configured names
(case-insensitive; default "Traktor", which covers "Traktor", "Traktor.exe", "Traktor Pro 4").
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterable

DEFAULT_NAMES = ("Traktor",)


def _proc_names() -> Iterable[str]:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
                yield f.read().strip()
        except OSError:
            continue
        with contextlib.suppress(OSError):
            yield os.path.basename(os.readlink(f"/proc/{pid}/exe"))


def _ps_names() -> Iterable[str]:
    try:
        out = subprocess.run(["ps", "-axco", "comm"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines()[1:]]


def _tasklist_names() -> Iterable[str]:
    try:
        out = subprocess.run(
            ["tasklist", "/FO", "CSV", "/NH"], capture_output=True, text=True, timeout=10
        ).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split('","')[0].strip('"') for line in out.splitlines() if line.strip()]


def process_names() -> Iterable[str]:
    if os.path.isdir("/proc"):
        return _proc_names()
    if sys.platform.startswith("win"):
        return _tasklist_names()
    return _ps_names()


def traktor_running(names: Iterable[str] = DEFAULT_NAMES) -> str | None:
    """The name of a running Traktor process, or None. Blocking (reads /proc or runs ps): use a thread."""
    wanted = [n.lower() for n in names if n]
    for name in process_names():
        low = name.lower()
        if any(low.startswith(w) for w in wanted):
            return name
    return None
