"""The errors sensory raises on purpose.

:class:`RecipeError` is the one error type for anything a user wrote: recipes,
presets names, .sbg files, catalogs and command-line values. Its message names
the file, the place and the fix. :class:`RenderError` covers failures of the
world outside (a full disk, a vanished audio device).
"""

__all__ = ["SensoryError", "RecipeError", "RenderError"]


class SensoryError(Exception):
    """Base of every error sensory raises deliberately."""


class RecipeError(SensoryError, ValueError):
    """Bad input: the message says where (file, key path, line) and how to fix it."""


class RenderError(SensoryError, RuntimeError):
    """Rendering, writing or playing failed for a reason outside the recipe."""
