"""Running a catalog: every track not up to date, in parallel, resumable.

Each track renders in its own worker process (:class:`concurrent.futures.ProcessPoolExecutor`,
:mod:`sensory.batch.worker`) through :func:`sensory.output.writer.export`, so a failing
track leaves no file and does not touch the others. A track whose key and file still
match the state file (:mod:`sensory.batch.state`) is skipped, so re-running resumes an
interrupted catalog. Outputs are claimed in the state file before rendering starts, so a
re-run after a kill renders the claimed tracks again without ``--force``.

Interruptions: any exception reaching :func:`run` while tracks render (a Ctrl-C, or
whatever the caller raises on SIGTERM) cancels the tracks not started and stops the
workers with SIGTERM; each removes its partial file. :func:`run` installs no signal
handler in the calling process.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import queue as queues
import sys
from pathlib import Path
from typing import Any

from ..destination import sweep
from ..errors import SensoryError
from ..output.writer import passes
from .catalog import Track, load_catalog
from .report import REPORT_FIELDS
from .state import read_state, stamp, state_path, write_state
from .worker import init_worker, render_track

__all__ = ["run"]


def run(catalog, *, jobs: int | None = None, force: bool = False, progress: bool = False) -> list[dict[str, Any]]:
    """Render every track of ``catalog`` that is not up to date, ``jobs`` at once (default:
    the CPU count); one report row per track (``status`` rendered, skipped or failed).
    ``force`` renders every track again. ``progress`` draws one bar on stderr."""
    catalog = Path(catalog)
    tracks = load_catalog(catalog)
    state_file = state_path(catalog)
    state = read_state(state_file)
    rows: dict[int, dict[str, Any]] = {}
    todo: list[Track] = []
    for t in tracks:
        name = str(t.output)
        known = state.get(name)
        now = stamp(t.output)
        ours = known is not None and now is not None and known.get("stamp") == now
        claimed = known is not None and known.get("claimed")  # a run was killed while rendering it
        row = {"output": t.entry.output, "preset": t.entry.preset}
        if ours and known.get("key") == t.key and isinstance(known.get("report"), dict) and not force:
            rows[t.index] = {**row, **known["report"], "status": "skipped"}
        elif now is not None and not ours and not claimed and not force:
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
        write_state(state_file, state)
    jobs = max(1, jobs or os.cpu_count() or 1)
    frames = multiprocessing.get_context().Queue() if progress and todo else None
    bar = _bar(sum(_frames(t) for t in todo), len(todo)) if frames is not None else None
    with cf.ProcessPoolExecutor(max_workers=min(jobs, max(1, len(todo))), initializer=init_worker,
                                initargs=(frames, os.getpid())) as pool, _stopping(pool):
        pending = {pool.submit(render_track, t): t for t in todo}
        while pending:
            done, _ = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            if bar is not None:
                _drain(frames, bar)
            for future in done:
                t = pending.pop(future)
                row = {"output": t.entry.output, "preset": t.entry.preset}
                try:
                    measured = future.result()
                except Exception as e:  # the track failed; the others go on
                    rows[t.index] = {**row, "status": "failed", "error": _message(e)}
                    continue  # still claimed: the next run renders it again
                rows[t.index] = {**row, **measured, "status": "rendered"}
                state[str(t.output)] = {"key": t.key, "stamp": stamp(t.output), "report": measured}
                write_state(state_file, state)
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
    """Frames the track's export renders over all its passes, at its own sample rate."""
    return round(t.entry.duration * t.sample_rate) * passes(t.entry.loudness, t.entry.true_peak)


def _bar(total: int, tracks: int):
    import click

    bar = click.progressbar(length=max(1, total), label=f"rendering {tracks} tracks", file=sys.stderr)
    bar.render_progress()
    return bar


def _drain(frames, bar) -> None:
    """Add the frames the workers reported to ``bar``."""
    n = 0
    while True:
        try:
            n += frames.get_nowait()
        except queues.Empty:
            break
    if n:
        bar.update(n)


def _message(e: BaseException) -> str:
    return str(e) if isinstance(e, SensoryError) else f"{type(e).__name__}: {e}"
