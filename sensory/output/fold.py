"""Seamless loops of event textures: the events that cross the loop's end ring on round the wrap.

A loop of ``C = N + d`` frames (``X`` the crossfade, ``d`` the phase offset of
:mod:`sensory.output.loop`) is a circle: render frame ``f >= X`` is circle position
``f - X``, and the head ``x[0:X]`` and the tail ``x[E:E+X]`` (``E = N + d``) meet in the
crossfade window, positions ``C - X .. C``. A bed (noise, wash, tones) is crossfaded there:
folded whole it would sound twice. An event (a phrase, a wave, a roll of thunder) is not:
every event that starts before ``N`` rings on to its natural end, and what rings past ``E``
is added at its own place round the circle, ``(f - X) mod C``, into the window and over
the start. Events that start in the window are crossfaded, as the head's are.

*Separating the ringing.* Event kinds draw their events as usual and add only those that
start before :attr:`~sensory.core.unit.Unit.events_until` (their random streams, and so
their beds, stay the same). Two copies of the mixer (``copy.deepcopy``) render on past
``E``: ``A`` from ``N - MARGIN_S``, its events stopped at ``N``, and ``B`` from
``MARGIN_S`` before ``N - RING_S``, its events stopped there. The two carry the same bed,
so ``R = A - B`` is exactly what the events of the last ``RING_S`` before ``N`` sound from
``E`` on (anything rung on from longer ago is in both, and crossfaded as bed). With ``x``
the render itself, window and fold are

    z[C - X + k] = x[k] g_in + (x - R)[E + k] g_out + R[E + k]     (0 <= k < X)
    z[(C - X + k) mod C] += R[E + k]                               (k >= X)

so the window's start continues ``x[E - 1]`` and its end flows into ``x[X]``. ``R`` is
rendered until a tenth of a second of it stays under ``FLOOR``, at most ``RING_S`` past
the window (then faded out over its last tenth of a second: thunder's longest rolls).

*Streaming.* The fold lands on the circle's first ``H`` positions (``H`` at most
``RING_S``), which are rendered first. So the file starts at position ``H``: the render
from ``x[X + H]`` streams straight through, then the window, then the held start with
the ringing added. The file's own wrap is a continuation of the render; only the first
``X + H`` frames of the render and the tail are held, whatever the length. A loop of
``RING_S`` or less is held whole, and its file starts where the ringing ends.

A recipe with no event kind, or a loop under ``2 MARGIN_S``, is crossfaded only (no copies;
the file starts at position 0). The copies hold the event layers alone (a bed is the same in
both, so it leaves ``R`` alone): those render in this process, the others may be shared out
to layer processes as in any export, and ``R`` is the same whatever the split.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np

from .. import kinds
from ..dsp.noise import settle
from ..engine.context import rendering
from ..engine.mix import Mixer
from ..engine.stream import Plan, build
from ..recipe.model import Recipe
from .loop import LoopShape, crossfade_gains, phase_offset

__all__ = ["FLOOR", "MARGIN_S", "RING_S", "loop_blocks"]

RING_S = 30.0  # s: events started this long before the loop's end ring on round the wrap
MARGIN_S = 5.0  # s: how far ahead a unit may have drawn its events (a frame of 1.4 s, ocean's waves 2 s more)
FLOOR = 2.0**-24  # the ringing is followed until it stays below this (under the 24-bit quantum)


def loop_blocks(recipe: Recipe, p: Plan, shape: LoopShape, *, block_size: int, processes: int = 1,
                progress: Callable[[int], None] | None = None, info: dict | None = None) -> Iterator[np.ndarray]:
    """The loop of ``recipe`` as planned in ``p`` (its fades already off), cut as ``shape`` says:
    float32 (n, 2) blocks of at most ``block_size`` frames, the render's layers shared out to
    ``processes`` (its event layers in this one, where they are copied). ``progress(n)`` is
    called with the frames of the render itself (``shape.render_frames`` in all). ``info``, if given, receives
    ``frames`` (C), ``offset`` d, ``correlation`` r, ``start`` (H: the circle position the file
    starts at, so the window begins at file frame ``C - X - H``) and ``ringing`` (frames of R)."""
    sr, n, x_len, q = p.sample_rate, shape.frames, shape.crossfade, shape.phase
    margin, ring = round(MARGIN_S * sr), round(RING_S * sr)
    local = frozenset(spec.name for spec in recipe.layers if kinds.get(spec.kind).unit.events)
    folds = n >= 2 * margin and bool(local)
    held = min(n - q - x_len, ring) if folds else 0  # H: the circle's start, held for the fold
    b_until = max(margin, n - ring)
    # where a copy is made (on a block's edge, as layer processes render whole blocks): its events' end
    marks = [((until - margin) // block_size * block_size, until) for until in (b_until, n)] if folds else []
    mixer = build(recipe, seconds=shape.render_frames / sr, seed=p.seed, sample_rate=sr, processes=processes,
                  block_size=block_size, local=local)
    try:
        with rendering():
            copies: list[tuple[Mixer, int]] = []
            head: list[np.ndarray] = []
            tail: list[np.ndarray] = []
            at = 0
            for block in _rendered(mixer, shape.render_frames, block_size, marks, copies):
                if progress:
                    progress(len(block))
                lo, hi = at, at + len(block)
                at = hi
                if lo < x_len + held:
                    head.append(block[:x_len + held - lo])
                a, b = max(lo, x_len + held), min(hi, n - q)
                if a < b:
                    yield block[a - lo:b - lo]
                if hi > n - q:
                    tail.append(block[max(0, n - q - lo):])
            h = np.concatenate(head).astype(np.float64)
            t = np.concatenate(tail).astype(np.float64)  # x[N - q : N + q + X]
            d, r = phase_offset(h[:x_len], t, q)
            g_in, g_out = crossfade_gains(x_len, r)
            c = n + d
            rung = _ringing(copies, n - q, t, ring - 2 * q, sr) if copies else np.zeros((0, 2))  # R from N - q on
            rung = rung[q + d:]  # from E on
    finally:
        mixer.close()
    window = t[q + d:q + d + x_len]
    fold = np.zeros((x_len, 2))
    fold[:min(x_len, len(rung))] = rung[:x_len]
    # circle positions N - q - X .. C - 1, then 0 .. H - 1: the whole circle when nothing streamed
    late = np.concatenate([t[:q + d], h[:x_len] * g_in[:, None] + (window - fold) * g_out[:, None], h[x_len:]])
    if len(late) < c:
        rung = rung[:x_len + held]  # (it ends within the held start: rendered at most RING_S less 2q past X)
    for s in range(0, len(rung), c):  # R[E + k] at position C - X + k, round the circle as often as it rings
        part = rung[s:s + c]
        first = min(len(part), len(late) - q - d)
        late[q + d:q + d + first] += part[:first]
        late[:len(part) - first] += part[first:]
    start = held
    if len(late) == c:  # all of it held: the file starts just past the ringing, the wrap as near the window as can be
        start = min(max(0, len(rung) - x_len), c - x_len)
        late = np.roll(late, (n - q - x_len - start) % c, axis=0)
    if info is not None:
        info.update(frames=c, offset=d, correlation=r, start=start, ringing=len(rung))
    yield late.astype(np.float32)


def _rendered(mixer: Mixer, frames: int, block_size: int, marks: list[tuple[int, int]],
              copies: list[tuple[Mixer, int]]) -> Iterator[np.ndarray]:
    """``frames`` of ``mixer`` in blocks of at most ``block_size``; at each ``(frame, until)`` of
    ``marks`` (in order) the mixer's events, stopped at ``until``, are copied: ``(copy, frame)``
    is appended to ``copies``."""
    at = 0
    stops = list(marks)
    while at < frames:
        while stops and stops[0][0] == at:
            copies.append((_events_copy(mixer, stops.pop(0)[1]), at))
        end = min(frames, at + block_size, stops[0][0] if stops else frames)
        yield mixer.render(end - at)
        at = end


class _Silent:
    """Stands in a copy of the mixer for a layer without events (or one another process renders):
    its name, send and frame count; ``render(n)`` gives silence, float32 (n, 2)."""

    def __init__(self, layer):
        self.name, self.send, self.sample_rate, self.frame = layer.name, layer.send, layer.sample_rate, layer.frame

    def render(self, n: int) -> np.ndarray:
        self.frame += n
        return np.zeros((n, 2), np.float32)


def _events_copy(mixer: Mixer, until: int) -> Mixer:
    """A copy of ``mixer`` with its event layers only (the others silent: a bed sounds the same in
    every copy, so it leaves their difference alone), their events stopped at frame ``until``,
    and no end (its fade-out is the render's, which the copies outlast)."""
    settle()
    memo = {id(mixer.offloads): []}
    for layer in mixer.layers:
        if not getattr(getattr(layer, "unit", None), "events", False):
            memo[id(layer)] = _Silent(layer)
    twin = copy.deepcopy(mixer, memo)
    twin.master.end_frame = None
    for layer in twin.layers:
        if not isinstance(layer, _Silent):
            layer.unit.events_until = until
    return twin


def _ringing(copies: list[tuple[Mixer, int]], start: int, tail: np.ndarray, most: int, sr: int) -> np.ndarray:
    """R = A - B from frame ``start`` on, float64 (frames, 2): through the tail's frames (``tail``,
    the render from ``start``), then until a tenth of a second stays below :data:`FLOOR`, at
    most ``most`` frames more. ``copies`` are B (events stopped earliest) and A, each with the
    frame it stands at."""
    (b, b_at), (a, a_at) = copies
    for twin, at in ((b, b_at), (a, a_at)):
        while at < start:
            step = min(1 << 16, start - at)
            twin.render(step)
            at += step
    parts = [a.render(len(tail)).astype(np.float64) - b.render(len(tail))]
    row = max(1, sr // 10)
    for _ in range(max(1, most // row)):
        part = a.render(row).astype(np.float64) - b.render(row)
        parts.append(part)
        if np.abs(part).max() < FLOOR:
            break
    else:  # still ringing after RING_S: the last row fades it out, so no step is left
        parts[-1] = parts[-1] * np.linspace(1.0, 0.0, row)[:, None]
    return np.concatenate(parts)
