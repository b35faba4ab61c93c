"""Struck bells, singing bowls and chimes by modal synthesis.

A struck body rings in a few modes, each a decaying sine at its own frequency
with its own decay time; the modes of a bell or bowl are not harmonics of one
pitch, which is what makes them sound like metal. Each mode here is a pair of
sines a fraction of a hertz apart (a round body's modes come in near-degenerate
pairs), which gives the slow beating of a real bell. Mode ratios:

* ``bell``: the partials of a tuned church bell (hum, prime, tierce, quint,
  nominal, ...), N. H. Fletcher and T. D. Rossing, *The Physics of Musical
  Instruments*, 2nd ed., Springer 1998, ch. 21 (table 21.1);
* ``bowl``: a Himalayan singing bowl, O. Inácio, L. Henrique and J. Antunes,
  "The dynamics of Tibetan singing bowls", *Acta Acustica united with Acustica*
  92 (2006), modes (2,0) to (5,0);
* ``chime``: a free bar or tube (a wind chime), the free-free beam ratios
  (beta_n / beta_1)^2 of Euler-Bernoulli theory, Fletcher and Rossing ch. 2.

Every strike is rendered in closed form from its strike time, so blocks of any
size give the same samples; the work per block is one vectorized call per
ringing strike.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..dsp.phasor import sine
from ..params import Params, TimeValue, param
from ..unit import Unit
from . import kind

# (frequency ratio to the fundamental, relative amplitude, decay time relative to `decay`)
_MODES = {
    "bell": ((0.5, 0.5, 1.0), (1.0, 0.8, 0.8), (1.19, 0.6, 0.55), (1.5, 0.35, 0.45), (2.0, 0.9, 0.4),
             (2.51, 0.35, 0.25), (2.66, 0.3, 0.22), (3.01, 0.25, 0.18), (4.1, 0.18, 0.12)),
    "bowl": ((1.0, 1.0, 1.0), (2.77, 0.55, 0.55), (5.18, 0.25, 0.3), (8.16, 0.1, 0.18)),
    "chime": ((1.0, 1.0, 1.0), (2.757, 0.6, 0.45), (5.404, 0.3, 0.22), (8.933, 0.12, 0.12)),
}
_ATTACK_S = {"bell": 0.002, "bowl": 0.012, "chime": 0.001}  # mallet contact time
_SPLIT_HZ = {"bell": 0.7, "bowl": 1.2, "chime": 0.4}  # largest split of a mode pair, Hz
_PEAK = 0.35  # amplitude of a strike's modes summed, before the strike's velocity
_SILENT = 1e-4  # a strike is done when its envelope falls below -80 dB


class BellParams(Params):
    model: Literal["bell", "bowl", "chime"] = param("bowl", help="bell, bowl (singing bowl) or chime")
    freq: float = param(220.0, unit="Hz", ge=60, le=2000, audible=True,
                        help="fundamental (the prime of a bell); the highest mode sits up to 9x above")
    decay: float = param(8.0, unit="s", ge=0.2, le=60, help="time for the fundamental to fade by 60 dB")
    strikes: tuple[TimeValue, ...] = Field((0.0,), description="strike times: seconds, '2m' or phase marks "
                                                                "like 'listen+10s'")
    every: float = param(0.0, unit="s", ge=0, le=3600, help="also strike at random intervals averaging this "
                                                            "many seconds (0 = only the listed strikes)")
    spread: float = param(0.5, ge=0, le=0.9, help="random intervals vary by up to this fraction of `every`")
    velocity: float = param(1.0, ge=0.05, le=1, help="strike strength: quieter and darker when lower")

    @field_validator("strikes", mode="after")
    @classmethod
    def _not_before_start(cls, strikes: tuple[float, ...]) -> tuple[float, ...]:
        for i, t in enumerate(strikes):
            if t < 0:
                raise ValueError(f"[{i}] strike time {t:g} s is before the start of the session")
        return strikes


@kind("bell", family="tone", params=BellParams)
class Bell(Unit):
    """Struck bell, singing bowl or chime (modal synthesis), at listed or random times.

    Each mode rings as a pair of slightly split sines with its own decay, so
    strikes have slow beating like a real bell. ``strikes`` lists the times;
    ``every`` adds strikes at random intervals (a mindfulness bell). The
    unit is mono; ``pan`` places it.
    """

    def __init__(self, params: BellParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        nyquist = sample_rate / 2
        modes = np.array([m for m in _MODES[params.model] if m[0] * params.freq * 1.01 < nyquist])
        self._ratio, self._amp, self._decay = modes.T
        self._listed = sorted(int(round(t * sample_rate)) for t in params.strikes)
        self._next_random = self._random_interval() if params.every > 0 else None
        self._ringing: list[tuple] = []
        self._silence = np.zeros(0, np.float32)  # (start frame, end frame, freqs, amps, rates, phases) per strike

    def _random_interval(self) -> int:
        p = self.params
        return int(round(p.every * self.rng.uniform(1 - p.spread, 1 + p.spread) * self.sample_rate))

    def _strike(self, frame: int) -> None:
        """Start a strike at ``frame``: per-mode frequencies, amplitudes, decay rates and phases."""
        p = self.params
        k = len(self._ratio)
        split = self.rng.uniform(0.2, 1.0, k) * _SPLIT_HZ[p.model]
        freqs = np.concatenate([self._ratio * p.freq - split / 2, self._ratio * p.freq + split / 2])
        # a softer strike excites the upper modes less
        amps = self._amp * p.velocity ** (1 + self._ratio / self._ratio.max())
        balance = self.rng.uniform(0.35, 0.65, k)
        amps = np.concatenate([amps * balance, amps * (1 - balance)]) * (_PEAK / self._amp.sum())
        rates = np.tile(np.log(1000.0) / (p.decay * self._decay), 2)  # 60 dB over the mode's decay time
        phases = self.rng.uniform(0, 1, 2 * k)
        # the frame where even the slowest mode has fallen below _SILENT
        end = frame + int(np.ceil(np.log(amps.sum() / _SILENT) / rates.min() * self.sample_rate))
        self._ringing.append((frame, end, freqs, amps, rates, phases))

    def _schedule(self, end: int) -> None:
        """Start every strike due before frame ``end``, in time order."""
        while True:
            listed = self._listed[0] if self._listed else None
            rand = self._next_random
            due = [f for f in (listed, rand) if f is not None and f < end]
            if not due:
                return
            frame = min(due)
            if frame == listed:
                self._listed.pop(0)
            else:
                self._next_random = rand + max(1, self._random_interval())
            self._strike(frame)

    def _render(self, n: int) -> np.ndarray:
        start = self.frame
        self._schedule(start + n)
        if not self._ringing:  # between strikes: a shared block of silence
            if len(self._silence) < n:
                self._silence = np.zeros(n, np.float32)
            return self._silence[:n]
        out = np.zeros(n, np.float32)
        attack = _ATTACK_S[self.params.model]
        frames = start + np.arange(n)
        for frame0, end, freqs, amps, rates, phases in self._ringing:
            live = (frames >= frame0) & (frames < end)
            t = np.where(live, frames - frame0, 0) / self.sample_rate  # seconds since the strike, (n,)
            tt = t[:, None]
            modes = sine(freqs * tt + phases) * (np.exp(-rates * tt) * amps).astype(np.float32)
            ring = modes.sum(axis=1)
            if t[0] < attack:
                ring *= (np.sin(0.5 * np.pi * np.clip(t / attack, 0, 1)) ** 2).astype(np.float32)
            out += np.where(live, ring, np.float32(0))
        self._ringing = [s for s in self._ringing if s[1] > start + n]
        return out
