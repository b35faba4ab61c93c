"""Curves: automation as data, a pure function of absolute time.

A :class:`Curve` is a list of breakpoints ``(time_s, value, shape)`` with the
semantics of the Web Audio ``AudioParam`` automation events:

* before the first breakpoint the curve holds the first value;
* ``shape`` says how the curve *arrives* at its breakpoint from the previous
  one: ``"step"`` holds the previous value and jumps at the breakpoint's time
  (``setValueAtTime``), ``"lin"`` ramps linearly (``linearRampToValueAtTime``),
  ``"exp"`` ramps exponentially (``exponentialRampToValueAtTime``; both values
  non-zero and of one sign);
* after the last breakpoint the curve holds the last value.

A constant is a one-point curve. Units evaluate curves at
``t = (frame + arange(n)) / sample_rate``, so values never depend on how a
render is split into blocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["SHAPES", "Curve"]

SHAPES: tuple[str, ...] = ("step", "lin", "exp")


@dataclass(frozen=True, eq=False)
class Curve:
    """Breakpoints ``times`` (s, non-decreasing), ``values`` and ``shapes`` (one per point)."""

    times: tuple[float, ...]
    values: tuple[float, ...]
    shapes: tuple[str, ...]

    def __post_init__(self) -> None:
        if not (len(self.times) == len(self.values) == len(self.shapes) >= 1):
            raise ValueError("a curve needs at least one point, each with a time, value and shape")
        for i in range(1, len(self.times)):
            if self.times[i] < self.times[i - 1]:
                raise ValueError(f"point {i}: times must not go backwards")
            if self.shapes[i] == "exp":
                a, b = self.values[i - 1], self.values[i]
                if a == 0 or b == 0 or (a > 0) != (b > 0):
                    raise ValueError(f"point {i}: exp ramp needs non-zero values of one sign")
        object.__setattr__(self, "_t", np.asarray(self.times, dtype=np.float64))
        object.__setattr__(self, "_v", np.asarray(self.values, dtype=np.float64))

    @classmethod
    def constant(cls, value: float) -> Curve:
        return cls((0.0,), (float(value),), ("step",))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Curve) and (self.times, self.values, self.shapes) == (
            other.times,
            other.values,
            other.shapes,
        )

    def __hash__(self) -> int:
        return hash((self.times, self.values, self.shapes))

    def __repr__(self) -> str:
        if self.is_constant:
            return f"Curve.constant({self.values[0]!r})"
        return f"Curve({list(zip(self.times, self.values, self.shapes))!r})"

    @property
    def is_constant(self) -> bool:
        return len(set(self.values)) == 1

    @property
    def highest(self) -> float:
        return max(self.values)

    def after(self, seconds: float) -> Curve:
        """The curve from ``seconds`` on, its time measured from there: the value reached at
        ``seconds`` held from 0, then the later breakpoints moved ``seconds`` earlier (a ramp
        under way continues exactly: the rest of a linear or exponential ramp is one)."""
        later = [i for i, t in enumerate(self.times) if t > seconds]
        return Curve((0.0,) + tuple(self.times[i] - seconds for i in later),
                     (float(self(seconds)),) + tuple(self.values[i] for i in later),
                     ("step",) + tuple(self.shapes[i] for i in later))

    def __call__(self, t: np.ndarray | float) -> np.ndarray:
        """Values at times ``t`` (seconds, any shape) as float64."""
        t = np.asarray(t, dtype=np.float64)
        if t.ndim == 0:
            return self(t.reshape(1))[0]
        tt, vv = self._t, self._v
        i = np.searchsorted(tt, t, side="right")  # index of the next breakpoint
        inside = (i > 0) & (i < len(tt))
        out = vv[np.clip(i - 1, 0, len(vv) - 1)]
        if not inside.any():
            return out
        j = i[inside]
        t0, t1, v0, v1 = tt[j - 1], tt[j], vv[j - 1], vv[j]
        x = (t[inside] - t0) / np.where(t1 > t0, t1 - t0, 1.0)
        shapes = np.asarray(self.shapes)[j]
        seg = np.where(shapes == "lin", v0 + (v1 - v0) * x, v0)
        is_exp = shapes == "exp"
        if is_exp.any():
            ratio = np.where(is_exp, v1 / np.where(v0 == 0, 1.0, v0), 1.0)
            seg = np.where(is_exp, v0 * np.abs(ratio) ** x, seg)
        out = out.copy()
        out[inside] = seg
        return out

    def block(self, start: int, n: int, sample_rate: float) -> float | np.ndarray:
        """Values for frames ``start .. start+n-1``: a float where the block lies in a
        held stretch of the curve, else a float64 array of shape (n,).

        Either form gives the same numbers as :meth:`__call__` at those frames, so
        callers stay bit-identical whatever the block size.
        """
        tt = self._t
        if len(tt) == 1 and tt[0] == 0:  # a constant
            return float(self._v[0])
        t_first = start / sample_rate
        t_last = (start + n - 1) / sample_rate
        i0 = int(np.searchsorted(tt, t_first, side="right"))
        i1 = int(np.searchsorted(tt, t_last, side="right"))
        if i1 == 0:
            return float(self._v[0])
        if i0 == len(tt):
            return float(self._v[-1])
        if i0 == i1 and i0 > 0:  # one segment: its closed form, as __call__ computes it
            shape = self.shapes[i0]
            v0 = self._v[i0 - 1]
            if shape == "step":
                return float(v0)
            t0, t1, v1 = tt[i0 - 1], tt[i0], self._v[i0]
            x = _times(start, n, sample_rate)  # then the same operations in place
            x -= t0
            x /= t1 - t0
            if shape == "lin":
                x *= v1 - v0
                x += v0
                return x
            return v0 * np.abs(v1 / v0) ** x
        return self(_times(start, n, sample_rate))

    def spans(self, start: int, n: int, sample_rate: float) -> list[tuple[int, int, int]]:
        """The segments frames ``start .. start+n-1`` lie in, as :meth:`__call__` places their times
        ``frame / sample_rate``: ``(a, b, i)`` for frames ``[a, b)`` in segment ``i`` (0 before the first
        point, ``len(times)`` after the last, else the way from point ``i - 1`` to point ``i``), in order."""
        out, a, end = [], start, start + n
        i = int(np.searchsorted(self._t, start / sample_rate, side="right"))
        while a < end:
            b = end if i == len(self.times) else min(end, _first_frame(self.times[i], sample_rate))
            if b > a:
                out.append((a, b, i))
                a = b
            i += 1
        return out

    def held(self, i: int) -> float | None:
        """The value segment ``i`` (see :meth:`spans`) holds, or None where it ramps."""
        if i == 0 or i == len(self.times):
            return self.values[min(i, len(self.times) - 1)]
        v0, v1 = self.values[i - 1], self.values[i]
        return v0 if self.shapes[i] == "step" or v0 == v1 else None

    def line(self, i: int, sample_rate: float) -> tuple[int, float, float] | None:
        """Linear segment ``i`` in frames: ``(first, value, slope)``, its first frame, the value there and
        the change per frame; None for any other shape."""
        if self.shapes[i] != "lin" or self.held(i) is not None:
            return None
        (t0, t1), (v0, v1) = self.times[i - 1:i + 1], self.values[i - 1:i + 1]
        first = _first_frame(t0, sample_rate)
        return first, float(self(first / sample_rate)), (v1 - v0) / ((t1 - t0) * sample_rate)


def _first_frame(t: float, sample_rate: float) -> int:
    """The first frame (>= 0) whose time ``frame / sample_rate`` is at or after ``t`` seconds."""
    j = max(0, math.ceil(t * sample_rate))
    while j > 0 and (j - 1) / sample_rate >= t:
        j -= 1
    while j / sample_rate < t:
        j += 1
    return j


def _times(start: int, n: int, sample_rate: float) -> np.ndarray:
    """The times (s, float64 (n,)) of frames ``start .. start+n-1``: each frame number (exact in
    float64) divided by the rate."""
    t = np.add(_counting(n), float(start))
    t /= sample_rate
    return t


@lru_cache(maxsize=4)
def _counting(n: int) -> np.ndarray:
    """``0 .. n-1`` as float64, read-only: added to a start, the frame numbers in one pass
    (numpy's float arange fills element by element, 2.8x as long); kept for the last few
    block sizes asked (a render asks for one or two)."""
    k = np.arange(n, dtype=np.float64)
    k.flags.writeable = False
    return k
