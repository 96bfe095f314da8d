"""Desktop notifications from a real daemon to a real D-Bus notification service (python-dbusmock on a
private session bus): a price drop in the fake Discogs marketplace gives one notification whose buttons
really add to the wishlist and open the listing; POST /notifications/test sends one that opens the
dashboard."""

from __future__ import annotations

from typing import Any

from testkit.fakes.discogs.server import FakeDiscogs, ServerThread
from tests.desktop.conftest import NotifyMock, opened, wait_for
from tests.integration.discogs.test_daemon_discogs import TOKEN, discogs_config


def test_price_drop_notifies_once_and_its_buttons_work(
    notify_mock: NotifyMock, browser: tuple[dict[str, str], Any], daemon_factory: Any
) -> None:
    env, log = browser
    fake = FakeDiscogs(limit=1000, window=1.0)
    fake.add_user("demo", token=TOKEN, releases=5, wants=2)
    with ServerThread(fake) as srv:
        d = daemon_factory({**discogs_config(srv.base_url), "notify": {"desktop": True}}, env=env)
        api = d.api()
        assert d.wait_job(api.post("/discogs/sync")["id"])["status"] == "succeeded"
        rid = sorted(fake.users["demo"].wants)[0]
        srv.call(fake.set_price, rid, 40.0, 3)
        assert d.wait_job(api.post("/discogs/prices")["id"])["status"] == "succeeded"
        assert notify_mock.calls() == []  # a first price is no drop
        srv.call(fake.set_price, rid, 30.0, 3)  # -25 %: past the default 10 %
        assert d.wait_job(api.post("/discogs/prices")["id"])["status"] == "succeeded"
        [call] = notify_mock.wait_calls(1)
        assert call["app"] == "MusicTool" and call["title"].startswith("Price drop: ")
        assert call["icon"].endswith("/musictool/notify/musictool.png")
        assert "USD 30.00" in call["body"] and "was USD 40.00" in call["body"]
        labels = set(call["actions"].values())
        assert {"Open listing", "Add to wishlist", "Open dashboard"} <= labels

        # the same price again is not a new drop: still exactly one notification, here and in the API
        assert d.wait_job(api.post("/discogs/prices")["id"])["status"] == "succeeded"
        notes = api.get("/notifications", kind="price_drop")["items"]
        assert len(notes) == 1 and len(notify_mock.calls()) == 1
        assert [a["label"] for a in notes[0]["actions"]] == ["Open listing", "Add to wishlist", "Open dashboard"]

        notify_mock.click(1, "Add to wishlist")
        item = d.wait_for(
            lambda: next((w for w in api.get("/wishlist")["items"] if w["release_id"] == rid), None),
            what="the wishlist item",
        )
        assert item["url"] == f"https://www.discogs.com/sell/release/{rid}" and item["status"] == "wanted"
        # a button press ends a notification (desktop-notifier forgets it): twice is through the API
        again = api.post(f"/notifications/{notes[0]['id']}/actions/add_to_wishlist")
        assert again == {"action": "add_to_wishlist", "wishlist_id": item["id"], "created": False}
        assert len([w for w in api.get("/wishlist")["items"] if w["release_id"] == rid]) == 1
        assert api.get("/notifications", kind="price_drop", unread="true")["total"] == 0  # acted on = read

        srv.call(fake.set_price, rid, 20.0, 2)  # the next drop: a second notification, its listing opened
        assert d.wait_job(api.post("/discogs/prices")["id"])["status"] == "succeeded"
        notify_mock.wait_calls(2)
        notify_mock.click(2, "Open listing")
        wait_for(lambda: opened(log), what="the browser to be asked")
        assert opened(log) == [f"https://www.discogs.com/sell/release/{rid}"]


def test_test_notification_opens_the_dashboard(
    notify_mock: NotifyMock, browser: tuple[dict[str, str], Any], daemon_factory: Any
) -> None:
    env, log = browser
    d = daemon_factory({"notify": {"desktop": True, "quiet_hours": "00:00-23:59"}}, env=env)
    row = d.api().post("/notifications/test")
    assert row["desktop"] == "sent"  # quiet hours do not hold back a test the user asked for
    [call] = notify_mock.wait_calls(1)
    assert call["title"] == "MusicTool test notification"
    assert list(call["actions"].values()) == ["Open dashboard"]
    notify_mock.click(1, "Open dashboard")
    wait_for(lambda: opened(log), what="the browser to be asked")
    assert opened(log) == [f"http://127.0.0.1:{d.port}/#token={d.token}"]
    assert d.api().get("/notifications", kind="test")["items"][0]["read_at"] is not None


def test_no_notification_service_breaks_nothing(daemon_factory: Any, tmp_path: Any) -> None:
    """No session bus at all: the test notification says so and stays in the API."""
    d = daemon_factory({"notify": {"desktop": True}}, env={"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/none"})
    row = d.api().post("/notifications/test")
    assert row["desktop"] == "unavailable"
    assert d.api().get("/notifications", kind="test")["total"] == 1
    assert d.api().get("/health")["status"] == "ok"
