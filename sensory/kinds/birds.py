"""Birds: a chorus of agents singing FM phrases, answered by the forest's reverberant tail.

Syllables are FM sines (the phase is the exact integral of a quadratic pitch glide) with
smooth envelopes, an optional AM trill and a second harmonic about -10 dB. Species-like
syllable sets: the cardinal's swoop ``1740 + 260 sin`` Hz over 130 ms (V. Hunter Adams,
Cornell ECE 4760), the cuckoo's 712 / 573 Hz (algoritmarte). The forest's tail is late
reverberation as exponentially decaying noise (J. A. Moorer, "About this reverberation
business", Computer Music Journal 3(2), 1979). docs/nature.md gives the measurements.
"""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from ..core.params import Automatable, Params, param
from ..dsp.grains import OverlapAdd
from ..dsp.spectral import SpectralFrames
from . import kind
from .texture import Texture

__all__ = ["Birds"]

# (name, syllable list, repeats range, gap after a syllable s); a syllable is
# (start Hz, middle Hz, end Hz, seconds, trill Hz, trill depth)
_SPECIES = (
    ("cardinal", [(1740, 2000, 1740, 0.13, 0, 0), (2000, 4500, 7000, 0.05, 0, 0)], (3, 6), 0.07),
    ("warbler", [(6500, 5200, 4000, 0.035, 0, 0)], (8, 16), 0.025),
    ("tit", [(5000, 5100, 5000, 0.08, 0, 0), (3600, 3550, 3500, 0.1, 0, 0)], (3, 7), 0.06),
    ("robin", [(2600, 3400, 2900, 0.2, 25, 0.5), (3200, 2500, 3000, 0.15, 0, 0), (2200, 3000, 3800, 0.12, 40, 0.4)], (1, 3), 0.1),
    ("chip", [(4800, 4000, 3000, 0.022, 0, 0)], (2, 6), 0.16),
    ("cuckoo", [(712, 712, 700, 0.12, 0, 0), (573, 573, 565, 0.22, 0, 0)], (2, 4), 0.12),
    ("dove", [(480, 520, 500, 0.35, 12, 0.3)], (3, 5), 0.2),
    ("thrush", [(1800, 4200, 2600, 0.09, 60, 0.6), (3900, 3300, 3600, 0.07, 0, 0), (2400, 2200, 2000, 0.15, 30, 0.5)], (2, 4), 0.05),
    ("sparrow", [(3300, 4700, 3700, 0.11, 0, 0), (3600, 4300, 3300, 0.09, 0, 0)], (6, 14), 0.4),
)
_MAX_PHRASE_S = 1.4  # longest phrase (s): the recordings swell at 0.5-2 Hz (phrases and pauses of about a second)
_CANOPY_T60, _CANOPY_LEVEL = 1.5, 0.8  # reverberation time of the forest (s) and the tail's level against the song
_CANOPY_HZ = 3000.0  # above this the canopy's tail falls off (leaves absorb the high frequencies)
_STEPS_PER_HOP = 32  # a syllable's slow parts (loudness, trill, the canopy's power) are read every hop/32 samples
_CHUNK = 1 << 15  # samples synthesized at once (syllables of similar length side by side), kept in cache
_CANOPY_LAG_S = 0.012  # the tail reaches the right ear this much later than the left


class BirdsParams(Params):
    density: Automatable = param(0.6, ge=0, le=1, help="singing activity (time of day): 0 silent .. 1 dawn chorus")
    birds: int = param(8, ge=1, le=24, help="number of birds in the chorus")
    distance: Automatable = param(0.4, ge=0, le=1, help="mean distance of the birds: 0 close .. 1 far")
    species: str = param("all", help="'all' or a comma-separated list of: " + ", ".join(s[0] for s in _SPECIES))

    @field_validator("species", mode="after")
    @classmethod
    def _known_species(cls, species: str) -> str:
        names = [s[0] for s in _SPECIES]
        bad = [w for w in _wanted(species) if w not in names]
        if bad:
            raise ValueError(f"unknown species {bad[0]!r}; use 'all' or some of: {', '.join(names)}")
        return species


def _individual(rng: np.random.Generator, syllables) -> np.ndarray:
    """One bird's version of its species' ``syllables`` (a list of the six-number syllables of
    ``_SPECIES``): float64 (syllables, 6), each pitch point drawn about the species' (lognormal,
    4 %), each syllable 0.85-1.2 times as long, its trill 0.85-1.15 times as fast."""
    s = np.array(syllables, np.float64)
    s[:, :3] *= rng.lognormal(0.0, 0.04, (len(s), 3))
    s[:, 3] *= rng.uniform(0.85, 1.2, len(s))
    s[:, 4] *= rng.uniform(0.85, 1.15, len(s))
    return s


def _wanted(species: str) -> list[str]:
    """The species names a ``species`` value asks for."""
    return [s[0] for s in _SPECIES] if species.strip() == "all" else [w.strip() for w in species.split(",")]


@kind("birds", family="nature", params=BirdsParams)
class Birds(Texture):
    """A bird chorus: agents of different species singing FM phrases from their own places.

    Each bird has a species (syllable shapes, phrase pattern, gap after each
    syllable), its own pitch, distance (level and a low-pass) and place in
    the field; phrases come after random pauses whose mean falls as
    ``density`` rises, so the chorus thins out from dawn to midday.

    A phrase is scheduled as a list of syllables; each internal frame
    synthesizes the syllables starting in it, those of similar length side
    by side as rows of a matrix, and overlap-adds them. The distance
    low-pass is applied as the gain ``1/sqrt(1 + (f/fc)^2)`` of a one-pole
    low-pass at each partial's instantaneous frequency.

    The forest answers: a reverberant tail (T60 1.5 s, falling above 3 kHz
    where the leaves absorb) follows every syllable at its own pitch, made
    as exponentially decaying noise whose power per bin is the song's,
    smoothed hop by hop. It fills the gaps between syllables as in field
    recordings, whose high bands swell at 0.5-2 Hz more than at the syllable
    rate (ESC-50 ``chirping_birds``).
    """

    events = True  # phrases: stopped by events_until
    cost = 1.6  # CPU per second of audio against a noise layer, measured at 48 kHz (forest-day's dawn chorus)
    makeup = 0.5  # make-up gain: the nearest birds' songs under full scale

    # syllable table columns: start frame, samples, start/middle/end Hz, trill Hz, trill depth, left, right, cutoff Hz
    _COLUMNS = 10

    def __init__(self, params: BirdsParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        wanted = _wanted(params.species)  # checked by BirdsParams
        pool = [s for s in _SPECIES if s[0] in wanted]
        count = params.birds
        self._species = [pool[i % len(pool)] for i in rng.permutation(max(count, len(pool)))[:count]]
        self._pitch = rng.uniform(0.92, 1.08, count)
        self._place = rng.uniform(-0.9, 0.9, count)
        self._ears = np.stack([np.cos((self._place + 1) * np.pi / 4), np.sin((self._place + 1) * np.pi / 4)], axis=1)
        self._syllables = [_individual(rng, sp[1]) for sp in self._species]  # (syllables, 6) per bird
        self._tempo = rng.uniform(0.75, 1.35, count)  # each bird's own pace: its rests' scale
        self._depth = rng.uniform(-0.5, 0.3, count)
        self._pause = rng.uniform(1.0, 4.0, count)
        self._next_phrase = rng.uniform(0.0, 1.5, count) * np.linspace(0.2, 3.0, count)
        self._pending = np.empty((0, self._COLUMNS))
        longest = max(syl[3] for sp in _SPECIES for syl in sp[1]) * 1.2 * 1.1 * 1.02  # individual, syllable, margin
        # syllables last whole steps; their phase is a cubic in the sample index j (one matrix
        # product with the powers j, j^2, j^3), their loudness is interpolated between steps
        self._step = max(self.hop // _STEPS_PER_HOP, 1)
        self._span = self.size + int(longest * sample_rate) + self._step  # a frame and the longest syllable
        self._ola = OverlapAdd(self.size, self._span - self.size)
        j = np.arange(self._span - self.size, dtype=np.float64)
        self._powers = np.stack([j, j * j, j * j * j]).astype(np.float32)  # (3, longest)
        ramp = np.arange(self._step) / self._step
        self._hat = np.stack([1 - ramp, ramp]).astype(np.float32)  # (2, step): linear interpolation
        # the canopy's reverberation: the song's power per hop and bin (gathered as syllables are
        # sung, carried for those running into later frames), smoothed with the forest's decay;
        # one noise for both ears, the right one _CANOPY_LAG_S later (decorrelated, half the work)
        self._canopy = SpectralFrames(rng, self.hop, sample_rate, channels=1)
        hops = self.HOPS + -(-(self._span - self.size) // self.hop) + 1
        self._power = np.zeros((hops, self._canopy.bins), np.float32)
        self._late = np.zeros(int(_CANOPY_LAG_S * sample_rate), np.float32)  # the right ear's carry
        a = 10.0 ** (-6.0 * self.hop / sample_rate / _CANOPY_T60)  # power kept per hop
        j = np.arange(self.HOPS)
        self._smooth = np.tril((1 - a) * a ** np.maximum(j[:, None] - j[None, :], 0)).astype(np.float32)
        self._carried = (a ** (j + 1.0)).astype(np.float32)[:, None]
        self._tail = np.zeros(self._canopy.bins, np.float32)  # smoothed power of the last hop
        # the leaves absorb the high frequencies: the tail's level falls like a one-pole low-pass
        self._tail_level = (_CANOPY_LEVEL / np.sqrt(1 + (self._canopy.freqs / _CANOPY_HZ) ** 2)).astype(np.float32)

    def _phrase(self, i: int, at: float, distance: float) -> float:
        """Schedule bird ``i``'s next phrase from ``at`` seconds; returns its length in seconds."""
        sr, rng = self.sample_rate, self.rng
        _, syllables, (lo, hi), gap = self._species[i]
        shapes = np.tile(self._syllables[i], (int(rng.integers(lo, hi + 1)), 1))  # (m, 6)
        m = len(shapes)
        dur = shapes[:, 3] * rng.uniform(0.9, 1.1, m)
        n = np.maximum(np.rint(dur * sr / self._step), 1).astype(np.int64) * self._step
        # rests scattered around the bird's pace, the phrase speeding up or slowing down as it goes
        pace = 1.0 + rng.uniform(-0.3, 0.3) * np.arange(m) / m
        rest = (gap * self._tempo[i] * pace * rng.lognormal(0.0, 0.25, m) * sr).astype(np.int64)
        ends = np.cumsum(n + rest)
        m = min(m, int(np.searchsorted(ends, (_MAX_PHRASE_S - 0.5) * sr, side="right")) + 1)
        begin = int(at * sr) + np.concatenate([[0], ends[:m - 1]])
        k = self._pitch[i] * rng.uniform(0.97, 1.03) * rng.uniform(0.985, 1.015, m)  # the phrase's key, each syllable's
        d = min(max(distance + float(self._depth[i]), 0.05), 1.0)
        level = 0.6 / (0.4 + 2.0 * d) * (0.5 if syllables[0][0] < 1000 else 1.0)  # low callers sit further off
        rows = np.empty((m, self._COLUMNS))
        rows[:, 0] = begin
        rows[:, 1] = n[:m]
        rows[:, 2:5] = shapes[:m, :3] * k[:, None]
        rows[:, 5:7] = shapes[:m, 4:6]
        rows[:, 7:9] = level * self._ears[i]
        rows[:, 9] = 12000.0 * 2.0 ** (-3.0 * d)
        if self.sounds(int(begin[0])):
            self._pending = np.concatenate([self._pending, rows])
        return min(float(ends[m - 1]), _MAX_PHRASE_S * sr) / sr

    def _sing(self, rows: np.ndarray) -> None:
        """Synthesize the syllables ``rows`` (all starting in this frame) and add them.

        A syllable of ``n`` samples (whole steps) is at relative time ``x = j / n`` at its
        sample ``j``. Its frequency is the quadratic Bezier through the start, middle and end
        pitches, its phase the exact integral: a cubic in ``j``, one matrix product with the
        powers of ``j`` in single precision (no running sum). The slow parts are computed at
        every step and interpolated linearly between steps (one more matrix product): the
        envelope ``sin(pi x)^1.5``, zero at both ends, the trill, the distance low-pass and the
        fade of partials gliding towards 0.45 of the sample rate (over its last tenth: a partial
        switched off within a step would splatter). Syllables of similar length are
        synthesized side by side as the rows of a matrix, up to ``_CHUNK`` samples at once.
        """
        sr, f32, step, bins = self.sample_rate, np.float32, self._step, self._canopy.bins
        rows = rows[np.argsort(-rows[:, 1], kind="stable")]  # longest first
        n = rows[:, 1].astype(np.int64)
        steps = n // step
        f0, f1, f2 = rows[:, 2], rows[:, 3], rows[:, 4]
        mid = 2 * f1 - 0.5 * (f0 + f2)
        b, c = 2 * (mid - f0), f0 - 2 * mid + f2  # frequency f0 + b x + c x^2
        w = 2 * np.pi / sr
        cubic = np.stack([w * f0, w * b / (2 * n), w * c / (3.0 * n * n)], axis=1).astype(f32)  # (m, 3)
        # the slow parts at each step k = 0 .. of each syllable, zero from its end on: (2, m, steps + 1)
        per = np.stack([1.0 / steps, f0, b, c, rows[:, 6], (w * step) * rows[:, 5], rows[:, 9] ** -2.0],
                       axis=1).astype(f32)[:, :, None]  # (m, 7, 1): a column per quantity
        k = np.arange(steps[0] + 1, dtype=f32)
        x = np.minimum(k * per[:, 0], f32(1))
        freq = per[:, 1] + x * (per[:, 2] + x * per[:, 3])
        env = np.sin(f32(np.pi) * x)
        np.maximum(env, 0, out=env)
        env *= np.sqrt(env)
        env *= 1 - per[:, 4] * (0.5 + 0.5 * np.cos(per[:, 5] * k))  # the trill
        ratio = freq * freq * per[:, 6]  # (f / cutoff)^2 of the distance low-pass
        top = f32(0.45 * sr)
        fade = f32(10) / top  # partials fade out over the last tenth below the cut, never switched off
        grid = np.stack([env * np.clip((top - freq) * fade, 0, 1) / np.sqrt(1 + ratio),
                         env * (f32(0.3) * np.clip((top / 2 - freq) * 2 * fade, 0, 1)) / np.sqrt(1 + 4 * ratio)])
        offset = np.maximum(rows[:, 0].astype(np.int64) - self.start, 0)
        ears = rows[:, 7:9].astype(f32)
        first = 0
        while first < len(n):
            width, count = int(n[first]), int(steps[first])
            last = first + 1  # rows at least 3/4 as long as the first, up to _CHUNK samples
            while last < len(n) and 4 * steps[last] > 3 * count and (last + 1 - first) * width <= _CHUNK:
                last += 1
            part = slice(first, last)
            phase = cubic[part] @ self._powers[:, :width]  # (rows, width) radians
            ends = np.stack([grid[:, part, :count], grid[:, part, 1:count + 1]], axis=-1)
            fund, harm = (ends.reshape(-1, 2) @ self._hat).reshape(2, last - first, width)
            y = np.sin(phase)
            y *= fund
            phase *= 2
            harm *= np.sin(phase, out=phase)
            y += harm
            # one contiguous multiply-add per syllable and ear (cheaper than scattering every sample)
            for song, at, size, gains in zip(y, offset[part].tolist(), n[part].tolist(), ears[part]):
                self._ola.add(at, np.multiply.outer(gains, song[:size]).T)
            first = last
        # the canopy hears each partial's power at its bin, at every step
        at = (offset[:, None] + np.arange(len(k)) * step) // self.hop * bins
        fbin = np.minimum(np.rint(freq * f32(2 * self.hop / sr)).astype(np.int64), bins - 1)
        index = np.concatenate([(at + fbin).ravel(), (at + np.minimum(2 * fbin, bins - 1)).ravel()])
        # the ears' mean power, as power per bin of a unit-mean-square spectrum
        ears = (rows[:, 7] ** 2 + rows[:, 8] ** 2) * (step * bins / (4.0 * self.hop))
        np.add.at(self._power.reshape(-1), index, (grid * grid * ears[:, None].astype(f32)).ravel())

    def _frame(self) -> np.ndarray:
        p, sr = self.params, self.sample_rate
        end = (self.start + self.size) / sr
        singers = np.flatnonzero(self._next_phrase < end)
        if len(singers):  # the controls at the frame's hops (they change over minutes)
            densities, distances = self.per_hop(p.density).tolist(), self.per_hop(p.distance).tolist()
        for i in singers:
            while self._next_phrase[i] < end:
                at = self._next_phrase[i]
                hop = min(max(int(at * sr - self.start) // self.hop, 0), self.HOPS - 1)
                density = densities[hop]
                if density > 0 and self.rng.random() < 0.3 + 0.7 * density:
                    busy = self._phrase(i, at, distances[hop])
                else:
                    busy = 0.0
                self._next_phrase[i] = at + busy + self.rng.exponential(self._pause[i] / (0.1 + 1.5 * density)) + 0.3
        due = self._pending[:, 0] < self.start + self.size
        if due.any():
            self._sing(self._pending[due])
            self._pending = self._pending[~due]
        out = self._ola.take()
        # the canopy's reverberation: exponentially decaying noise (J. A. Moorer, "About this
        # reverberation business", Computer Music Journal 3(2), 1979) at the song's own bins, its power
        # the song's smoothed with the forest's decay, so it fills the gaps between syllables
        k = self.HOPS
        power = self._carried * self._tail
        sung = np.flatnonzero(self._power[:k].any(axis=0))  # the bins sung in this frame: the range multiplied
        if len(sung):
            lo, hi = sung[0], sung[-1] + 1
            power[:, lo:hi] += self._smooth @ self._power[:k, lo:hi]
        self._tail = power[-1].copy()
        self._power[:-k] = self._power[k:]
        self._power[-k:] = 0
        tail = self._canopy.synthesize(self._canopy.shaped(np.sqrt(power) * self._tail_level))[:, 0]
        out[:, 0] += tail
        lag = len(self._late)
        out[:lag, 1] += self._late
        out[lag:, 1] += tail[:-lag]
        self._late = tail[-lag:].copy()
        return out

