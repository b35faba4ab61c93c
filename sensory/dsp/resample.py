"""Rational rate conversion as a pure function of the output frame, for streams read in pieces.

Output frame ``m`` at ``rate_out`` is ``y[m] = sum_k x[k] h(m*down - k*up)`` with
``up/down = rate_out/rate_in`` in lowest terms and ``h`` a Kaiser-windowed sinc (beta 5,
10 zero crossings of the lower rate either side, cut at the lower Nyquist), the filter of
``scipy.signal.resample_poly``. A block of output frames is computed by polyphase
filtering (``scipy.signal.upfirdn``) of just the input frames it is made of, the first of
them chosen so that the block's frames fall on the filter's output grid; every frame is a
full dot product of the filter with the input alone, so any split into blocks gives the
same samples, and a reader can jump (a loop's wrap) without state to carry.

After P. P. Vaidyanathan, *Multirate Systems and Filter Banks* (Prentice Hall, 1993), ch. 4
(polyphase decimation and interpolation).
"""

from __future__ import annotations

from math import gcd

import numpy as np

__all__ = ["Resampler"]


class Resampler:
    """Converts frames at ``rate_in`` to ``rate_out`` (Hz, integers).

    :meth:`span` says which input frames output frames ``m0 .. m0+n-1`` need, and
    :meth:`convert` computes them from those input frames (float32 (k, channels)).
    """

    def __init__(self, rate_in: int, rate_out: int, *, zero_crossings: int = 10, beta: float = 5.0):
        from scipy.signal import firwin

        g = gcd(int(rate_in), int(rate_out))
        self.up, self.down = int(rate_out) // g, int(rate_in) // g
        widest = max(self.up, self.down)
        self._half = zero_crossings * widest  # filter half-length at the common rate
        self._h = firwin(2 * self._half + 1, 1.0 / widest, window=("kaiser", beta)) * self.up
        self._inverse = pow(self.up, -1, self.down)  # up * inverse = 1 (mod down)

    def frames(self, frames_in: int) -> int:
        """Output frames of an input of ``frames_in`` frames (as ``resample_poly`` gives)."""
        return -(-frames_in * self.up // self.down)

    def span(self, m0: int, n: int) -> tuple[int, int]:
        """Input frames ``[first, end)`` that output frames ``m0 .. m0+n-1`` are made of:
        ``first`` is where the filter's output grid meets frame ``m0`` (``first * up = half``
        modulo ``down``)."""
        up, down, half = self.up, self.down, self._half
        first = -((-(m0 * down + half - 2 * half)) // up)  # the earliest input the first frame reaches
        first -= (first - half * self._inverse) % down
        end = ((m0 + n - 1) * down + half) // up + 1
        return first, end

    def convert(self, x: np.ndarray, first: int, m0: int, n: int) -> np.ndarray:
        """Output frames ``m0 .. m0+n-1`` (float32 (n, channels)) from ``x``, the input frames
        :meth:`span` names (float32 (k, channels))."""
        from scipy.signal import upfirdn

        j0 = m0 + (self._half - first * self.up) // self.down
        return upfirdn(self._h, x, self.up, self.down, axis=0)[j0:j0 + n].astype(np.float32)
