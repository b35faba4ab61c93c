"""The tags an export writes: title, artist, album, genre, and a comment telling how to render it again."""

from __future__ import annotations

from collections.abc import Mapping

from ..engine.stream import Plan
from ..errors import RecipeError
from ..recipe.model import Recipe
from ..version import __version__
from .options import TAG_KEYS

__all__ = ["track_tags"]


def track_tags(recipe: Recipe, p: Plan, *, loudness: float | None, true_peak: float | None, loop: bool,
               mono: bool, tags: Mapping[str, str] | None) -> dict[str, str]:
    """Tags for a track: ``tags`` (title, artist, album, genre; title defaults to the
    recipe's) and a comment recording the recipe, seed, length and options."""
    tags = dict(tags or {})
    unknown = sorted(set(tags) - set(TAG_KEYS))
    if unknown:
        raise RecipeError(f"unknown tag {unknown[0]!r}; tags are {', '.join(TAG_KEYS)}")
    out = {"title": recipe.title, "artist": "sensory"}
    out.update({k: str(v) for k, v in tags.items() if v is not None and str(v) != ""})
    options = [f"recipe {recipe.name}", f"seed {p.seed}", f"{p.seconds:g} s", f"{p.sample_rate} Hz"]
    if loudness is not None:
        options.append(f"loudness {loudness:g} LUFS")
    if true_peak is not None:
        options.append(f"true peak {true_peak:g} dBTP")
    if loop:
        options.append("loop")
    if mono:
        options.append("mono")
    out["comment"] = f"sensory {__version__}: " + ", ".join(options)
    return out
