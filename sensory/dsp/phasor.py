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

__all__ = ["BeatPhasor", "Phasor", "cycles", "sine", "sine_frames", "words"]

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
    if x.size and not (-0.5 < x.min() and x.max() < 0.5):  # (within half a cycle x is its own turn already)
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
        (ph,) = _accumulate((words(freq, self.sample_rate),), (self.phase,), n)
        self.phase = ph[n]
        return ph[:n]

    def skip(self, freq: float | np.ndarray, n: int) -> None:
        """Advance as :meth:`advance` does (the same phase after), returning nothing."""
        self.phase = _after(words(freq, self.sample_rate), self.phase, n)


class BeatPhasor:
    """The two phases of a beating pair, ``carrier + half`` and ``carrier - half`` (Hz), each
    ear's increment the carrier's word plus or minus the half beat's (the sum and difference
    of a carrier phase and a half-beat phase, as integer sums are exact).
    ``advance(carrier, half, n)`` returns int64 words of shape (2, n): one row per ear, in
    that order (rows, so every step runs over contiguous memory; :func:`sine_frames` makes frames of them)."""

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self.phases = (np.int64(0), np.int64(0))

    def _steps(self, carrier: float | np.ndarray, half: float | np.ndarray) -> tuple:
        centre, apart = words(carrier, self.sample_rate), words(half, self.sample_rate)
        return np.add(centre, apart), np.subtract(centre, apart)

    def advance(self, carrier: float | np.ndarray, half: float | np.ndarray, n: int) -> np.ndarray:
        ears = _accumulate(self._steps(carrier, half), self.phases, n)
        self.phases = (ears[0, n], ears[1, n])
        return ears[:, :n]

    def skip(self, carrier: float | np.ndarray, half: float | np.ndarray, n: int) -> None:
        """Advance as :meth:`advance` does, returning nothing (for a pair not heard)."""
        self.phases = tuple(_after(step, phase, n) for step, phase in zip(self._steps(carrier, half), self.phases))


def _accumulate(steps: tuple, phases: tuple, n: int) -> np.ndarray:
    """Running phases, one row (int64, n + 1) per ``(step, phase)``: row[k] is the phase after k
    steps, ``step`` a word or (n,) words. Held steps make phase k ``phase + k * step``, the
    running sum's bits."""
    rows = np.empty((len(steps), n + 1), np.int64)
    if all(np.ndim(step) == 0 for step in steps):
        k = np.arange(n + 1, dtype=np.int64)
        for row, step, phase in zip(rows, steps, phases):
            np.multiply(k, step, out=row)
            np.add(row, phase, out=row)
        return rows
    rows[:, 0] = phases
    for row, step in zip(rows, steps):
        row[1:] = step
    return np.cumsum(rows, axis=1, out=rows)


def _after(step: np.int64 | np.ndarray, phase: np.int64, n: int) -> np.int64:
    """The phase ``n`` steps of ``step`` (a word or (n,) words) after ``phase`` (int64 wraps as the
    running sum does)."""
    return np.add(phase, np.multiply(step, n) if np.ndim(step) == 0 else np.sum(step))


def sine(phase: np.ndarray) -> np.ndarray:
    """``sin(2*pi*phase)`` as float32 for phase words (any shape)."""
    y = phase.astype(np.float32)
    y *= _TO_RADIANS
    return np.sin(y, out=y)


def sine_frames(ears: np.ndarray) -> np.ndarray:
    """:func:`sine` of two rows of phase words (2, n), one per ear, as float32 frames (n, 2):
    ``sine(ears).T`` to the bit, interleaved as the words are rounded to float32."""
    y = np.empty((ears.shape[1], 2), np.float32)
    for ear in range(2):
        np.copyto(y[:, ear], ears[ear], casting="unsafe")
    y *= _TO_RADIANS
    return np.sin(y, out=y)


def cycles(phase: np.ndarray) -> np.ndarray:
    """The phase words as fractions of a cycle in [0, 1), float64."""
    return np.right_shift(phase.view(np.uint64), 11) * _UNIT
