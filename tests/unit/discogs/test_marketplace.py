"""Marketplace prices for wants: history, one notification per drop, target prices."""

from __future__ import annotations

from musictool.store import discogs as store
from musictool.store import notifications
from testkit.fakes.discogs.server import FakeDiscogs
from tests.unit.discogs.conftest import Factory, run_job


async def price_notes(ctx) -> list[dict]:  # noqa: ANN001
    items, _ = await notifications.list_(ctx.db, 100, 0, False, "price_drop")
    return items


async def test_prices_history_and_one_notification_per_drop(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory(price_drop_percent=10.0)
    await run_job(ctx, "discogs.sync")
    wants = list(fake.users["demo"].wants)
    a, b = wants[0], wants[1]
    fake.set_price(a, 20.0, 4)
    fake.set_price(b, 9.5, 2)
    await store.set_want_target(ctx.db, b, 8.0)
    fake.log.clear()
    job = await run_job(ctx, "discogs.prices")
    assert job["result"] == {"priced": 5, "drops": 0, "wants": 5, "gap_releases": 0}
    assert len(fake.requests("/marketplace/stats/")) == 5
    assert len(fake.requests("/marketplace/price_suggestions/")) == 5
    latest = await store.latest_price(ctx.db, a)
    assert (
        latest["lowest_price"] == 20.0 and latest["num_for_sale"] == 4 and "Mint (M)" in latest["suggestions"]
    )

    steps = [
        (a, 19.0, 0),
        (a, 17.5, 1),
        (a, 17.5, 0),
        (a, 17.0, 0),
        (a, 15.0, 1),
        (b, 9.0, 0),
        (b, 7.5, 1),
        (b, 7.5, 0),
        (b, 7.0, 0),
    ]
    for rid, price, expected in steps:
        fake.set_price(rid, price)
        before = len(await price_notes(ctx))
        await run_job(ctx, "discogs.prices")
        assert len(await price_notes(ctx)) - before == expected, (rid, price)
    notes = await price_notes(ctx)
    assert {n["data"]["reason"] for n in notes} == {"drop", "target"}
    history = await store.price_history(ctx.db, a)
    assert [h["lowest_price"] for h in history][-6:] == [15.0, 17.0, 17.5, 17.5, 19.0, 20.0]  # newest first


async def test_nothing_for_sale_is_stored_as_null(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory()
    await run_job(ctx, "discogs.sync")
    rid = next(iter(fake.users["demo"].wants))
    fake.set_price(rid, None, None)
    await run_job(ctx, "discogs.prices")
    latest = await store.latest_price(ctx.db, rid)
    assert latest["lowest_price"] is None and latest["num_for_sale"] is None


async def test_gap_releases_get_the_budget_left_after_wants(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory(prices_per_run=8)
    await run_job(ctx, "discogs.sync")
    owned = [i["id"] for i in fake.users["demo"].instances[:4]]
    # three releases with a vinyl track that has no digital copy (the library's matches table), one matched
    await ctx.db.executemany(
        "INSERT INTO matches (release_id, position, status) VALUES (?, 'A1', ?)",
        [(owned[0], "none"), (owned[1], "suggested"), (owned[2], "none"), (owned[3], "matched")],
    )
    job = await run_job(ctx, "discogs.prices")
    assert job["result"] == {"priced": 8, "drops": 0, "wants": 5, "gap_releases": 3}
    assert await store.latest_price(ctx.db, owned[0]) is not None
    assert await store.latest_price(ctx.db, owned[3]) is None
    job = await run_job(ctx, "discogs.prices")  # gap releases are re-priced weekly, wants every run
    assert job["result"]["wants"] == 5 and job["result"]["gap_releases"] == 0


async def test_a_gap_release_that_goes_on_sale_notifies_once(fake: FakeDiscogs, app_factory: Factory) -> None:
    ctx = await app_factory(prices_per_run=8)
    stale = "UPDATE prices SET fetched_at = '2000-01-01T00:00:00.000Z'"  # gap releases: weekly, unless stale
    await run_job(ctx, "discogs.sync")
    owned = fake.users["demo"].instances[0]["id"]
    await ctx.db.execute("INSERT INTO matches (release_id, position, status) VALUES (?, 'A1', 'none')", (owned,))
    fake.set_price(owned, None, 0)
    await run_job(ctx, "discogs.prices")  # first look: nothing for sale, no news
    fake.set_price(owned, 12.5, 3)
    await ctx.db.execute(stale)
    await run_job(ctx, "discogs.prices")
    await ctx.db.execute(stale)
    await run_job(ctx, "discogs.prices")  # still on sale: no second notice
    notes, _ = await notifications.list_(ctx.db, 10, 0, False, "gap_buyable")
    assert len(notes) == 1
    note = notes[0]
    assert note["data"]["release_id"] == owned and note["data"]["num_for_sale"] == 3
    assert [a["id"] for a in note["actions"]] == ["open_listing", "add_to_wishlist", "open_dashboard"]
