"""Groups: a whole preset as one voice of a recipe, its layers renamed under the group's name.

A ``[[layer]]`` with ``preset = "rain"`` instead of a kind, and a mix of presets on the command
line (``sensory play forest rain``), both end here: the preset's layers join the recipe as
``shower/drops``, ``shower/far``..., and a :class:`Group` keeps what applies to all of them
together: the entry's gain and pan curves and the preset's own level (its ``[session]``
``gain_db``). A group's layers are seeded by their full names, so each gets its own generator,
the same at every render.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from pydantic import Field

from ..core.curves import Curve
from ..core.params import Automatable, Params, param

__all__ = ["MAX_DEPTH", "Group", "PresetLayer", "included"]

MAX_DEPTH = 4  # presets inside presets, at most this deep


class PresetLayer(Params):
    """A ``[[layer]]`` that is a whole preset: its name, the preset's name, gain and pan."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[^/]+$",
                      description="group name: the preset's layers are called NAME/LAYER")
    preset: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                        description="a preset name (built-in or user); recipes name presets, never files")
    gain_db: Automatable = param(0.0, unit="dB", ge=-120, le=12, help="the group's gain, over the preset's own level")
    pan: Automatable = param(0.0, ge=-1, le=1, help="the group's position: -1 left, 0 centre, 1 right")
    levels: dict[str, Annotated[float, Field(ge=-120, le=12)]] = Field(
        default_factory=dict, description="dB added to the preset's layers by name, e.g. {drops = -3}; "
                                          "-120 silences a layer")


@dataclass(frozen=True)
class Group:
    """Layers of a recipe that came from one preset.

    ``gain_db`` (the entry's) and ``level_db`` (the preset's own, its ``[session]`` ``gain_db``)
    are curves in dB summed into the group's gain, ``pan`` places the group's stereo sum (a
    balance: -1 left .. 1 right), ``members`` are indices into the recipe's layers. ``name`` is
    the prefix of its layers' names (``shower``; ``mix/shower`` for a group inside a group).
    ``folded``: the gain is already in the members' own gain curves (see :func:`included`).
    """

    name: str
    preset: str
    gain_db: Curve
    level_db: Curve
    pan: Curve
    members: tuple[int, ...]
    folded: bool = False

    @property
    def gains(self) -> tuple[Curve, ...]:
        """The gain curves (dB) left to apply to the members' outputs: none when folded into
        their own, and a constant 0 dB changes nothing."""
        if self.folded:
            return ()
        return tuple(c for c in (self.gain_db, self.level_db) if not (c.is_constant and c.values[0] == 0))


def _shifted(curve: Curve, db: float) -> Curve:
    """``curve`` (dB) ``db`` higher at every point (a constant or linear piece stays exactly that)."""
    return Curve(curve.times, tuple(v + db for v in curve.values), curve.shapes)


def included(entry: PresetLayer, sub, first: int) -> tuple[list, list[Group]]:
    """The layers and groups that the recipe ``sub`` of ``entry.preset`` brings as group
    ``entry.name``, its layers placed from index ``first`` of the including recipe's layers;
    ``entry.levels`` move its layers' gains (names unknown to ``sub`` are the caller's to refuse).

    Where it can be exact, the group's gain goes into each layer's own gain curve (``folded``):
    a constant gain shifts any curve without exponential pieces, and a gain curve without them
    shifted by a layer's constant gain is that layer's curve. The engine then sees a silent
    group as silent layers, which rest (a shower at -80 dB most of the hour costs its minutes).
    """
    prefix = f"{entry.name}/"
    level = sub.session.gain_db
    total = _shifted(entry.gain_db, level.values[0]) if level.is_constant and "exp" not in entry.gain_db.shapes \
        else None
    own = [_shifted(layer.gain_db, entry.levels.get(layer.name, 0.0)) for layer in sub.layers]
    folded = total is not None and all("exp" not in g.shapes for g in own) and (
        total.is_constant or all(g.is_constant for g in own))
    layers = []
    for layer, gain in zip(sub.layers, own):
        if folded:
            gain = _shifted(gain, total.values[0]) if total.is_constant else _shifted(total, gain.values[0])
        layers.append(layer.model_copy(update={"name": prefix + layer.name, "gain_db": gain}))
    groups = [Group(entry.name, entry.preset, entry.gain_db, level, entry.pan,
                    tuple(range(first, first + len(layers))), folded)]
    groups += [replace(g, name=prefix + g.name, members=tuple(first + m for m in g.members)) for g in sub.groups]
    return layers, groups
