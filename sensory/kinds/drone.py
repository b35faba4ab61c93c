"""The drone: a soft, slowly moving pad as a tonal ground."""

from __future__ import annotations

import numpy as np

from ..core.levels import NOMINAL_RMS
from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from . import kind

_TABLE = 4096  # points per wavetable cycle, read without interpolation: phase error <= 1/8192 cycle
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

    The partial mix changes slowly, so each ear reads a one-cycle wavetable
    rebuilt about every 85 ms (a power-of-two number of frames, at fixed
    absolute frames) and crossfaded linearly between rebuilds; the phase is
    integrated per sample.
    """

    cost = 3.0  # CPU per second of audio against a noise layer, measured at 48 kHz

    channels = 2
    nominal_level = NOMINAL_RMS  # the pad's RMS in each ear

    def __init__(self, params: DroneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        k = params.partials
        self._harmonic = np.arange(1.0, k + 1)
        offsets = rng.uniform(0, 1, (2, k))  # per-ear phase of each partial, cycles
        x = np.arange(_TABLE) / _TABLE
        self._basis = np.ascontiguousarray(
            np.sin(2 * np.pi * (x[None, :, None] * self._harmonic + offsets[:, None, :])), np.float32)  # (2, T, k)
        self._swell_rate = params.movement * rng.uniform(0.6, 1.4, k)  # Hz
        self._swell_phase = rng.uniform(0, 1, k)
        self._shift = int(round(np.log2(sample_rate / 12)))  # grid of 2**shift frames, about 85 ms
        self._phase = np.zeros(2)  # cycles, left and right
        self._cache: dict[int, np.ndarray] = {}

    def _tables(self, g0: int, g1: int) -> list[np.ndarray]:
        """Wavetables of both ears at grid points g0..g1 (frame g << shift), each float32 (2, T)."""
        missing = [g for g in range(g0, g1 + 1) if g not in self._cache]
        if missing:
            p, sr = self.params, self.sample_rate
            t = np.array(missing, np.float64) * ((1 << self._shift) / sr)
            swell = 0.6 + 0.4 * np.sin(2 * np.pi * (np.outer(t, self._swell_rate) + self._swell_phase))  # (m, k)
            weight = self._harmonic ** -(2.0 - 1.5 * np.asarray(p.brightness(t))[:, None])  # 1/h^2 .. 1/sqrt(h)
            top = np.asarray(p.freq(t))[:, None] * self._harmonic * np.exp2(p.detune.highest / 1200)
            weight = np.where(top < 0.45 * sr, weight, 0.0)  # no partial at or above Nyquist
            amp = swell * weight * (self.nominal_level / np.sqrt(_SWELL_MS * 0.5 * (weight ** 2).sum(axis=1, keepdims=True)))
            for g, a in zip(missing, amp):
                self._cache[g] = self._basis @ a.astype(np.float32)  # (2, T): the same shapes every time
        tables = [self._cache[g] for g in range(g0, g1 + 1)]
        self._cache = {g: v for g, v in self._cache.items() if g >= g1}
        return tables

    def _render(self, n: int) -> np.ndarray:
        p, sr, shift = self.params, self.sample_rate, self._shift
        root = np.asarray(self.value(p.freq, n), np.float64)
        spread = np.exp2(np.asarray(self.value(p.detune, n), np.float64) / 1200)
        g0 = self.frame >> shift
        g1 = ((self.frame + n - 1) >> shift) + 1
        tables = self._tables(g0, g1)
        frames = np.arange(self.frame, self.frame + n)
        w = ((frames & ((1 << shift) - 1)) * (1.0 / (1 << shift))).astype(np.float32)
        edges = [0] + [((g0 + k) << shift) - self.frame for k in range(1, g1 - g0)] + [n]
        out = np.empty((n, 2), np.float32)
        for ear, ratio in enumerate((1 / spread, spread)):
            inc = np.empty(n + 1)
            inc[0] = self._phase[ear]
            inc[1:] = root * ratio / sr
            phase = np.cumsum(inc)
            self._phase[ear] = phase[n]
            index = ((phase[:n] - np.floor(phase[:n])) * _TABLE).astype(np.int64) & (_TABLE - 1)
            for k in range(len(edges) - 1):  # one grid cell at a time: tables k and k + 1
                a0, a1 = edges[k], edges[k + 1]
                i = index[a0:a1]
                a = tables[k][ear].take(i)
                out[a0:a1, ear] = a + (tables[k + 1][ear].take(i) - a) * w[a0:a1]
        return out
