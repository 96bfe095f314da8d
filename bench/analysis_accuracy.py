"""Audio analysis accuracy and speed: ours beside librosa and essentia, on the same files, in the same run.

Data: (1) synthetic dance tracks from testkit/synth.py with exactly known tempo and key (tempi 90-175 BPM,
all 24 keys, detuned up to +-30 cents), written to FLAC; (2) the annotated real audio in
../shared/fixtures/audio (annotations.json), grouped by how sure the truth is, short clips (< 10 s) apart.

Peers (each loads the file its own way; its load is counted in its time):
  tempo  librosa  load (22,050 Hz) + beat.beat_track
         essentia MonoLoader (44,100 Hz) + RhythmExtractor2013 (multifeature)
  key    librosa  load + feature.chroma_cqt (librosa's own tuning estimate) averaged over the track, matched
                  to the Krumhansl-Kessler profiles: librosa has no key estimator, the profile match is the
                  one piece written here
         essentia MonoLoader + KeyExtractor, profiles "edma" (EDM) and "bgate" (its default)

Tempo is compared like with like: every estimate, ours and the peers', is folded into the same window before
scoring, since ours always is: [analysis] bpm_min..bpm_max (85-175 by default), give or take the 2.5 % our
refinement may move past its edges (SLACK) ("acc1": within 4 % of the truth, "+alt" also accepting the
annotated alternative). "acc2" forgives octave errors (x2, x1/2, x3, x1/3)
and so needs no fold at all. Key: MIREX score and share exact. Speed: x real time per core (audio seconds /
CPU seconds of one process, one thread, the file's decode included). Every figure is followed by its ratio
to the peers measured in this run.

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
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "daemon"))
sys.path.insert(0, str(ROOT))

from musictool.analysis import decode, features, key, tempo  # noqa: E402
from musictool.analysis.analyze import AnalysisOptions, analyze_file  # noqa: E402
from musictool.analysis.keys import key_name, mirex_score, parse_key  # noqa: E402
from testkit import synth  # noqa: E402
from testkit.fixtures_path import FIXTURES  # noqa: E402

AUDIO = FIXTURES / "audio"
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
TEMPO_PEERS = ("ours", "librosa", "essentia")
KEY_PEERS = ("ours", "librosa", "essentia edma", "essentia bgate")


# Our estimate is the best tempo of the range [lo, hi] refined by up to 2 % and then 0.5 % (tempo.refine), so
# it can end up to 2.5 % outside the range (83.5 BPM from 85-175): the peers are folded into the same window.
SLACK = 0.025


def fold(bpm: float | None, lo: float, hi: float) -> float | None:
    """An estimate moved by octaves into the window our analysis can return for the range [lo, hi]."""
    if not bpm or bpm <= 0:
        return None
    while bpm < lo * (1 - SLACK):
        bpm *= 2
    while bpm > hi * (1 + SLACK):
        bpm /= 2
    return bpm


def tempo_ok(est: float | None, truth: float, alts: list[float] | None = None, tol: float = 0.04) -> bool:
    return est is not None and any(abs(est - t) <= tol * t for t in [truth, *(alts or [])])


def tempo_ok2(est: float | None, truth: float) -> bool:
    """acc2: right up to an octave (or a third) error."""
    return est is not None and any(tempo_ok(est * f, truth) for f in (1, 2, 0.5, 3, 1 / 3))


def _cpu(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.process_time()
    out = fn()
    return out, time.process_time() - t0


# -- the peers ------------------------------------------------------------------------------------------------


def ours(path: Path, opts: AnalysisOptions) -> dict[str, Any]:
    """Our full analysis, and decode + tempo alone and decode + key alone (the peers' scopes)."""
    res = analyze_file(path, opts)

    def only(what: str) -> Any:
        y = decode.to_mono_rate(decode.load(path), features.ANALYSIS_SR)
        if what == "key":
            return key.estimate(y, features.ANALYSIS_SR)
        spec = features.stft_mag(y)
        return tempo.estimate(features.onset_envelope(spec), spec.fps, opts.bpm_min, opts.bpm_max)

    ok = res.error is None
    return {"bpm": res.bpm, "key": parse_key(res.key) if res.key else None, "cpu_full": res.seconds or 0.0,
            "cpu_tempo": _cpu(lambda: only("tempo"))[1] if ok else 0.0,
            "cpu_key": _cpu(lambda: only("key"))[1] if ok else 0.0,
            "duration": res.duration or 0.0, "error": res.error}  # fmt: skip


def librosa_peer(path: Path) -> dict[str, Any]:
    import librosa

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (y, sr), t_load = _cpu(lambda: librosa.load(str(path), sr=22050, mono=True))
        (bpm, _), t_tempo = _cpu(lambda: librosa.beat.beat_track(y=y, sr=sr))
        chroma, t_chroma = _cpu(lambda: librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1))
    x = (chroma - chroma.mean()) / (chroma.std() + 1e-12)
    best, best_r = None, -2.0
    for minor, prof in ((False, KK_MAJOR), (True, KK_MINOR)):
        p = (prof - prof.mean()) / prof.std()
        for t in range(12):
            r = float(np.mean(x * np.roll(p, t)))
            if r > best_r:
                best, best_r = (t, minor), r
    bpm = float(np.atleast_1d(bpm)[0]) if np.atleast_1d(bpm).size else None
    return {"bpm": bpm or None, "key": best, "cpu_tempo": t_load + t_tempo, "cpu_key": t_load + t_chroma}


def essentia_peer(path: Path) -> dict[str, Any]:
    import essentia.standard as es

    audio, t_load = _cpu(lambda: es.MonoLoader(filename=str(path), sampleRate=44100)())
    out: dict[str, Any] = {}
    (bpm, *_), t_tempo = _cpu(lambda: es.RhythmExtractor2013(method="multifeature")(audio))
    out.update(bpm=float(bpm) or None, cpu_tempo=t_load + t_tempo)
    for profile in ("edma", "bgate"):
        (tonic, scale, _), t_key = _cpu(lambda p=profile: es.KeyExtractor(profileType=p)(audio))
        out[f"key {profile}"] = parse_key(f"{tonic} {scale}") if tonic else None
        out[f"cpu_key {profile}"] = t_load + t_key
    return out


def essentia_available() -> bool:
    try:
        import essentia

        essentia.log.infoActive = False
        essentia.log.warningActive = False  # "No network created" once per algorithm
        return True
    except ImportError:
        return False


def run_file(path: Path, opts: AnalysisOptions, truth_bpm: float | None, truth_key: str | None, with_essentia: bool) -> dict:
    o = ours(path, opts)
    lib = librosa_peer(path)
    ess = essentia_peer(path) if with_essentia else {}
    lo, hi = opts.bpm_min, opts.bpm_max
    row: dict[str, Any] = {
        "file": path.name, "duration": o["duration"], "bpm_truth": truth_bpm, "key_truth": truth_key,
        "error": o["error"], "cpu_full ours": o["cpu_full"],
        "bpm ours": fold(o["bpm"], lo, hi), "raw librosa": lib["bpm"], "raw essentia": ess.get("bpm"),
        "bpm librosa": fold(lib["bpm"], lo, hi), "bpm essentia": fold(ess.get("bpm"), lo, hi),
        "cpu_tempo ours": o["cpu_tempo"], "cpu_tempo librosa": lib["cpu_tempo"],
        "cpu_tempo essentia": ess.get("cpu_tempo"),
        "key ours": o["key"], "key librosa": lib["key"],
        "key essentia edma": ess.get("key edma"), "key essentia bgate": ess.get("key bgate"),
        "cpu_key ours": o["cpu_key"], "cpu_key librosa": lib["cpu_key"],
        "cpu_key essentia edma": ess.get("cpu_key edma"), "cpu_key essentia bgate": ess.get("cpu_key bgate"),
    }  # fmt: skip
    if truth_key:
        t = parse_key(truth_key)
        for who in KEY_PEERS:
            est = row[f"key {who}"]
            row[f"mirex {who}"] = mirex_score(est, t) if est else 0.0
    return row


# -- reporting ------------------------------------------------------------------------------------------------


def _ratios(values: dict[str, float], higher_is_better: bool = True) -> str:
    """ours / each peer, as measured in this run."""
    out = []
    for who, v in values.items():
        if who == "ours" or v is None:
            continue
        if v == 0:
            out.append(f"{who} scored 0")
            continue
        out.append(f"x{values['ours'] / v:.2f} of {who}")
    return "  (ours: " + ", ".join(out) + ")" if out else ""


def summary(name: str, rows: list[dict], peers_t: tuple[str, ...], peers_k: tuple[str, ...]) -> None:
    tempo_rows = [r for r in rows if r.get("bpm_truth")]
    key_rows = [r for r in rows if r.get("key_truth")]
    exact_rows = [r for r in tempo_rows if r.get("exact")]
    dur = sum(r["duration"] for r in rows) or 1e-9
    print(f"\n== {name}: {len(rows)} files, {dur:.0f} s of audio")
    if tempo_rows:
        acc1 = {w: float(np.mean([tempo_ok(r[f"bpm {w}"], r["bpm_truth"]) for r in tempo_rows])) for w in peers_t}
        alt = {w: float(np.mean([tempo_ok(r[f"bpm {w}"], r["bpm_truth"], r.get("bpm_alt")) for r in tempo_rows]))
               for w in peers_t}  # fmt: skip
        acc2 = {w: float(np.mean([tempo_ok2(r[f"bpm {w}"], r["bpm_truth"]) for r in tempo_rows])) for w in peers_t}
        for w in peers_t:
            line = f"  tempo {w:15s} acc1 {acc1[w]:6.1%}  +alt {alt[w]:6.1%}  acc2 {acc2[w]:6.1%}"
            if exact_rows:
                fine = np.mean([r[f"bpm {w}"] is not None and abs(r[f"bpm {w}"] - r["bpm_truth"]) <= 0.5
                                for r in exact_rows])  # fmt: skip
                line += f"  within 0.5 BPM {fine:6.1%}"
            print(line + f"  (n={len(tempo_rows)})")
        print(f"  tempo acc1 ratio{_ratios(acc1)}")
    if key_rows:
        score = {w: float(np.mean([r[f"mirex {w}"] for r in key_rows])) for w in peers_k}
        for w in peers_k:
            exact = np.mean([r[f"mirex {w}"] == 1.0 for r in key_rows])
            print(f"  key   {w:15s} MIREX {score[w]:.3f}  exact {exact:6.1%}  (n={len(key_rows)})")
        print(f"  key MIREX ratio{_ratios(score)}")
    speed_t = {w: dur / max(sum(r[f"cpu_tempo {w}"] or 0 for r in rows), 1e-9) for w in peers_t}
    speed_k = {w: dur / max(sum(r[f"cpu_key {w}"] or 0 for r in rows), 1e-9) for w in peers_k}
    full = dur / max(sum(r["cpu_full ours"] for r in rows), 1e-9)
    print("  speed, x real time per core (decode included):")
    print("    tempo " + ", ".join(f"{w} {v:6.1f}x" for w, v in speed_t.items()) + _ratios(speed_t))
    print("    key   " + ", ".join(f"{w} {v:6.1f}x" for w, v in speed_k.items()) + _ratios(speed_k))
    print(f"    ours, the full analysis (decode, tempo, key, energy, loudness, quality): {full:6.1f}x")


def print_rows(rows: list[dict], peers_t: tuple[str, ...], peers_k: tuple[str, ...]) -> None:
    def f(v: object) -> str:
        return f"{v:7.2f}" if isinstance(v, float | int) else f"{'-':>7s}"

    def k(v: tuple[int, bool] | None) -> str:
        return key_name(*v) if v else "-"

    print(f"  {'file':34s} {'dur':>5s} {'truth':>7s} " + " ".join(f"{w[:8]:>8s}" for w in peers_t)
          + "  (raw peers)      key truth " + " ".join(f"{w[-8:]:>9s}" for w in peers_k))  # fmt: skip
    for r in rows:
        raw = " ".join(f(r.get(f"raw {w}")) for w in peers_t if w != "ours")
        print(f"  {r['file'][:34]:34s} {r['duration']:5.1f} {f(r['bpm_truth'])} "
              + " ".join(f" {f(r[f'bpm {w}'])}" for w in peers_t) + f"  ({raw})  {(r['key_truth'] or '-'):10s} "
              + " ".join(f"{k(r[f'key {w}']):>9s}" for w in peers_k)
              + (f"  ERROR {r['error']}" if r.get("error") else ""))  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="a few short tracks (CI)")
    ap.add_argument("--tracks", type=int, default=48)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--verbose", "-v", action="store_true")
    args = ap.parse_args()
    n, dur = (6, 20.0) if args.smoke else (args.tracks, args.duration)
    opts = AnalysisOptions()
    with_essentia = essentia_available()
    peers_t = TEMPO_PEERS if with_essentia else TEMPO_PEERS[:2]
    peers_k = KEY_PEERS if with_essentia else KEY_PEERS[:2]
    if not with_essentia:
        print("essentia is not installed (pip install -e '.[bench]'): comparing with librosa only")

    print(f"synthetic: {n} tracks x {dur:.0f} s; real: {AUDIO}; tempo folded into {opts.bpm_min:g}-{opts.bpm_max:g}")
    with tempfile.TemporaryDirectory() as tmp:
        # warm every estimator up (librosa's numba JIT, our FFT plans, imports) so first-call costs are not timed
        warm = synth.write(synth.TrackSpec(bpm=120, tonic=0, minor=False, duration=5.0), Path(tmp) / "w.flac")
        run_file(warm, opts, 120, "C major", with_essentia)
        synth_rows = []
        for i, spec in enumerate(synth.suite(n, dur)):
            path = synth.write(spec, Path(tmp) / f"synth_{i:02d}_{spec.bpm:g}bpm_{spec.key.replace(' ', '_')}.flac")
            synth_rows.append({**run_file(path, opts, spec.bpm, spec.key, with_essentia), "exact": True})
    if args.verbose:
        print_rows(synth_rows, peers_t, peers_k)
    summary("synthetic dance tracks (exact tempo and key)", synth_rows, peers_t, peers_k)

    ann_path = AUDIO / "annotations.json"
    if not ann_path.exists():
        print(f"\n(no annotated audio at {AUDIO}; set MUSICTOOL_SHARED)")
        return 0
    annotations = json.loads(ann_path.read_text())
    if args.smoke:
        keep = ("essentia_techno_loop", "essentia_dubstep", "giantsteps_key_10089", "gtzan_country.00000")
        annotations = [a for a in annotations if a["id"] in keep]
    real = []
    for a in annotations:
        row = run_file(AUDIO / a["path"], opts, a.get("bpm"), a.get("key"), with_essentia)
        row.update(tier=a["tier"], short=bool(a.get("short")), bpm_alt=a.get("bpm_alt"), genre=a.get("genre", ""),
                   exact=a["tier"] == "derived")  # fmt: skip
        real.append(row)
    print("\nreal annotated audio (every file; tempo folded, the peers' raw estimates in brackets):")
    print_rows(real, peers_t, peers_k)
    steady = [r for r in real if r["tier"] == "derived" or "EDM" in r["genre"] and r["bpm_truth"]]
    summary("real: steady dance tracks (techno loop, dubstep, GiantSteps EDM)", steady, peers_t, peers_k)
    summary("real: long clips (>= 10 s), every tier", [r for r in real if not r["short"]], peers_t, peers_k)
    summary("real: short clips (< 10 s), every tier", [r for r in real if r["short"]], peers_t, peers_k)
    summary("real: every file with a key annotation", [r for r in real if r["key_truth"]], peers_t, peers_k)

    # most real clips are not dance music (waltz 84, folk 74, song 191): a range wide enough for them, every
    # estimate folded into it the same way
    wide = AnalysisOptions(bpm_min=60.0, bpm_max=200.0)
    rows = []
    for a, r in zip(annotations, real, strict=True):
        if a.get("bpm") and not a.get("short"):
            res = analyze_file(AUDIO / a["path"], wide)
            rows.append({**r, "bpm ours": fold(res.bpm, 60.0, 200.0), **{f"bpm {w}": fold(r[f"raw {w}"], 60.0, 200.0) for w in peers_t[1:]}})
    if rows:
        print("\nreal long clips, every tempo folded into 60-200 ([analysis] bpm_min = 60, bpm_max = 200):")
        for r in rows:
            print(f"  {r['file'][:38]:38s} truth {r['bpm_truth']:7.2f}  "
                  + "  ".join(f"{w} {r[f'bpm {w}'] or 0:7.2f}" for w in peers_t))  # fmt: skip
        acc = {w: float(np.mean([tempo_ok(r[f"bpm {w}"], r["bpm_truth"]) for r in rows])) for w in peers_t}
        print("  tempo acc1: " + "  ".join(f"{w} {v:6.1%}" for w, v in acc.items()) + f"  (n={len(rows)})" + _ratios(acc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
