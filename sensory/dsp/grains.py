"""Events placed by vectorized overlap-add: grains, phrases, impulse trains.

Grains are short sounds built once when a unit is constructed (a drop
ringing a leaf, a crackle, a cricket chirp); each event picks one, scales it
by its own gain per channel (which also pans it) and is added at its start
sample. Short grains (clicks, ticks) are placed all at once with one
``np.bincount`` per channel, the vectorized form of overlap-add; long ones
(bubbles, chirps) with one contiguous multiply-add per event, which costs
less than scattering their samples; silent tails are skipped. Sounds
running past the frame end are carried into the next frame. Nothing is looped or reused as a block: every
event has its own time, variant, gain and place.

A bank of grains is built with :func:`onset_ramp` and :func:`end_taper` (every grain rises
from zero and fades out, so no event clicks) and :func:`peak_normalised`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["OverlapAdd", "end_taper", "grain_lengths", "onset_ramp", "peak_normalised", "poisson_times"]


class OverlapAdd:
    """Accumulator for frames of ``size`` samples and ``channels`` channels, with
    sounds up to ``longest`` samples carried across frame ends.

    The accumulator is float32 and channel-major, so every event adds to
    contiguous runs of memory.
    """

    # Below this many samples per event a per-event slice add costs more in
    # Python overhead than one scatter over all events.
    _SLICE_MIN = 1024

    def __init__(self, size: int, longest: int, channels: int = 2):
        self.size = size
        self.channels = channels
        self._longest = longest
        self._acc = np.zeros((channels, size + longest), np.float32)

    def grains(self, starts: np.ndarray, bank: np.ndarray, variant: np.ndarray, gains: np.ndarray,
               lengths: np.ndarray | None = None) -> None:
        """Add ``bank[variant[e]] * gains[e]`` at sample ``starts[e]`` of the current frame.

        ``bank`` float32 (variants, length); ``starts``, ``variant`` int (events,);
        ``gains`` float (events, channels); ``lengths`` optional int (variants,): samples of
        each variant that are not silent (the rest is skipped).
        """
        e = len(starts)
        if e == 0:
            return
        full = bank.shape[1]
        span = lengths[variant] if lengths is not None else np.full(e, full)
        g = np.asarray(gains, np.float32)
        if span.mean() >= self._SLICE_MIN:
            # long grains: one contiguous multiply-add per event and channel
            acc = self._acc
            for s, v, n, ge in zip(starts.tolist(), variant.tolist(), span.tolist(), g.tolist()):
                row = bank[v, :n]
                for c in range(self.channels):
                    if ge[c] != 0:  # events aimed at one ear leave the other alone
                        acc[c, s:s + n] += row * ge[c]
            return
        # short grains: every event's samples scattered at once (concatenated runs)
        total = int(span.sum())
        first = np.cumsum(span) - span  # where each event's run begins in the concatenation
        run = np.arange(total)  # a sample's place in the concatenation: its run's first plus its index in the grain
        at = run + np.repeat(starts - first, span)
        w = np.ravel(bank).take(run + np.repeat(variant * full - first, span))  # bank[variant, index], flat
        width = int((starts + span).max())
        for c in range(self.channels):
            self._acc[c, :width] += np.bincount(at, w * np.repeat(g[:, c], span), minlength=width)

    def add(self, start: int, sound: np.ndarray) -> None:
        """Add ``sound`` (length, channels) at sample ``start`` of the current frame."""
        self._acc[:, start:start + len(sound)] += sound.T

    def take(self) -> np.ndarray:
        """The finished frame, float32 (size, channels); the accumulator moves on by one frame."""
        out = np.empty((self.size, self.channels), np.float32)
        for c in range(self.channels):  # per channel: a transposing copy is several times slower
            out[:, c] = self._acc[c, : self.size]
        self._acc[:, : self._longest] = self._acc[:, self.size:]
        self._acc[:, self._longest:] = 0
        return out


def grain_lengths(bank: np.ndarray, floor: float = 1e-4) -> np.ndarray:
    """Samples of each grain (rows of ``bank``) up to its last sample above ``floor`` times its
    peak: int64 (variants,). Passed to :meth:`OverlapAdd.grains` to skip silent tails."""
    loud = np.abs(bank) > floor * np.abs(bank).max(axis=1, keepdims=True)
    return bank.shape[1] - np.argmax(loud[:, ::-1], axis=1)


def poisson_times(rng: np.random.Generator, rate: np.ndarray, hop: int) -> np.ndarray:
    """Start samples of a Poisson stream over ``len(rate)`` hops of ``hop`` samples.

    ``rate`` is the expected number of events per hop (float, (hops,)); the
    result is sorted int64 sample offsets within the frame.
    """
    counts = rng.poisson(np.maximum(rate, 0.0))
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    hops = np.repeat(np.arange(len(rate)), counts)
    return np.sort(hops * hop + rng.integers(0, hop, total))


def onset_ramp(n: int, sample_rate: int, seconds: float = 0.0004) -> np.ndarray:
    """A raised-cosine rise from 0 over ``seconds`` (at least 2 samples), then 1: float64 (n,).
    Every grain starts with one, so no event clicks."""
    k = max(2, int(seconds * sample_rate))
    r = np.ones(n)
    r[:k] = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
    return r


def end_taper(n: int, tail: int) -> np.ndarray:
    """1, then a raised-cosine fall over the last ``tail`` samples (1 <= tail <= n): float64 (n,).
    A grain that ends with one is never cut off."""
    end = np.ones(n)
    end[-tail:] = 0.5 + 0.5 * np.cos(np.pi * np.arange(tail) / tail)
    return end


def peak_normalised(bank: np.ndarray) -> np.ndarray:
    """Grains ``bank`` (variants, samples), each scaled to a peak of 1: float32 of the same shape."""
    return (bank / (np.abs(bank).max(axis=1, keepdims=True) + 1e-12)).astype(np.float32)
