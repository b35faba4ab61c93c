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

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift, Wander
from ..dsp.grains import OverlapAdd, grain_lengths, impulse_train, poisson_times
from ..dsp.pan import equal_power
from ..dsp.spectral import SpectralFrames
from . import kind
from .texture import BandTable, Texture, band, pink

__all__ = ["Rain", "Stream", "Ocean", "LowpassTable", "bubble", "onset_ramp"]


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


def _modes(rng, n, sample_rate, freqs, decays, gains, impact: float = 0.0005) -> np.ndarray:
    """Damped sines (a struck resonant surface) after a noise impact decaying in ``impact`` s; float64 (n,)."""
    t = np.arange(n) / sample_rate
    y = np.zeros(n)
    for f, tau, g in zip(freqs, decays, gains):
        y += g * np.sin(2 * np.pi * min(f, 0.45 * sample_rate) * t + rng.uniform(0, 2 * np.pi)) * np.exp(-t / tau)
    hit = rng.standard_normal(n) * np.exp(-t / impact)
    tail = n // 4
    end = np.ones(n)
    end[-tail:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return (0.7 * y + 0.5 * hit) * onset_ramp(n, sample_rate) * end


class LowpassTable:
    """Low-pass magnitudes ``1 / sqrt(1 + (f/c)^4)`` (second order) times ``weight`` for cutoffs
    ``c`` on a quarter-octave grid from ``low_hz`` up, so a cutoff that moves every hop costs a
    lookup: ``at(cutoff_hz)`` takes any shape and returns float32 ``cutoff.shape + (bins,)``."""

    def __init__(self, freqs: np.ndarray, weight: np.ndarray, low_hz: float = 100.0, rows: int = 30):
        self._low = low_hz
        cutoffs = low_hz * 2.0 ** (np.arange(rows) / 4)
        self._table = (weight / np.sqrt(1.0 + (freqs / cutoffs[:, None]) ** 4)).astype(np.float32)

    def at(self, cutoff_hz) -> np.ndarray:
        row = np.rint(4 * np.log2(np.maximum(cutoff_hz, 1.0) / self._low)).astype(np.int64)
        return self._table[np.clip(row, 0, len(self._table) - 1)]


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


_SURFACES = 3  # leaves, roof, puddles; then big drops
_PER_SURFACE = 24


@kind("rain", family="nature", params=RainParams)
class Rain(Texture):
    """Rain: drops ringing leaves, roof or puddles over a shaped bed; independent left and right.

    Dense patter is a Poisson impulse train through the surfaces' resonances
    (shaped per hop); near drops are grains (leaf taps, roof ticks, Minnaert
    bubbles for drops into water) with their own pitch, gain and place; about
    one a second a big, close drop (a heavy drop off a leaf or a gutter drip)
    stands out of the bed, as in recordings of real rain.
    Drop rate 200-2700 /s (Farnell ch. 38; ~1733 /s in benjaminvanesser/upshot).
    Spectral shapes follow the controls once per frame, levels once per hop.
    """

    cost = 4.5  # CPU per second of audio against a noise layer, measured at 48 kHz

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
        self._bank = _normalise(np.array(bank))
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
        train = impulse_train(self.size, starts, _stereo(rng.uniform(-1, 1, len(starts)), amp))
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
                             _stereo(rng.uniform(-0.9, 0.9, len(surface)), gain), self._lengths)
        out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(0.22)


# ---------------------------------------------------------------- stream

def _slap(rng, n: int, sample_rate: int) -> np.ndarray:
    """A splash's slap: noise decaying in 4-10 ms, band-limited around 1.2 kHz (0.7 octave) after
    it starts, so the band limit also shapes its rise (nothing above 6 kHz); float64 (n,)."""
    lead = int(0.004 * sample_rate)  # room for the band-pass to ring in before the noise starts
    t = np.arange(n - lead) / sample_rate
    x = np.zeros(n)
    x[lead:] = rng.standard_normal(n - lead) * np.exp(-t / rng.uniform(0.004, 0.01))
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    x = np.fft.irfft(np.fft.rfft(x) * band(np.log2(np.maximum(f, 1.0)), 1200.0, 0.7), n)
    tail = n // 4
    end = np.ones(n)
    end[-tail:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return x * onset_ramp(n, sample_rate, 0.004) * end


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

    Bubbles follow van den Doel (2005): radii log-uniform in 0.85-4.3 mm
    (3.5 kHz-700 Hz), ``f0 = 3/r``, rising chirp, exponential decay, louder
    the larger they are. Real running water is intermittent: bubbles come in
    bursts (a pocket of air breaking up), 1.5-6 per second from ``flow``,
    each opening with a short band-limited slap (the onsets and the 25-28 dB
    crest factor of recordings) and holding 2-20 bubbles over 30-250 ms and
    a splash that lifts the bands around 2 kHz, over sparse single bubbles.
    The bed is noise through resonances wandering in 0.7-2.6 kHz, the spectral form of jmcc's "babbling brook" (RHPF of brown
    noise with wandering cutoffs, notes "Stream"), a low gurgle and a fizz.
    Each bed voice surges: its level is the exponential of smooth random
    signals at octave-spaced rates 1-16 Hz (half shared by all voices, half
    its own) over a slower tide, which gives the flat modulation spectrum,
    the envelope spread and cross-band correlation of recordings of pouring
    water (statistics after McDermott & Simoncelli 2011). Distance steadies
    the surges; the bubbles stay below 6 kHz, so their onsets never click.
    """

    cost = 3.0  # CPU per second of audio against a noise layer, measured at 48 kHz

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
        self._bank = _normalise(np.array(bubbles + slaps))  # bubbles by radius, then the slaps
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
        slap = _stereo(rng.uniform(-0.7, 0.7, nb), 6.0 * np.minimum(heights, 2.0) * (0.4 + flow[b_starts // hop]))
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
        lr = _stereo(rng.uniform(-0.95, 0.95, e), gain * self._loudness[variant])
        late = starts + (rng.uniform(0.0, 0.0006, e) * sr).astype(np.int64)
        # bubbles and slaps, one ear at a time
        self._ola.grains(np.concatenate([starts, b_starts]), self._bank, np.concatenate([variant, first]),
                         np.concatenate([lr, slap]) * [1.0, 0.0], self._lengths)
        self._ola.grains(np.concatenate([late, b_starts]), self._bank, np.concatenate([variant, other]),
                         np.concatenate([lr, slap]) * [0.0, 1.0], self._lengths)
        out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(0.075)


# ---------------------------------------------------------------- ocean

class OceanParams(Params):
    intensity: Automatable = param(0.6, ge=0, le=1, help="wave size: 0 lapping .. 1 heavy surf")
    period: Automatable = param(9.0, unit="s", ge=4, le=20, help="mean time between waves (each jittered)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 at the waterline .. 1 far: darker, less foam")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


def _shape(rng) -> tuple[float, float, float, float, float, float]:
    """One wave's shape: swell rise and wash time constant (fractions of its period), break
    decay (s, log-uniform 0.3-1.2), break sharpness (exponent of the rise, 2-6), and for half
    the waves a second break (delay s, relative height; else 0, 0)."""
    second = rng.random() < 0.5
    return (rng.uniform(0.2, 0.4), rng.uniform(0.12, 0.32), float(np.exp(rng.uniform(np.log(0.3), np.log(1.2)))),
            rng.uniform(2.0, 6.0), rng.uniform(0.3, 1.5) if second else 0.0, rng.uniform(0.3, 0.9) if second else 0.0)


@kind("ocean", family="nature", params=OceanParams)
class Ocean(Texture):
    """Surf: wave events with a slow swell, a fast break and a long wash, over a low rumble.

    Two overlapping wave generators, each wave with its own jittered period
    (6-12 s at the default), height and place in the field, and its own
    shape: the swell rises over 20-40 % of the period and washes back with a
    time constant of 12-32 %, the break rises more or less sharply, opens
    with a plunge (half again as loud, gone in 0.12 s) and decays in
    0.3-1.2 s, and half the waves break a second time 0.3-1.5 s
    later (a wave breaking along the beach); heights follow slow sets of
    bigger and smaller waves; the water churns (the bodies' level wanders by
    about 4 dB at 0.7-1.5 Hz, its own in each ear). The breaks put the
    envelope power at 0.25-2 Hz that recordings of surf show, and no two
    stretches of surf have the same envelope (30-s windows of an hour
    correlate at most about 0.5, against about 0.6 with one shape for every
    wave and no churn); the low-pass cutoff follows the swell
    (about 300 Hz in the trough to 2-4 kHz at the crash), foam is
    high-passed fizz riding the crash and the swell (notes "Ocean"); the
    rumble sits around 140 Hz and the bodies fall off below 120 Hz, as in
    recorded surf (ESC-50 sea waves: -22 dB at 100 Hz against the 1-kHz band).
    """

    cost = 2.5  # CPU per second of audio against a noise layer, measured at 48 kHz

    def __init__(self, params: OceanParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f * f / (f * f + 120.0 ** 2)
        self._rumble = band(self._log2f, 140.0, 0.8) * pink(f)
        self._foam = band(self._log2f, 4500.0, 1.2) * self._tilt
        self._bodies = LowpassTable(f, self._tilt, 200.0, 25)  # 200 Hz .. 12.7 kHz
        self._waves: list[tuple] = []  # (start s, height, period s, pan) + _shape()
        self._sets = Wander(rng, 1.0 / 70.0)  # sets of bigger and smaller waves, about a minute long
        self._churn = Wander(rng, [0.7, 1.47] * 2)  # the wash's turbulence, left and right: (2 rates) x 2
        period = float(params.period(0.0))
        self._next = [-rng.uniform(0.3, 0.9) * period, -rng.uniform(0.0, 0.5) * period + period]

    def _schedule(self, until: float) -> None:
        p = self.params
        for i in range(2):
            while self._next[i] < until:
                start = self._next[i]
                mean = float(p.period(max(start, 0.0)))
                period = mean * self.rng.uniform(0.67, 1.33)
                height = self.rng.uniform(0.4, 1.0) * (1.0 + 0.35 * float(self._sets.at(max(start, 0.0))))
                self._waves.append((start, height, period, self.rng.uniform(-0.7, 0.7)) + _shape(self.rng))
                # gamma-distributed gaps (mean 2 periods, CV 0.5): waves come in loose sets, so
                # the envelope has no lasting rhythm at multiples of the period
                self._next[i] = start + mean * self.rng.gamma(4.0, 0.5)

    def _frame(self) -> np.ndarray:
        p, k, rng = self.params, self.HOPS, self.rng
        t = self.hop_times()
        self._schedule(t[-1] + 1.0)
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        swell = np.zeros((k, 2))
        crash = np.zeros((k, 2))
        keep = []
        for wave in self._waves:
            start, height, period, pan, rise, wash, decay, sharpness, lag, second = wave
            x = t - start
            rise *= period
            up = np.clip(x / rise, 0.0, 1.0)
            after = np.maximum(x - rise, 0.0)
            s = np.where(x < rise, up ** 2 * (3 - 2 * up), np.exp(-after / (wash * period)))
            c = np.where(x < rise, up ** sharpness, np.exp(-after / decay) + 0.5 * np.exp(-after / 0.12))  # + the plunge
            if second:  # the second break rises in 80 ms
                late = np.maximum(after - lag, 0.0)
                c += second * (after >= lag) * (1.0 - np.exp(-late / 0.08)) * np.exp(-late / decay)
            lr = np.array(equal_power(pan), np.float64) * np.sqrt(2.0)
            swell += height * s[:, None] * lr
            crash += height * c[:, None] * lr
            if x[-1] < rise + max(8 * wash * period, lag + 8 * decay):  # until both have died away
                keep.append(wave)
        self._waves = keep
        level = (0.3 + 0.7 * inten)[:, None]
        swell *= level
        crash *= level
        cutoff = 400.0 + 5000.0 * np.clip(swell + 1.5 * crash, 0, 2) * (1.0 - 0.7 * dist[:, None])  # (k, 2)
        # the water's churn moves the swell's level by about 4 dB at 0.7-1.5 Hz, its own in each
        # ear (its mean level kept; the breaks ride on it): the envelope between the breaks is
        # never the same twice
        churn = np.exp(0.6 * self._churn.at(t).reshape(2, 2, k).sum(axis=1).T - 0.12)  # (k, 2)
        mag = self._bodies.at(cutoff) * (churn * (0.25 + swell) + 1.5 * crash).astype(np.float32)[:, :, None]
        fizz = rng.lognormal(0.0, 0.35, (k, 2))  # the foam's hiss from hop to hop
        foam = (0.5 * crash + 0.4 * swell + 0.05) * (1.0 - 0.8 * dist[:, None]) * fizz
        mag += np.multiply.outer(foam.astype(np.float32), (1.5 * self._foam).astype(np.float32))
        mag += np.multiply.outer((0.12 + 0.1 * swell).astype(np.float32), self._rumble.astype(np.float32))
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        return _widen(out, self.per_sample(p.width)) * np.float32(0.18)  # crashes peak near full scale at 0 dB gain
