"""The mixer: sums its layers (a plain list, in recipe order), sends what they send through the
space stage, and runs the sum through the :class:`~sensory.engine.master.Master`.

Its controls are one surface for whoever changes a render as it plays (the live player):
:meth:`Mixer.set_gain` moves the master's or a layer's live gain over a ramp, and
:meth:`Mixer.fade_out` ends the render with a fade. A render no one controls (an export)
never multiplies by a live gain: its samples are those of the recipe alone.
"""

from __future__ import annotations

import numpy as np

from ..dsp.reverb import Space
from .layers import Layer
from .master import Master
from .ramp import Ramp

__all__ = ["Mixer"]


class Mixer:
    """Sums ``layers`` and runs the master stage; ``render(n)`` gives float32 (n, 2).

    Output frame k is content frame k: the mixer runs the layers ahead by the
    limiter's latency. ``offloads`` are the child processes rendering some of the
    layers (:mod:`sensory.engine.parallel`); :meth:`close` stops them.

    ``gain`` is the master's live gain, on output frames after the limiter (a volume
    control: the render, only quieter); ``layer_gains[i]`` is layer ``i``'s, on its
    output before the sum and its send to the space stage. Each is a
    :class:`~sensory.engine.ramp.Ramp` holding 1 until :meth:`set_gain` moves it.
    """

    def __init__(self, layers: list[Layer], master: Master, space: Space | None = None,
                 offloads: list | None = None):
        self.layers = layers
        self.master = master
        self.space = space
        self.frame = 0
        self.offloads = offloads or []
        self.gain = Ramp(1.0)
        self.layer_gains = [Ramp(1.0) for _ in layers]
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
        parts = []
        for layer, ramp in zip(self.layers, self.layer_gains):
            gain = ramp.block(layer.frame, n)
            part = layer.render(n)
            if np.ndim(gain):
                part = part * gain[:, None]
            elif gain != 1:
                part = part * np.float32(gain)
            parts.append(part)
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
        """The next ``n`` output frames, float32 (n, 2)."""
        y = self.master.process(self._sum(n))
        gain = self.gain.block(self.frame, n)
        if np.ndim(gain):
            y = y * gain[:, None]
        elif gain != 1:
            y = y * np.float32(gain)
        self.frame += n
        return y

    # -- controls: call between render calls ------------------------------------------------

    def set_gain(self, gain: float, *, seconds: float = 0.0, layer: int | None = None) -> None:
        """Move the master's live gain (``layer=None``) or layer ``layer``'s to ``gain`` (linear,
        1 = as the recipe says, 0 = silent) in a straight line over ``seconds``, from the next
        frame rendered; see :class:`Ramp`."""
        frames = int(round(seconds * self.sample_rate))
        if layer is None:
            self.gain.move(gain, frames, at=self.frame)
        else:
            self.layer_gains[layer].move(gain, frames, at=self.layers[layer].frame)

    def fade_out(self, seconds: float, *, end: int | None = None) -> int:
        """End the render with a ``seconds`` fade that finishes at output frame ``end`` (default:
        ``seconds`` after the frame the master stage takes next), never later than an end already
        set and never louder than a fade under way; returns the end frame. See
        :meth:`~sensory.engine.master.Master.fade_out`."""
        return self.master.fade_out(seconds, end=end)

    @property
    def sample_rate(self) -> int:
        return self.master.sample_rate

    @property
    def end_frame(self) -> int | None:
        """The output frame where the render ends (``None``: it does not)."""
        return self.master.end_frame
