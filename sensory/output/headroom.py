"""What a true-peak limiter would leave of a signal's loudness, at any gain, from one pass.

The limiter's gain at a frame is, but for its short ramps, ``min(1, threshold / H)``, where
``H`` is the largest peak over the ``hold`` frames before it (:mod:`sensory.dsp.limiter`):
its running minimum of needed gains is the running maximum of peaks. So one pass that
records how the signal's K-weighted energy spreads over ``H`` (a histogram in 0.05-dB
bins, with each bin's energy and its energy over ``H**2``) gives the energy any threshold
takes away, and with it the loudness after gain and limiting: the integrated loudness less
the removed fraction of the energy. Memory is the
histogram's, whatever the length.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d

__all__ = ["Headroom"]

_STEP_DB = 0.05
_LOW_DB, _HIGH_DB = -40.0, 12.0  # bin range of H, dBFS (H below the range is never limited)
_BINS = round((_HIGH_DB - _LOW_DB) / _STEP_DB)


class Headroom:
    """Energy by held peak, fed frame by frame (``add(energy, peak)``, float64 (n,)): a
    frame's H is the largest peak over the ``hold`` peaks ending ``lead`` frames after it
    (the limiter's lookahead, centred in its ramp, and the peaks' own delay)."""

    def __init__(self, hold: int, lead: int):
        self.hold = hold
        self._recent = np.zeros(hold - 1)  # the last peaks
        self._waiting = np.zeros(lead)  # energies of the frames whose H is not yet known
        self.energy = np.zeros(_BINS)  # K-weighted energy of the frames whose H is in each bin
        self.scaled = np.zeros(_BINS)  # the same over H**2
        self.total = 0.0

    def add(self, energy: np.ndarray, peak: np.ndarray) -> None:
        joined = np.concatenate([self._recent, peak])
        held = maximum_filter1d(joined, self.hold, origin=(self.hold - 1) // 2)[self.hold - 1:]
        self._recent = joined[len(joined) - (self.hold - 1):]
        waiting = np.concatenate([self._waiting, energy])
        energy, self._waiting = waiting[:len(peak)], waiting[len(peak):]
        self.total += float(energy.sum())
        with np.errstate(divide="ignore"):
            bins = np.floor((20 * np.log10(np.maximum(held, 1e-12)) - _LOW_DB) / _STEP_DB)
        inside = bins >= 0
        bins = np.minimum(bins[inside], _BINS - 1).astype(np.intp)
        e, h = energy[inside], held[inside]
        self.energy += np.bincount(bins, weights=e, minlength=_BINS)
        self.scaled += np.bincount(bins, weights=e / (h * h), minlength=_BINS)

    def loss_db(self, threshold: float) -> float:
        """Loudness (LU, <= 0) a limiter at ``threshold`` (linear, in the signal's scale) takes away."""
        if self.total <= 0:
            return 0.0
        first = int(np.ceil((20 * np.log10(threshold) - _LOW_DB) / _STEP_DB))
        first = min(max(first, 0), _BINS)
        removed = self.energy[first:].sum() - threshold ** 2 * self.scaled[first:].sum()
        return float(10 * np.log10(max(1e-9, 1 - max(0.0, removed) / self.total)))

    def gain_for(self, loudness: float, unlimited: float, ceiling: float) -> float | None:
        """Gain (dB) that brings the signal of integrated loudness ``unlimited`` (LUFS) to
        ``loudness`` (LUFS) through a limiter at ``ceiling`` (dBFS), or None if no gain up
        to 24 dB past the plain one does."""
        low = loudness - unlimited
        high = low + 24.0

        def level(gain_db: float) -> float:
            return unlimited + gain_db + self.loss_db(10 ** ((ceiling - gain_db) / 20))

        if level(high) < loudness:
            return None
        for _ in range(40):  # bisection: the level rises with the gain
            mid = (low + high) / 2
            low, high = (mid, high) if level(mid) < loudness else (low, mid)
        return high
