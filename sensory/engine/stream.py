"""The engine: a recipe built into a mixer, rendered as a stream of blocks.

``blocks()`` is the one path every consumer uses (export, live play,
analysis): it never holds more than one block of audio, so an 8-hour render
needs the same memory as a 1-minute one.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator

import numpy as np

from .. import kinds
from ..core.limits import MAX_PROCESSES, MAX_SEED
from ..dsp.reverb import Space
from ..errors import RecipeError
from ..recipe.model import Recipe, check_sample_rate
from .context import rendering
from .layers import layers, rests, send_curve
from .master import Master
from .mix import Mixer
from .parallel import Eras, Offload, RemoteLayer, loads, share, span

__all__ = ["Plan", "blocks", "build", "eras", "layer_cost", "mixing_cost", "plan", "processes_for", "render", "split"]


class Plan:
    """What a render will do: resolved seed, sample rate and length in frames (``None`` = endless)."""

    def __init__(self, recipe: Recipe, seconds: float | None, seed: int | None, sample_rate: int | None):
        self.recipe = recipe
        self.seed = recipe.session.seed if seed is None else int(seed)
        self.sample_rate = recipe.session.sample_rate if sample_rate is None else int(sample_rate)
        if not 0 <= self.seed <= MAX_SEED:
            raise RecipeError(f"seed {seed} is out of range; use 0 to {MAX_SEED}")
        check_sample_rate(recipe, self.sample_rate)
        seconds = recipe.duration if seconds is None else float(seconds)
        if math.isnan(seconds) or seconds <= 0:
            raise RecipeError(f"duration {seconds:g} s: give a length above zero")
        self.frames = None if math.isinf(seconds) else round(seconds * self.sample_rate)

    @property
    def seconds(self) -> float:
        return math.inf if self.frames is None else self.frames / self.sample_rate


def plan(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
         sample_rate: int | None = None) -> Plan:
    return Plan(recipe, seconds, seed, sample_rate)


def layer_cost(spec, p: Plan, unit_cost: float | None = None) -> float:
    """The layer's expected work: ``unit_cost`` (by default its kind's
    :attr:`~sensory.core.unit.Unit.cost`) over the stretches it does not rest (the first hour of
    an endless render), in noise layers."""
    return sum(part * costs[0] for part, costs in eras([spec], p, [unit_cost]))


def eras(specs, p: Plan, unit_costs: list[float | None] | None = None) -> Eras:
    """The render (its first hour if endless) cut where any of ``specs`` starts or ends a rest:
    each stretch's share of the render and each layer's cost over it, its ``unit_costs`` (by
    default its kind's :attr:`~sensory.core.unit.Unit.cost`) while it sounds, 0 while it rests."""
    frames = p.frames or 3600 * p.sample_rate
    units = [kinds.get(spec.kind).unit.cost if u is None else u
             for spec, u in zip(specs, unit_costs or [None] * len(specs))]
    spans = [[(min(a, frames), min(b or frames, frames)) for a, b in rests(spec.gain_db, p.sample_rate)]
             for spec in specs]
    cuts = sorted({0, frames} | {f for layer in spans for span in layer for f in span})
    out = []
    for a, b in itertools.pairwise(cuts):
        costs = [0.0 if any(r0 <= a and b <= r1 for r0, r1 in layer) else u for layer, u in zip(spans, units)]
        out.append(((b - a) / frames, costs))
    return out


def split(recipe: Recipe, p: Plan, processes: int, *, local: frozenset[str] = frozenset(),
          unit_costs: list[float] | None = None, cores: int | None = None) -> tuple[list[int], list[float]]:
    """Where each of ``recipe``'s layers renders over ``processes`` (0: this process, which also
    mixes, masters and writes; layers named in ``local`` stay in it) on ``cores`` (default: one
    a process), so that the render's :func:`~sensory.engine.parallel.span` over its :func:`eras`
    is least, and each process's expected work over the render, in noise layers
    (``unit_costs`` in place of the kinds' costs)."""
    specs = recipe.layers
    stretches = eras(specs, p, unit_costs)
    where = [0] * len(specs)
    if processes > 1:
        where = share(stretches, processes, mixing_cost(recipe), cores)
        where = [0 if spec.name in local else w for spec, w in zip(specs, where)]
    return where, loads(stretches, where, processes, mixing_cost(recipe))


def mixing_cost(recipe: Recipe) -> float:
    """The work of the process that mixes ``recipe`` beside its layers (mixing, master, writing,
    the space stage if a layer sends to it), in noise layers."""
    return _OVERHEAD + any(send_curve(spec) is not None for spec in recipe.layers) * _SPACE


def build(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
          sample_rate: int | None = None, processes: int = 1, block_size: int = 4096,
          local: frozenset[str] = frozenset()) -> Mixer:
    """A fresh mixer for ``recipe``.

    ``seconds`` places the fade-out (``math.inf`` for an open end). ``processes`` > 1
    shares the layers out to that many processes in all (:mod:`sensory.engine.parallel`): the
    mixer must then be asked for blocks of ``block_size`` to the end, and closed. Layers named
    in ``local`` stay in this process. The mixer renders its first block (the limiter's
    look-ahead) here, in :func:`~sensory.engine.context.rendering`'s context; ask it for the
    rest in that context too for the samples :func:`blocks` gives (the birds' matrix products
    round by the BLAS's thread count).
    """
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    sr = p.sample_rate
    s = recipe.session
    fade_in = min(s.fade_in, p.seconds / 2)
    fade_out = min(s.fade_out, p.seconds / 2)
    master = Master(sr, s.gain_db, fade_in, fade_out, s.ceiling_db, end_frame=p.frames)
    specs = recipe.layers
    has_space = any(send_curve(spec) is not None for spec in specs)
    where, _ = split(recipe, p, processes, local=local, cores=min(processes, cores()))
    offloads: dict[int, Offload] = {}
    try:
        for child in sorted(set(where) - {0}):
            offloads[child] = Offload([spec for spec, w in zip(specs, where) if w == child], p.seed, sr,
                                      p.frames, master.limiter.latency, block_size)
        local = iter(layers([spec for spec, w in zip(specs, where) if w == 0], p.seed, sr))
        mix = [next(local) if w == 0 else RemoteLayer(spec.name, send_curve(spec), sr, offloads[w])
               for spec, w in zip(specs, where)]
        with rendering():
            return Mixer(mix, master, Space(sr, s.space) if has_space else None, list(offloads.values()),
                         recipe.groups)
    except BaseException:
        for offload in offloads.values():
            offload.close()
        raise


# The parent's own work per block, in units of Unit.cost: master and writing; the space stage.
_OVERHEAD = 1.0
_SPACE = 1.0


_MIN_SHARED_S = 120.0  # shorter renders stay in one process (a child takes about a second to start)
_MIN_SHARED_COST = 3.5  # lighter recipes too: copying their layers back costs what it saves
_ONE_MORE = 0.9  # a process more than the cores where the span falls to this share or less


def processes_for(recipe: Recipe, p: Plan) -> int:
    """Processes worth rendering ``recipe`` as planned in: one per core this process may use,
    for renders of two minutes or more whose layers (and space stage, the parent's work beside
    them) cost at least a nature layer or two (:attr:`~sensory.core.unit.Unit.cost`), else one;
    and one more where its :func:`split` over the cores shortens the render's span by a tenth or
    more (the kernel shares the cores out among the processes that have work, so layers that no
    split over a process per core evens out, era by era, still keep every core busy); at most
    :data:`MAX_PROCESSES`."""
    work = sum(layer_cost(spec, p) for spec in recipe.layers) + mixing_cost(recipe) - _OVERHEAD
    if p.seconds < _MIN_SHARED_S or work < _MIN_SHARED_COST:
        return 1
    n = max(1, min(cores(), MAX_PROCESSES))
    if 1 < n < MAX_PROCESSES and _span(recipe, p, n + 1, n) <= _ONE_MORE * _span(recipe, p, n, n):
        n += 1
    return n


def _span(recipe: Recipe, p: Plan, processes: int, cores: int) -> float:
    """The render's span (:func:`~sensory.engine.parallel.span`) as :func:`split` shares it."""
    where, _ = split(recipe, p, processes, cores=cores)
    return span(eras(recipe.layers, p), where, processes, mixing_cost(recipe), cores)


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def blocks(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, block_size: int = 4096, processes: int = 1) -> Iterator[np.ndarray]:
    """Yield the render as float32 blocks of shape (n, 2), n <= ``block_size``.

    ``seconds=None`` renders the recipe's duration and ``math.inf`` never ends;
    ``seed=None`` and ``sample_rate=None`` take the recipe's values. ``processes`` > 1
    renders the layers in that many processes side by side: the same samples, sooner
    on a machine with cores to spare (see :func:`processes_for`). The render runs in
    :func:`~sensory.engine.context.rendering`'s context (BLAS on one thread), held
    between the blocks yielded.
    """
    if block_size < 1:
        raise RecipeError(f"block size {block_size}: use 1 or more frames")
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    with rendering():
        mixer = build(recipe, seconds=p.seconds, seed=p.seed, sample_rate=p.sample_rate, processes=processes,
                      block_size=block_size)
        try:
            remaining = p.frames
            while remaining is None or remaining > 0:
                n = block_size if remaining is None else min(block_size, remaining)
                yield mixer.render(n)
                if remaining is not None:
                    remaining -= n
        finally:
            mixer.close()


def render(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, block_size: int = 4096) -> np.ndarray:
    """The whole render as one float32 array (frames, 2); for short renders and tests."""
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    if p.frames is None:
        raise RecipeError("an endless render cannot be returned as one array; give seconds")
    out = np.empty((p.frames, 2), np.float32)
    i = 0
    for block in blocks(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate, block_size=block_size):
        out[i:i + len(block)] = block
        i += len(block)
    return out
