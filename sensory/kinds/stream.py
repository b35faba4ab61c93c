"""Stream: a babbling brook, a dense cloud of Minnaert bubbles over the rush of turbulent water.

Sources: K. van den Doel, "Physically based models for liquid sounds", ACM Transactions on
Applied Perception 2(4), 2005 (the bubbles and their numbers, :mod:`sensory.dsp.bubbles`,
:mod:`sensory.dsp.bubble_cloud`); A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 35-36
(bubbles, running water); the surges are matched to the texture statistics of J. H. McDermott
and E. P. Simoncelli, Neuron 71, 2011. docs/nature.md gives the figures.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.bubble_cloud import BubbleCloud, bubble_rate_divisor
from ..dsp.control import Wander
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow
from . import kind
from .texture import BandTable, Texture, band, pink

__all__ = ["Stream"]


class StreamParams(Params):
    flow: Automatable = param(0.5, ge=0, le=1, help="flow rate: sets the bubble rate and the rush")
    size: Automatable = param(0.5, ge=0, le=1, help="0 small bright bubbles .. 1 large deep ones")
    distance: Automatable = param(0.2, ge=0, le=1, help="0 at the bank .. 1 far: fewer bubbles, darker, steadier")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_RATE = (500.0, 1500.0)  # bubbles per second: at no flow, and more at full flow
_BUBBLES = 160  # radius variants, log-spaced
_R_MIN, _R_MAX = 0.0007, 0.005  # m: 4.3 kHz .. 600 Hz
_CLOUD = 0.012  # the bubbles' median level against the rush: in RMS a little louder than the rush
_SPREAD = 0.9  # the bubbles' gains: lognormal, this sigma (natural log units): a few stand out
_TIDE = 0.3  # depth of the slow tide (natural log units)
_FIZZ = 1.0  # the fizz above 4 kHz: the spray and the smallest bubbles, under the bubbles
_GURGLE = 0.25  # the low gurgle around 300 Hz: the largest bubbles and the water over stones
_SURGE_DEPTH = 0.6  # depth of the surges (natural log units per standard deviation)
_R_SPLIT = 0.0016  # m: bubbles above ring below 2.7 kHz all their life
_NEAR_ALL, _FAR_NONE = 0.5, 0.8  # distance up to which every small bubble is heard, and from which none
_SMALL_RATE = 11000.0  # Hz: the least rate the small bubbles are overlap-added at
_VOICES = 3  # bed voices with their own surge: the rush, the low gurgle, the fizz
_SURGE_RATES = 2.0 ** np.arange(5)  # 1-16 Hz
_SURGE_NORM = 1.0 / (0.5 * np.sqrt(len(_SURGE_RATES)))  # each Wander has a standard deviation of about 0.5


@kind("stream", family="nature", params=StreamParams)
class Stream(Texture):
    """A babbling brook: a thousand and more Minnaert bubbles a second over the rush of turbulent water.

    Bubbles follow K. van den Doel, "Physically based models for liquid
    sounds" (ACM TAP 2(4), 2005): radii 0.7-5 mm (``f0 = 3/r``, 4.3 kHz-600 Hz)
    drawn from a power law ``p(r) ~ r^-beta`` (``beta`` 2.6 for small bubbles
    .. 1.2 for large ones, from ``size``), so most are small and short;
    damping ``0.13/r + 0.0072 r^-1.5`` per second, the pitch rising by
    ``xi`` 0.07-0.13 as a bubble nears the surface. They are born as a
    Poisson stream of 500-2000 per second (``flow``), each with its own
    radius, lognormal gain, time and side (:mod:`sensory.dsp.bubble_cloud`),
    so many overlap at once and none stands out as a call; the rate and the
    gains swell with the water's surges. Under them runs the rush: noise in
    a broad band (1.5 octaves) around 1.1-1.6 kHz wandering slowly, a low
    gurgle around 300 Hz and a fizz at 6 kHz, the unresolved bubbles and
    splashes of the whole stream. Each voice surges: its level is the
    exponential of smooth random signals at octave-spaced rates 1-16 Hz
    (half shared by all voices, half its own) over a slower tide, the flat
    modulation spectrum of recordings of running water (J. H. McDermott and
    E. P. Simoncelli's texture statistics, Neuron 71, 2011). Distance thins
    the bubbles and darkens and steadies the rush.
    """

    cost = 2.6  # CPU per second of audio against a noise layer, measured at 48 kHz (the brook; 1.5 far off)
    makeup = 1.38  # make-up gain: the rush and the bubbles a little under the nominal level

    def __init__(self, params: StreamParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        tilt = pink(f) * f / (f + 40.0)
        self._rush = BandTable(self._log2f, 600.0, 3000.0, 1.5, tilt)
        self._fizz = band(self._log2f, 6000.0, 1.6) * tilt
        self._fixed = np.stack([band(self._log2f, 300.0, 1.2) * tilt, self._fizz]).astype(np.float32)
        self._darkened = 0.0
        # the rush's centre (0.15 Hz), the surges (a shared and an own set per voice) and the tide
        # (0.2 Hz), read in one call
        self._controls = Wander(rng, np.r_[0.15, np.tile(_SURGE_RATES, _VOICES + 1), 0.2])
        g = np.random.default_rng(rng.integers(2**63))
        # the smallest bubbles ring below 0.45 of the cloud's rate even at the top of their rise
        rate = sample_rate / bubble_rate_divisor(sample_rate, self.hop, _SMALL_RATE)
        smallest = max(_R_MIN, 3.0 * 1.45 / (0.45 * rate))
        self._radii = smallest * (_R_MAX / smallest) ** np.linspace(0.0, 1.0, _BUBBLES)
        self._log_span = np.log(_R_MAX / smallest)
        rise = g.uniform(0.07, 0.13, _BUBBLES)
        self._split = int(np.searchsorted(self._radii, _R_SPLIT))  # small ones at 11 kHz or more, large at 5.5
        self._clouds = [BubbleCloud(g, self._radii[:self._split], rise[:self._split], sample_rate, self.hop,
                                    self.HOPS, lowest=_SMALL_RATE),
                        BubbleCloud(g, self._radii[self._split:], rise[self._split:], sample_rate, self.hop,
                                    self.HOPS, lowest=_SMALL_RATE / 2)]
        longest = max(c.bank.shape[1] for c in self._clouds)
        self._bank = np.concatenate([np.pad(c.bank, ((0, 0), (0, longest - c.bank.shape[1]))) for c in self._clouds])

    def _frame(self) -> np.ndarray:
        p, k = self.params, self.HOPS
        t = self.hop_times()
        flow = self.per_hop(p.flow)
        dist = self.per_hop(p.distance)
        size = self.per_hop(p.size)
        # surges: a shared and an own signal per voice (standard deviation about 1 each) over the
        # tide, their peaks flattened (loud stretches, not loud moments); the fizz surges less
        controls = self._controls.at(t)
        m = controls[1:-1].reshape(_VOICES + 1, len(_SURGE_RATES), k).sum(axis=1) * _SURGE_NORM
        steady = 1.0 - 0.7 * dist
        if dist[k // 2] != self._darkened:  # the fizz darkens with distance
            self._darkened = dist[k // 2]
            self._fixed[1] = self._fizz * 2.0 ** -self._darkened
        tide = np.exp(steady * _TIDE * controls[-1])
        surge = np.exp(steady * _SURGE_DEPTH * np.minimum(m[0] + m[1:], 0.8)) * tide  # (voices, hops)
        surge[2] **= 0.5
        # the rush: a broad band wandering around 1.1-1.6 kHz, darker far away; the gurgle; the fizz
        centre = 1300.0 * 2.0 ** (0.25 * controls[0] - 0.3 * (size - 0.5) - 0.5 * dist)
        level = (0.03 + 0.05 * flow) * surge
        mag = self._rush.at(centre) * level[0, :, None].astype(np.float32)
        weights = np.stack([_GURGLE * level[1], _FIZZ * level[2]], axis=1).astype(np.float32)
        mag += weights @ self._fixed
        spectra = self._shaper.shaped(mag)
        for cloud, bubbles in zip(self._clouds, self._bubbles(flow, dist, size, surge[0])):
            if bubbles is not None:
                spectra[:, :, : cloud.bins] += bubbles * np.float32(_CLOUD)
        out = self._shaper.synthesize(spectra)
        return narrow(out, self.per_sample(p.width))

    def _bubbles(self, flow, dist, size, swell) -> list[np.ndarray]:
        """The frame's bubbles as spectra to add to the rush, small then large ones: complex64
        (hops, 2, bins) each, ``None`` for a cloud that is silent."""
        rng, k, sr = self.rng, self.HOPS, self.sample_rate
        root = swell ** 0.5
        rate = (_RATE[0] + _RATE[1] * flow) * (1.0 - 0.6 * dist) * root  # per second, per hop
        counts = rng.poisson(rate * self.hop / sr)
        e = int(counts.sum())
        hop_of = np.repeat(np.arange(k), counts)
        at = hop_of * self.hop + rng.integers(0, self.hop, e)  # full-rate samples in the frame
        a = 1.0 - (2.6 - 1.4 * size)  # per hop, 1 - beta for p(r) ~ r^-beta: small bubbles are the many
        u = rng.random(e)
        r0, r1 = (self._radii[0] ** a)[hop_of], (self._radii[-1] ** a)[hop_of]
        r = (r0 + u * (r1 - r0)) ** (1.0 / a)[hop_of]
        variant = np.rint(np.log(r / self._radii[0]) / self._log_span * (_BUBBLES - 1)).clip(0, _BUBBLES - 1)
        gain = rng.lognormal(0.0, _SPREAD, e) * root[hop_of] * (1.0 - 0.5 * dist)[hop_of]
        side = rng.random(e) < 0.5
        variant = variant.astype(np.int64)
        small = variant < self._split
        large = ~small
        # the small, high bubbles are the first lost with distance (the quietest, above 2.7 kHz,
        # where leaves and air take the most): all heard up to _NEAR_ALL, none from _FAR_NONE
        keep = np.clip((_FAR_NONE - dist) / (_FAR_NONE - _NEAR_ALL), 0.0, 1.0)[hop_of]
        if keep.min() < 1.0:
            small &= keep > (rng.random(e) if keep.max() > 0.0 else 1.0)
        out = []
        for cloud, mine, first in zip(self._clouds, (small, large), (0, self._split)):
            out.append(cloud.spectra(at[mine] // cloud.q, variant[mine] - first, gain[mine], side[mine]))
        return out
