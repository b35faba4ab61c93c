"""One track, rendered in a worker process of the catalog's pool.

Each worker ignores Ctrl-C (the parent stops the workers with SIGTERM) and gets
SIGTERM when its parent dies (Linux ``PR_SET_PDEATHSIG``), so no orphan finishes
a track behind the catalog's back. SIGTERM during a render raises
:class:`Stopped`, so the export removes its partial file; the worker then exits.
These settings are made by :func:`init_worker` in the pool's own processes only.
"""

from __future__ import annotations

import hashlib
import math
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..destination import discard_own
from ..measure.analysis import measure_file
from ..output.writer import export
from ..recipe.library import load
from .catalog import Track
from .state import stamp

__all__ = ["Stopped", "file_sha256", "init_worker", "render_track"]

_progress_queue = None
_rendering = False


class Stopped(BaseException):
    """Raised in a worker by SIGTERM while it renders, so its export cleans up."""


def _on_sigterm(signum, frame) -> None:
    if _rendering:
        raise Stopped()
    os._exit(128 + signum)  # idle: nothing to clean up


def init_worker(queue, parent: int) -> None:
    """Worker set-up: ``queue`` receives ``(track index, frames)`` messages (see
    :mod:`sensory.batch.progress`), or is None for no progress; ``parent`` is the catalog's
    process id. See the module doc for the signals."""
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


def render_track(track: Track, post: Callable[[tuple[int, int | None]], None] | None = None) -> dict[str, Any]:
    """Export one track (overwriting: the parent decided) and measure it: the report row's
    seconds, loudness_lufs, true_peak_dbtp, loudness_range_lu and sha256, and the ``stamp``
    of the file as this process saw it written. ``post`` (default: the pool's queue's put)
    receives the progress messages of :mod:`sensory.batch.progress`."""
    global _rendering
    if post is None and _progress_queue is not None:
        post = _progress_queue.put
    report = None
    if post is not None:
        post((track.index, None))

        def report(n: int) -> None:
            post((track.index, n))
    _rendering = True
    try:  # one process per track: the pool already keeps the cores busy
        result = export(load(track.recipe_source), track.output, force=True, progress=report, processes=1,
                        **track.entry.export_options())
    except Stopped:
        discard_own()  # the signal may have come before the export guarded its partial file
        os._exit(128 + signal.SIGTERM)  # stopped for good: the pool is being shut down
    finally:
        _rendering = False
    measured = result.measured or measure_file(track.output)
    return {"seconds": result.seconds, "loudness_lufs": _finite(measured.integrated_lufs),
            "true_peak_dbtp": _finite(measured.true_peak_dbtp),
            "loudness_range_lu": _finite(measured.loudness_range_lu), "sha256": file_sha256(track.output),
            "stamp": stamp(track.output)}


def _finite(x: float) -> float | None:
    return round(x, 3) if math.isfinite(x) else None


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at ``path``, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
