"""Notification rules: switches by rule, kind or prefix (unknown kinds on), quiet hours across midnight,
config errors worded for config.toml, and AppContext.notify applying them to any kind."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest

from musictool.config import ConfigError, load_config
from musictool.home import Home
from musictool.model.notifications import Policy, actions_for, parse_quiet_hours
from musictool.service import build_context
from musictool.store import notifications


def test_switches_by_rule_kind_and_prefix_unknown_kinds_on() -> None:
    p = Policy(switches={"price_drop": False, "traktor": False, "sync_failure": True, "plugin.x": False})
    assert not p.enabled("price_drop") and not p.enabled("price_target")  # one rule, its kinds
    assert not p.enabled("traktor.write_queued") and not p.enabled("traktor.error")
    assert p.enabled("discogs.auth") and p.enabled("new_release") and p.enabled("gap_buyable")
    assert p.enabled("something.new") and not p.enabled("plugin.x")


def test_quiet_hours_cross_midnight() -> None:
    p = Policy(quiet=parse_quiet_hours("22:00-07:30"))
    assert p.quiet_until(datetime(2026, 1, 1, 21, 59)) is None
    assert p.quiet_until(datetime(2026, 1, 1, 23, 0)) == datetime(2026, 1, 2, 7, 30)
    assert p.quiet_until(datetime(2026, 1, 2, 3, 0)) == datetime(2026, 1, 2, 7, 30)
    assert p.quiet_until(datetime(2026, 1, 2, 7, 30)) is None
    day = Policy(quiet=parse_quiet_hours("12:00-13:00"))
    assert day.quiet_until(datetime(2026, 1, 1, 12, 30)) == datetime(2026, 1, 1, 13, 0)
    assert day.quiet.__class__ is tuple and day.quiet[0] == time(12, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('quiet_hours = "10pm-7am"', "must look like '22:00-07:00'"),
        ('quiet_hours = "25:00-07:00"', "impossible time"),
        ("rules = { price_drop = 0 }", "rules.price_drop must be true or false"),
        ("digest_after = 0", "digest_after must be at least 1"),
    ],
)
def test_bad_notify_settings_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[notify]\n{body}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(cfg)


def test_actions_follow_what_the_notification_carries() -> None:
    ids = lambda kind, data: [a["id"] for a in actions_for(kind, data)]  # noqa: E731
    assert ids("price_drop", {"release_id": 1, "url": "https://x"}) == [
        "open_listing", "add_to_wishlist", "open_dashboard"
    ]
    assert ids("price_below_target", {"url": "https://shop/x"}) == ["open_listing", "add_to_wishlist", "open_dashboard"]
    # the extension's store-page price at or below target: already on the wishlist
    assert ids("price_target", {"wishlist_id": 3, "url": "https://shop/x"}) == ["open_listing", "open_dashboard"]
    assert ids("discogs.auth", {"status": 401}) == ["open_dashboard"]
    assert ids("whatever", None) == ["open_dashboard"]


async def test_notify_applies_the_switches_to_any_kind(tmp_path: Path) -> None:
    home = Home(tmp_path / "h")
    home.ensure()
    home.config.write_text('[notify]\ndesktop = false\nrules = { price_drop = false, "ext.other" = false }\n')
    ctx = await build_context(home, load_config(home.config))
    try:
        assert await ctx.notify("price_below_target", "Below target", data={"url": "https://s/1"}) is None
        assert await ctx.notify("ext.other", "Off by name") is None
        row = await ctx.notify("ext.page_seen", "A kind nobody listed", data={"url": "https://s/2"})
        assert row is not None and [a["id"] for a in row["actions"]] == ["open_listing", "open_dashboard"]
        assert await ctx.notify("new_release", "One", dedupe_key="k") is not None
        assert await ctx.notify("new_release", "One", dedupe_key="k") is None  # one per event
        items, total = await notifications.list_(ctx.db, 10, 0)
        assert total == 2 and {i["kind"] for i in items} == {"ext.page_seen", "new_release"}
        assert await notifications.unread_counts(ctx.db) == {"unread": 2, "attention": 0}
    finally:
        await ctx.db.close()
