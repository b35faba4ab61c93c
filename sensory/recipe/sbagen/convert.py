"""Tracks of SBaGen breakpoints into recipe data, and schedules into recipes.

Each slot's voices become layers of the kinds of :mod:`sensory.kinds.sbagen` (and
``soundtrack`` for ``mix/A``), whose ranges and levels are SBaGen's: a layer's ``amp``
is SBaGen's amplitude, following SBaGen's linear ramps point for point, and every layer
has the same gain, :data:`HEADROOM_DB`, which keeps SBaGen's full scale (all amplitudes
adding up to 100) 6 dB under sensory's ceiling. SBaGen recomputes its settings every
0.1 s (``-R``) and holds them in between, so its changes lag by half of that on average:
every breakpoint and strike is placed that much later.

Length and type: ``-E`` ends the session at the last time line, ``-L`` after that long
(``-E`` wins, as in SBaGen); ``-p`` programs end where they end; so does a schedule whose
last tone-set is silent (SBaGen would play silence on). Any other schedule plays on, as
SBaGen's does: a soundscape whose export length is SBaGen's one hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...core.limits import SAMPLE_RATES
from ...errors import RecipeError
from ..files import read_text
from ..model import MAX_PHASES, Recipe, parse, parse_text
from .clock import DAY
from .schedule import Schedule, parse_sbg
from .timing import Breakpoint, Track, tracks
from .toml_text import to_toml
from .voices import NOISES

__all__ = ["HEADROOM_DB", "SOUNDSCAPE_S", "Converted", "convert_file", "load_sbg", "recipe_data"]

HEADROOM_DB = -6.0
SOUNDSCAPE_S = 3600.0  # export length of a schedule that plays on (SBaGen writes an hour)


def session_length(schedule: Schedule) -> float | None:
    """Seconds the schedule plays for, or None if it plays on."""
    o = schedule.options
    last = schedule.lines[-1]
    if o.to_end or (o.length is None and all(v is None for v in last.voices)):
        return (last.time - schedule.start) % DAY or DAY  # to itself: round the day, as SBaGen does
    return o.length


def recipe_data(schedule: Schedule, name: str) -> dict:
    """Recipe data (the dict a TOML recipe parses into) for ``schedule``, titled ``name``."""
    length = session_length(schedule)
    soundscape = length is None
    duration = SOUNDSCAPE_S if soundscape else length
    if duration <= 0:
        raise RecipeError(f"{schedule.source}: -L 0:00 plays nothing; give a length such as -L 0:30")
    found = tracks(schedule, DAY if soundscape else duration)
    lag = 0.5 / schedule.options.refresh
    for tr in found:
        tr.points = [(p[0] + lag, *p[1:]) for p in tr.points]
        tr.strikes = [(t + lag, v) for t, v in tr.strikes]
    layers = [layer for tr in found if (layer := _layer(tr, schedule, duration, soundscape))]
    if schedule.options.mix_file is not None and not any(tr.kind == "mix" for tr in found):
        layers.append({"name": "mix", **_soundtrack(schedule), "gain_db": HEADROOM_DB, "amp": 100.0})
    if not layers:
        raise RecipeError(f"{schedule.source}: the schedule is silent throughout; nothing to convert")
    session = {"title": name, "description": f"converted from SBaGen schedule {Path(schedule.source).name}",
               "type": "soundscape" if soundscape else "session", "duration": duration,
               "fade_in": 0.0 if not soundscape else 3.0, "fade_out": 1.0 if not soundscape else 5.0}
    rate = schedule.options.sample_rate
    if rate is not None and SAMPLE_RATES[0] <= rate <= SAMPLE_RATES[1]:
        session["sample_rate"] = rate
    data = {"session": session, "layer": layers}
    if not soundscape and (phases := _phases(schedule, duration)):
        data["phase"] = phases
    return data


def _phases(schedule: Schedule, duration: float) -> list[dict]:
    """One phase per time line heard (lines at one time merged), or none if too many."""
    starts: list[tuple[float, object]] = []
    for line in schedule.lines:
        t = (line.time - schedule.start) % DAY
        if t < duration:
            starts.append((t, line))
    starts.sort(key=lambda s: s[0])
    if not starts or starts[0][0] > 0:
        before = max(schedule.lines, key=lambda x: (x.time - schedule.start) % DAY)  # the line playing at the start
        starts.insert(0, (0.0, before))
    phases = []
    for k, (t, line) in enumerate(starts):
        stop = starts[k + 1][0] if k + 1 < len(starts) else duration
        if stop > t:
            phases.append({"name": f"line{line.number}-{k + 1}", "duration": round(stop - t, 6),
                           "description": f"SBaGen line {line.number}: {line.text}"})
    return phases if len(phases) <= MAX_PHASES else []


def _layer(tr: Track, schedule: Schedule, duration: float, soundscape: bool) -> dict | None:
    """The layer of track ``tr``, or None if it is silent within the session."""
    name = f"slot{tr.slot + 1}-{tr.kind}"
    if tr.kind == "bell":
        strikes = [round(t, 6) for t, _ in tr.strikes if 0 <= t < duration]
        if not strikes:
            return None
        voice = tr.strikes[0][1]
        return {"name": f"{name}-{voice.carrier:g}-{voice.amp:g}", "kind": "sbagen-bell", "gain_db": HEADROOM_DB,
                "freq": voice.carrier, "amp": voice.amp, "strikes": strikes}
    points = _clip(tr.points, DAY if soundscape else duration)
    if all(p[1] == 0 for p in points):
        return None
    layer = {"name": name, "kind": "sbagen-tone", "gain_db": HEADROOM_DB}
    if tr.kind in NOISES:
        layer.update(kind="sbagen-noise", color=tr.kind)
    elif tr.kind == "spin":
        layer.update(kind="sbagen-noise", color="pink", width=_curve(points, 2), beat=_curve(points, 3))
    elif tr.kind == "mix":
        if schedule.options.mix_file is None:  # SBaGen mixes in nothing: the rest plays
            return None
        layer.update(_soundtrack(schedule))
    else:
        layer.update(carrier=_curve(points, 2), beat=_curve(points, 3))
        if tr.kind.startswith("wave"):
            layer["wave"] = list(schedule.waves[int(tr.kind[4:])])
        elif schedule.options.compensation:  # SBaGen compensates sine tones only
            layer["compensation"] = [list(p) for p in schedule.options.compensation]
    layer["amp"] = _curve(points, 1)
    return layer


def _soundtrack(schedule: Schedule) -> dict:
    """The soundtrack layer's keys for ``-m FILE``: the file (a relative path counts from the
    schedule's folder, as SBaGen looks there too) and whether it loops (OGG files do)."""
    path = Path(schedule.options.mix_file)
    if not path.is_absolute() and not schedule.source.startswith("<"):
        path = Path(schedule.source).resolve().parent / path
    return {"kind": "soundtrack", "file": str(path), "loop": path.suffix.lower() == ".ogg"}


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


def _curve(points: list[Breakpoint], index: int) -> list | float:
    """Field ``index`` (1 amp, 2 carrier or width, 3 beat) as curve data: breakpoints that
    only repeat a held value dropped, a constant a number."""
    rows = [(p[0], p[index], p[4]) for p in points]
    out = [rows[0]]
    for k, (t, v, shape) in enumerate(rows[1:], start=1):
        following = rows[k + 1] if k + 1 < len(rows) else None
        held = v == out[-1][1]
        if held and (following is None or following[2] == "step" or following[1] == v or t == out[-1][0]):
            continue
        out.append((t, v, shape if not held else "step"))
    if len(out) == 1:
        return round(out[0][1], 6)
    return [[round(t, 6), round(v, 6), shape] for t, v, shape in out]
