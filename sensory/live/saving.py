"""A mix saved while playing: the player's groups, layer levels, mutes and master volume as a
recipe of preset layers in the user preset folder, so that ``sensory play NAME`` plays it back.

Each group of the mix becomes a ``[[layer]]`` naming its preset, at its gain plus its live
level (``-120`` dB when muted), with its layers' live levels in ``levels``; layers that came
with the recipe itself, not from a group, become one such layer naming the recipe's preset.
The seed and the group names are kept, so every layer keeps its generator. Written atomically,
never over an existing preset, built-in or the user's.
"""

from __future__ import annotations

import json

from ..core.curves import Curve
from ..destination import write_text
from ..errors import RecipeError
from ..recipe.presets import find, is_name, user_preset_dir

__all__ = ["MUTED_DB", "recipe_text", "save"]

MUTED_DB = -120.0  # a muted group or layer: silent, and not rendered (a rest)


def _number(db: float) -> str:
    return f"{db:.6g}"


def _gain(curve: Curve | None, live_db: float, muted: bool) -> str:
    """A TOML gain: ``curve`` (dB) moved by ``live_db``, or silent when ``muted``."""
    if muted:
        return _number(MUTED_DB)
    if curve is None or curve.is_constant:
        return _number((curve.values[0] if curve is not None else 0.0) + live_db)
    points = ", ".join(f"[{t!r}, {_number(v + live_db)}, {json.dumps(s)}]"
                       for t, v, s in zip(curve.times, curve.values, curve.shapes))
    return f"[{points}]"


def _levels(layers: list[dict], prefix: str) -> str:
    """A TOML inline table of the live levels of ``layers`` that differ from the recipe's."""
    moved = {layer["name"][len(prefix):]: MUTED_DB if layer["muted"] else layer["db"]
             for layer in layers if layer["muted"] or layer["db"] != 0}
    return "{" + ", ".join(f"{json.dumps(k)} = {_number(v)}" for k, v in moved.items()) + "}"


def recipe_text(recipe, state: dict, *, seed: int, gains: dict[str, Curve]) -> str:
    """The TOML recipe of the mix ``state`` (:meth:`Player.mix_state`) playing ``recipe``;
    ``gains`` are the groups' own gain curves (dB) by name, before their live levels."""
    s = recipe.session
    own = [layer for layer in state["layers"] if layer["group"] is None]
    master = state["volume_db"]
    if not own and s.gain_db.is_constant:
        master += s.gain_db.values[0]
    lines = ["[session]", f"title = {json.dumps(recipe.title + ' (saved mix)')}",
             f"description = {json.dumps(s.description)}", f"type = {json.dumps(s.type)}",
             f"duration = {recipe.duration!r}", f"seed = {seed}", f"sample_rate = {s.sample_rate}",
             f"gain_db = {_number(master)}", f"fade_in = {s.fade_in!r}", f"fade_out = {s.fade_out!r}",
             f"ceiling_db = {s.ceiling_db!r}", f"space = {s.space!r}", ""]
    for p in recipe.phases:
        lines += ["[[phase]]", f"name = {json.dumps(p.name)}", f"duration = {p.duration!r}",
                  f"description = {json.dumps(p.description)}", ""]
    if own:
        if not (is_name(recipe.name) and find(recipe.name) is not None):
            raise RecipeError(f"{recipe.source}: a mix is saved as presets by name, and this recipe is not a preset; "
                              "copy it into the user preset folder and play it by name to save its mixes")
        lines += ["[[layer]]", f"name = {json.dumps(recipe.name)}", f"preset = {json.dumps(recipe.name)}",
                  f"levels = {_levels(own, '')}", ""]
    for g in state["groups"]:
        members = [state["layers"][k] for k in g["layers"]]
        lines += ["[[layer]]", f"name = {json.dumps(g['name'])}", f"preset = {json.dumps(g['preset'])}",
                  f"gain_db = {_gain(gains.get(g['name']), g['db'], g['muted'])}",
                  f"levels = {_levels(members, g['name'] + '/')}", ""]
    return "\n".join(lines)


def save(recipe, state: dict, *, seed: int, gains: dict[str, Curve], name: str | None = None) -> tuple[str, str]:
    """Write the mix (see :func:`recipe_text`) as ``name`` (or ``<presets>-mix``, ``-mix-2``...:
    the first free name) in the user preset folder; returns (name, path)."""
    folder = user_preset_dir()

    def taken(n: str) -> bool:  # a built-in too: a mix saved over one it plays would include itself
        return find(n) is not None or any((folder / f"{n}{ext}").exists() for ext in (".toml", ".sbg"))

    if name is not None:
        if not is_name(name):
            raise RecipeError(f"{name!r} is not a preset name: use lower-case letters, digits, '-' and '_'")
        if taken(name):
            entry = find(name)
            where = entry.path if entry is not None else folder / f"{name}.toml"
            raise RecipeError(f"{where}: a preset called {name!r} exists; save the mix under another name")
    else:
        own = any(layer["group"] is None for layer in state["layers"])
        base = "-".join(([recipe.name] if own else []) + [g["preset"] for g in state["groups"]])[:50] or "my"
        name = next(n for n in [f"{base}-mix"] + [f"{base}-mix-{k}" for k in range(2, 10000)] if not taken(n))
    text = recipe_text(recipe, state, seed=seed, gains=gains)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    write_text(path, text)
    return name, str(path)
