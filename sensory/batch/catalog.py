"""Batch catalogs: many tracks from one manifest, rendered in parallel, resumable.

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

Outputs and recipe files are relative to the manifest's folder and stay inside
it: a catalog never reads or writes elsewhere (``preset`` is a preset name or a
``.toml``/``.sbg`` file below the folder). Each track
renders in its own process (:class:`concurrent.futures.ProcessPoolExecutor`)
through :func:`sensory.output.writer.export`, so a failing track leaves no file and
does not touch the others. A state file next to the manifest
(``.NAME.state.json``) records, per output, a key — the SHA-256 of the
resolved entry, the recipe text and the sensory version — with the file's size,
modification time and measurements: a track whose key and file still match is
skipped, so re-running resumes an interrupted catalog. Outputs are claimed in
the state file before rendering starts, so a re-run after a kill renders the
claimed tracks again without ``--force``.

Interruptions: Ctrl-C or SIGTERM stops the workers (each removes its partial
file) and cancels the tracks not started; a worker whose parent dies gets
SIGTERM too (Linux ``PR_SET_PDEATHSIG``), so no orphan finishes a track behind
the catalog's back.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import csv
import hashlib
import io
import json
import math
import os
import signal
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import __version__
from ..core.params import TimeValue
from ..destination import discard_own, sweep
from ..errors import RecipeError

__all__ = ["Track", "TrackEntry", "load_catalog", "run", "write_report", "REPORT_FIELDS", "MAX_TRACKS"]

MAX_TRACKS = 1000  # tracks in one manifest

REPORT_FIELDS = ("output", "preset", "status", "seconds", "loudness_lufs", "true_peak_dbtp",
                 "loudness_range_lu", "sha256", "error")


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: str | None = Field(None, description="preset name, or a recipe file relative to the manifest")
    duration: TimeValue | None = Field(None, description="length, e.g. 600 or \"10m\"")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="random seed (default: the recipe's)")
    loudness: float | None = Field(None, ge=-70, le=0, description="integrated loudness target in LUFS")
    true_peak: float | None = Field(None, ge=-20, le=0, description="true-peak ceiling in dBTP")
    loop: bool | float = Field(False, description="seamless loop; a number sets the crossfade in seconds")
    mono: bool = Field(False, description="write the mono downmix")
    sample_rate: int | None = Field(None, ge=8000, le=192000, description="sample rate in Hz")
    subtype: str | None = Field(None, description="PCM_16, PCM_24 or FLOAT for wav/flac")
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    genre: str | None = None


class TrackEntry(_Options):
    """One ``[[track]]``, defaults applied: ``preset``, ``duration`` and ``output`` are required."""

    preset: str
    duration: TimeValue = Field(gt=0, le=24 * 3600)
    output: str = Field(min_length=1, description="file to write, relative to the manifest; extension = format")


@dataclass(frozen=True)
class Track:
    """A validated track: its entry, resolved output path, recipe source and up-to-date key."""

    index: int
    entry: TrackEntry
    output: Path
    recipe_source: str  # preset name or absolute recipe path
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
    from ..destination import same_file
    from ..recipe.files import MAX_FILE_BYTES
    from ..recipe.library import load
    from ..recipe.presets import is_name, is_recipe_path

    source = Path(path)
    try:
        if source.is_dir():
            raise RecipeError(f"{source}: is a folder, not a catalog file")
        if source.stat().st_size > MAX_FILE_BYTES:
            raise RecipeError(f"{source}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; "
                              f"a catalog holds at most {MAX_TRACKS} tracks")
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"{source}: no such catalog file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RecipeError(f"{source}: not valid TOML: {e}") from None
    except RecursionError:
        raise RecipeError(f"{source}: arrays or tables are nested too deeply") from None
    except OSError as e:
        raise RecipeError(f"{source}: cannot read: {e.strerror}") from None
    unknown = sorted(set(data) - {"defaults", "track"})
    if unknown:
        raise RecipeError(f"{source}: unknown table [{unknown[0]}]; a catalog has [defaults] and [[track]] entries")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise RecipeError(f"{source}: defaults must be a table: [defaults]")
    try:
        _Options.model_validate(defaults)
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
    recipes: dict[str, Any] = {}  # recipe source -> Recipe, each loaded once
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
        except RecipeError as e:
            raise RecipeError(f"{place}: {e}") from None
        from ..output.writer import output_format

        if output.is_dir():
            raise RecipeError(f"{place}: the output is a folder; give a file name such as {entry.output}/track.flac")
        if output.is_symlink():
            raise RecipeError(f"{place}: the output is a symbolic link; write to the real file's path instead")
        inputs = (source, _state_path(source)) + (() if is_name(recipe_source) else (recipe_source,))
        for other in inputs:
            if output == Path(other).resolve() or same_file(output, Path(other)):
                raise RecipeError(f"{place}: the output is the input {other}; write the track to another file")
        try:
            output_format(output, entry.subtype, entry.sample_rate or recipe.session.sample_rate)
        except RecipeError as e:
            raise RecipeError(f"{place}: {e}") from None
        if recipe_source not in digests:
            text = Path(recipe.source).read_bytes() if Path(recipe.source).is_file() else recipe.source.encode()
            digests[recipe_source] = hashlib.sha256(text).hexdigest()
        key = hashlib.sha256(json.dumps({"entry": entry.model_dump(exclude={"output"}), "version": __version__,
                                         "recipe": digests[recipe_source]},
                                        sort_keys=True).encode()).hexdigest()
        tracks.append(Track(i, entry, output, recipe_source, key))
    return tracks


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


# ---- one track, in a worker process ----

_progress_queue = None
_rendering = False


class Stopped(BaseException):
    """Raised in a worker by SIGTERM while it renders, so its export cleans up; the worker
    then exits."""


def _on_sigterm(signum, frame) -> None:
    if _rendering:
        raise Stopped()
    os._exit(128 + signum)  # idle: nothing to clean up


def _init_worker(queue, parent: int) -> None:
    """Worker set-up: progress queue; Ctrl-C is left to the parent, which stops the workers
    with SIGTERM; the parent's death sends SIGTERM too."""
    global _progress_queue
    _progress_queue = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def render_track(track: Track) -> dict[str, Any]:
    """Export one track (overwriting: the parent decided) and measure it; a report row."""
    from ..measure.analysis import measure_file
    from ..output.writer import TAG_KEYS, export
    from ..recipe.library import load

    global _rendering
    e = track.entry
    report = _progress_queue.put if _progress_queue is not None else None
    _rendering = True
    try:  # one process per track: the pool already keeps the cores busy
        result = export(load(track.recipe_source), track.output, seconds=e.duration, seed=e.seed,
                        sample_rate=e.sample_rate, subtype=e.subtype, force=True, loudness=e.loudness,
                        true_peak=e.true_peak, loop=e.loop, mono=e.mono, progress=report, processes=1,
                        tags={k: getattr(e, k) for k in TAG_KEYS if getattr(e, k)})
    except Stopped:
        discard_own()  # the signal may have come before the export guarded its partial file
        os._exit(128 + signal.SIGTERM)  # stopped for good: the pool is being shut down
    finally:
        _rendering = False
    measured = result.measured or measure_file(track.output)
    return {"seconds": result.seconds, "loudness_lufs": _finite(measured.integrated_lufs),
            "true_peak_dbtp": _finite(measured.true_peak_dbtp),
            "loudness_range_lu": _finite(measured.loudness_range_lu), "sha256": _sha256(track.output)}


def _finite(x: float) -> float | None:
    return round(x, 3) if math.isfinite(x) else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- the catalog, in the parent ----

def _state_path(catalog: Path) -> Path:
    return catalog.resolve().parent / f".{catalog.name}.state.json"


def _read_state(path: Path) -> dict[str, Any]:
    """The state file's entries; a damaged file or entry counts as absent."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(state, dict):
        return {}
    return {k: v for k, v in state.items() if isinstance(v, dict) and isinstance(v.get("key"), str)}


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _atomic_write(path: Path, text: str) -> None:
    from ..destination import write_text

    write_text(path, text)


def run(catalog, *, jobs: int | None = None, force: bool = False, progress: bool = False) -> list[dict[str, Any]]:
    """Render every track of ``catalog`` that is not up to date; one report row per track
    (``status`` rendered, skipped or failed). ``progress`` draws one bar on stderr."""
    import multiprocessing

    catalog = Path(catalog)
    tracks = load_catalog(catalog)
    state_file = _state_path(catalog)
    state = _read_state(state_file)
    rows: dict[int, dict[str, Any]] = {}
    todo: list[Track] = []
    for t in tracks:
        name = str(t.output)
        known = state.get(name)
        stamp = _stamp(t.output)
        ours = known is not None and stamp is not None and known.get("stamp") == stamp
        claimed = known is not None and known.get("claimed")  # a run was killed while rendering it
        row = {"output": t.entry.output, "preset": t.entry.preset}
        if ours and known.get("key") == t.key and isinstance(known.get("report"), dict) and not force:
            rows[t.index] = {**row, **known["report"], "status": "skipped"}
        elif stamp is not None and not ours and not claimed and not force:
            rows[t.index] = {**row, "status": "failed",
                             "error": f"{t.output} exists and was not written by this catalog; pass --force to overwrite it"}
        else:
            try:
                t.output.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                rows[t.index] = {**row, "status": "failed", "error": f"{t.output.parent}: cannot create: {e.strerror}"}
                continue
            sweep(t.output)
            todo.append(t)
    if todo:
        for t in todo:
            state[str(t.output)] = {"key": t.key, "claimed": True}
        _atomic_write(state_file, json.dumps(state, indent=1, sort_keys=True))
    jobs = max(1, jobs or os.cpu_count() or 1)
    total = sum(_frames(t) for t in todo)
    queue = multiprocessing.get_context().Queue() if progress and todo else None
    bar = _bar(total, len(todo)) if queue is not None else None
    with cf.ProcessPoolExecutor(max_workers=min(jobs, max(1, len(todo))), initializer=_init_worker,
                                initargs=(queue, os.getpid())) as pool, _stopping(pool):
        pending = {pool.submit(render_track, t): t for t in todo}
        while pending:
            done, _ = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            if bar is not None:
                _drain(queue, bar)
            for future in done:
                t = pending.pop(future)
                row = {"output": t.entry.output, "preset": t.entry.preset}
                try:
                    measured = future.result()
                except Exception as e:  # the track failed; the others go on
                    rows[t.index] = {**row, "status": "failed", "error": _message(e)}
                    continue  # still claimed: the next run renders it again
                rows[t.index] = {**row, **measured, "status": "rendered"}
                state[str(t.output)] = {"key": t.key, "stamp": _stamp(t.output), "report": measured}
                _atomic_write(state_file, json.dumps(state, indent=1, sort_keys=True))
    if bar is not None:
        bar.render_finish()
    return [{f: rows[t.index].get(f) for f in REPORT_FIELDS} for t in tracks]


@contextlib.contextmanager
def _stopping(pool: cf.ProcessPoolExecutor):
    """On any exit by exception (Ctrl-C, SIGTERM): cancel the tracks not started and send
    SIGTERM to the workers, whose exports then remove their partial files."""
    try:
        yield
    except BaseException:
        workers = list((pool._processes or {}).values())  # no public API lists the workers
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            if process.is_alive():
                process.terminate()
        raise


def _frames(t: Track) -> int:
    from ..output.writer import passes

    return int(t.entry.duration * (t.entry.sample_rate or 48000)) * passes(t.entry.loudness, t.entry.true_peak)


def _bar(total: int, tracks: int):
    import click

    bar = click.progressbar(length=max(1, total), label=f"rendering {tracks} tracks", file=sys.stderr)
    bar.render_progress()
    return bar


def _drain(queue, bar) -> None:
    import queue as q

    frames = 0
    while True:
        try:
            frames += queue.get_nowait()
        except q.Empty:
            break
    if frames:
        bar.update(frames)


def _message(e: BaseException) -> str:
    from ..errors import SensoryError

    return str(e) if isinstance(e, SensoryError) else f"{type(e).__name__}: {e}"


def write_report(rows: list[dict[str, Any]], path) -> None:
    """The report as JSON (a list of rows) or CSV, by ``path``'s extension."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".json":
        text = json.dumps(rows, indent=2) + "\n"
    elif ext == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    else:
        raise RecipeError(f"{path}: a report is .json or .csv")
    _atomic_write(path, text)
