"""Seamless loops: a render whose last frame flows into its first.

A loop of about ``N`` frames is cut from a render ``x`` of ``N + X + P``
frames (``X`` the crossfade, ``P`` the search). The output is the circle

    z = x[X : N + d]  ++  x[0 : X] * g_in + x[N + d : N + d + X] * g_out

Both joins are natural continuations of the render: ``x[N+d-1] -> x[N+d]``
where the crossfade begins (``g_out`` starts at 1) and ``x[X-1] -> x[X]`` at
the wrap (``g_in`` ends at 1). Only the first ``X`` and the last ``2P + X``
frames are held, so memory does not grow with the length.

*In the middle of nothing.* The loop starts where the render starts, before any
event sounds; it should end between events too, for whatever rings on in the tail
``x[N + d :]`` is faded out by the crossfade: a bird's phrase, a wave, a roll of
thunder. So for event textures the length moves by ``d`` (|d| <= P, up to
``QUIET_S``) to where the crossfade takes away the least: the tail's power
weighted by what the fade removes, ``sum_k |x[N+d+k]|^2 (1 - g_out[k]^2)``, is
least. A bed fades the same wherever it is cut, so unless some ``d`` takes at
most ``QUIET`` of what ``d = 0`` does, the length stays exact.

*Matched phase.* Within the crossfade the head and the tail sound together.
For noise they are uncorrelated and an equal-power fade keeps the level; for
tones a fade between two out-of-phase copies cancels, and no fade can fix
that. So when the tail best matches the head within ``PHASE_S`` — the normalized
cross-correlation ``r`` of head and tail windows is highest — and that match is
tonal (``r >= TONAL``), ``d`` follows the phase instead. The gains follow the
correlation-aware law ``g_in^2 + g_out^2 + 2 r g_in g_out = 1`` (constant
power: for unit-power signals a, b of correlation ``r`` the mean square of
``a g_in + b g_out`` is exactly that sum): equal power at ``r = 0``, equal
amplitude (linear) at ``r = 1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft
from scipy.signal import fftconvolve

__all__ = ["PHASE_S", "QUIET", "QUIET_S", "TONAL", "LoopShape", "crossfade_gains", "loop_blocks"]

TONAL = 0.5  # head/tail correlation above which the loop length follows the phase
PHASE_S = 0.1  # s: the phase search, either way
QUIET_S = 5.0  # s: the search for a quiet end, either way (at most a tenth of the loop)
QUIET = 0.5  # share of the fade's loss at d = 0 that a quieter end must come under


@dataclass(frozen=True)
class LoopShape:
    """Frames of a loop: ``frames`` wanted, ``crossfade`` X, ``search`` P (the quiet end's)
    and ``phase`` (the tones', at most P).

    ``render_frames`` is how much of the render the loop consumes.
    """

    frames: int
    crossfade: int
    search: int
    phase: int

    @classmethod
    def for_length(cls, frames: int, sample_rate: int, crossfade_s: float = 2.0) -> LoopShape:
        """Crossfade of ``crossfade_s`` seconds (at most a quarter of the loop), a search of
        +-``QUIET_S`` and a phase search of +-``PHASE_S`` seconds (each at most a tenth of it)."""
        crossfade = max(1, min(round(crossfade_s * sample_rate), frames // 4))
        search = max(0, min(round(QUIET_S * sample_rate), frames // 10))
        phase = max(0, min(round(PHASE_S * sample_rate), frames // 10))
        return cls(frames, crossfade, search, phase)

    @property
    def render_frames(self) -> int:
        return self.frames + self.crossfade + self.search


def crossfade_gains(n: int, r: float) -> tuple[np.ndarray, np.ndarray]:
    """(g_in, g_out), each (n,) float64, for head/tail correlation ``r`` (clipped to 0..1)."""
    theta = (np.arange(n) + 0.5) / n * (np.pi / 2)
    p_in, p_out = np.sin(theta), np.cos(theta)
    r = float(np.clip(r, 0.0, 1.0))
    norm = np.sqrt(p_in**2 + p_out**2 + 2 * r * p_in * p_out)
    return p_in / norm, p_out / norm


def _quiet_offset(tail: np.ndarray, fade_out: np.ndarray, search: int) -> int:
    """d in -search..search where fading ``tail`` (2 search + X, ch; its row ``search + d``
    being x[N + d]) out by ``fade_out`` (X,) takes away the least, if it takes at most
    ``QUIET`` of what d = 0 takes; else 0."""
    if search == 0:
        return 0
    power = (tail**2).sum(axis=1)
    loss = fftconvolve(power, (1 - fade_out**2)[::-1], mode="valid")  # (2 search + 1,)
    best = int(np.argmin(loss))
    return best - search if loss[best] <= QUIET * loss[search] else 0


def _best_offset(head: np.ndarray, tail: np.ndarray, search: int) -> tuple[int, float]:
    """(d, r): offset in -search..search of the tail window that best matches ``head``.

    ``head`` (X, ch); ``tail`` (2 search + X, ch), its row ``search + d`` being x[N + d].
    """
    n = len(head)
    lags = 2 * search + 1
    size = sp_fft.next_fast_len(len(tail) + n, real=True)
    spectrum = sp_fft.rfft(tail, size, axis=0) * np.conj(sp_fft.rfft(head, size, axis=0))
    dots = sp_fft.irfft(spectrum.sum(axis=1), size)[:lags]
    energy = np.concatenate(([0.0], np.cumsum((tail**2).sum(axis=1))))
    windows = energy[n:n + lags] - energy[:lags]
    r = dots / np.sqrt(np.maximum(windows * float((head**2).sum()), 1e-300))
    best = int(np.argmax(r))
    if r[best] < TONAL:
        return 0, float(r[search])
    return best - search, float(r[best])


def loop_blocks(source: Iterator[np.ndarray], shape: LoopShape, info: dict | None = None) -> Iterator[np.ndarray]:
    """The loop cut from ``source`` (blocks (n, ch) of a render of ``shape.render_frames``
    frames), as float32 blocks. ``info``, if given, receives ``frames`` (the loop's length,
    ``shape.frames + d``), ``offset`` d and ``correlation`` r (at the phase search's best)."""
    x_len, p, n = shape.crossfade, shape.search, shape.frames
    body_end = n - p  # frames before this stream straight through
    head: list[np.ndarray] = []
    tail: list[np.ndarray] = []
    at = 0
    for block in source:
        lo, hi = at, at + len(block)
        at = hi
        if lo < x_len:
            head.append(block[:x_len - lo])
        a, b = max(lo, x_len), min(hi, body_end)
        if a < b:
            yield block[a - lo:b - lo]
        if hi > body_end:
            tail.append(block[max(0, body_end - lo):])
    if at != shape.render_frames:
        raise ValueError(f"loop source gave {at} frames, expected {shape.render_frames}")
    h = np.concatenate(head).astype(np.float64)
    t = np.concatenate(tail).astype(np.float64)
    q = shape.phase
    d, r = _best_offset(h, t[p - q:p + q + x_len], q)
    g_in, g_out = crossfade_gains(x_len, r)
    if r < TONAL:
        d = _quiet_offset(t, g_out, p)
    if info is not None:
        info.update(frames=n + d, offset=d, correlation=r)
    yield t[:p + d].astype(np.float32)
    yield (h * g_in[:, None] + t[p + d:p + d + x_len] * g_out[:, None]).astype(np.float32)
