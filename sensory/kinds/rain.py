"""Rain: drops ringing leaves, a roof or puddles over a shaped bed.

Sources: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 38 "Rain" (a drop as a 0.5 ms
percussive impact on a resonant surface; 200-2700 drops a second); drops into water ring as
Minnaert bubbles (:mod:`sensory.dsp.bubbles`, after K. van den Doel, 2005). docs/nature.md
describes the kind and how it was measured against recordings.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.bubbles import bubble
from ..dsp.control import Drift
from ..dsp.grains import OverlapAdd, end_taper, grain_lengths, impulse_train, onset_ramp, peak_normalised, poisson_times
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import Texture, band, pink

__all__ = ["Rain"]


def _modes(rng, n, sample_rate, freqs, decays, gains, impact: float = 0.0005) -> np.ndarray:
    """Damped sines (a struck resonant surface) after a noise impact decaying in ``impact`` s; float64 (n,)."""
    t = np.arange(n) / sample_rate
    y = np.zeros(n)
    for f, tau, g in zip(freqs, decays, gains):
        y += g * np.sin(2 * np.pi * min(f, 0.45 * sample_rate) * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    hit = rng.standard_normal(n) * np.exp(-t / impact)
    return (0.7 * y + 0.5 * hit) * onset_ramp(n, sample_rate) * end_taper(n, n // 4)


class RainParams(Params):
    intensity: Automatable = param(0.5, ge=0, le=1, help="0 drizzle .. 1 downpour: drops per second and bed level")
    leaves: Automatable = param(1.0, ge=0, le=1, help="share of drops hitting leaves")
    roof: Automatable = param(0.0, ge=0, le=1, help="share of drops hitting a roof (harder, ringing ticks)")
    puddles: Automatable = param(0.3, ge=0, le=1, help="share of drops falling into water (bubble plinks)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 close .. 1 far: fewer near drops, darker")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width: 1 = independent left and right streams")


_SURFACES = 3  # leaves, roof, puddles; then big drops
_PER_SURFACE = 24


@kind("rain", family="nature", params=RainParams)
class Rain(Texture):
    """Rain: drops ringing leaves, roof or puddles over a shaped bed; independent left and right.

    Dense patter is a Poisson impulse train through the surfaces' resonances
    (shaped per hop); near drops are grains (leaf taps, roof ticks, Minnaert
    bubbles for drops into water) with their own pitch, gain and place; about
    one a second a big, close drop (a heavy drop off a leaf or a gutter drip)
    stands out of the bed, as in recordings of real rain. Drop rate 200-2700 /s
    (A. Farnell, *Designing Sound*, MIT Press 2010, ch. 38). Spectral shapes
    follow the controls once per frame, levels once per hop.
    """

    cost = 4.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.22  # make-up gain: the bed near the level, the big drops under full scale

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
        self._slow = Drift(rng, 0.02, 4)
        self._gusts = Drift(rng, 0.6, 2)
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
        for _ in range(_PER_SURFACE):  # big drops: a heavy splat on a broad leaf or a drip into a gutter
            f0 = g.uniform(500, 1600)
            y = _modes(g, n, sample_rate, [f0, f0 * g.uniform(1.6, 2.6), g.uniform(2500, 5000)],
                       [g.uniform(0.008, 0.025), g.uniform(0.004, 0.012), 0.002], [1, 0.5, 0.4], impact=0.0015)
            if g.random() < 0.4:
                lag = int(g.uniform(0.001, 0.003) * sample_rate)
                y[lag:] += 0.7 * bubble(g.uniform(0.002, 0.004), n - lag, sample_rate)
            bank.append(y)
        self._bank = peak_normalised(np.array(bank))
        self._lengths = grain_lengths(self._bank)
        self._ola = OverlapAdd(self.size, n)

    def _frame(self) -> np.ndarray:
        p, k, hop, sr, rng = self.params, self.HOPS, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        swell = (1.0 + 0.35 * self._slow.at(t)) * np.exp(0.35 * self._gusts.at(t))
        weights = np.stack([self.per_hop(p.leaves), self.per_hop(p.roof), 0.3 * self.per_hop(p.puddles)], axis=1)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-3)
        # shapes at the frame's middle hop: the bed, a broad hump that darkens with distance,
        # and the surfaces under the patter
        d = dist[k // 2]
        bed = band(self._log2f, 1200.0 * 2.0 ** (-1.5 * d), 3.0) * self._hp
        surfaces = (weights[k // 2] @ self._surface) * 2.0 ** (-2.0 * d * np.maximum(self._log2f - 11, 0))
        # patter: dense impulses ringing the surfaces
        rate = (200.0 + 2500.0 * inten ** 1.5) * swell
        starts = poisson_times(rng, rate * hop / sr, hop)
        amp = rng.lognormal(0.0, 0.7, len(starts)) * (sr / 48000.0)  # same power per Hz at any rate
        train = impulse_train(self.size, starts, place(rng.uniform(-1, 1, len(starts)), amp))
        spectra = self._shaper.shaped(np.multiply.outer((0.5 + 1.2 * inten) * swell, bed))
        patter = np.multiply.outer(1.5 / np.sqrt(rate + 50.0), surfaces).astype(np.float32)
        spectra += self._shaper.impulse_spectra(train) * patter[:, None, :]
        out = self._shaper.synthesize(spectra)
        # near drops: grains with their own surface, pitch, gain and place; rarer big ones
        near = (2.0 + 12.0 * inten) * (1.0 - 0.85 * dist)
        big = (0.8 + 2.0 * inten) * (1.0 - 0.9 * dist)
        starts = poisson_times(rng, near * hop / sr, hop)
        loud = poisson_times(rng, big * hop / sr, hop)
        e = len(starts)
        if e + len(loud):
            w = weights[starts // hop]
            surface = (rng.random(e)[:, None] > np.cumsum(w, axis=1)).sum(axis=1).clip(0, _SURFACES - 1)
            surface = np.concatenate([surface, np.full(len(loud), _SURFACES)])
            variant = surface * _PER_SURFACE + rng.integers(0, _PER_SURFACE, len(surface))
            gain = rng.lognormal(-0.5, 0.6, len(surface)) * 0.2
            gain[e:] = rng.lognormal(0.0, 0.3, len(loud)) * 2.5 * (1.0 - 0.7 * dist[loud // hop])
            self._ola.grains(np.concatenate([starts, loud]), self._bank, variant,
                             place(rng.uniform(-0.9, 0.9, len(surface)), gain), self._lengths)
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))

