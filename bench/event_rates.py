"""Event-rate caps: every kind that sets a rate of events, rendered at its highest rate.

Run by hand: ``python bench/event_rates.py [--seconds 60] [--rate 48000]``. Each kind
renders ``--seconds`` of audio at its declared maximum (the caps in
docs/robustness.md) through the engine's block stream; the table gives the wall time
(median of 3), the real-time factor, and the ratio to a pink-noise layer rendered in
the same run (the cheapest kind, the peer). A real-time factor above 1 means the cap
renders in real time on this machine, one layer alone.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sensory.engine.stream import blocks
from sensory.recipe.model import parse_text

# kind: layer keys at the top of every rate-setting parameter's range
AT_MAX = {
    "noise (peer)": 'kind = "noise"\ncolor = "pink"',
    "rain": 'kind = "rain"\nintensity = 1\ndistance = 0\npuddles = 1\nroof = 1',
    "stream": 'kind = "stream"\nflow = 1\ndistance = 0',
    "fire": 'kind = "fire"\ncrackle = 1\nsize = 1',
    "birds": 'kind = "birds"\nbirds = 24\ndensity = 1\ndistance = 0',
    "insects": 'kind = "insects"\ncrickets = 64\nchorus = 1\ncicadas = 1\ntemperature = 35',
    "thunder": 'kind = "thunder"\ninterval = 3\ndistance = 0',
    "ocean": 'kind = "ocean"\nperiod = 4\nintensity = 1',
    "bell": 'kind = "bell"\nmodel = "bell"\nevery = 1\nspread = 0\ndecay = 60',
}


def wall(body: str, seconds: float, rate: int) -> float:
    recipe = parse_text(f'[session]\nduration = {seconds}\nsample_rate = {rate}\n[[layer]]\nname = "x"\n{body}\n',
                        "bench.toml")
    start = time.perf_counter()
    for _ in blocks(recipe, block_size=4096):
        pass
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=int, default=48000)
    a = ap.parse_args()
    print(f"{a.seconds:g} s at {a.rate} Hz, median of 3\n")
    print(f"{'kind':<14} {'wall s':>8} {'x real time':>12} {'x peer':>8}")
    peer = None
    for name, body in AT_MAX.items():
        t = statistics.median(wall(body, a.seconds, a.rate) for _ in range(3))
        peer = peer or t
        print(f"{name:<14} {t:>8.2f} {a.seconds / t:>12.1f} {t / peer:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
