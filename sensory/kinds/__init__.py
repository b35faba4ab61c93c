"""The sound kinds: a registry mapping each kind name to its parameters and unit.

A kind module declares a :class:`~sensory.core.params.Params` model and a
:class:`~sensory.core.unit.Unit` subclass and registers them with :func:`kind`.
Everything else (validation, ``sensory kinds``, the JSON Schema) reads
:data:`REGISTRY`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..core.params import Params
from ..core.unit import Unit

__all__ = ["Kind", "REGISTRY", "kind", "get"]


@dataclass(frozen=True)
class Kind:
    name: str
    family: str  # "noise", "tone", "guide", "nature"
    summary: str
    params: type[Params]
    unit: type[Unit]


REGISTRY: dict[str, Kind] = {}

# Modules whose import registers their kinds.
_MODULES = ("noise", "tones", "breath", "bells", "drone", "rain", "stream", "ocean", "wind", "thunder", "fire", "birds",
            "insects", "sbagen", "soundtrack")


def kind(name: str, *, family: str, params: type[Params]):
    """Class decorator registering a Unit subclass as kind ``name``; its docstring's
    first line is the kind's one-line summary."""

    def register(unit: type[Unit]) -> type[Unit]:
        summary = (unit.__doc__ or "").strip().splitlines()[0] if unit.__doc__ else name
        REGISTRY[name] = Kind(name, family, summary, params, unit)
        return unit

    return register


def get(name: str) -> Kind:
    load_all()
    return REGISTRY[name]


def load_all() -> dict[str, Kind]:
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return REGISTRY
