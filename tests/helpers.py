"""Shared measurement helpers for the tests: recipes from text, FFT peaks, click detection."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from sensory.recipe.model import Recipe, parse_text


def recipe(layers: str, *, duration: float = 4.0, sample_rate: int = 16000, fades: bool = False,
           extra_session: str = "", phases: str = "") -> Recipe:
    """A recipe from ``[[layer]]`` TOML text; no fades unless ``fades``."""
    fade = "" if fades else "fade_in = 0\nfade_out = 0\n"
    text = (f"[session]\ntitle = 't'\nduration = {duration}\nsample_rate = {sample_rate}\n{fade}"
            f"{extra_session}\n{phases}\n{layers}")
    return parse_text(text, "test.toml")


def peak_frequency(x: np.ndarray, sample_rate: int, lo: float = 0.0, hi: float | None = None) -> float:
    """Frequency (Hz) of the strongest FFT peak of 1-D ``x`` in [lo, hi], Hann window,
    zero-padded x16 and refined by a parabolic fit on the log magnitude."""
    n = len(x)
    size = 1 << int(np.ceil(np.log2(n * 16)))
    spec = np.abs(np.fft.rfft(x * np.hanning(n), size))
    freqs = np.fft.rfftfreq(size, 1 / sample_rate)
    band = (freqs >= lo) & (freqs <= (hi if hi is not None else sample_rate / 2))
    idx = np.flatnonzero(band)
    k = idx[np.argmax(spec[idx])]
    a, b, c = np.log(spec[k - 1:k + 2] + 1e-30)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return float((k + offset) * sample_rate / size)


def clicks(x: np.ndarray, sample_rate: int, *, threshold_db: float = 12.0, floor_db: float = -60.0) -> int:
    """Count clicks in mono ``x``: 5-ms RMS of the signal high-passed at 6 kHz (or 0.4 x
    Nyquist) rising more than ``threshold_db`` over its 1-s running median, where the
    median is floored at ``floor_db`` below the RMS of ``x`` (inaudible specks do not count)."""
    cutoff = min(6000.0, 0.4 * sample_rate)
    hp = sosfilt(butter(4, cutoff, "highpass", fs=sample_rate, output="sos"), x.astype(np.float64))
    win = max(1, int(0.005 * sample_rate))
    frames = len(hp) // win
    rms = np.sqrt((hp[:frames * win].reshape(frames, win) ** 2).mean(axis=1) + 1e-20)
    span = max(3, int(1.0 / 0.005))
    pad = np.pad(rms, span // 2, mode="edge")
    median = np.array([np.median(pad[i:i + span]) for i in range(frames)])
    median = np.maximum(median, np.sqrt(np.mean(np.square(x, dtype=np.float64))) * 10 ** (floor_db / 20))
    return int(np.count_nonzero(20 * np.log10(rms / (median + 1e-20)) > threshold_db))
