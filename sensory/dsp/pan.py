"""Pan laws. Pan runs from -1 (left) through 0 (centre) to +1 (right)."""

from __future__ import annotations

import numpy as np

__all__ = ["balance", "equal_power"]


def equal_power(pan: float | np.ndarray) -> tuple:
    """Gains (left, right) placing a mono source: ``cos``/``sin`` of ``(pan+1)*pi/4``.

    Constant power anywhere in the field; -3 dB in each channel at the centre.
    """
    theta = (np.asarray(pan, np.float64) + 1.0) * (np.pi / 4)
    return np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)


def balance(pan: float | np.ndarray) -> tuple:
    """Gains (left, right) for a stereo source: unity at the centre, the far side fading
    out linearly, so a binaural pair keeps its ears."""
    p = np.asarray(pan, np.float64)
    return (1.0 - np.clip(p, 0.0, 1.0)).astype(np.float32), (1.0 + np.clip(p, -1.0, 0.0)).astype(np.float32)
