"""Ocean: surf, waves with a slow swell, a fast break and a long wash, over a low rumble.

Each wave's envelope is asymmetric (a slow swell, a sharp break, a long wash back) and the
low-pass cutoff of the water follows the swell; the spectrum is matched to recordings of
surf (ESC-50 "sea_waves", K. J. Piczak, "ESC: Dataset for environmental sound
classification", ACM Multimedia 2015). docs/nature.md gives the measurements.
"""

from __future__ import annotations

import numpy as np

from ..core.params import Automatable, Params, param
from ..dsp.control import Wander
from ..dsp.pan import equal_power
from ..dsp.spectral import SpectralFrames
from ..dsp.stereo import narrow
from . import kind
from .texture import Texture, band, pink

__all__ = ["Ocean", "LowpassTable"]


class LowpassTable:
    """Low-pass magnitudes ``1 / sqrt(1 + (f/c)^4)`` (second order) times ``weight`` for cutoffs
    ``c`` on a quarter-octave grid from ``low_hz`` up, so a cutoff that moves every hop costs a
    lookup: ``at(cutoff_hz)`` takes any shape and returns float32 ``cutoff.shape + (bins,)``."""

    def __init__(self, freqs: np.ndarray, weight: np.ndarray, low_hz: float = 100.0, rows: int = 30):
        self._low = low_hz
        cutoffs = low_hz * 2.0 ** (np.arange(rows) / 4)
        self._table = (weight / np.sqrt(1.0 + (freqs / cutoffs[:, None]) ** 4)).astype(np.float32)

    def at(self, cutoff_hz) -> np.ndarray:
        row = np.rint(4 * np.log2(np.maximum(cutoff_hz, 1.0) / self._low)).astype(np.int64)
        return self._table[np.clip(row, 0, len(self._table) - 1)]


class OceanParams(Params):
    intensity: Automatable = param(0.6, ge=0, le=1, help="wave size: 0 lapping .. 1 heavy surf")
    period: Automatable = param(9.0, unit="s", ge=4, le=20, help="mean time between waves (each jittered)")
    distance: Automatable = param(0.3, ge=0, le=1, help="0 at the waterline .. 1 far: darker, less foam")
    width: Automatable = param(1.0, ge=0, le=1, help="stereo width")


def _shape(rng) -> tuple[float, float, float, float, float, float]:
    """One wave's shape: swell rise and wash time constant (fractions of its period), break
    decay (s, log-uniform 0.3-1.2), break sharpness (exponent of the rise, 2-6), and for half
    the waves a second break (delay s, relative height; else 0, 0)."""
    second = rng.random() < 0.5
    return (rng.uniform(0.2, 0.4), rng.uniform(0.12, 0.32), float(np.exp(rng.uniform(np.log(0.3), np.log(1.2)))),
            rng.uniform(2.0, 6.0), rng.uniform(0.3, 1.5) if second else 0.0, rng.uniform(0.3, 0.9) if second else 0.0)


@kind("ocean", family="nature", params=OceanParams)
class Ocean(Texture):
    """Surf: wave events with a slow swell, a fast break and a long wash, over a low rumble.

    Two overlapping wave generators, each wave with its own jittered period
    (6-12 s at the default), height and place in the field, and its own
    shape: the swell rises over 20-40 % of the period and washes back with a
    time constant of 12-32 %, the break rises more or less sharply, opens
    with a plunge (half again as loud, gone in 0.12 s) and decays in
    0.3-1.2 s, and half the waves break a second time 0.3-1.5 s
    later (a wave breaking along the beach); heights follow slow sets of
    bigger and smaller waves; the water churns (the bodies' level wanders by
    about 4 dB at 0.7-1.5 Hz, its own in each ear). The breaks put the
    envelope power at 0.25-2 Hz that recordings of surf show, and with a
    shape of its own for every wave and the churn, no two stretches of surf
    have the same envelope. The low-pass cutoff follows the swell (about
    300 Hz in the trough to 2-4 kHz at the crash); foam is high-passed fizz
    riding the crash and the swell; the rumble sits around 140 Hz and the
    bodies fall off below 120 Hz, as in recorded surf (ESC-50 sea waves:
    -22 dB at 100 Hz against the 1-kHz band). docs/nature.md gives the
    measurements.
    """

    cost = 2.5  # CPU per second of audio against a noise layer, measured at 48 kHz
    makeup = 0.18  # make-up gain: crashes peak under full scale, the troughs well below the level

    def __init__(self, params: OceanParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._shaper = SpectralFrames(rng, self.hop, sample_rate)
        f = np.maximum(self._shaper.freqs, 1.0)
        self._log2f = np.log2(f)
        self._tilt = pink(f) * f * f / (f * f + 120.0 ** 2)
        self._rumble = band(self._log2f, 140.0, 0.8) * pink(f)
        self._foam = band(self._log2f, 4500.0, 1.2) * self._tilt
        self._bodies = LowpassTable(f, self._tilt, 200.0, 25)  # 200 Hz .. 12.7 kHz
        self._waves: list[tuple] = []  # (start s, height, period s, pan) + _shape()
        self._sets = Wander(rng, 1.0 / 70.0)  # sets of bigger and smaller waves, about a minute long
        self._churn = Wander(rng, [0.7, 1.47] * 2)  # the wash's turbulence, left and right: (2 rates) x 2
        period = float(params.period(0.0))
        self._next_wave = [-rng.uniform(0.3, 0.9) * period, -rng.uniform(0.0, 0.5) * period + period]

    def _schedule(self, until: float) -> None:
        p = self.params
        for i in range(2):
            while self._next_wave[i] < until:
                start = self._next_wave[i]
                mean = float(p.period(max(start, 0.0)))
                period = mean * self.rng.uniform(0.67, 1.33)
                height = self.rng.uniform(0.4, 1.0) * (1.0 + 0.35 * float(self._sets.at(max(start, 0.0))))
                self._waves.append((start, height, period, self.rng.uniform(-0.7, 0.7)) + _shape(self.rng))
                # gamma-distributed gaps (mean 2 periods, CV 0.5): waves come in loose sets, so
                # the envelope has no lasting rhythm at multiples of the period
                self._next_wave[i] = start + mean * self.rng.gamma(4.0, 0.5)

    def _frame(self) -> np.ndarray:
        p, k, rng = self.params, self.HOPS, self.rng
        t = self.hop_times()
        self._schedule(t[-1] + 1.0)
        inten = self.per_hop(p.intensity)
        dist = self.per_hop(p.distance)
        swell = np.zeros((k, 2))
        crash = np.zeros((k, 2))
        keep = []
        for wave in self._waves:
            start, height, period, pan, rise, wash, decay, sharpness, lag, second = wave
            x = t - start
            rise *= period
            up = np.clip(x / rise, 0.0, 1.0)
            after = np.maximum(x - rise, 0.0)
            s = np.where(x < rise, up ** 2 * (3 - 2 * up), np.exp(-after / (wash * period)))
            c = np.where(x < rise, up ** sharpness, np.exp(-after / decay) + 0.5 * np.exp(-after / 0.12))  # + the plunge
            if second:  # the second break rises in 80 ms
                late = np.maximum(after - lag, 0.0)
                c += second * (after >= lag) * (1.0 - np.exp(-late / 0.08)) * np.exp(-late / decay)
            lr = np.array(equal_power(pan), np.float64) * np.sqrt(2.0)
            swell += height * s[:, None] * lr
            crash += height * c[:, None] * lr
            if x[-1] < rise + max(8 * wash * period, lag + 8 * decay):  # until both have died away
                keep.append(wave)
        self._waves = keep
        level = (0.3 + 0.7 * inten)[:, None]
        swell *= level
        crash *= level
        cutoff = 400.0 + 5000.0 * np.clip(swell + 1.5 * crash, 0, 2) * (1.0 - 0.7 * dist[:, None])  # (k, 2)
        # the water's churn moves the swell's level by about 4 dB at 0.7-1.5 Hz, its own in each
        # ear (its mean level kept; the breaks ride on it): the envelope between the breaks is
        # never the same twice
        churn = np.exp(0.6 * self._churn.at(t).reshape(2, 2, k).sum(axis=1).T - 0.12)  # (k, 2)
        mag = self._bodies.at(cutoff) * (churn * (0.25 + swell) + 1.5 * crash).astype(np.float32)[:, :, None]
        fizz = rng.lognormal(0.0, 0.35, (k, 2))  # the foam's hiss from hop to hop
        foam = (0.5 * crash + 0.4 * swell + 0.05) * (1.0 - 0.8 * dist[:, None]) * fizz
        mag += np.multiply.outer(foam.astype(np.float32), (1.5 * self._foam).astype(np.float32))
        mag += np.multiply.outer((0.12 + 0.1 * swell).astype(np.float32), self._rumble.astype(np.float32))
        out = self._shaper.synthesize(self._shaper.shaped(mag))
        return narrow(out, self.per_sample(p.width))
