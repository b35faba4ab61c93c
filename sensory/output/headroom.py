"""What a true-peak limiter would leave of a signal's loudness, at any gain, from one pass.

The limiter's gain at a frame is, but for its short ramps, ``min(1, threshold / H)``, where
``H`` is the largest peak over the frames around it that its hold and lookahead cover
(:mod:`sensory.dsp.limiter`): its running minimum of needed gains is a running maximum of
peaks. So one pass that records, for each 100-ms sub-block of the loudness meter, how its
K-weighted energy spreads over ``H`` (in 0.25-dB bins: each bin's energy and its energy
over ``H**2``) gives the energy any threshold takes from each sub-block, and with the
meter's sub-blocks the gated loudness after gain and limiting, its gates moved as the
limiter moves them. Memory: a few entries per sub-block where the signal is loud
(about 3 MB an hour), none where it is more than 40 dB under full scale.

Given the loudness target and the ceiling, :meth:`Headroom.exact_above` says how low a
peak needs to be known exactly: :data:`MARGIN_DB` under the threshold the plain gain
would give the limiter, from the loudness so far (ungated, so at or under the gated one
for a steady signal). The table is exact for every threshold down to that floor; the
limiter's make-up gain and a loudness that falls later than it rose move the threshold
down, and past the floor the write pass's verification finds the miss.
"""

from __future__ import annotations

import numpy as np

from ..dsp.running import window_min
from ..measure.loudness import integrated_loudness

__all__ = ["Headroom"]

_STEP_DB = 0.25
_LOW_DB, _HIGH_DB = -40.0, 12.0  # bin range of H, dBFS (H below the range is never limited)
_BINS = round((_HIGH_DB - _LOW_DB) / _STEP_DB)
_GRID = 10  # the meter's sub-blocks per second
_GROUP = 16  # frames taken together: their energies summed, their peaks' largest
MARGIN_DB = 6.0  # exact peaks down to this far under the plain gain's threshold


class Headroom:
    """Energy by held peak and sub-block, fed as the meter's ``frames`` callback
    (``add(energy, peak)``, (n,) each): a frame's H is the largest peak of the ``window``
    peaks ending ``lead`` frames after it (both rounded to groups of 16 frames, which the
    energies and peaks are taken in). ``loudness`` (LUFS) and ``ceiling`` (dBFS), when
    given, set :meth:`exact_above`. ``add`` is :meth:`note` (the loudness so far, cheap)
    then :meth:`tabulate` (the table), which may run on another thread, later, if every
    call is made in order."""

    def __init__(self, sample_rate: int, window: int, lead: int, *, loudness: float | None = None,
                 ceiling: float | None = None):
        self.sample_rate = sample_rate
        self._aim = None if loudness is None or ceiling is None else ceiling - loudness - 0.691 - MARGIN_DB
        self._energy, self._frames_seen = 0.0, 0
        self.window = max(2, round(window / _GROUP))  # in groups
        lead = round(lead / _GROUP)
        self._pending = (np.zeros(0), np.zeros(0))  # energies and peaks of frames short of a group
        self._recent = np.zeros(self.window - 1)  # the last groups' peaks
        self._waiting = np.zeros(lead)  # energies of the groups whose H is not yet known
        self._frame = -lead * _GROUP  # frame of the first waiting group
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def exact_above(self) -> float:
        """The peak (linear) under which peaks need not be exact: :data:`MARGIN_DB` under the
        threshold the plain gain gives, from the loudness so far; 0 without a target."""
        if self._aim is None or self._energy <= 0:
            return 0.0
        return float(10 ** ((self._aim + 10 * np.log10(self._energy / self._frames_seen)) / 20))

    def add(self, energy: np.ndarray, peak: np.ndarray) -> None:
        self.note(energy)
        self.tabulate(energy, peak)

    def note(self, energy: np.ndarray) -> None:
        """Count the next frames' energies into the loudness :meth:`exact_above` reads."""
        self._energy += float(energy.sum())
        self._frames_seen += len(energy)

    def tabulate(self, energy: np.ndarray, peak: np.ndarray) -> None:
        """Add the next frames' energies by their held peaks to the table."""
        energy, peak = np.concatenate([self._pending[0], energy]), np.concatenate([self._pending[1], peak])
        whole = len(energy) // _GROUP * _GROUP
        self._pending = energy[whole:], peak[whole:]
        energy, peak = energy[:whole].reshape(-1, _GROUP).sum(axis=1), _group_max(peak[:whole])
        joined = np.concatenate([self._recent, peak])
        held = -window_min(-joined, self.window)  # the largest of each window of peaks
        self._recent = joined[len(joined) - (self.window - 1):]
        waiting = np.concatenate([self._waiting, energy])
        energy, self._waiting = waiting[:len(peak)], waiting[len(peak):]
        frames = self._frame + _GROUP * np.arange(len(energy))
        self._frame += _GROUP * len(energy)
        with np.errstate(divide="ignore"):
            bins = np.floor((20 * np.log10(held) - _LOW_DB) / _STEP_DB)
        keep = (bins >= 0) & (frames >= 0) & (energy > 0)
        if not keep.any():
            return
        frames, bins, energy, held = frames[keep], np.minimum(bins[keep], _BINS - 1).astype(np.int64), \
            energy[keep], held[keep]
        sub = (_GRID * frames) // self.sample_rate
        sub += (sub + 1) * self.sample_rate // _GRID <= frames  # sub-block k: [k fs // 10, (k + 1) fs // 10)
        keys = sub * _BINS + bins
        base = int(keys[0]) - int(bins[0])  # keys rise with the sub-block: bincount over the few in reach
        keys -= base
        e = np.bincount(keys, energy)
        present = np.flatnonzero(e)
        scaled = np.bincount(keys, energy / (held * held))[present]
        self._parts.append((present + base, e[present], scaled))
        self._entries = None

    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(sub-block, bin, energy, energy over H**2) of every entry."""
        if self._entries is None:
            if self._parts:
                keys, e, s = (np.concatenate(a) for a in zip(*self._parts))
            else:
                keys, e, s = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
            self._parts = [(keys, e, s)]
            self._entries = keys // _BINS, keys % _BINS, e, s
        return self._entries

    def loudness(self, sub_blocks: np.ndarray, threshold: float) -> float:
        """Integrated loudness (LUFS) of the signal whose sub-block energies are
        ``sub_blocks`` (:meth:`~sensory.measure.loudness.LoudnessMeter.sub_blocks`) after a
        limiter at ``threshold`` (linear, in the signal's scale)."""
        sub, bins, e, s = self._table()
        first = int(np.ceil((20 * np.log10(threshold) - _LOW_DB) / _STEP_DB))
        limited = (bins >= first) & (sub < len(sub_blocks))
        removed = np.bincount(sub[limited], e[limited] - threshold ** 2 * s[limited], minlength=len(sub_blocks))
        return integrated_loudness(np.maximum(sub_blocks - removed, 0.0), self.sample_rate)

    def gain_for(self, loudness: float, sub_blocks: np.ndarray, ceiling: float) -> float | None:
        """Gain (dB) that brings the signal of sub-block energies ``sub_blocks`` to ``loudness``
        (LUFS) through a limiter at ``ceiling`` (dBFS), or None if no gain up to 24 dB past
        the plain one does."""
        low = loudness - integrated_loudness(sub_blocks, self.sample_rate)
        high = low + 24.0

        def level(gain_db: float) -> float:
            return gain_db + self.loudness(sub_blocks, 10 ** ((ceiling - gain_db) / 20))

        if level(high) < loudness:
            return None
        for _ in range(30):  # bisection: the level rises with the gain
            mid = (low + high) / 2
            low, high = (mid, high) if level(mid) < loudness else (low, mid)
        return high


def _group_max(peak: np.ndarray) -> np.ndarray:
    """The largest of each group of :data:`_GROUP` frames of ``peak`` (a multiple of them long),
    taken column by column: numpy reduces a short last axis one row at a time, 4x slower."""
    top = peak[0::_GROUP].copy()
    for j in range(1, _GROUP):
        np.maximum(top, peak[j::_GROUP], out=top)
    return top
