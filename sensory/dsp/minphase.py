"""Minimum-phase spectra: a causal response with a given magnitude.

A magnitude drawn on the bins of a real FFT, used as is, is a zero-phase filter: an impulse
shaped by it rings as much before the impulse as after. :func:`minimum_phase` gives the
causal response of the same magnitude whose energy comes as early as possible, so a shaped
impulse starts at once and decays (a struck surface). The method is the folded real cepstrum
(A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*, 3rd ed., Pearson 2010,
sec. 13.5 "minimum-phase sequences").
"""

from __future__ import annotations

import numpy as np

__all__ = ["minimum_phase"]


def minimum_phase(magnitude: np.ndarray, floor: float = 1e-5) -> np.ndarray:
    """The minimum-phase spectrum of ``magnitude`` (bins,) on the ``bins = N/2 + 1`` bins of a
    real FFT of even length ``N``: complex128 (bins,) with the same magnitude (values below
    ``floor`` times the peak raised to it, since the logarithm needs them above zero).

    The cepstrum is computed on ``N`` points, so a magnitude that changes slowly across bins
    (a resonance spanning several bins) gives a response with little time aliasing.
    """
    m = np.asarray(magnitude, np.float64)
    m = np.maximum(m, floor * m.max())
    n = 2 * (len(m) - 1)
    cepstrum = np.fft.irfft(np.log(m), n)
    fold = np.zeros(n)
    fold[0] = cepstrum[0]
    fold[1:n // 2] = 2.0 * cepstrum[1:n // 2]
    fold[n // 2] = cepstrum[n // 2]
    return np.exp(np.fft.rfft(fold))
