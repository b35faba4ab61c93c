"""Seamless loops: the crossfade at the wrap, and the phase it follows for tones.

A loop of about ``N`` frames is cut from a render ``x`` of ``N + X + q`` frames (``X``
the crossfade, ``q`` the phase search). It is the circle

    z = x[X : N + d]  ++  x[0 : X] * g_in + x[N + d : N + d + X] * g_out

Both joins are natural continuations of the render: ``x[N+d-1] -> x[N+d]`` where the
crossfade begins (``g_out`` starts at 1) and ``x[X-1] -> x[X]`` at the wrap (``g_in``
ends at 1). That is the loop of a bed; the events of an event texture ring on across the
wrap instead of fading (:mod:`sensory.output.fold`, which renders and cuts every loop).

*Matched phase.* Within the crossfade the head and the tail sound together.
For noise they are uncorrelated and an equal-power fade keeps the level; for
tones a fade between two out-of-phase copies cancels, and no fade can fix
that. So when the tail best matches the head within ``PHASE_S`` — the normalized
cross-correlation ``r`` of head and tail windows is highest — and that match is
tonal (``r >= TONAL``), the length moves by ``d`` to follow the phase. The gains follow the
correlation-aware law ``g_in^2 + g_out^2 + 2 r g_in g_out = 1`` (constant
power: for unit-power signals a, b of correlation ``r`` the mean square of
``a g_in + b g_out`` is exactly that sum): equal power at ``r = 0``, equal
amplitude (linear) at ``r = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft

__all__ = ["PHASE_S", "TONAL", "LoopShape", "crossfade_gains", "phase_offset"]

TONAL = 0.5  # head/tail correlation above which the loop length follows the phase
PHASE_S = 0.1  # s: the phase search, either way


@dataclass(frozen=True)
class LoopShape:
    """Frames of a loop: ``frames`` wanted, ``crossfade`` X and ``phase`` q (the tones' search).

    ``render_frames`` is how much of the render the loop consumes.
    """

    frames: int
    crossfade: int
    phase: int

    @classmethod
    def for_length(cls, frames: int, sample_rate: int, crossfade_s: float = 2.0) -> LoopShape:
        """Crossfade of ``crossfade_s`` seconds (at most a quarter of the loop) and a phase
        search of +-``PHASE_S`` seconds (at most a tenth of it)."""
        crossfade = max(1, min(round(crossfade_s * sample_rate), frames // 4))
        phase = max(0, min(round(PHASE_S * sample_rate), frames // 10))
        return cls(frames, crossfade, phase)

    @property
    def render_frames(self) -> int:
        return self.frames + self.crossfade + self.phase


def crossfade_gains(n: int, r: float) -> tuple[np.ndarray, np.ndarray]:
    """(g_in, g_out), each (n,) float64, for head/tail correlation ``r`` (clipped to 0..1)."""
    theta = (np.arange(n) + 0.5) / n * (np.pi / 2)
    p_in, p_out = np.sin(theta), np.cos(theta)
    r = float(np.clip(r, 0.0, 1.0))
    norm = np.sqrt(p_in**2 + p_out**2 + 2 * r * p_in * p_out)
    return p_in / norm, p_out / norm


def phase_offset(head: np.ndarray, tail: np.ndarray, search: int) -> tuple[int, float]:
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
