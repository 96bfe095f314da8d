"""Which source's value wins: a ranked list of source tiers, optionally per field.

Default: user > tag = nml > analysis > musicbrainz = acoustid = discogs (the web). Within a tier the
higher confidence wins, then the most recent value. Values below `min_confidence` from the web never win
(they are still listed, and still counted in conflicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from musictool.model.fields import SOURCES

DEFAULT_ORDER: tuple[tuple[str, ...], ...] = (
    ("user",),
    ("tag", "nml"),
    ("analysis",),
    ("musicbrainz", "acoustid", "discogs"),
)
WEB_SOURCES = frozenset({"musicbrainz", "acoustid", "discogs"})


class PolicyError(ValueError):
    """The [provenance] configuration is not a valid ranking; the message names what is wrong."""


def parse_order(order: Sequence[Any], where: str = "[provenance] order") -> tuple[tuple[str, ...], ...]:
    """["user", "tag|nml", ["analysis"], ...] -> tiers. A tier is a source, "a|b" or a list of sources.
    Sources left out rank after every listed one, so a short list like ["user", "analysis"] is valid."""
    if not isinstance(order, list | tuple) or not order:
        raise PolicyError(f"{where} must be a non-empty list of sources")
    tiers: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for item in order:
        names = item.split("|") if isinstance(item, str) else item
        if not isinstance(names, list | tuple) or not names:
            raise PolicyError(f"{where}: {item!r} is not a source or a list of sources")
        tier = []
        for name in names:
            name = str(name).strip()
            if name not in SOURCES:
                raise PolicyError(f"{where}: unknown source {name!r} (known: {', '.join(SOURCES)})")
            if name in seen:
                raise PolicyError(f"{where}: source {name!r} is listed twice")
            seen.add(name)
            tier.append(name)
        tiers.append(tuple(tier))
    rest = tuple(s for s in SOURCES if s not in seen)
    if rest:
        tiers.append(rest)
    return tuple(tiers)


@dataclass(frozen=True)
class Policy:
    order: tuple[tuple[str, ...], ...] = DEFAULT_ORDER
    fields: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    min_confidence: float = 0.5

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> Policy:
        """Build from the [provenance] config section (keys order, fields, min_confidence)."""
        section = section or {}
        order = section.get("order")
        tiers = parse_order(order) if order else DEFAULT_ORDER
        per_field = {}
        for name, field_order in (section.get("fields") or {}).items():
            per_field[name] = parse_order(field_order, f"[provenance] fields.{name}")
        min_conf = section.get("min_confidence")
        min_conf = 0.5 if min_conf is None else float(min_conf)
        if not 0.0 <= min_conf <= 1.0:
            raise PolicyError("[provenance] min_confidence must be between 0 and 1")
        return cls(order=tiers, fields=per_field, min_confidence=min_conf)

    def rank(self, field_name: str, source: str) -> int:
        """0 is the most trusted tier."""
        for i, tier in enumerate(self.fields.get(field_name, self.order)):
            if source in tier:
                return i
        return len(SOURCES)

    def pick(self, field_name: str, candidates: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
        """The winning value among rows {source, confidence, recorded_at, ...}; None if none qualifies."""
        best = None
        best_key = None
        for row in candidates:
            if row["source"] in WEB_SOURCES and row["confidence"] < self.min_confidence:
                continue
            key = (-self.rank(field_name, row["source"]), row["confidence"], row["recorded_at"] or "")
            if best_key is None or key > best_key:
                best, best_key = row, key
        return best

    def describe(self) -> dict[str, Any]:
        """JSON-able form for the API."""
        return {
            "order": [list(t) for t in self.order],
            "fields": {k: [list(t) for t in v] for k, v in self.fields.items()},
            "min_confidence": self.min_confidence,
        }


DEFAULT_POLICY = Policy()
