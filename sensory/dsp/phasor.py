"""Phase accumulation in fixed point: frequency integrated sample by sample, never ``sin(2*pi*f(t)*t)``.

A phase is an int64 word counting 2^-64 cycles, so the word's wrap-around is the phase's
turn (SBaGen keeps its phase the same way, in 32 bits). Each frame adds the frequency's
increment ``f / sample_rate`` cycles rounded to a word (to half a float64 ulp of itself:
a drift under 1e-8 cycles over an hour, 1e-10 at 200 Hz). Integer sums are exact, so any
split into blocks gives the same bits and the phase never coarsens with time (a float64
phase in cycles loses a bit of precision each time it doubles: 1e-10 cycles a step after
an hour at 200 Hz). Phases of one phasor may be added and subtracted as words: the sum
of two phases is the phase of the summed frequencies.

:func:`sine` evaluates in float32 (phase rounded to 24 bits, error below 2e-7, about
-130 dB); :func:`cycles` gives the phase as a fraction of a cycle for waveform tables.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BeatPhasor", "Phasor", "cycles", "sine", "words"]

_TURN = 2.0**64
_TO_RADIANS = np.float32(2 * np.pi / _TURN)
_UNIT = 2.0**-53  # a fraction of a cycle from the word's top 53 bits


def words(freq: float | np.ndarray, sample_rate: int) -> np.int64 | np.ndarray:
    """The per-frame phase increment of ``freq`` (Hz, float or array, negative allowed) as
    int64 words: ``freq / sample_rate`` cycles modulo one, times 2^64."""
    x = np.divide(freq, sample_rate)  # rounded once
    if np.ndim(x) == 0:
        x = x - np.rint(x)  # [-0.5, 0.5] cycles: the same turn
        return np.multiply(np.int64(x * 2.0**63), 2)  # int64 wraps: +0.5 is -0.5
    x -= np.rint(x)
    x *= 2.0**63
    step = x.astype(np.int64)
    step += step
    return step


class Phasor:
    """Running phase. ``advance(freq, n)`` returns the phase words (int64, shape (n,)) at
    each of the next ``n`` frames, the first being the phase carried in.

    ``freq`` is in Hz: a float or an array of shape (n,), negative allowed.
    """

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self.phase = np.int64(0)

    def advance(self, freq: float | np.ndarray, n: int) -> np.ndarray:
        step = words(freq, self.sample_rate)
        if np.ndim(step) == 0:  # a held frequency: phase k is carry + k * step, the running sum's bits
            ph = np.arange(n + 1, dtype=np.int64)
            np.multiply(ph, step, out=ph)
            np.add(ph, self.phase, out=ph)
        else:
            ph = np.empty(n + 1, np.int64)
            ph[0] = self.phase
            ph[1:] = step
            np.cumsum(ph, out=ph)
        self.phase = ph[n]
        return ph[:n]

    def skip(self, freq: float | np.ndarray, n: int) -> None:
        """Advance as :meth:`advance` does (the same phase after), returning nothing."""
        step = words(freq, self.sample_rate)
        total = np.multiply(step, n) if np.ndim(step) == 0 else np.sum(step)  # int64 wraps as the sum does
        self.phase = np.add(self.phase, total)


class BeatPhasor:
    """The two phases of a beating pair, ``carrier + half`` and ``carrier - half`` (Hz), made
    from one carrier phase and one half-beat phase (their sum and difference as words).
    ``advance(carrier, half, n)`` returns int64 words of shape (n, 2), in that column order."""

    def __init__(self, sample_rate: int):
        self._carrier = Phasor(sample_rate)
        self._half = Phasor(sample_rate)

    def advance(self, carrier: float | np.ndarray, half: float | np.ndarray, n: int) -> np.ndarray:
        centre, apart = self._carrier.advance(carrier, n), self._half.advance(half, n)
        pair = np.empty((n, 2), np.int64)
        np.add(centre, apart, out=pair[:, 0])
        np.subtract(centre, apart, out=pair[:, 1])
        return pair

    def skip(self, carrier: float | np.ndarray, half: float | np.ndarray, n: int) -> None:
        """Advance as :meth:`advance` does, returning nothing (for a pair not heard)."""
        self._carrier.skip(carrier, n)
        self._half.skip(half, n)


def sine(phase: np.ndarray) -> np.ndarray:
    """``sin(2*pi*phase)`` as float32 for phase words (any shape)."""
    y = phase.astype(np.float32)
    y *= _TO_RADIANS
    return np.sin(y, out=y)


def cycles(phase: np.ndarray) -> np.ndarray:
    """The phase words as fractions of a cycle in [0, 1), float64."""
    return np.right_shift(phase.view(np.uint64), 11) * _UNIT
