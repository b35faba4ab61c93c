"""Quantizers: float blocks to the integer samples of 16- and 24-bit files."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core.seeding import layer_rng

__all__ = ["Dither", "quantizer", "to_pcm24"]


def to_pcm24(block: np.ndarray) -> np.ndarray:
    """float32 (n, channels) -> int32 holding 24-bit samples rounded to the nearest step
    (libsndfile's own float conversion is half as fast)."""
    v = block * np.float32(1 << 23)
    np.rint(v, out=v)
    np.clip(v, -(1 << 23), (1 << 23) - 1, out=v)
    return v.astype(np.int32) << 8


class Dither:
    """Quantizes float blocks to 16-bit with triangular (TPDF) dither of +-1 LSB.

    The dither is the sum of two uniform 16-bit random numbers, scaled to +-0.5 LSB
    each, added before rounding; it comes from a generator seeded by the render's
    seed, so exports stay reproducible.
    """

    _SCALE = np.float32(1 / 65536)

    def __init__(self, seed: int):
        self._rng = layer_rng(seed, "~dither")

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """float32 (n, channels) -> int16 (n, channels)."""
        words = -(-block.size // 2)  # 64-bit words: four 16-bit values each, two per sample
        r = self._rng.bit_generator.random_raw(words).view(np.int16)[: 2 * block.size]
        r = r.reshape(2, *block.shape)
        v = r[0].astype(np.float32)
        v += r[1]
        v *= self._SCALE
        v += block * np.float32(32768)
        np.rint(v, out=v)
        np.clip(v, -32768, 32767, out=v)
        return v.astype(np.int16)


def quantizer(subtype: str, seed: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """What turns float32 (n, channels) blocks into ``subtype``'s samples: dither seeded by
    ``seed`` for PCM_16, rounding for PCM_24; None where the encoder takes floats."""
    if subtype == "PCM_16":
        return Dither(seed)
    if subtype == "PCM_24":
        return to_pcm24
    return None
