"""Minnaert bubbles: the ringing of an air bubble born in water.

After K. van den Doel, "Physically based models for liquid sounds", ACM Transactions on
Applied Perception 2(4), 2005: a bubble of radius ``r`` (m) rings at ``f0 = 3/r`` Hz, its
damping is ``d = 0.13/r + 0.0072 r^-1.5`` per second, and its pitch rises as it nears the
surface, ``f0 (1 + xi d t)``.
"""

from __future__ import annotations

import numpy as np

from .grains import end_taper, onset_ramp

__all__ = ["bubble"]


def bubble(radius_m: float, n: int, sample_rate: int, rise: float = 0.1) -> np.ndarray:
    """One bubble of ``radius_m`` metres over ``n`` samples: float64 (n,), peak about 1.

    Pitch ``3/r`` Hz rising as ``f0 (1 + rise d t)`` (``rise`` is van den Doel's ``xi``, kept
    under 0.45 of the sample rate), amplitude ``exp(-d t)`` with ``d = 0.13/r + 0.0072 r^-1.5``
    per second; a 3-ms onset ramp and a taper over the last third, so it never clicks.
    """
    f0 = 3.0 / radius_m
    d = 0.13 / radius_m + 0.0072 * radius_m ** -1.5
    t = np.arange(n) / sample_rate
    f = np.minimum(f0 * (1 + rise * d * t), 0.45 * sample_rate)
    phase = np.cumsum(f) / sample_rate
    return np.sin(2 * np.pi * phase) * np.exp(-d * t) * onset_ramp(n, sample_rate, 0.003) * end_taper(n, max(2, n // 3))
