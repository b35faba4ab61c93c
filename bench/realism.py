"""Nature presets as a listener hears them: YAMNet's verdict on 60-s windows of each preset.

    python bench/realism.py [--seeds 0,1,2] [--judge-python PY] [--quick] [PRESET ...]

Each nature preset is rendered for 10 minutes at 48 kHz (as it plays, one stream of blocks) and
two 60-s windows, from 0:20 and from 8:00, are judged by ``../shared/tools/yamnet/judge.py``
(an AudioSet classifier run offline; its README says how to install it, and what real recordings
of each class score). forest-day is judged where its day has birds (5:00), rain (35:00) and
insects (52:00). For each window the table gives the class's set score, its rank among the 15
sets (wind: among the 12 without the engine, blast and farm controls, which real wind recordings
lose to as well), the median real recording's score, and the top three AudioSet labels.

``--quick`` judges only the first window of each preset, for one seed: a check while tuning.
The judge runs in its own Python (``--judge-python``, default ``~/.venvs/judge/bin/python``),
where ai-edge-litert is installed; the renders need only this project.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

import sensory
from sensory.engine.context import keep_heap
from sensory.engine.stream import blocks

ROOT = Path(__file__).resolve().parent.parent
JUDGE = ROOT.parent / "shared" / "tools" / "yamnet"
SAMPLE_RATE = 48000
WINDOW_S = 60.0
RENDER_S = 600.0
STARTS = (20.0, 480.0)

# preset -> class set the judge should hear; the median real recording's score (the judge's README)
CLASSES = {"forest": "birds", "rain": "rain", "rain-on-roof": "rain", "ocean": "ocean", "stream": "stream",
           "wind": "wind", "fireplace": "fire", "night": "insects", "thunderstorm": "thunderstorm"}
REAL_MEDIAN = {"birds": 1.06, "thunderstorm": 0.94, "ocean": 1.21, "rain": 0.70, "insects": 0.57, "fire": 0.23,
               "wind": 0.16, "stream": 0.30}
DAY = {"birds": 300.0, "rain": 2100.0, "insects": 3120.0}  # forest-day: what each time of its day should be
NOT_AMONG_FOR_WIND = {"engine", "blast", "farm"}

# Runs in the judge's Python: judge every WAV named on the command line, one JSON line each.
_JUDGE_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import judge
j = judge.Judge()
for path in sys.argv[2:]:
    x, _ = judge.load_audio(path)
    mean, sets, _ = j.judge(x)
    top = [(j.names[i], round(float(mean[i]), 3)) for i in mean.argsort()[::-1][:3]]
    print(json.dumps({"path": path, "sets": sets, "top": top}), flush=True)
"""


def windows(name: str, seed: int, starts: tuple[float, ...], folder: Path) -> list[Path]:
    """Render preset ``name`` once up to its last window (``starts`` in s, in order); write each
    60-s window as a WAV."""
    recipe = sensory.load(name)
    end = starts[-1] + WINDOW_S
    spans = [(int(s * SAMPLE_RATE), int((s + WINDOW_S) * SAMPLE_RATE)) for s in starts]
    parts: list[list[np.ndarray]] = [[] for _ in starts]
    frame = 0
    seconds = RENDER_S if end <= RENDER_S else None  # a 10-minute render, or the recipe's whole day
    for block in blocks(recipe, seconds=seconds, seed=seed, sample_rate=SAMPLE_RATE, block_size=65536):
        for k, (a, b) in enumerate(spans):
            lo, hi = max(a, frame), min(b, frame + len(block))
            if lo < hi:
                parts[k].append(block[lo - frame:hi - frame])
        frame += len(block)
        if frame >= spans[-1][1]:
            break  # the windows are in time order; nothing after the last is needed
    paths = []
    for start, chunks in zip(starts, parts):
        path = folder / f"{name}-s{seed}-{int(start)}.wav"
        sf.write(path, np.concatenate(chunks), SAMPLE_RATE, subtype="FLOAT")
        paths.append(path)
    return paths


def judged(python: str, paths: list[Path]) -> dict[str, dict]:
    out = subprocess.run([python, "-c", _JUDGE_SCRIPT, str(JUDGE), *map(str, paths)], check=True,
                         capture_output=True, text=True).stdout
    return {row["path"]: row for row in map(json.loads, out.splitlines())}


def verdict(sets: dict[str, float], target: str) -> tuple[float, int, int]:
    """(score, rank, among) of ``target`` in ``sets``."""
    among = [k for k in sets if not (target == "wind" and k in NOT_AMONG_FOR_WIND)]
    order = sorted(among, key=lambda k: -sets[k])
    return sets[target], order.index(target) + 1, len(order)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("presets", nargs="*", default=[*CLASSES, "forest-day"])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--judge-python", default=str(Path.home() / ".venvs" / "judge" / "bin" / "python"))
    ap.add_argument("--quick", action="store_true", help="first window only, first seed only")
    a = ap.parse_args()
    keep_heap()  # as the command line does
    seeds = [int(s) for s in a.seeds.split(",")][:1 if a.quick else None]
    print(f"{'preset':<13} {'seed':>4} {'window':>7}  {'class':<12} {'score':>6} {'rank':>6} {'real':>5}  "
          f"{'ok':<3} top labels")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.presets:
            if name == "forest-day":
                cases = list(DAY.items())
            else:
                cases = [(CLASSES[name], s) for s in (STARTS[:1] if a.quick else STARTS)]
            for seed in seeds:
                paths = windows(name, seed, tuple(s for _, s in cases), Path(tmp))
                rows = judged(a.judge_python, paths)
                for (target, start), path in zip(cases, paths):
                    row = rows[str(path)]
                    score, rank, among = verdict(row["sets"], target)
                    ok = rank == 1 and score >= REAL_MEDIAN[target] if name != "forest-day" else rank == 1
                    failures += not ok
                    top = "; ".join(f"{label} {p:.2f}" for label, p in row["top"])
                    print(f"{name:<13} {seed:>4} {int(start) // 60:>4}:{int(start) % 60:02d}  {target:<12} "
                          f"{score:>6.2f} {rank:>3}/{among:<2} {REAL_MEDIAN[target]:>5.2f}  "
                          f"{'yes' if ok else 'NO':<3} {top}", flush=True)
    print(f"{failures} window(s) not recognized at the real recordings' median")


if __name__ == "__main__":
    sys.exit(main())
