"""Export: the block stream written to an audio file, safely.

Blocks stream into a partial file in the destination's folder, named
``.NAME.sensory-partial-PID-XXXX``; only a complete file is renamed onto the
destination (``os.replace``, atomic on one file system). Any error or
interruption removes the partial file and leaves the destination as it was;
see :mod:`sensory.destination` for what survives a ``SIGKILL``.

With a loudness target or a true-peak ceiling, an export is one measuring pass and
one writing pass, and the written file is measured before it is renamed: lossless
files as their samples are written (the decoded file holds exactly those), lossy ones
decoded. A lossy encoder that moved the loudness or the peaks past the targets has
the file written again with the difference compensated (:data:`WRITES` tries).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import destination
from ..core.limits import MAX_PROCESSES
from ..engine.stream import plan, processes_for
from ..errors import RecipeError, RenderError
from ..recipe.model import Recipe
from . import options
from .chain import Chain
from .formats import output_format
from .quantize import quantizer
from .sink import MeterBehind, reason, write_partial
from .tags import track_tags

if TYPE_CHECKING:  # the meters load for the exports that measure
    from ..measure.loudness import Loudness

__all__ = ["BLOCK_SIZE", "WRITES", "Exported", "export", "passes"]

BLOCK_SIZE = 65536  # frames per rendered block in exports: few Python calls, 512 KiB per block
WRITES = 4  # write attempts before giving up on a ceiling
_TOLERANCE_LU = 0.1  # a lossless file further than this from the loudness target is written again
_LOSSY_TOLERANCE_LU = 0.3  # a lossy one, whose encoder moves the loudness by up to a few tenths
_MARGIN_DB = 0.02  # limiter ceiling below the true-peak ceiling: room for the dither's +-1 LSB
# the same for a lossy encoder, whose decoded peaks overshoot: as measured on thunderstorm at
# -16 LUFS (Vorbis 0.66 dB, Opus 0.65-0.88, AAC 0.46, MP3 0.3), with room to spare
_LOSSY_MARGIN_DB = {"VORBIS": 0.8, "OPUS": 1.1, "AAC": 0.7, "MPEG_LAYER_III": 0.6}
_FULL_SCALE = {"PCM_16": 32768.0, "PCM_24": 2.0 ** 31}  # the quantizers' integers per 1.0


@dataclass(frozen=True)
class Exported:
    """What an export wrote: path, frames, sample rate (Hz), format, subtype and sample peak (dBFS)."""

    path: Path
    frames: int
    sample_rate: int
    format: str
    subtype: str
    peak_db: float
    channels: int = 2
    measured: Loudness | None = None  # the written file, decoded and measured (loudness/true-peak exports)
    gain_db: float = 0.0  # gain applied after the master stage

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def passes(loudness: float | None, true_peak: float | None) -> int:
    """Render passes an export usually takes: one, or two with a measuring pass."""
    return 1 if loudness is None and true_peak is None else 2


def export(recipe: Recipe, path: str | os.PathLike, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, subtype: str | None = None, force: bool = False,
           block_size: int = BLOCK_SIZE, progress: Callable[[int], None] | None = None,
           loudness: float | None = None, true_peak: float | None = None, loop: bool | float = False,
           mono: bool = False, tags: Mapping[str, str] | None = None, processes: int | None = None) -> Exported:
    """Render ``recipe`` into ``path``; the extension picks the format (wav, flac, ogg, opus, mp3, m4a).

    ``seconds``, ``seed`` and ``sample_rate`` (Hz) default to the recipe's; ``subtype``
    (PCM_16, PCM_24, FLOAT) picks the sample format where the format has one. The
    ranges of these and the other options are those of :mod:`sensory.output.options`.
    ``progress(n)`` is called with the frames rendered by each block, over every pass
    (see :func:`passes`). 16-bit output gets TPDF dither seeded by the render's seed.

    ``loudness`` (LUFS) normalizes the integrated loudness: a streamed measuring pass,
    then the write pass with the exact gain. ``true_peak`` (dBTP) is a ceiling the
    written file never exceeds (4x-oversampled, verified on the decoded file); it
    defaults to the recipe's ceiling when ``loudness`` is given. ``loop`` (True, or a
    crossfade in seconds) writes a seamless loop without master fades (see
    :mod:`sensory.output.loop`); ``mono`` writes the downmix ``(L + R) / 2``. ``tags``
    (title, artist, album, genre) join the comment tag, which records the recipe,
    seed, length and options, so the file can be rendered again. ``processes``
    renders the layers in that many processes side by side, the same samples either
    way (default: as :func:`~sensory.engine.stream.processes_for` decides).
    """
    path = Path(path)
    options.check(seconds=seconds, seed=seed, sample_rate=sample_rate, loudness=loudness, true_peak=true_peak)
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    if p.frames is None:
        raise RecipeError("an export needs a length; give a duration")
    destination.check(path, force=force, inputs=[recipe.source])
    fmt, sub = output_format(path, subtype, p.sample_rate, loop=bool(loop))
    if loudness is not None and true_peak is None:
        true_peak = recipe.session.ceiling_db
    if processes is None:
        processes = processes_for(recipe, p)
    elif not 1 <= processes <= MAX_PROCESSES:
        raise RecipeError(f"{processes} processes: use 1 to {MAX_PROCESSES}")
    chain = Chain(recipe, p, loop=loop, mono=mono, block_size=block_size, processes=processes, progress=progress)
    text = track_tags(recipe, p, loudness=loudness, true_peak=true_peak, loop=chain.loop is not None,
                      mono=mono, tags=tags)
    lossless = sub in ("PCM_16", "PCM_24", "FLOAT")
    margin, shift = (_MARGIN_DB if lossless else _LOSSY_MARGIN_DB.get(sub, 1.0)), 0.0
    try:  # the chain keeps the measuring pass's render until the file is written
        for _ in range(WRITES):
            target = None if loudness is None else loudness + shift
            gain_db, limit_db = chain.settle(target, true_peak, margin)
            quantize = quantizer(sub, p.seed)
            meter = None
            if true_peak is not None and lossless:
                meter = _Metered(quantize, p.sample_rate, chain.channels, _FULL_SCALE.get(sub, 1.0))
                quantize = meter
            try:
                frames, peak, tmp = write_partial(chain.mastered(gain_db, limit_db), path, fmt=fmt, subtype=sub,
                                                  sample_rate=p.sample_rate, channels=chain.channels, tags=text,
                                                  quantize=quantize)
            finally:
                if meter is not None:
                    meter.close()
            written = Exported(path, frames, p.sample_rate, fmt, sub, _db(peak), chain.channels)
            try:
                if true_peak is None:
                    _commit(tmp, path)
                    return written
                from ..measure.analysis import measure_file

                measured = meter.result() if meter else measure_file(tmp, m4a=fmt == "M4A")
                over = measured.true_peak_dbtp - true_peak
                off = 0.0 if loudness is None else loudness - measured.integrated_lufs
                if over <= 0 and abs(off) <= (_TOLERANCE_LU if lossless else _LOSSY_TOLERANCE_LU):
                    _commit(tmp, path)
                    return dataclasses.replace(written, measured=measured, gain_db=gain_db)
            finally:
                tmp.unlink(missing_ok=True)  # gone already when committed
            shift += off  # a lossy encoder moved the loudness: aim past it
            if over > 0:  # the encoder's overshoot: more margin
                margin += over + 0.1
        raise RenderError(f"{path}: could not meet loudness {loudness} LUFS and true peak {true_peak} dBTP "
                          f"in {WRITES} tries (last: {measured.integrated_lufs:.2f} LUFS, "
                          f"{measured.true_peak_dbtp:.2f} dBTP)")
    finally:
        chain.close()


class _Metered:
    """``quantize`` (or None) that also measures each block as the file will hold it (its
    integers over ``full_scale``), on threads of their own beside the encoder's
    (:class:`~sensory.output.sink.MeterBehind`): called with float32 (n, channels) blocks;
    :meth:`result` once closed."""

    def __init__(self, quantize: Callable[[np.ndarray], np.ndarray] | None, sample_rate: int, channels: int,
                 full_scale: float):
        from ..measure.loudness import LoudnessMeter

        self.quantize = quantize
        self.meter = LoudnessMeter(sample_rate, channels)
        self.behind = MeterBehind(self.meter, scale=1.0 if quantize is None else 1 / full_scale)

    def __call__(self, block: np.ndarray) -> np.ndarray:
        out = self.quantize(block) if self.quantize else block
        self.behind.write(out)
        return out

    def close(self) -> None:
        """Wait for the meter."""
        if self.behind is not None:
            behind, self.behind = self.behind, None
            behind.close()

    def result(self) -> Loudness:
        return self.meter.result()


def _commit(tmp: Path, path: Path) -> None:
    """Rename the finished partial file ``tmp`` onto ``path``."""
    try:
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{path}: cannot replace the file: {reason(e)}") from None


def _db(amplitude: float) -> float:
    return 20 * np.log10(max(amplitude, 1e-12))
