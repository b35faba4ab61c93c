"""Batch catalogs: the manifest, read and validated into tracks.

A manifest is TOML with an optional ``[defaults]`` table and ``[[track]]``
entries::

    [defaults]
    loudness = -16
    true_peak = -1
    artist = "Quiet Room"

    [[track]]
    preset = "pink"
    duration = "10m"
    output = "out/pink-10m.m4a"
    loop = true

A track's keys are the export options of :mod:`sensory.output.options` (same
ranges, same messages as ``sensory export``) with ``preset`` and ``output``.
Outputs and recipe files are relative to the manifest's folder and stay inside
it: a catalog never reads or writes elsewhere (``preset`` is a preset name or a
``.toml``/``.sbg`` file below the folder). Each track carries a key — the
SHA-256 of the resolved entry, the recipe text and the sensory version — that
tells whether its file is up to date (:mod:`sensory.batch.runner`).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, create_model

from .. import destination
from ..core.params import TimeValue
from ..errors import RecipeError
from ..output.formats import output_format
from ..output.options import OPTIONS, Option
from ..recipe.files import read_text
from ..recipe.library import load
from ..recipe.model import Recipe
from ..recipe.presets import is_name, is_recipe_path
from ..version import __version__
from .state import state_path

__all__ = ["MAX_TRACKS", "Track", "TrackEntry", "load_catalog"]

MAX_TRACKS = 1000  # tracks in one manifest


def _option_field(o: Option) -> tuple[Any, Any]:
    """The pydantic field of export option ``o``: its type, checked by ``o.check``; a flag
    defaults to false, anything else to unset (None)."""
    kind = TimeValue if o.name == "duration" else bool | float if o.number else o.kind
    text = f"{o.help}; a number sets {o.number}" if o.number else o.help
    if o.kind is bool:
        return Annotated[kind, AfterValidator(o.check)], Field(False, description=text)
    return Annotated[kind | None, AfterValidator(o.check)], Field(None, description=text)


_Defaults = create_model(
    "_Defaults", __config__=ConfigDict(extra="forbid", frozen=True),
    preset=(str | None, Field(None, description="preset name, or a recipe file relative to the manifest")),
    **{o.name: _option_field(o) for o in OPTIONS.values()})


class TrackEntry(_Defaults):
    """One ``[[track]]``, defaults applied: ``preset``, ``duration`` and ``output`` are required."""

    preset: str
    duration: Annotated[TimeValue, AfterValidator(OPTIONS["duration"].check)]
    output: str = Field(min_length=1, description="file to write, relative to the manifest; extension = format")

    def export_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`sensory.output.writer.export` this entry sets."""
        options = {o.keyword or o.name: getattr(self, o.name) for o in OPTIONS.values() if not o.tag}
        return options | {"tags": {o.name: getattr(self, o.name) for o in OPTIONS.values() if o.tag}}


@dataclass(frozen=True)
class Track:
    """A validated track: its entry, resolved output path, recipe source (preset name or
    absolute recipe path), sample rate (Hz) and up-to-date key."""

    index: int
    entry: TrackEntry
    output: Path
    recipe_source: str
    sample_rate: int
    key: str

    @property
    def label(self) -> str:
        return f"track[{self.index}] ({self.entry.output})"


def _fail(source: Path, place: str, e: ValidationError) -> None:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    fix = " (allowed: " + ", ".join(TrackEntry.model_fields) + ")" if err["type"] == "extra_forbidden" else ""
    raise RecipeError(f"{source}: {place}{'.' + where if where else ''}: {message}{fix}") from None


def load_catalog(path) -> list[Track]:
    """Read and validate a manifest; RecipeError naming the file and track on any problem."""
    source = Path(path)
    data = _read(source)
    unknown = sorted(set(data) - {"defaults", "track"})
    if unknown:
        raise RecipeError(f"{source}: unknown table [{unknown[0]}]; a catalog has [defaults] and [[track]] entries")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise RecipeError(f"{source}: defaults must be a table: [defaults]")
    try:
        _Defaults.model_validate(defaults)
    except ValidationError as e:
        _fail(source, "defaults", e)
    raw = data.get("track")
    if not isinstance(raw, list) or not raw:
        raise RecipeError(f"{source}: no tracks; add [[track]] entries with preset, duration and output")
    if len(raw) > MAX_TRACKS:
        raise RecipeError(f"{source}: {len(raw)} tracks is more than the limit of {MAX_TRACKS}; "
                          "split the catalog")
    folder = source.resolve().parent
    tracks: list[Track] = []
    seen: dict[Path, int] = {}
    recipes: dict[str, Recipe] = {}  # recipe source -> Recipe, each loaded once
    digests: dict[str, str] = {}  # recipe source -> SHA-256 of its text
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise RecipeError(f"{source}: track[{i}]: a track is a table with preset, duration and output")
        try:
            entry = TrackEntry.model_validate({**defaults, **item})
        except ValidationError as e:
            _fail(source, f"track[{i}]", e)
        place = f"{source}: track[{i}] ({entry.output})"
        output = _inside(folder, entry.output, f"{place}: output")
        if output in seen:
            raise RecipeError(f"{place}: the output is also written by track[{seen[output]}]; give each track its own file")
        seen[output] = i
        if is_name(entry.preset):
            recipe_source = entry.preset
        elif is_recipe_path(entry.preset):
            recipe_source = str(_inside(folder, entry.preset, f"{source}: track[{i}].preset"))
        else:
            raise RecipeError(f"{source}: track[{i}].preset: {entry.preset!r} is neither a preset name (lower-case "
                              "letters, digits, '-' and '_') nor a .toml or .sbg file in the catalog's folder")
        try:
            if recipe_source not in recipes:
                recipes[recipe_source] = load(recipe_source)
            recipe = recipes[recipe_source]
            if output == state_path(source):
                raise RecipeError("the output is the catalog's state file; write the track to another file")
            destination.refuse(output, inputs=(source,) + (() if is_name(recipe_source) else (recipe_source,)))
            sample_rate = entry.sample_rate or recipe.session.sample_rate
            output_format(output, entry.subtype, sample_rate, loop=bool(entry.loop))
        except RecipeError as e:
            raise RecipeError(f"{place}: {e}") from None
        if recipe_source not in digests:
            text = Path(recipe.source).read_bytes() if Path(recipe.source).is_file() else recipe.source.encode()
            digests[recipe_source] = hashlib.sha256(text).hexdigest()
        key = hashlib.sha256(json.dumps({"entry": entry.model_dump(exclude={"output"}), "version": __version__,
                                         "recipe": digests[recipe_source]},
                                        sort_keys=True).encode()).hexdigest()
        tracks.append(Track(i, entry, output, recipe_source, sample_rate, key))
    return tracks


def _read(source: Path) -> dict[str, Any]:
    """The manifest's TOML data; RecipeError naming the file (read as the recipe loader reads)."""
    if not source.exists():
        raise RecipeError(f"{source}: no such catalog file")
    text = read_text(source, what="catalog")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RecipeError(f"{source}: not valid TOML: {e}") from None
    except RecursionError:
        raise RecipeError(f"{source}: arrays or tables are nested too deeply") from None


def _inside(folder: Path, relative: str, place: str) -> Path:
    """``folder / relative`` (links resolved), refused unless it stays inside ``folder``."""
    if "\0" in relative:
        raise RecipeError(f"{place}: {relative!r} holds a NUL character; give a plain file name")
    if Path(relative).is_absolute():
        raise RecipeError(f"{place}: {relative!r} is an absolute path; give a path relative to the catalog's folder")
    parent = (folder / relative).parent.resolve()
    path = parent / Path(relative).name
    if (not parent.is_relative_to(folder) or Path(relative).name in ("", ".", "..")
            or not path.resolve().is_relative_to(folder)):
        raise RecipeError(f"{place}: {relative!r} leads outside the catalog's folder {folder}; "
                          "keep recipes and outputs in it or below it")
    return path
