"""The signal chain of an export and the gain that meets a loudness target.

The engine's blocks, cut into a loop, downmixed, then gain (dB) and the true-peak
limiter. Renders are deterministic, so every pass over the chain sees the same signal: one
measuring pass finds the gain (its loudness, true peak, and how its energy spreads over
the limiter's held peaks, :mod:`sensory.output.headroom`), and the write pass applies it.
The measuring pass keeps what it rendered in a temporary file (float32, unlinked from the
start, at most :data:`REPLAY_BYTES`), so the write pass reads the same samples back instead
of rendering them again; a longer render, or a full disk, is rendered again.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..dsp.limiter import Limiter
from ..engine.stream import Plan, blocks
from ..errors import RecipeError
from ..recipe.model import Recipe
from .options import LOOP_CROSSFADE_S, OPTIONS
from .sink import Calls, MeterBehind, WriteBehind

if TYPE_CHECKING:  # the meters (scipy.signal) and the loop load for the exports that use them
    from ..measure.loudness import Loudness
    from .headroom import Headroom

__all__ = ["REPLAY_BYTES", "Chain"]

REPLAY_BYTES = 2 << 30  # the largest render kept for the write pass: 2 GiB, 93 minutes of 48-kHz stereo
_EDGE_FRAMES = 1 << 14  # loop frames kept for the limiter: more than its hold + lookahead + latency
_TABLE_FRAMES = 1 << 16  # frames handed to the headroom table at once (its cost per call is a tenth of a block's)


class Chain:
    """The render as written, for ``recipe`` as planned in ``p``: float32 (n, channels)
    blocks of ``block_size`` frames, ``channels`` 1 when ``mono``; ``loop`` (True, or a
    crossfade in seconds) makes a seamless loop without master fades. ``progress(n)``
    is called with the frames each rendered block holds, on every pass."""

    def __init__(self, recipe: Recipe, p: Plan, *, loop: bool | float, mono: bool, block_size: int,
                 processes: int, progress: Callable[[int], None] | None):
        self.plan = p
        self.mono = mono
        self.block_size = block_size
        self.processes = processes
        self.progress = progress
        self.channels = 1 if mono else 2
        self.loop = None
        if loop:
            from .loop import LoopShape

            crossfade = OPTIONS["loop"].check(LOOP_CROSSFADE_S if loop is True else float(loop))
            self.loop = LoopShape.for_length(p.frames, p.sample_rate, crossfade)
            session = recipe.session.model_copy(update={"fade_in": 0.0, "fade_out": 0.0})
            recipe = dataclasses.replace(recipe, session=session)
        self.recipe = recipe
        self.edges: tuple[np.ndarray, np.ndarray] | None = None  # loop: (first, last) frames
        self.unprocessed: Loudness | None = None  # the signal before gain and limiter, once measured
        self.headroom: Headroom | None = None  # its energy by held peak, once measured
        self.sub_blocks = np.zeros(0)  # its K-weighted energy per 100 ms, once measured
        self._replay: _Replay | None = None  # the measuring pass's render, for the passes after it

    def close(self) -> None:
        """Let go of the kept render (its temporary file)."""
        if self._replay is not None:
            self._replay.close()
            self._replay = None

    def source(self) -> Iterator[np.ndarray]:
        """The signal before gain: float32 (n, channels) blocks."""
        if self._replay is not None:
            return self._replay.blocks(self.progress)
        p = self.plan
        if self.loop:
            from .fold import loop_blocks

            it = loop_blocks(self.recipe, p, self.loop, block_size=self.block_size, processes=self.processes,
                             progress=self.progress)
        else:
            it = blocks(self.recipe, seconds=p.frames / p.sample_rate, seed=p.seed, sample_rate=p.sample_rate,
                        block_size=self.block_size, processes=self.processes)
            if self.progress:
                it = _reporting(it, self.progress)
        if self.mono:
            it = (b.mean(axis=1, keepdims=True, dtype=np.float32) for b in it)
        return it

    def mastered(self, gain_db: float, limit_db: float | None) -> Iterator[np.ndarray]:
        """The signal as written (before quantizing): gain, then the limiter at ``limit_db`` dBFS."""
        g = np.float32(10 ** (gain_db / 20))
        it = self.source()
        if gain_db:  # replayed blocks are the chain's own, scaled where they lie
            it = (np.multiply(b, g, out=b) if self._replay is not None else b * g for b in it)
        if limit_db is None:
            return it
        limiter = self._limiter(limit_db)
        first = last = None
        if self.loop:  # the limiter runs round the circle: primed by the end, flushed by the start
            first, last = (e * g for e in self.edges)
        return _limited(it, limiter, self.channels, first, last)

    def _limiter(self, limit_db: float) -> Limiter:
        return Limiter(limit_db, self.plan.sample_rate, self.channels, true_peak=True)

    def measure(self, loudness: float | None = None, ceiling: float | None = None) -> Loudness:
        """The measuring pass: loudness of the signal before gain and limiter, and its
        :class:`~sensory.output.headroom.Headroom` (for a ``loudness`` target, LUFS, under a
        limiter at ``ceiling``, dBFS: its true peak is exact where it comes within
        :data:`~sensory.output.headroom.MARGIN_DB` of the threshold, else a bound under
        that); it also keeps the loop's edges and the render."""
        from ..measure.loudness import LoudnessMeter
        from .headroom import Headroom

        limiter = self._limiter(0.0)
        # the limiter's gain at a frame follows the peaks of its hold, ending in the middle of
        # its ramp, its latency less half the lookahead ahead; the meter's peaks come 24 frames late
        headroom = self.headroom = Headroom(self.plan.sample_rate, limiter.hold,
                                            limiter.latency - limiter.lookahead // 2 + 24, loudness=loudness,
                                            ceiling=ceiling)
        table = WriteBehind(Calls(_tabulate(headroom)))  # the table on a thread of its own, behind the peaks'
        parts: list[tuple[np.ndarray, np.ndarray]] = []

        def frames(energy: np.ndarray, peak: np.ndarray) -> None:
            headroom.note(energy)  # in order with exact_above, on the peaks' thread
            parts.append((energy, peak))
            if sum(len(e) for e, _ in parts) >= _TABLE_FRAMES:
                table.write((parts.copy(),))
                parts.clear()

        meter = LoudnessMeter(self.plan.sample_rate, self.channels, frames=frames, exact_above=headroom.exact_above)
        keep = _EDGE_FRAMES if self.loop and self.edges is None else 0
        first = np.zeros((0, self.channels), np.float32)
        last = first
        replay = _Replay(self.channels) if self._replay is None else None
        behind = MeterBehind(meter, also=None if replay is None else replay.write)  # on threads behind the render
        try:
            try:
                for b in self.source():
                    behind.write(b)
                    if keep:
                        if len(first) < keep:
                            first = np.concatenate([first, b[:keep - len(first)]])
                        last = np.concatenate([last, b])[-keep:]
            finally:
                try:
                    behind.close()
                    table.write((parts,))
                finally:
                    table.close()
        except BaseException:
            if replay is not None:
                replay.close()
            raise
        if replay is not None and replay.whole():
            self._replay = replay
        if keep:
            self.edges = (first, last)
        self.unprocessed = meter.result()
        self.sub_blocks = meter.sub_blocks()
        return self.unprocessed

    def settle(self, loudness: float | None, true_peak: float | None,
               margin: float = 0.02) -> tuple[float, float | None]:
        """(gain dB, limiter ceiling dBFS or None) meeting ``loudness`` (LUFS) under
        ``true_peak`` (dBTP), from the one measuring pass; the limiter, when needed, sits
        ``margin`` dB below ``true_peak``, and the gain makes up what it takes away."""
        if loudness is None and true_peak is None:
            return 0.0, None
        first = self.unprocessed or self.measure(loudness, None if true_peak is None else true_peak - margin)
        if loudness is not None and not np.isfinite(first.integrated_lufs):
            raise RecipeError("the render is silent (below -70 LUFS); it cannot be normalized; "
                              "raise the layers' gain or drop --loudness")
        gain = 0.0 if loudness is None else loudness - first.integrated_lufs
        limit = true_peak - margin
        if first.true_peak_dbtp + gain <= limit:
            return gain, None  # the peaks stay below the ceiling: gain alone, loudness exact
        if loudness is None:
            return gain, limit
        gain = self.headroom.gain_for(loudness, self.sub_blocks, limit)
        if gain is None:
            raise RecipeError(f"loudness {loudness:g} LUFS cannot be reached under a {true_peak:g} dBTP ceiling "
                              "(limiting 24 dB deep does not reach it); lower --loudness or raise --true-peak")
        return gain, limit


class _Replay:
    """Float32 (n, channels) blocks kept in an unlinked temporary file and read back as they
    came, up to :data:`REPLAY_BYTES`; past that, or when the file system refuses, it drops
    what it holds and :meth:`whole` is False."""

    def __init__(self, channels: int):
        self.channels = channels
        self.sizes: list[int] = []
        self.bytes = 0
        try:
            self._file = tempfile.TemporaryFile(prefix="sensory-render-")  # noqa: SIM115 (open until close)
        except OSError:
            self._file = None

    def write(self, block: np.ndarray) -> None:
        if self._file is None:
            return
        self.bytes += block.nbytes
        try:
            if self.bytes > REPLAY_BYTES:
                raise OSError("the render is longer than a replay keeps")
            self._file.write(np.ascontiguousarray(block, np.float32).data)
        except OSError:
            self.close()
            return
        self.sizes.append(len(block))

    def whole(self) -> bool:
        return self._file is not None

    def blocks(self, progress: Callable[[int], None] | None) -> Iterator[np.ndarray]:
        """The blocks as written, each reported to ``progress`` as a rendered one would be."""
        self._file.seek(0)
        for n in self.sizes:
            b = np.empty((n, self.channels), np.float32)
            self._file.readinto(b.data)
            if progress:
                progress(n)
            yield b

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _tabulate(headroom: Headroom) -> Callable[[list[tuple[np.ndarray, np.ndarray]]], None]:
    """``headroom.tabulate`` for a list of (energy, peak) parts, joined."""

    def tabulate(parts: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if parts:
            headroom.tabulate(*(np.concatenate(a) for a in zip(*parts)))

    return tabulate


def _reporting(it: Iterator[np.ndarray], progress: Callable[[int], None]) -> Iterator[np.ndarray]:
    for b in it:
        progress(len(b))
        yield b


def _limited(it: Iterator[np.ndarray], limiter: Limiter, channels: int, first: np.ndarray | None,
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
