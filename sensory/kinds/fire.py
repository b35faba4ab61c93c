"""Fire: crackles in clustered bursts, pops of sap, the lapping of flames, a low roar and a hiss.

After A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 34 "Fire", which builds a fire
from three sounds of one noise: crackling (small fractures of the fuel, short bursts
through a resonant band-pass, at random times that come in flurries), hissing (outgassing:
high-passed noise under a strongly peaked slow modulation, ``LFNoise2(1)^4``) and lapping
(the flames' combustion: noise band-passed at 30 Hz with Q 5, amplified fifty times,
clipped at 0.9 and twice DC-blocked, ``LeakDC(LeakDC(BPF(noise, 30, 0.2) * 50).clip2(0.9))``).

Here the crackles are the snaps of :mod:`~sensory.dsp.crackles`: each a broadband burst
with a sub-millisecond rise and a resonant decay through the modes of its piece of wood,
several a few milliseconds apart in one burst, the bursts themselves in flurries (a
Poisson rate that flares); pops of sap are rarer, louder and ring the log's low body.
Under them the clipped 30-Hz lapping, a steady roar below 500 Hz (where the texture
statistics of real fire recordings, ESC-50 ``crackling_fire``, put most of the power, with
an envelope as steady as noise's) and a faint hiss, all breathing on slow random signals.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, lfilter, sosfilt

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift, Wander
from ..dsp.crackles import clustered, pop, snap
from ..dsp.grains import OverlapAdd, grain_lengths, peak_normalised, poisson_times
from ..dsp.noise import WhiteSource
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import Texture, band, pink

__all__ = ["Fire"]

_SNAPS = 96  # snap variants
_POPS = 16  # pop variants
_BURST_S = 0.06  # the longest burst of snaps, s


class FireParams(Params):
    crackle: Automatable = param(0.5, ge=0, le=1, help="crackles per second: 0 embers .. 1 fresh dry wood")
    size: Automatable = param(0.5, ge=0, le=1, help="0 small campfire .. 1 roaring fireplace: roar and lapping")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


class _Lapping:
    """Farnell's lapping of flames, streaming: white noise band-passed at 30 Hz (Q 5), driven
    into a clip at 0.9 and DC-blocked twice (corner 35 Hz), for ``channels`` independent
    streams. It is computed at a rate ``step`` times lower (12-24 kHz) and joined up by
    straight lines: ``add_to(out, gain)`` adds the next ``n = len(out) // step`` points' worth
    to ``out`` (float32 (n * step, channels)), its RMS about 0.5 times the gain (a float, or
    float64 (n,): the gain at each point)."""

    def __init__(self, rng: np.random.Generator, sample_rate: int, hop: int, channels: int = 2):
        step = 1
        while sample_rate / (2 * step) >= 12000 and hop % (2 * step) == 0:
            step *= 2
        self.step = step
        rate = sample_rate / step
        self._white = WhiteSource(rng, channels, np.float64)
        self._band = butter(1, [30.0 / 1.1, 30.0 * 1.1], "bandpass", fs=rate, output="sos")
        # white noise of unit variance through the band, to a standard deviation of 1 before the clip
        probe = sosfilt(self._band, np.random.default_rng(0).standard_normal(1 << 17))
        self._drive = 1.0 / probe[1 << 13:].std()
        self._band_zi = np.zeros((self._band.shape[0], 2, channels))
        pole = np.exp(-2 * np.pi * 35.0 / rate)
        self._leak = (np.convolve([1.0, -1.0], [1.0, -1.0]), np.convolve([1.0, -pole], [1.0, -pole]))
        self._leak_zi = np.zeros((2, channels))
        self._last = np.zeros(channels, np.float32)  # the last point of the previous call
        self._fractions = ((np.arange(step) + 1) / step).astype(np.float32)  # (step,)

    def add_to(self, out: np.ndarray, gain: float | np.ndarray) -> None:
        n, channels = len(out) // self.step, out.shape[1]
        x, self._band_zi = sosfilt(self._band, self._white.take(n), axis=0, zi=self._band_zi)
        x = np.clip(x * self._drive, -0.9, 0.9)
        x, self._leak_zi = lfilter(*self._leak, x, axis=0, zi=self._leak_zi)
        x = np.ascontiguousarray((x * (gain if np.ndim(gain) == 0 else gain[:, None])).astype(np.float32).T)
        before = np.empty_like(x)  # channel-major, so numpy's inner loops run along time
        before[:, 0] = self._last
        before[:, 1:] = x[:, :-1]
        self._last = x[:, -1].copy()
        rise = x - before
        between = out.reshape(n, self.step, channels)  # the points between two computed ones
        part = np.empty(n, np.float32)
        for c in range(channels):
            for s, fraction in enumerate(self._fractions):
                np.multiply(rise[c], fraction, out=part)
                part += before[c]
                between[:, s, c] += part


@kind("fire", family="nature", params=FireParams)
class Fire(Texture):
    """A wood fire: crackles in bursts and flurries, pops of sap, lapping flames, a low roar.

    Each crackle is a burst of snaps (:func:`~sensory.dsp.crackles.clustered`), every snap
    a grain of its own variant, gain and place; the flames' lapping is Farnell's clipped
    30-Hz noise, the roar and hiss are noise shaped per hop; slow random signals make the
    roar breathe, the hiss come and go and the crackling flare.
    """

    events = True  # crackles: stopped by events_until
    cost = 2.6  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.22  # make-up gain: the loudest bursts of snaps under full scale

    def __init__(self, params: FireParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        tilt = pink(f) * f / (f + 20.0)
        self._hiss = band(lf, 3000.0, 1.0) * tilt
        self._low = band(lf, 70.0, 0.7) * tilt
        self._roar = band(lf, 300.0, 1.3) * tilt
        self._lapping = _Lapping(rng.spawn(1)[0], sample_rate, self.hop)
        self._breath = Drift(rng, 0.5, 3)
        self._flare = Wander(rng, 0.7)
        self._flicker = Wander(rng, 3.0)
        g = np.random.default_rng(rng.integers(2**63))
        n_snap, n_pop = int(0.02 * sample_rate), int(0.06 * sample_rate)
        self._snaps = peak_normalised(np.array([snap(g, n_snap, sample_rate) for _ in range(_SNAPS)]))
        self._pops = peak_normalised(np.array([pop(g, n_pop, sample_rate) for _ in range(_POPS)]))
        self._bank = np.zeros((_SNAPS + _POPS, n_pop), np.float32)  # every grain, for inspection
        self._bank[:_SNAPS, :n_snap] = self._snaps
        self._bank[_SNAPS:] = self._pops
        self._snap_lengths = grain_lengths(self._snaps)
        self._burst = int(_BURST_S * sample_rate)
        self._ola = OverlapAdd(self.size, self._burst + n_pop)
        self._centres = (np.arange(self.HOPS) + 0.5) * self.hop  # the hops' centres, samples into the frame
        self._points = (np.arange(self.size // self._lapping.step) + 1) * self._lapping.step  # the lapping's points

    def _frame(self) -> np.ndarray:
        p, hop, sr, rng = self.params, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        size = self.per_hop(p.size)
        crackle = self.per_hop(p.crackle)
        breath = np.clip(0.6 + 0.5 * self._breath.at(t), 0.0, None) ** 4
        flicker = 1.0 + 0.25 * self._flicker.at(t)
        mag = (self._hiss * (0.002 + 0.012 * breath)[:, None]
               + self._low * (0.3 + 0.75 * size)[:, None] * flicker[:, None]
               + self._roar * (0.006 + 0.03 * size)[:, None] * (0.6 + 0.4 * breath)[:, None])
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        lapping = 0.03 + 0.09 * size
        self._lapping.add_to(out, lapping[0] if p.size.is_constant else np.interp(self._points, self._centres, lapping))
        flare = np.exp(0.8 * self._flare.at(t))
        bursts = poisson_times(rng, (1.0 + 14.0 * crackle) * flare * hop / sr, hop)
        if len(bursts):
            starts, which = clustered(rng, bursts, 1.0 + 4.0 * float(crackle.mean()), 0.004 * sr, self._burst)
            loud = np.minimum(rng.lognormal(-0.2, 0.7, len(bursts)), 2.0)[which]  # a few loud cracks among soft ones
            gain = np.minimum(loud * rng.lognormal(0.0, 0.5, len(starts)), 2.0)
            pan = np.clip(rng.uniform(-0.9, 0.9, len(bursts))[which] + rng.normal(0.0, 0.05, len(starts)), -1, 1)
            self._ola.grains(starts, self._snaps, rng.integers(0, _SNAPS, len(starts)),
                             place(pan, gain * self.sounds(self.start + starts)),
                             self._snap_lengths)
        pops = poisson_times(rng, (0.03 + 0.15 * crackle) * flare * hop / sr, hop)
        if len(pops):
            self._ola.grains(pops, self._pops, rng.integers(0, _POPS, len(pops)),
                             place(rng.uniform(-0.5, 0.5, len(pops)),
                                   rng.uniform(0.3, 0.8, len(pops)) * self.sounds(self.start + pops)))
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))
