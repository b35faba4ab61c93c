"""Pure tones and beat tones. Frequencies are integrated into phase sample by sample."""

from __future__ import annotations

import numpy as np

from ..dsp.phasor import Phasor, sine
from ..params import Automatable, Params, param
from ..unit import Unit
from . import kind

_AMPLITUDE = np.float32(0.178)  # a sine at -18 dBFS RMS


class ToneParams(Params):
    freq: Automatable = param(440.0, unit="Hz", ge=1, le=96000, audible=True, help="frequency")


@kind("tone", family="tone", params=ToneParams)
class Tone(Unit):
    """A sine tone with an automatable frequency."""

    def __init__(self, params: ToneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._phase = Phasor(sample_rate)

    def _render(self, n: int) -> np.ndarray:
        return sine(self._phase.advance(self.value(self.params.freq, n), n)) * _AMPLITUDE


class BeatParams(Params):
    carrier: Automatable = param(200.0, unit="Hz", ge=40, le=1500, audible=True,
                                 help="centre frequency between the two tones")
    beat: Automatable = param(10.0, unit="Hz", ge=-40, le=40,
                              help="difference between the ears; negative puts the higher tone on the left")


@kind("binaural", family="tone", params=BeatParams)
class BinauralBeat(Unit):
    """Binaural beat: left ear carrier - beat/2, right ear carrier + beat/2.

    A positive ``beat`` puts the higher tone in the right ear. Each ear's
    frequency is integrated into its own phase, so slides are exact and
    continuous.
    """

    channels = 2

    def __init__(self, params: BeatParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._left = Phasor(sample_rate)
        self._right = Phasor(sample_rate)

    def _render(self, n: int) -> np.ndarray:
        carrier = self.value(self.params.carrier, n)
        half = np.multiply(self.value(self.params.beat, n), 0.5)
        left = sine(self._left.advance(np.subtract(carrier, half), n))
        right = sine(self._right.advance(np.add(carrier, half), n))
        return np.stack([left, right], axis=1) * _AMPLITUDE
