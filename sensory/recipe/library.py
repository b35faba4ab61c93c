"""Recipes by name or path: the one way in, :func:`load`.

A name (``forest``, ``alpha-drift``) resolves to the user's preset folder first (a user
preset overrides a packaged one of its name), then to the packaged presets
(:mod:`sensory.recipe.presets`). A recipe file is given by a path ending in ``.toml`` or
``.sbg`` (or a :class:`~pathlib.Path`). Anything else must be a name: ``../../x`` or
``/etc/passwd`` is refused, so a name never reaches outside the preset folders.

A recipe's ``[[layer]]`` may name a preset (:mod:`sensory.recipe.groups`): names resolve
here, the same way, and a preset that comes back to itself is refused with the chain.
:func:`mix` plays several presets together, each a group.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import RecipeError
from .files import read_text
from .groups import MAX_DEPTH
from .model import Recipe, parse, parse_text
from .presets import find, is_name, is_recipe_path, presets

__all__ = ["load", "load_file", "mix"]


def load(name_or_path: str | Path) -> Recipe:
    """The recipe named ``name_or_path`` (a preset name or a file path); see the module doc."""
    return _load(name_or_path, (), {})


def _load(name_or_path: str | Path, chain: tuple[str, ...], memo: dict) -> Recipe:
    """:func:`load`, inside the presets ``chain`` that include this one; ``memo`` holds what
    the presets of one load gave (a recipe or its error) by name and chain, so that a preset
    named by many layers, at any depth, is read once."""
    text_arg = str(name_or_path)
    if "\0" in text_arg:
        raise RecipeError(f"{text_arg!r}: a name or path holds no NUL character")
    if isinstance(name_or_path, Path) or is_recipe_path(text_arg):
        return _read(Path(text_arg), None, chain, memo)
    if not is_name(text_arg):
        raise RecipeError(f"{text_arg!r} is not a preset name (lower-case letters, digits, '-' and '_'); "
                          "to read a recipe file, give its path ending in .toml or .sbg, e.g. ./my-recipe.toml")
    entry = find(text_arg)
    if entry is not None and entry.origin == "built-in":
        return parse_text(entry.file.read_text(encoding="utf-8"), f"{text_arg}.toml", name=text_arg,
                          resolve=_resolver(chain + (text_arg,), memo))
    if entry is not None:
        return _read(entry.file, text_arg, chain + (text_arg,), memo)
    names = [p.name for p in presets()]
    close = difflib.get_close_matches(text_arg, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise RecipeError(f"no preset named {text_arg!r}{hint}; `sensory list` shows them all")


def load_file(path: Path, *, name: str | None = None) -> Recipe:
    """The recipe in the file at ``path``: SBaGen if it ends in ``.sbg``, else TOML;
    named ``name``, or else the file's stem."""
    return _read(path, name, (), {})


def _read(path: Path, name: str | None, chain: tuple[str, ...], memo: dict) -> Recipe:
    text = read_text(path)
    if path.suffix.lower() == ".sbg":
        from .sbagen import load_sbg  # the SBaGen reader (and its kinds) only for an .sbg file

        return load_sbg(text, str(path), name=name or path.stem)
    return parse_text(text, str(path), name=name or path.stem, resolve=_resolver(chain, memo))


def _resolver(chain: tuple[str, ...], memo: dict):
    """The ``resolve`` of a recipe that the presets ``chain`` include: a preset by name, never
    one already in the chain, at most :data:`~.groups.MAX_DEPTH` deep."""
    def resolve(name: str) -> Recipe:
        if name in chain:
            loop = " -> ".join(chain[chain.index(name):] + (name,))
            raise RecipeError(f"presets include each other in a loop ({loop}); remove one of these preset layers")
        if len(chain) > MAX_DEPTH:
            raise RecipeError(f"presets nest at most {MAX_DEPTH} deep ({' -> '.join(chain + (name,))})")
        key = (name, chain)
        if key not in memo:
            try:
                memo[key] = _load(name, chain, memo)
            except RecipeError as e:
                memo[key] = e
        if isinstance(memo[key], RecipeError):
            raise memo[key]
        return memo[key]
    return resolve


def mix(names: list[str], *, gains: dict[str, float] | None = None) -> Recipe:
    """The presets ``names`` played together, each a group named after it (its layers
    ``rain/drops``...) at its own level plus ``gains[name]`` dB.

    The mix is a soundscape if every part is one, else a session; it lasts as long as its
    longest session (or soundscape, when all are), takes the phases of its first part that has phases, the first part's seed,
    the longest fades and the lowest ceiling.
    """
    gains = dict(gains or {})
    for name in names:
        if not is_name(name):
            raise RecipeError(f"{name!r}: a mix is of presets by name; give each as a preset name "
                              "(save a recipe file in the user preset folder to mix it)")
        if names.count(name) > 1:
            raise RecipeError(f"{name!r} is given twice; mix each preset once (set its level with --gain)")
    for name in gains:
        if name not in names:
            raise RecipeError(f"--gain {name}=...: {name!r} is not one of the presets mixed ({', '.join(names)})")
    parts = {name: load(name) for name in names}
    first = parts[names[0]]
    timed = next((r for r in parts.values() if r.phases), None)
    session_type = "soundscape" if all(r.type == "soundscape" for r in parts.values()) else "session"
    session = {
        "title": " + ".join(r.title for r in parts.values()),
        "description": "; ".join(r.session.description for r in parts.values() if r.session.description),
        "type": session_type,
        "duration": max(r.duration for r in parts.values() if r.type == session_type or session_type == "soundscape"),
        "seed": first.session.seed,
        "sample_rate": max(r.session.sample_rate for r in parts.values()),
        "fade_in": max(r.session.fade_in for r in parts.values()),
        "fade_out": max(r.session.fade_out for r in parts.values()),
        "ceiling_db": min(r.session.ceiling_db for r in parts.values()),
        "space": first.session.space,
    }
    phases = [{"name": p.name, "duration": p.duration, "description": p.description}
              for p in (timed.phases if timed else ())]
    layers = [{"name": name, "preset": name, "gain_db": gains.get(name, 0.0)} for name in names]
    return parse({"session": session, "phase": phases, "layer": layers}, " + ".join(names),
                 name="+".join(names), resolve=parts.__getitem__)
