"""Engine benchmark: every preset to WAV at 48 kHz stereo, and SoX as the peer.

    python bench/engine.py [--repeat 3] [--durations 10m,1h] [--presets pink,alpha-drift]
                           [--long 8h]

Prints, per preset and duration: wall and CPU seconds (medians), times real time and peak
RSS; then pink noise for 1 h as 16-bit WAV against SoX
(`sox -n -r 48000 -c 2 -b 16 out.wav synth 3600 pinknoise pinknoise`) as a ratio measured
in the same run (medians of alternating pairs; target <= 0.5); peak RSS for 1 min against a
long render; and the start-up time of `sensory --help`, `sensory list` and `sensory export
pink -d 1s` (which renders and writes 1 s: its time is the time to start rendering, plus a few
milliseconds). Output files go to a temporary folder and are deleted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import median_run, run  # noqa: E402

from sensory.core.timeparse import parse_time  # noqa: E402
from sensory.recipe.presets import presets  # noqa: E402

SENSORY = [sys.executable, "-m", "sensory"]


def export_cmd(preset: str, seconds: float, out: Path, subtype: str = "PCM_24") -> list[str]:
    return [*SENSORY, "export", preset, "-d", str(seconds), "-o", str(out), "--subtype", subtype,
            "--sample-rate", "48000", "--force"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--durations", default="10m,1h")
    ap.add_argument("--presets", default="")
    ap.add_argument("--long", default="8h", help="length of the flat-memory check")
    args = ap.parse_args()
    names = args.presets.split(",") if args.presets else [p.name for p in presets()]
    durations = [parse_time(d) for d in args.durations.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="sensory-bench-"))
    try:
        print(f"{'preset':<16} {'length':>6} {'wall s':>8} {'cpu s':>8} {'x real':>8} {'RSS MB':>7}")
        for name in names:
            for seconds in durations:
                r = median_run(export_cmd(name, seconds, tmp / "o.wav"), args.repeat)
                print(f"{name:<16} {seconds / 60:>5.0f}m {r.wall:>8.2f} {r.cpu:>8.2f} "
                      f"{seconds / r.wall:>8.0f} {r.rss_mb:>7.0f}", flush=True)
                (tmp / "o.wav").unlink(missing_ok=True)

        print("\npink noise, 1 h, 48 kHz stereo, 16-bit WAV (medians, interleaved runs)")
        sox, ours = [], []
        for _ in range(args.repeat):
            sox.append(run(["sox", "-n", "-r", "48000", "-c", "2", "-b", "16", str(tmp / "s.wav"),
                            "synth", "3600", "pinknoise", "pinknoise"]))
            ours.append(run(export_cmd("pink", 3600, tmp / "p.wav", "PCM_16")))
        s = statistics.median(r.wall for r in sox)
        o = statistics.median(r.wall for r in ours)
        print(f"  sox      {s:6.2f} s wall  {statistics.median(r.cpu for r in sox):6.2f} s cpu  "
              f"{max(r.rss_mb for r in sox):5.0f} MB")
        print(f"  sensory  {o:6.2f} s wall  {statistics.median(r.cpu for r in ours):6.2f} s cpu  "
              f"{max(r.rss_mb for r in ours):5.0f} MB")
        print(f"  sensory / sox = {o / s:.2f} (target <= 0.5)")

        long = parse_time(args.long)
        print(f"\npeak RSS, pink noise to FLAC: 1 min against {args.long}")
        for seconds in (60, long):
            r = run([*SENSORY, "export", "pink", "-d", str(seconds), "-o", str(tmp / "m.flac"), "--force"])
            print(f"  {seconds / 60:>5.0f} min  {r.rss_mb:6.0f} MB  ({r.wall:.1f} s wall)", flush=True)
            (tmp / "m.flac").unlink(missing_ok=True)

        print("\nstart-up (median of 7)")
        # the console script beside this interpreter, as a fresh venv runs it (a version manager's
        # shim in front of it on PATH adds its own start-up)
        script = Path(sys.executable).with_name("sensory")
        exe = str(script) if script.exists() else shutil.which("sensory") or "sensory"
        for cmd in (["--help"], ["list"], ["export", "pink", "-d", "1s", "-o", str(tmp / "s.wav"), "--force"]):
            times = []
            for _ in range(7):
                t = time.perf_counter()
                subprocess.run([exe, *cmd], capture_output=True, check=True)
                times.append(time.perf_counter() - t)
            label = " ".join(cmd[:4])
            print(f"  sensory {label:<18} {statistics.median(times):.3f} s (target < 0.3)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
