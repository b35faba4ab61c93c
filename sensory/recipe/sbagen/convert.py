"""Tracks of SBaGen breakpoints into recipe data, and schedules into recipes.

Levels: SBaGen amplitudes (0-100, the sum at most 100) scale linearly, 100 being
full scale, less 6 dB of headroom; a tone of amplitude A has a peak of
A/100 * 0.5, a noise of amplitude A the RMS of that tone. A layer's gain is that
level against the nominal level its kind declares (``Unit.nominal_level``: a tone's
peak, a noise's RMS, a bell strike's peak). SBaGen interpolates amplitudes
linearly; the recipe's gain curves follow that line with a point every tenth of a
change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ... import kinds
from ...errors import RecipeError
from ..files import read_text
from ..model import Recipe, parse, parse_text
from .schedule import Schedule, parse_sbg
from .timing import Breakpoint, tracks
from .toml_text import to_toml

__all__ = ["recipe_data", "load_sbg", "Converted", "convert_file"]

HEADROOM_DB = -6.0
RAMP_POINTS = 10  # gain points per linear amplitude ramp
NOISES = ("pink", "white", "brown")  # SBaGen's noises: colours of the noise kind
SOUNDSCAPE_S = 3600.0  # export length of a schedule of one time line


def recipe_data(schedule: Schedule, name: str) -> dict:
    """Recipe data (the dict a TOML recipe parses into) for ``schedule``, titled ``name``."""
    found, end = tracks(schedule)
    soundscape = end <= 0
    duration = SOUNDSCAPE_S if soundscape else end
    lines = schedule.lines
    phases = []
    for k, line in enumerate(lines[:-1] if not soundscape else lines):
        stop = lines[k + 1].time if k + 1 < len(lines) else duration
        if stop > line.time:
            phases.append({"name": f"line{line.number}", "duration": round(stop - line.time, 6),
                           "description": f"SBaGen line {line.number}: {line.text}"})
    layers = []
    for tr in found:
        nominal = _nominal(tr.kind)
        base = {"name": f"slot{tr.slot + 1}-{tr.kind}" + (f"-{tr.strikes[0][1].carrier:g}" if tr.strikes else "")}
        if tr.kind == "bell":
            strikes = sorted({round(t, 6) for t, _ in tr.strikes if 0 <= t < duration})
            if strikes:
                voice = tr.strikes[0][1]
                layers.append({**base, "kind": "bell", "model": "bell", "freq": voice.carrier, "decay": 4.0,
                               "strikes": strikes, "gain_db": _gain_db(voice.amp, nominal)})
            continue
        points = _clip(tr.points, duration) if not soundscape else [(0.0, *tr.points[-1][1:4], "step")]
        if all(p[1] == 0 for p in points):
            continue
        layer = dict(base)
        if tr.kind in NOISES:
            layer.update(kind="noise", color=tr.kind)
        else:
            layer.update(kind=tr.kind, carrier=_pitch_curve(points, 2))
            if tr.kind == "binaural":
                layer["beat"] = _pitch_curve(points, 3)
        layer["gain_db"] = _gain_curve(points, nominal)
        if tr.kind == "tone":
            layer["freq"] = layer.pop("carrier")
        layers.append(layer)
    if not layers:
        raise RecipeError(f"{schedule.source}: the schedule is silent throughout; nothing to convert")
    session = {"title": name, "description": f"converted from SBaGen schedule {Path(schedule.source).name}",
               "type": "soundscape" if soundscape else "session", "duration": duration,
               "fade_in": 0.0 if not soundscape else 3.0, "fade_out": 1.0 if not soundscape else 5.0}
    data = {"session": session, "layer": layers}
    if phases and not soundscape:
        data["phase"] = phases
    return data


def load_sbg(text: str, source: str, *, name: str) -> Recipe:
    """The recipe named ``name`` of SBaGen schedule ``text``; ``source`` names it in errors."""
    return parse(recipe_data(parse_sbg(text, source), name), source, name=name)


@dataclass(frozen=True)
class Converted:
    """A schedule converted for ``sensory import``: its recipe and the TOML text of it."""

    recipe: Recipe
    text: str


def convert_file(sbg: Path, *, output: Path) -> Converted:
    """The .sbg file ``sbg`` as a recipe and as TOML text to be saved as ``output``; the text
    is checked by loading it back (errors name ``output``). The file is parsed once."""
    data = recipe_data(parse_sbg(read_text(sbg), str(sbg)), sbg.stem)
    recipe = parse(data, str(sbg), name=sbg.stem)
    text = f"# Converted by `sensory import` from {sbg.name}\n" + to_toml(data)
    parse_text(text, str(output), name=output.stem)
    return Converted(recipe, text)


def _curve_at(points: list[Breakpoint], t: float, index: int) -> float:
    """Value of field ``index`` (1 amp, 2 carrier, 3 beat) at ``t`` from breakpoints."""
    value = points[0][index]
    for k, p in enumerate(points):
        if p[0] > t:
            if p[4] == "lin" and k > 0:
                q = points[k - 1]
                x = (t - q[0]) / (p[0] - q[0]) if p[0] > q[0] else 1.0
                return q[index] + (p[index] - q[index]) * x
            return value
        value = p[index]
    return value


def _clip(points: list[Breakpoint], end: float) -> list[Breakpoint]:
    """The breakpoints restricted to [0, end], with values at both edges."""
    inside = [p for p in points if 0 < p[0] < end]
    first = (0.0, *[_curve_at(points, 0.0, k) for k in (1, 2, 3)], "step")
    last = (end, *[_curve_at(points, end, k) for k in (1, 2, 3)], "lin")
    return [first] + inside + [last]


def _nominal(voice_kind: str) -> float:
    """The peak (linear) that SBaGen's level is set against for a voice of ``voice_kind``:
    the declared nominal level of the kind it becomes; for noise, whose level is an RMS,
    the peak of a sine of that RMS."""
    if voice_kind in NOISES:
        return kinds.get("noise").unit.nominal_level * math.sqrt(2)
    return kinds.get(voice_kind).unit.nominal_level


def _gain_db(amp: float, nominal: float) -> float:
    """Layer gain (dB, -120 to 12) of SBaGen amplitude ``amp`` against peak ``nominal``."""
    if amp <= 0:
        return -120.0
    level = amp / 100 * 10 ** (HEADROOM_DB / 20)
    return max(-120.0, min(12.0, 20 * math.log10(level / nominal)))


def _gain_curve(points: list[Breakpoint], nominal: float) -> list | float:
    """gain_db breakpoints following SBaGen's linear amplitude ramps."""
    out = [[points[0][0], _gain_db(points[0][1], nominal), "step"]]
    for q, p in zip(points, points[1:]):
        if p[4] == "lin" and p[1] != q[1] and p[0] > q[0]:
            for k in range(1, RAMP_POINTS):
                x = k / RAMP_POINTS
                out.append([q[0] + (p[0] - q[0]) * x, _gain_db(q[1] + (p[1] - q[1]) * x, nominal), "lin"])
            out.append([p[0], _gain_db(p[1], nominal), "lin"])
        else:
            out.append([p[0], _gain_db(p[1], nominal), p[4] if p[1] != q[1] else "step"])
    return _simplify(out)


def _pitch_curve(points: list[Breakpoint], index: int) -> list | float:
    """Carrier (``index`` 2) or beat (3) breakpoints, in Hz."""
    return _simplify([[p[0], p[index], p[4]] for p in points])


def _simplify(points: list) -> list | float:
    """Drop points that only repeat a held value; a constant becomes a number."""
    out = [points[0]]
    for k, p in enumerate(points[1:], start=1):
        following = points[k + 1] if k + 1 < len(points) else None
        held = p[1] == out[-1][1]
        if held and (following is None or following[2] == "step" or following[1] == p[1] or p[0] == out[-1][0]):
            continue
        out.append(p)
    if len(out) == 1:
        return round(out[0][1], 6)
    return [[round(t, 6), round(v, 6), shape] for t, v, shape in out]
