"""Water: rain, stream and ocean.

Sources: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 35-38 (bubbles,
running water, rain; drop as a 0.5 ms percussive impact on a resonant
surface); K. van den Doel, "Physically based models for liquid sounds", ACM
Trans. Applied Perception 2(4), 2005 (Minnaert pitch ``f0 = 3/r``, damping
``d = 0.13/r + 0.0072 r^-1.5``, rising chirp ``f0 (1 + xi d t)``); the
ocean's asymmetric swell / break / wash envelope and the cutoff that follows
the swell are from ``notes/nature-synthesis.md`` ("Ocean").
"""

from __future__ import annotations

import numpy as np

from ..dsp.control import Wander, drift, wander_sum
from ..dsp.grains import OverlapAdd, impulse_train, poisson_times
from ..dsp.pan import equal_power
from ..dsp.spectral import SpectralFrames
from ..params import Automatable, Params, param
from . import kind
from .texture import Texture, band, pink

__all__ = ["Rain", "Stream", "Ocean", "bubble", "onset_ramp"]


def onset_ramp(n: int, sample_rate: int, seconds: float = 0.0004) -> np.ndarray:
    """A raised-cosine rise over ``seconds`` then 1: float64 (n,). Every grain starts with one (no clicks)."""
    k = max(2, int(seconds * sample_rate))
    r = np.ones(n)
    r[:k] = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
    return r


def bubble(radius_m: float, n: int, sample_rate: int, rise: float = 0.1) -> np.ndarray:
    """One Minnaert bubble (van den Doel 2005): float64 (n,), peak about 1.

    Pitch ``3/r`` Hz rising as ``f0 (1 + rise d t)``, amplitude ``exp(-d t)``
    with ``d = 0.13/r + 0.0072 r^-1.5`` per second.
    """
    f0 = 3.0 / radius_m
    d = 0.13 / radius_m + 0.0072 * radius_m ** -1.5
    t = np.arange(n) / sample_rate
    f = np.minimum(f0 * (1 + rise * d * t), 0.45 * sample_rate)
    phase = np.cumsum(f) / sample_rate
    tail = max(2, n // 3)
    end = np.ones(n)
    end[-tail:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return np.sin(2 * np.pi * phase) * np.exp(-d * t) * onset_ramp(n, sample_rate, 0.003) * end


def _modes(rng, n, sample_rate, freqs, decays, gains) -> np.ndarray:
    """Damped sines (a struck resonant surface) after a short noise impact; float64 (n,)."""
    t = np.arange(n) / sample_rate
    y = np.zeros(n)
    for f, tau, g in zip(freqs, decays, gains):
        y += g * np.sin(2 * np.pi * min(f, 0.45 * sample_rate) * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    hit = rng.standard_normal(n) * np.exp(-t / 0.0005)
    tail = n // 4
    end = np.ones(n)
    end[-tail:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return (0.7 * y + 0.5 * hit) * onset_ramp(n, sample_rate) * end


def _normalise(bank: np.ndarray) -> np.ndarray:
    """Grains (variants, samples) scaled to peak 1, float32."""
    return (bank / (np.abs(bank).max(axis=1, keepdims=True) + 1e-12)).astype(np.float32)


def _stereo(pan: np.ndarray, gain: np.ndarray) -> np.ndarray:
    left, right = equal_power(pan)
    return np.stack([left * gain, right * gain], axis=1)


def _widen(x: np.ndarray, width) -> np.ndarray:
    """Narrow a stereo frame towards mono: ``width`` 1 leaves it, 0 gives the mid in both ears."""
    if np.ndim(width) == 0 and width == 1.0:
        return x
    w = np.asarray(width, np.float32)
    w = w[:, None] if w.ndim else w
    mid = (x[:, :1] + x[:, 1:]) * np.float32(0.5)
    return mid + (x - mid) * w


# ---------------------------------------------------------------- rain

class RainParams(Params):
    intensity: Automatable = param(0.5, ge=0, le=1, help="0 drizzle .. 1 downpour: drops per second and bed level")
    leaves: Automatable = param(1.0, ge=0, le=1, help="share of drops hitting leaves")
    roof: Automatable = param(0.0, ge=0, le=1, help="share of drops hitting a roof (harder, ringing ticks)")
    puddles: Automatable = param(0.3, ge=0, le=1, help="share of drops falling into water (bubble plinks)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 close .. 1 far: fewer near drops, darker")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width: 1 = independent left and right streams")


_SURFACES = 3  # leaves, roof, puddles
_PER_SURFACE = 24


@kind("rain", family="nature", params=RainParams)
class Rain(Texture):
    """Rain: drops ringing leaves, roof or puddles over a shaped bed; independent left and right.

    Dense patter is a Poisson impulse train through the surfaces' resonances
    (shaped per hop); near drops are grains (leaf taps, roof ticks, Minnaert
    bubbles for drops into water) with their own pitch, gain and place.
    Drop rate 200-2700 /s (Farnell ch. 38; ~1733 /s in benjaminvanesser/upshot).
    """

    def __init__(self, params: RainParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        high_pass = f / (f + 60.0) * pink(f)
        self._log2f = lf
        self._hp = high_pass
        self._surface = np.stack([  # resonance of each surface under the patter: (3, bins)
            band(lf, 2200, 1.0) + 0.15 * band(lf, 6000, 0.5) + 0.4 * band(lf, 700, 0.8),
            band(lf, 1100, 0.25) + 0.8 * band(lf, 2300, 0.2) + 0.6 * band(lf, 4200, 0.3) + 0.5 * band(lf, 180, 0.5),
            band(lf, 1800, 0.6) + 0.3 * band(lf, 500, 0.8),
        ]) * high_pass
        self._slow = wander_sum(rng, 0.02, 4)
        self._gusts = wander_sum(rng, 0.6, 2)
        g = np.random.default_rng(rng.integers(2**63))
        n = int(0.06 * sample_rate)
        bank = []
        for _ in range(_PER_SURFACE):  # leaves: light taps, 1.5-5 kHz, 3-12 ms
            f0 = g.uniform(1500, 5000)
            bank.append(_modes(g, n, sample_rate, [f0, f0 * g.uniform(1.5, 2.3)], g.uniform(0.003, 0.012, 2), [1, 0.5]))
        for _ in range(_PER_SURFACE):  # roof: ringing ticks and a dull thump
            f0 = g.uniform(1800, 4500)
            bank.append(_modes(g, n, sample_rate, [f0, f0 * g.uniform(1.3, 1.7), g.uniform(100, 220)],
                               [g.uniform(0.015, 0.04), g.uniform(0.008, 0.02), 0.01], [1, 0.6, 0.8]))
        for _ in range(_PER_SURFACE):  # puddles: a bubble after the impact
            y = 0.3 * _modes(g, n, sample_rate, [g.uniform(600, 1500)], [0.002], [1])
            lag = int(g.uniform(0.001, 0.004) * sample_rate)
            y[lag:] += bubble(g.uniform(0.0009, 0.003), n - lag, sample_rate)
            bank.append(y)
        self._bank = _normalise(np.array(bank))
        self._ola = OverlapAdd(self.size, n)

    def _frame(self) -> np.ndarray:
        p, k, hop, sr = self.params, self.HOPS, self.hop, self.sample_rate
        t = self.hop_times()
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        swell = (1.0 + 0.35 * drift(self._slow, t)) * np.exp(0.35 * drift(self._gusts, t))
        rng = self.rng
        # bed: a broad hump that darkens with distance
        centre = (1500.0 * 2.0 ** (-1.5 * dist))[:, None]
        bed = band(self._log2f, centre, 3.0) * self._hp * ((0.5 + 1.2 * inten) * swell)[:, None]
        # patter: dense impulses ringing the surfaces
        weights = np.stack([self.per_hop(p.leaves), self.per_hop(p.roof), 0.3 * self.per_hop(p.puddles)], axis=1)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-3)
        rate = (200.0 + 2500.0 * inten ** 1.5) * swell
        starts = poisson_times(rng, rate * hop / sr, hop)
        amp = rng.lognormal(0.0, 0.7, len(starts)) * (sr / 48000.0)  # same power per Hz at any rate
        train = impulse_train(self.size, starts, _stereo(rng.uniform(-1, 1, len(starts)), amp))
        patter = (weights @ self._surface) * (2.0 ** (-2.0 * dist[:, None] * np.maximum(self._log2f - 11, 0)))
        patter *= (1.5 / np.sqrt(rate + 50.0))[:, None]
        spectra = self._shaper.noise(k) * bed[:, None, :].astype(np.float32)
        spectra += self._shaper.impulse_spectra(train) * patter[:, None, :].astype(np.float32)
        out = self._shaper.synthesize(spectra)
        # near drops: grains with their own surface, pitch, gain and place
        near = (2.0 + 12.0 * inten) * (1.0 - 0.85 * dist)
        starts = poisson_times(rng, near * hop / sr, hop)
        e = len(starts)
        if e:
            w = weights[starts // hop]
            surface = (rng.random(e)[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, _SURFACES - 1)
            variant = surface * _PER_SURFACE + rng.integers(0, _PER_SURFACE, e)
            gain = rng.lognormal(-0.5, 0.6, e) * 0.2
            self._ola.grains(starts, self._bank, variant, _stereo(rng.uniform(-0.9, 0.9, e), gain))
        out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(0.35)


# ---------------------------------------------------------------- stream

class StreamParams(Params):
    flow: Automatable = param(0.5, ge=0, le=1, help="flow rate: sets the bubble rate and the gurgle")
    size: Automatable = param(0.5, ge=0, le=1, help="0 small bright bubbles .. 1 large deep ones")
    distance: Automatable = param(0.2, ge=0, le=1, help="0 at the bank .. 1 far: fewer bubbles, darker")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_BUBBLES = 96


@kind("stream", family="nature", params=StreamParams)
class Stream(Texture):
    """A babbling brook: clouds of Minnaert bubbles over gurgling, resonant water noise.

    Bubbles follow van den Doel (2005): radii drawn from a power law,
    ``f0 = 3/r``, rising chirp, exponential decay, 40-600 per second from
    ``flow`` (van den Doel: hundreds to thousands per second). The bed is
    noise through resonances wandering in 0.5-2 kHz, the spectral form of
    jmcc's "babbling brook" (RHPF of brown noise with wandering cutoffs,
    notes "Stream"), with a shared gurgle envelope.
    """

    def __init__(self, params: StreamParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f / (f + 40.0)
        self._peaks = [Wander(rng, r) for r in (3.0, 4.3, 5.9)]
        self._gurgle = wander_sum(rng, 0.5, 4)
        self._slow = wander_sum(rng, 0.01, 4)
        g = np.random.default_rng(rng.integers(2**63))
        radii = np.sort(0.0007 * (6.0 ** g.random(_BUBBLES)))  # 0.7-4.2 mm (4.3 kHz-710 Hz), log-uniform
        n = int(0.05 * sample_rate)
        self._bank = _normalise(np.array([bubble(r, n, sample_rate, rise=g.uniform(0.05, 0.15)) for r in radii]))
        self._ola = OverlapAdd(self.size, n)

    def _frame(self) -> np.ndarray:
        p, k, hop, sr, rng = self.params, self.HOPS, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        flow = self.per_hop(p.flow)
        dist = self.per_hop(p.distance)
        size = self.per_hop(p.size)
        gurgle = np.exp(1.1 * drift(self._gurgle, t) + 0.2 * drift(self._slow, t))
        centres = [900.0 * 2.0 ** (0.9 * w.at(t) + 0.6 * (size - 0.5) * -1) for w in self._peaks]
        shape = 0.25 * band(self._log2f, 250.0, 1.5)
        for c in centres:
            shape = shape + band(self._log2f, c[:, None], 0.12)
        shape = shape + 0.3 * band(self._log2f, 3500.0 * 2.0 ** (-dist[:, None]), 1.0)
        bed = shape * self._tilt * ((0.15 + 0.35 * flow) * gurgle)[:, None]
        out = self._shaper.synthesize(self._shaper.noise(k) * bed[:, None, :].astype(np.float32))
        rate = (30.0 + 250.0 * flow ** 1.5) * (1.0 - 0.7 * dist) * gurgle
        starts = poisson_times(rng, rate * hop / sr, hop)
        e = len(starts)
        if e:
            bias = np.clip(size[starts // hop], 0.02, 0.98)
            variant = (_BUBBLES * rng.random(e) ** ((1 - bias) / bias)).astype(np.int64).clip(0, _BUBBLES - 1)
            variant = _BUBBLES - 1 - variant  # small bubbles (high index after flip) favoured when size is low
            gain = rng.lognormal(-1.0, 0.8, e) * 0.2
            self._ola.grains(starts, self._bank, variant, _stereo(rng.uniform(-0.95, 0.95, e), gain))
        out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(0.8)


# ---------------------------------------------------------------- ocean

class OceanParams(Params):
    intensity: Automatable = param(0.6, ge=0, le=1, help="wave size: 0 lapping .. 1 heavy surf")
    period: Automatable = param(9.0, unit="s", ge=4, le=20, help="mean time between waves (each jittered)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 at the waterline .. 1 far: darker, less foam")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


@kind("ocean", family="nature", params=OceanParams)
class Ocean(Texture):
    """Surf: wave events with a slow swell, a fast break and a long wash, over a low rumble.

    Two overlapping wave generators, each wave with its own jittered period
    (6-12 s at the default), height and place in the field; the low-pass
    cutoff follows the swell (about 300 Hz in the trough to 2-4 kHz at the
    crash), foam is high-passed fizz at the crest (notes "Ocean").
    """

    def __init__(self, params: OceanParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._f = f
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f / (f + 30.0)
        self._rumble = band(self._log2f, 60.0, 1.3) * self._tilt
        self._foam = band(self._log2f, 5000.0, 1.0) * self._tilt
        self._waves: list[tuple[float, float, float, float]] = []  # (start s, height, period s, pan)
        period = float(params.period(0.0))
        self._next = [-rng.uniform(0.3, 0.9) * period, -rng.uniform(0.0, 0.5) * period + period]

    def _schedule(self, until: float) -> None:
        p = self.params
        for i in range(2):
            while self._next[i] < until:
                start = self._next[i]
                period = float(p.period(max(start, 0.0))) * self.rng.uniform(0.67, 1.33)
                height = self.rng.uniform(0.4, 1.0)
                self._waves.append((start, height, period, self.rng.uniform(-0.7, 0.7)))
                self._next[i] = start + 2.0 * period

    def _frame(self) -> np.ndarray:
        p, k, rng = self.params, self.HOPS, self.rng
        t = self.hop_times()
        self._schedule(t[-1] + 1.0)
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        swell = np.zeros((k, 2))
        crash = np.zeros((k, 2))
        keep = []
        for start, height, period, pan in self._waves:
            x = t - start
            rise = 0.45 * period
            up = np.clip(x / rise, 0.0, 1.0)
            after = np.maximum(x - rise, 0.0)
            s = np.where(x < rise, up ** 2 * (3 - 2 * up), np.exp(-after / (0.35 * period)))
            c = np.where(x < rise, up ** 8, np.exp(-after / 1.2) * (1.0 - np.exp(-after / 0.08) * 0.0))
            lr = np.array(equal_power(pan), np.float64) * np.sqrt(2.0)
            swell += height * s[:, None] * lr
            crash += height * c[:, None] * lr
            if x[-1] < rise + 6 * period:
                keep.append((start, height, period, pan))
        self._waves = keep
        level = (0.3 + 0.7 * inten)[:, None]
        swell *= level
        crash *= level
        cutoff = 300.0 + 3000.0 * np.clip(swell + 1.5 * crash, 0, 2) * (1.0 - 0.6 * dist[:, None])  # (k, 2)
        body = 1.0 / np.sqrt(1.0 + (self._f / cutoff[:, :, None]) ** 4) * self._tilt
        fizz = rng.lognormal(0.0, 0.5, (k, 2))[:, :, None]
        mag = (self._rumble * (0.35 + 0.3 * swell[:, :, None])
               + body * (0.15 + swell + 1.5 * crash)[:, :, None]
               + self._foam * (crash * (1.0 - 0.8 * dist[:, None]))[:, :, None] * fizz)
        out = self._shaper.synthesize(self._shaper.noise(k) * mag.astype(np.float32))
        return _widen(out, self.per_sample(p.width)) * np.float32(0.24)
