"""The sound kinds: a registry mapping each kind name to its parameters and unit.

A kind module declares a :class:`~sensory.core.params.Params` model and a
:class:`~sensory.core.unit.Unit` subclass and registers them with :func:`kind`.
Its module is imported when the kind is first asked for (:func:`get`), so a render
imports the kinds it uses and nothing else (a noise bed never loads the rain's
filters); :data:`MODULES` names each kind's module, :func:`names` lists the kinds
without importing any, and :func:`load_all` imports every one (``sensory kinds``,
the JSON Schema).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..core.params import Params
from ..core.unit import Unit

__all__ = ["MODULES", "REGISTRY", "Kind", "get", "kind", "load_all", "names"]


@dataclass(frozen=True)
class Kind:
    name: str
    family: str  # "noise", "tone", "guide", "nature"
    summary: str
    params: type[Params]
    unit: type[Unit]


REGISTRY: dict[str, Kind] = {}  # the kinds registered so far: those whose module is imported

# Each kind's module (in this package), whose import registers it; in the order kinds are listed.
MODULES = {"noise": "noise", "tone": "tones", "binaural": "tones", "monaural": "tones", "isochronic": "tones",
           "breath": "breath", "bell": "bells", "drone": "drone", "rain": "rain", "stream": "stream",
           "ocean": "ocean", "wind": "wind", "thunder": "thunder", "fire": "fire", "birds": "birds",
           "insects": "insects", "sbagen-tone": "sbagen", "sbagen-noise": "sbagen", "sbagen-bell": "sbagen",
           "soundtrack": "soundtrack"}


def kind(name: str, *, family: str, params: type[Params]):
    """Class decorator registering a Unit subclass as kind ``name``; its docstring's
    first line is the kind's one-line summary."""

    def register(unit: type[Unit]) -> type[Unit]:
        summary = (unit.__doc__ or "").strip().splitlines()[0] if unit.__doc__ else name
        REGISTRY[name] = Kind(name, family, summary, params, unit)
        return unit

    return register


def get(name: str) -> Kind:
    """The kind called ``name`` (one of :func:`names`), its module imported if it was not yet."""
    if name not in REGISTRY:
        importlib.import_module(f"{__name__}.{MODULES[name]}")
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every kind's name, none imported."""
    return tuple(MODULES)


def load_all() -> dict[str, Kind]:
    """Every kind by name, in :data:`MODULES` order, each module imported."""
    return {name: get(name) for name in MODULES}
