"""Recipe files (TOML) into frozen, validated :class:`Recipe` objects.

A recipe has a ``[session]`` table, optional ``[[phase]]`` entries that put
named marks on the timeline, and one or more ``[[layer]]`` entries::

    [session]
    title = "Rainy night"
    duration = "45m"
    seed = 7

    [[layer]]
    name = "beat"
    kind = "binaural"
    carrier = 200
    beat = [[0, 10], ["5m", 10], ["35m", 6, "exp"]]
    gain_db = -22

All validation happens here. A recipe is checked whole: every problem found is reported at
once, in file order, each on its own line naming the file, the key path, the problem and the fix
(at most :data:`~.problems.MAX_PROBLEMS`), in one :class:`RecipeError`. Recipes are
data only: nothing in them runs code or reads other files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from .. import kinds
from ..core.curves import Curve
from ..core.limits import MAX_DURATION_S, MAX_SEED, SAMPLE_RATES
from ..core.params import Automatable, Params, TimeValue, field_spec, param
from ..core.timeparse import TimeError, format_time, parse_time
from ..errors import RecipeError
from .files import check_size
from .groups import Group, PresetLayer, included
from .problems import Problems, did_you_mean, pydantic_problem, toml_message

__all__ = ["MAX_LAYERS", "MAX_PHASES", "LayerBase", "Phase", "Recipe", "Session", "check_sample_rate", "layer_model",
           "parse", "parse_text"]

MAX_LAYERS = 64
MAX_PHASES = 1000


class Session(Params):
    """The ``[session]`` table: what the recipe is, its length and seed, and the master stage
    (gain, fades, ceiling, space); units and ranges declared as a kind's parameters are."""

    title: str = Field("", description="title shown in listings and players")
    description: str = Field("", description="one line saying what the recipe is")
    type: Literal["soundscape", "session"] = Field(
        "session", description="soundscape: plays until stopped; session: follows its timeline and ends")
    duration: TimeValue | None = Field(
        None, description="length (default export length for soundscapes); may follow from the phases")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="random seed: the same seed renders the same audio")
    sample_rate: int = param(48000, unit="Hz", ge=SAMPLE_RATES[0], le=SAMPLE_RATES[1], help="sample rate")
    gain_db: Automatable = param(0.0, unit="dB", ge=-120, le=12, help="master gain before the limiter: the recipe's level")
    fade_in: TimeValue = param(3.0, unit="s", help="fade-in length at the start")
    fade_out: TimeValue = param(5.0, unit="s", help="fade-out length at the end")
    ceiling_db: float = param(-1.0, unit="dBFS", ge=-20, le=0, help="limiter ceiling: no sample goes above it")
    space: float = param(1.6, unit="s", ge=0.2, le=10, help="reverberation time of the space stage that layers' send feeds")


class Phase(BaseModel):
    """A ``[[phase]]`` entry: a named stretch of the timeline."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: str = Field(pattern=r"^[A-Za-z_][\w-]*$", description="mark name, usable in curve times")
    duration: TimeValue = Field(description="length of the phase")
    description: str = Field("", description="what the listener is invited to do")


class LayerBase(Params):
    """Keys every ``[[layer]]`` has, whatever its kind."""

    name: str = Field(min_length=1, max_length=64, description="unique layer name; it also seeds the layer")
    kind: str = Field(description="sound kind (see `sensory kinds`)")
    gain_db: Automatable = param(0.0, unit="dB", ge=-120, le=12, help="layer gain")
    pan: Automatable = param(0.0, ge=-1, le=1, help="position: -1 left, 0 centre, 1 right")
    send: Automatable = param(0.0, ge=0, le=1, help="share sent to the space stage (reverb): 0 dry .. 1 full")

    def __reduce__(self):
        # the models are made per kind at run time (layer_model): pickled by kind, for the
        # processes that render layers side by side (sensory.engine.parallel)
        return _rebuilt_layer, (self.kind, dict(self))


def _rebuilt_layer(kind_name: str, values: dict) -> LayerBase:
    return layer_model(kind_name).model_construct(**values)


@cache
def layer_model(kind_name: str) -> type[LayerBase]:
    """The validation model of a ``[[layer]]`` of kind ``kind_name``."""
    k = kinds.get(kind_name)
    return create_model(f"{kind_name.title().replace('-', '')}Layer", __base__=(LayerBase, k.params),
                        __doc__=k.summary, kind=(Literal[kind_name], Field(description=k.summary)))


@dataclass(frozen=True)
class Recipe:
    """A validated recipe. ``layers`` are the layer models (common keys plus the kind's)."""

    name: str
    source: str
    session: Session
    phases: tuple[Phase, ...]
    layers: tuple[LayerBase, ...]
    marks: dict[str, float]
    groups: tuple[Group, ...] = ()  # layers that came from presets (sensory.recipe.groups)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.marks["end"]

    @property
    def title(self) -> str:
        return self.session.title or self.name

    @property
    def type(self) -> str:
        return self.session.type

    def phase_at(self, seconds: float) -> Phase | None:
        """The phase running at ``seconds``, if any."""
        for p in self.phases:
            if self.marks[p.name] <= seconds < self.marks[p.name] + p.duration:
                return p
        return None


def parse_text(text: str, source: str = "<recipe>", *, name: str | None = None, resolve=None) -> Recipe:
    """A recipe from TOML text; ``source`` names it in error messages. ``resolve(name)`` gives
    the recipe of a preset that a ``[[layer]]`` names (see :func:`parse`)."""
    check_size(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"{source}: {toml_message(e)}") from None
    except RecursionError:
        raise RecipeError(f"{source}: arrays or tables are nested too deeply; a recipe nests "
                          "at most a curve's [[time, value], ...]") from None
    return parse(data, source, name=name, resolve=resolve)


def parse(data: dict[str, Any], source: str = "<recipe>", *, name: str | None = None, resolve=None) -> Recipe:
    """A recipe from already-parsed TOML data. A ``[[layer]]`` with ``preset = NAME`` brings that
    preset's layers as a group (:mod:`sensory.recipe.groups`); ``resolve(NAME)`` gives its recipe
    (:func:`sensory.recipe.library.load` passes one that refuses a preset including itself)."""
    where = Problems(source)
    if not isinstance(data, dict):
        where.fail("", "a recipe is a table with [session] and [[layer]] entries")
    _no_unknown(where, "", data, ("session", "phase", "layer"), what="table")
    session_data = data.get("session", {})
    if not isinstance(session_data, dict):
        where.fail("session", "[session] must be a table")
    phases = _phases(where, data.get("phase", []))
    marks: dict[str, float] = {"start": 0.0}
    t = 0.0
    for p in phases:
        marks[p.name] = t
        t += p.duration
    duration = _duration(where, session_data, phases_end=t)
    marks["end"] = duration
    session = _validate(where, "session", Session, session_data, marks)
    layers, groups = _layers(where, data.get("layer"), marks, resolve)
    where.raise_found()
    recipe = Recipe(name or Path(source).stem, source, session, phases, layers, marks, groups)
    check_sample_rate(recipe, session.sample_rate, where=where)
    for key in ("fade_in", "fade_out"):
        if not 0 <= getattr(session, key) <= MAX_DURATION_S:
            where.note(f"session.{key}", "a fade lasts 0 s or more (renders shorten fades to half their length)")
    if session.type == "session":
        _times_within(where, recipe)
    where.raise_found()
    return recipe


def check_sample_rate(recipe: Recipe, sample_rate: int, *, where: Problems | None = None) -> None:
    """Reject a sample rate out of range or too low for a frequency in ``recipe``: every such
    frequency is noted in ``where`` (raised at once when no ``where`` is given)."""
    own = where is None
    where = where or Problems(recipe.source)
    if not SAMPLE_RATES[0] <= sample_rate <= SAMPLE_RATES[1]:
        where.fail("", f"sample rate {sample_rate} Hz is out of range; use {SAMPLE_RATES[0]} to {SAMPLE_RATES[1]}")
    nyquist = sample_rate / 2
    for i, layer in enumerate(recipe.layers):
        for fname in type(layer).model_fields:
            if field_spec(type(layer), fname).get("audible"):
                value = getattr(layer, fname)
                top = value.highest if isinstance(value, Curve) else max(value) if isinstance(value, tuple) else value
                if top >= nyquist:
                    where.note(f"layer[{i}] {layer.name!r}.{fname}",
                               f"{top:g} Hz is at or above the Nyquist frequency ({nyquist:g} Hz at "
                               f"{sample_rate} Hz); lower it or raise the sample rate")
    if own:
        where.raise_found()


def _times_within(where: Problems, recipe: Recipe) -> None:
    """Note every curve point and listed time of a session's layers that lies past its end."""
    end = recipe.duration
    length = format_time(end)
    for i, layer in enumerate(recipe.layers):
        for fname, field in type(layer).model_fields.items():
            value = getattr(layer, fname)
            if isinstance(value, Curve) and not value.is_constant:
                late = [k for k, t in enumerate(value.times) if t > end + 1e-9]
                what = "curve point"
            elif field.annotation == tuple[TimeValue, ...]:
                late = [k for k, t in enumerate(value) if t > end + 1e-9]
                what = "time"
            else:
                continue
            if late:
                k = late[0]
                t = value.times[k] if isinstance(value, Curve) else value[k]
                more = f" (and {len(late) - 1} more after it)" if len(late) > 1 else ""
                where.note(f"layer[{i}] {layer.name!r}.{fname}[{k}]",
                           f"the {what} at {format_time(t)} lies past the session's end ({length}){more}; "
                           f"move it to {length} or earlier, or lengthen the session")


def _phases(where: Problems, raw: Any) -> tuple[Phase, ...]:
    if not isinstance(raw, list):
        where.fail("phase", "phases are [[phase]] entries")
    if len(raw) > MAX_PHASES:
        where.fail("phase", f"{len(raw)} phases is more than the limit of {MAX_PHASES}")
    out: list[Phase] = []
    names = {"start", "end"}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            where.note(f"phase[{i}]", "a phase is a table with name and duration")
            continue
        p = _validate(where, f"phase[{i}]", Phase, entry, None)
        if p is None:
            continue
        if p.name in names:
            where.note(f"phase[{i}].name", f"phase name {p.name!r} is already used; give each phase its own name")
            continue
        names.add(p.name)
        if not 0 < p.duration <= MAX_DURATION_S:
            where.note(f"phase[{i}] {p.name!r}.duration", "a phase lasts more than 0 s and at most 24 h")
            continue
        out.append(p)
    return tuple(out)


def _duration(where: Problems, session: dict, phases_end: float) -> float:
    raw = session.get("duration")
    if raw is None:
        if phases_end == 0:
            where.fail("session.duration", "missing; give a duration such as '20m', or [[phase]] entries")
        return phases_end
    try:
        seconds = parse_time(raw)
    except TimeError as e:
        where.note("session.duration", str(e))
        return phases_end or MAX_DURATION_S
    if not 0 < seconds <= MAX_DURATION_S:
        where.note("session.duration", f"{raw!r} is out of range; a session lasts more than 0 s and at most 24 h")
        return phases_end or MAX_DURATION_S
    if seconds < phases_end - 1e-9:
        where.note("session.duration", f"{raw!r} is shorter than its phases ({format_time(phases_end)}); "
                                       "lengthen it or remove it to follow the phases")
    return seconds


def _layers(where: Problems, raw: Any, marks: dict[str, float], resolve) -> tuple[tuple[LayerBase, ...], tuple]:
    if raw is None or raw == []:
        where.fail("layer", "the recipe has no layers; add at least one [[layer]] with a name and a kind")
    if not isinstance(raw, list):
        where.fail("layer", "layers are [[layer]] entries")
    if len(raw) > MAX_LAYERS:
        where.fail("layer", f"{len(raw)} layers is more than the limit of {MAX_LAYERS}")
    registry = kinds.names()
    names: set[str] = set()
    out: list[LayerBase] = []
    groups: list[Group] = []
    for i, entry in enumerate(raw):
        place = f"layer[{i}]"
        if not isinstance(entry, dict):
            where.note(place, "a layer is a table with a name and a kind")
            continue
        name = entry.get("name")
        if isinstance(name, str) and name:
            place = f"layer[{i}] {name!r}"
            if name in names:
                where.note(place, f"duplicate layer name {name!r}; give each layer its own name")
            names.add(name)
        if "preset" in entry:
            spec = _validate(where, place, PresetLayer, entry, marks)
            if spec is not None and resolve is None:
                where.note(f"{place}.preset", "a preset resolves only in a recipe loaded by name or path "
                                              "(sensory.load); give the recipe as a file")
            elif spec is not None:
                try:
                    sub = resolve(spec.preset)
                except RecipeError as e:  # its first problem; `sensory validate` on it lists them all
                    first, *rest = str(e).split("\n")
                    more = f" (and {len(rest)} more: `sensory validate {spec.preset}`)" if rest else ""
                    where.note(f"{place}.preset", first + more)
                    continue
                for unknown in sorted(set(spec.levels) - {layer.name for layer in sub.layers}):
                    where.note(f"{place}.levels", f"preset {spec.preset!r} has no layer {unknown!r}"
                                                  f"{did_you_mean(unknown, [layer.name for layer in sub.layers])}")
                more, inner = included(spec, sub, len(out))
                out += more
                groups += inner
            continue
        kind = entry.get("kind")
        if not isinstance(kind, str):
            where.note(f"{place}.kind", f"missing or not a string; choose one of: {', '.join(sorted(registry))}")
            continue
        if kind not in registry:
            where.note(f"{place}.kind", f"unknown kind {kind!r}{did_you_mean(kind, registry)}; "
                                        f"kinds: {', '.join(sorted(registry))}")
            continue
        layer = _validate(where, place, layer_model(kind), entry, marks)
        if layer is not None:
            out.append(layer)
    if len(out) > MAX_LAYERS:
        where.note("layer", f"{len(out)} layers with the presets' is more than the limit of {MAX_LAYERS}")
    seen = [layer.name for layer in out]
    for twice in sorted({n for n in seen if seen.count(n) > 1} - names):
        where.note("layer", f"two layers are called {twice!r} (a preset's layers are called GROUP/LAYER); rename one")
    return tuple(out), tuple(groups)


def _validate(where: Problems, place: str, model: type[BaseModel], data: dict, marks: dict | None):
    """``data`` validated by ``model``, or None with every problem pydantic found noted in ``where``."""
    try:
        return model.model_validate(data, context={"marks": marks or {}})
    except ValidationError as e:
        for err in e.errors(include_url=False):
            where.note(*pydantic_problem(place, model, err))
        return None


def _no_unknown(where: Problems, place: str, data: dict, allowed: tuple[str, ...], what: str) -> None:
    for key in data:
        if key not in allowed:
            where.note(place or key, f"unknown {what} {key!r}{did_you_mean(key, allowed)}; "
                                     f"a recipe has {', '.join('[' + a + ']' for a in allowed)}")


