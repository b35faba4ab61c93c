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
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

__all__ = ["WhiteSource", "Colour", "COLOURS"]

COLOURS = ("white", "pink", "brown", "blue", "violet")

_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


class WhiteSource:
    """Unit-variance uniform white noise, ``channels`` independent streams.

    ``take(n)`` returns ``dtype`` (float32 or float64) of shape (n, channels); the
    sequence is fixed by ``rng`` alone, independent of the sizes asked for.
    """

    CHUNK = 65536  # frames drawn per refill

    def __init__(self, rng: np.random.Generator, channels: int = 1, dtype=np.float32):
        self.rng = rng
        self.channels = channels
        self.dtype = np.dtype(dtype)
        self._scale = self.dtype.type(np.sqrt(3.0) / 32768.0)  # int16 uniform -> unit variance
        self._buf = np.empty((0, channels), self.dtype)
        self._pos = 0

    def take(self, n: int) -> np.ndarray:
        parts = []
        while n > 0:
            if self._pos == len(self._buf):
                words = self.CHUNK * self.channels // 4
                raw = self.rng.bit_generator.random_raw(words).view(np.int16)
                buf = raw.astype(self.dtype)  # a plain cast, then an in-place scale: cheaper than a mixed-type multiply
                buf *= self._scale
                self._buf = buf.reshape(self.CHUNK, self.channels)
                self._pos = 0
            k = min(n, len(self._buf) - self._pos)
            parts.append(self._buf[self._pos:self._pos + k])
            self._pos += k
            n -= k
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.empty((0, self.channels), self.dtype)


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
