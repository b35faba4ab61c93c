"""Export: the block stream written to an audio file, safely.

Blocks stream into a partial file in the destination's folder, named
``.NAME.sensory-partial-PID-XXXX``; only a complete file is renamed onto the
destination (``os.replace``, atomic on one file system). Any error or
interruption removes the partial file and leaves the destination as it was;
see :mod:`sensory.destination` for what survives a ``SIGKILL``.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import destination
from ..engine.stream import MAX_PROCESSES, blocks, plan, processes_for
from ..errors import RecipeError, RenderError
from ..measure.loudness import Loudness
from ..recipe.model import Recipe

__all__ = ["export", "Exported", "FORMATS", "output_format", "passes", "track_tags", "TAG_KEYS"]

BLOCK_SIZE = 65536  # frames per rendered block in exports: few Python calls, 512 KiB per block


# extension -> (soundfile format, default subtype, subtypes offered)
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "wav": ("WAV", "PCM_24", ("PCM_16", "PCM_24", "FLOAT")),
    "flac": ("FLAC", "PCM_24", ("PCM_16", "PCM_24")),
    "ogg": ("OGG", "VORBIS", ("VORBIS",)),
    "opus": ("OGG", "OPUS", ("OPUS",)),
    "mp3": ("MP3", "MPEG_LAYER_III", ("MPEG_LAYER_III",)),
    "m4a": ("M4A", "AAC", ("AAC",)),
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
    channels: int = 2
    measured: Loudness | None = None  # the written file, decoded and measured (loudness/true-peak exports)
    gain_db: float = 0.0  # gain applied after the master stage

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
    if ext == "m4a":
        from .aac import require

        require()
    return fmt, chosen


def export(recipe: Recipe, path: str | os.PathLike, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, subtype: str | None = None, force: bool = False,
           block_size: int = BLOCK_SIZE, progress: Callable[[int], None] | None = None,
           loudness: float | None = None, true_peak: float | None = None, loop: bool | float = False,
           mono: bool = False, tags: Mapping[str, str] | None = None, processes: int | None = None) -> Exported:
    """Render ``recipe`` into ``path``; the extension picks the format (wav, flac, ogg, opus, mp3, m4a).

    ``seconds``, ``seed`` and ``sample_rate`` default to the recipe's; ``subtype``
    (PCM_16, PCM_24, FLOAT) picks the sample format where the format has one.
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
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    if p.frames is None:
        raise RecipeError("an export needs a length; give a duration")
    destination.check(path, force=force, inputs=[recipe.source])
    fmt, sub = output_format(path, subtype, p.sample_rate)
    if loudness is not None and not -70 <= loudness <= 0:
        raise RecipeError(f"loudness {loudness:g} LUFS is out of range; use -70 to 0 (e.g. -16)")
    if true_peak is not None and not -20 <= true_peak <= 0:
        raise RecipeError(f"true peak {true_peak:g} dBTP is out of range; use -20 to 0 (e.g. -1)")
    if loudness is not None and true_peak is None:
        true_peak = recipe.session.ceiling_db
    if processes is None:
        processes = processes_for(recipe, p)
    elif not 1 <= processes <= MAX_PROCESSES:
        raise RecipeError(f"{processes} processes: use 1 to {MAX_PROCESSES}")
    chain = Chain(recipe, p, loop=loop, mono=mono, block_size=block_size, processes=processes, progress=progress)
    text = track_tags(recipe, p, loudness=loudness, true_peak=true_peak, loop=chain.loop is not None,
                      mono=mono, tags=tags)
    channels = 1 if mono else 2
    margin, shift = _MARGIN_DB, 0.0
    for _ in range(_WRITES):
        target = None if loudness is None else loudness + shift
        gain_db, limit_db = chain.settle(target, true_peak, margin)
        frames, peak, tmp = _write(chain, path, fmt, sub, p, channels, text, gain_db, limit_db)
        try:
            if true_peak is None:
                _commit(tmp, path)
                return Exported(path, frames, p.sample_rate, fmt, sub, _db(peak), channels)
            measured = _measure_written(tmp, fmt)
            over = measured.true_peak_dbtp - true_peak
            off = 0.0 if loudness is None else loudness - measured.integrated_lufs
            if over <= 0 and abs(off) <= _LOUDNESS_TOLERANCE:
                _commit(tmp, path)
                return Exported(path, frames, p.sample_rate, fmt, sub, _db(peak), channels, measured, gain_db)
        finally:
            tmp.unlink(missing_ok=True)  # gone already when committed
        shift += off  # a lossy encoder moved the loudness: aim past it
        if over > 0:  # the encoder's overshoot, or the limiter's estimate: more margin
            margin += over + 0.1
    raise RenderError(f"{path}: could not meet loudness {loudness} LUFS and true peak {true_peak} dBTP "
                      f"in {_WRITES} tries (last: {measured.integrated_lufs:.2f} LUFS, "
                      f"{measured.true_peak_dbtp:.2f} dBTP)")


_WRITES = 4  # write attempts before giving up on a ceiling
_MARGIN_DB = 0.2  # limiter ceiling below the true-peak ceiling (its peak estimate is approximate)
_LOUDNESS_TOLERANCE = 0.1  # LU: a lossy encoder shifting more than this is compensated
_SETTLE = 6  # measuring passes with the limiter engaged


def passes(loudness: float | None, true_peak: float | None) -> int:
    """Render passes an export usually takes: one, or two with a measuring pass."""
    return 1 if loudness is None and true_peak is None else 2


class Chain:
    """The render as written: the engine's blocks, cut into a loop, downmixed, then gain (dB)
    and the true-peak limiter. Renders are deterministic, so every pass sees the same signal."""

    def __init__(self, recipe: Recipe, p, *, loop: bool | float, mono: bool, block_size: int, processes: int,
                 progress: Callable[[int], None] | None):
        from .loop import LoopShape

        self.plan = p
        self.mono = mono
        self.block_size = block_size
        self.processes = processes
        self.progress = progress
        self.channels = 1 if mono else 2
        self.loop = None
        if loop:
            crossfade = 2.0 if loop is True else float(loop)
            if not 0 < crossfade <= 60:
                raise RecipeError(f"loop crossfade {crossfade:g} s: use more than 0 and at most 60 s")
            self.loop = LoopShape.for_length(p.frames, p.sample_rate, crossfade)
            session = recipe.session.model_copy(update={"fade_in": 0.0, "fade_out": 0.0})
            recipe = dataclasses.replace(recipe, session=session)
        self.recipe = recipe
        self.edges: tuple[np.ndarray, np.ndarray] | None = None  # loop: (first, last) frames
        self.unprocessed = None  # Loudness of the signal before gain and limiter, once measured

    def source(self) -> Iterator[np.ndarray]:
        """The signal before gain: float32 (n, channels) blocks."""
        from .loop import loop_blocks

        p = self.plan
        frames = self.loop.render_frames if self.loop else p.frames
        it = blocks(self.recipe, seconds=frames / p.sample_rate, seed=p.seed, sample_rate=p.sample_rate,
                    block_size=self.block_size, processes=self.processes)
        if self.progress:
            it = _reporting(it, self.progress)
        if self.loop:
            it = loop_blocks(it, self.loop)
        if self.mono:
            it = (b.mean(axis=1, keepdims=True, dtype=np.float32) for b in it)
        return it

    def mastered(self, gain_db: float, limit_db: float | None) -> Iterator[np.ndarray]:
        """The signal as written (before dither): gain, then the limiter at ``limit_db``."""
        from ..dsp.limiter import Limiter

        g = np.float32(10 ** (gain_db / 20))
        it = (b * g for b in self.source()) if gain_db else self.source()
        if limit_db is None:
            return it
        limiter = Limiter(limit_db, self.plan.sample_rate, self.channels)
        first = last = None
        if self.loop:  # the limiter runs round the circle: primed by the end, flushed by the start
            first, last = (e * g for e in self.edges)
        return _limited(it, limiter, self.channels, first, last)

    def measure(self, gain_db: float = 0.0, limit_db: float | None = None):
        """Loudness of the mastered signal; the first pass also keeps the loop's edges."""
        from ..measure.loudness import LoudnessMeter

        meter = LoudnessMeter(self.plan.sample_rate, self.channels)
        keep = _EDGE_FRAMES if self.loop and self.edges is None else 0
        first = np.zeros((0, self.channels), np.float32)
        last = first
        for b in self.mastered(gain_db, limit_db):
            meter.add(b)
            if keep:
                if len(first) < keep:
                    first = np.concatenate([first, b[:keep - len(first)]])
                last = np.concatenate([last, b])[-keep:]
        if keep:
            self.edges = (first, last)
        return meter.result()

    def settle(self, loudness: float | None, true_peak: float | None,
               margin: float = 0.2) -> tuple[float, float | None]:
        """(gain dB, limiter ceiling dBFS or None) meeting the targets, from measuring passes;
        the limiter, when needed, sits ``margin`` dB below ``true_peak``."""
        if loudness is None and true_peak is None:
            return 0.0, None
        if self.unprocessed is None:
            self.unprocessed = self.measure()
        first = self.unprocessed
        if loudness is not None and not np.isfinite(first.integrated_lufs):
            raise RecipeError("the render is silent (below -70 LUFS); it cannot be normalized; "
                              "raise the layers' gain or drop --loudness")
        gain = 0.0 if loudness is None else loudness - first.integrated_lufs
        if first.true_peak_dbtp + gain <= true_peak - margin / 4:
            return gain, None  # the peaks stay below the ceiling: gain alone, loudness exact
        limit = true_peak - margin
        if loudness is None:
            return gain, limit
        # Limiting takes loudness away, the more the higher the gain: find the gain by the
        # secant method on measured passes (loudness rises monotonically with gain).
        tried: list[tuple[float, float]] = []
        for _ in range(_SETTLE):
            level = self.measure(gain, limit).integrated_lufs
            tried.append((gain, level))
            if abs(loudness - level) <= 0.03:
                return gain, limit
            slope = 1.0
            if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
                slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
            if slope < 0.05:
                break
            gain += min(12.0, (loudness - level) / slope)
        best = max(level for _, level in tried)
        if loudness - best > _LOUDNESS_TOLERANCE:
            raise RecipeError(f"loudness {loudness:g} LUFS cannot be reached under a {true_peak:g} dBTP ceiling "
                              f"(limiting stops at about {best:.1f} LUFS); lower --loudness or raise --true-peak")
        return gain, limit


_EDGE_FRAMES = 1 << 14  # loop frames kept for the limiter: more than its hold + lookahead + latency


def _reporting(it: Iterator[np.ndarray], progress: Callable[[int], None]) -> Iterator[np.ndarray]:
    for b in it:
        progress(len(b))
        yield b


def _limited(it: Iterator[np.ndarray], limiter, channels: int, first: np.ndarray | None,
             last: np.ndarray | None) -> Iterator[np.ndarray]:
    """``it`` through ``limiter`` with its latency removed. ``last`` (the stream's final
    frames) primes it and ``first`` (its opening frames) flushes it, as if the stream
    were a circle; without them it starts and ends in silence."""
    lat = limiter.latency
    if last is not None:
        limiter.process(last)
    skip = lat
    for b in it:
        y = limiter.process(b)
        cut = min(skip, len(y))
        skip -= cut
        if len(y) > cut:
            yield y[cut:]
    flush = first[:lat] if first is not None else np.zeros((lat, channels), np.float32)
    if len(flush) < lat:
        flush = np.concatenate([flush, np.zeros((lat - len(flush), channels), np.float32)])
    yield limiter.process(flush)[skip:]


def _write(chain: Chain, path: Path, fmt: str, sub: str, p, channels: int, text: Mapping[str, str],
           gain_db: float, limit_db: float | None) -> tuple[int, float, Path]:
    """Stream the mastered render into a new temporary file next to ``path``:
    (frames, sample peak, temporary path). The temporary file is gone on any error."""
    import soundfile as sf

    from ..destination import partial

    try:
        tmp = partial(path)
    except OSError as e:
        raise RenderError(f"{path}: cannot write in {path.parent}: {_reason(e)}") from None
    try:
        peak = 0.0
        frames = 0
        quantize = _Dither(p.seed) if sub == "PCM_16" else _to_pcm24 if sub == "PCM_24" else None
        if fmt == "M4A":
            from . import aac

            sink = aac.AacFile(tmp, p.sample_rate, channels)
        else:
            sink = sf.SoundFile(tmp, "w", samplerate=p.sample_rate, channels=channels, format=fmt, subtype=sub)
            for key, value in text.items():
                setattr(sink, key, value)
        sink = _WriteBehind(sink)
        try:
            for block in chain.mastered(gain_db, limit_db):
                if len(block):
                    peak = max(peak, float(block.max()), -float(block.min()))
                sink.write(quantize(block) if quantize else block)
                frames += len(block)
        finally:
            sink.close()
        if fmt == "M4A":
            aac.write_tags(tmp, text)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException as e:
        reason = _diagnose(tmp, e) if isinstance(e, (sf.LibsndfileError, OSError)) else None
        tmp.unlink(missing_ok=True)
        if reason is not None:
            raise RenderError(f"{path}: writing failed: {reason}") from None
        raise
    return frames, peak, tmp


class _WriteBehind:
    """``sink`` written on a thread of its own while the next blocks render: libsndfile's
    encoders (and PyAV's) run without the interpreter lock, so encoding a FLAC file costs
    the render next to nothing. ``write`` raises the thread's error, if any; ``close``
    writes what is queued, closes the sink and raises it too."""

    def __init__(self, sink, depth: int = 2):
        self.sink = sink
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sensory-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (block := self._queue.get()) is not None:
            if self._error is None:  # after an error the thread only drains the queue
                try:
                    self.sink.write(block)
                except BaseException as e:
                    self._error = e

    def write(self, block: np.ndarray) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(block)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.sink.close()
        if self._error is not None:
            raise self._error


def _diagnose(tmp: Path, e: BaseException) -> str:
    """Why writing ``tmp`` failed. libsndfile reports only "System error"; appending a
    little to the file again brings out the operating system's reason (a full disk, a
    file-size limit)."""
    if isinstance(e, OSError):
        return _reason(e)
    try:
        with open(tmp, "ab") as f:
            f.write(bytes(1 << 16))
            f.flush()
            os.fsync(f.fileno())
    except OSError as probe:
        return _reason(probe)
    return _reason(e)


def _commit(tmp: Path, path: Path) -> None:
    """Rename the finished partial file ``tmp`` onto ``path``."""
    try:
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RenderError(f"{path}: cannot replace the file: {_reason(e)}") from None


def _measure_written(tmp: Path, fmt: str):
    from ..measure.analysis import measure_file

    return measure_file(tmp, m4a=fmt == "M4A")


TAG_KEYS = ("title", "artist", "album", "genre")


def track_tags(recipe: Recipe, p, *, loudness: float | None, true_peak: float | None, loop: bool,
               mono: bool, tags: Mapping[str, str] | None) -> dict[str, str]:
    """Tags for a track: ``tags`` (title, artist, album, genre; title defaults to the
    recipe's) and a comment recording how to render it again."""
    from .. import __version__

    tags = dict(tags or {})
    unknown = sorted(set(tags) - set(TAG_KEYS))
    if unknown:
        raise RecipeError(f"unknown tag {unknown[0]!r}; tags are {', '.join(TAG_KEYS)}")
    out = {"title": recipe.title, "artist": "sensory"}
    out.update({k: str(v) for k, v in tags.items() if v is not None and str(v) != ""})
    options = [f"recipe {recipe.name}", f"seed {p.seed}", f"{p.seconds:g} s", f"{p.sample_rate} Hz"]
    if loudness is not None:
        options.append(f"loudness {loudness:g} LUFS")
    if true_peak is not None:
        options.append(f"true peak {true_peak:g} dBTP")
    if loop:
        options.append("loop")
    if mono:
        options.append("mono")
    out["comment"] = f"sensory {__version__}: " + ", ".join(options)
    return out


def _db(amplitude: float) -> float:
    return 20 * np.log10(max(amplitude, 1e-12))


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e)


def _to_pcm24(block: np.ndarray) -> np.ndarray:
    """float32 (n, channels) -> int32 holding 24-bit samples rounded to the nearest step
    (libsndfile's own float conversion is half as fast)."""
    v = block * np.float32(1 << 23)
    np.rint(v, out=v)
    np.clip(v, -(1 << 23), (1 << 23) - 1, out=v)
    return v.astype(np.int32) << 8


class _Dither:
    """Quantizes float blocks to 16-bit with triangular (TPDF) dither of +-1 LSB.

    The dither is the sum of two uniform 16-bit random numbers, scaled to +-0.5 LSB
    each, added before rounding; it comes from a generator seeded by the render's
    seed, so exports stay reproducible.
    """

    _SCALE = np.float32(1 / 65536)

    def __init__(self, seed: int):
        from ..core.seeding import layer_rng

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