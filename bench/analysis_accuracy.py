"""Audio analysis accuracy and speed, ours beside librosa's stock estimators, measured in the same run.

Data: (1) synthetic dance tracks from testkit/synth.py with exactly known tempo and key (tempi 90-175 BPM,
all 24 keys, detuned up to +-30 cents), written to FLAC and analysed through the full file path;
(2) the annotated real audio in ../shared/fixtures/audio (annotations.json), grouped by how sure the truth
is and with the short clips (< 10 s) reported separately.

Figures: tempo accuracy within 4 % (octave errors count as wrong; "+alt" also accepts the annotated
alternative), share within 0.5 BPM where the tempo is exact, MIREX key score, and x real time per core
(audio seconds / CPU seconds of one process, decode included, one thread).

    .venv/bin/python bench/analysis_accuracy.py [--smoke] [--tracks 48] [--duration 60]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "daemon"))
sys.path.insert(0, str(ROOT))

from musictool.analysis.analyze import AnalysisOptions, analyze_file  # noqa: E402
from musictool.analysis.keys import mirex_score, parse_key  # noqa: E402
from testkit import synth  # noqa: E402

SHARED = Path(os.environ.get("MUSICTOOL_SHARED", ROOT.parent / "shared"))
AUDIO = SHARED / "fixtures" / "audio"

KS_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KS_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def librosa_baseline(path: Path) -> tuple[float | None, tuple[int, bool] | None, float]:
    """librosa's stock beat_track tempo and a chroma + Krumhansl-Schmuckler template key; CPU seconds."""
    import librosa

    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, sr = librosa.load(str(path), sr=22050, mono=True)
        tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
        bpm = float(np.atleast_1d(tempo)[0]) if np.atleast_1d(tempo).size else None
        t_tempo = time.process_time() - t0
        chroma = librosa.feature.chroma_stft(y=y, sr=sr).mean(axis=1)
    x = (chroma - chroma.mean()) / (chroma.std() + 1e-12)
    best, best_r = None, -2.0
    for minor, prof in ((False, KS_MAJOR), (True, KS_MINOR)):
        for t in range(12):
            p = np.roll(prof, t)
            r = float(np.mean(x * (p - p.mean()) / p.std()))
            if r > best_r:
                best, best_r = (t, minor), r
    return bpm or None, best, t_tempo


def tempo_ok(est: float | None, truth: float, alts: list[float] | None = None, tol: float = 0.04) -> bool:
    if est is None:
        return False
    return any(abs(est - t) <= tol * t for t in [truth, *(alts or [])])


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, **row: object) -> None:
        self.rows.append(row)

    def summary(self, name: str, rows: list[dict]) -> None:
        tempo_rows = [r for r in rows if r.get("bpm_truth")]
        key_rows = [r for r in rows if r.get("key_truth")]
        exact_rows = [r for r in tempo_rows if r.get("exact")]
        dur = sum(r["duration"] for r in rows) or 1e-9
        print(f"\n== {name}: {len(rows)} files, {dur:.0f} s of audio")
        if tempo_rows:
            for who in ("ours", "librosa"):
                acc = np.mean([tempo_ok(r[f"bpm_{who}"], r["bpm_truth"]) for r in tempo_rows])
                acc_alt = np.mean(
                    [tempo_ok(r[f"bpm_{who}"], r["bpm_truth"], r.get("bpm_alt")) for r in tempo_rows]
                )
                line = f"  tempo {who:8s} within 4 %: {acc:6.1%}  (+alt {acc_alt:6.1%}, n={len(tempo_rows)})"
                if exact_rows:
                    fine = np.mean(
                        [
                            r[f"bpm_{who}"] is not None and abs(r[f"bpm_{who}"] - r["bpm_truth"]) <= 0.5
                            for r in exact_rows
                        ]
                    )
                    line += f"   within 0.5 BPM (exact tempo): {fine:6.1%} (n={len(exact_rows)})"
                print(line)
        if key_rows:
            for who in ("ours", "librosa"):
                score = np.mean([r[f"mirex_{who}"] for r in key_rows])
                exact = np.mean([r[f"mirex_{who}"] == 1.0 for r in key_rows])
                print(f"  key   {who:8s} MIREX {score:.3f}   exact {exact:6.1%}  (n={len(key_rows)})")
        ours = sum(r["cpu_ours"] for r in rows)
        ours_tempo = sum(r["cpu_ours_tempo"] for r in rows)
        lib = sum(r["cpu_librosa_tempo"] for r in rows)
        print(
            f"  speed x real time per core: ours full analysis {dur / max(ours, 1e-9):6.1f} x (decode, tempo, key,"
            f" energy, loudness, quality);  tempo only: ours {dur / max(ours_tempo, 1e-9):6.1f} x,"
            f" librosa load+beat_track {dur / max(lib, 1e-9):6.1f} x"
        )


def tempo_only_cpu(path: Path, opts: AnalysisOptions) -> float:
    """CPU seconds of our decode + tempo alone: the same scope as librosa's load + beat_track."""
    from musictool.analysis import decode, features, tempo

    t0 = time.process_time()
    y = decode.to_mono_rate(decode.load(path), features.ANALYSIS_SR)
    spec = features.stft_mag(y)
    tempo.estimate(features.onset_envelope(spec), spec.fps, opts.bpm_min, opts.bpm_max)
    return time.process_time() - t0


def run_file(path: Path, opts: AnalysisOptions, truth_bpm: float | None, truth_key: str | None) -> dict:
    res = analyze_file(path, opts)
    tempo_cpu = tempo_only_cpu(path, opts) if res.error is None else 0.0
    lib_bpm, lib_key, lib_cpu = librosa_baseline(path)
    row = {"file": path.name, "duration": res.duration or 0.0, "bpm_truth": truth_bpm, "key_truth": truth_key,
           "bpm_ours": res.bpm, "bpm_librosa": lib_bpm, "key_ours": res.key, "cpu_ours": res.seconds or 0.0,
           "cpu_librosa_tempo": lib_cpu, "cpu_ours_tempo": tempo_cpu, "error": res.error}  # fmt: skip
    if truth_key:
        t = parse_key(truth_key)
        row["mirex_ours"] = mirex_score(parse_key(res.key), t) if res.key else 0.0
        row["mirex_librosa"] = mirex_score(lib_key, t) if lib_key else 0.0
        row["key_librosa"] = f"{lib_key}"
    return row


def print_rows(rows: list[dict]) -> None:
    print(
        f"  {'file':38s} {'dur':>6s} {'truth':>7s} {'ours':>7s} {'librosa':>7s}  {'key truth':10s} {'ours':10s} mirex"
    )
    for r in rows:

        def f(v: object) -> str:
            return f"{v:7.2f}" if isinstance(v, float | int) else f"{'-':>7s}"

        print(
            f"  {r['file'][:38]:38s} {r['duration']:6.1f} {f(r['bpm_truth'])} {f(r['bpm_ours'])} {f(r['bpm_librosa'])}  "
            f"{(r['key_truth'] or '-'):10s} {(r['key_ours'] or '-'):10s} {r.get('mirex_ours', '')}"
            + (f"  ERROR {r['error']}" if r.get("error") else "")
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few short tracks (CI)")
    ap.add_argument("--tracks", type=int, default=48)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    n, dur = (6, 20.0) if args.smoke else (args.tracks, args.duration)
    opts = AnalysisOptions()
    table = Table()

    print(f"synthetic: {n} tracks x {dur:.0f} s; real: {AUDIO}")
    # warm both up (librosa's numba JIT, our FFT plans and imports) so first-call costs are not timed
    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        librosa.beat.beat_track(
            y=np.random.default_rng(0).standard_normal(22050 * 5).astype(np.float32), sr=22050
        )
    with tempfile.TemporaryDirectory() as tmp:
        analyze_file(
            synth.write(synth.TrackSpec(bpm=120, tonic=0, minor=False, duration=5.0), Path(tmp) / "w.flac")
        )
    synth_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, spec in enumerate(synth.suite(n, dur)):
            path = synth.write(
                spec, Path(tmp) / f"synth_{i:02d}_{spec.bpm:g}bpm_{spec.key.replace(' ', '_')}.flac"
            )
            row = run_file(path, opts, spec.bpm, spec.key)
            row["exact"] = True
            synth_rows.append(row)
    if args.verbose:
        print_rows(synth_rows)
    table.summary("synthetic dance tracks (exact tempo and key)", synth_rows)

    ann_path = AUDIO / "annotations.json"
    if not ann_path.exists():
        print(f"\n(no annotated audio at {AUDIO}; set MUSICTOOL_SHARED)")
        return 0
    annotations = json.loads(ann_path.read_text())
    if args.smoke:
        annotations = [
            a
            for a in annotations
            if a["id"] in ("essentia_techno_loop", "essentia_dubstep", "giantsteps_key_10089")
        ]
    real = []
    for a in annotations:
        row = run_file(AUDIO / a["path"], opts, a.get("bpm"), a.get("key"))
        row.update(tier=a["tier"], short=bool(a.get("short")), bpm_alt=a.get("bpm_alt"), genre=a.get("genre", ""),
                   exact=a["tier"] == "derived")  # fmt: skip
        real.append(row)
    print("\nreal annotated audio (every file):")
    print_rows(real)
    steady = [r for r in real if r["tier"] == "derived" or "EDM" in r["genre"] and r["bpm_truth"]]
    table.summary(
        "real: steady dance tracks (techno loop, dubstep, GiantSteps EDM; derived/annotated)", steady
    )
    table.summary("real: long clips (>= 10 s), every tier", [r for r in real if not r["short"]])
    table.summary("real: short clips (< 10 s), every tier", [r for r in real if r["short"]])
    in_range = [r for r in real if r["bpm_truth"] and 85 <= r["bpm_truth"] <= 175 and not r["short"]]
    table.summary("real: long clips whose truth lies in the dance range 85-175", in_range)

    # most real clips are not dance music (waltz 84, folk 74, song 191): with a range wide enough for them
    # the fold no longer forces an octave, at the price of more octave ambiguity
    wide = AnalysisOptions(bpm_min=60.0, bpm_max=200.0)
    rows = []
    for a, r in zip(annotations, real, strict=True):
        if a.get("bpm") and not a.get("short"):
            res = analyze_file(AUDIO / a["path"], wide)
            rows.append({**r, "bpm_ours": res.bpm})
    print("\nreal long clips with [analysis] bpm_min = 60, bpm_max = 200:")
    for r in rows:
        print(
            f"  {r['file'][:38]:38s} truth {r['bpm_truth']:7.2f}  ours {r['bpm_ours'] or 0:7.2f}  librosa {r['bpm_librosa'] or 0:7.2f}"
        )
    acc = np.mean([tempo_ok(r["bpm_ours"], r["bpm_truth"]) for r in rows])
    lib = np.mean([tempo_ok(r["bpm_librosa"], r["bpm_truth"]) for r in rows])
    print(f"  tempo within 4 %: ours {acc:6.1%}   librosa {lib:6.1%}   (n={len(rows)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
