"""The web mixer's messages: JSON text from a browser, checked whole before anything is done.

A message is one JSON object of at most :data:`MAX_MESSAGE_BYTES` bytes, with the run's
``token``, an action ``do`` and that action's fields (:data:`ACTIONS`); for example
``{"token": "...", "do": "layer", "index": 2, "db": -6}``. Numbers must be finite and within
the action's range (JSON's ``NaN`` and ``Infinity`` are refused, as are booleans where a
number belongs), names are preset names, and unknown fields are refused, so that a message
either does exactly what it says or nothing. Every refusal is a
:class:`~sensory.errors.RecipeError` whose text is sent back to the page.
"""

from __future__ import annotations

import hmac
import json
import math
from dataclasses import dataclass

from ..errors import RecipeError
from ..live.player import LAYER_RANGE_DB, VOLUME_RANGE_DB
from ..recipe.presets import is_name

__all__ = ["ACTIONS", "MAX_MESSAGE_BYTES", "Command", "parse"]

MAX_MESSAGE_BYTES = 4096
MAX_INDEX = 4096          # layers and groups a message may name
SLEEP_RANGE_MIN = (0.01, 24 * 60.0)
SLEEP_FADE_RANGE_S = (0.0, 600.0)


@dataclass(frozen=True)
class Field:
    """One field of an action: ``kind`` is "number", "index", "bool" or "name"; numbers lie in
    ``low..high``; an ``optional`` field may be left out or ``null``."""

    kind: str
    low: float = 0.0
    high: float = 0.0
    optional: bool = False


ACTIONS: dict[str, dict[str, Field]] = {
    "volume": {"db": Field("number", *VOLUME_RANGE_DB)},
    "layer": {"index": Field("index"), "db": Field("number", *LAYER_RANGE_DB, optional=True),
              "muted": Field("bool", optional=True)},
    "group": {"index": Field("index"), "db": Field("number", *LAYER_RANGE_DB, optional=True),
              "muted": Field("bool", optional=True)},
    "pause": {"paused": Field("bool")},
    "sleep": {"minutes": Field("number", *SLEEP_RANGE_MIN, optional=True),
              "fade": Field("number", *SLEEP_FADE_RANGE_S, optional=True)},
    "add": {"preset": Field("name")},
    "remove": {"index": Field("index")},
    "save": {"name": Field("name", optional=True)},
    "stop": {},
}


@dataclass(frozen=True)
class Command:
    """A checked message: the action and its fields (left-out optional fields are ``None``)."""

    action: str
    args: dict


def parse(text: str | bytes, token: str) -> Command:
    """The :class:`Command` in message ``text``, which must carry ``token``; raises
    :class:`RecipeError` saying what is wrong (the token first, before anything is read)."""
    if len(text) > MAX_MESSAGE_BYTES:
        raise RecipeError(f"message of {len(text)} bytes: at most {MAX_MESSAGE_BYTES}")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise RecipeError(f"not JSON: {str(e)[:120]}") from None
    if not isinstance(data, dict):
        raise RecipeError("a message is a JSON object {\"token\": ..., \"do\": ...}")
    given = data.pop("token", None)
    if not isinstance(given, str) or not hmac.compare_digest(given.encode(), token.encode()):
        raise RecipeError("no valid token: open the address that `sensory mixer` printed")
    action = data.pop("do", None)
    if action not in ACTIONS:
        raise RecipeError(f"'do' is {str(action)[:40]!r}: use one of {', '.join(ACTIONS)}")
    fields = ACTIONS[action]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise RecipeError(f"{action}: unknown field {unknown[0][:40]!r} (it takes {', '.join(fields) or 'none'})")
    return Command(action, {name: _value(action, name, spec, data.get(name)) for name, spec in fields.items()})


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number here")


def _value(action: str, name: str, spec: Field, value):
    """``value`` of field ``name`` checked against ``spec``."""
    where = f"{action}.{name}"
    if value is None:
        if spec.optional:
            return None
        raise RecipeError(f"{where}: missing; give it")
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise RecipeError(f"{where}: give true or false")
        return value
    if spec.kind == "name":
        if not isinstance(value, str) or not is_name(value):
            raise RecipeError(f"{where}: give a preset name (lower-case letters, digits, - and _)")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecipeError(f"{where}: give a number")
    if spec.kind == "index":
        if not isinstance(value, int) or not 0 <= value < MAX_INDEX:
            raise RecipeError(f"{where}: give a whole number from 0")
        return value
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) and spec.low <= number <= spec.high):
        raise RecipeError(f"{where}: {number:g} is out of range; give {spec.low:g} to {spec.high:g}")
    return number
