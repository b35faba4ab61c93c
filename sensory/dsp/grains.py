"""Events placed by vectorized overlap-add: grains, phrases, impulse trains.

Grains are short sounds built once when a unit is constructed (a drop
ringing a leaf, a crackle, a cricket chirp); each event picks one, scales it
by its own gain per channel (which also pans it) and is added at its start
sample. All events of a frame are placed with one ``np.bincount``, the
vectorized form of overlap-add; sounds running past the frame end are
carried into the next frame. Nothing is looped or reused as a block: every
event has its own time, variant, gain and place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["OverlapAdd", "poisson_times", "impulse_train"]


class OverlapAdd:
    """Accumulator for frames of ``size`` samples and ``channels`` channels, with
    sounds up to ``longest`` samples carried across frame ends."""

    def __init__(self, size: int, longest: int, channels: int = 2):
        self.size = size
        self.channels = channels
        self._acc = np.zeros((size + longest, channels), np.float64)

    def grains(self, starts: np.ndarray, bank: np.ndarray, variant: np.ndarray, gains: np.ndarray) -> None:
        """Add ``bank[variant[e]] * gains[e]`` at sample ``starts[e]`` of the current frame.

        ``bank`` float32 (variants, length); ``starts``, ``variant`` int (events,);
        ``gains`` float (events, channels).
        """
        if len(starts) == 0:
            return
        length = bank.shape[1]
        c = self.channels
        idx = (starts[:, None] + np.arange(length))[:, :, None] * c + np.arange(c)
        w = bank[variant][:, :, None] * gains[:, None, :].astype(np.float32)
        added = np.bincount(idx.ravel(), w.ravel(), minlength=(self.size + length) * c)
        self._acc[: self.size + length] += added.reshape(-1, c)

    def add(self, start: int, sound: np.ndarray) -> None:
        """Add ``sound`` (length, channels) at sample ``start`` of the current frame."""
        self._acc[start:start + len(sound)] += sound

    def take(self) -> np.ndarray:
        """The finished frame, float32 (size, channels); the accumulator moves on by one frame."""
        out = self._acc[: self.size].astype(np.float32)
        rest = self._acc[self.size:].copy()
        self._acc[: len(rest)] = rest
        self._acc[len(rest):] = 0
        return out


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


def impulse_train(size: int, starts: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """A frame of impulses: float32 (size, channels) with ``gains[e]`` at ``starts[e]``."""
    c = gains.shape[1]
    idx = (starts[:, None] * c + np.arange(c)).ravel()
    return np.bincount(idx, gains.ravel(), minlength=size * c).astype(np.float32).reshape(size, c)
