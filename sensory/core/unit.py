"""Unit: the stateful generator every sound kind is made of.

A unit is built once from ``(params, sample_rate, rng)`` and then only
continues: ``render(n)`` returns the next ``n`` frames and advances its state
(oscillator phases, filter memory, event schedules, its random stream). There
is no reset; to start over, build again. Curves are read at absolute time
through :meth:`Unit.value`, so the output never depends on block size.
"""

from __future__ import annotations

import numpy as np

from .curves import Curve

__all__ = ["Unit"]


class Unit:
    """Base class. Subclasses set ``channels`` (1 or 2) and ``nominal_level``, and implement :meth:`_render`.

    ``render(n)`` returns float32 or float64 of shape (n,) for mono units and
    (n, 2) for stereo units, at 0 dB layer gain at about the nominal level of
    :mod:`~sensory.core.levels` (-18 dBFS RMS in each ear).

    ``nominal_level`` declares that level, linear, in the unit's own terms: for a
    kind made of sines the peak of a steady sine (:data:`~sensory.core.levels.SINE_PEAK`),
    for noise and textures the RMS (:data:`~sensory.core.levels.NOMINAL_RMS`).
    """

    channels: int = 1
    cost: float = 1.0  # CPU per second of audio against a noise layer (kinds measure theirs): shares out layers
    nominal_level: float  # linear, at 0 dB layer gain: a sine's peak or a noise's RMS (see the class docstring)
    events = False  # True for kinds whose sounds start at times of their own and ring on: they honour events_until

    def __init__(self, params, sample_rate: int, rng: np.random.Generator):
        self.params = params
        self.sample_rate = sample_rate
        self.rng = rng
        self.frame = 0
        self.events_until: int | None = None  # frame from which no new event sounds (None: events never stop)

    def sounds(self, frame):
        """Whether an event starting at ``frame`` (the unit's frames: int or int array) sounds:
        before :attr:`events_until`. An event kind draws every event as usual (its random stream
        stays the same) and adds only those that sound; seamless loops stop events this way
        (:mod:`sensory.output.fold`)."""
        if self.events_until is None:
            return np.ones(np.shape(frame), bool) if np.ndim(frame) else True
        return np.asarray(frame) < self.events_until

    def value(self, curve: Curve, n: int) -> float | np.ndarray:
        """``curve`` over the next ``n`` frames: a float if held, else shape (n,) float64."""
        return curve.block(self.frame, n, self.sample_rate)

    def render(self, n: int) -> np.ndarray:
        out = self._render(n)
        self.frame += n
        return out

    def _render(self, n: int) -> np.ndarray:
        raise NotImplementedError
