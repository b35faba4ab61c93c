"""The engine: a recipe built into a mixer, rendered as a stream of blocks.

``blocks()`` is the one path every consumer uses (export, live play,
analysis): it never holds more than one block of audio, so an 8-hour render
needs the same memory as a 1-minute one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from . import kinds
from .errors import RecipeError
from .dsp.reverb import Space
from .mix import Layer, Master, Mixer, rests
from .recipe import Recipe, check_sample_rate
from .seeding import MAX_SEED, layer_rng

__all__ = ["build", "blocks", "render", "Plan", "plan"]


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
        self.frames = None if math.isinf(seconds) else int(round(seconds * self.sample_rate))

    @property
    def seconds(self) -> float:
        return math.inf if self.frames is None else self.frames / self.sample_rate


def plan(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
         sample_rate: int | None = None) -> Plan:
    return Plan(recipe, seconds, seed, sample_rate)


def build(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
          sample_rate: int | None = None) -> Mixer:
    """A fresh mixer for ``recipe``: every layer's unit built from its own generator.

    ``seconds`` places the fade-out (``math.inf`` for an open end).
    """
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    sr = p.sample_rate
    layers = []
    for spec in recipe.layers:
        def wake(frame: int, spec=spec):
            """The layer's unit as if built ``frame`` frames into the session."""
            params = spec.after(frame / sr) if frame else spec
            return kinds.get(spec.kind).unit(params, sr, layer_rng(p.seed, spec.name, frame))

        send = None if spec.send.is_constant and spec.send.values[0] == 0 else spec.send
        layers.append(Layer(spec.name, wake(0), spec.gain_db, spec.pan, send=send,
                            rests=rests(spec.gain_db, sr), wake=wake))
    s = recipe.session
    fade_in = min(s.fade_in, p.seconds / 2)
    fade_out = min(s.fade_out, p.seconds / 2)
    master = Master(sr, s.gain_db, fade_in, fade_out, s.ceiling_db, end_frame=p.frames)
    space = Space(sr, s.space) if any(layer.send is not None for layer in layers) else None
    return Mixer(layers, master, space)


def blocks(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
           sample_rate: int | None = None, block_size: int = 4096) -> Iterator[np.ndarray]:
    """Yield the render as float32 blocks of shape (n, 2), n <= ``block_size``.

    ``seconds=None`` renders the recipe's duration and ``math.inf`` never ends;
    ``seed=None`` and ``sample_rate=None`` take the recipe's values.
    """
    if block_size < 1:
        raise RecipeError(f"block size {block_size}: use 1 or more frames")
    p = plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)
    mixer = build(recipe, seconds=p.seconds, seed=p.seed, sample_rate=p.sample_rate)
    remaining = p.frames
    while remaining is None or remaining > 0:
        n = block_size if remaining is None else min(block_size, remaining)
        yield mixer.render(n)
        if remaining is not None:
            remaining -= n


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
