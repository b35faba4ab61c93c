"""Insects: field crickets' chirps, tree crickets' trills and bush crickets' rasps over the night's bed.

Each call is stridulation (:mod:`sensory.dsp.stridulation`): syllables, one per closing stroke
of the forewings, at the wing's carrier (crickets) or as broadband rasps (bush crickets), in the
patterns of D. R. Ragge and W. J. Reynolds, *The Songs of the Grasshoppers and Crickets of
Western Europe* (Harley, 1998). The chirp rate follows the temperature by Dolbear's law
``T_F = 50 + (N - 40) / 4`` (N chirps a minute; A. E. Dolbear, "The cricket as a
thermometer", The American Naturalist 31, 1897) and syllable rates by a Q10 of 2; the
distant chorus and the cicada's AM re-chosen every few seconds follow A. Farnell, *Designing
Sound* (MIT Press, 2010), ch. 50 "Insects". docs/nature.md gives the measurements.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Wander
from ..dsp.grains import OverlapAdd, grain_lengths, peak_normalised
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from ..dsp.stridulation import rasp_train, syllable_train
from . import kind
from .texture import Texture, band, pink

__all__ = ["Insects"]


class InsectsParams(Params):
    crickets: int = param(16, ge=0, le=64, help="number of nearby field crickets")
    temperature: Automatable = param(24.0, unit="degC", ge=10, le=35,
                                     help="air temperature: sets the chirp rate (Dolbear's law)")
    chorus: Automatable = param(0.5, ge=0, le=1, help="level of the distant chorus of countless crickets")
    trills: Automatable = param(0.3, ge=0, le=1, help="level of a few tree crickets' long trills near 3 kHz")
    bushcrickets: Automatable = param(0.5, ge=0, le=1,
                                      help="level of a few bush crickets' broadband rasps near 10 kHz")
    cicadas: Automatable = param(0.0, ge=0, le=1, help="level of a cicada buzz")
    bed: Automatable = param(0.25, ge=0, le=1,
                             help="level of the night around the crickets: far lower insects and air")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


_VARIANTS = 4  # chirps (3-5 syllables) built for each field cricket
_BOUT_S, _REST_S = 25.0, 3.0  # mean length of a field cricket's singing bout and of its rests
_TEMPO_DRIFT = 0.4  # how far a cricket's rate wanders over minutes (log rate per unit of wander)
_TREE_CRICKETS, _TRILL_BOUT_S, _TRILL_REST_S = 3, 12.0, 4.0  # trillers; mean trill and pause (s)
_KATYDIDS, _RASP_BOUT_S, _RASP_REST_S = 3, 20.0, 6.0  # rasping katydids; mean sequence and pause (s)
_CHIRP_LEVEL = 0.1  # a field cricket's chirp from _NEAR_M against the far chorus and the bed
_NEAR_M = 5.0  # a chirp heard from this far peaks at 1 in the bank: about the nearest of a meadow's crickets
_EXCESS_DB_PER_M = 1.0  # excess attenuation of 4-5 kHz near the ground in grass (Marten & Marler 1977)
_CHORUS_SWELL = 0.5  # depth of the far chorus's waxing and waning (log amplitude)
_SEGMENT_S = 1.0  # a trill or rasp sequence is laid as segments of about this length, end to end
_SEGMENTS = 4  # segments built per singer: the first opens a trill (rising), the rest go on
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


def _warmth(temp_c: float) -> float:
    """How much faster wings stroke at ``temp_c`` than at 22 degC: a Q10 of 2."""
    return 2.0 ** ((temp_c - 22.0) / 10.0)


def _heard_from(distance_m: np.ndarray) -> np.ndarray:
    """Gain of a call heard ``distance_m`` metres away in grass against one from _NEAR_M: spherical
    spreading (1/r) and the excess attenuation of 4-5 kHz near the ground (K. Marten and P.
    Marler, "Sound transmission and its significance for animal vocalization", Behav. Ecol.
    Sociobiol. 2, 1977): float64 of the shape of ``distance_m``."""
    return 10.0 ** (-_EXCESS_DB_PER_M * (distance_m - _NEAR_M) / 20.0) * (_NEAR_M / distance_m)


def _peak_one(x: np.ndarray) -> np.ndarray:
    return x / (np.abs(x).max() + 1e-12)


def _field_cricket_chirps(g: np.random.Generator, distance_m: np.ndarray, temp_c: float, sr: int) -> np.ndarray:
    """Each field cricket's chirps (Gryllus campestris, Ragge & Reynolds): 3-5 syllables of about
    0.55 of the syllable period, at 25-35 syllables a second at 22 degC, the first one quieter,
    on the cricket's own carrier (4.5-4.8 kHz), heard from ``distance_m`` (crickets,) metres:
    float32 (crickets * _VARIANTS, samples), a cricket at _NEAR_M peaking at 1."""
    n = int((0.01 + 5.3 / (25.0 * _warmth(temp_c))) * sr)  # five syllables at the slowest rate
    bank = np.zeros((len(distance_m) * _VARIANTS, n))
    for i in range(len(distance_m)):
        carrier = g.uniform(4500, 4800)
        period = 1.0 / (g.uniform(25, 35) * _warmth(temp_c))
        length = g.uniform(0.5, 0.6) * period
        for v in range(_VARIANTS):
            s = int(g.integers(3, 6))
            starts = 0.004 + period * (np.arange(s) + g.normal(0, 0.03, s))
            amps = g.uniform(0.85, 1.0, s)
            amps[0] *= g.uniform(0.4, 0.7)
            bank[i * _VARIANTS + v] = _peak_one(syllable_train(np.sort(starts), length * g.uniform(0.93, 1.07, s), amps,
                                                     carrier, n, sr, g, glide=g.uniform(0.02, 0.05)))
    bank *= np.repeat(_heard_from(distance_m), _VARIANTS)[:, None]
    return bank.astype(np.float32)


def _segments(period_s: float, sr: int) -> tuple[int, np.ndarray]:
    """A segment of whole syllable periods near _SEGMENT_S, in samples, and each syllable's start
    (s) within it, the syllable centred in its period: (samples, starts float64 (syllables,))."""
    period = max(1, round(period_s * sr))
    count = max(1, round(_SEGMENT_S * sr / period))
    return period * count, (np.arange(count) * period) / sr


def _tree_cricket_trills(g: np.random.Generator, temp_c: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Tree crickets' trills (Oecanthus): syllables of half the period at 40-55 a second at 22 degC
    on a carrier of 2.6-3.4 kHz, in segments of whole periods laid end to end; each singer's first
    segment rises over its first ten syllables: (float32 (_TREE_CRICKETS * _SEGMENTS, samples) peak 1,
    segment lengths in samples int64 (_TREE_CRICKETS,))."""
    rows, sizes = [], []
    for _ in range(_TREE_CRICKETS):
        carrier = g.uniform(2600, 3400)
        period = 1.0 / (g.uniform(40, 55) * _warmth(temp_c))
        size, starts = _segments(period, sr)
        length = 0.5 * period
        for v in range(_SEGMENTS):
            amps = g.uniform(0.85, 1.0, len(starts))
            if v == 0:
                amps *= np.minimum(1.0, 0.15 + np.arange(len(starts)) / 10.0)
            rows.append(syllable_train(starts + 0.25 * period, length * g.uniform(0.95, 1.05, len(starts)),
                                       amps, carrier, size, sr, g, glide=0.02, harmonics=(0.08,)))
        sizes.append(size)
    return _bank(rows, sizes)


def _bank(rows: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Segment rows zero-padded to one length and normalised to peak 1 together, with each
    singer's segment length: (float (len(rows), samples), int64 (len(sizes),))."""
    bank = np.zeros((len(rows), max(sizes)))
    for r, row in enumerate(rows):
        bank[r, :len(row)] = row
    return peak_normalised(bank), np.array(sizes, np.int64)


def _katydid_rasps(g: np.random.Generator, temp_c: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Katydids' rasp sequences (Tettigonia viridissima, Ragge & Reynolds): disyllabic echemes at
    10-15 a second at 22 degC, each hemisyllable 15-25 ms, the second a little longer, the gap
    between them 6-20 ms; tooth impacts at 1.5-3 kHz ring a resonance at 8-12 kHz (the second
    singer's lower, 5-7 kHz, a coarser rasp); in segments laid end to end:
    (float32 (_KATYDIDS * _SEGMENTS, samples) peak 1, segment lengths int64 (_KATYDIDS,))."""
    rows, sizes = [], []
    for k in range(_KATYDIDS):
        resonance = g.uniform(6500, 8000) if k == 1 else g.uniform(8000, 12000)
        tooth = g.uniform(1500, 3000)
        period = 1.0 / (g.uniform(10, 15) * _warmth(temp_c))
        size, echemes = _segments(period, sr)
        first = min(g.uniform(0.015, 0.025), 0.3 * period)
        gap = min(g.uniform(0.006, 0.02), 0.15 * period)
        for v in range(_SEGMENTS):
            e = len(echemes)
            starts = np.column_stack([echemes + 0.05 * period, echemes + 0.05 * period + first + gap]).ravel()
            lengths = np.tile([first, first * 1.15], e) * g.uniform(0.9, 1.1, 2 * e)
            amps = np.tile([0.8, 1.0], e) * g.uniform(0.8, 1.0, 2 * e)
            if v == 0:
                amps *= np.repeat(np.minimum(1.0, 0.2 + np.arange(e) / 4.0), 2)
            rows.append(rasp_train(starts, lengths, amps, tooth, resonance, size, sr, g))
        sizes.append(size)
    return _bank(rows, sizes)


class _Stereo:
    """A bank's grains as last added, at their per-ear gains: ``add(ola, starts, rows, gains)`` adds
    ``bank[rows[e]] * gains[e]`` ((events, 2)) at ``starts[e]``, keeping each row's stereo copy while
    its gains stay the same (a singer keeps its place and, mostly, its level), so such an event costs
    one add per ear; a silent event is skipped. ``lengths`` (rows,): samples of each row that sound."""

    def __init__(self, bank: np.ndarray, lengths: np.ndarray):
        self.bank, self.lengths = bank, lengths.tolist()
        self._stereo = np.empty((len(bank), 2, bank.shape[1]), np.float32)
        self._gains = [None] * len(bank)

    def add(self, ola: OverlapAdd, starts: np.ndarray, rows: np.ndarray, gains: np.ndarray) -> None:
        for s, r, g in zip(starts.tolist(), rows.tolist(), np.asarray(gains, np.float32).tolist()):
            if g[0] == 0 and g[1] == 0:
                continue
            n = self.lengths[r]
            if self._gains[r] != g:
                np.multiply(np.float32(g)[:, None], self.bank[r, :n], out=self._stereo[r, :, :n])
                self._gains[r] = g
            ola.add(s, self._stereo[r, :, :n].T)


class _Sequences:
    """Singers whose trills or rasp sequences are segments laid end to end, in bouts with pauses.

    Singer ``i`` owns bank rows ``i * _SEGMENTS ..``; a bout opens with its first row and goes on
    with the others at random, drawn from a generator of their own. ``due(end)`` gives (singers,
    start times s, rows) of the segments that begin before ``end`` s, for all singers at once.
    """

    def __init__(self, g: np.random.Generator, sizes: np.ndarray, sr: int, bout_s: float, rest_s: float):
        self.seconds = sizes / sr
        self.bout_s, self.rest_s = bout_s, rest_s
        count = len(sizes)
        self.next_at = g.uniform(0.0, 3.0, count)
        self.bout_end = self.next_at + g.exponential(bout_s, count)
        self.opening = np.ones(count, bool)
        self.gain = g.uniform(0.5, 1.0, count)
        self.pan = g.uniform(-0.8, 0.8, count)
        self.rng = np.random.default_rng(g.integers(2**63))

    def due(self, end: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = self.rng
        when, who, rows = [], [], []
        while True:
            d = np.flatnonzero(self.next_at < end)
            if len(d) == 0:
                break
            at = self.next_at[d]
            when.append(at)
            who.append(d)
            rows.append(d * _SEGMENTS + np.where(self.opening[d], 0, rng.integers(1, _SEGMENTS, len(d))))
            nxt = at + self.seconds[d]
            resting = nxt > self.bout_end[d]
            self.opening[d] = resting
            pause = rng.exponential(self.rest_s, len(d)) * resting
            self.next_at[d] = nxt + pause
            self.bout_end[d] = np.where(resting, nxt + pause + rng.exponential(self.bout_s, len(d)), self.bout_end[d])
        if not who:
            return np.empty(0, np.int64), np.empty(0), np.empty(0, np.int64)
        return np.concatenate(who), np.concatenate(when), np.concatenate(rows)


@kind("insects", family="nature", params=InsectsParams)
class Insects(Texture):
    """Field crickets' chirps from their own places, tree crickets' trills and bush crickets' rasps,
    over a distant chorus and the night's bed; optional cicadas.

    Each field cricket has its own carrier (4.2-5.2 kHz) and syllable rate
    and chirps (3-5 syllables) at its own rate within 10 % of the Dolbear
    rate for the temperature; the rate wanders by about +-20 % over minutes
    and jitters 15 % from chirp to chirp, and each cricket sings in bouts with
    rests, so the chorus keeps no common beat. Three tree crickets trill at
    2.6-3.4 kHz for seconds at a time, and three bush crickets rasp (broadband,
    5-12 kHz) in long sequences of two-syllable echemes with pauses. The far
    chorus is narrow-band noise at the crickets' carriers with per-hop
    fluctuation, waxing and waning in each ear as singers join and drop out;
    the field crickets lie 2 m and more away, one to every 16 m^2, each heard
    through 1/r and the grass's excess attenuation, so the nearest stand out
    and the rest sink towards the chorus; cicadas are a 4-9 kHz buzz with an AM rate and depth
    re-chosen every few seconds (Farnell 50.10). Under them lies the night
    itself (``bed``): air and far insects, about pink from 60 Hz to 8 kHz, in
    ten regions that each swell on their own at 0.1-2 Hz (rising higher than
    they sink) with a little swell shared by all, and a far chorus of lower
    insects at 1.5-3 kHz, as real night recordings have (ESC-50 ``crickets``:
    slope +1.4 dB/octave, envelope CV 0.18).
    """

    events = True  # chirps and calls: stopped by events_until
    cost = 2.4  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 1.4  # make-up gain: the crickets' chorus near the level

    def __init__(self, params: InsectsParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        lf = np.log2(f)
        chorus = (band(lf, 4600.0, 0.07) + 0.15 * band(lf, 9200.0, 0.05) + 0.02 * band(lf, 2500, 1.5)) * pink(f)
        cicada = band(lf, 6000.0, 0.5) * pink(f)
        self._cicada_am = Wander(rng, 0.2)
        # the night bed: air and countless far insects, about pink from 60 Hz to 8 kHz, in regions
        # swelling independently, and a chorus of lower-pitched insects (1.5-3 kHz)
        air = band(lf, 700.0, 2.6) * pink(f) * f / (f + 40.0)
        low_chorus = band(lf, 2200.0, 0.45) * pink(f)
        # every hop's magnitude is one weighted sum of these shapes (one matrix product per frame):
        # the bed's regions, the far cricket chorus, the lower insects' chorus, the cicadas
        self._shapes = np.vstack([0.2 * _regions(lf, 80.0, 8000.0, _BED_REGIONS) * air,
                                  chorus, 0.05 * low_chorus, cicada]).astype(np.float32)
        # each region's swell, and one more shared by all of them (a breath of air through everything);
        # the low regions swell most, as in the recordings
        regions = Wander(rng, np.repeat(_SWELL_HZ * 2.0 ** np.arange(_SWELL_OCTAVES), _BED_REGIONS + 1))
        self._swell_depth = np.linspace(0.5, 0.8, _BED_REGIONS)[:, None]
        w = 2.0 ** (-0.25 * np.arange(_SWELL_OCTAVES))  # power falling by 1.5 dB an octave: most of it at 0.2-2 Hz
        self._swell_weights = w / np.sqrt(np.sum(w * w))
        swell = Wander(rng, 0.45)  # the far chorus of lower insects
        self._chorus_swell = Wander(rng, [0.7, 0.7])  # the far crickets' chorus, in each ear
        self._swells = Wander.joined(self._chorus_swell, regions, swell)  # read in one call
        g = np.random.default_rng(rng.integers(2**63))
        temp_c = float(self.read(params.temperature, np.zeros(1))[0])  # the syllable rates: as the night begins
        count = params.crickets
        # spread evenly over the ground at one cricket in 16 m^2: more crickets fill a wider meadow,
        # and the nearest, a few metres away, stands out
        distance = 2.0 + 4.0 * np.sqrt(max(count, 1) * g.random(max(count, 1)))
        self._bank = _field_cricket_chirps(g, distance, temp_c, sample_rate)
        self._chirps = _Stereo(self._bank, grain_lengths(self._bank))
        self._pan = g.uniform(-0.95, 0.95, count)
        self._next_chirp = g.uniform(0.0, 0.5, count)
        # each cricket keeps its own rate around Dolbear's (individuals differ by several per cent)
        # and lets it drift over minutes, and sings in bouts with short rests, so the chorus drifts
        # in and out of step and never settles into one beat
        self._tempo = g.uniform(0.9, 1.1, count)
        self._tempo_drift = Wander(rng, g.uniform(0.003, 0.01, count))
        self._bout_end = self._next_chirp + g.exponential(_BOUT_S, count)
        self._trills, sizes = _tree_cricket_trills(g, temp_c, sample_rate)
        self._tree = _Sequences(g, sizes, sample_rate, _TRILL_BOUT_S, _TRILL_REST_S)
        self._trilled = _Stereo(self._trills, np.repeat(sizes, _SEGMENTS))
        self._calls, sizes = _katydid_rasps(g, temp_c, sample_rate)
        self._katydid = _Sequences(g, sizes, sample_rate, _RASP_BOUT_S, _RASP_REST_S)
        self._rasped = _Stereo(self._calls, np.repeat(sizes, _SEGMENTS))
        longest = max(self._bank.shape[1], self._trills.shape[1], self._calls.shape[1])
        self._ola = OverlapAdd(self.size, longest)

    def _frame(self) -> np.ndarray:
        p, k, sr, rng = self.params, self.HOPS, self.sample_rate, self.rng
        t = self.hop_times()
        weights = np.zeros((k, 2, _BED_REGIONS + 3), np.float32)  # of self._shapes, per hop and ear
        # the far chorus waxes and wanes as singers join and drop out, each ear on its own
        bed = self.per_hop(p.bed)
        night = bed.max() > 0
        # the chorus's two ears, then (with the bed) the regions' swells and the lower insects'
        swells = (self._swells if night else self._chorus_swell).at(t)
        chorus = self.per_hop(p.chorus)[:, None] * np.exp(_CHORUS_SWELL * swells[:2].T)
        weights[:, :, _BED_REGIONS] = chorus * rng.lognormal(0.0, 0.25, (k, 2))
        if night:
            swell = (self._swell_weights @ swells[2:-1].reshape(_SWELL_OCTAVES, -1)).reshape(-1, k)
            # swells rise higher than they sink (the night's breaths), softly bounded at +-_SWELL_MAX
            swell = _SWELL_MAX * np.tanh((swell + _SURGE * swell * swell) * (1.0 / _SWELL_MAX))
            swell = swell[:-1] * self._swell_depth + swell[-1] * _SHARED_SWELL  # (regions, hops)
            weights[:, :, :_BED_REGIONS] = (np.exp(swell) * bed).T[:, None, :]
            far = rng.lognormal(0.0, 0.3, (k, 2))
            weights[:, :, _BED_REGIONS + 1] = (bed * np.exp(swells[-1]))[:, None] * far
        cicadas = self.per_hop(p.cicadas)
        if cicadas.max() > 0:
            weights[:, :, _BED_REGIONS + 2] = (cicadas * (0.6 + 0.4 * self._cicada_am.at(t)))[:, None]
        mag = weights @ self._shapes  # (hops, ears, bins)
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        end = (self.start + self.size) / sr
        if len(self._next_chirp):
            who, at = self._due(self._next_chirp, end, self._chirp_gaps)
            if len(who):
                gains = place(self._pan[who],
                              np.full(len(who), _CHIRP_LEVEL) * self.sounds(self.start + self._offsets(at)))
                variant = who * _VARIANTS + rng.integers(0, _VARIANTS, len(who))
                self._chirps.add(self._ola, self._offsets(at), variant, gains)
        for singers, bank, level, scale in ((self._tree, self._trilled, p.trills, 0.12),
                                            (self._katydid, self._rasped, p.bushcrickets, 0.2)):
            who, at, rows = singers.due(end)
            if len(who):
                gains = place(singers.pan[who], singers.gain[who] * self.read(level, at) * scale
                               * self.sounds(self.start + self._offsets(at)))
                bank.add(self._ola, self._offsets(at), rows, gains)
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))

    def _offsets(self, at: np.ndarray) -> np.ndarray:
        """Start samples within the frame of events at ``at`` seconds: int64."""
        return np.maximum(np.rint(at * self.sample_rate).astype(np.int64) - self.start, 0)

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
        tempo = self._tempo[due] * np.exp(_TEMPO_DRIFT * self._tempo_drift.each(at, due))
        gap = 60.0 / (per_minute * tempo) * self.rng.lognormal(0.0, 0.15, len(due))
        resting = at + gap > self._bout_end[due]
        if resting.any():  # a rest, then a new bout from a new phase
            r = due[resting]
            gap[resting] = self._bout_end[r] - at[resting] + self.rng.exponential(_REST_S, len(r))
            self._bout_end[r] = at[resting] + gap[resting] + self.rng.exponential(_BOUT_S, len(r))
        return gap
