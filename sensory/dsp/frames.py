"""Fixed internal frames served in any block size.

Texture units compute their sound a whole frame at a time (a few thousand
samples: vectorized FFT shaping, event placement, control signals), so every
random draw and every filter step happens at the same place whatever block
sizes callers ask for. :class:`FrameQueue` hands those frames out in blocks
of any length; the stream it yields is bit-identical however it is split.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["FrameQueue", "hop_for"]


def hop_for(sample_rate: int) -> int:
    """Analysis hop in frames, a power of two close to 21 ms (1024 at 48 kHz, 256 at 16 kHz)."""
    return int(2 ** round(np.log2(sample_rate / 46.875)))


class FrameQueue:
    """Serves the output of ``produce()`` (float32 (size, channels) per call) as blocks of any size."""

    def __init__(self, produce: Callable[[], np.ndarray], channels: int = 2):
        self._produce = produce
        self._buf = np.empty((0, channels), np.float32)
        self._pos = 0
        self.channels = channels

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` frames, float32 (n, channels)."""
        if self._pos + n <= len(self._buf):
            self._pos += n
            return self._buf[self._pos - n:self._pos]
        out = np.empty((n, self.channels), np.float32)
        i = 0
        while i < n:
            if self._pos == len(self._buf):
                self._buf = np.asarray(self._produce(), np.float32)
                self._pos = 0
            k = min(n - i, len(self._buf) - self._pos)
            out[i:i + k] = self._buf[self._pos:self._pos + k]
            self._pos += k
            i += k
        return out
