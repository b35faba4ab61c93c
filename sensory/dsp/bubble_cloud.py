"""A dense cloud of Minnaert bubbles, synthesized at a reduced rate and handed over as spectra.

Running water rings with thousands of small bubbles a second (K. van den Doel, "Physically
based models for liquid sounds", ACM Transactions on Applied Perception 2(4), 2005): each one a
damped, rising sinusoid (:func:`~sensory.dsp.bubbles.bubble`), all below about 5 kHz. So many
short grains cost too much at 48 kHz, but they need no more than about 12 kHz: the cloud is
overlap-added there (``sample_rate / q``, ``q`` a power of two), cut into the frames of a
:class:`~sensory.dsp.spectral.SpectralFrames` analysis with the same window length, and its
spectra are added to the low bins of the caller's full-rate spectra before they are
synthesized. The sine windows' analysis and synthesis reconstruct the signal, so this is a
band-limited upsampling that costs one small FFT per hop.

The cloud is two mono halves, one nearer each ear; each ear hears its own half and the other
half ``cross`` lower and ``delay`` later (an interaural time and level difference), which places
the bubbles on both sides and keeps the ears' signals decorrelated at the cost of one scatter.
"""

from __future__ import annotations

import numpy as np

from .bubbles import bubble
from .grains import OverlapAdd, grain_lengths, peak_normalised
from .spectral import SpectralFrames

__all__ = ["BubbleCloud", "bubble_rate_divisor"]


def bubble_rate_divisor(sample_rate: int, hop: int, lowest: float = 11000.0) -> int:
    """The power of two ``q`` (dividing ``hop``) with ``sample_rate / q`` at least ``lowest`` Hz."""
    q = 1
    while sample_rate / (2 * q) >= lowest and hop % (2 * q) == 0 and hop // (2 * q) >= 8:
        q *= 2
    return q


class BubbleCloud:
    """Bubbles of ``radii`` (m, ascending, float (variants,)) for frames of ``hops`` hops of
    ``hop`` samples at ``sample_rate``, overlap-added at ``sample_rate / q``, at least ``lowest`` Hz
    (the bubbles must ring below 0.45 of it).

    Each variant rings until its envelope is ``floor_db`` down, its pitch rising by ``rise``
    (van den Doel's ``xi``, float (variants,)). :meth:`spectra` takes the frame's events and
    returns complex64 (hops, 2, bins) to add to the first ``bins`` bins of a full-rate
    :class:`SpectralFrames` frame (FFT size ``2 * hop``); the bubbles come out one hop late.
    """

    def __init__(self, rng: np.random.Generator, radii: np.ndarray, rise: np.ndarray, sample_rate: int,
                 hop: int, hops: int, lowest: float = 11000.0, floor_db: float = 25.0, cross: float = 0.6,
                 delay: float = 0.00035):
        self.q = bubble_rate_divisor(sample_rate, hop, lowest)
        self.rate = sample_rate / self.q
        self.hop = hop // self.q
        self.size = self.hop * hops
        d = 0.13 / radii + 0.0072 * radii ** -1.5  # van den Doel's damping, 1/s
        n = np.ceil(floor_db / 8.686 / d * self.rate).astype(np.int64)
        longest = int(n.max())
        rows = [np.pad(bubble(r, k, self.rate, rise=x), (0, longest - k)) for r, k, x in zip(radii, n, rise)]
        self.bank = peak_normalised(np.array(rows))
        self.lengths = grain_lengths(self.bank)
        self._halves = [OverlapAdd(self.size, longest, channels=1) for _ in range(2)]
        self._frames = SpectralFrames(rng, self.hop, round(self.rate))
        self.bins = self.hop  # the sub-rate spectrum without its Nyquist bin
        f = np.arange(self.bins) * sample_rate / (2 * hop)
        self._cross = (cross * np.exp(-2j * np.pi * f * delay)).astype(np.complex64)
        # bubbles begun in the last frame: only they reach into this one (their tails, and the last
        # hop the analysis keeps), when every bubble dies within a frame less a hop
        self._ringing = 0
        self._short = longest + self.hop <= self.size

    def spectra(self, starts: np.ndarray, variant: np.ndarray, gain: np.ndarray,
                side: np.ndarray) -> np.ndarray | None:
        """Spectra of the frame's bubbles: ``starts`` (sub-rate samples in the frame, int64),
        ``variant`` (int64), ``gain`` (float) and ``side`` (bool: the right half), all (events,);
        complex64 (hops, 2, bins) at the full rate's scale, or ``None`` when the cloud is silent
        (no bubble in this frame, and none ringing on from the frames before)."""
        if len(starts) == 0 and self._ringing == 0 and self._short:
            return None
        self._ringing = len(starts)
        scaled = gain * self.q  # the sub-rate synthesis at the full rate's scale (a power of two: exact)
        x = np.empty((self.size, 2), np.float32)  # the halves, interleaved as impulse_spectra reads them
        for half, ola in enumerate(self._halves):
            mine = side == bool(half)
            ola.grains(starts[mine], self.bank, variant[mine], scaled[mine, None], self.lengths)
            x[:, half] = ola.take()[:, 0]
        s = self._frames.impulse_spectra(x)[:, :, : self.bins]
        out = np.empty_like(s)
        out[:, 0] = s[:, 0] + s[:, 1] * self._cross
        out[:, 1] = s[:, 1] + s[:, 0] * self._cross
        return out
