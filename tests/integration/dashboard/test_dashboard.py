"""The dashboard in Debian's Chromium against a real daemon on the demo data: every page renders with no error,
shows the API's numbers, draws its charts, acts (gap -> wishlist), updates live, fits a phone, survives a
daemon restart; the static files need no token, hold no data and ask nothing of any other host."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from testkit.demo import Demo
from testkit.fixtures_path import REPO
from tests.integration.dashboard.conftest import watch

WEB = REPO / "daemon" / "musictool" / "web"
PAGES = ["overview", "gaps", "wishlist", "collection", "library", "health", "activity"]
pytestmark = pytest.mark.slow


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def open_dashboard(browser: Any, demo: Demo, page: str = "overview", **kw: Any):  # noqa: ANN201
    w = watch(browser, demo, **kw)
    w.page.goto(f"{demo.url}/#token={demo.daemon.token}")
    w.page.wait_for_selector("main[data-page=overview]")
    if page != "overview":
        w.page.click(f"nav.tabs a[href='#/{page}']")
        w.page.wait_for_selector(f"main[data-page={page}]")
    settle(w.page)
    return w


def settle(page: Any) -> None:
    """Until no part of the page is still loading (not "networkidle": the event stream never idles)."""
    for _ in range(2):
        page.wait_for_function("() => !document.querySelector('.loading, main:empty')")
        page.wait_for_timeout(250)


# -- the static files ------------------------------------------------------------------------------------------


def test_static_files_need_no_token_hold_no_data_and_carry_a_csp(demo: Demo) -> None:
    status, headers, body = fetch(demo.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert demo.daemon.token.encode() not in body
    status, headers, body = fetch(demo.url + "/ui/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert fetch(demo.url + "/ui/no-such.js")[0] == 404
    assert fetch(demo.url + "/ui/%2e%2e/api/app.py")[0] == 404  # nothing outside the web folder
    assert fetch(demo.url + "/ui/..%2fapi%2fapp.py")[0] == 404
    # the guard still applies: DNS rebinding (Host) and foreign pages (Origin) are refused
    assert fetch(demo.url + "/", {"Host": "evil.example:80"})[0] == 403
    assert fetch(demo.url + "/", {"Origin": "http://evil.example"})[0] == 403
    # the page's own origin is "the daemon's own pages": accepted, for the page and for the API with the token
    own = {"Origin": demo.url}
    assert fetch(demo.url + "/", own)[0] == 200
    assert fetch(demo.url + "/api/v1/status", {**own, "Authorization": f"Bearer {demo.daemon.token}"})[0] == 200
    assert fetch(demo.url + "/api/v1/status", own)[0] == 401  # the page's origin alone is not a token


def test_page_weight_is_within_400_kb_and_licences_ship() -> None:
    weight = sum(p.stat().st_size for p in WEB.rglob("*") if p.suffix in (".js", ".css", ".html", ".svg"))
    assert weight <= 400 * 1024, f"dashboard weighs {weight} bytes"
    for lib in ("preact", "htm", "uplot"):
        assert (WEB / "vendor" / f"LICENSE.{lib}").stat().st_size > 500
    for path in WEB.rglob("*"):
        if path.suffix in (".js", ".css", ".html"):
            code = re.sub(r"(?<![:\w\"'])//.*|/\*[\s\S]*?\*/|<!--[\s\S]*?-->", "", path.read_text())
            # links the user may follow (Discogs pages) and namespace names are fine; nothing loads from elsewhere
            hosts = set(re.findall(r"(?:https?:)?//([a-z0-9.-]+\.[a-z]{2,})", code)) - {"www.discogs.com", "www.w3.org"}  # w3.org: XML namespace names
            assert not hosts, f"{path.name} names other hosts: {sorted(hosts)}"


def test_chart_aggregates_add_up_to_the_collection(demo: Demo) -> None:
    api = demo.daemon.api()
    months = api.get("/stats/growth")["months"]
    assert [m["month"] for m in months] == sorted(m["month"] for m in months)
    assert sum(m["records"] for m in months) == api.get("/status")["discogs"]["counts"]["releases"]
    assert sum(m["tracks"] for m in months) == api.get("/tracks", limit=1)["total"]  # every demo track is dated
    overall = api.get("/completion", limit=1)["overall"]
    assert months[-1]["digitisation_rate"] == overall["rate"]  # by the last month every record is owned
    lib = api.get("/stats/library")
    assert sum(b["tracks"] for b in lib["bpm"]) + lib["no_bpm"] == lib["tracks"]
    assert sum(k["tracks"] for k in lib["keys"]) + lib["no_key"] == lib["tracks"]
    genres = api.get("/stats/genres", top=3)
    assert len(genres["top_styles"]) == 3
    assert sum(sum(y["styles"].values()) for y in genres["by_year_added"]) == sum(s["records"] for s in genres["styles"])
    spending = api.get("/stats/spending")
    wanted = {w["status"]: w for w in spending["wishlist"]}.get("wanted", {"items": 0})
    assert wanted["items"] == api.get("/wishlist", status="wanted", limit=1)["total"]
    assert spending["collection_value"]["records"] == 40
    # charts are kept between requests until a match run (or an ingest, a sync) says their inputs moved
    gap = api.get("/gaps", limit=1)["items"][0]
    api.post(f"/gaps/{gap['release_id']}/{gap['position']}/ignore", {"reason": "a skit"})
    demo.wait_idle()
    changed = api.get("/completion", limit=1)["overall"]
    assert changed["tracks"] == overall["tracks"] - 1
    assert api.get("/stats/growth")["months"][-1]["digitisation_rate"] == changed["rate"]


# -- in the browser (the page's CSP forbids eval, so waits pass functions, not expressions) --------------------------------------------------------------------------------------------


def test_token_leaves_the_address_bar_and_every_page_renders_cleanly(browser: Any, demo: Demo) -> None:
    # the address `musictool open` hands the browser
    printed = subprocess.run(
        [sys.executable, "-m", "musictool", "open", "--print"],
        env=demo.daemon.env(), capture_output=True, text=True, timeout=30, check=True,
    ).stdout.strip()  # fmt: skip
    assert printed.startswith(demo.url + "/#token=")
    w = watch(browser, demo)
    try:
        w.page.goto(printed)
        w.page.wait_for_selector("main[data-page=overview]")
        settle(w.page)
        assert "token" not in w.page.url and demo.daemon.token not in w.page.url
        assert w.page.evaluate("sessionStorage.getItem('musictool.token')") == demo.daemon.token
        assert w.page.evaluate("history.length") == 2  # about:blank, then the page: replaced, not pushed
        for name in PAGES:
            w.page.click(f"nav.tabs a[href='#/{name}']")
            w.page.wait_for_selector(f"main[data-page={name}]")
            settle(w.page)
            assert w.page.locator("h1.page-title").inner_text().lower() == name
            assert w.page.locator(".failure").count() == 0, w.page.locator(".failure").first.inner_text()
        assert w.errors == []
        assert w.outside == [], "requests left 127.0.0.1"
        assert w.unauthenticated == []
    finally:
        w.close()


def test_the_numbers_on_the_page_are_the_apis(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    status = api.get("/status")
    w = open_dashboard(browser, demo)
    try:
        stat = lambda name: w.page.locator(f"[data-stat={name}] .stat-value").inner_text()  # noqa: E731
        assert digits(stat("tracks")) == status["traktor"]["tracks"] > 0
        assert digits(stat("records")) == status["discogs"]["counts"]["releases"] == 40
        assert stat("rate") == f"{status['library']['digitization']['rate'] * 100:.1f} %"
        assert digits(stat("gaps")) == api.get("/gaps", limit=1)["total"] > 0

        w.page.click("nav.tabs a[href='#/gaps']")
        w.page.wait_for_selector("main[data-page=gaps] [data-total]")
        assert int(w.page.get_attribute("[data-total]", "data-total")) == api.get("/gaps", limit=1)["total"]
        w.page.fill("input[name=artist]", "Golden")
        w.page.click("form.filters button[type=submit]")
        expected = api.get("/gaps", artist="Golden", limit=1)["total"]
        w.page.wait_for_selector(f"[data-total='{expected}']")
        assert w.page.locator("table.table tbody tr").count() == min(50, expected)

        w.page.click("nav.tabs a[href='#/library']")
        settle(w.page)
        total = api.get("/tracks", limit=1)["total"]
        assert f"of {total}" in w.page.locator(".pager").first.inner_text()
        assert w.page.locator("table.table tbody tr").count() == min(100, total)
        w.page.fill("input[name=q]", "promo")
        w.page.press("input[name=q]", "Enter")
        found = api.get("/tracks", q="promo", limit=1)["total"]
        w.page.wait_for_function(f"() => document.querySelectorAll('table.table tbody tr').length === {found}")
        w.page.click("th button.sort:has-text('BPM')")  # sorting is the daemon's: the first row is the slowest
        slowest = api.get("/tracks", q="promo", sort="bpm", limit=1)["items"][0]
        w.page.wait_for_function(
            "t => document.querySelector('table.table tbody tr td:nth-child(2)').innerText === t", arg=slowest["title"]
        )
        assert w.errors == []
    finally:
        w.close()


def _canvas_has_ink(page: Any, selector: str) -> bool:
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel + ' canvas')].some(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
            return false; })""",
        selector,
    )


def test_the_charts_draw_from_the_aggregates(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    w = open_dashboard(browser, demo)
    try:
        for chart in ("growth", "digitisation"):
            w.page.wait_for_selector(f"[data-chart={chart}] canvas")
            assert _canvas_has_ink(w.page, f"[data-chart={chart}]"), chart
        w.page.click("nav.tabs a[href='#/library']")
        w.page.wait_for_selector("[data-chart=bpm] canvas")
        assert _canvas_has_ink(w.page, "[data-chart=bpm]")
        assert w.page.locator("[data-chart=camelot] path").count() == 24
        keys = api.get("/stats/library")["keys"]
        shown = digits(w.page.locator("[data-chart=camelot] .wheel-centre").text_content())
        assert shown == sum(k["tracks"] for k in keys)
        w.page.click("nav.tabs a[href='#/collection']")
        settle(w.page)
        genres = api.get("/stats/genres")
        assert w.page.locator("[data-chart=genres] li").count() == min(10, len(genres["genres"]))
        assert w.page.locator("[data-chart=styles-by-year] .stack-row").count() == len(genres["by_year_added"])
        labels = api.get("/completion", by="label", limit=10)["items"]
        assert w.page.locator("[data-chart=completion-label] li").count() == len(labels)
        assert w.errors == []
    finally:
        w.close()


def test_gap_exports_download_what_the_api_exports(browser: Any, demo: Demo) -> None:
    w = open_dashboard(browser, demo, "gaps")
    try:
        w.page.fill("input[name=label]", "Records")
        w.page.click("form.filters button[type=submit]")
        expected = demo.daemon.api().get("/gaps", label="Records", limit=1)["total"]
        w.page.wait_for_selector(f"[data-total='{expected}']")
        with w.page.expect_download() as got:
            w.page.click("button[data-export=csv]")
        assert got.value.suggested_filename == "musictool-gaps.csv"
        text = Path(got.value.path()).read_text(encoding="utf-8-sig")
        assert len(text.strip().splitlines()) == expected + 1  # the header and the filtered gaps
        with w.page.expect_download() as got:
            w.page.click("button[data-export=html]")
        assert "<h1>Shopping list</h1>" in Path(got.value.path()).read_text(encoding="utf-8")
        assert w.errors == []
    finally:
        w.close()


def test_a_suggested_match_is_confirmed_from_the_page(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    w = open_dashboard(browser, demo, "gaps")
    try:
        row = w.page.locator("table.table tbody tr:has(button[data-action=confirm])").first
        title = row.locator("td[data-label=Title] strong").inner_text()
        gap = next(g for g in api.get("/gaps", limit=1000)["items"] if g["title"] == title and g["suggestion"])
        before = int(w.page.get_attribute("[data-total]", "data-total"))
        row.locator("button[data-action=confirm]").click()
        w.page.wait_for_selector(".toast:has-text('Match confirmed')")
        match = api.get("/matches", release_id=gap["release_id"], status="all", limit=100)["items"]
        mine = next(m for m in match if m["position"] == gap["position"])
        assert mine["status"] == "confirmed" and mine["track_id"] == gap["suggestion"]["track_id"]
        w.page.wait_for_selector(f"[data-total='{before - 1}']", timeout=15_000)
        assert w.errors == []
    finally:
        w.close()


def test_a_gap_goes_to_the_wishlist_from_the_page(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    w = open_dashboard(browser, demo, "gaps")
    try:
        row = w.page.locator("table.table tbody tr:has(button[data-action=wishlist])").first
        title = row.locator("td[data-label=Title] strong").inner_text()
        row.locator("button[data-action=wishlist]").click()
        w.page.wait_for_selector(f".toast:has-text('{title}')")
        items = api.get("/wishlist", limit=1000)["items"]
        assert [i for i in items if i["title"] == title and i["source"] == "api"]
        w.page.wait_for_selector(f"tr:has(td[data-label=Title] strong:text-is('{title}')) [data-wanted]")
        w.page.click("nav.tabs a[href='#/wishlist']")
        settle(w.page)
        assert w.page.locator(f"table.table td:has-text('{title}')").count() == 1
        w.page.fill("input[name=budget]", "10")
        w.page.click("#plan button[type=submit]")
        w.page.wait_for_selector("[data-plan]")
        plan = api.post("/wishlist/plan", {"budget": 10})
        n = len(plan["chosen"])
        assert f"buys {n} item{'s' if n != 1 else ''} (priority" in w.page.locator("[data-plan]").inner_text()
        assert w.errors == []
    finally:
        w.close()


def test_health_lists_issues_and_settles_a_conflict(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    assert api.get("/conflicts", limit=1)["total"] > 0, "the demo's misspelt titles disagree with Discogs"
    w = open_dashboard(browser, demo, "health")
    try:
        health = api.get("/library/health")
        assert digits(w.page.locator("[data-stat=health-score] .stat-value").inner_text()) == health["score"]
        kind, count = next((k, n) for k, n in health["issues"].items() if n)  # the demo's files are not on disk
        w.page.click(f"button[data-kind={kind}]")
        w.page.wait_for_selector(f"[data-issues={kind}] table.table tbody tr")
        assert w.page.locator(f"[data-issues={kind}] table.table tbody tr").count() == min(10, count)
        row = w.page.locator("#conflicts table.table tbody tr:not(:has([data-settled]))").first
        track = row.locator("td[data-label=Track]").inner_text()
        wanted = row.locator("li:has-text('(discogs)')").inner_text().removeprefix("Keep").strip().split(" (")[0]
        row.locator("li:has-text('(discogs)') button[data-action=settle]").click()
        w.page.wait_for_selector(".toast")
        settled = [c for c in api.get("/conflicts", limit=1000)["items"] if c["effective"]["source"] == "user"]
        assert [c["effective"]["value"] for c in settled] == [wanted]
        w.page.locator("#conflicts table.table tbody tr", has_text=track).locator("[data-settled]").wait_for()
        assert w.errors == []
    finally:
        w.close()


def test_live_job_progress_and_gaps_change_without_a_reload(browser: Any, demo: Demo) -> None:
    api = demo.daemon.api()
    w = open_dashboard(browser, demo)
    try:
        w.page.wait_for_selector("[data-live=live]")
        job = api.post("/discogs/sync", {"full": True})
        w.page.wait_for_selector(f"[data-job='{job['id']}'][data-kind='discogs.sync'] progress", timeout=15_000)
        w.page.wait_for_selector(f"[data-job='{job['id']}'][data-status=running], [data-job='{job['id']}'][data-status=succeeded]")
        demo.daemon.wait_job(job["id"], timeout=120)
        demo.wait_idle()

        w.page.click("nav.tabs a[href='#/gaps']")
        w.page.wait_for_selector("[data-total]")
        before = int(w.page.get_attribute("[data-total]", "data-total"))
        gap = api.get("/gaps", limit=1)["items"][0]
        api.post(f"/gaps/{gap['release_id']}/{gap['position']}/ignore", {"reason": "test"})
        w.page.wait_for_selector(f"[data-total='{before - 1}']", timeout=15_000)  # matches.updated -> refetch
        assert w.errors == []
    finally:
        w.close()


def test_a_notification_appears_without_a_reload(browser: Any, demo: Demo) -> None:
    w = open_dashboard(browser, demo, "activity")
    try:
        w.page.wait_for_selector("[data-live=live]")
        before = w.page.locator("[data-notification]").count()
        note = demo.daemon.api().post("/notifications/test", {})
        w.page.wait_for_selector(f"[data-notification='{note['id']}']", timeout=15_000)
        assert w.page.locator("[data-notification]").count() == min(10, before + 1)
        assert note["title"] in w.page.locator(f"[data-notification='{note['id']}']").inner_text()
        assert w.errors == []
    finally:
        w.close()


def test_phone_width_has_no_horizontal_scrolling(browser: Any, demo: Demo) -> None:
    w = open_dashboard(browser, demo, width=390, height=844, scheme="dark")
    try:
        for name in PAGES:
            w.page.click(f"nav.tabs a[href='#/{name}']")
            w.page.wait_for_selector(f"main[data-page={name}]")
            settle(w.page)
            assert w.page.evaluate("document.documentElement.scrollWidth") <= 390, name
        # the header row is hidden on a phone: sorting is a menu there
        fastest = demo.daemon.api().get("/tracks", sort="-bpm", limit=1)["items"][0]
        w.page.click("nav.tabs a[href='#/library']")
        settle(w.page)
        w.page.select_option(".sort-menu select", "-bpm")
        w.page.wait_for_function(
            "t => document.querySelector('table.table tbody tr td[data-label=Title]').innerText === t",
            arg=fastest["title"],
        )
        assert w.errors == []
    finally:
        w.close()


def test_dark_light_toggle_and_keyboard(browser: Any, demo: Demo) -> None:
    w = open_dashboard(browser, demo, scheme="dark")
    bg = "getComputedStyle(document.body).backgroundColor"
    try:
        assert w.page.evaluate(bg) == "rgb(18, 18, 22)"  # follows the system
        w.page.click("[data-theme-toggle]")  # system -> light
        w.page.wait_for_selector("html[data-theme=light]")
        assert w.page.evaluate(bg) == "rgb(245, 245, 247)"
        w.page.reload()
        w.page.wait_for_selector("main[data-page]")
        assert w.page.get_attribute("html", "data-theme") == "light"  # remembered; token kept by the tab
        for _ in range(12):  # the navigation is reachable with Tab and followed with Enter
            w.page.keyboard.press("Tab")
            if w.page.evaluate("document.activeElement.getAttribute('href')") == "#/gaps":
                break
        w.page.keyboard.press("Enter")
        w.page.wait_for_selector("main[data-page=gaps]")
    finally:
        w.close()


def test_without_a_token_it_says_how_to_open_it(browser: Any, demo: Demo) -> None:
    w = watch(browser, demo)
    try:
        w.page.goto(demo.url + "/")
        text = w.page.locator("main[data-page=no-token]").inner_text()
        assert "musictool open" in text
        assert w.errors == [] and w.outside == []
    finally:
        w.close()


def test_a_wrong_token_says_how_to_reopen(browser: Any, demo: Demo) -> None:
    w = watch(browser, demo)
    try:
        w.page.goto(demo.url + "/#token=not-the-token")
        banner = w.page.wait_for_selector("[data-banner=unauthorized]")
        assert "musictool open" in banner.inner_text()
    finally:
        w.close()


def test_it_reconnects_after_the_daemon_restarts(browser: Any, demo: Demo) -> None:
    w = open_dashboard(browser, demo)
    try:
        w.page.wait_for_selector("[data-live=live]")
        demo.daemon.stop()
        w.page.wait_for_selector("[data-banner=down]", timeout=15_000)
        demo.daemon.start()
        w.page.wait_for_selector("[data-live=live]", timeout=30_000)
        w.page.wait_for_selector("[data-banner]", state="detached")
        assert digits(w.page.locator("[data-stat=records] .stat-value").inner_text()) == 40
    finally:
        w.close()


def test_docs_screenshots_exist() -> None:
    shots = Path(REPO / "docs" / "dashboard")
    for name in PAGES:
        for form in ("desktop", "phone"):
            assert (shots / f"{name}-{form}.png").stat().st_size > 10_000, f"{name}-{form}.png"
