"""Texture units: nature sounds computed a fixed frame at a time.

A texture renders ``HOPS`` analysis hops (about 21 ms each, see
:func:`~sensory.dsp.frames.hop_for`) per internal frame: controls are read
once per hop, noise beds are shaped per hop in the frequency domain
(:class:`~sensory.dsp.spectral.SpectralFrames`) and events are placed by
overlap-add (:class:`~sensory.dsp.grains.OverlapAdd`). Frames are served in
any block size through :class:`~sensory.dsp.frames.FrameQueue`, so the
output never depends on how callers split it.
"""

from __future__ import annotations

import numpy as np

from ..core.curves import Curve
from ..core.levels import NOMINAL_RMS
from ..core.unit import Unit
from ..dsp.frames import FrameQueue, hop_for

__all__ = ["BandTable", "Texture", "band", "pink"]


class Texture(Unit):
    """Base of the nature kinds: stereo, rendered ``HOPS * hop`` frames at a time.

    Subclasses implement :meth:`_frame` returning a new float32 (size, 2) array (no view of their
    state: the make-up gain is multiplied into it) and set ``makeup``, the
    linear gain that brings what :meth:`_frame` synthesizes to the texture's ``nominal_level``.
    """

    channels = 2
    nominal_level = NOMINAL_RMS  # the RMS in each ear the make-up gains aim at; sparse kinds lie below it
    makeup: float  # linear gain from the synthesis in _frame to the nominal level
    HOPS = 64  # 1.4 s at 48 kHz: the per-frame Python work spread over much audio

    def __init__(self, params, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self.hop = hop_for(sample_rate)
        self.size = self.hop * self.HOPS
        self.start = 0  # first frame of the next internal frame
        self._queue = FrameQueue(self._next_frame)
        self._centres = (np.arange(self.HOPS) + 0.5) * self.hop  # frames from a frame's start to its hops' centres
        self._times = (-1, self._centres)  # (start, hop centres in s) of the frame they were last read for

    def _render(self, n: int) -> np.ndarray:
        return self._queue.take(n)

    def _next_frame(self) -> np.ndarray:
        out = self._frame()  # a fresh array: the make-up gain is multiplied in place
        out *= np.float32(self.makeup)
        self.start += self.size
        return out

    def _frame(self) -> np.ndarray:
        raise NotImplementedError

    def hop_times(self, delay: float = 0.0) -> np.ndarray:
        """Times (s) of the centres of the frame's hops, ``delay`` seconds ago: float64 (HOPS,)."""
        if self._times[0] != self.start:
            self._times = (self.start, (self.start + self._centres) / self.sample_rate)
        return self._times[1] - delay

    def per_hop(self, curve: Curve) -> np.ndarray:
        """``curve`` at the frame's hop centres: float64 (HOPS,)."""
        return self.read(curve, self.hop_times())

    @staticmethod
    def read(curve: Curve, t: np.ndarray) -> np.ndarray:
        """``curve`` at times ``t`` (s): float64 of the shape of ``t``; a held curve costs one fill."""
        if curve.is_constant:
            return np.full(np.shape(t), curve.values[0])
        return np.asarray(curve(t), np.float64)

    def per_sample(self, curve: Curve) -> float | np.ndarray:
        """``curve`` over every frame of the internal frame: a float if held, else float64 (size,)."""
        return curve.block(self.start, self.size, self.sample_rate)


def band(log2f: np.ndarray, centre_hz, octaves) -> np.ndarray:
    """A smooth band-pass magnitude: a Gaussian in log frequency, 1 at ``centre_hz``,
    falling to 0.61 at +-``octaves``. ``centre_hz`` may be (hops, 1) to move per hop."""
    x = (log2f - np.log2(centre_hz)) / octaves
    return np.exp(-0.5 * x * x)


class BandTable:
    """:func:`band` shapes precomputed for centres on a grid of ``1/steps`` octave from
    ``low_hz`` to ``high_hz``: ``at(centre_hz)`` looks the nearest one up instead of
    evaluating the exponential, for bands that move every hop.

    ``log2f`` (bins,) as for :func:`band`; ``weight`` (bins,) multiplies every shape (a tilt);
    ``at`` takes centres of any shape and returns float32 ``centre.shape + (bins,)``.
    """

    def __init__(self, log2f: np.ndarray, low_hz: float, high_hz: float, octaves: float,
                 weight: np.ndarray | float = 1.0, steps: int = 48):
        self._low = np.log2(low_hz)
        self._steps = steps
        rows = int(np.ceil((np.log2(high_hz) - self._low) * steps)) + 1
        centres = 2.0 ** (self._low + np.arange(rows) / steps)
        self._table = (band(log2f, centres[:, None], octaves) * weight).astype(np.float32)

    def at(self, centre_hz) -> np.ndarray:
        row = np.rint((np.log2(centre_hz) - self._low) * self._steps).astype(np.int64)
        return self._table[np.clip(row, 0, len(self._table) - 1)]


def pink(freqs: np.ndarray) -> np.ndarray:
    """The -3 dB/octave tilt ``sqrt(1000/f)`` (f >= 20 Hz): with it, a :func:`band` shape is the
    power per octave, as the ear and 1/3-octave analysis see it."""
    return np.sqrt(1000.0 / np.maximum(freqs, 20.0))
