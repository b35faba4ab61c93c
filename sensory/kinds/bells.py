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

The bank is rendered in fixed internal frames of 1024 samples at fixed absolute
positions, so blocks of any size give the same samples. In each frame a strike's
modes are the complex amplitudes reached at the frame's start (closed form from
the strike time) times a per-strike table of one frame of decaying rotations:
two small matrix-vector products per ringing strike, no per-sample loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, field_validator

from ..core.params import Params, TimeValue, param
from ..core.unit import Unit
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
_SILENT = 1e-4  # a strike is done when its envelope falls below -80 dB
_FRAME = 1024  # internal frame, samples
# Event-rate caps: every ringing strike costs two small matrix products per frame, and a
# strike rings for up to ~1.2 x decay (60 s at most). At one strike a second with the
# longest decay about 72 ring at once, which renders ~12x faster than real time
# (docs/robustness.md); the caps keep any recipe near that.
MIN_EVERY_S = 1.0  # shortest mean random interval
MAX_STRIKES = 1000  # listed strike times
MAX_STRIKES_PER_10S = 16  # listed strikes within any 10 s


class BellParams(Params):
    model: Literal["bell", "bowl", "chime"] = param("bowl", help="bell, bowl (singing bowl) or chime")
    freq: float = param(220.0, unit="Hz", ge=60, le=2000, audible=True,
                        help="fundamental (the prime of a bell); the highest mode sits up to 9x above")
    decay: float = param(8.0, unit="s", ge=0.2, le=60, help="time for the fundamental to fade by 60 dB")
    strikes: tuple[TimeValue, ...] = Field((0.0,), description="strike times: seconds, '2m' or phase marks "
                                                                "like 'listen+10s'")
    every: float = param(0.0, unit="s", ge=0, le=3600, help="also strike at random intervals averaging this "
                                                            "many seconds (0 = only the listed strikes; "
                                                            f"else at least {MIN_EVERY_S:g} s)")
    spread: float = param(0.5, ge=0, le=0.9, help="random intervals vary by up to this fraction of `every`")
    velocity: float = param(1.0, ge=0.05, le=1, help="strike strength: quieter and darker when lower")

    @field_validator("strikes", mode="after")
    @classmethod
    def _not_before_start(cls, strikes: tuple[float, ...]) -> tuple[float, ...]:
        for i, t in enumerate(strikes):
            if t < 0:
                raise ValueError(f"[{i}] strike time {t:g} s is before the start of the session")
        if len(strikes) > MAX_STRIKES:
            raise ValueError(f"{len(strikes)} strikes is more than the limit of {MAX_STRIKES}")
        ordered = sorted(strikes)
        for i in range(len(ordered) - MAX_STRIKES_PER_10S):
            if ordered[i + MAX_STRIKES_PER_10S] - ordered[i] < 10:
                raise ValueError(f"more than {MAX_STRIKES_PER_10S} strikes within 10 s (from "
                                 f"{ordered[i]:g} s); space them out")
        return strikes

    @field_validator("every", mode="after")
    @classmethod
    def _not_too_often(cls, every: float) -> float:
        if 0 < every < MIN_EVERY_S:
            raise ValueError(f"{every:g} s is too often; use 0 (off) or at least {MIN_EVERY_S:g} s")
        return every


@kind("bell", family="tone", params=BellParams)
class Bell(Unit):
    """Struck bell, singing bowl or chime (modal synthesis), at listed or random times.

    Each mode rings as a pair of slightly split sines with its own decay, so
    strikes have slow beating like a real bell. ``strikes`` lists the times;
    ``every`` adds strikes at random intervals (a mindfulness bell). The
    unit is mono; ``pan`` places it.
    """

    events = True  # strikes: stopped by events_until
    cost = 0.3  # CPU per second of audio against a noise layer, measured at 48 kHz
    nominal_level = 0.35  # a strike's mode amplitudes summed at full velocity: the most its first peak can reach

    def __init__(self, params: BellParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        nyquist = sample_rate / 2
        modes = np.array([m for m in _MODES[params.model] if m[0] * params.freq * 1.01 < nyquist])
        self._ratio, self._amp, self._decay = modes.T
        self._listed = sorted(int(round(t * sample_rate)) for t in params.strikes)
        self._next_random = self._random_interval() if params.every > 0 else None
        self._ringing: list[_Strike] = []
        self._silence = np.zeros(_FRAME, np.float32)
        self._last: tuple[int, np.ndarray] = (-1, self._silence)  # the latest internal frame: (index, samples)

    def _random_interval(self) -> int:
        p = self.params
        return int(round(p.every * self.rng.uniform(1 - p.spread, 1 + p.spread) * self.sample_rate))

    def _strike(self, frame: int) -> None:
        """Start a strike at ``frame``: per-mode frequencies, amplitudes, decay rates and phases."""
        p, sr = self.params, self.sample_rate
        k = len(self._ratio)
        split = self.rng.uniform(0.2, 1.0, k) * _SPLIT_HZ[p.model]
        freqs = np.concatenate([self._ratio * p.freq - split / 2, self._ratio * p.freq + split / 2])
        # a softer strike excites the upper modes less
        amps = self._amp * p.velocity ** (1 + self._ratio / self._ratio.max())
        balance = self.rng.uniform(0.35, 0.65, k)
        amps = np.concatenate([amps * balance, amps * (1 - balance)]) * (self.nominal_level / self._amp.sum())
        rates = np.tile(np.log(1000.0) / (p.decay * self._decay), 2)  # 60 dB over the mode's decay time
        phases = self.rng.uniform(0, 1, 2 * k)
        pole = 2j * np.pi * freqs - rates  # per mode: d/dt of log(amplitude) as a complex rate, 1/s
        rotation = np.exp(np.outer(np.arange(_FRAME) / sr, pole))  # (F, modes): one frame of ringing
        # the frame where even the slowest mode has fallen below _SILENT
        end = frame + int(np.ceil(np.log(amps.sum() / _SILENT) / rates.min() * sr))
        attack = max(1, int(round(_ATTACK_S[p.model] * sr)))
        if self.sounds(frame):
            self._ringing.append(_Strike(frame, end, amps * np.exp(2j * np.pi * phases), pole,
                                         np.ascontiguousarray(rotation.real, np.float32),
                                         np.ascontiguousarray(rotation.imag, np.float32), attack))

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

    def _internal(self, c: int) -> np.ndarray:
        """Internal frame ``c`` (absolute frames c*_FRAME onwards), float32 (_FRAME,)."""
        if self._last[0] == c:
            return self._last[1]
        start = c * _FRAME
        ringing = [s for s in self._ringing if s.frame < start + _FRAME and s.end > start]
        if not ringing:
            return self._silence
        out = np.zeros(_FRAME, np.float32)
        for s in ringing:
            skip = max(0, s.frame - start)  # frames of this internal frame before the strike
            at = s.amplitude * np.exp(s.pole * (max(start, s.frame) - s.frame) / self.sample_rate)
            m = _FRAME - skip
            ring = s.re[:m] @ at.real.astype(np.float32) - s.im[:m] @ at.imag.astype(np.float32)
            since = start + skip - s.frame  # samples since the strike at out[skip]
            if since < s.attack:
                ramp = np.minimum(np.arange(since, since + m) / s.attack, 1.0)
                ring *= (np.sin(0.5 * np.pi * ramp) ** 2).astype(np.float32)
            out[skip:] += ring
        self._last = (c, out)
        return out

    def _render(self, n: int) -> np.ndarray:
        first, last = self.frame // _FRAME, (self.frame + n - 1) // _FRAME
        self._schedule((last + 1) * _FRAME)  # every strike that can reach the internal frames read
        self._ringing = [s for s in self._ringing if s.end > first * _FRAME]
        if not self._ringing:  # between strikes: shared silence
            if len(self._silence) < n:
                self._silence = np.zeros(n, np.float32)
            return self._silence[:n]
        out = np.empty(n, np.float32)
        for c in range(first, last + 1):
            a, b = max(self.frame, c * _FRAME), min(self.frame + n, (c + 1) * _FRAME)
            out[a - self.frame:b - self.frame] = self._internal(c)[a - c * _FRAME:b - c * _FRAME]
        return out


@dataclass(frozen=True)
class _Strike:
    """A ringing strike: start and end frames, complex mode amplitudes at the strike, complex
    poles (1/s), one internal frame of decaying rotations (real and imaginary, (F, modes)),
    and the mallet's attack in frames."""

    frame: int
    end: int
    amplitude: np.ndarray
    pole: np.ndarray
    re: np.ndarray
    im: np.ndarray
    attack: int
