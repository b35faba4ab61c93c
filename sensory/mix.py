"""Layers, the mixer and the master stage.

A :class:`Layer` is a unit with a gain curve (dB) and a pan curve. The
:class:`Mixer` sums its layers (a plain list, in recipe order) and runs the
sum through the :class:`Master`: master gain, fades, and a limiter that keeps
every sample at or below the ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .curves import Curve
from .dsp.limiter import Limiter
from .dsp.pan import balance, equal_power
from .dsp.reverb import Space
from .unit import Unit

__all__ = ["Layer", "Mixer", "Master", "db_to_gain"]


def db_to_gain(db: float | np.ndarray) -> np.float32 | np.ndarray:
    """Linear amplitude (float32) from decibels."""
    return np.power(np.float32(10), np.asarray(db, np.float64) / 20).astype(np.float32)


SILENT_DB = -80.0  # a layer gain at or below this is inaudible: under 16-bit dither for a unit at -18 dBFS
MIN_REST_S = 1.0  # shorter silent stretches are rendered through


def rests(gain_db: Curve, sample_rate: int) -> list[tuple[int, int | None]]:
    """Frame spans ``[a, b)`` (sorted, at least :data:`MIN_REST_S` long, ``b`` may be
    ``None`` for an open end) over which ``gain_db`` stays at or below :data:`SILENT_DB`.

    Read from the breakpoints: a ramp never overshoots its two ends, and a step
    holds the earlier value until its time. Each span is kept a frame clear of its
    time bounds, so rounding never silences a frame the curve lets through.
    """
    t, v, shapes = gain_db.times, gain_db.values, gain_db.shapes
    quiet: list[list[float]] = []  # [start, end] in seconds, end math.inf for an open end
    pieces = [(-math.inf, t[0], v[0])]  # (start, end, highest value in between)
    pieces += [(t[i - 1], t[i], v[i - 1] if shapes[i] == "step" else max(v[i - 1], v[i])) for i in range(1, len(t))]
    pieces.append((t[-1], math.inf, v[-1]))
    for start, end, high in pieces:
        if high > SILENT_DB or end <= start:
            continue
        if quiet and quiet[-1][1] == start:
            quiet[-1][1] = end
        else:
            quiet.append([max(start, 0.0), end])
    spans = []
    for start, end in quiet:
        a = 0 if start == 0 else math.ceil(start * sample_rate) + 1
        b = None if math.isinf(end) else math.floor(end * sample_rate) - 1
        if b is None or b - a >= MIN_REST_S * sample_rate:
            spans.append((a, b))
    return spans


@dataclass
class Layer:
    """One voice of the mix: ``unit`` placed by ``pan`` (-1..1) at ``gain_db`` (dB).

    ``level`` is a live multiplier (1 = as the recipe says, 0 = muted) for players.
    Over its ``rests`` (frame spans where the gain curve is silent, see :func:`rests`)
    the layer is not rendered; at the end of each, ``wake(frame)`` builds a fresh
    unit whose time starts at that frame. The spans come from the curve, never from
    block edges, so the output stays the same whatever the block size.
    """

    name: str
    unit: Unit
    gain_db: Curve
    pan: Curve
    level: float = 1.0
    frame: int = 0
    send: Curve | None = None  # share (0..1) of the output sent to the space stage
    rests: list[tuple[int, int | None]] = field(default_factory=list)
    wake: Callable[[int], Unit] | None = None

    @property
    def sample_rate(self) -> int:
        return self.unit.sample_rate

    def _source(self, n: int) -> np.ndarray:
        """The unit's next ``n`` frames with silence over rests: (n,) or (n, 2)."""
        end = self.frame + n
        if not self.rests or self.rests[0][0] >= end:
            return self.unit.render(n)
        parts, f = [], self.frame
        while f < end:
            a, b = self.rests[0] if self.rests else (end, end)
            if f < a:
                m = min(end, a) - f
                parts.append(self.unit.render(m))
            else:
                m = end - f if b is None else min(end, b) - f
                parts.append(np.zeros((m, 2) if self.unit.channels == 2 else m, np.float32))
                if f + m == b:
                    self.rests.pop(0)
                    self.unit = self.wake(b)
            f += m
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` frames, float32 (n, 2)."""
        sr = self.unit.sample_rate
        x = self._source(n).astype(np.float32, copy=False)
        gain = db_to_gain(self.gain_db.block(self.frame, n, sr)) * np.float32(self.level)
        pan = self.pan.block(self.frame, n, sr)
        self.frame += n
        left, right = equal_power(pan) if x.ndim == 1 else balance(pan)
        left, right = left * gain, right * gain
        if x.ndim == 1:  # (np.multiply.outer is 7x slower than this stack)
            return np.stack([x * left, x * right], axis=1)
        if np.ndim(left) == 0:
            if left == right:
                return x if left == 1 else x * left
            out = np.empty_like(x)  # per column: broadcasting over a length-2 axis is 4x slower
            np.multiply(x[:, 0], left, out=out[:, 0])
            np.multiply(x[:, 1], right, out=out[:, 1])
            return out
        return x * np.stack(np.broadcast_arrays(left, right), axis=-1)


@dataclass
class Master:
    """Master gain (dB curve), fade-in and fade-out, then the limiter.

    ``end_frame`` is where the fade-out finishes (``None`` for an open end);
    :meth:`fade_out_now` schedules an early fade, e.g. when a listener stops.
    Fades follow ``sin^2`` (a raised cosine), smooth at both ends.
    """

    sample_rate: int
    gain_db: Curve
    fade_in_s: float
    fade_out_s: float
    ceiling_db: float
    end_frame: int | None = None
    limiter: Limiter = field(init=False)
    frame: int = 0

    def __post_init__(self) -> None:
        self.limiter = Limiter(self.ceiling_db, self.sample_rate)

    def fade_out_now(self, seconds: float) -> int:
        """End with a fade starting at the current content frame; returns the end frame.

        A fade already under way (a timer's long fade) is sped up from the gain
        it has reached, so the envelope never jumps back up.
        """
        end = self.frame + max(1, int(round(seconds * self.sample_rate)))
        if self.end_frame is None or end < self.end_frame:
            if self.end_frame is not None:
                # the old fade's position u in (0, 1]; the new fade passes the same gain now
                u = (self.end_frame - self.frame) / max(1.0, self.fade_out_s * self.sample_rate)
                seconds = seconds / min(1.0, max(u, 1e-6))
            self.end_frame = end
            self.fade_out_s = seconds
        return self.end_frame

    def envelope(self, start: int, n: int) -> float | np.ndarray:
        """Master gain times fades for content frames ``start..start+n-1``."""
        sr = self.sample_rate
        g = db_to_gain(self.gain_db.block(start, n, sr))
        fade_in = int(round(self.fade_in_s * sr))
        if start < fade_in:
            g = g * _rise((start + np.arange(n)) / fade_in)
        if self.end_frame is not None:
            fade_out = max(1, int(round(self.fade_out_s * sr)))
            if start + n > self.end_frame - fade_out:
                g = g * _rise((self.end_frame - (start + np.arange(n))) / fade_out)
        return g

    def process(self, x: np.ndarray) -> np.ndarray:
        """Content frames in (float32 (n, 2)), output frames out, delayed by the limiter's latency."""
        g = self.envelope(self.frame, len(x))
        self.frame += len(x)
        if np.ndim(g) == 0:
            y = x if g == 1 else x * g
        else:
            y = x * g[:, None]
        return self.limiter.process(y)


def _rise(x: np.ndarray) -> np.ndarray:
    """Raised-cosine fade shape: 0 at x <= 0, 1 at x >= 1, float32."""
    return (np.sin(np.clip(x, 0.0, 1.0) * (np.pi / 2)) ** 2).astype(np.float32)


class Mixer:
    """Sums ``layers`` and runs the master stage; ``render(n)`` gives float32 (n, 2).

    Output frame k is content frame k: the mixer runs the layers ahead by the
    limiter's latency. ``offloads`` are the child processes rendering some of the
    layers (:mod:`sensory.offload`); :meth:`close` stops them.
    """

    def __init__(self, layers: list[Layer], master: Master, space: Space | None = None,
                 offloads: list | None = None):
        self.layers = layers
        self.master = master
        self.space = space
        self.frame = 0
        self.offloads = offloads or []
        try:
            self.master.process(self._sum(master.limiter.latency))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for offload in self.offloads:
            offload.close()

    def _sum(self, n: int) -> np.ndarray:
        """The layers' sum, float32 (n, 2). Layer outputs are never written into: a unit
        may hand out a view of its own state."""
        parts = [layer.render(n) for layer in self.layers]
        if self.space is not None:
            parts.append(self.space.process(self._sends(parts)))
        if len(parts) == 1:
            return parts[0]
        out = parts[0] + parts[1]
        for part in parts[2:]:
            out += part
        return out

    def _sends(self, parts: list[np.ndarray]) -> np.ndarray:
        """The space stage's input: each layer's output times its send curve, float32 (n, 2)."""
        n = len(parts[0])
        wet = np.zeros((n, 2), np.float32)
        for layer, part in zip(self.layers, parts):
            if layer.send is None:
                continue
            amount = layer.send.block(layer.frame - n, n, layer.sample_rate)
            if np.ndim(amount) == 0:
                if amount != 0:
                    wet += part * np.float32(amount)
            else:
                wet += part * amount.astype(np.float32)[:, None]
        return wet

    def render(self, n: int) -> np.ndarray:
        y = self.master.process(self._sum(n))
        self.frame += n
        return y
