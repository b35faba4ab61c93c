"""Streaming loudness, loudness range and peak measurement.

Implements
  * ITU-R BS.1770-4: K-weighting, gated integrated loudness (absolute gate
    -70 LUFS, relative gate -10 LU, 400-ms blocks with 75 % overlap) and
    true peak by 4x oversampling (Annex 2);
  * EBU Tech 3341 (EBU R128): momentary (400 ms) and short-term (3 s)
    loudness on a 100-ms grid;
  * EBU Tech 3342: loudness range (LRA) from short-term loudness.

Signals are fed block by block to `LoudnessMeter.add` as float arrays of shape
(frames, channels) with full scale 1.0. Results do not depend on how the
signal is split into blocks (up to float rounding), and the state is bounded:
filter histories plus one float per 100 ms of signal.

Units: loudness in LUFS (= LKFS), loudness range in LU, true peak in dBTP,
sample peak in dBFS. Every channel has weight 1.0 (L, R or mono).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..dsp import truepeak
from ..dsp.iir import lfilter
from ..dsp.truepeak import PHASES, TAPS  # the interpolator the limiter watches too

_GRID = 10  # sub-blocks per second: all loudness windows hop by 100 ms
_MOMENTARY = 4  # 400 ms, in sub-blocks
_SHORT_TERM = 30  # 3 s, in sub-blocks
_ABSOLUTE_GATE = -70.0  # LUFS
_CHUNK = 8192 - (TAPS - 1)  # frames per step: one 8192-point FFT where the interpolator runs whole
_WHOLE = 1 / 64  # share of a step's windows past which the interpolator runs on all of them, by FFT
_STREAK = 16  # steps after one that ran it whole that run it whole without the test


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """K-weighting filter of BS.1770-4 for any sample rate.

    Returns second-order sections, shape (2, 6) as used by
    `scipy.signal.sosfilt`: the high-shelf (acoustic effect of the head),
    then the RLB high-pass. Each is the bilinear transform, pre-warped at its
    f0, of the analogue prototype fitted to the BS.1770 tables (as in
    libebur128 and pyloudnorm's "DeMan" filters), with s normalised to f0:
      shelf:     (Vh s^2 + Vb s / Q + 1) / (s^2 + s / Q + 1)
      high-pass: s^2 / (s^2 + s / Q + 1)
    At 48 kHz the coefficients equal the BS.1770 tables.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
             (vh - vb * k / q + k * k) / a0,
             1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, high_pass])


@lru_cache(maxsize=8)
def _interpolator_spectrum(nfft: int) -> np.ndarray:
    """rfft of the interpolator phases, complex64 (3, 1, nfft // 2 + 1)."""
    from scipy import fft as sp_fft

    return sp_fft.rfft(PHASES.T, nfft)[:, None, :].astype(np.complex64)


def _interpolated(history: np.ndarray) -> np.ndarray:
    """The interpolated (fractional) points of `history`, float32 (3, channels, n).

    `history` (float32) has shape (n + TAPS - 1, channels); its last n frames are new, and
    column i holds the points between frames i + 23 and i + 24 of `history`. Overlap-save
    FFT convolution in single precision (a few times faster than double; its rounding, about
    1e-7 of the signal's level, moves a true peak by about 1e-6 dB): output frames
    TAPS - 1 .. are exact but for that rounding.
    """
    from scipy import fft as sp_fft

    nfft = sp_fft.next_fast_len(len(history), real=True)
    spectrum = sp_fft.rfft(history.T, nfft)
    spectrum = spectrum * _interpolator_spectrum(nfft)
    return sp_fft.irfft(spectrum, nfft)[:, :, TAPS - 1:len(history)]


def _channel_peak(x: np.ndarray) -> np.ndarray:
    """Largest magnitude over the channels of each frame of ``x`` (frames, channels): (frames,).
    (Channel by channel: numpy reduces a short last axis one frame at a time, ten times slower.)"""
    peak = np.abs(x[:, 0])
    for ch in range(1, x.shape[1]):
        np.maximum(peak, np.abs(x[:, ch]), out=peak)
    return peak


def _peak(y: np.ndarray) -> float:
    return max(y.max(), -y.min()) if y.size else 0.0


def _lufs(power):
    """Loudness in LUFS of a channel-summed mean square (scalar or array)."""
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(power)


def _db(amplitude: float) -> float:
    """Linear amplitude (full scale 1.0) in dB; -inf for 0."""
    with np.errstate(divide="ignore"):
        return float(20.0 * np.log10(amplitude))


def _gated(power: np.ndarray, relative_lu: float) -> np.ndarray:
    """Mask of windows above the absolute gate and above the relative gate,
    `relative_lu` (negative) below the loudness of the absolute-gated mean."""
    loudness = _lufs(power)
    mask = loudness > _ABSOLUTE_GATE
    if mask.any():
        mask &= loudness > _lufs(power[mask].mean()) + relative_lu
    return mask


@dataclass(frozen=True)
class Loudness:
    """Summary of a measurement (see `LoudnessMeter` for definitions)."""

    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    loudness_range_lu: float


class LoudnessMeter:
    """Streaming BS.1770-4 / EBU R128 loudness, loudness range and peak meter.

    Feed float blocks of shape (n, channels), n >= 0, with `add`; query at any
    time. Loudness windows are aligned to a 100-ms grid from the first sample.
    `frames(energy, peak)`, if given, is called for every step with each frame's
    K-weighted energy summed over the channels (float64 (n,)) and the peak 24 frames earlier
    (the largest of the samples there and of the points interpolated after them, float32
    (n,)): exact where over `exact_above()` (linear, asked each step; default 0), elsewhere
    the samples' largest magnitude, at or below it. Peaks are read in float32 (the samples
    and the interpolator), to about 1e-7 of the signal's level.

    The 4x interpolator runs only where the signal can exceed the largest peak found so far
    (or `exact_above()`): on the windows that :func:`~sensory.dsp.truepeak.near_windows`
    cannot rule out, or by FFT on all of a step's where they are many.
    """

    def __init__(self, sample_rate: int, channels: int = 2, *,
                 frames: Callable[[np.ndarray, np.ndarray], None] | None = None,
                 exact_above: Callable[[], float] | None = None):
        if sample_rate < 8000:
            raise ValueError(f"sample_rate must be at least 8000 Hz, got {sample_rate}")
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, got {channels}")
        self.sample_rate = int(sample_rate)
        self.channels = channels
        self._frames_seen = frames
        self._exact_above = exact_above
        sos = k_weighting_sos(self.sample_rate)
        # the two sections as one fourth-order filter: half the cost of running them in turn,
        # the same response to about 1e-10 (float64)
        self._b, self._a = np.convolve(sos[0, :3], sos[1, :3]), np.convolve(sos[0, 3:], sos[1, 3:])
        self._zi = np.zeros((4, channels))
        self._whole = 0  # steps left that run the interpolator whole
        self._frames = 0
        self._partial = 0.0  # K-weighted sum of squares of the unfinished sub-block
        self._sub_blocks: list[float] = []  # per 100 ms, summed over channels
        self._history = np.zeros((TAPS - 1, channels), np.float32)  # interpolator input
        self._sample_peak = 0.0
        self._interpolated_peak = 0.0

    def add(self, block) -> None:
        """Measure the next `block`, shape (n, channels), full scale 1.0."""
        self.add_peaks(block, self.add_loudness(block))

    def add_loudness(self, block) -> np.ndarray:
        """The loudness half of :meth:`add`: K-weighting and the 100-ms sub-blocks of the next
        `block`; returns each frame's K-weighted energy summed over the channels (float64
        (n,)), for :meth:`add_peaks`. The two halves share no state, so they may run on two
        threads, each taking every block in order."""
        x = self._checked(block).astype(np.float64, copy=False)
        energy = np.empty(len(x))
        for start in range(0, len(x), _CHUNK):
            y, self._zi = lfilter(self._b, self._a, x[start:start + _CHUNK], axis=0, zi=self._zi)
            e = energy[start:start + _CHUNK]
            np.square(y[:, 0], out=e)
            for ch in range(1, self.channels):
                e += np.square(y[:, ch])
            self._accumulate(e)
        return energy

    def add_peaks(self, block, energy: np.ndarray | None = None) -> None:
        """The peak half of :meth:`add`: sample and true peak of the next `block`, and the
        `frames` callback, which takes `energy` (:meth:`add_loudness`'s for the same block)."""
        x = self._checked(block)
        if self._frames_seen is not None and (energy is None or len(energy) != len(x)):
            raise ValueError("a meter with frames needs each block's energy from add_loudness")
        for start in range(0, len(x), _CHUNK):
            self._add_peaks(x[start:start + _CHUNK], None if energy is None else energy[start:start + _CHUNK])

    def _checked(self, block) -> np.ndarray:
        x = np.asarray(block)
        if x.ndim != 2 or x.shape[1] != self.channels:
            raise ValueError(f"expected shape (n, {self.channels}), got {x.shape}")
        return x

    def _add_peaks(self, x: np.ndarray, energy: np.ndarray | None) -> None:
        """The peaks of `x` (at most a step's frames; read in float32)."""
        self._sample_peak = max(self._sample_peak, float(x.max()), -float(x.min()))
        history = np.concatenate((self._history, x.astype(np.float32, copy=False)))
        level = max(self._sample_peak, self._interpolated_peak)  # only a window over it raises the peak
        if self._frames_seen is None:
            windows, points = self._points(history, level)
            peak = _peak(points)
        else:
            level = min(level, self._exact_above()) if self._exact_above else 0.0
            windows, points = self._points(history, level)
            frames = _channel_peak(history[TAPS // 2 - 1:len(history) - TAPS // 2])  # each window's sample
            if windows is None:
                np.maximum(frames, np.abs(points).reshape(-1, len(x)).max(axis=0), out=frames)
            else:
                frames[windows] = points
            peak = frames.max()
            self._frames_seen(energy, frames)
        self._interpolated_peak = max(self._interpolated_peak, float(peak))
        self._history = history[1 - TAPS:].copy()

    def _points(self, history: np.ndarray, level: float) -> tuple[np.ndarray | None, np.ndarray]:
        """The windows of `history` whose peak (their sample, frame 23, and the points after it)
        may exceed `level`: (their indices, their peaks), where the bound rules out most of
        them; else (None, every window's interpolated points by FFT, as `_interpolated`)."""
        if not self._whole:
            windows, outer = truepeak.near_windows(history, level)
            if len(windows) <= _WHOLE * (len(history) - TAPS + 1):
                return truepeak.over_level(history, windows, outer, level)
            self._whole = _STREAK
        self._whole -= 1
        return None, _interpolated(history)

    def _accumulate(self, energy: np.ndarray) -> None:
        """Add per-frame energies to the 100-ms sub-blocks; sub-block k covers
        frames [k * fs // 10, (k + 1) * fs // 10)."""
        fs, start, n = self.sample_rate, self._frames, len(energy)
        last = (_GRID * (start + n + 1) - 1) // fs  # last sub-block boundary <= start + n
        cuts = np.arange(len(self._sub_blocks) + 1, last + 1) * fs // _GRID - start
        sums = np.add.reduceat(energy, np.concatenate(([0], cuts[cuts < n])))
        sums[0] += self._partial
        self._sub_blocks.extend(sums[:len(cuts)].tolist())
        self._partial = sums[len(cuts)] if len(sums) > len(cuts) else 0.0
        self._frames += n

    def _window_power(self, size: int) -> np.ndarray:
        return _window_power(np.asarray(self._sub_blocks), size, self.sample_rate)

    def sub_blocks(self) -> np.ndarray:
        """K-weighted energy (summed over the channels) of each complete 100-ms sub-block:
        element k covers frames [k * fs // 10, (k + 1) * fs // 10)."""
        return np.asarray(self._sub_blocks)

    def momentary(self) -> np.ndarray:
        """Momentary loudness in LUFS, shape (windows,): element i covers
        [0.1 i, 0.1 i + 0.4) s; -inf for digital silence."""
        return _lufs(self._window_power(_MOMENTARY))

    def short_term(self) -> np.ndarray:
        """Short-term loudness in LUFS, shape (windows,): element i covers
        [0.1 i, 0.1 i + 3) s; -inf for digital silence."""
        return _lufs(self._window_power(_SHORT_TERM))

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS (BS.1770-4); -inf for silence or
        for less than 400 ms of signal."""
        return integrated_loudness(self.sub_blocks(), self.sample_rate)

    def loudness_range(self) -> float:
        """Loudness range in LU (EBU Tech 3342): 95th minus 10th percentile of
        the gated short-term loudness; 0.0 when no 3-s window passes the gates."""
        power = self._window_power(_SHORT_TERM)
        loudness = _lufs(power[_gated(power, -20.0)])
        if loudness.size == 0:
            return 0.0
        low, high = np.percentile(loudness, [10, 95])
        return float(high - low)

    def true_peak_db(self) -> float:
        """True peak in dBTP: max |x| over 4x-oversampled channels (BS.1770-4
        Annex 2), the signal taken as silent before and after; never below the
        sample peak; -inf for silence."""
        level = max(self._sample_peak, self._interpolated_peak)
        tail = np.concatenate((self._history, np.zeros((TAPS, self.channels), np.float32)))
        return _db(max(level, float(_peak(_interpolated(tail)))))

    def sample_peak_db(self) -> float:
        """Sample peak in dBFS: max |x| over all samples; -inf for silence."""
        return _db(self._sample_peak)

    def result(self) -> Loudness:
        """All measurements of the signal so far."""
        return Loudness(self.integrated(), self.true_peak_db(),
                        self.sample_peak_db(), self.loudness_range())


def _window_power(sums: np.ndarray, size: int, sample_rate: int) -> np.ndarray:
    """Channel-summed mean square of each window of `size` sub-blocks of energies `sums`,
    hopping by 100 ms; shape (max(0, sub-blocks - size + 1),)."""
    if len(sums) < size:
        return np.empty(0)
    first = np.arange(len(sums) - size + 1)
    frames = (first + size) * sample_rate // _GRID - first * sample_rate // _GRID
    return np.convolve(sums, np.ones(size), "valid") / frames


def integrated_loudness(sub_blocks: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness (LUFS, BS.1770-4) of a signal given as the K-weighted
    energies of its 100-ms sub-blocks (as :meth:`LoudnessMeter.sub_blocks`); -inf for
    silence or for less than 400 ms."""
    power = _window_power(sub_blocks, _MOMENTARY, sample_rate)
    mask = _gated(power, -10.0)
    return float(_lufs(power[mask].mean())) if mask.any() else -np.inf


def measure(array, sample_rate: int) -> Loudness:
    """Measure a whole signal, shape (n,) (mono) or (n, channels)."""
    x = np.asarray(array, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    meter = LoudnessMeter(sample_rate, x.shape[-1])
    meter.add(x)
    return meter.result()
