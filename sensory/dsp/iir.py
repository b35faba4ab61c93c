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
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from functools import cache

import numpy as np

__all__ = ["lfilter"]


def lfilter(b: np.ndarray, a: np.ndarray, x: np.ndarray, *, axis: int = -1, zi: np.ndarray | None = None):
    """``scipy.signal.lfilter(b, a, x, axis=axis, zi=zi)`` (``a[0]`` normalizes): ``y`` (x's
    shape), or ``(y, zf)`` given ``zi`` (the state, of length ``max(len(a), len(b)) - 1``
    along ``axis``)."""
    run = _linear_filter()
    b, a, x = np.atleast_1d(b), np.atleast_1d(a), np.asarray(x)  # as lfilter hands them on
    return run(b, a, x, axis) if zi is None else run(b, a, x, axis, np.asarray(zi))


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
