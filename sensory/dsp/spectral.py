"""Noise and impulse trains shaped in the frequency domain, frame by frame.

:class:`SpectralFrames` is short-time filtering with 50 % overlapping sine
windows (whose squares sum to one), the streaming-noise method of Chroma Doze
(pmarks-net/chromadoze) generalised to a magnitude response that changes every
hop:

* noise: each frame is complex white noise times ``|H_k(f)|``, inverse-FFT'd,
  windowed and overlap-added, so the output is Gaussian noise with power
  spectral density ``|H_k(f)|^2`` crossfading smoothly from hop to hop
  (unit mean-square for ``|H| = 1`` at 48 kHz, the same power per Hz at any rate);
* impulses: a sparse train of drop or click impulses, windowed, FFT'd,
  multiplied by ``|H_k(f)|`` and resynthesised, so every impulse rings
  through the current surface resonances at a cost that does not depend on
  how many impulses there are (the output is the train delayed by one hop).

Each call shapes ``k`` hops at once with a few vectorized calls; the caller
keeps ``k`` fixed, so the result never depends on the block sizes asked for.
The transforms run in single precision (``scipy.fft`` keeps float32 and
complex64 as they are), which halves their cost against double precision.
"""

from __future__ import annotations

import numpy as np
from scipy import fft

__all__ = ["SpectralFrames"]


class SpectralFrames:
    """Shaper with hop ``hop`` frames (FFT size ``2*hop``) over ``channels`` channels.

    ``freqs`` (Hz, shape (hop+1,)) are the bin centres that magnitude
    responses are drawn on.
    """

    def __init__(self, rng: np.random.Generator, hop: int, sample_rate: int, channels: int = 2):
        self.rng = rng.spawn(1)[0]
        self.hop = hop
        self.channels = channels
        self.bins = hop + 1
        self.freqs = np.fft.rfftfreq(2 * hop, 1.0 / sample_rate)
        n = np.arange(2 * hop)
        window = np.sin(np.pi * (n + 0.5) / (2 * hop)).astype(np.float32)
        self._window = np.repeat(window, channels).reshape(2 * hop, channels)  # over channel-last frames
        self._tail = np.zeros((hop, channels), np.float32)  # second half of the last frame
        self._input = np.zeros((hop, channels), np.float32)  # last hop of the impulse train
        # uniform int16 -> unit variance, then sqrt(hop) so a flat |H| = 1 gives unit mean square
        # at 48 kHz; sqrt(sr / 48000) keeps |H|^2 a power density per Hz, so a band-limited shape
        # has the same level at any sample rate
        self._scale = np.float32(np.sqrt(3.0) / 32768.0 * np.sqrt(hop) * np.sqrt(sample_rate / 48000.0))

    def _white(self, k: int) -> np.ndarray:
        """Unscaled complex white spectra, components uniform int16 values: complex64 (k, channels, bins)."""
        raw = self.rng.bit_generator.random_raw(k * self.channels * self.bins // 2 + 1).view(np.int16)
        return raw[: 2 * k * self.channels * self.bins].astype(np.float32).view(np.complex64).reshape(
            k, self.channels, self.bins)

    def noise(self, k: int) -> np.ndarray:
        """Complex white spectra for ``k`` frames: complex64 (k, channels, bins)."""
        z = self._white(k)
        z *= self._scale
        z[..., 0] = 0
        z[..., -1] = 0
        return z

    def shaped(self, magnitude: np.ndarray) -> np.ndarray:
        """``noise(k) * magnitude`` in one pass: ``magnitude`` (k, bins) shared by the channels or
        (k, channels, bins), any float dtype; complex64 (k, channels, bins)."""
        m = np.asarray(magnitude, np.float32) * self._scale
        z = self._white(m.shape[0])
        z *= m[:, None, :] if m.ndim == 2 else m
        z[..., 0] = 0
        z[..., -1] = 0
        return z

    def impulse_spectra(self, impulses: np.ndarray) -> np.ndarray:
        """Spectra of the windowed frames of an impulse train (k*hop, channels), best interleaved
        (C order): complex64 (k, channels, bins).

        The frames are channel-last as the train is, so filling them is one copy and the window
        runs over contiguous memory; the transforms read them across the channels and write the
        spectra channel-major, in the layout :meth:`shaped` gives and :meth:`synthesize` reads."""
        h = self.hop
        k = len(impulses) // h
        x = np.empty((k + 1, h, self.channels), np.float32)
        x[0] = self._input
        x[1:] = impulses.reshape(k, h, self.channels)
        self._input = x[-1].copy()
        frames = np.empty((k, 2 * h, self.channels), np.float32)  # frame j: hops j and j+1, windowed
        np.multiply(x[:k], self._window[:h], out=frames[:, :h])
        np.multiply(x[1:], self._window[h:], out=frames[:, h:])
        return fft.rfft(frames.transpose(0, 2, 1), axis=-1)

    def synthesize(self, spectra: np.ndarray) -> np.ndarray:
        """Overlap-add ``spectra`` (k, channels, bins) into float32 (k*hop, channels).

        The inverse transforms read the spectra across the channels and write the frames
        channel-last, (k, 2*hop, channels), so the window and the overlap-add run over
        contiguous memory in the output's own layout."""
        k, h = spectra.shape[0], self.hop
        frames = fft.irfft(np.asarray(spectra, np.complex64).transpose(0, 2, 1), 2 * h, axis=1)
        frames *= self._window
        out = np.empty((k, h, self.channels), np.float32)
        np.add(frames[0, :h], self._tail, out=out[0])
        np.add(frames[1:, :h], frames[:-1, h:], out=out[1:])
        self._tail = frames[-1, h:].copy()
        return out.reshape(k * h, self.channels)
