"""SBaGen schedules rendered by SBaGen 1.4.4 and by sensory, and compared as issue 14 asks.

    python bench/sbagen_compare.py [--rate 44100] [--seconds 120] [--levels] [FILE.sbg ...]

Builds SBaGen from ../shared/peers/sbagen into /tmp/sbagen (needs a C compiler), renders
each schedule (default: every file of tests/data/sbagen, which together use every feature
of SBaGen's manual) with ``sbagen -Q -S -L 0:02:00 -W`` and with sensory for the same
length, and compares them (tests/sbagen_peer.py): in 4-s windows at 30, 75 and 110 s,
every strong tonal peak of SBaGen's per ear within 0.1 Hz and its height over the
surrounding noise within 6 dB, the level's course within 2 dB up to a constant gain.
A soundtrack ``mix.wav`` (two tones, one swelling) is written beside the copies.

``--levels`` also prints SBaGen's own levels: a tone's peak and the RMS of pink and spinning
noise per unit of amplitude, the interaural correlation of spin:300+4, a bell's peak every
50 ms after a strike at 40; the figures tests/test_sbagen.py holds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sensory.engine.stream import render
from sensory.recipe.library import load
from tests.sbagen_peer import build_peer, compare, peer_render

LEVELS = """-SE -F 2000
a: pink/40
b: 300+10/40
c: spin:300+4/40
d: pink/10
e: pink/90
f: bell+440/40
off: -
NOW a
+00:00:20 b
+00:00:40 c
+00:01:00 d
+00:01:20 e
+00:01:40 off
+00:01:50 f
+00:01:55 off
"""


def soundtrack(path: Path, rate: int, seconds: float) -> None:
    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 523 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.1 * t))
    sf.write(path, np.stack([left, 0.3 * np.sin(2 * np.pi * 787 * t)], 1), rate, subtype="PCM_16")


def levels(binary: Path, folder: Path, rate: int) -> None:
    path = folder / "levels-measure.sbg"
    path.write_text(LEVELS)
    x, rate = peer_render(binary, path, folder / "levels-measure.wav", seconds=120, sample_rate=rate)

    def part(t0: float, t1: float) -> np.ndarray:
        return x[int(t0 * rate):int(t1 * rate)]

    for name, (t0, amp) in {"pink/40": (0, 40), "300+10/40": (20, 40), "spin:300+4/40": (40, 40),
                            "pink/10": (60, 10), "pink/90": (80, 90)}.items():
        s = part(t0 + 3, t0 + 17)
        rms, peak = np.sqrt(np.mean(s ** 2, axis=0)), np.abs(s).max(axis=0)
        print(f"{name:15s} RMS {rms[0]:.5f} ({rms[0] / amp:.6f} per amp)  peak {peak[0]:.5f}  "
              f"L-R correlation {np.corrcoef(s.T)[0, 1]:.3f}")
    start = int(np.argmax(np.abs(part(109, 115)[:, 0]) > 0.01)) + int(109 * rate)
    step = rate // 20
    env = [float(np.abs(x[start + k * step:start + (k + 1) * step, 0]).max()) for k in range(10)]
    print(f"bell+440/40 at {start / rate:.3f} s, peak every 50 ms:", " ".join(f"{v:.4f}" for v in env))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--rate", type=int, default=44100)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--levels", action="store_true")
    args = ap.parse_args()
    binary = build_peer(Path("/tmp/sbagen"))
    if binary is None:
        print("no C compiler: cannot build SBaGen", file=sys.stderr)
        return 1
    files = args.files or sorted((ROOT / "tests" / "data" / "sbagen").glob("*.sbg"))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        soundtrack(folder / "mix.wav", args.rate, args.seconds + 30)
        if args.levels:
            levels(binary, folder, args.rate)
        for f in files:
            copy = folder / f.name
            shutil.copy(f, copy)
            start = time.perf_counter()
            theirs, rate = peer_render(binary, copy, folder / "peer.wav", seconds=args.seconds,
                                       sample_rate=args.rate)
            peer_s = time.perf_counter() - start
            start = time.perf_counter()
            ours = render(load(copy), seconds=args.seconds, sample_rate=rate).astype(np.float64)
            ours_s = time.perf_counter() - start
            v = compare(theirs, ours, rate)
            failed += not v.passed
            print(f"{f.name:16s} {'pass' if v.passed else 'FAIL'}  {v.peaks_checked:3d} peaks  "
                  f"course {v.course_db:.2f} dB  (SBaGen {peer_s:.1f} s, sensory {ours_s:.1f} s)")
            for p in v.problems[:10]:
                print("    " + p)
    print(f"{len(files) - failed} of {len(files)} render as SBaGen renders them")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
