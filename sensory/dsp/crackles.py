"""Crackles: the snaps of burning wood, as grains and as clustered times.

A crackle is a small fracture: steam and gas trapped in the wood split a fibre, which
releases a short broadband burst (a fast but not instantaneous rise, a decay well under a
millisecond) that rings the piece of wood it came from, a few damped modes that sound
for some milliseconds. Fractures come in bursts: one split runs on along the grain and
frees its neighbours, so snaps cluster a few milliseconds apart into the "krrk" of a
single crackle (A. Farnell, *Designing Sound*, MIT Press 2010, ch. 34 "Fire": crackles
as noise bursts of about 20 ms or less through a resonant band-pass, at random times
drawn from a slowly moving random source, so they come and go in flurries). Pockets of
sap or steam that burst make a pop: louder, longer, with a low body from the log.

:func:`snap` and :func:`pop` build the grains (once, when a unit is made);
:func:`clustered` spreads each burst's snaps after its start, the Neyman-Scott cluster
process (J. Neyman and E. L. Scott, "Statistical approach to problems of cosmology",
J. R. Stat. Soc. B 20, 1958) with exponential gaps, all bursts of a frame at once.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

from .grains import end_taper, onset_ramp

__all__ = ["clustered", "pop", "snap"]


def _modes(burst: np.ndarray, freqs, qs, sample_rate: int) -> np.ndarray:
    """``burst`` (n,) ringing damped modes at ``freqs`` (Hz) with quality ``qs``: float64 (n,),
    each mode's ring ``sin(2 pi f t) exp(-pi f t / Q)`` scaled to unit gain at its centre."""
    n = len(burst)
    t = np.arange(n) / sample_rate
    rings = np.zeros(n)  # the modes' impulse responses summed: one convolution rings them all
    for f, q in zip(freqs, qs):
        f = min(f, 0.45 * sample_rate)
        rings += np.sin(2 * np.pi * f * t) * np.exp(-np.pi * f * t / q) * ((2 * np.pi * f / sample_rate) / q)
    return fftconvolve(burst, rings)[:n]


def _burst(g: np.random.Generator, n: int, sample_rate: int, attack_s: float, decay_s: float) -> np.ndarray:
    """White noise under a raised-cosine rise of ``attack_s`` and an exponential decay of
    time constant ``decay_s``: float64 (n,)."""
    t = np.arange(n) / sample_rate
    return g.standard_normal(n) * np.exp(-t / decay_s) * onset_ramp(n, sample_rate, attack_s)


@lru_cache(maxsize=16)
def _band_sos(low_hz: float, high_hz: float, sample_rate: int) -> np.ndarray:
    """The 2nd-order Butterworth band-pass of :func:`_band` as second-order sections, designed
    once for every grain of a bank."""
    high = min(high_hz, 0.45 * sample_rate)
    return butter(2, [min(low_hz, 0.5 * high), high], "bandpass", fs=sample_rate, output="sos")


def _band(x: np.ndarray, low_hz: float, high_hz: float, sample_rate: int) -> np.ndarray:
    return sosfilt(_band_sos(float(low_hz), float(high_hz), int(sample_rate)), x)


def snap(g: np.random.Generator, n: int, sample_rate: int, band_hz=(1500.0, 7000.0),
         modes_hz=(800.0, 6000.0)) -> np.ndarray:
    """One fracture snap over ``n`` samples (about 20 ms): float64 (n,), peak 1.

    A noise burst rising over 0.25-0.6 ms and decaying with a time constant of 0.1-0.6 ms,
    band-limited to ``band_hz`` (the snap itself), plus three wood modes in ``modes_hz`` with
    Q 1.5-4.5 that it excites (the piece of wood ringing); the onset ramp is applied again
    after the filters and the last quarter tapers, so the grain starts and ends at zero.
    """
    burst = _burst(g, n, sample_rate, g.uniform(0.00025, 0.0006), g.uniform(0.0001, 0.0006))
    freqs = np.exp(g.uniform(np.log(modes_hz[0]), np.log(modes_hz[1]), 3))
    y = _band(burst, band_hz[0], band_hz[1], sample_rate) + 0.8 * _modes(burst, freqs, g.uniform(1.5, 4.5, 3), sample_rate)
    y *= onset_ramp(n, sample_rate, 0.00025) * end_taper(n, n // 4)
    return y / np.abs(y).max()


def pop(g: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """One pop of bursting sap over ``n`` samples (about 60 ms): float64 (n,), peak 1.

    A longer burst (rise 0.5-1 ms, decay 1-3 ms) band-limited to 0.6-8 kHz, ringing the
    log's low body mode at 150-500 Hz (Q 3-6) and two higher modes at 0.7-3 kHz (Q 3-8).
    """
    burst = _burst(g, n, sample_rate, g.uniform(0.0005, 0.001), g.uniform(0.001, 0.003))
    freqs = np.r_[np.exp(g.uniform(np.log(150.0), np.log(500.0))), np.exp(g.uniform(np.log(700.0), np.log(3000.0), 2))]
    qs = np.r_[g.uniform(3.0, 6.0), g.uniform(3.0, 8.0, 2)]
    y = _band(burst, 600.0, 8000.0, sample_rate) + 1.5 * _modes(burst, freqs, qs, sample_rate)
    y *= onset_ramp(n, sample_rate, 0.0005) * end_taper(n, n // 3)
    return y / np.abs(y).max()


def clustered(rng: np.random.Generator, starts: np.ndarray, mean_extra: float, mean_gap: float,
              longest: int) -> tuple[np.ndarray, np.ndarray]:
    """The snaps of bursts beginning at samples ``starts`` (int64 (bursts,)).

    Each burst has ``1 + Poisson(mean_extra)`` snaps, the first at its start, the next ones
    after exponential gaps of mean ``mean_gap`` samples, none later than ``longest`` samples
    after the start. Returns the snaps' start samples (int64 (snaps,)) and the burst each
    belongs to (int64 (snaps,), an index into ``starts``), in burst order.
    """
    counts = 1 + rng.poisson(mean_extra, len(starts))
    burst = np.repeat(np.arange(len(starts)), counts)
    gaps = rng.exponential(mean_gap, len(burst))
    first = np.cumsum(counts) - counts
    gaps[first] = 0.0
    run = np.cumsum(gaps)
    offset = np.minimum(run - run[first][burst], longest).astype(np.int64)
    return starts[burst] + offset, burst
