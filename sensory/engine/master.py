"""The master stage: master gain, fade-in and fade-out, then the limiter that keeps every
sample at or below the ceiling."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.curves import Curve
from ..core.levels import db_to_gain
from ..dsp.limiter import Limiter

__all__ = ["Master"]


@dataclass
class Master:
    """Master gain (dB curve), fade-in and fade-out, then the limiter.

    ``end_frame`` is where the fade-out finishes (``None`` for an open end);
    :meth:`fade_out` sets an earlier end, e.g. when a listener stops.
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

    def fade_out(self, seconds: float, *, end: int | None = None) -> int:
        """End with a ``seconds`` fade that finishes at content frame ``end`` (default: ``seconds``
        after the current frame); returns the end frame.

        An end already set that comes sooner is kept. A fade already under way (a timer's
        long fade) is sped up from the gain it has reached, so the envelope never jumps
        back up.
        """
        sr = self.sample_rate
        end = self.frame + max(1, int(round(seconds * sr))) if end is None else int(end)
        if self.end_frame is not None and end > self.end_frame:
            return self.end_frame
        if self.end_frame is not None:
            # the old fade's position u in (0, 1] now; the new fade passes the same gain now
            u = (self.end_frame - self.frame) / max(1.0, self.fade_out_s * sr)
            if u < 1:
                seconds = (end - self.frame) / sr / max(u, 1e-6)
        self.end_frame = end
        self.fade_out_s = seconds
        return end

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
