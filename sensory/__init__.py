"""sensory: procedural nature soundscapes and guided-tone sessions.

The public API::

    recipe = sensory.load("forest")                    # a preset name or a recipe file
    for block in sensory.blocks(recipe, seconds=60):   # float32 (n, 2) blocks
        ...
    audio = sensory.render(recipe, seconds=10)         # float32 (frames, 2)
    sensory.export(recipe, "forest.flac", seconds=600)
    sensory.play(recipe)

Heavy modules (numpy, scipy, pydantic) load on first use, so the command
line starts fast.
"""

from __future__ import annotations

from .errors import RecipeError, RenderError, SensoryError
from .version import __version__

__all__ = ["load", "blocks", "render", "export", "play", "Recipe", "RecipeError", "RenderError",
           "SensoryError", "__version__"]


def load(name_or_path):
    """The :class:`Recipe` for a preset name or a recipe file path."""
    from .recipe.library import load as _load

    return _load(name_or_path)


def blocks(recipe, *, seconds=None, seed=None, sample_rate=None, block_size=4096):
    """Yield the render as float32 blocks of shape (n, 2); see :func:`sensory.engine.stream.blocks`.

    ``seconds=None`` renders the recipe's duration, ``seed=None`` uses its seed.
    """
    from .engine.stream import blocks as _blocks

    return _blocks(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate, block_size=block_size)


def render(recipe, *, seconds=None, seed=None, sample_rate=None, block_size=4096):
    """The render as one float32 array of shape (frames, 2); see :func:`sensory.engine.stream.render`."""
    from .engine.stream import render as _render

    return _render(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate, block_size=block_size)


def export(recipe, path, **options):
    """Render ``recipe`` into the audio file ``path``; see :func:`sensory.output.writer.export`."""
    from .output.writer import export as _export

    return _export(recipe, path, **options)


def play(recipe, **options):
    """Play ``recipe`` on an audio output; see :func:`sensory.live.player.play`."""
    from .live.player import play as _play

    return _play(recipe, **options)


def __getattr__(name: str):
    if name == "Recipe":
        from .recipe.model import Recipe

        return Recipe
    raise AttributeError(f"module 'sensory' has no attribute {name!r}")
