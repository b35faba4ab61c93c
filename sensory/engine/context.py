"""What a render runs in: numpy's BLAS on one thread; and, for a process that asks, a heap
that keeps its memory (glibc)."""

from __future__ import annotations

import ctypes

__all__ = ["heap_kept", "keep_heap", "rendering"]


def rendering():
    """A context to render in: numpy's matrix products (BLAS) on one thread.

    The kinds' matrix products are small: OpenBLAS's worker threads doubled a render's CPU time
    for no gain in speed.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_heap_kept = False


def keep_heap() -> None:
    """Make glibc's heap keep memory it has handed out, for the rest of the process (a program's
    choice, made once at its start: the command line makes it; the library never does).

    Every frame of a texture allocates the same large temporaries (a megabyte or so); glibc
    maps those fresh from the system and unmaps them when freed, so each one page-faults anew
    (about 360 faults per second of thunderstorm, a tenth of its CPU time). Raising the mapping
    threshold keeps them in the heap for reuse; the process's peak memory is what it was.
    Without glibc (no ``mallopt``) nothing is set. Layer processes started afterwards
    (:mod:`sensory.engine.parallel`) keep theirs too.
    """
    global _heap_kept
    if _heap_kept:
        return
    _heap_kept = True
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no C library with mallopt (not glibc): nothing to set
        return
    mallopt(_M_MMAP_THRESHOLD, 64 << 20)
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)


def heap_kept() -> bool:
    """Whether this process asked for :func:`keep_heap`."""
    return _heap_kept
