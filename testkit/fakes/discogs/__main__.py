"""Run the fake Discogs API standalone (manual testing, benchmarks; the demo has its own stand-in).

python -m testkit.fakes.discogs --port 8765 --username demo --releases 40 --token demo-token
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from testkit.fakes.discogs.server import FakeDiscogs, start


def main() -> None:
    ap = argparse.ArgumentParser(description="fake Discogs API v2 on 127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--username", default="demo")
    ap.add_argument("--token", default="demo-token", help="the personal access token the fake accepts")
    ap.add_argument("--releases", type=int, default=40, help="collection size")
    ap.add_argument("--wants", type=int, default=10)
    ap.add_argument("--limit", type=int, default=60, help="requests per window (authenticated)")
    ap.add_argument(
        "--window", type=float, default=60.0, help="moving window in seconds (lower it for benches)"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fixture-user", action="store_true", help="also serve the captured user 'example'")
    args = ap.parse_args()

    fake = FakeDiscogs(limit=args.limit, window=args.window, seed=args.seed)
    fake.add_user(args.username, token=args.token, releases=args.releases, wants=args.wants)
    if args.fixture_user:
        fake.add_fixture_user()

    async def run() -> None:
        runner, base = await start(fake, args.port)
        print(
            f"fake Discogs at {base}  user={args.username}  token={args.token}  "
            f"releases={args.releases}  limit={args.limit}/{args.window:g}s",
            flush=True,
        )
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
