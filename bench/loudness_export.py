"""Loudness-targeted exports against plain ones, side by side in one run: each preset's
10-minute 48 kHz FLAC export plain and at -16 LUFS / -1 dBTP, alternating, medians of the
wall times and their ratio (the goal: at most 2.3 plain exports), the same for the CPU time
(the fairer figure on a loaded machine, where the second core the meter runs on is taken),
and the decoded file's loudness and true peak; the load average before and after (the
ratios are fair only between runs that saw the same load).

    python bench/loudness_export.py [--minutes 10] [--repeat 3] [--presets pink thunderstorm]

Each export is the command line in its own process (``sensory export``); files go to
bench/out/ (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from _measure import run

from sensory.measure.analysis import measure_file

OUT = Path(__file__).parent / "out" / "loudness"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--presets", nargs="+", default=["pink", "thunderstorm"])
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"{'preset':14} {'plain s':>8} {'loudness s':>11} {'ratio':>6} {'CPU ratio':>10}  decoded")
    for preset in args.presets:
        out = OUT / f"{preset}.flac"
        base = [sys.executable, "-m", "sensory", "export", preset, "-d", f"{args.minutes * 60:g}s", "-o", str(out),
                "--force"]
        plain, loud = [], []
        for _ in range(args.repeat):  # alternating, so both see the same load
            plain.append(run(base))
            loud.append(run(base + ["--loudness", "-16", "--true-peak", "-1"]))
        m = measure_file(out)
        p, q = (statistics.median(r.wall for r in runs) for runs in (plain, loud))
        cpu = statistics.median(r.cpu for r in loud) / statistics.median(r.cpu for r in plain)
        print(f"{preset:14} {p:8.2f} {q:11.2f} {q / p:6.2f} {cpu:10.2f}  {m.integrated_lufs:.2f} LUFS, "
              f"{m.true_peak_dbtp:.2f} dBTP")
    print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
