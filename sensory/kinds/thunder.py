"""Thunder: strikes at random intervals, each a crack, a roll of peals and their echoes.

Source: A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 40 "Thunder" (strike, rumble of
N-wave pulses, reflections, distance low-pass). docs/nature.md describes the storm and how it
was measured against recordings.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift
from ..dsp.pan import equal_power
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow
from . import kind
from .texture import Texture, pink

__all__ = ["Thunder"]


class ThunderParams(Params):
    interval: Automatable = param(25.0, unit="s", ge=3, le=600, help="mean time between strikes")
    distance: Automatable = param(0.5, ge=0, le=1, help="0 overhead (sharp crack, short bright roll) .. 1 far (long low roll)")
    rumble: Automatable = param(0.3, ge=0, le=1, help="level of the far storm's rolling between strikes")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


class _Peals:
    """The peals of the thunder that is sounding: parallel float64 arrays, one entry per peal.

    A peal is one loud stretch of a roll (the sound of one part of the channel, Farnell ch. 40):
    ``start`` (s), ``attack`` and ``decay`` (s, its envelope ``(1 - exp(-x/attack)) exp(-x/decay)``),
    ``left`` and ``right`` (amplitude in each ear) and ``cutoff`` (Hz, its distance low-pass).
    """

    FIELDS = ("start", "attack", "decay", "left", "right", "cutoff")

    def __init__(self):
        for name in self.FIELDS:
            setattr(self, name, np.empty(0))

    def add(self, **columns: np.ndarray) -> None:
        for name in self.FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), columns[name]]))

    def keep(self, mask: np.ndarray) -> None:
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[mask])


@kind("thunder", family="nature", params=ThunderParams)
class Thunder(Texture):
    """Thunder: strikes at random intervals, each a crack, a roll of peals and their echoes.

    After Farnell, *Designing Sound* ch. 40: a strike's sound is the N-wave
    pulses of every part of its channel arriving one after another, so it
    rolls for seconds as loud peals (the parts that lie across the line of
    sight) over the rest, then comes back from hills and cloud bases as
    echoes; distance low-passes it. Here a strike is about 0.6 peals a
    second over a roll of 4-8 s (near) to 20 s (far), each peal a sharp rise
    and a 0.15-0.8 s decay, falling in level and brightness along the roll;
    a near strike opens with a crack (a bright peal of 0.1-0.3 s). One or
    two reflections repeat the peals 0.5-3 s later, softer and darker. Each
    peal starts with the steep front of its N-waves: a 20-ms burst of noise at
    0.7-2 kHz, crisper the nearer the peal. The far storm (``rumble``) is a
    stream of dull peals, about one every 0.9 s, its activity drifting over
    minutes. All peals of a hop share one spectral shape (a 2nd-order
    high-pass at 100 Hz, a 1st-order low-pass at the energy-weighted cutoff
    of the sounding peals, air absorption above it), so every band rises and
    falls together, as in recordings of thunderstorms (cross-band envelope
    correlation about 0.55 against 0.01 for noise, in J. H. McDermott and
    E. P. Simoncelli's texture statistics, Neuron 71, 2011). The first
    strike comes within a few seconds, later ones after exponentially
    distributed gaps around ``interval`` (at least 2 s).
    """

    cost = 2.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.4  # make-up gain: a near strike's crack under full scale

    FRONT = 0.45  # level of a peal's bright front against its rumble
    STORM = 1.0  # level of the far storm's peals at full ``rumble``

    def __init__(self, params: ThunderParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        self._shape = _DistanceTable(self._shaper.freqs)
        f = np.maximum(self._shaper.freqs, 1.0)
        # a peal's front: band-passed 0.7-2 kHz on the pink tilt, float32 (bins,)
        self._front = (pink(f) * (f / 700.0) ** 2 / (1.0 + (f / 700.0) ** 2) / (1.0 + (f / 2000.0) ** 2)).astype(np.float32)
        self._storm = Drift(rng, 0.02, 3)  # the far storm's activity
        self._peals = _Peals()
        self._next_strike = rng.uniform(0.2, 2.0)
        self._far = 0.0  # time of the next far-storm peal

    def _strike(self, start: float) -> None:
        """Add the peals of a strike at ``start`` seconds."""
        p, rng = self.params, self.rng
        dist = float(np.clip(float(p.distance(start)) * rng.uniform(0.7, 1.2), 0.0, 1.0))
        roll = 4.0 + 12.0 * dist + rng.uniform(0.0, 4.0)
        n = max(2, rng.poisson(0.6 * roll))
        t = np.concatenate([[0.0], np.sort(rng.uniform(0.0, roll, n - 1) * rng.uniform(0.0, 1.0, n - 1) ** 0.3)])
        size = rng.uniform(0.6, 1.0) * (1.0 - 0.6 * dist)
        amp = size * np.exp(-t / (0.3 * roll)) * rng.lognormal(0.0, 1.0, n)
        amp[0] = 1.5 * size
        attack = rng.uniform(0.01, 0.03 + 0.06 * dist, n)
        decay = rng.uniform(0.15, 0.4 + 0.4 * dist, n)
        cutoff = 1100.0 * 2.0 ** (-4.0 * dist) * 2.0 ** (-t / roll) * rng.lognormal(0.0, 0.3, n)
        pan = np.clip(rng.uniform(-0.7, 0.7) + rng.normal(0.0, 0.25, n), -1.0, 1.0)
        if dist < 0.45:  # the crack of a near strike
            t, amp = np.append(t, 0.0), np.append(amp, 2.0 * size * (1.0 - dist / 0.45))
            attack, decay = np.append(attack, 0.01), np.append(decay, rng.uniform(0.1, 0.3))
            cutoff, pan = np.append(cutoff, rng.uniform(4000.0, 6000.0)), np.append(pan, pan[0])
        lag, gain = rng.uniform(0.5, 3.0, 2), rng.uniform(0.15, 0.35, 2)
        gain[1] *= rng.integers(0, 2)  # one or two reflections
        t = np.concatenate([t] + [t + d for d in lag])
        amp = np.concatenate([amp] + [amp * g for g in gain])
        scale = np.repeat([1.0, 1.3, 1.3], len(attack))
        attack, decay = np.tile(attack, 3) * scale, np.tile(decay, 3) * scale
        cutoff = np.tile(cutoff, 3) * np.repeat([1.0, 0.6, 0.6], len(cutoff))
        self._sound(start + t, attack, decay, amp, np.tile(pan, 3), cutoff)

    def _sound(self, start, attack, decay, amp, pan, cutoff) -> None:
        """Add peals: float64 arrays of one length; ``amp`` the level, ``pan`` -1 .. 1 (see :class:`_Peals`)."""
        keep = amp > 1e-4
        left, right = equal_power(pan[keep])
        a = amp[keep] * np.sqrt(2.0)
        self._peals.add(start=start[keep], attack=attack[keep], decay=decay[keep], left=a * left,
                        right=a * right, cutoff=cutoff[keep])

    def _far_storm(self, until: float) -> None:
        """Add the far storm's dull peals up to ``until`` seconds: about one every 0.9 s."""
        p, rng = self.params, self.rng
        while self._far < until:
            t = self._far
            level = float(p.rumble(t)) * self.STORM * np.exp(self._storm.at(t))
            if level > 0:
                self._sound(np.array([t]), rng.uniform(0.03, 0.12, 1), rng.uniform(0.3, 1.0, 1),
                            level * rng.lognormal(0.0, 0.8, 1), rng.uniform(-0.9, 0.9, 1),
                            rng.uniform(150.0, 400.0, 1))
            self._far = t + rng.exponential(0.9)

    def _frame(self) -> np.ndarray:
        p, k = self.params, self.HOPS
        t = self.hop_times()
        end = t[-1] + 0.5 * self.hop / self.sample_rate
        while self._next_strike < end:
            self._strike(self._next_strike)
            self._next_strike += _gap(self.rng, float(p.interval(self._next_strike)))
        self._far_storm(end)
        pl = self._peals
        if pl.start.size:
            x = t[None, :] - pl.start[:, None]  # (peals, hops)
            xs = np.maximum(x, 0.0)
            e = np.where(x >= 0, (1.0 - np.exp(-xs / pl.attack[:, None])) * np.exp(-xs / pl.decay[:, None]), 0.0)
            env = np.stack([pl.left @ e, pl.right @ e], axis=1)  # (hops, 2)
            w = (e * (pl.left + pl.right)[:, None]) ** 2
            cut = 2.0 ** ((np.log2(pl.cutoff) @ w) / np.maximum(w.sum(axis=0), 1e-30))
            # the steep front of each peal's N-waves: a short bright burst at its onset, the
            # crisper the nearer (brighter) the peal
            front = np.where(x >= 0, np.exp(-xs / 0.02), 0.0)
            edge = np.sqrt(pl.cutoff / 2000.0) * np.stack([pl.left, pl.right])  # (2, peals)
            burst = (edge @ front).T  # (hops, 2)
            pl.keep(pl.start + 8.0 * pl.decay > end)
        else:
            env, cut, burst = np.zeros((k, 2)), np.full(k, 200.0), np.zeros((k, 2))
        mag = self._shape.at(cut)[:, None, :] * env.astype(np.float32)[:, :, None]
        if burst.any():
            mag += self._front * (self.FRONT * burst).astype(np.float32)[:, :, None]
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        return narrow(out, self.per_sample(p.width))


def _gap(rng: np.random.Generator, interval: float) -> float:
    """Seconds to the next strike: exponential around ``interval``, never under 2 s."""
    return 2.0 + rng.exponential(max(interval - 2.0, 1.0))


class _DistanceTable:
    """Magnitudes of thunder heard through distance, for cutoffs on a 1/8-octave grid from
    60 Hz to 8 kHz: power per octave ``hp(f) / (1 + (f/c)^2) * exp(-(f / 3.5c)^2)`` (a 2nd-order
    high-pass at 100 Hz, a 1st-order low-pass at ``c`` and air absorption above it).
    ``at(cutoff_hz)`` takes any shape and returns float32 ``cutoff.shape + (bins,)``."""

    _LOW, _STEPS = 60.0, 8

    def __init__(self, freqs: np.ndarray):
        f = np.maximum(freqs, 1.0)
        c = self._LOW * 2.0 ** (np.arange(int(np.log2(8000.0 / self._LOW) * self._STEPS) + 1) / self._STEPS)
        hp = (f / 100.0) ** 4 / (1.0 + (f / 100.0) ** 4)
        power = hp / (1.0 + (f / c[:, None]) ** 2) * np.exp(-((f / (3.5 * c[:, None])) ** 2))
        self._table = (np.sqrt(power) * pink(f)).astype(np.float32)

    def at(self, cutoff_hz) -> np.ndarray:
        row = np.rint(self._STEPS * np.log2(np.maximum(cutoff_hz, 1.0) / self._LOW)).astype(np.int64)
        return self._table[np.clip(row, 0, len(self._table) - 1)]
