"""Layers: one voice of the mix each, a unit placed by a pan curve at a gain curve, and the
stretches where its gain is silent (rests), over which it is not rendered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import kinds
from ..core.curves import Curve
from ..core.levels import db_to_gain
from ..core.seeding import layer_rng
from ..core.unit import Unit
from ..dsp.pan import balance, equal_power

__all__ = ["MIN_REST_S", "SILENT_DB", "Layer", "layers", "rests", "send_curve"]


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

    Over its ``rests`` (frame spans where the gain curve is silent, see :func:`rests`)
    the layer is not rendered; at the end of each, ``wake(frame)`` builds a fresh
    unit whose time starts at that frame. The spans come from the curve, never from
    block edges, so the output stays the same whatever the block size.
    """

    name: str
    unit: Unit
    gain_db: Curve
    pan: Curve
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
        gain = db_to_gain(self.gain_db.block(self.frame, n, sr))
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


def layers(specs, seed: int, sample_rate: int) -> list[Layer]:
    """A :class:`Layer` for each layer model in ``specs``, its unit built from its own
    generator; a layer that rests is woken by a unit built for the frame it wakes at."""
    out = []
    for spec in specs:
        def wake(frame: int, spec=spec):
            """The layer's unit as if built ``frame`` frames into the session."""
            params = spec.after(frame / sample_rate) if frame else spec
            return kinds.get(spec.kind).unit(params, sample_rate, layer_rng(seed, spec.name, frame))

        out.append(Layer(spec.name, wake(0), spec.gain_db, spec.pan, send=send_curve(spec),
                         rests=rests(spec.gain_db, sample_rate), wake=wake))
    return out


def send_curve(spec) -> Curve | None:
    """The layer's send curve to the space stage, ``None`` when it sends nothing."""
    return None if spec.send.is_constant and spec.send.values[0] == 0 else spec.send
