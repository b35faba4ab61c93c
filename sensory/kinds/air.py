"""Air: wind (with whistles, howls and leaves) and thunder.

Sources: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 41 "Wind"
(speed as a slow random control with gusts and squalls driving band-passed
noise; whistles at the Strouhal frequency ``f ~ 0.2 v / d`` delayed 100 and
1000 ms between the ears; leaves following the wind delayed 2 s and
low-passed, with a threshold falling 0.7 -> 0.4 as it strengthens) and
ch. 40 "Thunder" (strike, rumble of N-wave pulses, reflections, distance
low-pass); the storm rates follow the notes' "Thunder" entry.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from ..dsp.control import Wander, drift, wander_sum
from ..dsp.grains import OverlapAdd, poisson_times
from ..dsp.spectral import SpectralFrames
from ..params import Automatable, Params, param
from . import kind
from .texture import Texture, band, pink
from .water import _normalise, _stereo, _widen, onset_ramp

__all__ = ["Wind", "Thunder"]


class WindParams(Params):
    speed: Automatable = param(0.5, ge=0, le=1, help="mean wind strength: 0 calm .. 1 gale")
    gusts: Automatable = param(0.5, ge=0, le=1, help="how much the wind gusts and squalls around its mean")
    whistle: Automatable = param(0.3, ge=0, le=1, help="level of whistles and howls from edges and wires")
    leaves: Automatable = param(0.0, ge=0, le=1, help="level of the leaf rustle that follows the wind")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_LEAF_GRAINS = 32


@kind("wind", family="nature", params=WindParams)
class Wind(Texture):
    """Wind: gusting band-passed noise, whistles and howls, and leaves that follow it.

    The speed is a sum of slow random signals (0.01-0.16 Hz drift, gusts of a
    few seconds, rarer squalls), never a sine. It sets the level and centre
    of the noise band, the pitch of three whistles (Strouhal ``0.2 v / d``,
    heard only in their speed range) and, delayed 2 s and smoothed, the rate
    of leaf clicks (sparse crackle in a light wind, dense rustle in a strong one).
    """

    def __init__(self, params: WindParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f / (f + 25.0)
        self._drift = wander_sum(rng, 0.01, 5, memory=6.0)
        self._gust = wander_sum(rng, 0.25, 3, memory=6.0)
        self._flutter = Wander(rng, 3.0, memory=6.0)
        g = np.random.default_rng(rng.integers(2**63))
        self._objects = g.uniform(0.004, 0.02, 3)  # whistling edges, diameter m
        self._whistle_bins = int(np.searchsorted(self._shaper.freqs, min(4000.0, 0.45 * sample_rate)))
        n = int(0.006 * sample_rate)
        bank = []
        for _ in range(_LEAF_GRAINS):  # a leaf click: noise burst of 1-5 ms ringing a 1.5-5 kHz leaf
            length = int(g.uniform(0.001, 0.005) * sample_rate)
            f0 = min(g.uniform(1500.0, 5000.0), 0.4 * sample_rate)
            r = np.exp(-np.pi * f0 / 4.0 / sample_rate)  # Q about 4
            y = np.zeros(n)
            y[:length] = g.standard_normal(length) * np.hanning(length)
            y = lfilter([1.0, 0.0, -1.0], [1.0, -2 * r * np.cos(2 * np.pi * f0 / sample_rate), r * r], y)
            bank.append(y * onset_ramp(n, sample_rate, 0.0003) * np.hanning(2 * n)[n:] ** 0.5)
        self._leaf_bank = _normalise(np.array(bank))
        self._ola = OverlapAdd(self.size, n)

    def speed(self, t: np.ndarray) -> np.ndarray:
        """Wind speed in [0, 1.5] at times ``t`` (s)."""
        p = self.params
        base = np.asarray(p.speed(np.maximum(t, 0.0)), np.float64)
        gust = np.asarray(p.gusts(np.maximum(t, 0.0)), np.float64)
        g = drift(self._gust, t)
        v = base * (1.0 + 0.35 * drift(self._drift, t) + gust * (0.6 * np.maximum(g, -0.3) + 0.08 * self._flutter.at(t)))
        return np.clip(v, 0.02, 1.5)

    def _frame(self) -> np.ndarray:
        p, k, hop, sr, rng = self.params, self.HOPS, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        v = self.speed(t)
        centre = (120.0 + 500.0 * v)[:, None]
        body = band(self._log2f, centre, 1.4) * self._tilt * (v ** 2.5)[:, None]
        whistle = self.per_hop(p.whistle)
        mag = np.repeat(body[:, None, :], 2, axis=1)
        if whistle.max() > 0:
            top = self._whistle_bins
            for ch, lag in enumerate((0.1, 1.0)):  # whistles reach the two ears 100 and 1000 ms late
                vl = self.speed(t - lag)
                w = np.zeros((k, top))
                for d in self._objects:
                    f0 = 0.2 * (8.0 + 25.0 * vl) / d  # Strouhal, wind 8-45 m/s
                    on = np.clip(1.0 - np.abs(vl - 0.15 / d / 60.0 - 0.6) * 2.5, 0.0, 1.0) ** 2
                    w += band(self._log2f[:top], f0[:, None], 0.03) * (on * vl ** 2)[:, None]
                mag[:, ch, :top] += 0.4 * whistle[:, None] * w * self._tilt[:top]
        out = self._shaper.synthesize(self._shaper.noise(k) * mag.astype(np.float32))
        leaves = self.per_hop(p.leaves)
        if leaves.max() > 0:
            lag = self.speed(t - 2.0)
            threshold = 0.7 - 0.3 * np.clip(lag, 0.0, 1.0)
            rate = np.minimum(1500.0 * np.clip(lag - threshold + 0.35, 0.0, None) ** 2.5, 600.0) * (leaves > 0)
            starts = poisson_times(rng, rate * hop / sr, hop)
            e = len(starts)
            if e:
                amp = leaves[starts // hop] * rng.lognormal(-1.0, 0.6, e) * 0.6
                variant = rng.integers(0, _LEAF_GRAINS, e)
                self._ola.grains(starts, self._leaf_bank, variant, _stereo(rng.uniform(-1, 1, e), amp))
            out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(3.5)


class ThunderParams(Params):
    interval: Automatable = param(25.0, unit="s", ge=3, le=600, help="mean time between strikes")
    distance: Automatable = param(0.5, ge=0, le=1, help="0 overhead (sharp crack) .. 1 far (low rolling)")
    rumble: Automatable = param(0.3, ge=0, le=1, help="level of the constant far grumble between strikes")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


@kind("thunder", family="nature", params=ThunderParams)
class Thunder(Texture):
    """Thunder: strikes at random intervals, each a crack, a rolling rumble and echoes.

    Each strike (Farnell ch. 40) is a burst whose rumble is a train of
    random N-wave pulses, low-passed by distance (near 2 kHz, far 150 Hz),
    followed by 2-4 reflections; a faint far grumble fills the gaps. The
    first strike comes within a few seconds, later ones after
    exponentially distributed gaps around ``interval``.
    """

    def __init__(self, params: ThunderParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._f = f
        self._tilt = pink(f) * f / (f + 20.0) * (1000.0 / np.maximum(f, 20.0)) ** 0.5
        self._grumble = wander_sum(rng, 0.05, 4)
        self._strikes: list[tuple[float, float, float, float, np.ndarray]] = []  # start, size, cutoff, pan, echoes
        self._next = rng.uniform(0.2, 2.0)

    def _frame(self) -> np.ndarray:
        p, k, rng = self.params, self.HOPS, self.rng
        t = self.hop_times()
        while self._next < t[-1] + 0.5:
            start = self._next
            dist = float(p.distance(start)) * rng.uniform(0.7, 1.0)
            echoes = np.stack([rng.uniform(0.3, 3.0, 3), rng.uniform(0.2, 0.5, 3)])
            self._strikes.append((start, rng.uniform(0.5, 1.0) * (1.0 - 0.5 * dist),
                                  2000.0 * 2.0 ** (-3.7 * dist), rng.uniform(-0.8, 0.8), echoes))
            self._next = start + rng.exponential(float(p.interval(start))) + 2.0
        env = np.zeros((k, 2))
        cut = np.full((k, 2), 150.0)
        keep = []
        for start, size, cutoff, pan, echoes in self._strikes:
            x = t - start
            e = _roll(x, rng)
            for lag, g in echoes.T:
                e = e + g * _roll(x - lag, rng)
            e *= size
            lr = np.array([np.cos((pan + 1) * np.pi / 4), np.sin((pan + 1) * np.pi / 4)]) * np.sqrt(2.0)
            env += e[:, None] * lr
            crack = np.where((x >= 0) & (x < 0.4), np.exp(-np.maximum(x, 0) / 0.12), 0.0)
            cut = np.maximum(cut, (cutoff * (0.5 + 2.0 * crack) + 100.0)[:, None])
            if x[-1] < 40.0:
                keep.append((start, size, cutoff, pan, echoes))
        self._strikes = keep
        grumble = self.per_hop(p.rumble) * 0.15 * (1.0 + 0.8 * drift(self._grumble, t))
        env += np.maximum(grumble, 0.0)[:, None]
        lowpass = 1.0 / np.sqrt(1.0 + (self._f / cut[:, :, None]) ** 4)
        mag = lowpass * self._tilt * env[:, :, None]
        out = self._shaper.synthesize(self._shaper.noise(k) * mag.astype(np.float32))
        return _widen(out, self.per_sample(p.width)) * np.float32(0.12)


def _roll(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A strike's rumble envelope at ``x`` seconds after it: a fast rise, a rolling decay over
    about 8 s, roughened per hop by random N-wave pulse energy. float64, 0 before the strike."""
    on = x >= 0
    xs = np.maximum(x, 0.0)
    rise = 1.0 - np.exp(-xs / 0.05)
    decay = np.exp(-xs / 3.0) * (1.0 + 0.6 * np.sin(np.pi * np.minimum(xs / 6.0, 1.0)))
    rough = rng.lognormal(0.0, 0.45, len(x))
    return np.where(on, rise * decay * rough, 0.0)
