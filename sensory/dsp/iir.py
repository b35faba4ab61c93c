"""``scipy.signal.lfilter`` for recursive filters, without importing :mod:`scipy.signal`.

Importing :mod:`scipy.signal` costs 0.7-0.9 s of CPU (it brings in scipy.stats,
scipy.interpolate and scipy.optimize), most of a short export's start-up, while a noise
colour needs one compiled function of it: ``lfilter`` checks its arguments and, for a
recursive filter (``len(a) > 1``), hands them to ``scipy.signal._sigtools._linear_filter``,
its direct form II transposed in C. :func:`lfilter` loads that compiled module alone (a few
milliseconds, nothing registered in ``sys.modules``) and calls the same function with the
same arguments, so its output is ``lfilter``'s to the bit; if scipy ever moves it, this
falls back to ``scipy.signal.lfilter`` itself. (For a filter without feedback, ``len(a) == 1``,
``lfilter`` convolves instead, summing the same products in another order: the same bits for
the two-tap difference of violet noise, as the tests check for every noise colour.)

:class:`SparseDecay` is the one-pole recursion over a train of a few impulses per hundred
samples, at the cost of the impulses rather than of every sample.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from functools import cache

import numpy as np

__all__ = ["SparseDecay", "lfilter"]


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, *, axis: int = -1, zi: np.ndarray | None = None):
    """``scipy.signal.lfilter(b, a, x, axis=axis, zi=zi)`` (``a[0]`` normalizes): ``y`` (x's
    shape), or ``(y, zf)`` given ``zi`` (the state, of length ``max(len(a), len(b)) - 1``
    along ``axis``)."""
    run = _linear_filter()
    b, a, x = np.atleast_1d(b), np.atleast_1d(a), np.asarray(x)  # as lfilter hands them on
    return run(b, a, x, axis) if zi is None else run(b, a, x, axis, np.asarray(zi))


class SparseDecay:
    """``y[n] = pole * y[n-1] + x[n]`` over a sparse train ``x`` of non-negative impulses, frames of
    ``size`` samples in ``channels`` channels, the state carried from frame to frame.

    ``lfilter([1], [1, -pole])`` runs the recursion sample by sample. Here the frame is cut into
    blocks of ``B`` samples (a power of two dividing ``size``, with ``pole^-B`` at most 100):
    inside a block starting at ``b0``, ``y[b0 + i] = pole^i (C + S(i))``, ``C`` the decay carried
    into the block and ``S(i)`` the sum of ``x[s] pole^-(s - b0)`` over the impulses up to
    ``b0 + i``, which is constant between impulses. So the output is one piecewise-constant run
    per impulse and per block (``np.repeat``) times a fixed table of ``pole^i``; the carries ``C``
    are the same recursion over the blocks' sums, one value a block (a blocked scan). The values
    agree with the recursion's to float32 rounding (the sums are float64, the last product float32).
    """

    def __init__(self, pole: float, size: int, channels: int = 2):
        block = 1
        while size % (2 * block) == 0 and pole ** (-2 * block) <= 100.0:
            block *= 2
        self.pole, self.size, self.channels, self.block = pole, size, channels, block
        self._blocks = np.arange(size // block)
        self._rise = pole ** -np.arange(block, dtype=np.float64)
        self._fall = np.repeat(pole ** np.arange(block, dtype=np.float64), channels).astype(np.float32)  # (block * channels,)
        self._carry = np.zeros(channels)  # pole * y[-1] of each channel: the decay entering the next frame

    def __call__(self, at: np.ndarray, channel: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The next frame: impulses of height ``x`` (float, >= 0) at samples ``at`` (int, 0 <= at <
        size) of channels ``channel`` (int), in any order (impulses at one sample add); float32
        (size, channels)."""
        blocks, c, q = self._blocks, self.channels, self.pole ** self.block
        order = np.argsort(at, kind="stable")
        at, channel, x = at[order], channel[order], x[order]
        owner = at // self.block  # the block of each impulse
        u = x * self._rise[at % self.block]
        sums = np.bincount(owner * c + channel, u, minlength=len(blocks) * c).reshape(-1, c)
        ends, _ = lfilter([q], [1.0, -q], sums, axis=0, zi=q * self._carry[None])  # carried out of each block
        carry = np.concatenate([self._carry[None], ends[:-1]])  # carried into each block
        self._carry = ends[-1].copy()
        # runs: each block from its start, each impulse from its sample (after its block's start);
        # one running sum over them, a block's start setting it to the decay carried in
        first = blocks + np.searchsorted(owner, blocks)
        after = np.arange(len(at)) + owner + 1
        runs = len(at) + len(blocks)
        start, step = np.empty(runs, np.int64), np.zeros((c, runs))
        start[first], start[after] = blocks * self.block, at
        step[channel, after] = u
        step[:, first] = (carry - np.concatenate([np.zeros((1, c)), carry[:-1] + sums[:-1]])).T
        level = np.cumsum(step, axis=1).T
        y = np.repeat(level.astype(np.float32, order="C"), np.diff(start, append=self.size), axis=0)
        rows = y.reshape(len(blocks), -1)  # a block a row, channels interleaved
        rows *= self._fall
        return y


@cache
def _linear_filter():
    """scipy's compiled direct form II transposed filter, from its module loaded alone."""
    loaded = sys.modules.get("scipy.signal._sigtools")
    if loaded is not None:
        return loaded._linear_filter
    try:
        scipy = importlib.util.find_spec("scipy")  # found, not imported
        finder = importlib.machinery.FileFinder(
            os.path.join(scipy.submodule_search_locations[0], "signal"),
            (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES))
        spec = finder.find_spec("scipy.signal._sigtools")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module._linear_filter
    except (AttributeError, ImportError, OSError, TypeError):
        from scipy.signal import lfilter as scipy_lfilter

        return lambda b, a, x, axis, zi=None: (scipy_lfilter(b, a, x, axis=axis) if zi is None
                                               else scipy_lfilter(b, a, x, axis=axis, zi=zi))
