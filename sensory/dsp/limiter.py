"""A lookahead peak limiter whose output never exceeds its ceiling, and its true-peak form.

The gain needed at each frame, ``min(1, ceiling / peak)``, is held by a
running minimum over ``hold`` frames and smoothed by a ``lookahead``-frame
moving average; the signal is delayed so each peak meets a gain already at or
below its need (the min-filter/box-smoother construction of Giannoulis,
Massberg & Reiss, "Digital Dynamic Range Compressor Design", JAES 60(6), 2012,
in its brick-wall form). Peaks are taken from the samples and from three
points interpolated between each pair of samples (a 4x polyphase, 8-tap
windowed-sinc estimate), so inter-sample overs are caught too: the limiter is
true-peak aware to within a few tenths of a dB of a BS.1770 meter.

With ``true_peak=True`` the peaks are those of a BS.1770-4 meter: each window of 48
frames is read by the meter's own 4x interpolator (:mod:`sensory.dsp.truepeak`), exactly
where it can reach the ceiling (proved unable elsewhere), so the output's true peak stays at
or below the ceiling as the meter reads it. The delay then covers a window's 48 frames, so an
isolated peak meets a gain that is flat over all of them and its interpolated points scale
exactly. This costs more than the quick estimate where the signal comes near the ceiling;
exports with a true-peak ceiling use it, the master stage the quick one.

Blocks where nothing comes near the ceiling take a fast path that produces
exactly what the full computation would (unity gain), so the output is the
same whatever the block size.
"""

from __future__ import annotations

import numpy as np

from . import truepeak
from .running import window_min

__all__ = ["Limiter"]

_TAPS = 8
_Q = 1 << 24  # gain resolution of the smoother
_GAP = 2048  # frames without a loud sample after which interpolation pauses


def _interpolators() -> np.ndarray:
    """(3, 8) float32: windowed-sinc taps for the points 1/4, 2/4, 3/4 of the way
    from sample 3 to sample 4 of an 8-sample window."""
    k = np.arange(_TAPS) - (_TAPS // 2 - 1)
    rows = []
    for frac in (0.25, 0.5, 0.75):
        d = k - frac
        rows.append(np.sinc(d) * (0.5 + 0.5 * np.cos(np.pi * d / (_TAPS / 2))))
    return np.array(rows, np.float32)


_PHASES = _interpolators()
_BOUND = np.float32(max(1.0, np.abs(_PHASES).sum(axis=1).max()))  # |interpolated| <= _BOUND * max|x|


class Limiter:
    """Brick-wall limiter over (n, channels) float32 blocks.

    ``ceiling_db`` in dBFS (dBTP with ``true_peak``); ``process(x)`` returns the input
    delayed by :attr:`latency` frames with the gain applied.
    """

    def __init__(self, ceiling_db: float, sample_rate: int, channels: int = 2,
                 lookahead_s: float = 0.004, hold_s: float = 0.04, *, true_peak: bool = False):
        self.ceiling = np.float32(10 ** (ceiling_db / 20) * (1 - 1e-5))
        self.true_peak = true_peak
        self.taps = truepeak.TAPS if true_peak else _TAPS  # frames in a window
        self._bound = truepeak.BOUND if true_peak else _BOUND
        self.lookahead = max(2, round(lookahead_s * sample_rate))
        self.latency = self.lookahead + self.taps - 2
        self.hold = max(self.latency + 1, round(hold_s * sample_rate))
        self._delay = np.zeros((self.latency, channels), np.float32)
        self._tail = np.zeros((self.taps - 1, channels), np.float32)  # last input frames
        self._req = np.ones(self.hold - 1, np.float32)  # recent needed gains
        self._gmin = np.ones(self.lookahead - 1, np.float32)  # recent held gains
        self._idle = True  # every recent needed and held gain is one
        self.reduction_frames = 0  # frames that left with gain below one

    def process(self, x: np.ndarray) -> np.ndarray:
        n = len(x)
        if n == 0:
            return x
        idle = self._idle
        loudest = max(float(x.max()), -float(x.min()), float(np.abs(self._tail).max()))
        req = gmin = gain = None
        if not (idle and loudest * self._bound <= self.ceiling):
            ext = np.concatenate([self._tail, x])
            req = self._needed_gain(ext)
            if req is not None or not idle:
                if req is None:
                    req = np.ones(n, np.float32)
                gmin = window_min(np.concatenate([self._req, req]), self.hold)
                gain = self._smooth(gmin)
                self.reduction_frames += int(np.count_nonzero(gain < 1))
        out = self._delayed(x)
        if gain is not None:
            out *= gain[:, None]
        keep = self.taps - 1
        self._tail = np.concatenate([self._tail, x])[-keep:] if n < keep else x[-keep:].copy()
        if gmin is not None:  # (while idle and nothing comes near, ones shift into ones)
            self._req = _shift_in(self._req, req, n)
            self._gmin = _shift_in(self._gmin, gmin, n)
            self._idle = self._req.min() == 1 and self._gmin.min() == 1
        return out

    def _delayed(self, x: np.ndarray) -> np.ndarray:
        """``x`` delayed by :attr:`latency` frames through the delay line (a new array)."""
        n, d = len(x), self.latency
        if n >= d:
            out = np.concatenate([self._delay, x[:n - d]])
            self._delay = x[n - d:].copy()
            return out
        joined = np.concatenate([self._delay, x])
        self._delay = joined[n:]
        return joined[:n]

    def _needed_gain(self, ext: np.ndarray) -> np.ndarray | None:
        """Gain needed at each new frame (float32, (n,)), or None where all of it is one.

        Frame n needs room for itself and for the three points interpolated
        between frames n-4 and n-3; interpolation runs only on windows holding a
        sample loud enough for an interpolated point to reach the ceiling (computed over
        stretches of windows: a loud peak costs its own length, not its block's). With
        ``true_peak``, window n is frames n..n+47 of ``ext`` and its points those of
        :func:`~sensory.dsp.truepeak.loud_windows`.
        """
        if self.true_peak:
            windows, peaks = truepeak.loud_windows(ext, float(self.ceiling))
            if not len(windows):
                return None
            req = np.ones(len(ext) - self.taps + 1, np.float32)
            req[windows] = (self.ceiling / peaks).astype(np.float32)
            return req
        level = np.abs(ext[:, 0]) if ext.shape[1] == 1 else np.maximum(np.abs(ext[:, 0]), np.abs(ext[:, 1]))
        hot = level * _BOUND > self.ceiling
        if not hot.any():
            return None
        loud = np.flatnonzero(hot)  # few: a window is near if one of its frames is loud
        near = np.zeros(len(ext) - _TAPS + 1, bool)
        for t in range(_TAPS):
            near[np.clip(loud - t, 0, len(near) - 1)] = True
        near = np.flatnonzero(near)
        peak = level[_TAPS - 1:].copy()
        # interpolate over stretches of windows, a stretch ending where no window needs it for _GAP frames
        ends = np.flatnonzero(np.diff(near) > _GAP)
        for a, b in zip(near[np.concatenate([[0], ends + 1])].tolist(), near[np.append(ends, -1)].tolist()):
            peak[a:b + 1] = np.maximum(peak[a:b + 1], _between(ext, a, b + 1))
        if peak.max() <= self.ceiling:
            return None
        return np.minimum(np.float32(1), self.ceiling / np.maximum(peak, self.ceiling))

    def _smooth(self, gmin: np.ndarray) -> np.ndarray:
        """Moving average of the held gains over ``lookahead`` frames, in exact integer
        arithmetic (gains floored to multiples of 2**-24), so any block split gives
        the same bits."""
        q = np.floor(np.concatenate([self._gmin, gmin]).astype(np.float64) * _Q).astype(np.int64)
        sums = np.cumsum(q)
        sums[self.lookahead:] -= sums[:-self.lookahead].copy()
        window = sums[self.lookahead - 1:]
        return (window // self.lookahead).astype(np.float32) / np.float32(_Q)


def _between(ext: np.ndarray, a: int, b: int) -> np.ndarray:
    """Largest magnitude of the three points interpolated in windows ``a..b-1`` of ``ext``
    (window w is frames w..w+7), over the channels: float32 (b - a,).

    The 8-tap filters run as shifted multiply-adds over the interleaved samples, so every
    window's value comes from the same float32 operations in the same order wherever it
    sits in a block.
    """
    c = ext.shape[1]
    flat = np.ascontiguousarray(ext[a:b + _TAPS - 1]).reshape(-1)
    size = c * (b - a)
    best = None
    for taps in _PHASES:
        y = flat[:size] * taps[0]
        for t in range(1, _TAPS):
            y += flat[c * t:c * t + size] * taps[t]
        np.abs(y, out=y)
        top = y[0::c]
        for ch in range(1, c):
            top = np.maximum(top, y[ch::c])
        best = top if best is None else np.maximum(best, top)
    return best


def _shift_in(history: np.ndarray, new: np.ndarray, n: int) -> np.ndarray:
    """``history`` advanced by the ``n`` values of ``new``."""
    if n >= len(history):
        return new[len(new) - len(history):].copy() if len(history) else history
    return np.concatenate([history[n:], new])
