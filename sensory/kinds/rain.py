"""Rain: a field of drop impacts around the listener, near ones sparse and sharp, far ones a wash.

Sources: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 38 "Rain" (a drop as a
sub-millisecond impact on a resonant surface; hundreds to thousands of drops a second);
K. van den Doel, "Physically based models for liquid sounds", ACM Transactions on Applied
Perception 2(4), 2005 (a drop into water rings as a Minnaert bubble after its impact,
:mod:`sensory.dsp.bubbles`); A. Prosperetti and H. N. Oguz, "The impact of drops on liquid
surfaces and the underwater noise of rain", Annual Review of Fluid Mechanics 25, 1993 (the
impact's short pressure pulse, then the bubble). docs/nature.md describes the kind and how it
was measured against recordings.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.bubbles import bubble
from ..dsp.control import Drift, Wander
from ..dsp.grains import (
    OverlapAdd,
    end_taper,
    grain_lengths,
    onset_ramp,
    peak_normalised,
    poisson_times,
)
from ..dsp.iir import SparseDecay, lfilter
from ..dsp.minphase import minimum_phase
from ..dsp.pan import equal_power
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import Texture, band, pink

__all__ = ["Rain"]


class RainParams(Params):
    intensity: Automatable = param(0.5, ge=0, le=1, help="0 drizzle .. 1 downpour: drops per second and level")
    leaves: Automatable = param(1.0, ge=0, le=1, help="share of drops hitting leaves")
    roof: Automatable = param(0.0, ge=0, le=1, help="share of drops hitting a roof (harder, ringing ticks)")
    puddles: Automatable = param(0.3, ge=0, le=1, help="share of drops falling into water (bubble plinks)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 close .. 1 far: fewer near drops, darker")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width: 1 = independent left and right streams")


_SURFACES = 3  # leaves, roof, puddles; then big drops
_PER_SURFACE = 24
_IMPACT_S = 0.0006  # an impact's decay (s)
_ITD_S = 0.0007  # the largest delay between the ears (a drop to one side)
_LARGEST = 2.5  # the nearest resolved drop, times the farthest (the Pareto law's range)
_NEAR = 3.5  # the nearest drops' grains: peak against the field's RMS


def _sos(kind_: str, hz, sample_rate: int):
    """A biquad (b, a) from R. Bristow-Johnson's "Audio EQ Cookbook": ``kind_`` 'low' (Q 0.71,
    cutoff ``hz``), 'high' (likewise) or 'band' (``hz`` = (low, high) edges, 0 dB peak at their
    geometric mean); frequencies kept under 0.45 of the sample rate."""
    if kind_ == "band":
        lo, hi = (min(float(v), 0.45 * sample_rate) for v in hz)
        f0, q = np.sqrt(lo * hi), np.sqrt(lo * hi) / max(hi - lo, 1.0)
    else:
        f0, q = min(float(hz), 0.45 * sample_rate), np.sqrt(0.5)
    w = 2 * np.pi * f0 / sample_rate
    alpha, c = np.sin(w) / (2 * q), np.cos(w)
    if kind_ == "low":
        b = np.array([(1 - c) / 2, 1 - c, (1 - c) / 2])
    elif kind_ == "high":
        b = np.array([(1 + c) / 2, -(1 + c), (1 + c) / 2])
    else:
        b = np.array([alpha, 0.0, -alpha])
    return b, np.array([1 + alpha, -2 * c, 1 - alpha])


def _noise_burst(rng, n: int, sample_rate: int, decay_s: float, sos=None) -> np.ndarray:
    """White noise decaying as ``exp(-t / decay_s)``, then (causally) filtered: float64 (n,)."""
    t = np.arange(n) / sample_rate
    x = rng.standard_normal(n) * np.exp(-t / decay_s)
    return lfilter(*sos, x) if sos is not None else x


def _drop(rng, n: int, sample_rate: int, surface: int) -> np.ndarray:
    """One near drop: float64 (n,). The impact is a noise burst of a few tenths of a millisecond;
    the surface answers with a heavily damped body (a leaf, a roof's tick and thump, the water's
    slap and then a Minnaert bubble) and the drop's spray of droplets, a short hiss."""
    sr = sample_rate
    t = np.arange(n) / sr
    hit = _noise_burst(rng, n, sr, rng.uniform(0.0002, 0.0006), _sos("low", rng.uniform(5000, 8000), sr))
    spray = _noise_burst(rng, n, sr, rng.uniform(0.003, 0.009), _sos("band", [1800, rng.uniform(4500, 6500)], sr))
    if surface == 0:  # leaf: a dull, quickly damped pat around 400-1200 Hz
        f = rng.uniform(400, 1200)
        body = _noise_burst(rng, n, sr, rng.uniform(0.002, 0.005), _sos("band", [f / 1.6, f * 1.6], sr))
        y = hit + 1.2 * body + 0.35 * spray
    elif surface == 1:  # roof: a hard tick, a short ring at 2-5 kHz and a thump of the boards
        f = rng.uniform(2000, 5000)
        ring = np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / rng.uniform(0.0015, 0.004))
        thump = _noise_burst(rng, n, sr, rng.uniform(0.004, 0.009), _sos("band", [80, rng.uniform(220, 400)], sr))
        y = 1.2 * hit + 0.35 * ring + 1.5 * thump + 0.2 * spray
    elif surface == 2:  # water: the slap of the impact, then (most times) a bubble of 0.7-2 mm
        y = 0.8 * hit + 0.3 * spray
        if rng.random() < 0.7:
            lag = int(rng.uniform(0.002, 0.006) * sr)
            y[lag:] += 0.6 * bubble(rng.uniform(0.0007, 0.002), n - lag, sr)
    else:  # a big drop off the canopy or a gutter: a fuller splat at 300-900 Hz, a longer spray
        f = rng.uniform(300, 900)
        body = _noise_burst(rng, n, sr, rng.uniform(0.004, 0.01), _sos("band", [f / 1.7, f * 1.7], sr))
        y = hit + 1.5 * body + 0.5 * _noise_burst(rng, n, sr, rng.uniform(0.008, 0.02),
                                                   _sos("band", [1500, 5000], sr))
    return y * onset_ramp(n, sr) * end_taper(n, n // 4)


def _pareto(rng, largest: np.ndarray) -> np.ndarray:
    """Amplitudes of drops spread evenly over the ground around the listener: a drop at distance
    ``r`` is heard ``1/r`` loud and there are ``r dr`` of them, so ``P(a > x) ~ x^-2``; truncated
    to ``1 .. largest`` (the nearest drops). float64 of the shape of ``largest``."""
    u = rng.random(np.shape(largest))
    return (1.0 - u * (1.0 - largest ** -2.0)) ** -0.5


def _mean_square(largest: np.ndarray) -> np.ndarray:
    """``E[a^2]`` of :func:`_pareto`'s amplitudes: ``2 ln M / (1 - M^-2)``."""
    return 2.0 * np.log(largest) / (1.0 - largest ** -2.0)


@kind("rain", family="nature", params=RainParams)
class Rain(Texture):
    """Rain: the impacts of drops all around, heard one by one near and as a wash far away.

    Drops land evenly on the ground around the listener, so their loudness falls as 1/r while
    their number grows as r: amplitudes follow ``P(a > x) ~ x^-2`` (a Pareto law), a few near
    drops loud and distinct, ever more far ones ever quieter until they merge. The resolved
    field is a Poisson train of impacts (80-980 a second with intensity), each a noise burst
    of its own decaying in 0.6 ms (a splash is chaotic: no two drops sound alike), through
    the causal (minimum-phase) response of the surfaces they hit (leaves, roof, water), heard
    in the ear it falls nearer to first (up to 0.7 ms); the far field is noise with their
    spectrum, darker with distance, over a low rumble; the nearest drops (a few to a few dozen a second) are
    grains of their own: an impact of a few tenths of a millisecond, the surface's damped answer, a
    short spray, a Minnaert bubble for drops into water; about one a second a big drop off the
    canopy or a gutter. Farnell, *Designing Sound* (2010) ch. 38; van den Doel (2005);
    Prosperetti and Oguz (1993). Spectral shapes follow the controls once per frame, rates
    and levels once per hop.
    """

    events = True  # the nearest drops: stopped by events_until
    cost = 2.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.09  # make-up gain: the field a few dB under the nominal level, its nearest drops under full scale

    def __init__(self, params: RainParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        self._log2f = lf
        tilt = pink(f) * f / (f + 80.0) / np.sqrt(1.0 + (f / 14000.0) ** 4)  # per octave; 80 Hz .. 11 kHz
        self._tilt = tilt
        surfaces = np.stack([  # an impact on each surface, magnitude per bin: (3, bins)
            band(lf, 2600, 1.4) + 0.5 * band(lf, 700, 0.9),  # leaves: a broad pat
            band(lf, 3200, 1.0) + 0.5 * band(lf, 6000, 0.7) + 0.6 * band(lf, 250, 0.8),  # roof: tick and thump
            band(lf, 1600, 1.3) + 0.4 * band(lf, 4000, 1.0),  # water: the slap
        ]) * tilt
        surfaces /= self._power(surfaces)[:, None]
        self._surfaces = np.stack([minimum_phase(s) for s in surfaces]).astype(np.complex64)
        self._slow = Drift(rng, 0.02, 4)
        self._gusts = Drift(rng, 0.6, 2)
        self._drifts = Wander.joined(self._slow.parts, self._gusts.parts)  # both read in one call
        g = np.random.default_rng(rng.integers(2**63))
        n = int(0.05 * sample_rate)
        bank = [_drop(g, n, sample_rate, s) for s in range(_SURFACES + 1) for _ in range(_PER_SURFACE)]
        self._bank = peak_normalised(np.array(bank))
        self._lengths = grain_lengths(self._bank)
        self._ola = OverlapAdd(self.size, n)
        self._itd = _ITD_S * sample_rate
        # impacts: noise under an envelope that jumps at each drop and decays in 0.6 ms, so every
        # drop is a burst with a waveform of its own
        self._noise = rng.spawn(1)[0].bit_generator  # uniform int16 noise, two channels interleaved
        self._pole = np.exp(-1.0 / (_IMPACT_S * sample_rate))
        self._envelope = SparseDecay(self._pole, self.size)
        self._shapes_for = None  # the distance the cached shapes were drawn for

    def _power(self, magnitude: np.ndarray) -> np.ndarray:
        """RMS of magnitudes (..., bins) as power per Hz over 0-24 kHz: the same at any sample rate."""
        width = self.sample_rate / (2.0 * self.hop)  # Hz per bin
        return np.sqrt((magnitude ** 2).sum(axis=-1) * width / 24000.0)

    def _shapes_at(self, d: float) -> tuple[np.ndarray, np.ndarray]:
        """At distance ``d``: the darkening of every impact and the far drops' magnitude of unit
        power, float32 (bins,) each; kept while the distance holds."""
        if self._shapes_for != d:
            self._shapes_for = d
            dark = 2.0 ** (-0.3 * d * np.maximum(self._log2f - 11, 0))  # distance takes the top off
            # far drops: their spectrum, darker again, and the low rumble of rain on the ground
            far = band(self._log2f, 1800.0 * 2.0 ** (-1.5 * d), 3.2) * dark * 2.0 ** (
                -0.2 * d * np.maximum(self._log2f - 10, 0))
            far = (far + 0.5 * band(self._log2f, 70.0, 1.2)) * self._tilt
            self._shapes = dark.astype(np.float32), (far / self._power(far)).astype(np.float32)
        return self._shapes

    def _impacts(self, starts: np.ndarray, gains: np.ndarray, pans: np.ndarray) -> np.ndarray:
        """The frame's impacts, float32 (size, 2): drop ``e`` a noise burst of unit energy per unit
        gain from ``starts[e]`` with ``gains[e]``, placed at ``pans[e]`` by level and by arriving
        later at the farther ear."""
        left, right = equal_power(pans)
        lag = np.rint(np.abs(pans) * self._itd).astype(np.int64)
        at_left = np.minimum(starts + np.where(pans > 0, lag, 0), self.size - 1)
        at_right = np.minimum(starts + np.where(pans < 0, lag, 0), self.size - 1)
        b = np.sqrt(1.0 - self._pole ** 2) * np.sqrt(3.0) / 32768.0  # unit energy under the noise's int16
        bursts = self._envelope(np.concatenate([at_left, at_right]), np.repeat([0, 1], len(starts)),
                                np.concatenate([left * gains, right * gains]) * b)
        bursts *= self._noise.random_raw(self.size // 2).view(np.int16).reshape(self.size, 2)
        return bursts

    def _frame(self) -> np.ndarray:
        p, k, hop, sr, rng = self.params, self.HOPS, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        drifts = self._drifts.at(t)
        swell = (1.0 + 0.3 * self._slow.summed(drifts[:4])) * np.exp(0.35 * self._gusts.summed(drifts[4:]))
        weights = np.stack([self.per_hop(p.leaves), self.per_hop(p.roof), 0.3 * self.per_hop(p.puddles)], axis=1)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-3)
        dark, far = self._shapes_at(dist[k // 2])
        level = (0.5 + 1.0 * inten) * swell  # RMS of the whole field, per hop
        wash = np.clip(0.2 + 0.2 * inten + 0.3 * dist, 0.0, 0.9)  # the far drops' share of the power
        spectra = self._shaper.shaped(np.multiply.outer((level * np.sqrt(wash)).astype(np.float32), far))
        # resolved drops: a Poisson train of impacts with Pareto amplitudes through the surfaces
        rate = (80.0 + 900.0 * inten ** 1.3) * np.sqrt(swell)
        largest = _LARGEST * (1.0 - 0.6 * dist)
        starts = poisson_times(rng, rate * hop / sr, hop)
        h = starts // hop
        gain = level * np.sqrt((1.0 - wash) * 48000.0 / (rate * _mean_square(largest))) * (sr / 48000.0)
        amp = _pareto(rng, largest[h]) * gain[h]
        train = self._impacts(starts, amp, rng.uniform(-1, 1, len(starts)))
        shape = (weights[k // 2] @ self._surfaces) * dark
        impacts = self._shaper.impulse_spectra(train)
        impacts *= shape
        spectra += impacts
        out = self._shaper.synthesize(spectra)
        # the nearest drops: grains with their own surface, gain and place; rarer big ones
        near = rate * largest ** -2.0 * 0.1
        big = (0.6 + 1.2 * inten) * (1.0 - 0.9 * dist)
        starts = poisson_times(rng, near * hop / sr, hop)
        loud = poisson_times(rng, big * hop / sr, hop)
        e = len(starts)
        if e + len(loud):
            w = weights[starts // hop]
            surface = (rng.random(e)[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, _SURFACES - 1)
            surface = np.concatenate([surface, np.full(len(loud), _SURFACES)])
            variant = surface * _PER_SURFACE + rng.integers(0, _PER_SURFACE, len(surface))
            at = np.concatenate([starts, loud]) // hop
            gain = level[at] * _NEAR * rng.lognormal(0.0, 0.25, len(surface))
            gain = gain * self.sounds(self.start + np.concatenate([starts, loud]))
            self._ola.grains(np.concatenate([starts, loud]), self._bank, variant,
                             place(rng.uniform(-0.9, 0.9, len(surface)), gain), self._lengths)
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))
