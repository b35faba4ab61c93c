"""The mixer: sums its layers (a plain list, in recipe order), sends what they send through the
space stage, and runs the sum through the :class:`~sensory.engine.master.Master`.
"""

from __future__ import annotations

import numpy as np

from ..dsp.reverb import Space
from .layers import Layer
from .master import Master

__all__ = ["Mixer"]


class Mixer:
    """Sums ``layers`` and runs the master stage; ``render(n)`` gives float32 (n, 2).

    Output frame k is content frame k: the mixer runs the layers ahead by the
    limiter's latency. ``offloads`` are the child processes rendering some of the
    layers (:mod:`sensory.engine.parallel`); :meth:`close` stops them.
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
