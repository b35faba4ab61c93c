"""One random generator per layer, from the session seed and the layer's name.

``SeedSequence([seed, crc32(name)])`` gives every layer its own PCG64 stream:
output depends only on (recipe, seed, sample rate), and adding or removing a
layer leaves the others' streams untouched. Never the global RNG, never
``hash()`` (salted per process).
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["layer_rng"]



def layer_rng(seed: int, layer_name: str, frame: int = 0) -> np.random.Generator:
    """The generator of layer ``layer_name`` in a session seeded with ``seed`` (0..2**63-1);
    ``frame`` > 0 gives the layer's generator for a fresh start at that frame."""
    entropy = [int(seed), zlib.crc32(layer_name.encode("utf-8"))] + ([int(frame)] if frame else [])
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
