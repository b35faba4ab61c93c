"""Recipe files as text: the size limit, and reading a file with one clear error per problem.

Both recipe formats (TOML and SBaGen ``.sbg``) pass through here, so a file given by
path and a text given directly meet the same limit and the same messages.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RecipeError

__all__ = ["MAX_FILE_BYTES", "read_text", "check_size"]

MAX_FILE_BYTES = 1 << 20  # a recipe is a short text


def check_size(text: str, source: str, *, what: str = "recipe") -> None:
    """Refuse ``text`` (from ``source``) longer than :data:`MAX_FILE_BYTES` in UTF-8;
    ``what`` names the file in the message ("recipe", "schedule")."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise RecipeError(f"{source}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; a {what} is a short text")


def read_text(path: Path, *, what: str = "recipe") -> str:
    """The UTF-8 text of the recipe file at ``path``; RecipeError naming the path if it is a
    folder, missing, larger than :data:`MAX_FILE_BYTES`, not UTF-8, or cannot be read;
    ``what`` names the file in the message ("recipe", "catalog")."""
    try:
        if path.is_dir():
            raise RecipeError(f"{path}: is a folder, not a {what} file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RecipeError(f"{path}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; a {what} is a short text")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise RecipeError(f"{path}: not UTF-8 text (byte {e.start}); save the {what} as UTF-8") from None
    except OSError as e:
        raise RecipeError(f"{path}: cannot read: {e.strerror}") from None
