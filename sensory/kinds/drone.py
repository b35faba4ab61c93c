"""The drone: a soft, slowly moving pad as a tonal ground."""

from __future__ import annotations

import numpy as np

from ..params import Automatable, Params, param
from ..unit import Unit
from . import kind

_LEVEL = 0.126  # the pad's RMS at 0 dB gain: -18 dBFS (each ear)
_TABLE = 2048  # points per wavetable cycle
_GRID = 2048  # frames between wavetable updates (absolute frame multiples)
_SWELL_MS = 0.44  # mean square of the swell 0.6 + 0.4 sin(.)


class DroneParams(Params):
    freq: Automatable = param(110.0, unit="Hz", ge=30, le=1000, audible=True, help="root of the pad")
    partials: int = param(4, ge=1, le=6, help="number of harmonic partials (1 = a plain tone)")
    detune: Automatable = param(6.0, unit="cents", ge=0, le=40,
                                help="how far each ear's voice is tuned from the root, opposite ways")
    brightness: Automatable = param(0.4, ge=0, le=1, help="0: upper partials faint, 1: strong")
    movement: float = param(0.05, unit="Hz", ge=0.005, le=1,
                            help="average rate of the slow swelling of each partial")


@kind("drone", family="tone", params=DroneParams)
class Drone(Unit):
    """Soft pad: a few harmonic partials, slowly swelling, detuned between the ears.

    Each ear hears the partials of its own voice, tuned ``detune`` cents below
    (left) or above (right) the root, so the pad is wide and gently chorused.
    Every partial swells at its own slow rate (around ``movement`` Hz, drawn
    from the layer's seed), so the sound moves without a rhythm.

    The partial mix changes slowly, so each ear reads a wavetable of one cycle
    rebuilt every 2048 frames (at fixed absolute frames) and crossfaded
    linearly between rebuilds; the phase is integrated per sample.
    """

    channels = 2

    def __init__(self, params: DroneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        k = params.partials
        self._harmonic = np.arange(1.0, k + 1)
        offsets = rng.uniform(0, 1, (2, k))  # per-ear phase of each partial, cycles
        x = np.arange(_TABLE + 1) / _TABLE  # one cycle, wrapped point included for interpolation
        self._basis = np.sin(2 * np.pi * (x[None, :, None] * self._harmonic + offsets[:, None, :]))  # (2, T+1, k)
        self._swell_rate = params.movement * rng.uniform(0.6, 1.4, k)  # Hz
        self._swell_phase = rng.uniform(0, 1, k)
        self._phase = np.zeros(2)  # cycles, left and right

    def _tables(self, grid: np.ndarray) -> np.ndarray:
        """Wavetables at grid points (absolute frame indices / _GRID), shape (2, len(grid), T+1)."""
        p, sr = self.params, self.sample_rate
        t = grid * (_GRID / sr)
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * (np.outer(t, self._swell_rate) + self._swell_phase))  # (g, k)
        bright = np.asarray(p.brightness(t)).reshape(-1, 1)
        weight = self._harmonic ** -(2.0 - 1.5 * bright)  # (g, k): from 1/h^2 (dark) to 1/sqrt(h)
        top = np.asarray(p.freq(t)).reshape(-1, 1) * self._harmonic * np.exp2(p.detune.highest / 1200)
        weight = np.where(top < 0.45 * sr, weight, 0.0)  # no partial at or above Nyquist
        amp = swell * weight * (_LEVEL / np.sqrt(_SWELL_MS * 0.5 * (weight ** 2).sum(axis=1, keepdims=True)))
        return np.einsum("etk,gk->egt", self._basis, amp)

    def _render(self, n: int) -> np.ndarray:
        p, sr = self.params, self.sample_rate
        root = np.asarray(self.value(p.freq, n), np.float64)
        spread = np.exp2(np.asarray(self.value(p.detune, n), np.float64) / 1200)
        inc = np.empty((n + 1, 2))
        inc[0] = self._phase
        inc[1:, 0] = root / spread / sr
        inc[1:, 1] = root * spread / sr
        phase = np.cumsum(inc, axis=0)
        self._phase = phase[n]
        position = (phase[:n] - np.floor(phase[:n])) * _TABLE
        index = np.minimum(position.astype(np.int32), _TABLE - 1)
        frac = (position - index).astype(np.float32)
        g0 = self.frame // _GRID
        tables = self._tables(np.arange(g0, (self.frame + n - 1) // _GRID + 2)).astype(np.float32)  # (2, g, T+1)
        frames = np.arange(self.frame, self.frame + n)
        cell = (frames // _GRID - g0).astype(np.int32) * (_TABLE + 1)
        w = ((frames % _GRID) * (1.0 / _GRID)).astype(np.float32)
        out = np.empty((n, 2), np.float32)
        for ear in range(2):
            flat = tables[ear].ravel()
            base = cell + index[:, ear]
            f = frac[:, ear]
            a0, a1 = flat.take(base), flat.take(base + 1)
            b0, b1 = flat.take(base + (_TABLE + 1)), flat.take(base + (_TABLE + 2))
            a = a0 + (a1 - a0) * f
            out[:, ear] = a + (b0 + (b1 - b0) * f - a) * w
        return out
