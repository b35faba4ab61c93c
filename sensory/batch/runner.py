"""Running a catalog: every track not up to date, in parallel, resumable.

Each track renders in its own worker process (:class:`concurrent.futures.ProcessPoolExecutor`,
:mod:`sensory.batch.worker`; or a Dask cluster's worker, :mod:`sensory.batch.cluster`)
through :func:`sensory.output.writer.export`, so a failing
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..destination import sweep
from ..errors import SensoryError
from ..output.writer import passes
from .catalog import Track, load_catalog
from .cluster import on_cluster, parse_cluster
from .progress import Progress
from .report import REPORT_FIELDS
from .state import read_state, stamp, state_path, write_state
from .worker import file_sha256, init_worker, render_track

__all__ = ["run"]


def run(catalog, *, jobs: int | None = None, force: bool = False, progress: bool = False,
        cluster: str | None = None) -> list[dict[str, Any]]:
    """Render every track of ``catalog`` that is not up to date, ``jobs`` at once (default:
    the CPU count) on this machine's process pool, or on the Dask cluster at ``cluster``
    (an address, or ``local:N``: see :mod:`sensory.batch.cluster`); one report row per track
    (``status`` rendered, skipped or failed). ``force`` renders every track again.
    ``progress`` draws a bar on stderr for the catalog and the tracks rendering."""
    catalog = Path(catalog)
    tracks = load_catalog(catalog)
    if cluster is not None:
        parse_cluster(cluster)  # a malformed address is refused before anything is claimed
    state_file = state_path(catalog)
    state = read_state(state_file)
    rows: dict[int, dict[str, Any]] = {}
    todo: list[Track] = []
    for t in tracks:
        known = state.get(str(t.output))
        ours = _ours(t.output, known)
        claimed = known is not None and known.get("claimed")  # a run was killed while rendering it
        row = {"output": t.entry.output, "preset": t.entry.preset}
        if ours and known.get("key") == t.key and isinstance(known.get("report"), dict) and not force:
            rows[t.index] = {**row, **known["report"], "status": "skipped"}
        elif t.output.exists() and not ours and not claimed and not force:
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
    bar = Progress({t.index: _frames(t) for t in todo}, {t.index: t.entry.output for t in todo}) \
        if progress and todo else None
    report = bar.report if bar is not None else None
    outcomes = on_cluster(cluster, todo, report) if cluster is not None else _on_pool(todo, jobs, report)
    try:
        with contextlib.closing(outcomes):
            for t, outcome in outcomes:
                sweep(t.output)  # a worker that died on this track left its partial file
                if bar is not None:
                    bar.finished(t.index)
                row = {"output": t.entry.output, "preset": t.entry.preset}
                if isinstance(outcome, BaseException):  # the track failed; the others go on
                    rows[t.index] = {**row, "status": "failed", "error": _message(outcome)}
                    continue  # still claimed: the next run renders it again
                written = outcome.pop("stamp")
                rows[t.index] = {**row, **outcome, "status": "rendered"}
                state[str(t.output)] = {"key": t.key, "stamp": written, "report": outcome}
                write_state(state_file, state)
    finally:
        if bar is not None:
            bar.close()
        for t in todo:  # after an interruption: what the stopped workers were writing
            sweep(t.output)
    return [{f: rows[t.index].get(f) for f in REPORT_FIELDS} for t in tracks]


def _ours(path: Path, known: dict[str, Any] | None) -> bool:
    """Whether the file at ``path`` is the one the state entry ``known`` records: the same
    [size, mtime] as its writer saw it or, where shared storage shows another time, the same
    size and SHA-256."""
    now = stamp(path)
    if known is None or now is None or not known.get("stamp"):
        return False
    if known["stamp"] == now:
        return True
    report = known.get("report")
    return (known["stamp"][0] == now[0] and isinstance(report, dict)
            and report.get("sha256") == file_sha256(path))


def _on_pool(tracks: list[Track], jobs: int | None, progress) -> Iterator[tuple[Track, Any]]:
    """Render ``tracks`` on this machine's process pool, yielding (track, report row or the
    exception it failed with) as each ends; ``progress`` receives the workers' messages."""
    if not tracks:
        return
    jobs = max(1, jobs or os.cpu_count() or 1)
    messages = multiprocessing.get_context().Queue() if progress else None
    with cf.ProcessPoolExecutor(max_workers=min(jobs, len(tracks)), initializer=init_worker,
                                initargs=(messages, os.getpid())) as pool, _stopping(pool):
        pending = {pool.submit(render_track, t): t for t in tracks}
        while pending:
            done, _ = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            if messages is not None:
                progress(_drain(messages))
            for future in done:
                t = pending.pop(future)
                error = future.exception()
                yield t, error if error is not None else future.result()


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


def _drain(messages) -> list:
    """The progress messages the workers have sent so far."""
    out = []
    while True:
        try:
            out.append(messages.get_nowait())
        except queues.Empty:
            return out


def _message(e: BaseException) -> str:
    return str(e) if isinstance(e, SensoryError) else f"{type(e).__name__}: {e}"
