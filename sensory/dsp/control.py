"""Slow random control signals: wind speed, swells, density drift.

:class:`Wander` is SuperCollider's ``LFNoise2`` idea (Farnell, *Designing
Sound*, ch. 41 "Wind"): random knots at ``rate`` per second joined by smooth
(raised-cosine) segments, read at any increasing times. Summing a few at
octave-spaced rates with falling weights gives a 1/f-like drift with no
period, so nothing ever repeats.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Wander", "wander_sum", "drift"]


class Wander:
    """Smooth random signal in [-1, 1] with knots at ``rate`` Hz.

    ``at(t)`` takes seconds (float64 array, non-decreasing across calls, and
    reaching back at most ``memory`` seconds) and returns float64 of the same
    shape. The knots come from a generator of its own, so the values depend
    only on the times asked for.
    """

    def __init__(self, rng: np.random.Generator, rate: float, memory: float = 4.0):
        self._rng = rng.spawn(1)[0]
        self.rate = float(rate)
        self._keep = int(np.ceil(memory * rate)) + 2
        self._base = 0  # knot index of self._knots[0]
        self._knots = self._rng.uniform(-1.0, 1.0, 4)

    def at(self, t: np.ndarray | float) -> np.ndarray:
        x = np.maximum(np.asarray(t, np.float64), 0.0) * self.rate
        i = np.floor(x).astype(np.int64)
        last = int(i.max()) + 2 if i.size else 0
        have = self._base + len(self._knots)
        if last >= have:
            self._knots = np.concatenate([self._knots, self._rng.uniform(-1.0, 1.0, last - have + 16)])
        lo = max(int(i.min()) - self._keep if i.size else 0, self._base)
        if lo - self._base > 64:  # forget knots that can no longer be asked for
            self._knots = self._knots[lo - self._base:]
            self._base = lo
        j = i - self._base
        frac = x - i
        w = 0.5 - 0.5 * np.cos(np.pi * frac)
        return self._knots[j] * (1 - w) + self._knots[j + 1] * w


def wander_sum(rng: np.random.Generator, slowest: float, octaves: int, memory: float = 4.0) -> list[Wander]:
    """Octave-spaced :class:`Wander` signals from ``slowest`` Hz up, for a 1/f-like drift."""
    return [Wander(rng, slowest * 2 ** k, memory) for k in range(octaves)]


def drift(parts: list[Wander], t: np.ndarray) -> np.ndarray:
    """The sum of ``parts`` at ``t``, weights falling 1/sqrt(2) per octave; standard deviation about 0.5."""
    w = 2.0 ** (-0.5 * np.arange(len(parts)))
    return sum(wk * p.at(t) for wk, p in zip(w, parts)) / np.sqrt(np.sum(w * w))
