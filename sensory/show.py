"""Text descriptions of recipes and kinds for ``sensory show`` and ``sensory kinds``."""

from __future__ import annotations

from .core.curves import Curve
from .core.params import field_spec
from .core.timeparse import format_time
from .recipe.model import LayerBase, Recipe

__all__ = ["describe", "describe_kind", "kinds_table"]


def _value(v) -> str:
    if isinstance(v, Curve):
        if len(v.times) == 1:
            return f"{v.values[0]:g}"
        return "  ".join(f"{format_time(t)}→{val:g}" + ("" if s == "step" else f" ({s})")
                         for t, val, s in zip(v.times, v.values, v.shapes))
    return str(v)


def _unit(params, name: str) -> str:
    """`` unit`` of field ``name`` of ``params`` as declared, or "" if it has none."""
    unit = field_spec(type(params), name).get("unit", "")
    return f" {unit}" if unit else ""


def describe(recipe: Recipe) -> str:
    """The text of ``sensory show``: session, master stage, timeline and layers with their values."""
    s = recipe.session
    lines = [f"{recipe.title}  [{recipe.type}, {format_time(recipe.duration)}, seed {s.seed}, {s.sample_rate}{_unit(s, 'sample_rate')}]"]
    if s.description:
        lines.append(s.description)
    lines.append(f"master: gain {_value(s.gain_db)}{_unit(s, 'gain_db')}, fade in {s.fade_in:g}{_unit(s, 'fade_in')}, "
                 f"fade out {s.fade_out:g}{_unit(s, 'fade_out')}, ceiling {s.ceiling_db:g}{_unit(s, 'ceiling_db')}")
    if recipe.phases:
        lines.append("timeline:")
        for p in recipe.phases:
            start = recipe.marks[p.name]
            lines.append(f"  {format_time(start):>7} - {format_time(start + p.duration):>7}  {p.name}"
                         + (f": {p.description}" if p.description else ""))
    if recipe.groups:
        lines.append("groups (presets):")
        for g in recipe.groups:
            lines.append(f"  {g.name} = preset {g.preset}: gain {_value(g.gain_db)} dB over its level "
                         f"{_value(g.level_db)} dB, pan {_value(g.pan)}, {len(g.members)} layers")
    lines.append("layers:")
    common = set(LayerBase.model_fields)
    for layer in recipe.layers:
        lines.append(f"  {layer.name} ({layer.kind}): gain {_value(layer.gain_db)}{_unit(layer, 'gain_db')}, "
                     f"pan {_value(layer.pan)}")
        for name in type(layer).model_fields:
            if name not in common:
                lines.append(f"      {name} = {_value(getattr(layer, name))}{_unit(layer, name)}")
    return "\n".join(lines)


def kinds_table() -> str:
    """The text of ``sensory kinds``: one line per kind (name, family, summary)."""
    from .kinds import load_all

    registry = load_all()
    width = max(map(len, registry))
    return "\n".join(f"{k.name:<{width}}  {k.family:<7} {k.summary}" for k in sorted(registry.values(), key=lambda k: (k.family, k.name)))


def describe_kind(name: str) -> str:
    """The text of ``sensory kinds NAME``: the kind's summary, its unit's notes and its parameters."""
    from difflib import get_close_matches

    from .errors import RecipeError
    from .kinds import load_all
    from .recipe.model import layer_model

    registry = load_all()
    if name not in registry:
        close = get_close_matches(name, list(registry), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise RecipeError(f"no kind named {name!r}{hint}; `sensory kinds` lists them")
    k = registry[name]
    model = layer_model(name)
    lines = [f"{name}: {k.summary}", ""]
    doc = (k.unit.__doc__ or "").strip().splitlines()[1:]
    if doc:
        lines += [d.strip() for d in doc if d.strip()] + [""]
    lines.append("parameters (a number or a curve [[time, value, shape], ...] where numeric):")
    for fname, field in model.model_fields.items():
        if fname == "kind":
            continue
        spec = field_spec(model, fname)
        lo, hi, unit = spec.get("minimum"), spec.get("maximum"), spec.get("unit", "")
        rng = f" [{lo:g}..{hi:g}{' ' + unit if unit else ''}]" if lo is not None and hi is not None else \
            (f" [{unit}]" if unit else "")
        default = "required" if field.is_required() else f"default {_value(field.default)}"
        lines.append(f"  {fname:<12} {default}{rng}  {field.description or ''}")
    return "\n".join(lines)
