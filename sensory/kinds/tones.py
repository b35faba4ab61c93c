"""Pure tones and beat tones. Frequencies are integrated into phase sample by sample
(:mod:`~sensory.dsp.phasor`, in fixed point).

Ear convention for beat tones: the two tones sit at ``carrier - beat/2`` (left ear)
and ``carrier + beat/2`` (right ear). A positive ``beat`` puts the higher tone in
the right ear, a negative one in the left ear (SBaGen's ``200+10`` is ``beat = -10``).
"""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from ..core.curves import Curve
from ..core.levels import SINE_PEAK
from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from ..dsp.phasor import BeatPhasor, Phasor, cycles, sine, sine_frames
from . import kind


class ToneParams(Params):
    freq: Automatable = param(440.0, unit="Hz", ge=1, le=96000, audible=True, help="frequency")


@kind("tone", family="tone", params=ToneParams)
class Tone(Unit):
    """A sine tone with an automatable frequency."""

    nominal_level = SINE_PEAK  # the sine's peak
    def __init__(self, params: ToneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._phase = Phasor(sample_rate)

    def _render(self, n: int) -> np.ndarray:
        return sine(self._phase.advance(self.value(self.params.freq, n), n)) * np.float32(self.nominal_level)


MIN_BEAT = 0.5  # Hz; slower differences are heard as a drift, not a beat


class BeatParams(Params):
    carrier: Automatable = param(200.0, unit="Hz", ge=40, le=1500, audible=True,
                                 help="centre frequency between the two tones")
    beat: Automatable = param(10.0, unit="Hz", ge=-40, le=40,
                              help="difference between the ears, 0.5 to 40 Hz either sign; negative puts "
                                   "the higher tone on the left")

    @field_validator("beat", mode="after")
    @classmethod
    def _audible_beat(cls, beat: Curve) -> Curve:
        """Every breakpoint has |beat| >= 0.5 Hz, and no ramp passes through 0 Hz."""
        for i, v in enumerate(beat.values):
            where = f"[{i}] " if len(beat.values) > 1 else ""
            if abs(v) < MIN_BEAT:
                raise ValueError(f"{where}{v:g} Hz is too small a beat; use 0.5 to 40 Hz, or -0.5 to -40 Hz "
                                 "for the higher tone on the left")
            if i and beat.shapes[i] == "lin" and (v > 0) != (beat.values[i - 1] > 0):
                raise ValueError(f"{where}the ramp to {v:g} Hz passes through 0 Hz; change the sign with a "
                                 "'step' point instead")
        return beat


class _BeatPair(Unit):
    """Two tones at carrier - beat/2 and carrier + beat/2, their phases the carrier's and the half beat's
    difference and sum."""

    nominal_level = SINE_PEAK  # the peak of one tone heard alone in an ear (binaural); the pair's RMS is the same
    def __init__(self, params: BeatParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._pair_phase = BeatPhasor(sample_rate)

    def _ears(self, n: int) -> np.ndarray:
        """The phase words of the lower-beat tone and the higher-beat tone for the next ``n`` frames,
        int64 (2, n)."""
        # rows carrier + half: the lower first
        return self._pair_phase.follow(self.params.carrier, self.params.beat, -0.5, self.frame, n)


@kind("binaural", family="tone", params=BeatParams)
class BinauralBeat(_BeatPair):
    """Binaural beat: left ear carrier - beat/2, right ear carrier + beat/2.

    A positive ``beat`` puts the higher tone in the right ear. Each ear's
    frequency is integrated into its own phase, so slides are exact and
    continuous.
    """

    channels = 2

    def _render(self, n: int) -> np.ndarray:
        out = sine_frames(self._ears(n))
        out *= np.float32(self.nominal_level)
        return out


@kind("monaural", family="tone", params=BeatParams)
class MonauralBeat(_BeatPair):
    """Monaural beat: both tones of the beating pair in both ears, so it works on speakers.

    The tones sit at carrier - beat/2 and carrier + beat/2 and are summed
    before reaching the ears, so the beat is an audible loudness pulse at
    |beat| Hz. The unit is mono; ``pan`` places it.
    """

    def _render(self, n: int) -> np.ndarray:
        pair = sine(self._ears(n))
        return (pair[0] + pair[1]) * (np.float32(self.nominal_level) * np.float32(np.sqrt(0.5)))  # two tones, the RMS of one


class IsochronicParams(Params):
    carrier: Automatable = param(200.0, unit="Hz", ge=40, le=1500, audible=True, help="tone frequency")
    beat: Automatable = param(10.0, unit="Hz", ge=MIN_BEAT, le=40, help="pulse rate")
    duty: Automatable = param(0.5, ge=0.1, le=0.9, help="fraction of each pulse cycle that sounds")


@kind("isochronic", family="tone", params=IsochronicParams)
class IsochronicTone(Unit):
    """Isochronic tone: a carrier switched on and off `beat` times a second by smooth pulses.

    Each pulse is a raised cosine (Hann) shape lasting ``duty`` of the cycle,
    so the tone swells and fades without clicks. The pulse clock is a phase
    integrated from ``beat``, so rate changes stay continuous. Loudness is
    held steady as ``duty`` changes. Works on speakers; the unit is mono.
    """

    nominal_level = SINE_PEAK  # the peak of the steady tone whose RMS the pulses keep

    def __init__(self, params: IsochronicParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._tone = Phasor(sample_rate)
        self._pulse = Phasor(sample_rate)

    def _render(self, n: int) -> np.ndarray:
        tone = sine(self._tone.advance(self.value(self.params.carrier, n), n))
        cycle = self._pulse.advance(self.value(self.params.beat, n), n)
        duty = np.asarray(self.value(self.params.duty, n), np.float64)
        x = np.minimum(cycles(cycle) / duty, 1.0)
        # Hann pulse over [0, duty); mean square 3/8 * duty, normalised to the steady tone's level
        envelope = (0.5 - 0.5 * np.cos(x.astype(np.float32) * np.float32(2 * np.pi))) / np.sqrt(0.375 * duty)
        return tone * (envelope.astype(np.float32) * np.float32(self.nominal_level))
