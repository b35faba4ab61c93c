"""Export: the block stream written to an audio file, safely.

Blocks stream into a temporary file in the destination's folder, named
``.NAME.sensory-partial-XXXX``; only a complete file is renamed onto the
destination (``os.replace``, atomic on one file system). Any error or
interruption removes the temporary file and leaves the destination as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engine import blocks, plan
from .errors import RecipeError, RenderError
from .recipe import Recipe

__all__ = ["export", "Exported", "FORMATS", "output_format", "TEMP_MARK"]

TEMP_MARK = ".sensory-partial-"

# extension -> (soundfile format, default subtype, subtypes offered)
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "wav": ("WAV", "PCM_24", ("PCM_16", "PCM_24", "FLOAT")),
    "flac": ("FLAC", "PCM_24", ("PCM_16", "PCM_24")),
    "ogg": ("OGG", "VORBIS", ("VORBIS",)),
    "opus": ("OGG", "OPUS", ("OPUS",)),
    "mp3": ("MP3", "MPEG_LAYER_III", ("MPEG_LAYER_III",)),
}
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


@dataclass(frozen=True)
class Exported:
    """What an export wrote: path, frames, sample rate (Hz), format, subtype and sample peak (dBFS)."""

    path: Path
    frames: int
    sample_rate: int
    format: str
    subtype: str
    peak_db: float

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def output_format(path: Path, subtype: str | None, sample_rate: int) -> tuple[str, str]:
    """(format, subtype) for ``path``'s extension; RecipeError with the choices otherwise."""
    ext = path.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise RecipeError(f"{path}: unknown output format '.{ext}'; use one of "
                          + ", ".join("." + e for e in FORMATS))
    fmt, default, offered = FORMATS[ext]
    chosen = (subtype or default).upper()
    if chosen not in offered:
        raise RecipeError(f"{path}: subtype {chosen} is not available for .{ext}; use one of {', '.join(offered)}")
    if ext == "opus" and sample_rate not in _OPUS_RATES:
        raise RecipeError(f"{path}: Opus needs a sample rate of {', '.join(map(str, _OPUS_RATES))} Hz, "
                          f"not {sample_rate}; pass --sample-rate 48000")
    return fmt, chosen


def check_destination(path: Path, *, force: bool) -> None:
    """Refuse a destination we must not write: a folder, a link, a missing folder, or an
    existing file without ``force``."""
    if path.is_symlink():
        raise RecipeError(f"{path}: is a symbolic link; write to the real file's path instead")
    if path.is_dir():
        raise RecipeError(f"{path}: is a folder; give a file name such as {path / 'out.flac'}")
    if not path.parent.is_dir():
        raise RecipeError(f"{path}: the folder {path.parent} does not exist; create it first")
    if path.exists() and not force:
        raise RecipeError(f"{path}: already exists; pass --force to overwrite it")


def export(recipe: Recipe, path: str | os.PathLike, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, subtype: str | None = None, force: bool = False,
           block_size: int = 65536, progress: Callable[[int], None] | None = None) -> Exported:
    """Render ``recipe`` into ``path``; the extension picks the format (wav, flac, ogg, opus, mp3).

    ``seconds``, ``seed`` and ``sample_rate`` default to the recipe's; ``subtype``
    (PCM_16, PCM_24, FLOAT) picks the sample format where the format has one.
    ``progress(n)`` is called with the frames written by each block.
    16-bit output gets TPDF dither from a generator seeded by the render's seed.
    """
    import soundfile as sf

    path = Path(path)
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    if p.frames is None:
        raise RecipeError("an export needs a length; give a duration")
    check_destination(path, force=force)
    fmt, sub = output_format(path, subtype, p.sample_rate)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}{TEMP_MARK}")
    os.close(fd)
    tmp = Path(tmp_name)
    peak = 0.0
    dither = _Dither(p.seed) if sub == "PCM_16" else None
    try:
        with sf.SoundFile(tmp, "w", samplerate=p.sample_rate, channels=2, format=fmt, subtype=sub) as f:
            for block in blocks(recipe, seconds=p.seconds, seed=p.seed, sample_rate=p.sample_rate,
                                block_size=block_size):
                peak = max(peak, float(np.abs(block).max(initial=0.0)))
                f.write(dither(block) if dither else block)
                if progress:
                    progress(len(block))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, (sf.LibsndfileError, OSError)):
            raise RenderError(f"{path}: writing failed: {_reason(e)}") from None
        raise
    return Exported(path, p.frames, p.sample_rate, fmt, sub, 20 * np.log10(max(peak, 1e-12)))


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)


class _Dither:
    """Quantizes float blocks to 16-bit with triangular (TPDF) dither of +-1 LSB.

    ``floor(x * 32768 + u1 + u2 - 0.5)`` with ``u1``, ``u2`` uniform in [0, 1) is an
    unbiased rounding with triangular dither; the noise comes from a generator
    seeded by the render's seed, so exports stay reproducible.
    """

    def __init__(self, seed: int):
        from .seeding import layer_rng

        self._rng = layer_rng(seed, "~dither")

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """float32 (n, 2) -> int16 (n, 2)."""
        words = self._rng.bit_generator.random_raw(block.size // 2 + 1).view(np.uint16)[: 2 * block.size]
        u = words.reshape(2, *block.shape).astype(np.float32)
        v = block * np.float32(32768) + (u[0] + u[1]) * np.float32(1 / 65536) - np.float32(0.5)
        return np.clip(np.floor(v), -32768, 32767).astype(np.int16)
