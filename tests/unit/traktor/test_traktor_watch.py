"""The watcher on a real folder: atomic replaces are read at once, in-place writes once they are complete."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from musictool.integrations.traktor.watch import CollectionWatcher
from tests.unit.traktor.nmlfixtures import fx

DATA = fx("polamjag__traktor-nml/spec/traktor/win.nml").read_bytes()


async def _watch(tmp_path: Path, debounce: float = 0.3):
    coll = tmp_path / "collection.nml"
    coll.write_bytes(DATA)
    (tmp_path / "History").mkdir()
    calls: list[tuple[float, set[str], bool]] = []
    loop = asyncio.get_running_loop()

    async def cb(what: set[str]) -> None:
        calls.append((loop.time(), what, coll.read_bytes().rstrip().endswith(b"</NML>")))

    w = CollectionWatcher(coll, tmp_path / "History", cb, debounce=debounce, poll_interval=60)
    w.start()
    await asyncio.sleep(0.2)
    return w, coll, calls


async def _until(pred, timeout: float = 5.0) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not pred() and asyncio.get_running_loop().time() < end:  # noqa: ASYNC110 - polling a plain predicate
        await asyncio.sleep(0.02)


async def test_atomic_replace_is_read_at_once(tmp_path: Path) -> None:
    w, coll, calls = await _watch(tmp_path, debounce=2.0)
    try:
        tmp = tmp_path / ".new"
        tmp.write_bytes(DATA.replace(b"sohosai", b"edited"))
        t0 = asyncio.get_running_loop().time()
        os.replace(tmp, coll)
        await _until(lambda: calls)
        assert calls and calls[0][1] == {"collection"}
        assert calls[0][0] - t0 < 1.0  # well under the 2 s debounce: a replaced, complete file
    finally:
        await w.stop()


async def test_in_place_write_waits_for_the_end_tag(tmp_path: Path) -> None:
    w, coll, calls = await _watch(tmp_path, debounce=0.2)
    try:
        with open(coll, "wb") as f:  # noqa: ASYNC230 - Traktor writing slowly in place
            f.write(DATA[: len(DATA) // 3])
            f.flush()
            await asyncio.sleep(0.6)
            f.write(DATA[len(DATA) // 3 : 2 * len(DATA) // 3])
            f.flush()
            await asyncio.sleep(0.6)
            f.write(DATA[2 * len(DATA) // 3 :])
        await _until(lambda: calls)
        await asyncio.sleep(0.5)
        assert len(calls) == 1 and calls[0][2]  # one read, of the complete file
    finally:
        await w.stop()


async def test_history_files_and_other_files(tmp_path: Path) -> None:
    w, _, calls = await _watch(tmp_path, debounce=0.1)
    try:
        (tmp_path / "Traktor Settings.tsi").write_text("x")  # ignored
        await asyncio.sleep(0.4)
        assert calls == []
        (tmp_path / "History" / "history_2024y01m01d_00h00m00s.nml").write_bytes(DATA)
        await _until(lambda: calls)
        assert calls and calls[0][1] == {"history"}
    finally:
        await w.stop()


async def test_poll_backs_up_missed_events(tmp_path: Path) -> None:
    coll = tmp_path / "sub" / "collection.nml"
    coll.parent.mkdir()
    coll.write_bytes(DATA)
    calls: list[set[str]] = []

    async def cb(what: set[str]) -> None:
        calls.append(what)

    w = CollectionWatcher(coll, None, cb, debounce=0.05, poll_interval=0.2)
    w.start()
    try:
        if w._observer is not None:  # simulate a file system that drops events
            w._observer.unschedule_all()
        await asyncio.sleep(0.1)
        coll.write_bytes(DATA + b"\n")
        await _until(lambda: calls, timeout=3)
        assert calls == [{"collection"}]
    finally:
        await w.stop()


@pytest.mark.parametrize("layout", ["beside", "elsewhere"])
async def test_a_history_folder_made_later_is_watched_and_read(tmp_path: Path, layout: str) -> None:
    """Traktor makes History/ on the first saved set: the sets in it are read, later ones are seen live."""
    coll = tmp_path / "collection.nml"
    coll.write_bytes(DATA)
    root = tmp_path if layout == "beside" else tmp_path / "root"  # [traktor] root set apart from the file
    root.mkdir(exist_ok=True)
    calls: list[set[str]] = []

    async def cb(what: set[str]) -> None:
        calls.append(what)

    w = CollectionWatcher(coll, root / "History", cb, debounce=0.1, poll_interval=60)  # no poll: events only
    w.start()
    try:
        await asyncio.sleep(0.2)
        (root / "History").mkdir()
        (root / "History" / "history_2024y01m01d_00h00m00s.nml").write_bytes(DATA)
        await _until(lambda: calls)
        await asyncio.sleep(0.3)
        assert calls == [{"history"}]
        (root / "History" / "history_2024y01m02d_00h00m00s.nml").write_bytes(DATA)
        await _until(lambda: len(calls) > 1)
        assert calls == [{"history"}, {"history"}]
    finally:
        await w.stop()


async def test_poll_notices_a_history_folder_whose_creation_was_missed(tmp_path: Path) -> None:
    coll = tmp_path / "collection.nml"
    coll.write_bytes(DATA)
    calls: list[set[str]] = []

    async def cb(what: set[str]) -> None:
        calls.append(what)

    w = CollectionWatcher(coll, tmp_path / "History", cb, debounce=0.05, poll_interval=0.2)
    w.start()
    try:
        assert w._observer is not None
        w._observer.unschedule_all()  # simulate a file system that drops events
        (tmp_path / "History").mkdir()
        (tmp_path / "History" / "history_2024y01m01d_00h00m00s.nml").write_bytes(DATA)
        await _until(lambda: calls, timeout=3)
        assert calls == [{"history"}]
        calls.clear()
        (tmp_path / "History" / "history_2024y01m02d_00h00m00s.nml").write_bytes(DATA)  # watched now
        await _until(lambda: calls, timeout=3)
        assert calls == [{"history"}]
    finally:
        await w.stop()
