"""Recipes by name or path: the one way in, :func:`load`.

A name (``forest``, ``alpha-drift``) resolves to a packaged preset first, then to
the user's preset folder (:mod:`sensory.recipe.presets`). A recipe file is given
by a path ending in ``.toml`` or ``.sbg`` (or a :class:`~pathlib.Path`). Anything
else must be a name: ``../../x`` or ``/etc/passwd`` is refused, so a name never
reaches outside the preset folders.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import RecipeError
from .files import read_text
from .model import Recipe, parse_text
from .presets import is_name, is_recipe_path, packaged_dir, presets, user_preset_dir
from .sbagen import load_sbg

__all__ = ["load", "load_file"]


def load(name_or_path: str | Path) -> Recipe:
    """The recipe named ``name_or_path`` (a preset name or a file path); see the module doc."""
    text_arg = str(name_or_path)
    if "\0" in text_arg:
        raise RecipeError(f"{text_arg!r}: a name or path holds no NUL character")
    if isinstance(name_or_path, Path) or is_recipe_path(text_arg):
        return load_file(Path(text_arg))
    if not is_name(text_arg):
        raise RecipeError(f"{text_arg!r} is not a preset name (lower-case letters, digits, '-' and '_'); "
                          "to read a recipe file, give its path ending in .toml or .sbg, e.g. ./my-recipe.toml")
    packaged = packaged_dir() / f"{text_arg}.toml"
    if packaged.is_file():
        return parse_text(packaged.read_text(encoding="utf-8"), f"{text_arg}.toml", name=text_arg)
    user = user_preset_dir() / f"{text_arg}.toml"
    if user.is_file():
        return load_file(user, name=text_arg)
    names = [p.name for p in presets()]
    close = difflib.get_close_matches(text_arg, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise RecipeError(f"no preset named {text_arg!r}{hint}; `sensory list` shows them all")


def load_file(path: Path, *, name: str | None = None) -> Recipe:
    """The recipe in the file at ``path``: SBaGen if it ends in ``.sbg``, else TOML;
    named ``name``, or else the file's stem."""
    text = read_text(path)
    if path.suffix.lower() == ".sbg":
        return load_sbg(text, str(path), name=name or path.stem)
    return parse_text(text, str(path), name=name or path.stem)
