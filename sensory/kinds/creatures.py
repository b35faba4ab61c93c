"""Creatures: a bird chorus and an insect chorus.

Birds: syllables are FM sines (the phase is the exact integral of a
quadratic pitch glide) with smooth envelopes, an optional AM trill and a
second harmonic about -10 dB, followed by the forest's reverberant tail
(exponentially decaying noise: J. A. Moorer, "About this reverberation
business", Computer Music Journal 3(2), 1979); species-like sets
after the notes' "Birds" entry (cardinal swoop ``1740 + 260 sin`` Hz over
130 ms, V. Hunter Adams, Cornell ECE 4760; cuckoo 712 / 573 Hz,
algoritmarte). Insects: A. Farnell, *Designing Sound* (MIT Press, 2010),
ch. 50: the field cricket's chirp of 7 pulses at 58 Hz on a ~4.5 kHz carrier
with a second harmonic at 0.3; chirp rate from temperature by Dolbear's law
``T_F = 50 + (N - 40) / 4`` (N chirps per minute); chorus spread +-3 %.
"""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from ..core.params import Automatable, Params, param
from ..dsp.control import Wander
from ..dsp.grains import OverlapAdd
from ..dsp.spectral import SpectralFrames
from . import kind
from .texture import Texture, band, pink
from .water import _normalise, _stereo, _widen, onset_ramp

__all__ = ["Birds", "Insects"]

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

    cost = 3.0  # CPU per second of audio against a noise layer, measured at 48 kHz (dawn chorus)

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
        self._syllables = [np.array(sp[1], np.float64) for sp in self._species]  # (syllables, 6) per bird
        self._depth = rng.uniform(-0.5, 0.3, count)
        self._pause = rng.uniform(1.0, 4.0, count)
        self._next = rng.uniform(0.0, 1.5, count) * np.linspace(0.2, 3.0, count)
        self._pending = np.empty((0, self._COLUMNS))
        longest = max(syl[3] for sp in _SPECIES for syl in sp[1]) * 1.1 * 1.08 * 1.02
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
        name, syllables, (lo, hi), gap = self._species[i]
        shapes = np.tile(self._syllables[i], (int(rng.integers(lo, hi + 1)), 1))  # (m, 6)
        m = len(shapes)
        dur = shapes[:, 3] * rng.uniform(0.9, 1.1, m)
        n = np.maximum(np.rint(dur * sr / self._step), 1).astype(np.int64) * self._step
        rest = (gap * rng.uniform(0.8, 1.25, m) * sr).astype(np.int64)
        ends = np.cumsum(n + rest)
        m = min(m, int(np.searchsorted(ends, (_MAX_PHRASE_S - 0.5) * sr, side="right")) + 1)
        begin = int(at * sr) + np.concatenate([[0], ends[:m - 1]])
        k = self._pitch[i] * rng.uniform(0.98, 1.02, m)
        d = min(max(distance + float(self._depth[i]), 0.05), 1.0)
        level = 0.6 / (0.4 + 2.0 * d) * (0.5 if syllables[0][0] < 1000 else 1.0)  # low callers sit further off
        rows = np.empty((m, self._COLUMNS))
        rows[:, 0] = begin
        rows[:, 1] = n[:m]
        rows[:, 2:5] = shapes[:m, :3] * k[:, None]
        rows[:, 5:7] = shapes[:m, 4:6]
        rows[:, 7:9] = level * self._ears[i]
        rows[:, 9] = 12000.0 * 2.0 ** (-3.0 * d)
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
        cut of partials at or above 0.45 of the sample rate. Syllables of similar length are
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
        grid = np.stack([env * (freq < top) / np.sqrt(1 + ratio),
                         env * (f32(0.3) * (freq < top / 2)) / np.sqrt(1 + 4 * ratio)])
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
            harm *= np.sin(phase)
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
        power = np.bincount(index, (grid * grid * ears[:, None].astype(f32)).ravel())
        self._power.reshape(-1)[: len(power)] += power

    def _frame(self) -> np.ndarray:
        p, sr = self.params, self.sample_rate
        end = (self.start + self.size) / sr
        singers = np.flatnonzero(self._next < end)
        if len(singers):  # the controls at the frame's hops (they change over minutes)
            densities, distances = self.per_hop(p.density).tolist(), self.per_hop(p.distance).tolist()
        for i in singers:
            while self._next[i] < end:
                at = self._next[i]
                hop = min(max(int(at * sr - self.start) // self.hop, 0), self.HOPS - 1)
                density = densities[hop]
                if density > 0 and self.rng.random() < 0.3 + 0.7 * density:
                    busy = self._phrase(i, at, distances[hop])
                else:
                    busy = 0.0
                self._next[i] = at + busy + self.rng.exponential(self._pause[i] / (0.1 + 1.5 * density)) + 0.3
        due = self._pending[:, 0] < self.start + self.size
        if due.any():
            self._sing(self._pending[due])
            self._pending = self._pending[~due]
        out = self._ola.take()
        # the canopy's reverberation: exponentially decaying noise (J. A. Moorer, "About this
        # reverberation business", Computer Music Journal 3(2), 1979) at the song's own bins, its power
        # the song's smoothed with the forest's decay, so it fills the gaps between syllables
        k = self.HOPS
        power = self._smooth @ self._power[:k].reshape(k, -1) + self._carried * self._tail
        self._tail = power[-1].copy()
        self._power[:-k] = self._power[k:]
        self._power[-k:] = 0
        tail = self._canopy.synthesize(self._canopy.shaped(np.sqrt(power) * self._tail_level))[:, 0]
        out[:, 0] += tail
        lag = len(self._late)
        out[:lag, 1] += self._late
        out[lag:, 1] += tail[:-lag]
        self._late = tail[-lag:].copy()
        return out * np.float32(0.5)


class InsectsParams(Params):
    crickets: int = param(16, ge=0, le=64, help="number of nearby field crickets")
    temperature: Automatable = param(24.0, unit="degC", ge=10, le=35,
                                     help="air temperature: sets the chirp rate (Dolbear's law)")
    chorus: Automatable = param(0.5, ge=0, le=1, help="level of the distant chorus of countless crickets")
    bushcrickets: Automatable = param(0.5, ge=0, le=1,
                                      help="level of a few bush crickets' calls: short broadband buzzes near 10 kHz")
    cicadas: Automatable = param(0.0, ge=0, le=1, help="level of a cicada buzz")
    bed: Automatable = param(0.5, ge=0, le=1,
                             help="level of the night around the crickets: far lower insects and air")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_CHIRPS = 24
_BOUT_S, _REST_S = 25.0, 3.0  # mean length of a cricket's singing bout and of its rests
_TEMPO_DRIFT = 0.4  # how far a cricket's rate wanders over minutes (log rate per unit of wander)
_CALLS, _BUSH_CRICKETS = 12, 3  # bush-cricket call variants and singers
_CALL_S = 5.0  # mean gap between a bush cricket's calls
_BED_REGIONS = 10  # regions of the night bed, 80 Hz .. 8 kHz, each swelling on its own
_SWELL_HZ, _SWELL_OCTAVES = 0.12, 4  # the slowest swell of a region and its octave-spaced parts
_SWELL_MAX = 1.2  # bound of a region's swell before its depth (log amplitude per unit)
_SURGE = 0.6  # how much higher a swell rises than it sinks (log amplitude squared)
_SHARED_SWELL = 0.15  # depth of the swell common to all regions (log amplitude per unit of drift)


def _regions(log2f: np.ndarray, low_hz: float, high_hz: float, count: int) -> np.ndarray:
    """Raised-cosine regions evenly spaced in log frequency that sum to one: float64 (count, bins)."""
    centres = np.linspace(np.log2(low_hz), np.log2(high_hz), count)
    u = np.clip((log2f[None, :] - centres[:, None]) / (centres[1] - centres[0]), -1, 1)
    part = np.cos(0.5 * np.pi * u) ** 2
    part[0, log2f < centres[0]] = 1.0
    part[-1, log2f > centres[-1]] = 1.0
    return part


def _bush_cricket_calls(g: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Bush-cricket calls: 2-4 pulses of 20-40 ms, 80-130 ms apart, each band-limited noise
    0.6 octave wide around 8-12 kHz (at most 0.4 of the sample rate): float32 (_CALLS, samples), peak 1."""
    n = int(0.6 * sample_rate)
    t = np.arange(n) / sample_rate
    lf = np.log2(np.maximum(np.fft.rfftfreq(n, 1.0 / sample_rate), 1.0))
    calls = []
    for _ in range(_CALLS):
        centre = min(g.uniform(8000, 12000), 0.4 * sample_rate)
        noise = np.fft.irfft(np.fft.rfft(g.standard_normal(n)) * band(lf, centre, 0.6), n)
        gate = np.zeros(n)
        begin, pulse = 0.0, g.uniform(0.02, 0.04)
        for _ in range(int(g.integers(2, 5))):
            inside = (t >= begin) & (t < begin + pulse)
            gate[inside] = np.sin(np.pi * (t[inside] - begin) / pulse) ** 2 * g.uniform(0.7, 1.0)
            begin += g.uniform(0.08, 0.13)
        calls.append(noise * gate)
    return _normalise(np.array(calls))


@kind("insects", family="nature", params=InsectsParams)
class Insects(Texture):
    """Crickets as pulse-train chirps from their own places, over a distant chorus; bush crickets; optional cicadas.

    Each cricket has its own carrier (4.3-4.8 kHz), pulse shape and phase
    and chirps at its own rate within 10 % of the Dolbear rate for the
    temperature; the rate wanders by about +-20 % over minutes and jitters
    8 % from chirp to chirp, and each cricket sings in bouts with rests, so
    the chorus keeps no common beat. The far chorus is narrow-band
    noise at the same carriers with per-hop fluctuation; a few bush crickets call
    now and then (2-4 broadband pulses near 10 kHz, the near, sharp attacks
    of a night recording); cicadas are a 4-9 kHz buzz with an AM rate and
    depth re-chosen every few seconds (Farnell 50.10). Under them lies the
    night itself (``bed``): air and far insects, about pink from 60 Hz to
    8 kHz, in ten regions that each swell on their own at 0.1-2 Hz (rising
    higher than they sink) with a little swell shared by all, and a
    far chorus of lower insects at 1.5-3 kHz, as real night recordings have
    (ESC-50 ``crickets``: slope +1.4 dB/octave, envelope CV 0.18, the most
    slow modulation in the bands below 500 Hz).
    """

    cost = 4.0  # CPU per second of audio against a noise layer, measured at 48 kHz

    def __init__(self, params: InsectsParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        chorus = (band(lf, 4500.0, 0.06) + 0.3 * band(lf, 9000.0, 0.05) + 0.02 * band(lf, 2500, 1.5)) * pink(f)
        cicada = band(lf, 6000.0, 0.5) * pink(f)
        self._cicada_am = Wander(rng, 0.2)
        # the night bed: air and countless far insects, about pink from 60 Hz to 8 kHz, in regions
        # swelling independently, and a chorus of lower-pitched insects (bush crickets, 1.5-3 kHz)
        air = band(lf, 700.0, 2.6) * pink(f) * f / (f + 40.0)
        low_chorus = band(lf, 2200.0, 0.45) * pink(f)
        # every hop's magnitude is one weighted sum of these shapes (one matrix product per frame):
        # the bed's regions, the far cricket chorus, the lower insects' chorus, the cicadas
        self._shapes = np.vstack([0.2 * _regions(lf, 80.0, 8000.0, _BED_REGIONS) * air,
                                  chorus, 0.05 * low_chorus, cicada]).astype(np.float32)
        # each region's swell, and one more shared by all of them (a breath of air through everything);
        # the low regions swell most, as in the recordings
        self._region_swell = Wander(rng, np.repeat(_SWELL_HZ * 2.0 ** np.arange(_SWELL_OCTAVES), _BED_REGIONS + 1))
        self._swell_depth = np.linspace(1.05, 1.55, _BED_REGIONS)[:, None]
        w = 2.0 ** (-0.25 * np.arange(_SWELL_OCTAVES))  # power falling by 1.5 dB an octave: most of it at 0.2-2 Hz
        self._swell_weights = w / np.sqrt(np.sum(w * w))
        self._swell = Wander(rng, 0.45)  # the far chorus of lower insects
        g = np.random.default_rng(rng.integers(2**63))
        n = int(0.14 * sample_rate)
        t = np.arange(n) / sample_rate
        bank = []
        for _ in range(_CHIRPS):
            carrier = g.uniform(4300, 4800)
            pulse_rate = 58.0 * g.uniform(0.95, 1.05)
            pulses = int(g.integers(5, 9))
            ph = t * pulse_rate
            gate = (ph < pulses) * np.sin(np.pi * np.clip(ph % 1.0 / 0.6, 0, 1)) ** 2
            gate *= 0.6 + 0.4 * np.minimum(ph / 2.0, 1.0)
            tone = np.sin(2 * np.pi * carrier * t) + 0.3 * np.sin(4 * np.pi * carrier * t + 1.0) * (carrier * 2 < 0.45 * sample_rate)
            bank.append(tone * gate * onset_ramp(n, sample_rate, 0.001))
        self._bank = _normalise(np.array(bank))
        count = params.crickets
        self._voice = g.integers(0, _CHIRPS, count)
        self._gain = g.uniform(0.3, 1.0, count) ** 2
        self._pan = g.uniform(-0.95, 0.95, count)
        self._next = g.uniform(0.0, 0.5, count)
        # each cricket keeps its own rate around Dolbear's (individuals differ by several per cent)
        # and lets it drift over minutes, and sings in bouts with short rests, so the chorus drifts
        # in and out of step and never settles into one beat
        self._tempo = g.uniform(0.9, 1.1, count)
        self._tempo_drift = Wander(rng, g.uniform(0.003, 0.01, count))
        self._bout_end = self._next + g.exponential(_BOUT_S, count)
        self._calls = _bush_cricket_calls(g, sample_rate)
        self._bush_gain = g.uniform(0.6, 1.0, _BUSH_CRICKETS)
        self._bush_pan = g.uniform(-0.8, 0.8, _BUSH_CRICKETS)
        self._bush_next = g.uniform(0.5, 4.0, _BUSH_CRICKETS)
        self._ola = OverlapAdd(self.size, self._calls.shape[1])

    def _frame(self) -> np.ndarray:
        p, k, sr, rng = self.params, self.HOPS, self.sample_rate, self.rng
        t = self.hop_times()
        weights = np.zeros((k, 2, _BED_REGIONS + 3), np.float32)  # of self._shapes, per hop and ear
        weights[:, :, _BED_REGIONS] = self.per_hop(p.chorus)[:, None] * rng.lognormal(0.0, 0.25, (k, 2))
        bed = self.per_hop(p.bed)
        if bed.max() > 0:
            swell = (self._swell_weights @ self._region_swell.at(t).reshape(_SWELL_OCTAVES, -1)).reshape(-1, k)
            # swells rise higher than they sink (the night's breaths), softly bounded at +-_SWELL_MAX
            swell = _SWELL_MAX * np.tanh((swell + _SURGE * swell * swell) * (1.0 / _SWELL_MAX))
            swell = swell[:-1] * self._swell_depth + swell[-1] * _SHARED_SWELL  # (regions, hops)
            weights[:, :, :_BED_REGIONS] = (np.exp(swell) * bed).T[:, None, :]
            far = rng.lognormal(0.0, 0.3, (k, 2))
            weights[:, :, _BED_REGIONS + 1] = (bed * np.exp(self._swell.at(t)))[:, None] * far
        cicadas = self.per_hop(p.cicadas)
        if cicadas.max() > 0:
            weights[:, :, _BED_REGIONS + 2] = (cicadas * (0.6 + 0.4 * self._cicada_am.at(t)))[:, None]
        mag = weights @ self._shapes  # (hops, ears, bins)
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        end = (self.start + self.size) / sr
        if len(self._next):
            who, at = self._due(self._next, end, self._chirp_gaps)
            if len(who):
                gains = _stereo(self._pan[who], self._gain[who] * 0.3)
                self._ola.grains(self._offsets(at), self._bank, self._voice[who], gains)
        who, at = self._due(self._bush_next, end, self._call_gaps)
        if len(who):
            level = self.read(p.bushcrickets, at)
            gains = _stereo(self._bush_pan[who], self._bush_gain[who] * level * 0.25)
            self._ola.grains(self._offsets(at), self._calls, rng.integers(0, _CALLS, len(who)), gains)
        out += self._ola.take()
        return _widen(out, self.per_sample(p.width)) * np.float32(1.4)

    def _offsets(self, at: np.ndarray) -> np.ndarray:
        """Start samples within the frame of events at ``at`` seconds: int64."""
        return np.maximum((at * self.sample_rate).astype(np.int64) - self.start, 0)

    @staticmethod
    def _due(next_at: np.ndarray, end: float, gaps) -> tuple[np.ndarray, np.ndarray]:
        """Every event of the singers ``next_at`` (s, updated in place) before ``end``: who (int64)
        and when (s, float64); ``gaps(at, who)`` gives each one's time to its next event."""
        when, who = [], []
        while True:
            due = np.flatnonzero(next_at < end)
            if len(due) == 0:
                break
            at = next_at[due]
            when.append(at)
            who.append(due)
            next_at[due] = at + gaps(at, due)
        if not who:
            return np.empty(0, np.int64), np.empty(0)
        return np.concatenate(who), np.concatenate(when)

    def _chirp_gaps(self, at: np.ndarray, due: np.ndarray) -> np.ndarray:
        temp_f = self.read(self.params.temperature, at) * 1.8 + 32.0
        per_minute = np.maximum(40.0 + 4.0 * (temp_f - 50.0), 20.0)
        tempo = self._tempo[due] * np.exp(_TEMPO_DRIFT * self._tempo_drift.at(at)[due, np.arange(len(due))])
        gap = 60.0 / (per_minute * tempo) * self.rng.lognormal(0.0, 0.08, len(due))
        resting = at + gap > self._bout_end[due]
        if resting.any():  # a rest, then a new bout from a new phase
            r = due[resting]
            gap[resting] = self._bout_end[r] - at[resting] + self.rng.exponential(_REST_S, len(r))
            self._bout_end[r] = at[resting] + gap[resting] + self.rng.exponential(_BOUT_S, len(r))
        return gap

    def _call_gaps(self, at: np.ndarray, due: np.ndarray) -> np.ndarray:
        return _CALL_S * self.rng.gamma(2.0, 0.5, len(due))
