"""Live-playback soak through a private PulseAudio null sink.

    python bench/live_soak.py [--preset alpha-drift] [--minutes 10] [--peer-minutes 1]
                              [--block-size 1024] [--latency 0.2] [--load]

Starts a private PulseAudio daemon with a float32 null sink (tests/pulse_server.py, as
the tests do), plays the preset through sensory's Player at 48 kHz for --minutes (with the
heap kept, as `sensory play` runs), then prints: underruns (PortAudio output underflows +
callbacks that found the queue empty), the render thread's CPU load in % of one core
(time.thread_time in the producer), the audio callback's worst-case time as % of its
block's duration, and RSS at the start and end. The peer, measured in the same run for
--peer-minutes, is a bare sounddevice stream whose callback only writes zeros: its worst
case is the floor set by the machine's scheduling, not by sensory. The callback's work is its
thread's CPU time; its wall time also holds the waits the machine imposes on the thread.

``--load`` runs 2-process exports (thunderstorm, to a scratch file, one after another) beside
the play and the peer for their whole length, so every core is busy.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tests.load import busy_cores, rest  # noqa: E402
from tests.pulse_server import PulseServer  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def soak(preset: str, seconds: float, block_size: int, latency: float) -> dict:
    import sensory
    from sensory.engine.context import keep_heap
    from sensory.live.player import Player

    keep_heap()  # as `sensory play` does

    recipe = sensory.load(preset)
    player = Player(recipe, seconds=seconds, sample_rate=48000, block_size=block_size, latency=latency)
    rss = [rss_mb()]
    with player:
        minute = time.monotonic()
        while not player.wait(1.0):
            if time.monotonic() - minute >= 60:
                minute = time.monotonic()
                rss.append(rss_mb())
                s = player.stats
                print(f"  {player.position / 60:5.1f} min  underruns {s.underruns}  "
                      f"callback worst {100 * s.callback_worst:.2f} %  RSS {rss[-1]:.1f} MB", flush=True)
    rss.append(rss_mb())
    s = player.stats
    return {"underruns": s.underruns, "underflows": s.output_underflows, "starved": s.starved_callbacks,
            "played_s": s.played_s, "wall_s": s.wall_s, "render_load": s.render_load,
            "callback_work": s.callback_work_worst, "lead_s": s.lead_s,
            "callback_worst": s.callback_worst, "rss_start": rss[0], "rss_end": rss[-1],
            "rss_max": max(rss)}


def peer(seconds: float, block_size: int, latency: float) -> dict:
    """A bare callback stream writing zeros: the floor for callback timing on this machine."""
    import sounddevice as sd

    worst = [0.0]
    flags = [0]
    done = threading.Event()

    def callback(outdata, frames, time_info, status):
        t0 = time.perf_counter()
        if status.output_underflow:
            flags[0] += 1
        outdata[:] = 0
        worst[0] = max(worst[0], (time.perf_counter() - t0) * 48000 / frames)

    with sd.OutputStream(samplerate=48000, channels=2, dtype="float32", blocksize=block_size,
                         latency=latency, callback=callback, finished_callback=done.set):
        time.sleep(seconds)
    return {"underruns": flags[0], "callback_worst": worst[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--preset", default="alpha-drift")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--peer-minutes", type=float, default=1.0)
    ap.add_argument("--block-size", type=int, default=1024)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--load", action="store_true", help="2-process exports run one after another beside the play")
    args = ap.parse_args()

    server = PulseServer().start()
    scratch = tempfile.TemporaryDirectory(prefix="soak-load-")
    load = busy_cores(scratch.name) if args.load else None
    try:
        print(f"soak: {args.preset}, {args.minutes:g} min at 48 kHz, block {args.block_size}, "
              f"latency {args.latency:g} s, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
        r = soak(args.preset, args.minutes * 60, args.block_size, args.latency)
        p = peer(args.peer_minutes * 60, args.block_size, args.latency) if args.peer_minutes > 0 else None
    finally:
        if load:
            rest(load)
        scratch.cleanup()
        server.stop()
    block_ms = 1000 * args.block_size / 48000
    print()
    print(f"| measure | sensory ({args.minutes:g} min) | bare zero-writing stream ({args.peer_minutes:g} min) |")
    print("|---|---|---|")
    print(f"| underruns | {r['underruns']} (underflows {r['underflows']}, starved {r['starved']}) | "
          f"{p['underruns'] if p else '-'} |")
    print(f"| render thread CPU, % of one core | {100 * r['render_load']:.2f} | - |")
    print(f"| callback worst case, % of a {block_ms:.1f} ms block | {100 * r['callback_worst']:.2f} | "
          f"{100 * p['callback_worst']:.2f} |" if p else f"| callback worst | {100 * r['callback_worst']:.2f} | - |")
    print(f"| callback work (its thread's CPU), % of a block | {100 * r['callback_work']:.2f} | - |")
    print(f"| render-ahead reached, s | {r['lead_s']:.2f} | - |")
    print(f"| played / wall s | {r['played_s']:.1f} / {r['wall_s']:.1f} | - |")
    print(f"| RSS start / end / max MB | {r['rss_start']:.1f} / {r['rss_end']:.1f} / {r['rss_max']:.1f} | - |")


if __name__ == "__main__":
    main()
