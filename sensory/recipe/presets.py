"""Preset names and where presets live: the packaged presets and the user's folder.

A preset name is lower-case letters, digits, ``-`` and ``_`` (``forest``,
``alpha-drift``); it names ``NAME.toml`` or ``NAME.sbg`` in
``<user config dir>/sensory/presets``, or else ``NAME.toml`` among the packaged presets:
a user preset named like a packaged one overrides it. The listing reads only each file's
title facts, so it stays quick and light (no validation, no kinds loaded).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from ..core.timeparse import TimeError, parse_time
from .files import MAX_FILE_BYTES

__all__ = ["is_name", "is_recipe_path", "packaged_dir", "user_preset_dir", "presets", "find", "PresetEntry",
           "summary", "Summary"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def is_name(text: str) -> bool:
    """Whether ``text`` is a preset name (it then never reaches outside the preset folders)."""
    return bool(_NAME.match(text))


def is_recipe_path(text: str) -> bool:
    """Whether ``text`` names a recipe file (``.toml`` or ``.sbg``) rather than a preset."""
    return text.lower().endswith((".toml", ".sbg"))


def packaged_dir() -> Traversable:
    """The folder of the presets that come with sensory."""
    return resources.files("sensory") / "presets"


def user_preset_dir() -> Path:
    """``<platformdirs user config dir>/presets``; may not exist."""
    import platformdirs

    return Path(platformdirs.user_config_dir("sensory")) / "presets"


@dataclass(frozen=True)
class PresetEntry:
    """A preset in a listing: ``origin`` is "built-in" or "user"; ``overrides``: a user preset
    named like a packaged one, which it replaces."""

    name: str
    origin: str
    path: str
    overrides: bool = False

    @property
    def file(self) -> Traversable | Path:
        """The preset's file, to read."""
        return packaged_dir() / f"{self.name}.toml" if self.origin == "built-in" else Path(self.path)


def presets() -> list[PresetEntry]:
    """Every packaged preset, then the user's own (``.toml`` and ``.sbg``, a ``.toml`` first
    when both are there); a user preset named like a packaged one takes its place."""
    found: dict[str, PresetEntry] = {}
    for item in sorted(packaged_dir().iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            found[item.name[:-5]] = PresetEntry(item.name[:-5], "built-in", str(item))
    folder = user_preset_dir()
    if folder.is_dir():
        mine: dict[str, Path] = {}
        for path in sorted(folder.iterdir(), key=lambda p: (p.stem, p.suffix != ".toml")):
            if path.suffix in (".toml", ".sbg") and is_name(path.stem) and path.is_file():
                mine.setdefault(path.stem, path)
        for name, path in mine.items():
            overrides = found.get(name, PresetEntry(name, "user", "")).origin == "built-in"
            found[name] = PresetEntry(name, "user", str(path), overrides)
    return list(found.values())


def find(name: str) -> PresetEntry | None:
    """The preset ``name`` resolves to (the user's first), or ``None``."""
    folder = user_preset_dir()
    for suffix in (".toml", ".sbg"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            return PresetEntry(name, "user", str(path), (packaged_dir() / f"{name}.toml").is_file())
    if (packaged_dir() / f"{name}.toml").is_file():
        return PresetEntry(name, "built-in", str(packaged_dir() / f"{name}.toml"))
    return None


@dataclass(frozen=True)
class Summary:
    """The listing line of a preset, read without validating the whole recipe."""

    type: str
    duration: float | None  # seconds
    description: str


def summary(path: str) -> Summary:
    """Title-level facts of a recipe file: type, duration (s) and description."""
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
