"""Levels: decibels and linear gain, and the nominal level every unit renders at.

A unit at 0 dB layer gain renders at the house's nominal level, about -18 dBFS RMS in each
ear: noise and textures have an RMS of :data:`NOMINAL_RMS`, a steady sine a peak of
:data:`SINE_PEAK` (the same RMS). Layer gains in recipes are relative to it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["db_to_gain", "NOMINAL_DB", "NOMINAL_RMS", "SINE_PEAK"]

NOMINAL_DB = -18.0  # dBFS RMS of a unit at 0 dB gain, each ear
NOMINAL_RMS = 0.126  # linear RMS at NOMINAL_DB: 10 ** (-18 / 20) = 0.1259, rounded to three places
SINE_PEAK = 0.178  # peak of a sine whose RMS is NOMINAL_RMS (0.126 * sqrt(2), rounded)


def db_to_gain(db: float | np.ndarray) -> np.float32 | np.ndarray:
    """Linear amplitude (float32) from decibels."""
    return np.power(np.float32(10), np.asarray(db, np.float64) / 20).astype(np.float32)
