"""SBaGen's voices at SBaGen's own ranges and levels, for schedules read from ``.sbg`` files.

Sensory's own kinds keep gentle ranges (beats 0.5-40 Hz, carriers up to 1500 Hz); an
imported schedule plays what SBaGen plays, so its voices are these kinds, whose ranges
are SBaGen's, declared once here. Every level is SBaGen's amplitude ``amp`` (0-100 in a
well-made file, more allowed) on SBaGen's scale, measured from SBaGen 1.4.4's output
(``bench/sbagen_compare.py``): at ``amp = 100`` and 0 dB layer gain a tone peaks at full
scale in each ear and a noise has an RMS of :data:`NOISE_RMS_100`. SBaGen interpolates
amplitudes linearly, so ``amp`` is linear and follows a curve's ``lin`` ramps exactly.

* ``sbagen-tone``: SBaGen's ``C+B/A``, ``C-B/A``, ``C/A`` and ``waveNN:C+B/A``: the left
  ear at ``carrier + beat/2``, the right at ``carrier - beat/2`` (SBaGen's sign: a
  positive beat puts the higher tone on the LEFT); ``wave`` is a waveform's samples;
* ``sbagen-noise``: ``pink/A`` (and sensory's ``white/A``, ``brown/A``), the same noise
  in both ears as in SBaGen, and ``spin:W+B/A``: the noise delayed by ``+d`` in one ear
  and ``-d`` in the other, ``d = width * sin(2 pi beat t)`` (SBaGen's spinning noise);
* ``sbagen-bell``: ``bell+F/A``, a sine struck at each listed time that loses a twelfth
  of its amplitude every 50 ms (about 15 dB/s), each strike replacing the last.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..core.params import Automatable, Params, TimeValue, param
from ..core.unit import Unit
from ..dsp.noise import SBAGEN_PINK, NoiseSource
from ..dsp.phasor import BeatPhasor, Phasor, cycles, sine, sine_frames
from . import kind

__all__ = ["BELL_STEP_KEEP", "BELL_STEP_S", "COMPENSATION_LIMITS", "MAX_WAVE_SAMPLES", "NOISE_RMS_100", "SPIN_MAX_SAMPLES", "TONE_PEAK_100",
           "compensation_fits", "wave_table"]

TONE_PEAK_100 = 1.0  # peak of a tone at amp 100 (SBaGen: full scale)
NOISE_RMS_100 = 0.1544  # RMS of SBaGen's pink noise at amp 100, measured (0.0617 at 40, 0.1388 at 90)
SPIN_MAX_SAMPLES = 127  # SBaGen limits the spin's delay swing to 127 samples
BELL_STEP_S = 0.05  # a bell's envelope steps every 50 ms ...
BELL_STEP_KEEP = 11 / 12  # ... keeping eleven twelfths (measured: 0.400, 0.3665, 0.3357, ...)
_BELL_STEPS = 120  # steps until a strike is below -90 dB of its start: done
_TABLE = 4096  # samples in a waveform's table
MAX_WAVE_SAMPLES = _TABLE // 2  # samples a waveform may list
MAX_AMP = 1000.0


COMPENSATION_LIMITS = "up to 64 points of 0-96000 Hz with factors 0-100"


def compensation_fits(points: tuple[tuple[float, float], ...]) -> bool:
    """Whether SBaGen's ``-c`` points (Hz, factor) lie within :data:`COMPENSATION_LIMITS` (NaN never does)."""
    return len(points) <= 64 and all(0 <= f <= 96000 and 0 <= k <= 100 for f, k in points)


def _amp(default: float) -> Automatable:
    return param(default, ge=0, le=MAX_AMP, help="SBaGen amplitude: 100 is SBaGen's full scale")


def wave_table(samples: tuple[float, ...]) -> np.ndarray:
    """One cycle (float64, :data:`_TABLE` points, peak 1) of SBaGen's waveform ``samples``:
    rescaled to 0..1, followed by its negative (so the cycle has no DC), band-limited by
    periodic sinc interpolation (done in the frequency domain)."""
    v = np.asarray(samples, np.float64)
    v = (v - v.min()) / (v.max() - v.min())
    cycle = np.concatenate([v, -v])
    spectrum = np.fft.rfft(cycle)
    out = np.zeros(_TABLE // 2 + 1, complex)
    keep = len(cycle) // 2 + 1  # up to the cycle's own Nyquist harmonic
    out[:keep] = spectrum[:keep]
    out[keep - 1] *= 0.5  # the Nyquist harmonic, shared between its two sides
    table = np.fft.irfft(out, _TABLE) * (_TABLE / len(cycle))
    table -= 0.5 * (table.max() + table.min())
    return table / np.abs(table).max()


class ToneParams(Params):
    carrier: Automatable = param(200.0, unit="Hz", ge=-20000, le=20000, audible=True,
                                 help="centre frequency (SBaGen slides may take it below 0)")
    beat: Automatable = param(10.0, unit="Hz", ge=-1000, le=1000,
                              help="difference between the ears; positive puts the higher tone on the LEFT "
                                   "(SBaGen's 200+10), 0 is one tone in both ears")
    amp: Automatable = _amp(17.8)
    wave: tuple[float, ...] = Field((), description="one cycle's samples of a waveform (SBaGen's waveNN); "
                                                    "empty: a sine")

    compensation: tuple[tuple[float, float], ...] = Field(
        (), description="SBaGen's -c: (Hz, factor) points; each ear's amplitude is multiplied by the factor at its "
                        "frequency, interpolated linearly and held beyond the first and last point")

    @field_validator("compensation", mode="after")
    @classmethod
    def _points(cls, points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        if not compensation_fits(points):
            raise ValueError(COMPENSATION_LIMITS)
        return tuple(sorted(points))

    @field_validator("wave", mode="after")
    @classmethod
    def _a_shape(cls, wave: tuple[float, ...]) -> tuple[float, ...]:
        if wave and not all(math.isfinite(v) for v in wave):
            raise ValueError("a waveform's samples are finite numbers")
        if wave and (len(wave) < 2 or max(wave) == min(wave) or len(wave) > MAX_WAVE_SAMPLES):
            raise ValueError(f"a waveform needs 2 to {MAX_WAVE_SAMPLES} samples, not all equal")
        return wave


@kind("sbagen-tone", family="tone", params=ToneParams)
class SbagenTone(Unit):
    """SBaGen's binaural or plain tone: left ear carrier + beat/2, right ear carrier - beat/2.

    With a waveform, the higher ear plays it forward and the lower one backward, as SBaGen
    does. The level is SBaGen's amplitude: 100 peaks at full scale.
    """

    channels = 2
    nominal_level = TONE_PEAK_100 * 0.178  # the default amp's peak: the nominal sine

    def __init__(self, params: ToneParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._ears = BeatPhasor(sample_rate)
        self._table = wave_table(params.wave).astype(np.float32) if params.wave else None
        self._boost = np.array(params.compensation, np.float64).T if params.compensation else None

    def _render(self, n: int) -> np.ndarray:
        p = self.params
        amp = self.value(p.amp, n)
        if np.ndim(amp) == 0 and amp == 0:  # a slot held off: only the phases move on
            self._ears.skip(p.carrier, p.beat, 0.5, self.frame, n)
            return np.zeros((n, 2), np.float32)
        ears = self._ears.follow(p.carrier, p.beat, 0.5, self.frame, n)  # (2, n) words: left, right
        if self._table is None:
            out = sine_frames(ears)
        else:
            higher = np.greater_equal(self.value(p.beat, n), 0)  # the higher ear plays the waveform forward
            left, right = ears
            out = np.stack([self._lookup(np.where(higher, left, -left)),
                            self._lookup(np.where(higher, -right, right))], axis=1)
        level = np.asarray(amp, np.float32) * np.float32(TONE_PEAK_100 / 100)
        out *= level[:, None] if level.ndim else level
        if self._boost is not None:  # -c: each ear by the factor at its own frequency
            at, factor = self._boost
            carrier, half = self.value(p.carrier, n), np.multiply(self.value(p.beat, n), 0.5)
            out *= np.stack([np.broadcast_to(np.interp(np.abs(f), at, factor), (n,))
                             for f in (np.add(carrier, half), np.subtract(carrier, half))], axis=1).astype(np.float32)
        return out

    def _lookup(self, phase: np.ndarray) -> np.ndarray:
        x = cycles(phase) * _TABLE
        i = x.astype(np.int64)
        frac = (x - i).astype(np.float32)
        t = self._table
        return t[i] * (1 - frac) + t[(i + 1) % _TABLE] * frac


class NoiseParams(Params):
    color: Literal["pink", "white", "brown"] = param("pink", help="noise colour (SBaGen has pink)")
    amp: Automatable = _amp(81.6)
    width: Automatable = param(0.0, unit="us", ge=0, le=20000,
                               help="spin: the largest delay from centre in each ear; 0 = still noise")
    beat: Automatable = param(4.0, unit="Hz", ge=-1000, le=1000, help="spin rate")


@kind("sbagen-noise", family="noise", params=NoiseParams)
class SbagenNoise(Unit):
    """SBaGen's noise: the same noise in both ears, or spinning (``width`` > 0).

    Spinning delays the noise by ``+d`` in the left ear and ``-d`` in the right, with
    ``d = width * sin(2 pi beat t)`` (at most 127 samples, as in SBaGen), read between
    samples by linear interpolation; the ears are heard a fixed 128 samples late.
    """

    channels = 2
    nominal_level = NOISE_RMS_100 * 0.816  # the default amp's RMS: the nominal level

    def __init__(self, params: NoiseParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        colour = SBAGEN_PINK if params.color == "pink" else params.color  # SBaGen's own pink
        self._noise = NoiseSource(colour, sample_rate, rng, channels=1, gain=NOISE_RMS_100 / 100)
        self._spin = Phasor(sample_rate)
        self._still = params.width.is_constant and params.width.values[0] == 0
        self._history = np.zeros(2 * SPIN_MAX_SAMPLES + 2)

    def _render(self, n: int) -> np.ndarray:
        y = self._noise.take(n)[:, 0]
        amp = np.asarray(self.value(self.params.amp, n), np.float64)
        if self._still:
            out = np.empty((n, 2), np.float32)
            np.multiply(y, amp, out=out[:, 0], casting="unsafe")  # in float64, rounded once to float32
            out[:, 1] = out[:, 0]
            return out
        h = len(self._history)
        x = np.concatenate([self._history, y])
        self._history = x[-h:]
        width = np.asarray(self.value(self.params.width, n), np.float64) * (1e-6 * self.sample_rate)
        d = np.clip(width, 0, SPIN_MAX_SAMPLES) * sine(self._spin.advance(self.value(self.params.beat, n), n))
        centre = np.arange(n) + (h - SPIN_MAX_SAMPLES - 1)  # 128 samples late: room for the swing either way
        ears = [self._read(x, centre, d), self._read(x, centre, -d)]
        return (np.stack(ears, axis=1) * (amp[:, None] if amp.ndim else amp)).astype(np.float32)

    @staticmethod
    def _read(x: np.ndarray, centre: np.ndarray, delay: np.ndarray) -> np.ndarray:
        """``x`` read ``delay`` samples (float) after each of the frames ``centre`` (int), between
        samples linearly; the fraction is the delay's own (exact), wherever the frame sits in a block."""
        whole = np.floor(delay)
        frac = delay - whole
        i = centre + whole.astype(np.int64)
        return x[i] * (1 - frac) + x[i + 1] * frac


class BellParams(Params):
    freq: float = param(440.0, unit="Hz", ge=0, le=20000, audible=True, help="pitch")
    amp: float = param(17.8, ge=0, le=MAX_AMP, help="SBaGen amplitude of the strike: 100 peaks at full scale")
    strikes: tuple[TimeValue, ...] = Field((0.0,), description="strike times (s); each replaces the last")

    @field_validator("strikes", mode="after")
    @classmethod
    def _in_order(cls, strikes: tuple[float, ...]) -> tuple[float, ...]:
        if any(t < 0 for t in strikes) or list(strikes) != sorted(strikes):
            raise ValueError("strike times are at or after 0 s, in order")
        return strikes


@kind("sbagen-bell", family="tone", params=BellParams)
class SbagenBell(Unit):
    """SBaGen's bell: a sine struck at each listed time, keeping 11/12 of its amplitude every 50 ms."""

    channels = 2
    nominal_level = TONE_PEAK_100 * 0.178  # a default strike's first peak

    def __init__(self, params: BellParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._strikes = np.asarray(params.strikes, np.float64)
        self._phase = Phasor(sample_rate)

    def _render(self, n: int) -> np.ndarray:
        tone = sine(self._phase.advance(self.params.freq, n))
        if not len(self._strikes):
            return np.zeros((n, 2), np.float32)
        t = (self.frame + np.arange(n)) / self.sample_rate
        k = np.searchsorted(self._strikes, t, side="right") - 1
        since = t - self._strikes[np.maximum(k, 0)]
        steps = np.clip(np.floor(since / BELL_STEP_S + 1e-9), 0, _BELL_STEPS)  # before a first strike: k < 0
        env = np.where((k >= 0) & (steps < _BELL_STEPS), BELL_STEP_KEEP ** steps, 0.0)
        y = (tone * (env * (self.params.amp * TONE_PEAK_100 / 100))).astype(np.float32)
        return np.stack([y, y], axis=1)
