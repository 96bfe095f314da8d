"""Which notifications reach the desktop, and when: per-kind switches, quiet hours, a digest for bursts.

Any kind is accepted (a component or a plugin may raise a kind nobody listed here): unknown kinds are on,
can be switched off by name like the known ones, and go through the same quiet hours and digest. Storage
and the API never depend on these rules, except that a switched-off kind is not kept at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

# rule name -> the kinds it covers (what the user switches in [notify] rules)
RULES: dict[str, tuple[str, ...]] = {
    "price_drop": ("price_drop", "price_target", "price_below_target"),
    "new_release": ("new_release",),
    "gap_buyable": ("gap_buyable",),
    "traktor_write_waiting": ("traktor.write_queued",),
    "sync_failure": ("discogs.auth", "discogs.sync_failed", "enrich.acoustid_key"),
}
# kinds that mean the user has to do something: the tray shows "needs attention" while one is unread
ATTENTION_KINDS = frozenset(
    {
        "discogs.auth",
        "discogs.sync_failed",
        "enrich.acoustid_key",
        "traktor.error",
        "traktor.write_failed",
        "config",
    }
)
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class RuleError(ValueError):
    """A [notify] setting that cannot be understood; worded for config.toml."""


def rule_of(kind: str) -> str:
    """The rule name a kind is switched by: its listed rule, else the kind itself."""
    for rule, kinds in RULES.items():
        if kind in kinds:
            return rule
    return kind


def parse_quiet_hours(text: str | None) -> tuple[time, time] | None:
    """'22:00-07:00' -> (22:00, 07:00); empty -> None. The span may cross midnight."""
    if not text:
        return None
    m = _HHMM.match(text)
    if not m:
        raise RuleError(f"[notify] quiet_hours must look like '22:00-07:00', not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise RuleError(f"[notify] quiet_hours has an impossible time: {text!r}")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise RuleError(f"[notify] quiet_hours starts and ends at the same time: {text!r}")
    return start, end


@dataclass(frozen=True)
class Policy:
    switches: dict[str, bool] = field(default_factory=dict)
    quiet: tuple[time, time] | None = None
    digest_after: int = 3
    digest_window: float = 30.0

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> Policy:
        switches = section.get("rules") or {}
        for name, on in switches.items():
            if not isinstance(on, bool):
                raise RuleError(f"[notify] rules.{name} must be true or false, not {on!r}")
        digest_after = section.get("digest_after", 3)
        window = section.get("digest_window", 30.0)
        if digest_after < 1:
            raise RuleError("[notify] digest_after must be at least 1")
        if window < 0:
            raise RuleError("[notify] digest_window must not be negative")
        return cls(dict(switches), parse_quiet_hours(section.get("quiet_hours")), digest_after, float(window))

    def enabled(self, kind: str) -> bool:
        """Off when the kind, its rule or its prefix ('traktor' for 'traktor.error') is switched off."""
        for name in (kind, rule_of(kind), kind.split(".", 1)[0]):
            if name in self.switches:
                return self.switches[name]
        return True

    def quiet_until(self, now: datetime) -> datetime | None:
        """When the current quiet hours end, or None outside them (local time)."""
        if self.quiet is None:
            return None
        start, end = self.quiet
        t = now.time()
        inside = (start <= t < end) if start < end else (t >= start or t < end)
        if not inside:
            return None
        until = now.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        return until if until > now else until + timedelta(days=1)


def actions_for(kind: str, data: dict[str, Any] | None) -> list[dict[str, str]]:
    """The buttons a notification carries: what can be done about it from the desktop or the tray."""
    data = data or {}
    actions = []
    if data.get("url"):
        actions.append({"id": "open_listing", "label": "Open listing"})
    wanted = rule_of(kind) in ("price_drop", "new_release", "gap_buyable") and not data.get("wishlist_id")
    if wanted and (data.get("release_id") or data.get("url")):
        actions.append({"id": "add_to_wishlist", "label": "Add to wishlist"})
    actions.append({"id": "open_dashboard", "label": "Open dashboard"})
    return actions
