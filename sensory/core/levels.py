"""Levels: decibels and linear gain."""

from __future__ import annotations

import numpy as np

__all__ = ["db_to_gain"]


def db_to_gain(db: float | np.ndarray) -> np.float32 | np.ndarray:
    """Linear amplitude (float32) from decibels."""
    return np.power(np.float32(10), np.asarray(db, np.float64) / 20).astype(np.float32)
