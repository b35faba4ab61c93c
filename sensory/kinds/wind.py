"""Wind, with whistles, howls and leaves.

Source: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 41 "Wind"
(speed as a slow random control with gusts and squalls driving band-passed
noise; whistles at the Strouhal frequency ``f ~ 0.2 v / d`` delayed 100 and
1000 ms between the ears; leaves following the wind delayed 2 s and
low-passed, with a threshold falling 0.7 -> 0.4 as it strengthens).
The band's level follows the dipole law of sound from turbulent flow over
surfaces, acoustic intensity ~ U^6 (N. Curle, "The influence of solid
boundaries upon aerodynamic sound", Proc. R. Soc. A 231, 1955; as reviewed in
G. W. Lyons, C. R. Hart and R. Raspet, "As the wind blows: turbulent noise on
outdoor microphones", Acoustics Today 17(4), 2021), so amplitude ~ speed^3.
docs/nature.md describes how it was measured against recordings.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift, Wander
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow
from . import kind
from .texture import BandTable, Texture, band, pink

__all__ = ["Wind"]


class WindParams(Params):
    speed: Automatable = param(0.5, ge=0, le=1, help="mean wind strength: 0 calm .. 1 gale")
    gusts: Automatable = param(0.5, ge=0, le=1, help="how much the wind gusts and squalls around its mean")
    whistle: Automatable = param(0.3, ge=0, le=1, help="level of whistles and howls from edges and wires")
    leaves: Automatable = param(0.0, ge=0, le=1, help="level of the leaf rustle that follows the wind")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


@kind("wind", family="nature", params=WindParams)
class Wind(Texture):
    """Wind: gusting band-passed noise, whistles and howls, and leaves that follow it.

    The speed is a sum of slow random signals (0.01-0.16 Hz drift, gusts of a
    few seconds, rarer squalls), never a sine. It sets the level (amplitude
    ``(v / 0.5)^3`` times its level at the default speed 0.5: a gust 25 %
    above the mean is 6 dB louder, a lull 25 % below 7.5 dB quieter) and the
    centre of the noise band, the pitch of three whistles (Strouhal ``0.2 v / d``,
    heard only in their speed range) and, delayed 2 s, the leaf rustle: a
    1-8 kHz band whose level jumps from hop to hop (sparse ticks in a light
    wind, a dense rustle in a strong one). Everything is one spectral shape
    per hop, so the whole wind costs one inverse FFT per hop.
    """

    cost = 1.3  # CPU per second of audio against a noise layer, measured at 48 kHz (2.3 with whistles)
    makeup = 2.2  # make-up gain: the gusting band near the level

    _EARS, _LEAVES = (0.1, 1.0), 2.0  # s: the whistles reach the two ears this late, the leaves follow this late
    _DIPOLE = 3.0  # band amplitude ~ speed^3: intensity ~ U^6 (Curle)
    _AT_DEFAULT = 0.5 ** (1.6 - _DIPOLE)  # the band at speed 0.5 as loud as makeup was set for
    _CENTRE = (80.0, 250.0)  # Hz: the band's centre at no wind, and its rise per unit of speed

    def __init__(self, params: WindParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f / (f + 25.0)
        low, rise = self._CENTRE
        self._body = BandTable(self._log2f, low + rise * 0.02, low + rise * 1.5, 1.4, self._tilt)
        # turbulence moves the low and high parts of the band a little independently: with the
        # level's logarithm, each hop's gain over the bins is exp((turbulence, log level) @ _swell)
        self._swell = np.stack([0.5 * band(self._log2f, 100.0, 1.0), 0.5 * band(self._log2f, 1600.0, 1.0),
                                np.ones_like(f)]).astype(np.float32)
        self._leaf = (band(self._log2f, 4000.0, 0.9) * pink(f)).astype(np.float32)
        self._drift = Drift(rng, 0.01, 5)
        self._gust = Drift(rng, 0.25, 3)
        flutter, turbulence = Wander(rng, 3.0), Wander(rng, [0.7, 1.1])
        # all read in one call: rows 0-4 the drift, 5-7 the gusts, 8 the flutter, 9-10 the turbulence
        self._controls = Wander.joined(self._drift.parts, self._gust.parts, flutter, turbulence)
        g = np.random.default_rng(rng.integers(2**63))
        self._objects = g.uniform(0.004, 0.02, 3)  # whistling edges, diameter m
        self._whistle_bins = int(np.searchsorted(self._shaper.freqs, min(4000.0, 0.45 * sample_rate)))

    def speed(self, t: np.ndarray, controls: np.ndarray) -> np.ndarray:
        """Wind speed in [0, 1.5] at times ``t`` (s, any shape) from ``controls``, the control
        signals read there (float64 (11,) + ``t.shape``)."""
        p = self.params
        base = self.read(p.speed, np.maximum(t, 0.0))
        gust = self.read(p.gusts, np.maximum(t, 0.0))
        g = self._gust.summed(controls[5:8])
        v = base * (1.0 + 0.35 * self._drift.summed(controls[:5])
                    + gust * (0.6 * np.maximum(g, -0.3) + 0.08 * controls[8]))
        return np.clip(v, 0.02, 1.5)

    def _frame(self) -> np.ndarray:
        p, k, rng = self.params, self.HOPS, self.rng
        t = self.hop_times()
        whistle, leaves = self.per_hop(p.whistle), self.per_hop(p.leaves)
        whistles, rustle = whistle.max() > 0, leaves.max() > 0
        # the speed now and, only where they sound, at the ears' whistles and at the leaves
        lags = [0.0, *(self._EARS if whistles else ()), *((self._LEAVES,) if rustle else ())]
        at = t[None, :] - np.array(lags)[:, None]
        controls = self._controls.at(at)
        v, *later = self.speed(at, controls)
        level = np.log(self._AT_DEFAULT) + self._DIPOLE * np.log(v)  # the band's log amplitude
        mag = np.vstack([controls[9:, 0], level]).T.astype(np.float32) @ self._swell
        np.exp(mag, out=mag)
        low, rise = self._CENTRE
        mag *= self._body.at(low + rise * v)
        mag = mag[:, None, :]
        if whistles:
            top = self._whistle_bins
            vl = np.stack(later[:2])[..., None]  # whistles reach the two ears 100 and 1000 ms late
            f0 = 0.2 * (8.0 + 25.0 * vl) / self._objects  # Strouhal, wind 8-45 m/s: (2, hops, objects)
            on = np.clip(1.0 - np.abs(vl - 0.15 / self._objects / 60.0 - 0.6) * 2.5, 0.0, 1.0) ** 2 * vl ** 2
            w = np.einsum("cho,chob->hcb", on, band(self._log2f[:top], f0[..., None], 0.03))
            mag = np.repeat(mag, 2, axis=1)
            mag[:, :, :top] += (0.4 * whistle[:, None, None] * w * self._tilt[:top]).astype(np.float32)
        if rustle:
            lag = later[-1]
            threshold = 0.7 - 0.3 * np.clip(lag, 0.0, 1.0)  # Farnell: the leaves wake later in a light wind
            active = np.clip(lag - threshold + 0.5, 0.0, None) ** 1.25
            spread = 1.1 - 0.5 * np.clip(lag, 0.0, 1.0)  # sparse ticks in a light wind, dense rustle in a strong one
            jump = rng.lognormal(0.0, 0.6, (k, 2)) ** spread[:, None]
            level = 0.2 * leaves * active
            mag = mag + (level[:, None] * jump)[:, :, None].astype(np.float32) * self._leaf
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        return narrow(out, self.per_sample(p.width))
