"""`musictool demo`: try MusicTool without a Discogs account or a Traktor library.

Writes the bundled sample collection.nml into a demo home, serves the bundled sample Discogs collection
from a local stand-in, starts the daemon against both, syncs, and prints the status and the first gaps with
store links. The daemon keeps running until Ctrl-C (or stops at once with --exit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import platformdirs

from musictool.cli.client import ApiClient, ApiError
from musictool.cli.commands import gaps as gaps_cmd
from musictool.cli.commands import status as status_cmd
from musictool.cli.output import active_jobs, console, follow_job, heading, wait_idle
from musictool.demo import DemoDirError, prepare
from musictool.demo.standin import StandIn
from musictool.home import Home

START_TIMEOUT = 60.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the daemon on bundled sample collections (no account needed)")
    p.add_argument(
        "--dir",
        type=Path,
        default=Path(os.environ.get("MUSICTOOL_DEMO_HOME") or platformdirs.user_data_dir("musictool-demo")),
        help="the demo's home folder, cleared on each run (default: $MUSICTOOL_DEMO_HOME or a folder "
        "beside the real home); never your own home",
    )
    p.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("MUSICTOOL_DEMO_PORT") or 7667),
        help="API port (default: $MUSICTOOL_DEMO_PORT or 7667; taken or 0: any free port)",
    )
    p.add_argument("--gaps", type=int, default=10, metavar="N", help="how many gaps to print")
    p.add_argument("--exit", action="store_true", help="stop the daemon after printing, do not wait for Ctrl-C")
    p.set_defaults(func=run)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _any_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_daemon(home: Home) -> subprocess.Popen[bytes]:
    log = open(home.root / "daemon-output.log", "wb")  # noqa: SIM115 - the child keeps writing to it
    cmd = [sys.executable, "-m", "musictool", "--home", str(home.root), "serve"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                "musictool: the demo daemon stopped while starting:\n"
                + (home.root / "daemon-output.log").read_text(errors="replace")[-3000:]
            )
        if home.runtime.exists():
            try:
                ApiClient.from_home(home).get("/health")
                return proc
            except Exception:  # noqa: BLE001 - not listening yet
                pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"musictool: the demo daemon did not answer within {START_TIMEOUT:.0f} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through run()'s finally: the daemon and stand-in stop too


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _terminated)
    out = console()
    standin = StandIn()
    discogs_url = standin.start()
    port = args.port if args.port and _free(args.port) else _any_port()
    try:
        home = Home.resolve(prepare(args.dir.expanduser().resolve(), port, discogs_url))
    except DemoDirError as exc:
        standin.stop()
        print(f"musictool: {exc}", file=sys.stderr)
        return 2
    out.print(f"Demo home {home.root}: a sample Traktor collection and a sample Discogs collection", style="bold")
    proc = _start_daemon(home)
    try:
        api = ApiClient.from_home(home)
        heading(out, "syncing the demo Discogs collection")
        job = follow_job(api, api.post("/discogs/sync", {"full": True})["id"])
        if job["status"] != "succeeded":
            print(f"musictool: the demo sync {job['status']}: {job.get('error')}", file=sys.stderr)
            return 1
        wait_idle(api, "matching your records with the library")
        heading(out, "status")
        status_cmd.render(api.get("/status"), out, jobs=active_jobs(api))
        heading(out, "the first gaps: tracks on your records that are not in your DJ library")
        gaps_cmd.render(api.get("/gaps", limit=args.gaps), "beatport", out)
        env = f"MUSICTOOL_HOME={home.root}"
        out.print(
            f"\nMusicTool is running on the demo data.\n"
            f"  API:    {api.base_url}\n"
            f"  token:  {home.token}\n"
            f"  home:   {home.root} (config.toml, musictool.db, logs/)\n"
            f"  more:   {env} musictool tracks | playlists | gaps | plan --budget 50 | status\n"
            f"  yours:  musictool import discogs-csv <your Discogs export.csv>, or set [discogs] in config.toml",
            highlight=False,
            soft_wrap=True,
        )
        if args.exit:
            return 0
        out.print("Press Ctrl-C to stop.")
        with contextlib.suppress(KeyboardInterrupt):
            proc.wait()
        return 0
    except ApiError as exc:
        print(f"musictool: the demo daemon refused a call: {json.dumps(exc.body)}", file=sys.stderr)
        return 1
    finally:
        _stop(proc)
        standin.stop()
