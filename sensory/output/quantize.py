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

    The dither is the sum of two independent uniform random numbers of 8 bits, each
    spanning one LSB, less their mean: a triangle over +-255/256 LSB in steps of 1/256 LSB,
    zero mean, variance 1/6 LSB^2 (the float32 sum with a full-scale sample keeps only
    8 bits below the LSB in any case), added before rounding (Vanderkooy & Lipshitz,
    "Dither in Digital Audio", JAES 35(12), 1987: the error's mean and power are then
    independent of the signal). One 64-bit word of SFC64 makes four samples' dither; the
    generator is seeded by the render's seed, so exports stay reproducible.
    """

    _UNIT = np.float32(1 / 256)  # one step of the dither, in LSB

    def __init__(self, seed: int):
        self._bits = np.random.SFC64(layer_rng(seed, "~dither").bit_generator.seed_seq)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """float32 (n, channels) -> int16 (n, channels)."""
        words = -(-block.size // 4)  # 64-bit words: four samples' two bytes each
        u = self._bits.random_raw(words).view(np.uint16)[: block.size].reshape(block.shape)
        d = u >> 8
        u &= 0xFF
        d += u  # the two bytes' sum, 0..510 steps
        d = d.view(np.int16)
        d -= 255  # less its mean: -255..255 steps
        v = block * np.float32(32768 * 256)  # the sample in steps, exact (a power of two)
        v += d
        v *= self._UNIT
        np.clip(v, -32768, 32767, out=v)
        out = np.empty(block.shape, np.int16)
        return np.rint(v, out=out, casting="unsafe")


def quantizer(subtype: str, seed: int) -> Callable[[np.ndarray], np.ndarray] | None:
    """What turns float32 (n, channels) blocks into ``subtype``'s samples: dither seeded by
    ``seed`` for PCM_16, rounding for PCM_24; None where the encoder takes floats."""
    if subtype == "PCM_16":
        return Dither(seed)
    if subtype == "PCM_24":
        return to_pcm24
    return None
