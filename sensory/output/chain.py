"""The signal chain of an export and its search for the gain that meets a loudness target.

The engine's blocks, cut into a loop, downmixed, then gain (dB) and the true-peak
limiter. Renders are deterministic, so every pass over the chain sees the same signal:
measuring passes find the gain, and the write pass applies it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np

from ..dsp.limiter import Limiter
from ..engine.stream import Plan, blocks
from ..errors import RecipeError
from ..measure.loudness import Loudness, LoudnessMeter
from ..recipe.model import Recipe
from .loop import LoopShape, loop_blocks
from .options import LOOP_CROSSFADE_S, OPTIONS

__all__ = ["Chain", "LOUDNESS_TOLERANCE"]

LOUDNESS_TOLERANCE = 0.1  # LU: a written file further than this from the target is off
_SETTLE = 6  # measuring passes with the limiter engaged
_EDGE_FRAMES = 1 << 14  # loop frames kept for the limiter: more than its hold + lookahead + latency


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
            crossfade = OPTIONS["loop"].check(LOOP_CROSSFADE_S if loop is True else float(loop))
            self.loop = LoopShape.for_length(p.frames, p.sample_rate, crossfade)
            session = recipe.session.model_copy(update={"fade_in": 0.0, "fade_out": 0.0})
            recipe = dataclasses.replace(recipe, session=session)
        self.recipe = recipe
        self.edges: tuple[np.ndarray, np.ndarray] | None = None  # loop: (first, last) frames
        self.unprocessed: Loudness | None = None  # the signal before gain and limiter, once measured

    def source(self) -> Iterator[np.ndarray]:
        """The signal before gain: float32 (n, channels) blocks."""
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
        """The signal as written (before quantizing): gain, then the limiter at ``limit_db`` dBFS."""
        g = np.float32(10 ** (gain_db / 20))
        it = (b * g for b in self.source()) if gain_db else self.source()
        if limit_db is None:
            return it
        limiter = Limiter(limit_db, self.plan.sample_rate, self.channels)
        first = last = None
        if self.loop:  # the limiter runs round the circle: primed by the end, flushed by the start
            first, last = (e * g for e in self.edges)
        return _limited(it, limiter, self.channels, first, last)

    def measure(self, gain_db: float = 0.0, limit_db: float | None = None) -> Loudness:
        """Loudness of the mastered signal; the first pass also keeps the loop's edges."""
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
        """(gain dB, limiter ceiling dBFS or None) meeting ``loudness`` (LUFS) under
        ``true_peak`` (dBTP), from measuring passes; the limiter, when needed, sits
        ``margin`` dB below ``true_peak``."""
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
        if loudness - best > LOUDNESS_TOLERANCE:
            raise RecipeError(f"loudness {loudness:g} LUFS cannot be reached under a {true_peak:g} dBTP ceiling "
                              f"(limiting stops at about {best:.1f} LUFS); lower --loudness or raise --true-peak")
        return gain, limit


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
