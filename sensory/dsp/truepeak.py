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

__all__ = ["BOUND", "PHASES", "TAPS", "loud_windows", "near_windows", "over_level", "window_peaks"]

TAPS = 48  # interpolator taps per phase
_OVERSAMPLING = 4
_KAISER_BETA = 8.0
_CENTRE = slice(TAPS // 2 - 4, TAPS // 2 + 4)  # the eight taps around the points
_SEGMENT = 8  # frames per energy segment in the bound
_SLACK = 1 + 1e-4  # covers the rounding of the bounds' float32 energies (and 1e-6 absolute)
_SLICE = 4096  # windows interpolated at once
_WEIGHED = 2  # near_windows weighs each window's centre where the groups leave at most 1 in this many
_BY_PHASE = 256  # windows from which window_peaks runs phase by phase (fewer, longer numpy calls)


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
_ABS_CENTRE = np.abs(_PHASES32[_CENTRE])  # (8, 3): |centre taps' part| <= these times the frames' |samples|


def window_peaks(x: np.ndarray, windows: np.ndarray, taps: slice = slice(0, TAPS)) -> np.ndarray:
    """Largest magnitude of the four points of each window in ``windows`` (int (k,)) of
    ``x`` (float32 or float64 (frames, channels)), over the channels: (k,) of x's dtype; with
    ``taps``, of the points' part from those taps alone.

    Each value comes from the same operations in the same order wherever its window sits
    (each phase's products summed tap by tap, in float32 or float64 as ``x``, however many
    windows are taken at once), so it does not depend on how a signal is cut into blocks. In float32, their rounding
    (about 1e-6 of the value, at worst 3e-6 of the window's largest sample times 2.65)
    lies inside the limiter's 1e-5 below its ceiling, and exports keep 0.02 dB more; float64
    signals are interpolated in float64.
    """
    if len(windows) > _SLICE:  # in slices: a slice's frames are (taps, windows, channels) at once
        return np.concatenate([window_peaks(x, windows[i:i + _SLICE], taps) for i in range(0, len(windows), _SLICE)])
    if not len(windows):
        return np.zeros(0, x.dtype)
    phases = _PHASES32 if x.dtype == np.float32 else PHASES
    first, last, _ = taps.indices(TAPS)
    frames = x[windows[None, :] + np.arange(first, last)[:, None]]  # (taps, k, channels)
    if len(windows) >= _BY_PHASE:  # each phase's products over the contiguous (k, channels) frames
        y = np.empty((3, *frames.shape[1:]), x.dtype)
        product = np.empty(frames.shape[1:], x.dtype)
        for p in range(3):
            np.multiply(frames[0], phases[first, p], out=y[p])
        for t in range(1, last - first):
            for p in range(3):
                y[p] += np.multiply(frames[t], phases[first + t, p], out=product)
    else:  # few windows: the three phases at once, a third of the calls
        y = frames[0][:, :, None] * phases[first]
        for t in range(1, last - first):
            y += frames[t][:, :, None] * phases[first + t]
        y = y.transpose(2, 0, 1)
    np.abs(y, out=y)
    best = np.maximum(np.maximum(y[0], y[1]), y[2])  # (k, channels); max over a short last axis is slow
    if first <= TAPS // 2 - 1 < last:
        np.maximum(best, np.abs(frames[TAPS // 2 - 1 - first]), out=best)
    peak = best[:, 0].copy()
    for ch in range(1, best.shape[1]):
        np.maximum(peak, best[:, ch], out=peak)
    return peak


def loud_windows(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``x`` (float32 or float64 (frames, channels), frames >= TAPS) whose peak
    exceeds ``level``: (window indices, their peaks from :func:`window_peaks`).

    Only the windows :func:`near_windows` cannot rule out have their centre parts computed,
    and only those that, with the outer taps' bound, can still exceed ``level`` are computed
    whole. A signal well under the level costs a few passes.
    """
    return over_level(x, *near_windows(x, level), level)


def near_windows(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``x`` (as :func:`loud_windows`'s) whose peak the cheap bound allows over
    ``level``, and each one's bound on its outer taps' part: (int (k,), float64 (k,)).

    Windows go in groups of eight. A group goes on where its centre frames' largest sample
    and its frames' energy allow a point over ``level``; of its windows, those go on whose
    centre frames' magnitudes, weighted by each phase's taps, still allow it.
    """
    n = len(x) - TAPS + 1
    none = np.zeros(0, np.intp), np.zeros(0)
    if n <= 0:
        return none
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
        return none
    segments = level_of.reshape(groups + 7, _SEGMENT)
    top = _row_max(segments)
    run = np.cumsum(_row_sum(np.square(segments)), dtype=np.float64)
    whole = run[7:groups + 7] - np.concatenate([[0.0], run[:groups - 1]])
    outer = _NO * np.sqrt(np.maximum(whole, 0)) * _SLACK + 1e-6
    near = _BC * np.maximum(top[3:groups + 3], top[4:groups + 4]) * _SLACK + outer > level
    hot = np.flatnonzero(near)
    windows = (hot[:, None] * _SEGMENT + np.arange(_SEGMENT)).ravel()
    keep = windows < n
    windows, outer = windows[keep], np.repeat(outer[hot], _SEGMENT)[keep]
    if len(windows) > n // _WEIGHED:  # most windows near: the weighing would cost more than it saves
        return windows, outer
    centre = a[windows[:, None] + np.arange(_CENTRE.start, _CENTRE.stop)]  # (k, 8)
    bound = np.maximum(_row_max(centre @ _ABS_CENTRE), centre[:, TAPS // 2 - 1 - _CENTRE.start])
    keep = bound * _SLACK + outer > level
    return windows[keep], outer[keep]


def over_level(x: np.ndarray, windows: np.ndarray, outer: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Of ``windows`` of ``x`` with outer-tap bounds ``outer`` (from :func:`near_windows`),
    those whose peak exceeds ``level``, and their peaks (as :func:`loud_windows`)."""
    if not len(windows):
        return windows, np.zeros(0, x.dtype)
    bound = window_peaks(x, windows, _CENTRE) * _SLACK + outer
    windows = windows[bound > level]
    peaks = window_peaks(x, windows)
    over = peaks > level
    return windows[over], peaks[over]


def _row_max(a: np.ndarray) -> np.ndarray:
    """Largest of each row of ``a`` (m, w), column by column: numpy reduces a short last axis
    one row at a time, several times slower."""
    top = a[:, 0].copy()
    for j in range(1, a.shape[1]):
        np.maximum(top, a[:, j], out=top)
    return top


def _row_sum(a: np.ndarray) -> np.ndarray:
    """Sum of each row of ``a`` (m, 8), column by column, in the order numpy's pairwise sum
    adds eight values (the same bits as ``a.sum(axis=1)``)."""
    r = [a[:, j] + a[:, j + 1] for j in range(0, 8, 2)]
    return (r[0] + r[1]) + (r[2] + r[3])
