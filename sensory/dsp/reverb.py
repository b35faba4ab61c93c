"""The space stage: a light feedback-delay-network reverb with carried state.

Eight delay lines (38.6-95 ms, mutually prime lengths) mixed by a
Householder matrix, each line's loop gain set for a decay time
``g = 10^(-3 d / (T60 * sr))`` and a two-tap average in the loop for air
absorption, so high frequencies die sooner. J.-M. Jot and A. Chaigne,
"Digital delay networks for designing artificial reverberators", AES 90th
Convention (1991); J. O. Smith, *Physical Audio Signal Processing* (CCRMA),
"Feedback Delay Networks".

The network runs at about 8 kHz (the send is averaged over groups of
``factor`` samples, the tail interpolated back up): an outdoor tail carries
little above a few kHz, and the cost drops by ``factor``. Every delay is
longer than the piece processed at once, so each piece only reads samples
already written and is a handful of array operations; the wet output lags by
one group (under 0.2 ms). Any split of the input into blocks gives the same bits.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Space"]

_DELAYS_MS = np.array([38.6, 48.2, 53.4, 56.8, 69.3, 77.9, 88.0, 95.0])
# what enters each line from the (left, right) send: u, v, -u, -v, v, u, -v, -u with u = L+R, v = L-R
_INPUT = np.array([[1, 1], [1, -1], [-1, -1], [-1, 1], [1, -1], [1, 1], [-1, 1], [-1, -1]], np.float32)


class Space:
    """Stereo reverb: ``process(x)`` takes the float32 (n, 2) send, returns the wet float32 (n, 2).

    ``decay`` is the reverberation time T60 in seconds at low frequencies.
    The wet output has about the mean-square level of a steady input.
    """

    def __init__(self, sample_rate: int, decay: float = 1.6):
        self.factor = max(1, round(sample_rate / 8000))
        rate = sample_rate / self.factor
        self.delays = np.round(_DELAYS_MS * rate / 1000).astype(np.int64)
        lines = len(self.delays)
        loop = 10.0 ** (-3.0 * self.delays / (decay * rate))
        self._gains = (0.5 * loop).astype(np.float32)[:, None]  # the 0.5 of the two-tap average folded in
        self._step = int(self.delays.min())
        self._span = int(self.delays.max()) + 1
        # Line i's sample for step g is stored at column g + delays[i]: the reads s_i(g - d_i) of
        # every line sit in one column, so one slice reads them all; writes go line by line.
        self._hist = np.zeros((lines, self._span + 32 * self._step), np.float32)
        self._pos = 1  # column of the next step; column pos-1 holds s(g-d-1)
        self._columns = self.delays.tolist()
        self._ramp = (np.arange(self.factor) / self.factor).astype(np.float32)
        energy = float(np.mean(loop ** 2))
        self._out_scale = np.float32(np.sqrt(max(1.0 - energy, 1e-4)) / np.sqrt(lines) * 1.4)
        self._pending = np.zeros((0, 2), np.float32)  # input samples of the unfinished group
        self._wet = np.zeros((2, 2), np.float32)  # the last two reverb steps: y(G-2), y(G-1)
        self._frame = 0  # output frames produced

    def process(self, x: np.ndarray) -> np.ndarray:
        f = self.factor
        x = np.ascontiguousarray(x, np.float32)
        n = len(x)
        joined = np.concatenate([self._pending, x]) if len(self._pending) else x
        groups = len(joined) // f
        self._pending = joined[groups * f:].copy()
        # group means, each (left, right) pair viewed as one complex64 so every add runs over long rows
        pairs = joined[:groups * f].view(np.complex64).reshape(groups, f)
        total = pairs[:, 0] + pairs[:, 1] if f > 1 else pairs[:, 0].copy()
        for j in range(2, f):
            total += pairs[:, j]
        steps = (total * np.float32(1.0 / f)).view(np.float32).reshape(groups, 2)
        y = np.empty((groups + 2, 2), np.float32)
        y[:2] = self._wet
        i = 0
        while i < groups:
            m = min(self._step, groups - i)
            self._piece(steps[i:i + m], y[2 + i:2 + i + m])
            i += m
        y[2:] *= self._out_scale
        self._wet = y[-2:].copy()
        # y[j] is step G0 - 2 + j, G0 the group of joined[0]; output frame t in group g is
        # y(g-2) + (y(g-1) - y(g-2)) * (t % f) / f, a contiguous run of the upsampled y
        start = self._frame - ((self._frame - (len(joined) - n)) // f) * f
        self._frame += n
        if f == 1:
            return y[start:start + n]
        # (left, right) pairs as complex64: the (steps, f) ramp product is already interleaved
        yc = y.view(np.complex64).reshape(-1)
        up = (yc[1:] - yc[:-1])[:, None] * self._ramp
        up += yc[:-1, None]
        return up.view(np.float32).reshape(-1, 2)[start:start + n]

    def _piece(self, x: np.ndarray, out: np.ndarray) -> None:
        """Run ``m`` steps (``m`` at most the shortest delay): send ``x`` (m, 2) in, the unscaled
        wet output into ``out`` (m, 2)."""
        m = len(x)
        hist, p = self._hist, self._pos
        if p + m + self._span > hist.shape[1]:
            keep = hist[:, p - 1:p + self._span].copy()
            hist[:] = 0
            hist[:, : keep.shape[1]] = keep
            p = self._pos = 1
        taps = hist[:, p - 1:p + m]  # s_i(g - d_i - 1 .. g - d_i + m - 1)
        fed = taps[:, 1:] + taps[:, :-1]
        fed *= self._gains
        # sums written out pair by pair: the same additions in the same order for any m
        pairs = fed[0::2] + fed[1::2]  # a = f0 + f1, b, c, d
        halves = pairs[0::2] + pairs[1::2]  # a + b, c + d
        cross = pairs[:2] + pairs[2:]  # a + c, b + d
        new = fed - (halves[0] + halves[1]) * np.float32(2.0 / len(self.delays))
        new += _INPUT @ x.T
        for line, column in enumerate(self._columns):  # eight contiguous copies beat one scatter
            hist[line, p + column:p + column + m] = new[line]
        self._pos = p + m
        np.subtract(halves[0], halves[1], out=out[:, 0])
        np.subtract(cross[0], cross[1], out=out[:, 1])
