"""Phase accumulation in fixed point: frequency integrated sample by sample, never ``sin(2*pi*f(t)*t)``.

A phase is an int64 word counting 2^-64 cycles, so the word's wrap-around is the phase's
turn (SBaGen keeps its phase the same way, in 32 bits). Each frame adds the frequency's
increment ``f / sample_rate`` cycles rounded to a word (to half a float64 ulp of itself:
a drift under 1e-8 cycles over an hour, 1e-10 at 200 Hz). Integer sums are exact, so any
split into blocks gives the same bits and the phase never coarsens with time (a float64
phase in cycles loses a bit of precision each time it doubles: 1e-10 cycles a step after
an hour at 200 Hz). Phases of one phasor may be added and subtracted as words: the sum
of two phases is the phase of the summed frequencies. A beating pair (:class:`BeatPhasor`)
follows its curves' segments: over a linear ramp the increments are a line of words (its
slope rounded once to a word per frame), so the phase is a quadratic in the frame number,
in closed form (no running sum), within 3e-5 cycles of the exact integral after a 56-minute
slide.

:func:`sine` evaluates in float32 (phase rounded to 24 bits, error below 2e-7, about
-130 dB); :func:`cycles` gives the phase as a fraction of a cycle for waveform tables.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

import numpy as np

from ..core.curves import Curve

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
    """The two phases of a beating pair, ``carrier + half * beat`` and ``carrier - half * beat`` (Hz,
    two curves and a factor), each ear's increment the carrier's word plus or minus the half beat's.

    The increments follow the curves frame by frame, read from their segments (never from block
    edges): a held stretch is one word; a linear ramp is a line of words, its first frame's word
    plus a whole number of words per frame (the slope rounded once), so a phase over it is a
    quadratic in the frame number, computed in closed form; an exponential ramp is the word of each
    frame's value, summed. Integer sums are exact, so any split into blocks gives the same bits.
    ``follow(carrier, beat, half, start, n)`` returns int64 words of shape (2, n) for frames
    ``start .. start+n-1``: one row per ear, in that order (rows, so every step runs over contiguous
    memory; :func:`sine_frames` makes frames of them)."""

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self.phases = (0, 0)  # words as Python ints, modulo 2^64

    def follow(self, carrier: Curve, beat: Curve, half: float, start: int, n: int) -> np.ndarray:
        rows = np.empty((2, n + 1), np.int64)
        rows[:, 0] = [_signed(p) for p in self.phases]
        for a, b, centre, apart in _pieces(carrier, beat, half, start, n, self.sample_rate):
            o, m = a - start, b - a
            for row, sign in zip(rows, (1, -1)):
                piece = row[o:o + m + 1]  # piece[0]: the phase carried in
                line = _ear_line(centre, apart, sign, a)
                if line is None:
                    np.add(_words_of(centre, a, m), sign * _words_of(apart, a, m), out=piece[1:])
                    np.cumsum(piece, out=piece)
                    continue
                phase, (step, slope) = _signed(int(piece[0])), line  # closed form: k steps and k (k-1) / 2 slopes
                counts, triangles = _ints(m + 1)
                np.multiply(counts, _signed(step), out=piece)
                if slope:
                    piece += np.multiply(triangles, _signed(slope))
                piece += phase
        self.phases = (int(rows[0, n]), int(rows[1, n]))
        return rows[:, :n]

    def skip(self, carrier: Curve, beat: Curve, half: float, start: int, n: int) -> None:
        """Advance as :meth:`follow` does, returning nothing (for a pair not heard)."""
        phases = list(self.phases)
        for a, b, centre, apart in _pieces(carrier, beat, half, start, n, self.sample_rate):
            m = b - a
            for ear, sign in enumerate((1, -1)):
                line = _ear_line(centre, apart, sign, a)
                if line is None:
                    phases[ear] += int(np.sum(_words_of(centre, a, m) + sign * _words_of(apart, a, m)))
                else:
                    phases[ear] += m * line[0] + line[1] * (m * (m - 1) // 2)
        self.phases = tuple(p % _WRAP for p in phases)


def _ear_line(centre, apart, sign: int, a: int) -> tuple[int, int] | None:
    """An ear's increments (``centre`` plus ``sign`` times ``apart``) over a piece from frame ``a``
    as its word at ``a`` and its words per frame, where both are lines; else None."""
    if isinstance(centre, tuple) and isinstance(apart, tuple):
        return _at(centre, a) + sign * _at(apart, a), centre[1] + sign * apart[1]
    return None


_WRAP = 1 << 64


def _signed(word: int) -> np.int64:
    """A word (any Python int, modulo 2^64) as int64."""
    word %= _WRAP
    return np.int64(word - _WRAP if word >> 63 else word)


def _pieces(carrier: Curve, beat: Curve, half: float, start: int, n: int, sample_rate: int) -> list:
    """Frames ``start .. start+n-1`` cut where either curve changes segment: ``(a, b, centre, apart)``
    for frames ``[a, b)``, ``centre`` the carrier's increments and ``apart`` those of ``half`` times
    the beat, each a line ``(word at frame 0, words per frame)`` (Python ints; held: no slope) or an
    int64 array of the frames' words."""
    start, n = int(start), int(n)
    cuts = sorted({a for a, _, _ in carrier.spans(start, n, sample_rate)}
                  | {a for a, _, _ in beat.spans(start, n, sample_rate)} | {start + n})
    return [(a, b, _increments(carrier, 1.0, a, b, sample_rate), _increments(beat, half, a, b, sample_rate))
            for a, b in pairwise(cuts)]


def _increments(curve: Curve, scale: float, a: int, b: int, sample_rate: int) -> tuple[int, int] | np.ndarray:
    """The increments of ``scale`` times ``curve`` over frames ``[a, b)``, one segment of it: a line
    ``(word at frame 0, words per frame)`` where it holds or ramps linearly, else each frame's word."""
    ((_, _, i),) = curve.spans(a, b - a, sample_rate)
    value = curve.held(i)
    if value is not None:
        return int(words(scale * value, sample_rate)), 0
    line = curve.line(i, sample_rate)
    if line is None:  # each frame's value, as the curve gives a block of them
        return words(np.multiply(curve.block(a, b - a, sample_rate), scale), sample_rate)
    first, value, slope = line
    per_frame = round(scale * slope / sample_rate * _TURN)
    return int(words(scale * value, sample_rate)) - first * per_frame, per_frame


def _at(line: tuple[int, int], frame: int) -> int:
    """A line's word at ``frame``."""
    return line[0] + frame * line[1]


def _words_of(steps: tuple[int, int] | np.ndarray, a: int, m: int) -> np.ndarray:
    """The words of frames ``a .. a+m-1`` of a line or of an array of them (int64 (m,))."""
    if not isinstance(steps, tuple):
        return steps
    out = np.multiply(_ints(m)[0], _signed(steps[1]))
    out += _signed(_at(steps, a))
    return out


@lru_cache(maxsize=4)
def _ints(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` and ``k * (k - 1) / 2`` for k = 0 .. n-1 as int64, read-only: a line's phases are
    ``phase + k * step + k (k - 1) / 2 * slope``; kept for the last few sizes asked."""
    k = np.arange(n, dtype=np.int64)
    t = k * (k - 1) // 2
    k.flags.writeable = t.flags.writeable = False
    return k, t


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
