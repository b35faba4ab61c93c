"""Guided-session benchmark: every session preset rendered for 1 h at 48 kHz, and SoX as the peer.

    python bench/sessions.py [--repeat 3] [--duration 1h] [--presets reawaken,focus]

Each session preset is exported by `sensory export PRESET -d 1h --subtype PCM_16` to a
16-bit stereo WAV at 48 kHz, run as a child process (start-up and file writing
included). In the same run, interleaved, SoX renders a steady 200 Hz / 210 Hz stereo
tone pair of the same length (`sox -n -r 48000 -c 2 -b 16 out.wav synth 3600 sine 200
sine 210`). Prints per preset the median wall and CPU seconds, times real time (target
>= 300x), peak RSS and the ratio of its wall time to SoX's. Output files go to a
temporary folder and are deleted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Run, run  # noqa: E402

from sensory.core.timeparse import parse_time  # noqa: E402
from sensory.recipe.library import load  # noqa: E402
from sensory.recipe.presets import presets  # noqa: E402

SENSORY = [sys.executable, "-m", "sensory"]
TARGET = 300.0


def session_presets() -> list[str]:
    """Built-in presets of type "session" that have a timeline."""
    return [p.name for p in presets() if p.origin == "built-in" and load(p.name).type == "session"
            and load(p.name).phases]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duration", default="1h")
    ap.add_argument("--presets", default="")
    args = ap.parse_args()
    seconds = parse_time(args.duration)
    names = args.presets.split(",") if args.presets else session_presets()
    tmp = Path(tempfile.mkdtemp(prefix="sensory-bench-"))
    sox_cmd = ["sox", "-n", "-r", "48000", "-c", "2", "-b", "16", str(tmp / "sox.wav"),
               "synth", str(seconds), "sine", "200", "sine", "210"]
    sox: list[Run] = []
    rows = []
    try:
        for name in names:
            ours = []
            for _ in range(args.repeat):  # interleaved with SoX, so both see the same machine load
                sox.append(run(sox_cmd))
                (tmp / "sox.wav").unlink(missing_ok=True)
                ours.append(run([*SENSORY, "export", name, "-d", str(seconds), "-o", str(tmp / "s.wav"),
                                 "--subtype", "PCM_16", "--sample-rate", "48000", "--force"]))
                (tmp / "s.wav").unlink(missing_ok=True)
            wall = statistics.median(r.wall for r in ours)
            rows.append((name, wall, statistics.median(r.cpu for r in ours), max(r.rss_mb for r in ours)))
            print(f"  {name}: {wall:.2f} s", file=sys.stderr, flush=True)
        s_wall = statistics.median(r.wall for r in sox)
        s_cpu = statistics.median(r.cpu for r in sox)
        length = f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
        print(f"\n{length} at 48 kHz stereo, 16-bit WAV; medians of {args.repeat} runs\n")
        print(f"| {'preset':<20} | {'wall s':>7} | {'cpu s':>7} | {'x real':>7} | {'RSS MB':>6} | {'/ SoX':>6} |")
        print(f"|{'-' * 22}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 8}|")
        for name, wall, cpu, rss in rows:
            flag = "" if seconds / wall >= TARGET else "*"
            print(f"| {name:<20} | {wall:>7.2f} | {cpu:>7.2f} | {seconds / wall:>6.0f}{flag:<1} | {rss:>6.0f} | "
                  f"{wall / s_wall:>6.2f} |")
        print(f"| {'SoX 200/210 Hz sines':<20} | {s_wall:>7.2f} | {s_cpu:>7.2f} | {seconds / s_wall:>7.0f} | "
              f"{max(r.rss_mb for r in sox):>6.0f} | {1:>6.2f} |")
        print(f"\n* below the {TARGET:.0f}x target")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
