"""Slow random control signals: wind speed, swells, density drift.

:class:`Wander` is SuperCollider's ``LFNoise2`` idea (Farnell, *Designing
Sound*, ch. 41 "Wind"): random knots at ``rate`` per second joined by smooth
(raised-cosine) segments, read at any times. Summing a few at octave-spaced
rates with falling weights (:class:`Drift`) gives a 1/f-like drift with no
period, so nothing ever repeats.

The knots are counter-based random numbers: knot ``j`` of a signal is a hash
of the signal's seed and ``j`` (the SplitMix64 finaliser; J. K. Salmon et al.,
"Parallel random numbers: as easy as 1, 2, 3", SC 2011, for the idea). A
signal is therefore a pure function of time: it holds no state, can be read
at lagged or out-of-order times, and several rates are evaluated in one
vectorized call, which keeps the per-frame cost of control signals to a few
array operations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Drift", "Wander"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S27, _S30, _S31 = (np.uint64(k) for k in (11, 27, 30, 31))


def _knots(seeds: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Uniform values in [-1, 1) for knot ``index`` (int64, any shape) of signals ``seeds``
    (uint64, broadcasting against ``index``): float64."""
    z = seeds + index.astype(np.uint64) * _GOLDEN
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return (z >> _S11).astype(np.float64) * (2.0 / 2.0 ** 53) - 1.0


class Wander:
    """Smooth random signals in [-1, 1] with knots at ``rate`` Hz (a float, or a sequence
    of rates for several independent signals read together).

    ``at(t)`` takes seconds (float or float64 array, any order; negative times read as 0)
    and returns float64 of shape ``t.shape`` for one rate, ``(rates,) + t.shape`` for several.
    """

    def __init__(self, rng: np.random.Generator, rate):
        self._single = np.ndim(rate) == 0
        self.rate = np.atleast_1d(np.asarray(rate, np.float64))
        self._seeds = rng.integers(0, 2**63, len(self.rate), dtype=np.uint64)

    @classmethod
    def joined(cls, *signals: Wander) -> Wander:
        """The rates of ``signals`` read together: ``at(t)`` gives their rows in order, each the
        same numbers as its own signal's (one vectorized call instead of one per signal)."""
        joint = cls.__new__(cls)
        joint._single = False
        joint.rate = np.concatenate([s.rate for s in signals])
        joint._seeds = np.concatenate([s._seeds for s in signals])
        return joint

    def at(self, t: np.ndarray | float) -> np.ndarray:
        t = np.maximum(np.asarray(t, np.float64), 0.0)
        v = self._read(np.multiply.outer(self.rate, t), self._seeds.reshape((-1,) + (1,) * t.ndim))
        return v[0] if self._single else v

    def each(self, t: np.ndarray, which: np.ndarray) -> np.ndarray:
        """Signal ``which[j]`` (int64 (n,)) at time ``t[j]`` (s, float64 (n,)): float64 (n,), the
        numbers ``at(t)[which, arange(n)]`` would give, without reading every signal at every time."""
        t = np.maximum(np.asarray(t, np.float64), 0.0)
        return self._read(self.rate[which] * t, self._seeds[which])

    @staticmethod
    def _read(x: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        """The signals of ``seeds`` (uint64, broadcasting against ``x``) at knot positions ``x``."""
        i = np.floor(x)
        w = 0.5 - 0.5 * np.cos(np.pi * (x - i))
        i = i.astype(np.int64)
        ends = _knots(seeds, np.stack([i, i + 1]))
        return ends[0] + (ends[1] - ends[0]) * w


class Drift:
    """Octave-spaced :class:`Wander` signals from ``slowest`` Hz up, summed with weights
    falling 1/sqrt(2) per octave: a 1/f-like drift with standard deviation about 0.5.

    ``at(t)``: float64 of the shape of ``t``.
    """

    def __init__(self, rng: np.random.Generator, slowest: float, octaves: int):
        self.parts = Wander(rng, slowest * 2.0 ** np.arange(octaves))
        w = 2.0 ** (-0.5 * np.arange(octaves))
        self._weights = w / np.sqrt(np.sum(w * w))

    def at(self, t: np.ndarray | float) -> np.ndarray:
        return self.summed(self.parts.at(t))

    def summed(self, parts: np.ndarray) -> np.ndarray:
        """The drift from its ``parts`` read at some times, float64 (octaves,) + shape: that shape."""
        return (self._weights @ parts.reshape(len(parts), -1)).reshape(parts.shape[1:])
