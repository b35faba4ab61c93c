"""Work done ahead of its caller: the one helper thread of a process.

Noise sources render their next chunk on it (:class:`~sensory.dsp.noise.NoiseSource`),
and texture shapers draw their next random values on it
(:func:`~sensory.dsp.spectral.drawn_ahead`). numpy's generators and scipy's filters run
without the interpreter lock, so this work costs the caller's thread next to nothing when
a second core is free. The one thread takes its work in the order asked, so each piece of
one source's work follows the one before.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

__all__ = ["helper", "settle"]

_pool: tuple[int, ThreadPoolExecutor] | None = None  # (process id, its helper)


def helper() -> ThreadPoolExecutor:
    """This process's helper thread (started on first use). A process forked from one that had
    it (a batch's workers) starts its own: threads do not survive a fork."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensory-ahead"))
    return _pool[1]


def settle() -> None:
    """Wait until everything asked of the helper so far is done: then no source's state (nor its
    generator, which its unit may hold too) changes behind the caller's back, and it may be copied."""
    if _pool is not None and _pool[0] == os.getpid():
        _pool[1].submit(int).result()  # the one helper works in order: this comes after it all
