"""Seamless loops against plain exports: the cost of the fold (a loop renders its events' ringing
from two copies of the mixer past the end) and the peak memory of a short and a long loop.

    python bench/loop_fold.py [--minutes 2] [--rate 48000] [--runs 3] [forest thunderstorm pink]

Each export runs in a fresh process (its peak RSS is its own, its layer processes' not
counted), loops and plain exports in alternating rounds. Prints medians, the
loop's ratio to the plain export, and peak RSS of loops of ``--minutes`` and four times as long.
Writes into bench/out/ (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out" / "loop_fold"

_CHILD = """
import json, resource, sys, time
import sensory
from sensory.output.writer import export
name, seconds, rate, loop, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
t = time.perf_counter()
export(sensory.load(name), path, seconds=seconds, sample_rate=rate, loop=loop, force=True)
print(json.dumps({"s": time.perf_counter() - t, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def one(name: str, seconds: float, rate: int, loop: bool) -> dict:
    path = OUT / f"{name}-{'loop' if loop else 'plain'}.flac"
    done = subprocess.run([sys.executable, "-c", _CHILD, name, str(seconds), str(rate), "1" if loop else "0", str(path)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("presets", nargs="*", default=["forest", "thunderstorm", "pink"])
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--rate", type=int, default=48000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seconds = args.minutes * 60
    print(f"{args.minutes:g}-min exports at {args.rate} Hz, medians of {args.runs} alternating runs")
    print("| preset | plain s | loop s | loop / plain | loop peak RSS MB | same, 4x as long |")
    print("|---|---|---|---|---|---|")
    for name in args.presets:
        plain, loop = [], []
        for _ in range(args.runs):
            plain.append(one(name, seconds, args.rate, False)["s"])
            loop.append(one(name, seconds, args.rate, True))
        p, lp = statistics.median(plain), statistics.median(r["s"] for r in loop)
        short = max(r["rss_mb"] for r in loop)
        long = one(name, 4 * seconds, args.rate, True)["rss_mb"]
        print(f"| {name} | {p:.2f} | {lp:.2f} | {lp / p:.2f} | {short:.0f} | {long:.0f} |", flush=True)


if __name__ == "__main__":
    main()
