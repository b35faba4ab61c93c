"""Clicks: digital discontinuities (steps, dropouts, polarity flips, splices), told apart
from the acoustic transients a soundscape is full of (crackles, raindrops, chirps, claps).

Each channel is whitened by a linear predictor of order ``ORDER``, fitted per segment of
``SEGMENT_S`` seconds (autocorrelation method over the Hann-windowed segment,
Levinson-Durbin; Makhoul 1975, "Linear prediction: a tutorial review"). Whatever the
predictor cannot foresee stands out of its residual: a sample whose residual exceeds
``OUTLIER`` times the segment's robust residual deviation (1.4826 times the median absolute
residual) is a *transient*; transients closer than ``MERGE_S`` count as one.

A transient is a *click* when one digital repair makes the neighbourhood predictable again,
the idea of the interpolators that restore old records (Godsill & Rayner 1998, "Digital
Audio Restoration", ch. 5): subtracting a step (a pulse's edge, a splice, a DC jump), an
impulse (a dropout, a lone wrong sample), or negating the waveform from a point on (a
polarity flip), at the best of a few frames. With the repair the residual over the
``WINDOW`` frames around the point falls back to the segment's level (at most ``REPAIRED``
times its variance per frame) and the repair removes at least ``OUTLIER`` squared variances
and ``FLOOR`` (-60 dBFS) of amplitude. An acoustic transient excites the predictor's residual
over many frames (a raindrop is a burst of noise, a crackle a burst through wood modes, a
clap a rumble): no single repair accounts for it, and it stays a transient. At a low rate a
snap rises and falls within a sample, and an impulse repair explains it as well as it would a
lone wrong sample; but a sound reaches every channel at once, so a click only an impulse
explains is a transient when every other channel stands ``EDGE`` deviations out within a
frame of it (:func:`_heard`).

Two more digital signatures: a frame exactly zero in every channel where the predictor
expected ``DROPOUT`` deviations is a dropout, and so is a lone one whose zero in every
channel chance would give less than once in 10^``-CHANCE`` (:func:`_chance_zeros`); and a
pulse's two edges are judged together,
two opposite steps of about the same size within ``PULSE`` frames, each ``EDGE`` deviations
out and ``PAIRED`` together, so a pulse is found where each edge alone passes for noise. A
weaker transient (``EDGE`` deviations) that a polarity flip repairs, removing ``FLIP``
squared variances, is a click too. A run of outliers is judged at its ends as well as its
peak: in a white-like bed a pulse's whole length stands out, and its edges are the run's
ends.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["DROPOUT", "ORDER", "OUTLIER", "REPAIRED", "ClickDetector"]

ORDER = 12  # predictor order
SEGMENT_S = 0.02  # s: one predictor per segment
OUTLIER = 8.0  # residual deviations: a transient
DROPOUT = 3.0  # residual deviations of an exact zero in every channel: a dropout
REPAIRED = 1.0  # residual variance per frame after a repair, relative to the segment's: a click
MERGE_S = 0.01  # s: transients closer than this count as one
FLOOR = 1e-3  # -60 dBFS: smaller discontinuities are inaudible
EDGE = 4.5  # residual deviations: an edge of a pulse
FLIP = 7.0  # residual deviations a polarity flip's repair removes from a weaker transient: a click
CHANCE = -9.0  # log10 of the chance that a lone zero frame is zero in every channel by chance: a dropout
PAIRED = 7.5  # residual deviations the two edges of a pulse reach together
PULSE = 64  # frames: the longest pulse whose two edges are judged together
GUARD = 8  # frames either side of a transient where the repair may sit, and the window's lead
WINDOW = 2 * GUARD + ORDER  # frames judged around a transient
_SHIFTS = np.arange(-GUARD // 2, GUARD // 2 + 1)  # repair positions tried around the transient's peak
_MAX_TIMES = 100


def _predictors(frames: np.ndarray) -> np.ndarray:
    """Prediction-error filters (s, ORDER + 1), a[0] = 1, of the rows of ``frames`` (s, L)."""
    w = frames * np.hanning(frames.shape[1] + 2)[1:-1]
    r = np.stack([np.einsum("sl,sl->s", w[:, k:], w[:, :w.shape[1] - k]) for k in range(ORDER + 1)], axis=1)
    r[:, 0] = r[:, 0] * (1 + 1e-6) + 1e-20  # white-noise correction: silent and tonal segments stay stable
    a = np.zeros_like(r)
    a[:, 0] = 1.0
    err = r[:, 0].copy()
    for i in range(1, ORDER + 1):
        k = -(a[:, :i] * r[:, i:0:-1]).sum(axis=1) / err
        a[:, 1:i + 1] += k[:, None] * a[:, i - 1::-1][:, :i]
        err *= 1 - k * k
    return a


class ClickDetector:
    """Streaming click and transient detector over float (n, channels) blocks; see the module
    docstring. ``clicks`` and ``transients`` count the events found (an event is one or the
    other), ``times`` holds the first clicks' times in seconds. The stream's first and last
    ``MARGIN`` frames are not judged (they lack context); call :meth:`finish` at its end. The
    counts do not depend on how the stream is split into blocks."""

    MARGIN = PULSE + GUARD + 2 * ORDER

    def __init__(self, sample_rate: int, channels: int):
        self.rate = sample_rate
        self.segment = max(4 * WINDOW, round(SEGMENT_S * sample_rate))
        self.merge = max(WINDOW, int(MERGE_S * sample_rate))
        self._buf = np.zeros((self.MARGIN, channels))  # silence before the stream: history for segment 0
        self._base = -self.MARGIN  # frame of _buf[0]
        self._next = 0  # next segment to judge
        self._last = -(1 << 62)  # frame of the last event
        self._click = False  # whether the last event's group is a click
        self.clicks = 0
        self.transients = 0
        self.times: list[float] = []

    def add(self, x: np.ndarray) -> None:
        """Take the next float (n, channels) frames."""
        self._buf = np.concatenate([self._buf, np.asarray(x, np.float64)])
        seg, m = self.segment, self.MARGIN
        count = (self._base + len(self._buf) - m) // seg - self._next  # segments with their margin in
        if count > 0:
            start = self._next * seg
            self._judge(start, count, max(start, m), start + count * seg)
            self._next += count
            drop = self._next * seg - seg - m - self._base  # keep a segment for finish()
            if drop > 0:
                self._buf = self._buf[drop:]
                self._base += drop

    def finish(self) -> None:
        """Judge the frames the stream's end left (the last segment is taken to end MARGIN
        frames before the stream's end)."""
        seg, m = self.segment, self.MARGIN
        end = self._base + len(self._buf) - m
        start = max(end - seg, self._base + m)
        if end - start < WINDOW:
            return
        self._buf = np.concatenate([self._buf, np.zeros((m, self._buf.shape[1]))])
        self._judge(start, 1, max(self._next * seg, m), end, length=end - start)
        self._next = (end + seg - 1) // seg

    def _judge(self, start: int, count: int, lo: int, hi: int, length: int | None = None) -> None:
        """Find the events of ``count`` segments from frame ``start`` (one of ``length`` frames
        if given), counting those in frames ``lo`` to ``hi``."""
        channels: list[list[tuple[int, bool, bool, bool]]] = []
        zeros = ~self._buf.any(axis=1)  # frames exactly zero in every channel
        chance = 0.0
        for ch in range(self._buf.shape[1]):
            events, odds = _events(self._buf[:, ch], zeros, start - self._base, count, length or self.segment, GUARD)
            channels.append(events)
            chance = chance + odds
        found = _heard(channels)
        found += [(start - self._base + i, True) for i in np.flatnonzero(chance < CHANCE).tolist()]
        for frame, click in sorted(found):
            frame += self._base
            if not lo <= frame < hi:
                continue
            if frame - self._last > self.merge:
                self._click = click
                if click:
                    self._add_click(frame)
                else:
                    self.transients += 1
            elif click and not self._click:  # a click inside a transient: the click it is
                self._click = True
                self.transients -= 1
                self._add_click(frame)
            self._last = frame

    def _add_click(self, frame: int) -> None:
        self.clicks += 1
        if len(self.times) < _MAX_TIMES:
            self.times.append(round(frame / self.rate, 4))


def _heard(channels: list[list[tuple[int, bool, bool, bool]]]) -> list[tuple[int, bool]]:
    """(index, is click) of the events of every channel, from each channel's candidates (index,
    is click, is a click only an impulse repair explains, is an event): such a click is a
    transient when every other channel has a candidate (EDGE deviations out) within a frame of
    it. A lone wrong sample is one channel's, but a sound's snap that rises and falls within a
    sample (a crackle at 8 kHz) reaches every channel at once. A dropout in every channel is
    told by its zeros, not by this."""
    frames = [np.array([c[0] for c in candidates], np.int64) for candidates in channels]
    found = []
    for i, candidates in enumerate(channels):
        for f, click, impulse, event in candidates:
            if click and impulse and len(channels) > 1 and all(
                    j == i or (frames[j].size > 0 and np.abs(frames[j] - f).min() <= 1) for j in range(len(channels))):
                click = False
            if event:
                found.append((f, click))
    return found


def _events(x: np.ndarray, zeros: np.ndarray, lo: int, count: int, seg: int,
            gap: int) -> tuple[list[tuple[int, bool, bool, bool]], np.ndarray]:
    """(index in ``x``, is click, is a click only an impulse repair explains, is an event) of the
    candidates (residuals EDGE deviations out, the events among them transients or clicks) of
    ``count`` segments of ``seg`` frames of ``x`` from index ``lo`` (``x`` holds MARGIN frames
    either side). ``zeros`` marks the
    frames exactly zero in every channel: one the predictor expected DROPOUT deviations away
    from zero is a dropout, a click, in a segment whose RMS reaches FLOOR (in a fade's first
    or last milliseconds zeros are the signal)."""
    body = x[lo:lo + count * seg].reshape(count, seg)
    a = _predictors(body)
    hist = sliding_window_view(x[lo - ORDER:lo + count * seg], ORDER + 1)[:count * seg].reshape(count, seg, -1)
    e = np.einsum("slk,sk->sl", hist, a[:, ::-1])
    sigma = np.maximum(1.4826 * np.median(np.abs(e), axis=1), 1e-9)
    size = np.abs(e) / sigma[:, None]
    audible = np.sqrt(np.mean(body * body, axis=1)) >= FLOOR  # a zero in a quieter segment is inaudible
    dropped = zeros[lo:lo + count * seg].reshape(count, seg) & (size > DROPOUT) & audible[:, None]
    odds = _chance_zeros(x, zeros, lo, body, a, sigma) * np.repeat(audible, seg)
    rows, cols = np.nonzero((size > EDGE) | dropped)
    if rows.size == 0:
        return [], odds
    at = lo + rows * seg + cols
    peaks = _peaks(at, size[rows, cols] + OUTLIER * dropped[rows, cols], gap)
    rows, cols, at = rows[peaks], cols[peaks], at[peaks]
    strong = (size[rows, cols] > OUTLIER) | dropped[rows, cols]
    var = sigma[rows] ** 2
    left, removed, jump, step, flip = _repairs(x, at, a[rows])
    repaired = (left <= REPAIRED * WINDOW * var) & (jump >= FLOOR)
    clicks = dropped[rows, cols] | (strong & repaired & (removed >= OUTLIER**2 * var))
    impulse = clicks & ~dropped[rows, cols] & (step == 0) & ~flip
    clicks |= ~strong & repaired & flip & (removed >= FLIP**2 * var)
    edges = ~strong & repaired & (step != 0) & (removed >= EDGE**2 * var)
    if edges.any():
        clicks[edges] = _pulses(x, at[edges], a[rows[edges]], step[edges], var[edges])
    keep = strong | clicks
    return list(zip(at.tolist(), clicks.tolist(), impulse.tolist(), keep.tolist())), odds


def _chance_zeros(x: np.ndarray, zeros: np.ndarray, lo: int, body: np.ndarray, a: np.ndarray,
                  sigma: np.ndarray) -> np.ndarray:
    """log10 of the chance that each frame of the segments ``body`` (s, L) of ``x`` from ``lo``
    that is a lone zero (exactly zero in every channel, its neighbours not) is zero in this
    channel by chance, given its neighbours (0 elsewhere): (s * L,). The two-sided
    interpolator of the predictors ``a`` (s, ORDER + 1) (Godsill & Rayner 1998, ch. 5; Vaseghi,
    "Advanced Digital Signal Processing and Noise Reduction", ch. 10) expects the frame at
    z = sum_k a[k] e[at + k] / c0 with deviation sigma / sqrt(c0), c0 = sum_k a[k]^2, and a
    sample quantised to q (2^-15 where every sample of the segment is a 16-bit value, else
    2^-24) lands on zero with probability q times that normal density at 0."""
    count, seg = body.shape
    odds = np.zeros(count * seg)
    n = lo + np.arange(count * seg)
    lone = np.flatnonzero(zeros[n] & ~zeros[n - 1] & ~zeros[n + 1])
    if lone.size == 0:
        return odds
    rows = lone // seg
    at, ar = lo + lone, a[rows]
    c0 = (ar * ar).sum(axis=1)
    dev = sigma[rows] / np.sqrt(c0)
    miss = (ar * _residual(x, at, ORDER + 1, ar)).sum(axis=1) / c0 / dev
    coarse = (np.mod(body * 32768, 1) == 0).all(axis=1)[rows]
    q = np.where(coarse, 2.0**-15, 2.0**-24)
    odds[lone] = np.minimum(0.0, np.log10(q / (np.sqrt(2 * np.pi) * dev)) - miss * miss / (2 * np.log(10)))
    return odds


def _peaks(frames: np.ndarray, size: np.ndarray, gap: int) -> np.ndarray:
    """Indices of the largest of each run of ``frames`` (sorted) with gaps under ``gap``."""
    starts = np.flatnonzero(np.diff(frames, prepend=frames[0] - gap - 1) > gap)
    groups = np.cumsum(np.isin(np.arange(len(frames)), starts)) - 1
    best = np.zeros(len(starts), np.int64)
    order = np.lexsort((-size, groups))
    best[groups[order][::-1]] = order[::-1]
    return best


def _residual(x: np.ndarray, start: np.ndarray, length: int, a: np.ndarray) -> np.ndarray:
    """The predictors' residual over ``length`` frames of ``x`` from each ``start`` (c,):
    (c, length), with ``a`` (c, ORDER + 1)."""
    n = start[:, None] + np.arange(length)
    return (x[n[:, :, None] - np.arange(ORDER + 1)] * a[:, None, :]).sum(axis=2)


def _step_response(a: np.ndarray, length: int, at: int) -> np.ndarray:
    """The residual of a unit step at frame ``at`` of ``length`` frames: (c, length)."""
    lag = np.arange(length)[None, :] - at
    return np.where(lag >= 0, np.take_along_axis(np.cumsum(a, axis=1), np.clip(lag, 0, ORDER), axis=1), 0.0)


def _pulses(x: np.ndarray, at: np.ndarray, a: np.ndarray, step: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Whether each edge ``at`` (c,) of a step ``step`` (c,) has the opposite edge of a pulse
    within PULSE frames: a step of the opposite sign and about the same size (3/4 to 4/3)
    that a step repair explains as well, the two removing at least PAIRED squared variances
    together: bool (c,)."""
    span = 2 * PULSE + WINDOW
    e = _residual(x, at - PULSE - GUARD, span, a)  # row j + GUARD of a window: frame at - PULSE + j
    g = _step_response(a, WINDOW, GUARD)
    gg = (g * g).sum(axis=1)
    windows = sliding_window_view(e, WINDOW, axis=1)  # (c, 2 PULSE + 1, WINDOW): a step at at - PULSE + j
    amp = np.einsum("cjw,cw->cj", windows, g) / gg[:, None]
    removed = amp * amp * gg[:, None]
    left = (windows * windows).sum(axis=2) - removed
    far = np.abs(np.arange(2 * PULSE + 1) - PULSE) > GUARD  # the other edge, not this one again
    ratio = -amp / step[:, None]
    other = far & (ratio >= 0.75) & (ratio <= 4 / 3) & (left <= REPAIRED * WINDOW * var[:, None])
    together = removed + (step * step * gg)[:, None]
    return (other & (together >= PAIRED**2 * var[:, None])).any(axis=1)


def _repairs(x: np.ndarray, at: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, ...]:
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
        for g, is_step in ((_step_response(a, WINDOW, GUARD + shift), True), (impulse, False)):
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
