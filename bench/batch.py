"""Batch catalog benchmark: 8 ten-minute tracks on 2 processes against 1 and on a Dask
LocalCluster of 2 worker processes (``--cluster local:2``, its start-up included), the cost
of two-pass loudness against a single pass, and peak RSS.

    python bench/batch.py [--minutes 10] [--tracks 8]

Writes into bench/out/ (ignored by git) and prints a table.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import sensory
from sensory.batch.runner import run
from sensory.engine.context import keep_heap

OUT = Path(__file__).parent / "out" / "batch"
PRESETS = ("pink", "brown", "white", "alpha-drift")


def catalog(folder: Path, tracks: int, minutes: float) -> Path:
    lines = ["[defaults]", "loudness = -18", "true_peak = -1", "sample_rate = 48000", ""]
    for i in range(tracks):
        lines += ["[[track]]", f'preset = "{PRESETS[i % len(PRESETS)]}"', f"duration = {minutes * 60:g}",
                  f'output = "t{i}.flac"', f"seed = {i}", ""]
    path = folder / "catalog.toml"
    path.write_text("\n".join(lines))
    return path


def timed_batch(jobs: int, tracks: int, minutes: float, cluster: str | None = None) -> float:
    folder = OUT / (f"jobs{jobs}" if cluster is None else "cluster")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = catalog(folder, tracks, minutes)
    t = time.perf_counter()
    rows = run(path, jobs=jobs, cluster=cluster)
    elapsed = time.perf_counter() - t
    assert all(r["status"] == "rendered" for r in rows), rows
    return elapsed


def timed_export(minutes: float, **options) -> float:
    target = OUT / "single.flac"
    t = time.perf_counter()
    sensory.export(sensory.load("pink"), target, seconds=minutes * 60, sample_rate=48000, force=True, **options)
    return time.perf_counter() - t


def main() -> None:
    keep_heap()  # as the command line does
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--tracks", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the single-track timings (median)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    timed_export(args.minutes)  # warm-up, discarded
    single = sorted(timed_export(args.minutes) for _ in range(args.repeat))[args.repeat // 2]
    two = sorted(timed_export(args.minutes, loudness=-18, true_peak=-1) for _ in range(args.repeat))[args.repeat // 2]
    sequential = timed_batch(1, args.tracks, args.minutes)
    parallel = timed_batch(2, args.tracks, args.minutes)
    clustered = timed_batch(2, args.tracks, args.minutes, cluster="local:2")
    same = all((OUT / "jobs2" / f"t{i}.flac").read_bytes() == (OUT / "cluster" / f"t{i}.flac").read_bytes()
               for i in range(args.tracks))
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    audio = args.tracks * args.minutes * 60
    print(f"{args.tracks} tracks x {args.minutes:g} min, 48 kHz stereo FLAC 24-bit, -18 LUFS / -1 dBTP")
    print(f"{'measure':<44}{'value':>12}")
    print(f"{'single export, one pass (median s)':<44}{single:>12.2f}")
    print(f"{'single export, two-pass loudness (median s)':<44}{two:>12.2f}")
    print(f"{'two-pass / one-pass':<44}{two / single:>12.2f}")
    print(f"{'batch --jobs 1 (s)':<44}{sequential:>12.2f}")
    print(f"{'batch --jobs 2 (s)':<44}{parallel:>12.2f}")
    print(f"{'speed-up jobs 2 / jobs 1':<44}{sequential / parallel:>12.2f}")
    print(f"{'batch --cluster local:2 (s, start-up included)':<44}{clustered:>12.2f}")
    print(f"{'throughput cluster / jobs 2':<44}{parallel / clustered:>12.2f}")
    print(f"{'cluster files identical to the pool':<44}{same!s:>12}")
    print(f"{'realtime factor, jobs 2':<44}{audio / parallel:>12.0f}")
    print(f"{'peak RSS, largest worker (MB)':<44}{child_rss:>12.0f}")
    print(f"{'peak RSS, parent (MB)':<44}{self_rss:>12.0f}")


if __name__ == "__main__":
    main()
