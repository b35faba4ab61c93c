"""Stridulation: the calls of crickets and katydids as sequences of syllables.

A singing cricket or katydid closes its raised forewings: the scraper of one wing runs along
the file of teeth on the other, and every tooth it strikes sets the wing's resonators ringing.
One closing stroke makes one *syllable*; syllables group into chirps or trills.

- Crickets (Gryllidae): the harp is a sharp resonator and the escapement of the file drives
  it one tooth per cycle, so a syllable is a nearly pure tone burst at the harp's resonance,
  the *carrier* (4-5 kHz in field crickets, 2-3.5 kHz in tree crickets), whose pitch sinks a
  little as the stroke slows, with weak harmonics (H. C. Bennet-Clark, "Songs and the physics
  of sound production", in *Cricket Behavior and Neurobiology*, Cornell, 1989; H. C.
  Bennet-Clark and W. J. Bailey, "Ticking of the clockwork cricket: the role of the
  escapement mechanism", J. Exp. Biol. 205, 2002): :func:`syllable_train`.
- Katydids and bush crickets (Tettigoniidae): the teeth are struck faster than the wing
  can ring, and its cells are damped, so each impact is a short broadband tick and a syllable
  is a rasp spread over 5-20 kHz (B. D. Chivers et al., "Structural biomechanics determine
  spectral purity of bush-cricket calls", Biol. Lett. 14, 2018): :func:`rasp_train`.

Patterns (syllable lengths and rates, chirps and trills) follow D. R. Ragge and W. J.
Reynolds, *The Songs of the Grasshoppers and Crickets of Western Europe* (Harley, 1998).
Both builders lay out every syllable of a call at once (no loop over samples); a call begins
and ends in silence, so calls laid end to end join without a seam.
"""

from __future__ import annotations

import numpy as np
from scipy import fft

__all__ = ["rasp_train", "syllable_train"]


def _syllable_index(starts: np.ndarray, lengths: np.ndarray, n: int, sample_rate: int):
    """For every sample of an ``n``-sample call, the syllable sounding (int64, -1 in gaps) and
    the place in it (0..1), for syllables at ``starts`` s lasting ``lengths`` s."""
    t = np.arange(n) / sample_rate
    k = np.searchsorted(starts, t, side="right") - 1
    kk = np.maximum(k, 0)
    u = (t - starts[kk]) / lengths[kk]
    inside = (k >= 0) & (u < 1.0)
    return np.where(inside, kk, -1), np.where(inside, u, 0.0), t


def _stroke_envelope(u: np.ndarray, attack: float, release: float) -> np.ndarray:
    """A closing stroke's envelope over its length ``u`` (0..1): a raised-cosine rise over the
    first ``attack``, a hold, a raised-cosine fall over the last ``release``; 0 at both ends."""
    rise = np.clip(u / attack, 0, 1)
    fall = np.clip((1.0 - u) / release, 0, 1)
    return (0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall))


def syllable_train(starts: np.ndarray, lengths: np.ndarray, amplitudes: np.ndarray, carrier_hz: float,
                   n: int, sample_rate: int, rng: np.random.Generator, glide: float = 0.04,
                   harmonics: tuple[float, ...] = (0.12, 0.03)) -> np.ndarray:
    """A cricket's call: tone bursts at ``carrier_hz``, one per syllable: float64 (n,), peak about 1.

    ``starts``, ``lengths`` (s) and ``amplitudes`` (syllables,) lay out the syllables (sorted,
    not overlapping). In each one the carrier sinks by ``glide`` (fraction) from its start to
    its end, as the closing stroke slows, and the phase starts anew; the envelope rises over the
    first 20 % and falls over the last 30 % (the harp rings down). ``harmonics`` are the levels
    of the 2nd, 3rd, ... partials, dropped above 0.45 of the sample rate.
    """
    k, u, _ = _syllable_index(np.asarray(starts, float), np.asarray(lengths, float), n, sample_rate)
    on = k >= 0
    kk = np.maximum(k, 0)
    length = np.asarray(lengths, float)[kk]
    # phase of a carrier falling linearly by `glide` over the syllable: f(u) = f0 (1 - glide u)
    cycles = carrier_hz * length * (u - 0.5 * glide * u * u) + rng.random(len(starts))[kk]
    x = np.sin(2 * np.pi * cycles)
    for h, level in enumerate(harmonics, start=2):
        if h * carrier_hz < 0.45 * sample_rate:
            x += level * np.sin(2 * np.pi * h * cycles + h)
    env = _stroke_envelope(u, 0.2, 0.3) * np.asarray(amplitudes, float)[kk]
    return np.where(on, x * env, 0.0)


def rasp_train(starts: np.ndarray, lengths: np.ndarray, amplitudes: np.ndarray, tooth_hz: float,
               resonance_hz: float, n: int, sample_rate: int, rng: np.random.Generator,
               q: float = 2.5) -> np.ndarray:
    """A katydid's call: rasps of tooth impacts, one rasp per syllable: float64 (n,), peak about 1.

    Within each syllable (``starts``, ``lengths`` in s, ``amplitudes``) the scraper strikes
    teeth at about ``tooth_hz``, faster towards the stroke's end, each impact a little louder
    or softer than the last; the impacts ring the wing's damped cells, a resonance at
    ``resonance_hz`` (at most 0.4 of the sample rate) of quality ``q``, with the octave below
    at a quarter of its level: a broadband rasp. The envelope rises over 30 % and falls over 20 %.
    """
    starts, lengths = np.asarray(starts, float), np.asarray(lengths, float)
    # impact times: per syllable, a tooth rate rising by half over the stroke, each interval jittered
    counts = np.maximum((tooth_hz * lengths * 1.2).astype(int), 2)
    syl = np.repeat(np.arange(len(starts)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    frac = step / np.repeat(counts, counts)
    gaps = rng.uniform(0.6, 1.4, len(syl)) / (tooth_hz * (0.8 + 0.5 * frac))
    firsts = np.cumsum(counts) - counts
    local = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[firsts] - gaps[firsts], counts)
    keep = local < lengths[syl]
    at = np.rint((starts[syl] + local)[keep] * sample_rate).astype(np.int64)
    keep_at = at < n
    impacts = np.bincount(at[keep_at], rng.uniform(0.4, 1.0, int(keep_at.sum())) * rng.choice([-1.0, 1.0], int(keep_at.sum())),
                          minlength=n)[:n]
    # the wing's damped cells: a resonance of quality q, as a magnitude response on the call's FFT
    size = fft.next_fast_len(n + sample_rate // 100, real=True)  # room for the ringing; a fast length
    f = np.fft.rfftfreq(size, 1.0 / sample_rate)
    centre = min(resonance_hz, 0.4 * sample_rate)
    response = 1.0 / np.sqrt(1.0 + (q * (f / centre - centre / np.maximum(f, 1.0))) ** 2)
    response += 0.25 / np.sqrt(1.0 + (q * (2 * f / centre - centre / np.maximum(2 * f, 1.0))) ** 2)
    x = fft.irfft(fft.rfft(impacts, size) * response, size)[:n]
    k, u, _ = _syllable_index(starts, lengths, n, sample_rate)
    env = _stroke_envelope(u, 0.3, 0.2) * np.asarray(amplitudes, float)[np.maximum(k, 0)]
    return np.where(k >= 0, x * env, 0.0)
