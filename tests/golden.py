"""Recorded renders: every preset's sound, fixed by hashes, so a change that should not touch
the sound can prove it does not.

``python -m tests.golden --write`` records ``tests/golden.json`` from the current code; do it
only for a deliberate change of sound, and say so in the commit. ``tests/test_golden.py``
renders the same cases and compares.

Each case is a short render (or a 16-bit export, which adds dither and quantization) at the
sample rate named. The exact hash holds on the numeric platform that recorded it (numpy's SIMD
sine and BLAS kernels differ from one processor to another in the last bit); on any other,
each case's levels per 0.25 s must match to 1e-4 dB, which any change of a random stream, a
parameter or a time moves by far more.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).with_name("golden.json")
SECONDS = 10.0
FULL_RATE = ("forest", "thunderstorm", "reawaken", "sleep-descent", "fireplace", "ocean")


def cases() -> list[tuple[str, str, int]]:
    """(preset, how, sample rate): every packaged preset at 16 kHz, a few at 48 kHz, two exports."""
    from sensory.recipe.presets import presets

    names = [p.name for p in presets() if p.origin == "built-in"]
    out = [(name, "render", 16000) for name in names]
    out += [(name, "render", 48000) for name in FULL_RATE]
    out += [("pink", "export", 48000), ("reawaken", "export", 44100)]
    return out


def audio(name: str, how: str, sample_rate: int) -> np.ndarray:
    """The case's samples: float32 (n, 2) for a render, int16 (n, 2) read back for an export."""
    import soundfile as sf

    import sensory

    recipe = sensory.load(name)
    if how == "render":
        return sensory.render(recipe, seconds=SECONDS, sample_rate=sample_rate, block_size=4096)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.wav"
        sensory.export(recipe, path, seconds=SECONDS, sample_rate=sample_rate, subtype="PCM_16", processes=1)
        data, _ = sf.read(path, dtype="int16", always_2d=True)
    return data


def fingerprint(x: np.ndarray, sample_rate: int) -> dict:
    """The samples' sha256 and their RMS level (dB) in each quarter second."""
    step = sample_rate // 4
    y = x.astype(np.float64)
    levels = [10 * np.log10(np.mean(y[i:i + step] ** 2) + 1e-30) for i in range(0, len(y), step)]
    return {"sha256": hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest(),
            "levels_db": [round(float(v), 6) for v in levels]}


def platform_key() -> str:
    """What the last bit of a render depends on: machine, numpy, and numpy's CPU features."""
    from numpy._core._multiarray_umath import __cpu_features__ as found

    simd = ",".join(sorted(k for k, v in found.items() if v))
    return f"{platform.machine()} numpy {np.__version__} {simd}"


def record() -> dict:
    return {"platform": platform_key(),
            "cases": {f"{n} {h} {sr}": fingerprint(audio(n, h, sr), sr) for n, h, sr in cases()}}


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.golden --write   (records tests/golden.json from this code)")
    GOLDEN.write_text(json.dumps(record(), indent=1) + "\n")
    print(f"wrote {GOLDEN}")
