"""An eight-hour night of live play against a fake clock: the player's producer and feed, heard
by a stand-in stream at --speed times real time, with a sleep timer at the end.

    python bench/night_soak.py [--preset night] [--hours 8] [--speed 100] [--sample-rate 48000]

Every simulated half hour it prints the process's RSS, its threads, the queue's length, the
render-ahead reached, underruns (callbacks that found the queue empty), the callback's worst
work (its thread's CPU time, % of a block) and the status clock; at the end, where the timer's
fade brought the sound to silence. Flat columns are the point: nothing grows over a night.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tests.fake_stream import fed_stream  # noqa: E402

BLOCK = 1024
FADE_S = 60.0


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="night")
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--speed", type=float, default=100.0)
    ap.add_argument("--sample-rate", type=int, default=48000)
    args = ap.parse_args()

    import sensory
    from sensory.core.timeparse import format_time
    from sensory.engine.context import keep_heap
    from sensory.engine.stream import build

    keep_heap()  # as `sensory play` does
    sr, seconds = args.sample_rate, args.hours * 3600
    mixer = build(sensory.load(args.preset), seed=0, sample_rate=sr, seconds=float("inf"))
    mixer.fade_out(FADE_S, end=round(seconds * sr))  # the sleep timer, as `play --timer` sets it
    producer, feed, stats, stream = fed_stream(mixer, BLOCK, latency=0.2, speed=args.speed, keep=False)
    started = time.monotonic()
    stream.start()
    print(f"{args.preset}: {args.hours:g} h at {sr} Hz, fake clock at {args.speed:g}x, block {BLOCK}")
    print("| heard | RSS MB | threads | queue | lead s | underruns | callback work % | wall s |")
    print("|---|---|---|---|---|---|---|---|")
    mark = 0.0
    while stream.is_alive():
        stream.join(0.5)
        heard = feed.heard / sr
        if heard >= mark or not stream.is_alive():
            print(f"| {format_time(heard)} | {rss_mb():.1f} | {threading.active_count()} | {len(feed)} | "
                  f"{stats.lead_s:.2f} | {stats.starved_callbacks} | {100 * stats.callback_work_worst:.2f} | "
                  f"{time.monotonic() - started:.0f} |", flush=True)
            mark += 1800
    producer.join(5)
    if producer.error:
        raise producer.error
    print(f"\nended at {format_time(feed.heard / sr)} (timer {format_time(seconds)}, fade {FADE_S:g} s); "
          f"wall {time.monotonic() - started:.0f} s, render CPU {stats.render_cpu_s:.0f} s")


if __name__ == "__main__":
    main()
