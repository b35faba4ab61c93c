"""The house loudness: every preset's level, measured, and set in the preset files.

    python bench/levels.py [--presets forest,rain] [--sample-rate 48000] [--write]

Each packaged preset is rendered (its own seed, at its own sample rate unless told) through the
engine's block path into a BS.1770-4 meter (K-weighting, 400-ms blocks, gates). Its running level is the gated
integrated loudness of minutes 1-4 for a soundscape, and of its whole timeline for a session
(its main phases' levels printed too: all but the first and the last); its opening is the short-term loudness (3 s) ending at 10 s.
The house level is -23 LUFS (EBU R128): soundscapes within 1 LU of it over minutes 1-4,
sessions' main phases within 6 LU, every opening within 15 LU of its running level.

``--write`` sets each preset's level line, ``gain_db`` in its ``[session]`` table (the master
gain, before the limiter), so that its running level is the house level, and measures again
(twice at most: the limiter's work on the loudest peaks makes the gain not quite linear). Only
that one line of each file is touched. Run it after any change of a kind's or a preset's
sound; tests/test_levels.py is the guard: it samples windows of each preset (:func:`windows`)
instead of rendering whole minutes, where the windows agree.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.signal import sosfilt

from sensory.core.limits import MAX_SEED
from sensory.engine import stream
from sensory.measure.loudness import k_weighting_sos
from sensory.recipe.library import load
from sensory.recipe.presets import presets

HOUSE_LUFS = -23.0
SOUNDSCAPE_WINDOW_S = (60.0, 240.0)
OPENING_S = 10.0
PRESET_DIR = Path(__file__).resolve().parent.parent / "presets"


@dataclass
class Level:
    name: str
    type: str
    gain_db: float          # the level line now
    running: float          # LUFS
    opening: float          # LUFS, the 3 s ending at 10 s
    phases: dict[str, float]


class Meter:
    """BS.1770-4 loudness of a stream of blocks, without the true peak (which costs as much as
    the render): K-weighting (``k_weighting_sos``, the meter's own filter), channel-summed energy
    per 100 ms, momentary (400-ms) loudness on the 100-ms grid, gated integration."""

    def __init__(self, sample_rate: int):
        self.sr = sample_rate
        self.sos = k_weighting_sos(sample_rate)
        self.zi = np.zeros((len(self.sos), 2, 2))
        self.energy: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        y, self.zi = sosfilt(self.sos, block.astype(np.float64), axis=0, zi=self.zi)
        self.energy.append(np.einsum("ij,ij->i", y, y))

    def momentary(self) -> np.ndarray:
        """LUFS of each 400-ms window, element i covering [0.1 i, 0.1 i + 0.4) s."""
        e = np.concatenate(self.energy)
        hop = self.sr // 10
        sub = e[:len(e) // hop * hop].reshape(-1, hop).sum(axis=1)
        with np.errstate(divide="ignore"):
            return -0.691 + 10 * np.log10(np.convolve(sub, np.ones(4), "valid") / (4 * hop))


def gated(momentary: np.ndarray) -> float:
    """BS.1770-4 gated loudness (LUFS) of momentary (400-ms) loudness values on the 100-ms grid."""
    power = 10 ** ((momentary[np.isfinite(momentary)] + 0.691) / 10)
    power = power[power > 10 ** ((-70 + 0.691) / 10)]
    if not len(power):
        return -math.inf
    power = power[power > power.mean() * 10 ** (-10 / 10)]
    return float(-0.691 + 10 * np.log10(power.mean()))


def power_mean(lufs) -> float:
    """The loudness (LUFS) of signals of loudness ``lufs`` taken together for equal times."""
    return float(-0.691 + 10 * np.log10(np.mean(10 ** ((np.asarray(lufs) + 0.691) / 10)) + 1e-30))


def main_phases(recipe) -> tuple:
    """The phases between a session's opening and closing ones (all, when there are fewer than three)."""
    return recipe.phases[1:-1] if len(recipe.phases) >= 3 else recipe.phases


def momentary(recipe, seconds: float, sample_rate: int | None = None, seed: int | None = None) -> np.ndarray:
    """Momentary loudness (LUFS, 100-ms grid) of the first ``seconds`` of ``recipe``'s render."""
    meter = Meter(sample_rate or recipe.session.sample_rate)
    frames = int(round(seconds * meter.sr))
    # rendered as played (a soundscape endless, a session to its end), so no fade-out falls inside
    for block in stream.blocks(recipe, seconds=math.inf if recipe.type == "soundscape" else None,
                               sample_rate=sample_rate, seed=seed, block_size=8000):
        meter.add(block[:frames])
        frames -= len(block)
        if frames <= 0:
            break
    return meter.momentary()


def opening(recipe, sample_rate: int | None = None) -> float:
    """LUFS of the 3 s ending at :data:`OPENING_S` (the short-term loudness there)."""
    m = momentary(recipe, OPENING_S + 0.4, sample_rate)[int((OPENING_S - 3) * 10):int(OPENING_S * 10):4]
    return power_mean(m)


def from_time(recipe, t: float):
    """``recipe`` as heard from ``t`` seconds on, without its fade-in: every layer's parameters
    and the master gain as seen from there (``Params.after``), so a window of a long render
    can be measured without rendering what comes before it."""
    session = recipe.session.model_copy(update={"gain_db": recipe.session.gain_db.after(t), "fade_in": 0.0,
                                                "type": "soundscape"})
    return replace(recipe, session=session, layers=tuple(layer.after(t) for layer in recipe.layers))


def windows(recipe, starts: list[float], *, seconds: float = 10.0, settle: float = 2.0,
            sample_rate: int | None = None) -> list[np.ndarray]:
    """Momentary loudness (LUFS) of ``seconds``-long windows from each of ``starts`` (s), each
    rendered from ``settle`` seconds before its start (filters, reverb and schedules under way)
    with seeds of its own (window k: the recipe's seed + k), so the windows are independent
    draws of the sound, not one draw shifted."""
    seed = recipe.session.seed
    return [momentary(from_time(recipe, max(0.0, t - settle)), seconds + settle, sample_rate,
                      seed=(seed + k) % (MAX_SEED + 1))[int(settle * 10):] for k, t in enumerate(starts)]


def running(recipe, sample_rate: int | None = None) -> float:
    """A soundscape's level over minutes 1-4 (LUFS), rendered whole."""
    m = momentary(recipe, SOUNDSCAPE_WINDOW_S[1], sample_rate)
    return gated(m[int(SOUNDSCAPE_WINDOW_S[0] * 10):len(m) - 3])


def measure(name: str, sample_rate: int | None = None) -> Level:
    """Render ``name`` as far as its running level needs and measure it."""
    r = load(name)
    seconds = SOUNDSCAPE_WINDOW_S[1] if r.type == "soundscape" else r.duration
    m = momentary(r, seconds, sample_rate)
    window = lambda a, b: m[int(a * 10):max(int(a * 10), int(b * 10) - 3)]
    phases = {p.name: gated(window(r.marks[p.name], r.marks[p.name] + p.duration)) for p in main_phases(r)
              if r.marks[p.name] + p.duration <= seconds}
    running = gated(window(*SOUNDSCAPE_WINDOW_S)) if r.type == "soundscape" else gated(m)
    gain = r.session.gain_db
    return Level(name, r.type, float(gain.values[0]) if gain.is_constant else math.nan, running,
                 opening(r, sample_rate), phases)


def set_level_line(name: str, gain_db: float) -> None:
    """Write ``gain_db = X`` into the ``[session]`` table of presets/NAME.toml, that line only."""
    path = PRESET_DIR / f"{name}.toml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("[session]\n")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    line = f"gain_db = {gain_db:.1f}\n"
    for i in range(start + 1, end):
        if re.match(r"gain_db\s*=", lines[i]):
            lines[i] = line
            break
    else:
        last = max(i for i in range(start, end) if lines[i].strip())
        lines.insert(last + 1, line)
    path.write_text("".join(lines), encoding="utf-8")


def verdict(level: Level) -> str:
    """What is off, if anything, against the house level."""
    off = []
    if level.type == "soundscape" and abs(level.running - HOUSE_LUFS) > 1:
        off.append(f"running {level.running - HOUSE_LUFS:+.1f} LU")
    for phase, lufs in level.phases.items():
        if abs(lufs - HOUSE_LUFS) > 6:
            off.append(f"{phase} {lufs - HOUSE_LUFS:+.1f} LU")
    if level.opening < level.running - 15:
        off.append(f"opening {level.opening - level.running:+.1f} LU")
    return "ok" if not off else "; ".join(off)


def report(level: Level) -> None:
    phases = "  ".join(f"{p} {v:.1f}" for p, v in level.phases.items())
    print(f"{level.name:<20} {level.type:<10} gain {level.gain_db:+5.1f} dB  running {level.running:6.1f} LUFS  "
          f"at 10 s {level.opening:6.1f}  {verdict(level)}" + (f"\n{'':<32}phases: {phases}" if phases else ""),
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", help="comma-separated preset names (default: every packaged preset)")
    ap.add_argument("--sample-rate", type=int, help="render at this rate (default: each preset's own)")
    ap.add_argument("--write", action="store_true", help="set each preset's level line to the house level")
    args = ap.parse_args()
    names = args.presets.split(",") if args.presets else [p.name for p in presets() if p.origin == "built-in"]
    for name in names:
        level = measure(name, args.sample_rate)
        for _ in range(2 if args.write else 0):
            if abs(level.running - HOUSE_LUFS) <= 0.2:
                break
            set_level_line(name, round(level.gain_db + HOUSE_LUFS - level.running, 1))
            level = measure(name, args.sample_rate)
        report(level)


if __name__ == "__main__":
    sys.exit(main())
