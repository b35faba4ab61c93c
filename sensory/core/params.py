"""Parameter declarations: each kind states its parameters once, here's the vocabulary.

A kind's parameters are a pydantic model (subclass of :class:`Params`). Numeric
parameters are :data:`Automatable`: a number or a curve ``[[time, value, shape?], ...]``,
always validated into a :class:`~sensory.core.curves.Curve`. :func:`param` declares the
default, unit, allowed range and one-line help; validation, error messages,
``sensory kinds`` and the JSON Schema all read that one declaration.

Curve times may be marks (``"breathe+30s"``); the marks come from the
validation context (``context={"marks": {...}}``) that :mod:`sensory.recipe.model` passes.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from .curves import SHAPES, Curve
from .timeparse import TimeError, parse_time

__all__ = ["MAX_CURVE_POINTS", "Automatable", "Params", "TimeValue", "field_spec", "param", "to_seconds"]

MAX_CURVE_POINTS = 20_000  # breakpoints per curve: room for an imported schedule's ramps


def to_seconds(value: Any, info: ValidationInfo | None = None) -> float:
    """A time field: seconds from a number or time string, marks taken from the context."""
    marks = (info.context or {}).get("marks") if info is not None else None
    try:
        return parse_time(value, marks)
    except TimeError as e:
        raise ValueError(str(e)) from None


def _number(x: Any, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{where}{x!r} is not a number")  # noqa: TRY004 (pydantic reports ValueErrors)
    if not math.isfinite(x):
        raise ValueError(f"{where}{x!r} is not a finite number")
    return float(x)


def _to_curve(value: Any, info: ValidationInfo) -> Curve:
    if isinstance(value, Curve):
        return value
    if not isinstance(value, list):
        return Curve.constant(_number(value, ""))
    if not value:
        raise ValueError("an empty curve; give a number or [[time, value], ...]")
    if len(value) > MAX_CURVE_POINTS:
        raise ValueError(f"{len(value)} curve points is more than the limit of {MAX_CURVE_POINTS}; "
                         "use fewer points with 'lin' or 'exp' ramps between them")
    times, values, shapes = [], [], []
    for i, point in enumerate(value):
        where = f"[{i}] "
        if not isinstance(point, list) or not 2 <= len(point) <= 3:
            raise ValueError(f"{where}a curve point is [time, value] or [time, value, shape], got {point!r}")
        try:
            t = to_seconds(point[0], info)
        except ValueError as e:
            raise ValueError(f"{where}{e}") from None
        if t < 0:
            raise ValueError(f"{where}time {point[0]!r} is before the start of the session")
        if times and t < times[-1]:
            raise ValueError(f"{where}time {point[0]!r} comes before the previous point; list points in time order")
        shape = point[2] if len(point) == 3 else "step"
        if shape not in SHAPES:
            raise ValueError(f"{where}unknown shape {shape!r}; use one of {', '.join(SHAPES)}")
        v = _number(point[1], where)
        if shape == "exp" and (v == 0 or values[-1:] and (values[-1] == 0 or (values[-1] > 0) != (v > 0))):
            raise ValueError(f"{where}exp ramp needs non-zero values of one sign; use 'lin' to cross zero")
        times.append(t)
        values.append(v)
        shapes.append(shape)
    return Curve(tuple(times), tuple(values), tuple(shapes))


def _curve_data(c: Curve) -> float | list:
    if len(c.times) == 1:
        return c.values[0]
    return [[t, v, s] for t, v, s in zip(c.times, c.values, c.shapes)]


_TIME_SCHEMA = {"anyOf": [{"type": "number"}, {"type": "string"}], "description": "seconds, '90s', '2m', '1h30m', '05:00' or a phase mark"}
_CURVE_SCHEMA = {
    "anyOf": [
        {"type": "number"},
        {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "array",
                "minItems": 2,
                "maxItems": 3,
                "prefixItems": [_TIME_SCHEMA, {"type": "number"}, {"enum": list(SHAPES)}],
            },
        },
    ]
}

Automatable = Annotated[
    Curve,
    BeforeValidator(_to_curve),
    PlainSerializer(_curve_data),
    WithJsonSchema(_CURVE_SCHEMA),
]
"""A number or a curve of breakpoints, validated into a :class:`Curve`."""

def _time_field(value: Any, info: ValidationInfo) -> float:
    # a separate function: pydantic passes ``info`` (and so the marks) only to a validator
    # whose second parameter has no default
    return to_seconds(value, info)


TimeValue = Annotated[float, BeforeValidator(_time_field), WithJsonSchema(_TIME_SCHEMA)]
"""A time in seconds, written as a number or a time string."""


def param(default: Any, *, help: str, unit: str = "", ge: float | None = None, le: float | None = None,
          audible: bool = False) -> Any:
    """Declare a kind parameter: default, one-line help, unit and inclusive range.

    ``audible=True`` marks a frequency that must stay below the Nyquist frequency
    of the render's sample rate.
    """
    extra: dict[str, Any] = {"unit": unit} if unit else {}
    if ge is not None:
        extra["minimum"] = ge
    if le is not None:
        extra["maximum"] = le
    if audible:
        extra["audible"] = True
    return Field(default, description=help, json_schema_extra=extra)


def field_spec(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The declaration behind field ``name``: unit, minimum, maximum, audible."""
    extra = model.model_fields[name].json_schema_extra
    return dict(extra) if isinstance(extra, dict) else {}


class Params(BaseModel):
    """Base of every kind's parameter model: frozen, unknown keys rejected, ranges enforced."""

    # defer_build: a model's validator is built when it first validates, so a render builds
    # those of its session and of the kinds it uses, not of every model imported on the way
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, validate_default=True,
                              defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _in_range(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        spec = field_spec(cls, info.field_name)
        lo, hi, unit = spec.get("minimum"), spec.get("maximum"), spec.get("unit", "")
        if lo is None and hi is None:
            return value
        if isinstance(value, Curve):
            numbers = value.values
        elif isinstance(value, (int, float)):
            numbers = (value,)
        else:
            return value
        for i, v in enumerate(numbers):
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                where = f"[{i}] " if isinstance(value, Curve) and len(numbers) > 1 else ""
                u = f" {unit}" if unit else ""
                allowed = (f"{lo:g} to {hi:g}" if lo is not None and hi is not None
                           else f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
                raise ValueError(f"{where}{v:g}{u} is out of range; use {allowed}{u}")
        return value

    def after(self, seconds: float) -> Params:
        """These parameters as seen from ``seconds`` into the session: every curve
        (:meth:`Curve.after`) and every listed time moved ``seconds`` earlier, times
        that fall before dropped. A unit built from them lives as if built then."""
        update: dict[str, Any] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, Curve):
                update[name] = value.after(seconds)
            elif field.annotation == tuple[TimeValue, ...]:
                update[name] = tuple(t - seconds for t in value if t >= seconds)
        return self.model_copy(update=update)
