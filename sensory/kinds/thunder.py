"""Thunder: strikes at random intervals, each a long roll of churning swells, a crack when near,
and its echoes; the far storm's overlapping rolls between them.

Sources: A. A. Few, "Power spectrum of thunder", J. Geophys. Res. 74, 1969, and "Lightning channel
reconstruction from thunder measurements", J. Geophys. Res. 75, 1970 (every piece of a tortuous
channel sends its N-wave; they arrive over seconds, ordered by distance, so thunder rolls);
H. S. Ribner and D. Roy, "Acoustics of thunder: a quasilinear model for tortuous lightning",
J. Acoust. Soc. Am. 72, 1982 (claps where the channel lies across the line of sight, the
rumble of the rest); A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 40 "Thunder" (strike,
rumble of N-wave pulses, reflections, distance low-pass); D. R. MacGorman and W. D. Rust, *The
Electrical Nature of Storms* (Oxford University Press, 1998) (a storm flashes several times a
minute, a severe one tens of times, so thunder from its farther cells keeps rolling between the
near strikes). docs/nature.md describes the storm and how it was measured against recordings.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Drift, Wander
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


class _Swells:
    """The swells of the thunder that is sounding: parallel float64 arrays, one entry per swell.

    A swell is one loud stretch of a roll (the sound of one part of the channel, Farnell ch. 40):
    ``start`` (s), ``attack`` and ``decay`` (s, its envelope ``(1 - exp(-x/attack))^2 exp(-x/decay)``),
    ``left`` and ``right`` (amplitude in each ear), ``cutoff`` (Hz, its distance low-pass) and
    ``front`` (the level of its bright N-wave front: a crack's, else 0).
    """

    FIELDS = ("start", "attack", "decay", "left", "right", "cutoff", "front")

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
    """Thunder: strikes at random intervals, each a long roll of churning swells and its echoes.

    A strike's sound is the N-waves of every piece of its channel arriving
    one after another (Few 1969; Ribner and Roy 1982), so it rolls for 5 s
    (overhead) to 25 s (far) and is never one sharp onset: a blast is one
    onset and a quick decay, thunder keeps coming. Here a roll is about 1.6
    swells a second, overlapping (each rising over 0.1-0.6 s with no sharp
    edge and decaying over 0.7-2.6 s), loudest at first and thinning out,
    darker along the roll (the far end of the channel), and the whole
    thunder's loudness churns at 3-7 Hz, alike in both ears (the pieces'
    N-waves arriving; +-6 dB). Distance low-passes it (900 Hz overhead, 80
    Hz at the far end). A near strike (distance under 0.3) opens with a
    crack six times in ten: 4-12 bright N-wave fronts tearing past within
    half a second. One or two echoes off the landscape repeat the roll
    1-4 s later, softer, darker and smeared. Between strikes the far storm
    (``rumble``) keeps rolling: strikes of the storm's other cells at
    distance 0.5-0.75, one every 4 s or so (at least 2 s apart), each a
    whole roll with its echoes, so they overlap and the thunder never falls
    silent for long; their level drifts over minutes (+-30 %). All swells
    of a hop share one spectral shape (a 2nd-order high-pass at 100 Hz, a
    1st-order low-pass at the energy-weighted cutoff of the sounding
    swells, air absorption above it), so every band rises and falls
    together, as in recordings of
    thunderstorms (cross-band envelope correlation about 0.55 against 0.01
    for noise, in J. H. McDermott and E. P. Simoncelli's texture
    statistics, Neuron 71, 2011). The first strike comes within a few
    seconds, later ones after exponentially distributed gaps around
    ``interval`` (at least 2 s).
    """

    events = True  # strikes and the far storm's rolls: stopped by events_until
    cost = 1.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.11  # make-up gain: the loudest moments of the rolls (1 in 10^4 samples) near full scale at the defaults

    FRONT = 0.45  # level of a crack's bright fronts against its rumble
    SWELLS = 1.6  # swells a second along a roll (they overlap: the roll never falls silent)
    NEAR = 0.3  # strikes nearer than this may open with a crack
    GRUMBLE = 0.75  # depth of the roll's churning (natural log of amplitude per unit of wander)
    GRATE = 3.0  # slowest rate of the churning (Hz; a second at 2.3 times it)
    STORM = 1.4  # level of the far storm's strikes at full ``rumble`` (a strike of the storm's own: 1)
    FAR_GAP = 4.0  # mean time between the far storm's strikes (s)
    DRIFT = 0.6  # depth of the far storm's drift over minutes (natural log of its level per unit of drift)

    def __init__(self, params: ThunderParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        self._shape = _DistanceTable(self._shaper.freqs)
        f = np.maximum(self._shaper.freqs, 1.0)
        # a crack's fronts: band-passed 0.7-2 kHz on the pink tilt, float32 (bins,)
        self._front = (pink(f) * (f / 700.0) ** 2 / (1.0 + (f / 700.0) ** 2) / (1.0 + (f / 2000.0) ** 2)).astype(np.float32)
        self._storm = Drift(rng, 0.02, 3)  # the far storm's activity
        self._grumble = Wander(rng, [self.GRATE, 2.3 * self.GRATE])  # the roll's churning, heard in both ears
        self._swells = _Swells()
        self._next_strike = rng.uniform(0.2, 2.0)
        self._far = 0.0  # time of the next far-storm roll

    def _strike(self, start: float, dist: float, level: float = 1.0) -> None:
        """Add the swells of a strike at ``start`` seconds, ``dist`` away (0 overhead .. 1 far), of
        ``level`` (1 for the storm's own strikes): its roll, a crack when near, its echoes."""
        rng = self.rng
        roll = 5.0 + 15.0 * dist + rng.uniform(0.0, 5.0)
        n = max(3, rng.poisson(self.SWELLS * roll))
        # the nearest parts of the channel are heard first and loudest; the swells thin out along the roll
        t = np.sort(roll * rng.random(n) ** 1.5)
        t[0] = 0.0
        size = level * rng.uniform(0.6, 1.0) * (1.0 - 0.6 * dist)
        amp = size * np.exp(-t / (0.4 * roll)) * rng.lognormal(0.0, 0.6, n)
        amp[0] = max(amp[0], size)
        attack = rng.uniform(0.08, 0.25 + 0.35 * dist, n)
        decay = rng.uniform(0.7, 1.4 + 1.2 * dist, n)
        cutoff = 900.0 * 2.0 ** (-3.5 * dist) * 2.0 ** (-1.5 * t / roll) * rng.lognormal(0.0, 0.3, n)
        pan = np.clip(rng.uniform(-0.7, 0.7) + rng.normal(0.0, 0.3, n), -1.0, 1.0)
        front = np.zeros(n)
        if dist < self.NEAR and rng.random() < 0.6:  # the crack of a near strike: its first N-waves tearing past
            m = rng.integers(4, 12)
            t = np.concatenate([np.sort(rng.uniform(0.0, 0.5, m)), t + 0.4])
            near = 1.0 - dist / self.NEAR
            amp = np.concatenate([near * size * rng.uniform(0.3, 0.8, m), amp])
            attack = np.concatenate([np.full(m, 0.01), attack])
            decay = np.concatenate([rng.uniform(0.05, 0.2, m), decay])
            cutoff = np.concatenate([rng.uniform(2500.0, 5000.0, m), cutoff])
            pan = np.concatenate([np.clip(pan[0] + rng.normal(0.0, 0.1, m), -1.0, 1.0), pan])
            front = np.concatenate([np.full(m, near), front])
        # echoes off the landscape: later, softer, darker and smeared
        lag, gain = rng.uniform(1.0, 4.0, 2), rng.uniform(0.2, 0.4, 2)
        gain[1] *= rng.integers(0, 2)
        m = len(t)
        t = np.concatenate([t] + [t + d for d in lag])
        amp = np.concatenate([amp] + [amp * g for g in gain])
        attack = np.tile(attack, 3) * np.repeat([1.0, 2.0, 2.5], m)
        decay = np.tile(decay, 3) * np.repeat([1.0, 1.5, 1.8], m)
        cutoff = np.tile(cutoff, 3) * np.repeat([1.0, 0.6, 0.5], m)
        front = np.concatenate([front, 0.0 * front, 0.0 * front])
        self._sound(start + t, attack, decay, amp * self.sounds(round(start * self.sample_rate)), np.tile(pan, 3),
                    cutoff, front)

    def _sound(self, start, attack, decay, amp, pan, cutoff, front) -> None:
        """Add swells: float64 arrays of one length; ``amp`` the level, ``pan`` -1 .. 1 (see :class:`_Swells`)."""
        keep = amp > 1e-4
        left, right = equal_power(pan[keep])
        a = amp[keep] * np.sqrt(2.0)
        self._swells.add(start=start[keep], attack=attack[keep], decay=decay[keep], left=a * left,
                        right=a * right, cutoff=cutoff[keep], front=front[keep])

    def _far_storm(self, until: float) -> None:
        """Add the far storm's strikes up to ``until`` seconds: long low rolls from the storm's
        other cells, one every ``FAR_GAP`` s or so, so they overlap and the storm rumbles on."""
        p, rng = self.params, self.rng
        while self._far < until:
            t = self._far
            level = float(p.rumble(t)) * self.STORM * np.exp(self.DRIFT * self._storm.at(t))
            if level > 0:
                self._strike(t, rng.uniform(0.5, 0.75), level)
            self._far = t + _gap(rng, self.FAR_GAP)

    def _frame(self) -> np.ndarray:
        p, k = self.params, self.HOPS
        t = self.hop_times()
        end = t[-1] + 0.5 * self.hop / self.sample_rate
        while self._next_strike < end:
            dist = float(np.clip(float(p.distance(self._next_strike)) * self.rng.uniform(0.7, 1.2), 0.0, 1.0))
            self._strike(self._next_strike, dist)
            self._next_strike += _gap(self.rng, float(p.interval(self._next_strike)))
        self._far_storm(end)
        pl = self._swells
        burst = None
        if pl.start.size:
            x = t[None, :] - pl.start[:, None]  # (swells, hops)
            # envelopes of the swells begun by the frame's last hop (the rest are 0 throughout)
            begun = pl.start <= t[-1]
            e = np.zeros_like(x)
            e[begun] = _envelopes(x[begun], pl.attack[begun], pl.decay[begun])
            env = np.stack([pl.left @ e, pl.right @ e], axis=1)  # (hops, 2)
            w = (e * (pl.left + pl.right)[:, None]) ** 2
            cut = 2.0 ** ((np.log2(pl.cutoff) @ w) / np.maximum(w.sum(axis=0), 1e-30))
            # the steep fronts of a crack's N-waves: short bright bursts at their onsets
            lit = pl.front > 0
            if lit.any():
                front = np.zeros_like(x)
                front[lit] = np.where(x[lit] >= 0, np.exp(-np.maximum(x[lit], 0.0) / 0.02), 0.0)
                edge = pl.front * np.stack([pl.left, pl.right])  # (2, swells)
                burst = (edge @ front).T  # (hops, 2)
            pl.keep(pl.start + pl.attack + 8.0 * pl.decay > end)
        else:
            env, cut = np.zeros((k, 2)), np.full(k, 200.0)
        # the roll grumbles: the N-waves of the channel's pieces arrive one after another, so
        # the rumble's loudness churns at a few hertz, the same sound reaching both ears
        env *= np.exp(self.GRUMBLE * self._grumble.at(t).sum(axis=0))[:, None]
        mag = self._shape.at(cut)[:, None, :] * env.astype(np.float32)[:, :, None]
        if burst is not None and burst.any():
            mag += self._front * (self.FRONT * burst).astype(np.float32)[:, :, None]
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        return narrow(out, self.per_sample(p.width))


def _envelopes(x: np.ndarray, attack: np.ndarray, decay: np.ndarray) -> np.ndarray:
    """Swells' envelopes ``(1 - exp(-x/attack))^2 exp(-x/decay)``, 0 before ``x = 0``, at
    ``x`` seconds since each began: float64 (swells, hops); ``attack``, ``decay`` (s, (swells,))."""
    xs = np.maximum(x, 0.0)
    rise = 1.0 - np.exp(-xs / attack[:, None])
    return np.where(x >= 0, rise * rise * np.exp(-xs / decay[:, None]), 0.0)  # no sharp onset


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
