"""True peak as BS.1770-4 Annex 2 defines it: the largest magnitude of the signal
oversampled 4x, here by a 48-tap polyphase interpolator.

One interpolator serves the meter (:mod:`sensory.measure.loudness`, which runs it by FFT
over every point) and the limiter (:mod:`sensory.dsp.limiter`, which runs it exactly on
the few windows that can reach its ceiling and proves the others cannot), so the limiter
sees every peak the meter will.

A window ``w`` of a signal ``x`` (frames, channels) is the 48 frames ``x[w:w + 48]``; its
points are the sample ``x[w + 23]`` and the three points a quarter, a half and three
quarters of the way to ``x[w + 24]``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BOUND", "PHASES", "TAPS", "loud_windows", "window_peaks"]

TAPS = 48  # interpolator taps per phase
_OVERSAMPLING = 4
_KAISER_BETA = 8.0
_CENTRE = slice(TAPS // 2 - 4, TAPS // 2 + 4)  # the eight taps around the points
_SEGMENT = 8  # frames per energy segment in the bound
_SLACK = 1 + 1e-4  # covers the rounding of the bounds' float32 energies (and 1e-6 absolute)


def _interpolator() -> np.ndarray:
    """Fractional phases of the 4x interpolator, float64 (TAPS, 3).

    Kaiser-windowed sinc with its cut-off at the input Nyquist frequency: flat within
    0.001 dB to 0.44 fs, -0.1 dB at 0.46 fs, images below -60 dB. Column p - 1 turns a
    window x[w .. w + 47] into x(w + 23 + p / 4). Phase 0 of such a filter is the
    identity, so the samples themselves stand for it.
    """
    half = TAPS / 2
    tau = np.arange(TAPS)[:, None] - half + np.arange(1, _OVERSAMPLING) / _OVERSAMPLING
    window = np.i0(_KAISER_BETA * np.sqrt(1.0 - (tau / half) ** 2)) / np.i0(_KAISER_BETA)
    phases = np.sinc(tau) * window
    return phases / phases.sum(axis=0)  # unity gain at DC


PHASES = _interpolator()
_PHASES32 = PHASES.astype(np.float32)
BOUND = float(np.abs(PHASES).sum(axis=0).max())  # |point| <= BOUND * the window's largest |sample|
_OUTER = np.ones(TAPS, bool)
_OUTER[_CENTRE] = False
# |point - its centre taps' part| <= _NO * sqrt(energy of the window) (Cauchy-Schwarz on the
# outer taps); |centre taps' part| <= _BC * the centre frames' largest |sample|
_NO = float(np.sqrt((PHASES[_OUTER] ** 2).sum(axis=0)).max())
_BC = max(1.0, float(np.abs(PHASES[_CENTRE]).sum(axis=0).max()))


def window_peaks(x: np.ndarray, windows: np.ndarray, taps: slice = slice(0, TAPS)) -> np.ndarray:
    """Largest magnitude of the four points of each window in ``windows`` (int (k,)) of
    ``x`` (float32 (frames, channels)), over the channels: float32 (k,); with ``taps``, of
    the points' part from those taps alone.

    Each value comes from the same float32 operations in the same order wherever its
    window sits, so it does not depend on how a signal is cut into blocks. Their rounding
    (about 1e-6 of the value, at worst 3e-6 of the window's largest sample times 2.65)
    lies inside the limiter's 1e-5 below its ceiling, and exports keep 0.02 dB more.
    """
    first, last, _ = taps.indices(TAPS)
    frames = x[windows[None, :] + np.arange(first, last)[:, None]]  # (taps, k, channels)
    y = frames[0][:, :, None] * _PHASES32[first]
    for t in range(1, last - first):
        y += frames[t][:, :, None] * _PHASES32[first + t]
    best = np.abs(y).max(axis=2)
    if first <= TAPS // 2 - 1 < last:
        np.maximum(best, np.abs(frames[TAPS // 2 - 1 - first]), out=best)
    return best.max(axis=1) if len(windows) else np.zeros(0)


def loud_windows(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``x`` (float32 (frames, channels), frames >= TAPS) whose peak exceeds
    ``level``: (window indices, their peaks from :func:`window_peaks`), int and float32.

    Windows go in groups of eight. A group goes on only where its centre frames' largest
    sample and its frames' energy allow a point over ``level``; its windows' centre parts
    are then computed, and only those that, with the outer taps' bound, can still exceed
    ``level`` are computed whole. A signal well under the level costs a few passes.
    """
    n = len(x) - TAPS + 1
    if n <= 0:
        return np.zeros(0, np.intp), np.zeros(0)
    groups = -(-n // _SEGMENT)
    # segment j holds frames 8j - 4 .. 8j + 3: group q's windows (8q .. 8q + 7) have their
    # centre frames in segments q + 3 and q + 4 and all their frames in segments q .. q + 7;
    # the largest magnitude over the channels stands for each of them
    level_of = np.zeros((groups + 7) * _SEGMENT, np.float32)
    a = level_of[4:4 + len(x)]
    np.abs(x[:, 0], out=a)
    for ch in range(1, x.shape[1]):
        np.maximum(a, np.abs(x[:, ch]), out=a)
    if float(a.max()) * BOUND <= level:
        return np.zeros(0, np.intp), np.zeros(0)
    segments = level_of.reshape(groups + 7, _SEGMENT)
    top = segments.max(axis=1)
    run = np.cumsum(np.square(segments).sum(axis=1), dtype=np.float64)
    whole = run[7:groups + 7] - np.concatenate([[0.0], run[:groups - 1]])
    outer = _NO * np.sqrt(np.maximum(whole, 0)) * _SLACK + 1e-6
    near = _BC * np.maximum(top[3:groups + 3], top[4:groups + 4]) * _SLACK + outer > level
    hot = np.flatnonzero(near)
    if not len(hot):
        return np.zeros(0, np.intp), np.zeros(0)
    windows = (hot[:, None] * _SEGMENT + np.arange(_SEGMENT)).ravel()
    keep = windows < n
    windows = windows[keep]
    bound = window_peaks(x, windows, _CENTRE) * _SLACK + np.repeat(outer[hot], _SEGMENT)[keep]
    windows = windows[bound > level]
    peaks = window_peaks(x, windows)
    over = peaks > level
    return windows[over], peaks[over]
