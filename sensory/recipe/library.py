"""The preset library: packaged presets, the user's preset folder, and files.

A name (``forest``, ``alpha-drift``) resolves to a packaged preset first,
then to ``<user config dir>/sensory/presets/NAME.toml``. A recipe file is
given by a path ending in ``.toml`` or ``.sbg`` (or a :class:`~pathlib.Path`).
Anything else must be a name: ``../../x`` or ``/etc/passwd`` is refused, so a
name never reaches outside the preset folders.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import RecipeError

if TYPE_CHECKING:
    from .model import Recipe

MAX_FILE_BYTES = 1 << 20  # a recipe is a short text

__all__ = ["load", "user_preset_dir", "presets", "PresetEntry", "is_name", "is_recipe_path", "summary", "Summary",
           "MAX_FILE_BYTES"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _packaged():
    return resources.files("sensory") / "presets"


def user_preset_dir() -> Path:
    """``<platformdirs user config dir>/presets``; may not exist."""
    import platformdirs

    return Path(platformdirs.user_config_dir("sensory")) / "presets"


def is_name(text: str) -> bool:
    return bool(_NAME.match(text))


def is_recipe_path(text: str) -> bool:
    """Whether ``text`` names a recipe file (``.toml`` or ``.sbg``) rather than a preset."""
    return text.lower().endswith((".toml", ".sbg"))


@dataclass(frozen=True)
class PresetEntry:
    """A preset in a listing: ``origin`` is "built-in" or "user"."""

    name: str
    origin: str
    path: str


def presets() -> list[PresetEntry]:
    """Every packaged preset, then the user's (a user preset with a packaged name is shadowed)."""
    found: dict[str, PresetEntry] = {}
    for item in sorted(_packaged().iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            found[item.name[:-5]] = PresetEntry(item.name[:-5], "built-in", str(item))
    folder = user_preset_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            if is_name(path.stem) and path.stem not in found:
                found[path.stem] = PresetEntry(path.stem, "user", str(path))
    return list(found.values())


def load(name_or_path: str | Path) -> Recipe:
    """The recipe named ``name_or_path`` (a preset name or a file path); see the module doc."""
    from .model import parse_text

    text_arg = str(name_or_path)
    if "\0" in text_arg:
        raise RecipeError(f"{text_arg!r}: a name or path holds no NUL character")
    if isinstance(name_or_path, Path) or is_recipe_path(text_arg):
        return _load_file(Path(text_arg))
    if not is_name(text_arg):
        raise RecipeError(f"{text_arg!r} is not a preset name (lower-case letters, digits, '-' and '_'); "
                          "to read a recipe file, give its path ending in .toml or .sbg, e.g. ./my-recipe.toml")
    packaged = _packaged() / f"{text_arg}.toml"
    if packaged.is_file():
        return parse_text(packaged.read_text(encoding="utf-8"), f"{text_arg}.toml", name=text_arg)
    user = user_preset_dir() / f"{text_arg}.toml"
    if user.is_file():
        return _load_file(user, name=text_arg)
    names = [p.name for p in presets()]
    close = difflib.get_close_matches(text_arg, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise RecipeError(f"no preset named {text_arg!r}{hint}; `sensory list` shows them all")


def _load_file(path: Path, name: str | None = None) -> Recipe:
    from .model import parse_text

    try:
        if path.is_dir():
            raise RecipeError(f"{path}: is a folder, not a recipe file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RecipeError(f"{path}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; a recipe is a short text")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RecipeError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise RecipeError(f"{path}: not UTF-8 text (byte {e.start}); save the recipe as UTF-8") from None
    except OSError as e:
        raise RecipeError(f"{path}: cannot read: {e.strerror}") from None
    if path.suffix.lower() == ".sbg":
        from .sbagen import load_sbg

        return load_sbg(path, text, name=name)
    return parse_text(text, str(path), name=name or path.stem)


@dataclass(frozen=True)
class Summary:
    """The listing line of a preset, read without validating the whole recipe."""

    type: str
    duration: float | None
    description: str


def summary(path: str) -> Summary:
    """Title-level facts of a recipe file: type, duration (s) and description."""
    import tomllib

    from ..core.timeparse import TimeError, parse_time

    try:
        with open(path, "rb") as f:
            data = tomllib.loads(f.read(MAX_FILE_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        return Summary("invalid", None, "(cannot be read; run `sensory validate`)")
    session = data.get("session", {}) if isinstance(data.get("session"), dict) else {}
    try:
        duration = parse_time(session["duration"]) if "duration" in session else sum(
            parse_time(p.get("duration", 0)) for p in data.get("phase", []) if isinstance(p, dict)) or None
    except (TimeError, TypeError):
        duration = None
    return Summary(str(session.get("type", "session")), duration,
                   str(session.get("description") or session.get("title") or ""))
