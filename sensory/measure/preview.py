"""Preview images: a spectrogram with the short-term loudness and the phase marks, and for
recipes with beats (binaural, monaural, isochronic) each beat's frequency over time.

Needs matplotlib (optional extra ``sensory[plot]``), imported only here. The
source streams through once: its mono downmix is cut into Hann-windowed
``NFFT``-frame segments whose power spectra are averaged into at most
``COLUMNS`` time columns (Welch's method per column), and a
:class:`~sensory.measure.loudness.LoudnessMeter` gives the short-term (3 s) loudness.
Memory depends on the image size, not on the length. A recipe is drawn over its first
``WINDOW_S`` seconds unless a window is asked for; times read as m:ss; the phase labels go
in rows, each on the first row where it overlaps no other.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..core.curves import Curve
from ..core.timeparse import format_time
from ..destination import check, writing
from ..errors import RecipeError
from .loudness import LoudnessMeter

__all__ = ["COLUMNS", "NFFT", "WINDOW_S", "Spectrogram", "figure", "preview", "time_ticks"]

NFFT = 2048
COLUMNS = 1200
WINDOW_S = 600.0  # s: the window of a recipe drawn when none is asked for
_TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)
_LABEL_ROWS = 6
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
    """(title, sample rate, channels, frames, blocks, marks, beats) for a file or a recipe;
    beats maps a layer's name to its beat curve (Hz)."""
    path = Path(source)
    if path.suffix.lower() in _AUDIO:
        from .audiofile import open_audio

        src = open_audio(path)
        if src.frames is None:
            raise RecipeError(f"{path}: the file does not state its length")
        return path.name, src.sample_rate, src.channels, src.frames, src.blocks, {}, {}
    from ..engine.stream import blocks, plan
    from ..recipe.library import load

    recipe = load(source)
    whole = plan(recipe)
    if seconds is None and whole.frames is not None and whole.seconds > WINDOW_S:
        seconds = WINDOW_S
    p = plan(recipe, seconds=seconds)
    if p.frames is None:
        raise RecipeError(f"{source}: give a duration to preview an endless recipe")
    marks = {name: t for name, t in recipe.marks.items() if t <= p.seconds}
    beats = {layer.name: layer.beat for layer in recipe.layers if isinstance(getattr(layer, "beat", None), Curve)}
    if whole.frames is not None and p.frames < whole.frames:  # a window of the session as it plays: no early fade
        it: Iterator[np.ndarray] = _first(blocks(recipe, block_size=65536), p.frames)
    else:
        it = blocks(recipe, seconds=p.seconds, block_size=65536)
    return recipe.title, p.sample_rate, 2, p.frames, it, marks, beats


def _first(it: Iterator[np.ndarray], frames: int) -> Iterator[np.ndarray]:
    """The first ``frames`` frames of the blocks ``it``; the render stops there."""
    try:
        for block in it:
            yield block[:frames]
            frames -= len(block)
            if frames <= 0:
                return
    finally:
        it.close()


def time_ticks(seconds: float, most: int = 10) -> np.ndarray:
    """Tick times (s) over 0..``seconds``: the smallest round step giving at most ``most`` + 1."""
    step = next((s for s in _TICK_STEPS_S if seconds / s <= most), _TICK_STEPS_S[-1])
    return np.arange(0.0, seconds + 1e-9, step)


def figure(source: str, *, seconds: float | None = None):
    """The preview of ``source`` (an audio file, preset name or recipe file) as a matplotlib
    ``Figure``: the spectrogram axes first, then the beat axes if the recipe has beats."""
    try:  # a Figure of its own draws without pyplot: no backend is chosen for the process
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import FixedLocator, FuncFormatter
    except ImportError:
        raise RecipeError("preview needs matplotlib; install it with pip install 'sensory[plot]'") from None

    title, rate, channels, frames, it, marks, beats = _source(source, seconds)
    spec = Spectrogram(frames)
    meter = LoudnessMeter(rate, channels)
    for block in it:
        block = np.asarray(block, np.float64)
        meter.add(block)
        spec.add(block.mean(axis=1))

    fig = Figure(figsize=(12, 7 if beats else 5), dpi=100)
    FigureCanvasAgg(fig)
    if beats:
        ax, beat_ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1)})
    else:
        ax, beat_ax = fig.add_subplot(), None
    seconds_total = frames / rate
    freqs = np.fft.rfftfreq(NFFT, 1 / rate)
    image = ax.imshow(spec.db()[1:], origin="lower", aspect="auto", cmap="magma", vmin=-120, vmax=-20,
                      extent=(0, seconds_total, freqs[1], freqs[-1]))
    ax.set_yscale("log")
    ax.set_ylim(20, rate / 2)
    ax.set_ylabel("frequency (Hz)")
    ax.set_title(f"{title}: spectrogram, short-term loudness" + (", beats" if beats else "") + " and phases")
    short = meter.short_term()
    loud = ax.twinx()
    fig.colorbar(image, ax=[ax, loud], pad=0.08, label="power (dBFS)")
    if short.size:
        loud.plot(1.5 + 0.1 * np.arange(short.size), np.maximum(short, -70), color="cyan", lw=1.2)
    loud.set_ylabel("short-term loudness (LUFS)", color="cyan")
    loud.set_ylim(-60, 0)
    bottom = beat_ax if beat_ax is not None else ax
    if beat_ax is not None:
        t = np.linspace(0, seconds_total, 1000)
        for name, curve in beats.items():
            beat_ax.plot(t, np.abs(np.broadcast_to(curve(t), t.shape)), lw=1.5, label=name)
        top, own = ax.get_position(), beat_ax.get_position()
        beat_ax.set_position([top.x0, own.y0, top.width, own.height])  # under the spectrogram, its width
        beat_ax.set_ylabel("beat (Hz)")
        beat_ax.grid(alpha=0.3)
        if len(beats) > 1:
            beat_ax.legend(fontsize=8, loc="upper right")
    bottom.set_xlim(0, seconds_total)
    bottom.xaxis.set_major_locator(FixedLocator(time_ticks(seconds_total)))
    bottom.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_time(x)))
    bottom.set_xlabel("time (m:ss)")
    _phase_labels(ax, marks)
    return fig


def _phase_labels(ax, marks: dict[str, float]) -> None:
    """Dashed lines at the marks, and their names in rows from the top, each on the first
    row where its box overlaps no label already placed."""
    renderer = ax.figure.canvas.get_renderer()
    rows: list[list] = [[] for _ in range(_LABEL_ROWS)]
    for name, t in sorted(marks.items(), key=lambda item: item[1]):
        ax.axvline(t, color="white", lw=0.8, ls="--")
        for i, row in enumerate(rows):
            label = ax.text(t, 0.97 - 0.07 * i, f" {name}", color="white", fontsize=8, va="top",
                            transform=ax.get_xaxis_transform())
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in row) or i == len(rows) - 1:
                row.append(box)
                break
            label.remove()


def preview(source: str, output, *, seconds: float | None = None, force: bool = False) -> Path:
    """Draw ``source`` (an audio file, preset name or recipe file) into the image ``output``
    (format by extension: png, svg, pdf); returns its path. ``seconds`` is the window of a
    recipe drawn from its start (default: its length, at most :data:`WINDOW_S`)."""
    output = Path(output)
    if output.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise RecipeError(f"{output}: a preview is .png, .svg or .pdf")
    check(output, force=force)
    fig = figure(source, seconds=seconds)
    with writing(output) as tmp:
        fig.savefig(tmp, format=output.suffix.lower().lstrip("."))
    return output
