"""Writing blocks into a partial file beside the destination, encoding on a thread of its own.

:func:`write_partial` streams float32 (n, channels) blocks into a new partial file
(:func:`sensory.destination.partial`), flushed to disk; on any error the partial file
is removed, and a failing write says why (a full disk, a file-size limit, a read-only
folder). Renaming it onto the destination is the caller's step, once the file is
known to be good.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np

from ..destination import partial
from ..errors import RenderError

__all__ = ["Calls", "MeterBehind", "WriteBehind", "reason", "write_partial"]


def write_partial(blocks: Iterable[np.ndarray], path: Path, *, fmt: str, subtype: str, sample_rate: int,
                  channels: int, tags: Mapping[str, str],
                  quantize: Callable[[np.ndarray], np.ndarray] | None) -> tuple[int, float, Path]:
    """Stream ``blocks`` (float32 (n, channels)) into a new partial file next to ``path`` as
    ``fmt``/``subtype`` at ``sample_rate`` Hz, each block through ``quantize`` if given, with
    ``tags``: (frames, sample peak as amplitude, partial file). RenderError with the
    system's reason when writing fails; the partial file is gone on any error."""
    import soundfile as sf

    try:
        tmp = partial(path)
    except OSError as e:
        raise RenderError(f"{path}: cannot write in {path.parent}: {reason(e)}") from None
    try:
        frames = 0
        sink = WriteBehind(_encoder(tmp, fmt, subtype, sample_rate, channels, tags), quantize=quantize,
                           peak=True)
        try:
            for block in blocks:
                sink.write(block)
                frames += len(block)
        finally:
            sink.close()
        peak = sink.peak
        if fmt == "M4A":
            from .aac import write_tags

            write_tags(tmp, tags)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException as e:
        why = _diagnose(tmp, e) if isinstance(e, (sf.LibsndfileError, OSError)) else None
        tmp.unlink(missing_ok=True)
        if why is not None:
            raise RenderError(f"{path}: writing failed: {why}") from None
        raise
    return frames, peak, tmp


def _encoder(tmp: Path, fmt: str, subtype: str, sample_rate: int, channels: int, tags: Mapping[str, str]):
    """The open encoder of ``tmp``: PyAV's for M4A (tagged after closing), else libsndfile's, tagged."""
    if fmt == "M4A":
        from .aac import AacFile

        return AacFile(tmp, sample_rate, channels)
    import soundfile as sf

    sink = sf.SoundFile(tmp, "w", samplerate=sample_rate, channels=channels, format=fmt, subtype=subtype)
    for key, value in tags.items():
        setattr(sink, key, value)
    return sink


class WriteBehind:
    """``sink`` written on a thread of its own while the next blocks render: each float32
    (n, channels) block is measured when ``peak`` is asked for (:attr:`peak`, the largest
    magnitude, else 0.0), turned into samples by ``quantize`` if given (dither, rounding)
    and written there. libsndfile's
    encoders (and PyAV's) and numpy's loops run without the interpreter lock, so this work
    costs the render next to nothing on a second core. ``write`` raises the thread's error,
    if any; ``close`` writes what is queued, closes the sink and raises it too.

    A block handed to ``write`` is read later, on the thread: it must not be written into
    afterwards (the engine's blocks never are).
    """

    def __init__(self, sink, *, quantize: Callable[[np.ndarray], np.ndarray] | None = None, peak: bool = False,
                 depth: int = 2):
        self.sink = sink
        self.peak = 0.0
        self._measure = peak
        self._quantize = quantize
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sensory-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None:  # after an error the thread only drains the queue
                try:
                    self._take(block)
                except BaseException as e:  # noqa: BLE001 (handed to the caller by write and close)
                    self._error = e

    def _take(self, block: np.ndarray) -> None:
        if self._measure and len(block):
            self.peak = max(self.peak, float(block.max()), -float(block.min()))
        self.sink.write(self._quantize(block) if self._quantize else block)

    def write(self, block: np.ndarray) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(block)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.sink.close()
        if self._error is not None:
            raise self._error


class MeterBehind:
    """A :class:`~sensory.measure.loudness.LoudnessMeter` fed on two threads behind the
    caller, as a sink: its loudness half (K-weighting) on one, its peak half (and its
    ``frames`` callback) on a second behind the first, which hands it each block with its
    energies; so the meter costs the caller's thread nothing and its two halves share the
    cores. Each float (n, channels) block is taken times ``scale`` (a quantizer's integers
    to full scale 1.0); ``also(block)``, if given, is called with each scaled block on the
    loudness thread. ``write`` and ``close`` raise either thread's error; after ``close``
    the meter holds the whole signal."""

    def __init__(self, meter, *, scale: float = 1.0, also: Callable[[np.ndarray], None] | None = None):
        self.meter = meter
        self._behind = WriteBehind(_LoudnessHalf(meter, WriteBehind(Calls(meter.add_peaks)), scale, also))

    def write(self, block: np.ndarray) -> None:
        self._behind.write(block)

    def close(self) -> None:
        self._behind.close()


class _LoudnessHalf:
    """The loudness thread's sink: K-weighting, then the block and its energies to ``peaks``."""

    def __init__(self, meter, peaks: WriteBehind, scale: float, also: Callable[[np.ndarray], None] | None):
        self.meter = meter
        self.peaks = peaks
        self.scale = scale
        self.also = also

    def write(self, block: np.ndarray) -> None:
        if self.scale != 1.0:
            block = block * self.scale
        if self.also is not None:
            self.also(block)
        self.peaks.write((block, self.meter.add_loudness(block)))

    def close(self) -> None:
        self.peaks.close()


class Calls:
    """A sink for :class:`WriteBehind` that calls ``call(*args)`` with each tuple written."""

    def __init__(self, call: Callable[..., None]):
        self.call = call

    def write(self, args: tuple) -> None:
        self.call(*args)

    def close(self) -> None:
        pass


def _diagnose(tmp: Path, e: BaseException) -> str:
    """Why writing ``tmp`` failed. libsndfile reports only "System error"; appending a
    little to the file again brings out the operating system's reason (a full disk, a
    file-size limit)."""
    if isinstance(e, OSError):
        return reason(e)
    try:
        with open(tmp, "ab") as f:
            f.write(bytes(1 << 16))
            f.flush()
            os.fsync(f.fileno())
    except OSError as probe:
        return reason(probe)
    return reason(e)


def reason(e: BaseException) -> str:
    """The operating system's words for ``e`` (``No space left on device``), else its message."""
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)
