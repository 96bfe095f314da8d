"""New releases from the artists and labels the user collects most, plus an explicit follow list.

Each run reads one page (100, newest year first) of each artist's release list and the first and last
page of each label's list (label lists have no documented sort; Discogs appends new ones). A release
we have not seen before for that artist or label is announced as a `discogs.new_release` event and a
notification; the first time an artist or label is polled everything on it is only remembered, so
nothing already out is announced. Cost: 1 request per artist, at most 2 per label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from musictool.integrations.discogs import mapping
from musictool.integrations.discogs.client import DiscogsClient, DiscogsNotFound
from musictool.store import discogs as store

log = logging.getLogger(__name__)


@dataclass
class WatchSettings:
    top_artists: int = 10
    top_labels: int = 10
    follow_artists: list[int] = field(default_factory=list)
    follow_labels: list[int] = field(default_factory=list)


def item_key(item: dict[str, Any]) -> str:
    return f"{item.get('type') or 'release'}:{item['id']}"


class NewReleaseWatcher:
    def __init__(
        self, db: Any, client: DiscogsClient, settings: WatchSettings, notify: Any, events: Any
    ) -> None:
        self.db = db
        self.client = client
        self.s = settings
        self.notify = notify
        self.events = events

    async def entities(self) -> list[tuple[str, int, str | None]]:
        out: list[tuple[str, int, str | None]] = []
        seen: set[tuple[str, int]] = set()
        for kind, n, follow in (
            ("artist", self.s.top_artists, self.s.follow_artists),
            ("label", self.s.top_labels, self.s.follow_labels),
        ):
            top = await store.top_entities(self.db, kind, n) if n > 0 else []
            for eid, name in [(int(f), None) for f in follow] + [(int(r["id"]), r["name"]) for r in top]:
                if (kind, eid) not in seen:
                    seen.add((kind, eid))
                    out.append((kind, eid, name))
        return out

    async def _items(self, kind: str, eid: int) -> list[dict[str, Any]]:
        if kind == "artist":
            return (await self.client.artist_releases(eid, 1, 100))["items"]
        first = await self.client.label_releases(eid, 1, 100)
        items = list(first["items"])
        if first["pages"] > 1:
            items += (await self.client.label_releases(eid, first["pages"], 100))["items"]
        return items

    async def run(self, job: Any) -> dict[str, Any]:
        entities = await self.entities()
        announced = 0
        for n, (kind, eid, name) in enumerate(entities, 1):
            job.raise_if_cancelled()
            try:
                items = await self._items(kind, eid)
            except DiscogsNotFound:
                log.info("discogs %s %s not found; skipped", kind, eid)
                continue
            known = await store.watch_entity(self.db, kind, eid)
            seen = await store.seen_keys(self.db, kind, eid)
            new = [
                {"key": item_key(i), "title": i.get("title"), "year": i.get("year"), "raw": i}
                for i in items
                if item_key(i) not in seen
            ]
            first_poll = known is None
            await store.record_watch(self.db, kind, eid, name, new, not first_poll, mapping.now_iso())
            if not first_poll:
                for it in new:
                    announced += await self._announce(kind, eid, name or (known or {}).get("name"), it)
            await job.progress(n, len(entities), f"{kind} {name or eid}")
        return {"entities": len(entities), "announced": announced}

    async def _announce(self, kind: str, eid: int, name: str | None, it: dict[str, Any]) -> int:
        raw = it["raw"]
        who = raw.get("artist") or name or f"{kind} {eid}"
        data = {
            "key": it["key"],
            "release_id": raw.get("id"),
            "type": raw.get("type") or "release",
            "title": raw.get("title"),
            "artist": raw.get("artist"),
            "year": raw.get("year"),
            "via": {"type": kind, "id": eid, "name": name},
            "url": f"https://www.discogs.com/{raw.get('type') or 'release'}/{raw.get('id')}",
        }
        self.events.publish("discogs.new_release", data)
        row = await self.notify(
            "new_release",
            f"New release: {who} – {raw.get('title')}",
            f"via the {kind} {name or eid} you collect" + (f" ({raw['year']})" if raw.get("year") else ""),
            data,
            dedupe_key=f"discogs.new_release:{it['key']}",
        )
        return 1 if row is not None else 0
