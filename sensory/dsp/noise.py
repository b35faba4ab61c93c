"""Noise sources and noise colours, streaming with carried state.

:class:`WhiteSource` draws cheap uniform white noise (four 16-bit values per
64-bit PCG64 output) in fixed internal chunks, so the stream it yields is the
same however callers split it. :class:`Colour` shapes white noise with IIR
filters whose state is carried between blocks (``lfilter`` with ``zi``):

* pink (-3 dB/oct): J. O. Smith's 4th-order IIR approximation, from
  *Spectral Audio Signal Processing* (CCRMA, 2011), "Example: Synthesis of 1/f Noise";
* brown (-6 dB/oct): a leaky integrator with a 15 Hz corner, so it never drifts;
* blue (+3 dB/oct): the first difference of pink; violet (+6 dB/oct): of white.

Pink and brown pass through a one-pole DC blocker at 5 Hz folded into the same
filter, so no infrasound wastes headroom.

Every colour is scaled to unit RMS (within about 1 dB) at any sample rate.
:class:`OctavePink` is SBaGen's own pink noise, made without a recursion (the ``.sbg`` voices').
:class:`NoiseSource` is white noise through a colour, rendered a chunk ahead on a
helper thread: drawing and filtering run without the interpreter lock, so a noise
bed costs the thread that asks for it next to nothing when a second core is free.
"""

from __future__ import annotations

import copy
import os
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from .iir import lfilter

__all__ = ["COLOURS", "SBAGEN_PINK", "Colour", "NoiseSource", "OctavePink", "WhiteSource", "settle"]

COLOURS = ("white", "pink", "brown", "blue", "violet")

_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


class _Chunks:
    """Serves ``take(n)`` as slices of fixed chunks, (CHUNK, channels) each, made in turn by
    ``_next_chunk()``: what the caller gets never depends on the sizes it asks for."""

    CHUNK = 65536  # frames per chunk

    def __init__(self, channels: int, dtype):
        self.channels = channels
        self._buf = np.empty((0, channels), dtype)
        self._pos = 0

    def _next_chunk(self) -> np.ndarray:
        raise NotImplementedError

    def take(self, n: int) -> np.ndarray:
        parts = []
        while n > 0:
            if self._pos == len(self._buf):
                self._buf = self._next_chunk()
                self._pos = 0
            k = min(n, len(self._buf) - self._pos)
            parts.append(self._buf[self._pos:self._pos + k])
            self._pos += k
            n -= k
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else self._buf[:0]


class WhiteSource(_Chunks):
    """Unit-variance uniform white noise, ``channels`` independent streams.

    ``take(n)`` returns ``dtype`` (float32 or float64) of shape (n, channels); the
    sequence is fixed by ``rng`` alone, independent of the sizes asked for.
    """

    def __init__(self, rng: np.random.Generator, channels: int = 1, dtype=np.float32):
        super().__init__(channels, dtype)
        self.rng = rng
        self.dtype = np.dtype(dtype)
        self._scale = self.dtype.type(np.sqrt(3.0) / 32768.0)  # int16 uniform -> unit variance

    def _next_chunk(self) -> np.ndarray:
        words = self.CHUNK * self.channels // 4
        raw = self.rng.bit_generator.random_raw(words).view(np.int16)
        buf = raw.astype(self.dtype)  # a plain cast, then an in-place scale: cheaper than a mixed-type multiply
        buf *= self._scale
        return buf.reshape(self.CHUNK, self.channels)


class Colour:
    """A noise colour as a streaming filter over (n, channels) white noise (float64
    input avoids a conversion), scaled to RMS ``gain`` for unit-variance input."""

    def __init__(self, colour: str, sample_rate: int, channels: int = 1, gain: float = 1.0):
        if colour not in COLOURS:
            raise ValueError(f"unknown noise colour {colour!r}")
        self.colour = colour
        b, a, unit_gain = _design(colour, sample_rate)
        self._b = b * (unit_gain * gain)
        self._a = a
        self._zi = np.zeros((max(len(self._a), len(self._b)) - 1, channels))

    def __call__(self, white: np.ndarray) -> np.ndarray:
        """Filter the next (n, channels) frames of white noise; returns float32 (n, channels).

        The filter runs in float64: its poles sit close to 1."""
        if self._zi.shape[0] == 0:
            return white * np.float32(self._b[0])
        y, self._zi = lfilter(self._b, self._a, white.astype(np.float64, copy=False), axis=0, zi=self._zi)
        return y.astype(np.float32)


class OctavePink:
    """SBaGen's pink noise (sbagen.c's ``noise2``), mono chunks: white noise plus nine octave bands of
    the same level, band ``b`` (1..9) a straight line between random values ``2^b`` samples apart,
    so each band's spectrum falls off above its rate and the sum falls 3 dB an octave from about
    ``sample_rate / 1024`` up. The bands are summed coarsest first, each level's sum interpolated
    to the next level's points, then the white noise added: a few float32 passes a sample where a
    pink filter's recursion is latency-bound. The values are uniform 8-bit draws (eight from each
    64-bit word of ``rng``: white, then each band's new values coarsest first), less their mean.
    The sum of the slow bands (``b`` >= 5, 97 % of the power under 10 Hz), on its points 32
    samples apart, passes a one-pole DC blocker at 5 Hz, as sensory's own pink does.
    ``chunk(n)`` gives the next ``n`` samples (a multiple of 512), float32, at RMS ``gain``."""

    BANDS = 9
    BLOCKED = 5  # the bands from this one up are summed and pass the DC blocker

    def __init__(self, rng: np.random.Generator, sample_rate: int, gain: float = 1.0):
        self.rng = rng
        self._last = np.zeros(self.BANDS + 1, np.float32)  # each band's value at the chunk's start (index b)
        self._blocker = np.array([1.0, -1.0]), np.array([1.0, -np.exp(-2 * np.pi * 5.0 * (1 << self.BLOCKED)
                                                                       / sample_rate)])
        self._zi = np.zeros(1)
        self._slow = np.float32(0)  # the blocked sum's value at the chunk's start
        lines = sum(_line_power(1 << b) for b in range(1, self.BLOCKED))
        lines += sum(_blocked_power(1 << (b - self.BLOCKED), 1 << self.BLOCKED, self._blocker)
                     for b in range(self.BLOCKED, self.BANDS + 1))
        self._scale = np.float32(gain / np.sqrt((256.0**2 - 1) / 12 * (1.0 + lines)))

    def chunk(self, n: int) -> np.ndarray:
        news = [n >> b for b in range(self.BANDS, 0, -1)]
        raw = self.rng.bit_generator.random_raw(-(-(n + sum(news)) // 8)).view(np.int8)
        out = raw[:n].astype(np.float32)  # the white noise, then the bands added in
        at, level = n, None
        for b, m in zip(range(self.BANDS, 0, -1), news):
            points = np.empty(m + 1, np.float32)  # the band at samples 0, 2^b, .., n of the chunk
            points[0] = self._last[b]
            points[1:] = raw[at:at + m]
            self._last[b] = points[-1]
            at += m
            if level is not None:
                _add_halfway(points, level)  # the coarser bands' sum, from its points to this band's
            level = points
            if b == self.BLOCKED:  # the slow bands' sum without its DC (nor their draws' mean)
                level[1:], self._zi = lfilter(*self._blocker, level[1:].astype(np.float64), zi=self._zi)
                level[0] = self._slow
                self._slow = level[-1]
                level += np.float32(0.5 * self.BLOCKED)  # the other draws' mean: -1/2 each, white and bands 1..4
        _add_halfway(out, level)
        out *= self._scale
        return out


def _add_halfway(fine: np.ndarray, coarse: np.ndarray) -> None:
    """Add to ``fine`` (points ``0, h, 2h, ..``) the straight lines through ``coarse`` (points ``0, 2h,
    ..``, one more than half ``fine``'s when ``fine`` ends on a point of it): its values on the even
    points, the mean of two neighbours between them."""
    even, odd = fine[0::2], fine[1::2]
    even += coarse[:len(even)]
    between = coarse[:-1] + coarse[1:]
    between *= np.float32(0.5)
    odd += between[:len(odd)]


def _blocked_power(spacing: int, step: int, blocker: tuple) -> float:
    """The mean power over the samples of a straight line between unit-variance random values
    ``spacing`` points apart, on points ``step`` samples apart, after ``blocker`` (b, a) filters
    the points, then drawn straight between the points."""
    w = 1 - np.abs(np.arange(1 - spacing, spacing)) / spacing  # one value's share of the points near it
    impulse = np.zeros(1 << 14)
    impulse[0] = 1.0
    g = np.convolve(w, lfilter(*blocker, impulse))
    near = [float(np.dot(g[:len(g) - lag], g[lag:])) / spacing for lag in (0, 1)]  # the points' autocorrelation
    u = np.arange(step) / step
    return float(np.mean((1 - u) ** 2 + u ** 2)) * near[0] + float(np.mean(2 * u * (1 - u))) * near[1]


def _line_power(spacing: int) -> float:
    """The mean power of a straight line between unit-variance random values ``spacing`` samples
    apart, over the samples: the mean of ``(1 - u)^2 + u^2`` at ``u = k / spacing``."""
    u = np.arange(spacing) / spacing
    return float(np.mean((1 - u) ** 2 + u ** 2))


SBAGEN_PINK = "sbagen-pink"  # a colour for NoiseSource beside COLOURS: OctavePink, mono


class NoiseSource(_Chunks):
    """``colour`` noise (see :data:`COLOURS`) at RMS ``gain``, ``channels`` independent
    streams: ``take(n)`` gives the next (n, channels) frames, float32 (float64 for white).

    The samples are exactly ``Colour(...)(WhiteSource(rng, channels, float64).take(n))``
    (for :data:`SBAGEN_PINK`, mono, :class:`OctavePink`'s chunks), made in chunks of :attr:`CHUNK` frames; while the caller uses one chunk, the next is
    drawn and filtered on a helper thread shared by every source. ``rng`` is the source's
    own from then on: nothing else may draw from it. A source is used in the process that
    built it (not across a fork).
    """

    def __init__(self, colour: str, sample_rate: int, rng: np.random.Generator, *, channels: int = 1,
                 gain: float = 1.0):
        super().__init__(channels, np.float32)
        self._octaves = OctavePink(rng, sample_rate, gain) if colour == SBAGEN_PINK else None
        if self._octaves is None:
            self._white = WhiteSource(rng, channels, np.float64)
            self._colour = Colour(colour, sample_rate, channels, gain)
        self._ahead = _helper().submit(self._render_chunk)

    def _render_chunk(self) -> np.ndarray:
        if self._octaves is not None:
            return self._octaves.chunk(self.CHUNK)[:, None]
        return self._colour(self._white.take(self.CHUNK))

    def _next_chunk(self) -> np.ndarray:
        chunk = self._ahead.result()
        self._ahead = _helper().submit(self._render_chunk)
        return chunk

    def __deepcopy__(self, memo: dict) -> NoiseSource:
        """A source that goes on with the same samples as this one, on its own from then on: the
        chunk being made ahead is waited for and shared (chunks are never written into)."""
        ahead = self._ahead.result()  # the helper is done with this source's state
        twin = NoiseSource.__new__(NoiseSource)
        memo[id(self)] = twin
        for name, value in vars(self).items():
            if name != "_ahead":
                setattr(twin, name, copy.deepcopy(value, memo))
        twin._ahead = Future()
        twin._ahead.set_result(ahead)
        return twin


_pool: tuple[int, ThreadPoolExecutor] | None = None  # (process id, its helper)


def settle() -> None:
    """Wait until every chunk asked of the helper so far is made: then no source's state (nor its
    generator, which its unit may hold too) changes behind the caller's back, and it may be copied."""
    if _pool is not None and _pool[0] == os.getpid():
        _pool[1].submit(int).result()  # the one helper works in order: this comes after them all


def _helper() -> ThreadPoolExecutor:
    """The one helper thread of this process that renders every :class:`NoiseSource`'s next
    chunk, in the order asked (so each source's chunks are made one after another). A process
    forked from one that had it (a batch's workers) starts its own: threads do not survive a fork."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="sensory-noise"))
    return _pool[1]


def _design(colour: str, sample_rate: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Filter (b, a) for a colour and the gain that brings unit-variance white to unit RMS."""
    blocker_b, blocker_a = np.array([1.0, -1.0]), np.array([1.0, -np.exp(-2 * np.pi * 5.0 / sample_rate)])
    if colour == "white":
        b, a = np.array([1.0]), np.array([1.0])
    elif colour == "pink":
        b, a = np.convolve(_PINK_B, blocker_b), np.convolve(_PINK_A, blocker_a)
    elif colour == "blue":
        b, a = np.convolve(_PINK_B, [1.0, -1.0]), _PINK_A
    elif colour == "violet":
        b, a = np.array([1.0, -1.0]), np.array([1.0])
    else:  # brown: leaky integrator, corner 15 Hz
        pole = np.exp(-2 * np.pi * 15.0 / sample_rate)
        b, a = blocker_b, np.convolve([1.0, -pole], blocker_a)
    return b, a, 1.0 / np.sqrt(_power_gain(b, a))


def _power_gain(b: np.ndarray, a: np.ndarray) -> float:
    """Output variance for unit-variance white input: sum of the squared impulse response."""
    n = 1 << 18
    impulse = np.zeros(n)
    impulse[0] = 1.0
    h = lfilter(b, a, impulse)
    return float(np.sum(h * h))
