"""The drone: a soft, slowly moving pad as a tonal ground."""

from __future__ import annotations

import numpy as np

from ..params import Automatable, Params, param
from ..unit import Unit
from . import kind

_PARTIALS = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])  # harmonic numbers of the pad's partials
_LEVEL = 0.126  # the pad's RMS at 0 dB gain: -18 dBFS (each ear)


class DroneParams(Params):
    freq: Automatable = param(110.0, unit="Hz", ge=30, le=1000, audible=True, help="root of the pad")
    partials: int = param(4, ge=1, le=6, help="number of harmonic partials (1 = a plain tone)")
    detune: Automatable = param(6.0, unit="cents", ge=0, le=40,
                                help="spread between the two voices of each partial (chorus-like warmth)")
    brightness: Automatable = param(0.4, ge=0, le=1, help="0: upper partials faint, 1: strong")
    movement: float = param(0.05, unit="Hz", ge=0.005, le=1,
                            help="average rate of the slow swelling of each partial")


@kind("drone", family="tone", params=DroneParams)
class Drone(Unit):
    """Soft pad: a few harmonic partials, each two detuned voices, slowly swelling.

    Voices of each partial go one to each ear, so the pad is wide. Every
    partial swells at its own slow rate (around ``movement`` Hz, drawn from
    the layer's seed), so the sound moves without a rhythm.
    """

    channels = 2

    def __init__(self, params: DroneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        k = params.partials
        self._harmonic = _PARTIALS[:k]
        self._phase = rng.uniform(0, 1, 2 * k)  # cycles: voice phases, left voices then right
        self._swell_rate = params.movement * rng.uniform(0.6, 1.4, k)  # Hz
        self._swell_phase = rng.uniform(0, 1, k)

    def _render(self, n: int) -> np.ndarray:
        p, sr = self.params, self.sample_rate
        root = np.asarray(self.value(p.freq, n), np.float64).reshape(-1, 1)
        spread = np.exp2(np.asarray(self.value(p.detune, n), np.float64).reshape(-1, 1) / 2400.0)
        bright = np.asarray(self.value(p.brightness, n), np.float64).reshape(-1, 1)
        h = self._harmonic
        freqs = np.concatenate([root * h / spread, root * h * spread], axis=1)  # (n or 1, 2k)
        freqs = np.where(freqs < sr / 2, freqs, 0.0)
        inc = np.empty((n + 1, 2 * len(h)))
        inc[0] = self._phase
        inc[1:] = freqs / sr
        phase = np.cumsum(inc, axis=0)
        self._phase = phase[n]
        voices = np.sin(2 * np.pi * (phase[:n] - np.floor(phase[:n])))
        t = (self.frame + np.arange(n)) / sr
        # swell in 0.2..1, mean square 0.44; each ear is a sum of k sines: RMS^2 = 0.44 * sum(amp^2) / 2
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * (np.outer(t, self._swell_rate) + self._swell_phase))  # (n, k)
        weight = h ** -(2.0 - 1.5 * bright)  # (n or 1, k): roll-off from 1/h^2 (dark) to 1/sqrt(h)
        amp = swell * weight / np.sqrt((weight ** 2).sum(axis=1, keepdims=True) * 0.22) * _LEVEL
        k = len(h)
        left = (voices[:, :k] * amp).sum(axis=1)
        right = (voices[:, k:] * amp).sum(axis=1)
        return np.stack([left, right], axis=1).astype(np.float32)
