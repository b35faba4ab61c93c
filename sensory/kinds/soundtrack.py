"""A user's own audio file mixed in: SBaGen's ``-m FILE`` with ``mix/A``.

Sensory synthesizes everything it ships; a soundtrack is the one exception a user brings:
any file soundfile reads (WAV, FLAC, OGG, ...), of any length, resampled to the session's
rate (:class:`~sensory.dsp.resample.Resampler`) and read as it plays, about a second at a
time, so memory does not grow with the file. ``amp`` is SBaGen's mix amplitude: 100 plays
the file as it is. As in SBaGen, a file plays once (SBaGen stops when it ends; here the
layer falls silent), or with ``loop`` repeats forever, each pass crossfading into the next
over ``crossfade`` seconds (SBaGen's default for loopable OGG files: whole-file segments,
1-s crossfades).

A file that is not there, or not audio, is reported in one line on stderr (once per
file) and the layer is silent, so the rest of the session plays.
"""

from __future__ import annotations

import sys

import numpy as np
from pydantic import Field

from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from ..dsp.resample import Resampler
from . import kind

__all__ = ["Soundtrack", "SoundtrackParams", "Track"]

READ_S = 1.0  # input read ahead at a time
_REPORTED: set[str] = set()


class SoundtrackParams(Params):
    file: str = Field("", description="the audio file (a user's own; never shipped with sensory)")
    amp: Automatable = param(100.0, ge=0, le=1000, help="SBaGen mix amplitude: 100 plays the file as it is")
    loop: bool = Field(False, description="repeat the file forever instead of playing it once")
    crossfade: float = param(1.0, unit="s", ge=0, le=60, help="overlap of one pass into the next when looping")


@kind("soundtrack", family="noise", params=SoundtrackParams)
class Soundtrack(Unit):
    """A user's audio file, resampled to the session's rate, played once or looped with crossfades."""

    channels = 2
    cost = 0.2
    nominal_level = 0.126  # a file mastered at the nominal RMS, played at amp 100

    def __init__(self, params: SoundtrackParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._track = Track(params.file, sample_rate)
        length = self._track.frames
        self._fade = min(round(params.crossfade * sample_rate), length // 2) if params.loop else 0
        self._period = max(1, length - self._fade)
        # the pass after the current one, read over each crossfade: a reader of its own, so
        # neither jumps back and forth
        self._next = Track(params.file, sample_rate) if self._fade else None

    def _render(self, n: int) -> np.ndarray:
        if self.params.loop:
            y = self._looped(self.frame, n)
        else:
            y = self._track.read(self.frame, n)
        amp = np.asarray(self.value(self.params.amp, n), np.float32) * np.float32(0.01)
        return y * (amp[:, None] if amp.ndim else amp)

    def _looped(self, t0: int, n: int) -> np.ndarray:
        """Frames ``t0 .. t0+n-1`` of the endless crossfaded loop, a pass at a time."""
        fade, period = self._fade, self._period
        out = np.empty((n, 2), np.float32)
        done = 0
        while done < n:
            pass_no, pos = divmod(t0 + done, period)
            k = min(n - done, period - pos)
            y = self._track.read(pos, k)
            if pass_no > 0 and pos < fade:  # the previous pass's end fades out under this one's start
                m = min(k, fade - pos)
                w = (np.arange(pos, pos + m) / fade).astype(np.float32)[:, None]
                y[:m] = y[:m] * w + self._next.read(pos + period, m) * (1 - w)
            out[done:done + k] = y
            done += k
        return out


class Track:
    """Frames of the file ``path`` at ``sample_rate``: :meth:`read` (``m0``, ``n``) gives output
    frames ``m0 .. m0+n-1`` (float32 (n, 2), zero outside the file), a pure function of ``m0``;
    reading on from where the last read ended costs one file read a second. :attr:`frames` is
    the file's length at ``sample_rate`` (0 when it cannot be read, reported once). Copies and
    pickles reopen the file where they need it."""

    def __init__(self, path: str, sample_rate: int):
        self.path = path
        self._file = self._open()
        if self._file is None:
            self.frames, self._resampler = 0, None
            return
        rate = self._file.samplerate
        self._resampler = None if rate == sample_rate else Resampler(rate, sample_rate)
        self._length = self._file.frames  # input frames
        self.frames = self._length if self._resampler is None else self._resampler.frames(self._length)
        self._chunk = max(1, round(READ_S * rate))
        self._buf = np.zeros((0, 2), np.float32)
        self._start = 0  # input frame of _buf[0]

    def read(self, m0: int, n: int) -> np.ndarray:
        if self.frames == 0 or m0 >= self.frames or m0 + n <= 0:
            return np.zeros((n, 2), np.float32)
        if self._resampler is None:
            return self._input(m0, m0 + n).copy()
        first, end = self._resampler.span(m0, n)
        return self._resampler.convert(self._input(first, end), first, m0, n)

    def _input(self, first: int, end: int) -> np.ndarray:
        """Input frames ``[first, end)``, zero outside the file."""
        a, b = max(first, 0), min(end, self._length)
        if a < b and not (self._start <= a and b <= self._start + len(self._buf)):
            self._fill(a, b)
        out = np.zeros((end - first, 2), np.float32)
        if a < b:
            out[a - first:b - first] = self._buf[a - self._start:b - self._start]
        return out

    def _fill(self, a: int, b: int) -> None:
        """Hold input frames from ``a`` to at least ``b``: reading on where the buffer ends when
        it can, else from ``a``."""
        held_end = self._start + len(self._buf)
        keep = self._buf[a - self._start:] if self._start <= a <= held_end else self._buf[:0]
        at = self._start + len(self._buf) if len(keep) else a
        wanted = min(self._length, max(b, at + self._chunk)) - at
        try:
            if self._file is None:
                self._file = self._open()
            if self._file.tell() != at:
                self._file.seek(at)
            fresh = self._file.read(wanted, dtype="float32", always_2d=True)
        except Exception as e:  # noqa: BLE001 - a file that breaks while playing falls silent
            self._silence(e)
            fresh = np.zeros((wanted, 2), np.float32)
        fresh = fresh[:, :2] if fresh.shape[1] >= 2 else np.repeat(fresh, 2, axis=1)
        if len(fresh) < wanted:  # a file shorter than its header says
            fresh = np.concatenate([fresh, np.zeros((wanted - len(fresh), 2), np.float32)])
        self._buf = np.concatenate([keep, fresh])
        self._start = at - len(keep)

    def _open(self):
        import soundfile as sf

        try:
            return sf.SoundFile(self.path)
        except Exception as e:  # noqa: BLE001 - any unreadable file: one line, and the rest plays
            self._silence(e)
            return None

    def _silence(self, e: Exception) -> None:
        if self.path not in _REPORTED:
            _REPORTED.add(self.path)
            reason = "not there" if isinstance(e, FileNotFoundError) or "No such file" in str(e) else str(e)
            print(f"warning: soundtrack {self.path or '(none given)'}: {reason}; playing the rest without it",
                  file=sys.stderr)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_file"] = None  # an open file is not copied: the copy reopens it
        return state
