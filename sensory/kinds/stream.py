"""Stream: a babbling brook of Minnaert bubbles and splashes over gurgling water noise.

Sources: K. van den Doel, "Physically based models for liquid sounds", ACM Transactions on
Applied Perception 2(4), 2005 (the bubbles, :mod:`sensory.dsp.bubbles`); A. Farnell,
*Designing Sound* (MIT Press, 2010), ch. 35-36 (bubbles, running water); the bed's form is
J. McCartney's SuperCollider example "babbling brook" (a resonant high-pass of brown noise
with wandering cutoffs); its surges are matched to the texture statistics of J. H. McDermott
and E. P. Simoncelli, Neuron 71, 2011. docs/nature.md gives the figures.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.bubbles import bubble
from ..dsp.control import Wander
from ..dsp.grains import OverlapAdd, end_taper, grain_lengths, onset_ramp, peak_normalised, poisson_times
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import BandTable, Texture, band, pink

__all__ = ["Stream"]


def _slap(rng, n: int, sample_rate: int) -> np.ndarray:
    """A splash's slap: noise decaying in 4-10 ms, band-limited around 1.2 kHz (0.7 octave) after
    it starts, so the band limit also shapes its rise (nothing above 6 kHz); float64 (n,)."""
    lead = int(0.004 * sample_rate)  # room for the band-pass to ring in before the noise starts
    t = np.arange(n - lead) / sample_rate
    x = np.zeros(n)
    x[lead:] = rng.standard_normal(n - lead) * np.exp(-t / rng.uniform(0.004, 0.01))
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    x = np.fft.irfft(np.fft.rfft(x) * band(np.log2(np.maximum(f, 1.0)), 1200.0, 0.7), n)
    return x * onset_ramp(n, sample_rate, 0.004) * end_taper(n, n // 4)


class StreamParams(Params):
    flow: Automatable = param(0.5, ge=0, le=1, help="flow rate: sets the bubble rate and the gurgle")
    size: Automatable = param(0.5, ge=0, le=1, help="0 small bright bubbles .. 1 large deep ones")
    distance: Automatable = param(0.2, ge=0, le=1, help="0 at the bank .. 1 far: fewer bubbles, darker, steadier")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_BUBBLES = 96
_BURST_S = 0.25  # longest burst: bubbles of one burst start within this span
_SLAPS = 16
_VOICES = 5  # bed voices with their own surge: three resonances, the low gurgle, the fizz
_SURGE_RATES = 2.0 ** np.arange(5)  # 1-16 Hz
_SURGE_NORM = 1.0 / (0.5 * np.sqrt(len(_SURGE_RATES)))  # each Wander has a standard deviation of about 0.5


@kind("stream", family="nature", params=StreamParams)
class Stream(Texture):
    """A babbling brook: bursts of Minnaert bubbles and splashes over gurgling, resonant water noise.

    Bubbles follow K. van den Doel, "Physically based models for liquid
    sounds" (ACM TAP 2(4), 2005): radii log-uniform in 0.85-4.3 mm
    (3.5 kHz-700 Hz), ``f0 = 3/r``, rising chirp, exponential decay, louder
    the larger they are. Real running water is intermittent: bubbles come in
    bursts (a pocket of air breaking up), 1.5-6 per second from ``flow``,
    each opening with a short band-limited slap (the onsets and the 25-28 dB
    crest factor of recordings) and holding 2-20 bubbles over 30-250 ms and
    a splash that lifts the bands around 2 kHz, over sparse single bubbles.
    The bed is noise through resonances wandering in 0.7-2.6 kHz (the
    spectral form of J. McCartney's SuperCollider example "babbling brook",
    a resonant high-pass of brown noise with wandering cutoffs), a low
    gurgle and a fizz.
    Each bed voice surges: its level is the exponential of smooth random
    signals at octave-spaced rates 1-16 Hz (half shared by all voices, half
    its own) over a slower tide, which gives the flat modulation spectrum,
    the envelope spread and cross-band correlation of recordings of pouring
    water (J. H. McDermott and E. P. Simoncelli's texture statistics, Neuron
    71, 2011). Distance steadies the surges; the bubbles stay below 6 kHz,
    so their onsets never click.
    """

    cost = 3.0  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.075  # make-up gain: the bursts' slaps under full scale, the bed well below the level

    def __init__(self, params: StreamParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        tilt = pink(f) * f / (f + 40.0)
        self._resonance = BandTable(self._log2f, 200.0, 4000.0, 0.25, tilt)
        self._fizz = band(self._log2f, 6000.0, 1.6) * tilt
        # fixed shapes: the low gurgle, the fizz (darkened with distance each frame) and the splash
        self._fixed = np.stack([band(self._log2f, 300.0, 1.5) * tilt, self._fizz,
                                band(self._log2f, 1800.0, 1.0) * tilt]).astype(np.float32)
        self._darkened = 0.0
        self._peaks = Wander(rng, [3.0, 4.3, 5.9])
        self._surge = Wander(rng, np.tile(_SURGE_RATES, _VOICES + 1))
        self._tide = Wander(rng, 0.2)
        self._bursts = np.zeros((0, 3))  # start s, height, decay s
        g = np.random.default_rng(rng.integers(2**63))
        radii = np.sort(0.00085 * (5.0 ** g.random(_BUBBLES)))  # 0.85-4.3 mm, log-uniform
        n = int(0.05 * sample_rate)
        bubbles = [bubble(r, n, sample_rate, rise=g.uniform(0.02, 0.05)) for r in radii]
        m = int(0.025 * sample_rate)
        slaps = [np.pad(_slap(g, m, sample_rate), (0, n - m)) for _ in range(_SLAPS)]
        self._bank = peak_normalised(np.array(bubbles + slaps))  # bubbles by radius, then the slaps
        self._loudness = (radii / radii.mean()) ** 0.75  # larger bubbles ring louder
        self._lengths = grain_lengths(self._bank)
        self._ola = OverlapAdd(self.size, n + int((_BURST_S + 0.001) * sample_rate))

    def _frame(self) -> np.ndarray:
        p, k, hop, sr, rng = self.params, self.HOPS, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        flow = self.per_hop(p.flow)
        dist = self.per_hop(p.distance)
        size = self.per_hop(p.size)
        # surges: a shared and an own signal per voice (standard deviation about 1 each) over the
        # tide, their peaks flattened (loud stretches, not loud moments); the fizz surges less, so
        # the bands above 6 kHz never jump like a click
        m = self._surge.at(t).reshape(_VOICES + 1, len(_SURGE_RATES), k).sum(axis=1) * _SURGE_NORM
        steady = 1.0 - 0.7 * dist
        if dist[k // 2] != self._darkened:  # the fizz darkens with distance
            self._darkened = dist[k // 2]
            self._fixed[1] = self._fizz * 2.0 ** -self._darkened
        tide = np.exp(steady * self._tide.at(t))
        surge = np.exp(steady * np.minimum(m[0] + m[1:], 0.5)) * tide  # (voices, hops)
        surge[4] **= 0.5
        # bursts: onset times, heights and decays; their splash lifts the bands around 2 kHz
        burst_rate = (1.6 + 4.7 * flow) * (1.0 - 0.6 * dist)
        b_starts = poisson_times(rng, burst_rate * hop / sr, hop)
        nb = len(b_starts)
        heights = rng.lognormal(0.0, 0.4, nb)
        born = np.stack([(self.start + b_starts) / sr, heights, rng.uniform(0.02, 0.07, nb)], axis=1)
        self._bursts = np.concatenate([self._bursts, born])
        x = t[None, :] - self._bursts[:, :1]
        splash = (self._bursts[:, 1:2] * (x >= 0) * np.exp(-np.maximum(x, 0) / self._bursts[:, 2:])).sum(axis=0)
        self._bursts = self._bursts[x[:, -1] < 8 * self._bursts[:, 2]]
        # bed: three wandering resonances, a low gurgle, fizz darkening with distance, and the splashes
        centres = 1300.0 * 2.0 ** (0.7 * self._peaks.at(t) - 0.6 * (size - 0.5))  # (3, hops)
        level = (0.028 + 0.07 * flow) * tide
        gains = (level * surge).astype(np.float32)
        mag = np.matmul(gains[:3].T[:, None, :], self._resonance.at(centres).transpose(1, 0, 2))[:, 0]  # (hops, bins)
        weights = np.stack([0.9 * gains[3], 6.0 * gains[4] + 0.1 * level * splash, 1.5 * level * splash], axis=1)
        mag += weights.astype(np.float32) @ self._fixed  # low gurgle, fizz, splash
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        # each burst opens with the slap of the water breaking, a different noise in each ear
        slap = place(rng.uniform(-0.7, 0.7, nb), 6.0 * np.minimum(heights, 2.0) * (0.4 + flow[b_starts // hop]))
        first = rng.integers(0, _SLAPS, nb)
        other = _BUBBLES + (first + rng.integers(1, _SLAPS, nb)) % _SLAPS
        first += _BUBBLES
        # bubbles: a few per burst spread over its span, and sparse single ones
        count = rng.poisson(2.0 + 8.0 * np.minimum(heights, 2.5))
        span = rng.uniform(0.03, _BURST_S, nb)
        starts = np.repeat(b_starts, count) + (rng.random(int(count.sum())) * np.repeat(span, count) * sr).astype(np.int64)
        gain = np.minimum(np.repeat(heights, count) * rng.lognormal(-1.2, 1.0, len(starts)), 0.8) * 2.5
        single = poisson_times(rng, (5.0 + 15.0 * flow) * (1.0 - 0.7 * dist) * hop / sr, hop)
        starts = np.concatenate([starts, single])
        gain = np.concatenate([gain, rng.lognormal(-1.0, 0.6, len(single)) * 0.25])
        e = len(starts)
        bias = np.clip(size[np.minimum(starts // hop, k - 1)], 0.02, 0.98)
        # radii ascend with the index: a low size favours the small bubbles
        variant = (_BUBBLES * rng.random(e) ** ((1 - bias) / bias)).astype(np.int64).clip(0, _BUBBLES - 1)
        # each bubble reaches the far ear up to 0.6 ms later, so the ears hear different waveforms
        lr = place(rng.uniform(-0.95, 0.95, e), gain * self._loudness[variant])
        late = starts + (rng.uniform(0.0, 0.0006, e) * sr).astype(np.int64)
        # bubbles and slaps, one ear at a time
        self._ola.grains(np.concatenate([starts, b_starts]), self._bank, np.concatenate([variant, first]),
                         np.concatenate([lr, slap]) * [1.0, 0.0], self._lengths)
        self._ola.grains(np.concatenate([late, b_starts]), self._bank, np.concatenate([variant, other]),
                         np.concatenate([lr, slap]) * [0.0, 1.0], self._lengths)
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))

