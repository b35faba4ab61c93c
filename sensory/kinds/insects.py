"""Insects: field crickets, bush crickets and cicadas over the night's bed.

After A. Farnell, *Designing Sound* (MIT Press, 2010), ch. 50 "Insects": the field cricket's
chirp of 7 pulses at 58 Hz on a ~4.5 kHz carrier with a second harmonic at 0.3, the chirp
rate from the temperature by Dolbear's law ``T_F = 50 + (N - 40) / 4`` (N chirps a minute,
A. E. Dolbear, "The cricket as a thermometer", The American Naturalist 31, 1897), a chorus
spread of +-3 %, and the cicada's AM re-chosen every few seconds. docs/nature.md gives the
measurements.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Wander
from ..dsp.grains import OverlapAdd, onset_ramp, peak_normalised
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow, place
from . import kind
from .texture import Texture, band, pink

__all__ = ["Insects"]


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
    return peak_normalised(np.array(calls))


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
    makeup = 1.4  # make-up gain: the crickets' chorus near the level

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
        self._bank = peak_normalised(np.array(bank))
        count = params.crickets
        self._voice = g.integers(0, _CHIRPS, count)
        self._gain = g.uniform(0.3, 1.0, count) ** 2
        self._pan = g.uniform(-0.95, 0.95, count)
        self._next_chirp = g.uniform(0.0, 0.5, count)
        # each cricket keeps its own rate around Dolbear's (individuals differ by several per cent)
        # and lets it drift over minutes, and sings in bouts with short rests, so the chorus drifts
        # in and out of step and never settles into one beat
        self._tempo = g.uniform(0.9, 1.1, count)
        self._tempo_drift = Wander(rng, g.uniform(0.003, 0.01, count))
        self._bout_end = self._next_chirp + g.exponential(_BOUT_S, count)
        self._calls = _bush_cricket_calls(g, sample_rate)
        self._bush_gain = g.uniform(0.6, 1.0, _BUSH_CRICKETS)
        self._bush_pan = g.uniform(-0.8, 0.8, _BUSH_CRICKETS)
        self._next_call = g.uniform(0.5, 4.0, _BUSH_CRICKETS)
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
        if len(self._next_chirp):
            who, at = self._due(self._next_chirp, end, self._chirp_gaps)
            if len(who):
                gains = place(self._pan[who], self._gain[who] * 0.3)
                self._ola.grains(self._offsets(at), self._bank, self._voice[who], gains)
        who, at = self._due(self._next_call, end, self._call_gaps)
        if len(who):
            level = self.read(p.bushcrickets, at)
            gains = place(self._bush_pan[who], self._bush_gain[who] * level * 0.25)
            self._ola.grains(self._offsets(at), self._calls, rng.integers(0, _CALLS, len(who)), gains)
        out += self._ola.take()
        return narrow(out, self.per_sample(p.width))

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
