"""Live gains: a linear gain that holds, or moves in a straight line to a new value.

A move is laid on frames, not on blocks: frame ``start + k`` of a move over ``m`` frames
has the gain ``origin + (target - origin) * (k + 1) / m``, so its last frame reaches the
target and the same frames get the same gains whatever the block size.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Ramp"]


class Ramp:
    """A linear gain (1 = unchanged, 0 = silent) that holds or moves to :attr:`target`.

    ``start`` is the first frame of the last move and ``end`` the frame after its last:
    from ``end - 1`` on, the gain is the target.
    """

    def __init__(self, value: float = 1.0):
        self.origin = float(value)  # the gain before the last move
        self.target = float(value)
        self.start = 0
        self.end = 0

    def value(self, frame: int) -> float:
        """The gain at ``frame``."""
        if frame >= self.end - 1:
            return self.target
        k = max(0, frame - self.start + 1)
        return self.origin + (self.target - self.origin) * (k / (self.end - self.start))

    def move(self, target: float, frames: int, *, at: int) -> None:
        """Move to ``target`` over ``frames`` frames from frame ``at`` (at once for 1 or fewer),
        from the gain reached at ``at - 1``. A ramp already headed for ``target`` keeps going."""
        if float(target) == self.target:
            return
        self.origin = self.value(at - 1)
        self.target = float(target)
        self.start = at
        self.end = at + max(1, int(frames))

    def block(self, start: int, n: int) -> float | np.ndarray:
        """Gains for frames ``start .. start+n-1``: a float where the ramp holds, else float32 (n,)."""
        if start >= self.end - 1:
            return self.target
        k = np.arange(start - self.start + 1, start - self.start + 1 + n, dtype=np.float64)
        x = np.clip(k / (self.end - self.start), 0.0, 1.0)
        return (self.origin + (self.target - self.origin) * x).astype(np.float32)
