"""Fire: hiss, crackles with wood resonances, and low lapping flames.

After A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 34 "Fire": hiss
is high-passed noise under a strongly peaked slow modulation
(``LFNoise2(1)^4``); crackles are short noise bursts (``Env.perc(0, 0.02)``
stretched 1-1.5x) ringing a band-pass at 100-1000 Hz with Q 20, on a
Poisson trigger; lapping is low band-passed noise (30 Hz), clipped.

Matched to the texture statistics of real fire recordings (ESC-50
``crackling_fire``): the bed lives below ~500 Hz and is steady there, above
1 kHz a fire is nearly silent between crackles (envelope kurtosis ~14), so the
hiss is kept very low, half the crackles are bright snaps and the wood
resonances sit at 400-2500 Hz, with a heavy-tailed spread of crackle levels.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift, Wander
from ..dsp.grains import OverlapAdd, onset_ramp, poisson_times
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import Texture, band, pink

__all__ = ["Fire"]

_CRACKLES = 64


class FireParams(Params):
    crackle: Automatable = param(0.5, ge=0, le=1, help="crackles per second: 0 embers .. 1 fresh dry wood")
    size: Automatable = param(0.5, ge=0, le=1, help="0 small campfire .. 1 roaring fireplace: roar and lapping")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


@kind("fire", family="nature", params=FireParams)
class Fire(Texture):
    """A wood fire: crackles and pops ringing the wood, soft hiss and low lapping roar.

    Crackles come in bursts (a Poisson rate that itself flares), each a
    grain with its own wood resonance, length, gain and place; the hiss and
    lapping are noise shaped per hop and modulated by ``LFNoise2(1)^4``-like
    signals, so the fire breathes.
    """

    cost = 3.0  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.7  # make-up gain: the loudest pops under full scale

    def __init__(self, params: FireParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        tilt = pink(f) * f / (f + 20.0)
        self._hiss = band(lf, 3000.0, 1.0) * tilt
        self._lap = band(lf, 60.0, 1.0) * tilt
        self._roar = band(lf, 300.0, 1.3) * tilt
        self._breath = Drift(rng, 0.5, 3)
        self._flare = Wander(rng, 0.7)
        self._lapping = Wander(rng, 4.0)
        g = np.random.default_rng(rng.integers(2**63))
        n = int(0.06 * sample_rate)
        tt = np.arange(n) / sample_rate
        bank = []
        for i in range(_CRACKLES):
            length = 0.02 * g.uniform(0.3, 1.5)
            burst = g.standard_normal(n) * np.exp(-tt / (length / 5))
            if i % 2 == 0:  # a sharp snap: bright, very short
                y = np.diff(burst, prepend=0.0) * 0.5
            else:  # ringing a wood resonance, Q 20
                f0 = np.exp(g.uniform(np.log(400), np.log(2500)))
                ring = np.sin(2 * np.pi * f0 * tt) * np.exp(-tt * np.pi * f0 / 20.0)
                y = np.convolve(burst, ring[: n // 2])[:n] * (0.01 + 0.1 * 1000 / f0) + 0.5 * np.diff(burst, prepend=0.0)
            fade = np.ones(n)
            fade[-n // 4:] = np.cos(np.linspace(0, np.pi / 2, n // 4)) ** 2
            bank.append(y * onset_ramp(n, sample_rate, 0.0006) * fade)
        bank = np.array(bank)
        loudness = np.where(np.arange(_CRACKLES) % 2 == 0, 0.33, 0.65)[:, None]  # snaps peak lower
        self._bank = (bank / np.abs(bank).max(axis=1, keepdims=True) * loudness).astype(np.float32)
        self._ola = OverlapAdd(self.size, n)

    def _frame(self) -> np.ndarray:
        p, hop, sr, rng = self.params, self.hop, self.sample_rate, self.rng
        t = self.hop_times()
        size = self.per_hop(p.size)
        crackle = self.per_hop(p.crackle)
        breath = np.clip(0.6 + 0.5 * self._breath.at(t), 0.0, None) ** 4
        lap = np.clip(0.5 + 0.6 * self._lapping.at(t), 0.05, 1.0)
        # the bed stays low under ~500 Hz; above it a real fire is nearly silent between crackles
        mag = (self._hiss * (0.004 + 0.025 * breath)[:, None]
               + self._lap * (0.2 + 0.55 * size)[:, None] * lap[:, None]
               + self._roar * (0.02 + 0.12 * size)[:, None] * (0.6 + 0.4 * breath)[:, None])
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        flare = np.exp(1.3 * self._flare.at(t))
        rate = (0.5 + 11.0 * crackle) * flare
        starts = poisson_times(rng, rate * hop / sr, hop)
        e = len(starts)
        if e:
            gain = np.minimum(rng.lognormal(-1.2, 0.9, e), 1.6)  # a few loud pops among soft ticks
            self._ola.grains(starts, self._bank, rng.integers(0, _CRACKLES, e),
                             place(rng.uniform(-0.6, 0.6, e), gain))
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))
