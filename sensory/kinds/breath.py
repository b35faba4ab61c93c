"""The breathing pacer: a sound that rises with the in-breath and falls with the out-breath."""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..core.levels import NOMINAL_RMS, SINE_PEAK, db_to_gain
from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from ..dsp.noise import Colour, WhiteSource
from ..dsp.phasor import Phasor, cycles, sine
from . import kind

class BreathParams(Params):
    inhale: Automatable = param(5.0, unit="s", ge=1, le=20, help="seconds of breathing in (the sound rises)")
    hold_in: Automatable = param(0.0, unit="s", ge=0, le=20, help="seconds of holding after the in-breath")
    exhale: Automatable = param(5.0, unit="s", ge=1, le=20, help="seconds of breathing out (the sound falls)")
    hold_out: Automatable = param(0.0, unit="s", ge=0, le=20, help="seconds of resting after the out-breath")
    sound: Literal["tone", "noise"] = param("tone", help="tone: a soft tone rising and falling in pitch; "
                                                        "noise: a swell of soft noise, brightening on the in-breath")
    freq: Automatable = param(220.0, unit="Hz", ge=60, le=1000, audible=True,
                              help="pitch of the tone at the bottom of the breath")
    rise: Automatable = param(5.0, unit="semitones", ge=0, le=12, help="how far the tone rises at the top of the breath")
    floor_db: Automatable = param(-18.0, unit="dB", ge=-60, le=0, help="level at the bottom of the breath, "
                                                                       "relative to the top")


def breath_level(position: np.ndarray, inhale, hold_in, exhale, hold_out) -> np.ndarray:
    """The pacer's shape, 0 (lungs empty) to 1 (lungs full), at cycle positions in [0, 1).

    The cycle is inhale, hold_in, exhale, hold_out (seconds, floats or arrays shaped
    like ``position``); the rise and the fall are raised cosines, smooth at both ends.
    """
    f32 = np.float32
    inhale, hold_in, exhale, hold_out = (np.asarray(x, f32) for x in (inhale, hold_in, exhale, hold_out))
    t = position.astype(f32) * (inhale + hold_in + exhale + hold_out)  # seconds into the cycle
    top = inhale + hold_in
    level = np.where(t < top, np.minimum(t / inhale, f32(1)), np.maximum(f32(1) - (t - top) / exhale, f32(0)))
    return f32(0.5) - f32(0.5) * np.cos(f32(np.pi) * level)


@kind("breath", family="guide", params=BreathParams)
class BreathPacer(Unit):
    """Breathing pacer: a gentle tone or noise swell to breathe along with.

    The breath clock is a phase integrated from 1 / (inhale + hold_in + exhale
    + hold_out), like an oscillator's, so a pattern that changes over the
    session (10 slowing to 6 breaths a minute) stays continuous. A cycle of
    10 s (5 s in, 5 s out) is 6 breaths a minute, the pace of heart-rate
    variability biofeedback (P. M. Lehrer and R. Gevirtz, "Heart rate
    variability biofeedback: how and why does it work?", Frontiers in
    Psychology 5, 2014). The unit is mono; ``pan`` places it.
    """

    cost = 1.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    nominal_level = SINE_PEAK  # the tone's peak at the top of the breath
    nominal_noise_level = NOMINAL_RMS  # the noise's RMS at the top of the breath

    def __init__(self, params: BreathParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._cycle = Phasor(sample_rate)
        if params.sound == "tone":
            self._tone = Phasor(sample_rate)
        else:
            self._white = WhiteSource(rng, channels=1)
            self._dark = Colour("brown", sample_rate)
            self._bright = Colour("pink", sample_rate)

    def level(self, n: int) -> np.ndarray:
        """Advance the breath clock by ``n`` frames; the shape (0..1) at each, float32 (n,)."""
        p = self.params
        parts = [np.asarray(self.value(c, n), np.float64) for c in (p.inhale, p.hold_in, p.exhale, p.hold_out)]
        rate = 1.0 / (parts[0] + parts[1] + parts[2] + parts[3])
        return breath_level(cycles(self._cycle.advance(rate, n)), *parts)

    def _render(self, n: int) -> np.ndarray:
        p = self.params
        level = self.level(n)
        floor = db_to_gain(self.value(p.floor_db, n))
        gain = floor + (np.float32(1) - floor) * level
        if p.sound == "tone":
            rise = np.asarray(self.value(p.rise, n), np.float32) * np.float32(1 / 12)
            freq = np.asarray(self.value(p.freq, n), np.float32) * np.exp2(rise * level)  # float32 held or not
            return sine(self._tone.advance(freq, n)) * (gain * np.float32(self.nominal_level))
        white = self._white.take(n)
        y = self._dark(white)[:, 0] * (1 - level) + self._bright(white)[:, 0] * level
        return y * (gain * np.float32(self.nominal_noise_level))
