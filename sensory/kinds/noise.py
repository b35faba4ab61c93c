"""Coloured noise beds."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..core.levels import NOMINAL_RMS
from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from ..dsp.noise import COLOURS, NoiseSource
from . import kind


class NoiseParams(Params):
    color: Literal[COLOURS] = param("pink", help="noise colour: white, pink (-3 dB/oct), brown (-6), blue (+3), violet (+6)")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width: 0 = the same in both ears, 1 = fully decorrelated")


@kind("noise", family="noise", params=NoiseParams)
class Noise(Unit):
    """Coloured noise with independent left and right streams.

    From two independent streams ``a`` and ``b`` of the colour, left = a and
    right = a*cos(theta) + b*sin(theta) with ``theta = width * pi/2``: the
    left-right correlation is ``cos(theta)`` (1 at width 0, 0 at width 1) and the
    level never changes.
    """

    channels = 2
    nominal_level = NOMINAL_RMS  # RMS in each ear

    def __init__(self, params: NoiseParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._noise = NoiseSource(params.color, sample_rate, rng, channels=2, gain=np.float32(self.nominal_level))

    def _render(self, n: int) -> np.ndarray:
        y = self._noise.take(n)
        width = self.value(self.params.width, n)
        if np.ndim(width) == 0 and width == 1:
            return y
        theta = np.asarray(width, np.float64) * (np.pi / 2)
        c = np.where(width >= 1, 0.0, np.cos(theta)).astype(np.float32)
        s = np.sin(theta).astype(np.float32)
        return np.stack([y[:, 0], y[:, 0] * c + y[:, 1] * s], axis=1)
