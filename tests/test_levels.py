"""The house loudness, guarded: every packaged preset near -23 LUFS, its opening audible.

``python bench/levels.py --write`` measures each preset over whole minutes at its own rate and
sets its level line; this test samples windows of each at 16 kHz (``levels.sampled``: each
window rendered from a moment before it, as the engine's rests wake a layer), which is quick
and still fails when a kind's or a preset's level moves by a few dB.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from sensory.recipe.library import load
from sensory.recipe.presets import presets

_spec = importlib.util.spec_from_file_location("levels", Path(__file__).parent.parent / "bench" / "levels.py")
levels = sys.modules.setdefault("levels", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(levels)

SR = None  # each preset at its own rate (48 kHz): kinds above 8 kHz, birds and rain, read 1-5 LU low at 16 kHz
SOUNDSCAPE_LU = 3.0   # 1 LU over whole minutes, plus what four 12-s windows miss of rain or waves drifting by 2-3 dB
SESSION_LU = 6.0      # a session's main phases
OPENING_LU = 15.0     # by 10 s, at most this far under the running level
SWING_LU = 6.0        # windows further apart than this: the soundscape is measured whole
NAMES = [p.name for p in presets() if p.origin == "built-in"]


def sampled(recipe, starts: list[float], seconds: float, settle: float = 2.0) -> float:
    return levels.gated(np.concatenate(levels.windows(recipe, starts, seconds=seconds, settle=settle,
                                                      sample_rate=SR)))


def running_level(recipe) -> tuple[float, dict[str, float]]:
    """LUFS: a soundscape's from four 12-s windows over minutes 1-4 (each rendered from 10 s
    before: a fresh rain or surf takes that long to reach its drifting level), or from the
    whole minutes where the windows differ by more than :data:`SWING_LU` (gusts, thunder); a
    session's from a 20-s window (a breathing cycle or two) in the middle of each main phase,
    each phase's level too, or, without phases, from windows at a quarter, half and three
    quarters of its length."""
    if recipe.type == "soundscape":
        parts = levels.windows(recipe, [60.0, 105.0, 150.0, 195.0], seconds=12.0, settle=10.0, sample_rate=SR)
        each = [levels.gated(p) for p in parts]
        if max(each) - min(each) > SWING_LU:
            return levels.running(recipe, SR), {}
        return levels.gated(np.concatenate(parts)), {}
    if not recipe.phases:
        return sampled(recipe, [recipe.duration * k / 4 for k in (1, 2, 3)], 20.0), {}
    phases = {p.name: sampled(recipe, [recipe.marks[p.name] + p.duration / 2 - 10], 20.0)
              for p in levels.main_phases(recipe)}
    return levels.power_mean(list(phases.values())), phases


@pytest.mark.parametrize("name", NAMES)
def test_every_preset_plays_at_the_house_loudness_and_opens_audibly(name):
    r = load(name)
    running, phases = running_level(r)
    if r.type == "soundscape" or not phases:
        assert abs(running - levels.HOUSE_LUFS) <= SOUNDSCAPE_LU, f"{name}: {running:.1f} LUFS"
    for phase, lufs in phases.items():
        assert abs(lufs - levels.HOUSE_LUFS) <= SESSION_LU, f"{name} {phase}: {lufs:.1f} LUFS"
    opening = levels.opening(r, SR)
    assert opening >= running - OPENING_LU, f"{name}: {opening:.1f} LUFS at 10 s, running {running:.1f}"
