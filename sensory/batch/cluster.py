"""Catalog tracks rendered on a Dask distributed cluster (``pip install 'sensory[cluster]'``).

``--cluster ADDRESS`` connects to a running scheduler (``tcp://scheduler:8786``);
``--cluster local:N`` starts a ``LocalCluster`` of N worker processes on this machine,
one thread each, and stops it afterwards. Each track is one task running
:func:`sensory.batch.worker.render_track` on a worker, so the file is the same bits as the
local pool's. Workers write the outputs themselves: the catalog's folder must be shared
storage mounted at the same path on every machine. Only the catalog's own process writes
the state file and the report.

A worker that dies (killed, out of memory, its machine gone) loses its task, and the
scheduler hands the track to another worker (up to ``distributed.scheduler.allowed-failures``
deaths, 3 by default, then the track fails with ``KilledWorker``); the partial file the dead
worker left is removed when the track ends.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ..engine.context import heap_kept, keep_heap
from ..errors import RecipeError
from .catalog import Track
from .worker import render_track

__all__ = ["cluster_track", "on_cluster", "parse_cluster"]

_POLL_S = 0.2


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")  # the transports a Dask scheduler listens on


def parse_cluster(address: str) -> tuple[str, int | None]:
    """(scheduler address, None) or ("local", N) for ``local:N``; RecipeError naming the fix."""
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise RecipeError(f"--cluster {address}: give local:N with N from 1 to 256 worker processes, e.g. local:4")
        return "local", int(count)
    scheme, sep, rest = address.partition("://")
    if not (sep and scheme in SCHEMES and rest) and not (not sep and ":" in address and address[0] != ":"):
        raise RecipeError(f"--cluster {address}: give a scheduler address such as tcp://scheduler:8786 "
                          f"(schemes: {', '.join(SCHEMES)}), or local:N")
    return address, None


def cluster_track(track: Track, queue: str | None, heap: bool) -> dict[str, Any]:
    """The task a worker runs: :func:`render_track`, its progress posted to the distributed
    queue named ``queue`` (None: no progress). ``heap``: the catalog's process keeps its heap
    (:func:`~sensory.engine.context.keep_heap`), so the worker does as the pool's would; Dask
    starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, under which a render's temporaries
    are mapped afresh each time (2.5-3.7 s of CPU for a 60-s pink export against 0.9-1.0)."""
    if heap:
        keep_heap()
    post = None
    if queue is not None:
        from distributed import Queue

        post = Queue(queue).put
    return render_track(track, post)


@contextlib.contextmanager
def _client(address: str):
    """A connected ``distributed.Client`` (and the LocalCluster it started, closed after)."""
    target, workers = parse_cluster(address)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise RecipeError("--cluster needs Dask distributed: pip install 'sensory[cluster]'") from None
    cluster = None
    if workers is not None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        target = cluster
    try:
        try:
            client = Client(target, timeout="10s")
        except (OSError, TimeoutError, ValueError) as e:  # unreachable, or an address Dask cannot read
            raise RecipeError(f"--cluster {address}: cannot reach the scheduler ({e}); start one with "
                              "`dask scheduler` and workers with `dask worker ADDRESS`") from None
        try:
            yield client
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()


def on_cluster(address: str, tracks: list[Track], progress: Callable[[list], None] | None
               ) -> Iterator[tuple[Track, dict[str, Any] | BaseException]]:
    """Render ``tracks`` on the cluster at ``address``, yielding (track, its report row or the
    exception it failed with) as each ends; ``progress`` receives the workers' messages. Any
    exception thrown into the iteration (Ctrl-C) cancels the tracks not done."""
    from distributed import Queue, wait

    with _client(address) as client:
        name = f"sensory-progress-{uuid.uuid4().hex}" if progress else None
        queue = Queue(name, client=client) if name else None
        run = uuid.uuid4().hex[:8]
        heap = heap_kept()
        pending = {client.submit(cluster_track, t, name, heap, key=f"sensory-track-{t.index}-{run}", pure=False): t
                   for t in tracks}
        try:
            while pending:
                try:
                    done = wait(list(pending), timeout=_POLL_S, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                if queue is not None:
                    progress(queue.get(batch=True))
                for future in done:
                    t = pending.pop(future)
                    error = future.exception()
                    yield t, error if error is not None else future.result()
        finally:
            if pending:
                client.cancel(list(pending), force=True)
