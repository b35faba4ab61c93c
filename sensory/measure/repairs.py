"""The linear predictor and the repairs the click detector (:mod:`sensory.measure.clicks`)
judges with, and its two matched filters: rectangular pulses of unknown length, and polarity
flips over the predictor's memory.

A segment is whitened by a prediction-error filter of order ``ORDER`` (autocorrelation
method over the Hann-windowed frames, Levinson-Durbin; Makhoul 1975). A repair is one
digital fault undone in the residual (Godsill & Rayner 1998, ch. 5): a step, an impulse, or
a negation from a point on, at the best of a few frames; what it removes is the evidence, what
it leaves tells a fault from a sound.

The matched filters whiten each segment with the predictor of the two segments before it: a
pulse carrying a good part of a short segment's energy would teach the segment's own
predictor to expect it, and the filter would lose most of it. A box of ``L`` frames of height
``h`` leaves ``h`` times the predictor's step response from its start less the same from its
end; its correlation with the residual, for every start and every length of ``BOXES``, is a
difference of one running sum (O(1) a frame and length), and its norm is the GLRT's
denominator: in white noise at deviation ``sigma`` a pulse stands ``h sqrt(L) / sigma``
deviations out (0.2 over 40 frames at 0.1: 12.6) where each edge stands ``h / sigma`` (2). A
flip negates the terms of the predictor's memory that reach back before it, which adds a
burst of residual energy over the next ``ORDER`` frames even at a zero crossing, where no
single residual stands out.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "BOX",
    "FIT",
    "FLIP",
    "FLOOR",
    "GUARD",
    "LEAD",
    "ORDER",
    "SETTLED",
    "TAIL",
    "WINDOW",
    "boxes",
    "correlations",
    "flips",
    "peaks",
    "predictors",
    "repairs",
    "residual",
    "step_response",
    "whitened",
]

ORDER = 12  # predictor order
FLOOR = 1e-3  # -60 dBFS: smaller discontinuities are inaudible
FLIP = 7.0  # residual deviations a polarity flip's repair removes from a weaker transient: a click
BOXES = (8, 11, 16, 23, 32, 45, 64)  # frames: the pulse lengths the matched filter scans
BOX = 10.0  # deviations a pulse's matched filter reaches, or the energy a flip's repair removes: a candidate
BURST = 6.0  # residual deviations the energy of ORDER frames stands over its mean: a flip may start there
FIT = 2.5  # chi-square deviations the residual a pulse's repair leaves may stand over its mean
SETTLED = 1.0  # and a flip's (a crackle's burst fits a flip repair more often than a box)
GUARD = 8  # frames either side of a transient where the repair may sit, and the window's lead
WINDOW = 2 * GUARD + ORDER  # frames judged around a transient
LEAD = 2 * GUARD  # frames of residual before a segment that a pulse's or a flip's repair may need
TAIL = BOXES[-1] + ORDER + 2 * GUARD + 1  # and after it
_SHIFTS = np.arange(-GUARD // 2, GUARD // 2 + 1)  # repair positions tried around the transient's peak


def correlations(frames: np.ndarray) -> np.ndarray:
    """The autocorrelations (s, ORDER + 1), lags 0 to ORDER, of the Hann-windowed rows of
    ``frames`` (s, L)."""
    w = frames * np.hanning(frames.shape[1] + 2)[1:-1]
    return np.stack([np.einsum("sl,sl->s", w[:, k:], w[:, :w.shape[1] - k]) for k in range(ORDER + 1)], axis=1)


def predictors(r: np.ndarray) -> np.ndarray:
    """Prediction-error filters (s, ORDER + 1), a[0] = 1, of the autocorrelations ``r`` (s,
    ORDER + 1) (Levinson-Durbin)."""
    r = r.copy()
    r[:, 0] = r[:, 0] * (1 + 1e-6) + 1e-20  # white-noise correction: silent and tonal segments stay stable
    a = np.zeros_like(r)
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, ORDER + 1):
        k = -(a[:, :i] * r[:, i:0:-1]).sum(axis=1) / err
        a[:, 1:i + 1] += k[:, None] * a[:, i - 1::-1][:, :i]
        err *= 1 - k * k
    return a


def residual(x: np.ndarray, start: np.ndarray, length: int, a: np.ndarray) -> np.ndarray:
    """The predictors' residual over ``length`` frames of ``x`` from each ``start`` (c,):
    (c, length), with ``a`` (c, ORDER + 1)."""
    n = start[:, None] + np.arange(length)
    return (x[n[:, :, None] - np.arange(ORDER + 1)] * a[:, None, :]).sum(axis=2)


def step_response(a: np.ndarray, length: int, at: int) -> np.ndarray:
    """The residual of a unit step at frame ``at`` of ``length`` frames: (c, length)."""
    lag = np.arange(length)[None, :] - at
    return np.where(lag >= 0, np.take_along_axis(np.cumsum(a, axis=1), np.clip(lag, 0, ORDER), axis=1), 0.0)


def repairs(x: np.ndarray, at: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, ...]:
    """The best of one step, impulse or polarity flip near each ``at`` (c,), with the predictors
    ``a`` (c, ORDER + 1): the residual energy it leaves in the WINDOW frames around ``at``, the
    energy it removes, the size of the discontinuity it repairs, the step's signed size when
    the best repair is a step (else 0), and whether it is a flip; each (c,)."""
    c = len(at)
    n = at[:, None] - GUARD + np.arange(WINDOW)  # judged frames, (c, WINDOW)
    terms = x[n[:, :, None] - np.arange(ORDER + 1)] * a[:, None, :]  # a[k] x[n - k], (c, WINDOW, ORDER + 1)
    e = terms.sum(axis=2)  # residual, (c, WINDOW)
    e0 = (e * e).sum(axis=1)
    best = e0.copy()
    size = np.zeros(c)
    step = np.zeros(c)
    flip = np.zeros(c, bool)
    tail = np.cumsum(terms[:, :, ::-1], axis=2)[:, :, ::-1]  # tail[.., m] = sum over k >= m
    for shift in _SHIFTS:
        lag = np.arange(WINDOW)[None, :] - (GUARD + shift)  # frames since the repair point
        on = lag >= 0
        idx = np.clip(lag, 0, ORDER)
        impulse = np.where(on & (lag <= ORDER), np.take_along_axis(a, idx, axis=1), 0.0)
        for g, is_step in ((step_response(a, WINDOW, GUARD + shift), True), (impulse, False)):
            gg = np.maximum((g * g).sum(axis=1), 1e-30)
            amp = (e * g).sum(axis=1) / gg
            left = e0 - amp * amp * gg
            better = left < best
            best, size = np.where(better, left, best), np.where(better, np.abs(amp), size)
            step = np.where(better, amp if is_step else 0.0, step)
            flip = flip & ~better
        # negated from the repair point on: the terms reaching back before it keep their sign
        before = np.take_along_axis(tail, np.clip(lag + 1, 0, ORDER)[:, :, None], axis=2)[:, :, 0]
        before = np.where(lag + 1 <= ORDER, before, 0.0)
        flipped = np.where(on, 2 * before - e, e)
        left = (flipped * flipped).sum(axis=1)
        better = left < best
        best, size = np.where(better, left, best), np.where(better, 2 * np.abs(x[at + shift]), size)
        step = np.where(better, 0.0, step)
        flip = flip | better
    return best, e0 - best, size, step, flip


def peaks(frames: np.ndarray, size: np.ndarray, gap: int) -> np.ndarray:
    """Indices of the largest of each run of ``frames`` (sorted) with gaps under ``gap``."""
    starts = np.flatnonzero(np.diff(frames, prepend=frames[0] - gap - 1) > gap)
    groups = np.cumsum(np.isin(np.arange(len(frames)), starts)) - 1
    best = np.zeros(len(starts), np.int64)
    order = np.lexsort((-size, groups))
    best[groups[order][::-1]] = order[::-1]
    return best


def whitened(x: np.ndarray, lo: int, count: int, seg: int, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The residual of ``count`` segments of ``seg`` frames of ``x`` from ``lo`` by the
    predictors ``a`` (s, ORDER + 1) fitted on the two segments before each (a pulse or a flip
    would teach its own segment's predictor to expect it), from LEAD frames before each
    segment's start to TAIL after its end: (s, LEAD + seg + TAIL); and its deviations (s,)
    over the segment."""
    span = LEAD + seg + TAIL
    raw = sliding_window_view(x[lo - LEAD - ORDER:], span + ORDER)[:count * seg:seg]
    e = np.einsum("slk,sk->sl", sliding_window_view(raw, ORDER + 1, axis=1), a[:, ::-1])
    return e, np.maximum(1.4826 * np.median(np.abs(e[:, LEAD:LEAD + seg]), axis=1), 1e-9)


def flips(x: np.ndarray, lo: int, seg: int, e: np.ndarray, a: np.ndarray, sigma: np.ndarray,
          judged: np.ndarray) -> np.ndarray:
    """Indices in ``x`` of the polarity flips in the segments of ``seg`` frames from ``lo``
    whose residual ``e`` (s, LEAD + seg + TAIL) by the predictors ``a`` (deviations
    ``sigma``) rises by a burst: a flip at a zero crossing leaves no residual EDGE deviations
    out, but the terms of the predictor's memory reaching back before it, negated, add their
    energy over its next ORDER frames. Where that energy passes ORDER + BURST^2 variances, the
    best flip repair near its start must remove BOX^2 variances and leave at most SETTLED
    chi-square deviations over the segment's level in the WINDOW frames around it."""
    e2 = np.cumsum(e * e, axis=1)
    burst = (e2[:, LEAD + ORDER - 1:LEAD + seg + ORDER - 1] - e2[:, LEAD - 1:LEAD + seg - 1]) / (sigma * sigma)[:, None]
    rows, cols = np.nonzero((burst > ORDER + BURST**2) & judged[:, None])
    if rows.size == 0:
        return rows
    top = peaks(rows * seg + cols, burst[rows, cols], GUARD)
    rows, at = rows[top], lo + rows[top] * seg + cols[top]
    var = sigma[rows] ** 2
    left, removed, _, _, flip = repairs(x, at, a[rows])
    return at[flip & (left <= (WINDOW + SETTLED * np.sqrt(2 * WINDOW)) * var) & (removed >= BOX**2 * var)]


def boxes(lo: int, seg: int, e: np.ndarray, a: np.ndarray, sigma: np.ndarray, judged: np.ndarray) -> np.ndarray:
    """Indices in ``x`` of the rectangular pulses starting in the segments of ``seg`` frames
    from ``lo`` whose residual ``e`` (s, LEAD + seg + TAIL) by the predictors ``a``
    (deviations ``sigma``) holds one, found by their matched filter: a box of each of BOXES
    frames is correlated with the residual through the predictor's step response (cumulative
    sums: O(1) a frame and length), a frame where one reaches BOX deviations is refined to the
    best start and length within GUARD / 2 frames and a factor 1.4, and it is a click when the
    box's amplitude reaches FLOOR and the residual it leaves over its frames and GUARD either
    side stands at most FIT chi-square deviations over that many frames of the segment's
    variance (a burst through resonances is not one box). Only the segments ``judged`` (s,) are."""
    count, longest = len(e), BOXES[-1]
    c = np.cumsum(a, axis=1)  # the residual of a unit step, ORDER + 1 frames on; c[:, -1] after
    q = np.concatenate([np.zeros((count, 1)), np.cumsum(e, axis=1)], axis=1)
    p = np.einsum("slk,sk->sl", sliding_window_view(e, ORDER + 1, axis=1), c)  # the step filter from each frame,
    p -= c[:, -1:] * q[:, ORDER + 1:]  # less its tail: a box's correlation is p[n] - p[n + length]
    norms = _box_norms(c)
    fast = p.astype(np.float32)  # the scan in single precision; candidates are judged in double
    found = np.zeros((count, seg), bool)
    for length in BOXES:
        bound = (BOX * sigma * np.sqrt(norms[:, length])).astype(np.float32)[:, None]
        found |= np.abs(fast[:, LEAD:LEAD + seg] - fast[:, LEAD + length:LEAD + length + seg]) > bound
    rows, cols = np.nonzero(found & judged[:, None])
    if rows.size == 0:
        return rows
    best = np.max([np.abs(p[rows, cols + LEAD] - p[rows, cols + LEAD + length]) / np.sqrt(norms[rows, length])
                   for length in BOXES], axis=0)
    top = peaks(rows * seg + cols, best, GUARD)
    rows, n = rows[top], cols[top] + LEAD
    shifts = np.arange(-GUARD // 2, GUARD // 2 + 1)
    lengths = np.unique(np.round(np.geomspace(BOXES[0] * 3 // 4, longest, 40)).astype(int))
    r, nn, ll = (v.reshape(len(rows), -1) for v in np.broadcast_arrays(
        rows[:, None, None], n[:, None, None] + shifts[None, :, None], lengths[None, None, :]))
    u = p[r, nn] - p[r, nn + ll]
    z2 = u * u / norms[r, ll]
    j = np.argmax(z2, axis=1)
    pick = np.arange(len(rows))
    u, z2, nn, ll = u[pick, j], z2[pick, j], nn[pick, j], ll[pick, j]
    e2 = np.concatenate([np.zeros((count, 1)), np.cumsum(e * e, axis=1)], axis=1)
    frames = ll + ORDER + 1 + 2 * GUARD
    left = e2[rows, nn + ll + ORDER + 1 + GUARD] - e2[rows, nn - GUARD] - z2
    var = sigma[rows] ** 2
    fits = (left <= (frames + FIT * np.sqrt(2 * frames)) * var) & (np.abs(u) / norms[rows, ll] >= FLOOR)
    fits &= z2 >= BOX**2 * var
    return (lo + rows * seg + nn - LEAD)[fits]


def _box_norms(c: np.ndarray) -> np.ndarray:
    """The squared norm of the residual of a unit box of each length 0 to BOXES[-1] frames, given
    the predictors' step responses ``c`` (s, ORDER + 1): (s, BOXES[-1] + 1). A box of L frames
    leaves c[j] from its start, c[-1] through its middle and c[-1] - c[j] after its end."""
    end = c[:, -1:]
    lengths = np.arange(BOXES[-1] + 1)
    out = ((c * c).sum(axis=1) + ((end - c) ** 2).sum(axis=1))[:, None] + (lengths - ORDER - 1) * end * end
    steps = np.concatenate([np.zeros((len(c), ORDER)), c, np.repeat(end, ORDER, axis=1)], axis=1)
    for length in range(ORDER + 1):  # shorter boxes: their edges overlap
        d = steps[:, ORDER:3 * ORDER + 1] - steps[:, ORDER - length:3 * ORDER + 1 - length]
        out[:, length] = (d * d).sum(axis=1)
    return out
