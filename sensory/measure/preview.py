"""Preview images: a spectrogram with the short-term loudness and the phase marks.

Needs matplotlib (optional extra ``sensory[plot]``), imported only here. The
source streams through once: its mono downmix is cut into Hann-windowed
``NFFT``-frame segments whose power spectra are averaged into at most
``COLUMNS`` time columns (Welch's method per column), and a
:class:`~sensory.measure.loudness.LoudnessMeter` gives the short-term (3 s) loudness.
Memory depends on the image size, not on the length.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..destination import check, writing
from ..errors import RecipeError
from .loudness import LoudnessMeter

__all__ = ["preview", "Spectrogram", "NFFT", "COLUMNS"]

NFFT = 2048
COLUMNS = 1200
_AUDIO = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".aif", ".aiff", ".caf")


class Spectrogram:
    """Streaming column-averaged power spectrogram of ``frames`` mono frames.

    ``power`` has shape (NFFT // 2 + 1, columns): mean |FFT|^2 of the Hann-windowed
    segments whose start falls in each column.
    """

    def __init__(self, frames: int, columns: int = COLUMNS):
        self.columns = max(1, min(columns, frames // NFFT))
        self.hop = max(1, -(-frames // self.columns))  # frames per column
        self.power = np.zeros((NFFT // 2 + 1, self.columns))
        self.count = np.zeros(self.columns)
        self._window = np.hanning(NFFT)
        self._pending = np.zeros(0)
        self._start = 0  # frame of _pending[0]

    def add(self, mono: np.ndarray) -> None:
        data = np.concatenate([self._pending, mono])
        k = len(data) // NFFT
        if k:
            segments = data[:k * NFFT].reshape(k, NFFT) * self._window
            power = np.abs(np.fft.rfft(segments, axis=1)) ** 2
            cols = np.minimum((self._start + np.arange(k) * NFFT) // self.hop, self.columns - 1)
            np.add.at(self.power.T, cols, power)
            np.add.at(self.count, cols, 1)
        self._pending = data[k * NFFT:]
        self._start += k * NFFT

    def db(self) -> np.ndarray:
        """Mean power in dB relative to a full-scale sine, shape (NFFT // 2 + 1, columns)."""
        full_scale = (self._window.sum() / 2) ** 2
        with np.errstate(divide="ignore"):
            return 10 * np.log10(self.power / np.maximum(self.count, 1) / full_scale + 1e-20)


def _source(source: str, seconds: float | None):
    """(title, sample rate, channels, frames, blocks, marks) for a file or a recipe."""
    path = Path(source)
    if path.suffix.lower() in _AUDIO:
        from .audiofile import open_audio

        src = open_audio(path)
        if src.frames is None:
            raise RecipeError(f"{path}: the file does not state its length")
        return path.name, src.sample_rate, src.channels, src.frames, src.blocks, {}
    from ..engine.stream import blocks, plan
    from ..recipe.library import load

    recipe = load(source)
    p = plan(recipe, seconds=seconds)
    if p.frames is None:
        raise RecipeError(f"{source}: give a duration to preview an endless recipe")
    marks = {name: t for name, t in recipe.marks.items() if t <= p.seconds}
    it: Iterator[np.ndarray] = blocks(recipe, seconds=p.seconds, block_size=65536)
    return recipe.title, p.sample_rate, 2, p.frames, it, marks


def preview(source: str, output, *, seconds: float | None = None, force: bool = False) -> Path:
    """Draw ``source`` (an audio file, preset name or recipe file) into the image ``output``
    (format by extension: png, svg, pdf); returns its path."""
    try:  # a Figure of its own draws without pyplot: no backend is chosen for the process
        from matplotlib.figure import Figure
    except ImportError:
        raise RecipeError("preview needs matplotlib; install it with pip install 'sensory[plot]'") from None

    output = Path(output)
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise RecipeError(f"{output}: a preview is .png, .svg or .pdf")
    check(output, force=force)
    title, rate, channels, frames, it, marks = _source(source, seconds)
    spec = Spectrogram(frames)
    meter = LoudnessMeter(rate, channels)
    for block in it:
        block = np.asarray(block, np.float64)
        meter.add(block)
        spec.add(block.mean(axis=1))

    fig = Figure(figsize=(12, 5), dpi=100)
    ax = fig.add_subplot()
    seconds_total = frames / rate
    freqs = np.fft.rfftfreq(NFFT, 1 / rate)
    image = ax.imshow(spec.db()[1:], origin="lower", aspect="auto", cmap="magma", vmin=-120, vmax=-20,
                      extent=(0, seconds_total, freqs[1], freqs[-1]))
    ax.set_yscale("log")
    ax.set_ylim(20, rate / 2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    ax.set_title(f"{title}: spectrogram, short-term loudness and phases")
    fig.colorbar(image, ax=ax, pad=0.08, label="power (dBFS)")
    short = meter.short_term()
    loud = ax.twinx()
    if short.size:
        loud.plot(1.5 + 0.1 * np.arange(short.size), np.maximum(short, -70), color="cyan", lw=1.2)
    loud.set_ylabel("short-term loudness (LUFS)", color="cyan")
    loud.set_ylim(-60, 0)
    for name, t in marks.items():
        ax.axvline(t, color="white", lw=0.8, ls="--")
        ax.text(t, rate / 2 * 0.8, f" {name}", color="white", fontsize=8, va="top")
    with writing(output) as tmp:
        fig.savefig(tmp, format=output.suffix.lower().lstrip("."))
    return output
