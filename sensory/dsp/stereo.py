"""Stereo images: mono events placed in the field, and a stereo signal narrowed towards mono.

Pan runs from -1 (left) through 0 (centre) to +1 (right), as in :mod:`.pan`.
"""

from __future__ import annotations

import numpy as np

from .pan import equal_power

__all__ = ["narrow", "place"]


def place(pan: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Per-ear gains of mono events: ``gain`` (events,) spread over the ears by the
    equal-power law at ``pan`` (events,, -1 .. 1); (events, 2), left then right.

    Passed as the ``gains`` of :meth:`~.grains.OverlapAdd.grains`.
    """
    left, right = equal_power(pan)
    return np.stack([left * gain, right * gain], axis=1)


def narrow(x: np.ndarray, width: float | np.ndarray) -> np.ndarray:
    """A stereo signal ``x`` (frames, 2), float32, narrowed towards mono: ``width`` 1 leaves it,
    0 puts its mid ``(left + right) / 2`` in both ears, between them the side is scaled by it.

    ``width`` is a float or float64 (frames,) (one value per frame); returns float32 (frames, 2).
    """
    if np.ndim(width) == 0 and width == 1.0:
        return x
    w = np.asarray(width, np.float32)
    w = w[:, None] if w.ndim else w
    mid = (x[:, :1] + x[:, 1:]) * np.float32(0.5)
    return mid + (x - mid) * w
