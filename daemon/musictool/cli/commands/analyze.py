"""`musictool analyze FILE...`: tempo, key, energy, loudness and quality of audio files, computed locally
(no daemon needed). `musictool analyze --library` / `--tracks ID...` asks the daemon to analyse its
library and follows the job with a progress bar.

Exit status: 0 when every file was analysed, 1 when any file could not be (its line carries an `error`),
2 for a usage error."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from musictool.config import ConfigError, load_config
from musictool.home import Home


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse audio files (tempo, key, energy, loudness, quality)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="*", metavar="FILE", help="audio files to analyse locally")
    p.add_argument(
        "--json", action="store_true", help="one JSON object per line (path, bpm, key, camelot, ...)"
    )
    p.add_argument("--library", action="store_true", help="analyse the daemon's whole library (resumable)")
    p.add_argument(
        "--tracks", type=int, nargs="+", metavar="ID", help="analyse these library tracks in the daemon"
    )
    p.add_argument("--force", action="store_true", help="with --library: re-analyse unchanged files too")
    p.add_argument(
        "--no-wait", action="store_true", help="with --library/--tracks: print the job id and return"
    )
    p.add_argument("--workers", type=int, help="processes for local analysis (default: [analysis] workers)")
    p.add_argument("--bpm-min", type=float, help="tempo range low end (default: [analysis] bpm_min)")
    p.add_argument("--bpm-max", type=float, help="tempo range high end (default: [analysis] bpm_max)")
    p.add_argument("--no-quality", action="store_true", help="skip the codec/transcode check")
    p.set_defaults(func=run)


def _config_defaults(args: argparse.Namespace) -> tuple[float, float, int, float]:
    """[analysis] bpm_min, bpm_max, workers, max_minutes from config.toml (defaults when unreadable)."""
    bpm_min, bpm_max, workers, minutes = 85.0, 175.0, max(1, (os.cpu_count() or 2) - 1), 15.0
    try:
        sec = load_config(Home.resolve(getattr(args, "home", None)).config).section("analysis")
        bpm_min, bpm_max = float(sec.get("bpm_min", bpm_min)), float(sec.get("bpm_max", bpm_max))
        workers, minutes = int(sec.get("workers", workers)), float(sec.get("max_minutes", minutes))
    except ConfigError as exc:
        print(f"musictool: configuration error (using defaults): {exc}", file=sys.stderr)
    except OSError:
        pass
    return bpm_min, bpm_max, workers, minutes


def _fmt(v: object, spec: str = "") -> str:
    return "-" if v is None else format(v, spec)


def run_local(args: argparse.Namespace) -> int:
    # imported here: numpy/scipy cost ~1 s, which every other `musictool` command must not pay
    from musictool.analysis.analyze import AnalysisOptions
    from musictool.analysis.pool import analyze_many

    bpm_min, bpm_max, workers, minutes = _config_defaults(args)
    bpm_min = args.bpm_min if args.bpm_min is not None else bpm_min
    bpm_max = args.bpm_max if args.bpm_max is not None else bpm_max
    if not 20 <= bpm_min < bpm_max <= 400:
        print(
            "musictool: the tempo range must span an octave (bpm_max >= 2 x bpm_min) within 20-400",
            file=sys.stderr,
        )
        return 2
    opts = AnalysisOptions(
        bpm_min=bpm_min,
        bpm_max=bpm_max,
        with_quality=not args.no_quality,
        max_analysis_seconds=60.0 * minutes,
    )
    workers = max(1, min(args.workers or workers, len(args.files)))
    failed = 0
    if not args.json:
        print(f"{'bpm':>7}  {'key':9} {'camelot':7} {'energy':>6} {'LUFS':>6} {'time':>6}  file")
    for res in analyze_many([str(Path(f)) for f in args.files], opts, workers=workers):
        failed += bool(res.error)
        if args.json:
            print(json.dumps(res.cli_dict(), ensure_ascii=False), flush=True)
        elif res.error:
            print(f"{'error':>7}  {res.error}", flush=True)
        else:
            mins = f"{int(res.duration // 60)}:{int(res.duration % 60):02d}" if res.duration else "-"
            print(f"{_fmt(res.bpm, '7.2f')}  {_fmt(res.key):9} {_fmt(res.camelot):7} {_fmt(res.energy, '6d')} "
                  f"{_fmt(res.loudness_lufs, '6.1f')} {mins:>6}  {res.path}", flush=True)  # fmt: skip
    return 1 if failed else 0


def run_daemon(args: argparse.Namespace) -> int:
    from musictool.cli.client import ApiClient, ApiError
    from musictool.cli.output import follow_job

    api = ApiClient.from_args(args)
    body: dict = {"library": True, "force": args.force} if args.library else {"track_ids": args.tracks}
    if args.tracks and args.force:
        body["force"] = True
    try:
        started = api.post("/analysis", body)
    except ApiError as exc:
        print(f"musictool: {exc}", file=sys.stderr)
        return 1
    job_id = started["id"]
    if args.no_wait:
        print(job_id)
        return 0
    job = follow_job(api, job_id)
    result = job.get("result") or {}
    while job["status"] == "succeeded" and result.get("continued_in"):  # a library pass runs in slices
        job = follow_job(api, int(result["continued_in"]))
        result = job.get("result") or {}
    if job["status"] == "succeeded":
        parts = [f"{result.get(k, 0)} {k}" for k in ("analysed", "skipped", "failed")]
        print("analysis finished: " + ", ".join(parts))
        return 0
    return 1


def run(args: argparse.Namespace) -> int:
    if args.library or args.tracks:
        if args.files:
            print("musictool: give FILEs or --library/--tracks, not both", file=sys.stderr)
            return 2
        return run_daemon(args)
    if not args.files:
        print("musictool: nothing to analyse: give audio FILEs, --library or --tracks ID...", file=sys.stderr)
        return 2
    return run_local(args)
