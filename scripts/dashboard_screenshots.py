"""Take the README's dashboard screenshots: every page at desktop (1280 px, light) and phone (390 px, dark)
width, on the demo data (the Discogs fake, the demo Traktor collection, a real daemon), with Debian's Chromium.

    PYTHONPATH=. .venv/bin/python scripts/dashboard_screenshots.py [--out docs/dashboard]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from testkit.demo import Demo

PAGES = ["overview", "gaps", "wishlist", "collection", "library", "health", "activity"]
FORMS = {"desktop": (1280, 900, "light", 1700), "phone": (390, 844, "dark", 1500)}


def seed_wishlist(demo: Demo) -> None:
    """A few wanted tracks, some with a price, and marketplace prices, so the wishlist, plan, spending and the
    collection's value have something to show."""
    api = demo.daemon.api()
    for n, gap in enumerate(api.get("/gaps", limit=6)["items"]):
        body = {"release_id": gap["release_id"], "position": gap["position"]}
        if n % 2 == 0:
            body["target_price"] = 1.49 + n
        api.post("/wishlist", body)
    job = api.post("/discogs/prices", {})  # marketplace figures: price history, the collection's value
    demo.daemon.wait_job(job["id"], timeout=180)
    demo.wait_idle()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "dashboard")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Demo(Path(tmp)).start()
        try:
            seed_wishlist(demo)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium")
                for form, (width, height, scheme, most) in FORMS.items():
                    ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                    page = ctx.new_page()
                    page.goto(f"{demo.url}/#token={demo.daemon.token}")
                    for name in PAGES:
                        page.evaluate(f"location.hash = '#/{name}'")
                        page.wait_for_selector(f"main[data-page={name}]")
                        page.wait_for_function("() => !document.querySelector('.loading')")
                        if name == "wishlist":
                            page.click("#plan button[type=submit]")
                            page.wait_for_selector("[data-plan]")
                        page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top
                        page.wait_for_timeout(600)
                        full = page.evaluate("document.documentElement.scrollHeight")
                        page.screenshot(
                            path=args.out / f"{name}-{form}.png",
                            full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": min(full, most)},
                        )
                        print(args.out / f"{name}-{form}.png")
                    ctx.close()
                browser.close()
        finally:
            demo.stop()


if __name__ == "__main__":
    main()
