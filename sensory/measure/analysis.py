"""Inspection of audio files: loudness, peaks, DC, clipping, clicks and, for loops, the seam.

Everything streams over the file in blocks (:mod:`sensory.measure.audiofile`), so
memory stays constant whatever the length: a loudness meter, running sums, the
click detector, and the first and last few seconds for the seam.

Clicks are digital discontinuities (steps, dropouts, polarity flips, splices), told apart
from acoustic transients (crackles, drops, chirps, claps), which are counted on their own:
see :mod:`sensory.measure.clicks`.

The loop seam is judged only for loops: files whose comment tag says sensory wrote them as
a loop (:mod:`sensory.output.tags` lists ``loop`` among the options), or when asked. The
seam joins the last frame to the first. Its sample step is compared with the steps inside
the first and last seconds (``seam_step_ratio`` = |x[0] - x[-1]| over the RMS of the
neighbouring steps: about 1 for a continuous wrap, large for a jump); the click detector
runs across the wrap (``seam_clicks``); and the loudness across it is compared with the
file's own: ``seam_loudness_lu`` is the spread of the 3-s loudness over the last 3 s
followed by the first 3 s, ``body_loudness_lu`` the same spread over 6-s stretches of the
file (its 95th percentile), so a bursty texture's own swings are not taken for a seam.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import RecipeError
from .audiofile import M4A_SUFFIXES, open_audio
from .clicks import ClickDetector
from .loudness import LoudnessMeter

__all__ = ["Analysis", "analyze", "is_loop", "measure_file", "seam_quality"]

_CLIP = 32767 / 32768  # at or above: a clipped sample (full scale of 16-bit PCM)
_EDGE_S = 3.0
_SEAM_S = 1.0  # s either side of the wrap run through the click detector
_SPREAD_S = 6.0  # s: the stretch a loudness spread is taken over, as across the wrap


@dataclass(frozen=True)
class Analysis:
    """What :func:`analyze` found. Loudness in LUFS, loudness range and seam spread in LU,
    peaks in dBTP/dBFS, DC as the largest channel mean in dBFS, times in seconds."""

    path: str
    format: str
    subtype: str
    sample_rate: int
    channels: int
    frames: int
    seconds: float
    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    loudness_range_lu: float
    dc_dbfs: float
    clipped_samples: int
    clicks: int
    click_times: list[float] = field(default_factory=list)
    transients: int = 0
    loop: bool = False
    seam_step_ratio: float = math.nan
    seam_clicks: int = 0
    seam_loudness_lu: float = math.nan
    body_loudness_lu: float = math.nan

    @property
    def seamless(self) -> bool | None:
        """For a loop, whether the wrap looks like the rest of the file: step ratio below 4,
        no click across it, and a loudness spread across it within 1 LU of the file's own;
        None for a file that is not a loop."""
        if not self.loop:
            return None
        body = self.body_loudness_lu if math.isfinite(self.body_loudness_lu) else 0.0  # a file under 6 s
        return bool(self.seam_step_ratio < 4.0 and self.seam_clicks == 0 and self.seam_loudness_lu <= body + 1.0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["seamless"] = self.seamless
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def measure_file(path, *, m4a: bool | None = None):
    """:class:`sensory.measure.loudness.Loudness` of a file, streamed."""
    src = open_audio(path, m4a=m4a)
    meter = LoudnessMeter(src.sample_rate, src.channels)
    for b in src.blocks:
        meter.add(b)
    return meter.result()


def is_loop(path) -> bool:
    """Whether ``path``'s comment tag says sensory wrote it as a loop (``..., loop`` among the
    options :mod:`sensory.output.tags` lists); False when it has no such tag."""
    comment = ""
    try:
        if Path(path).suffix.lower() in M4A_SUFFIXES:
            import mutagen

            tags = mutagen.File(path).tags
            comment = str(tags["\xa9cmt"][0]) if tags and "\xa9cmt" in tags else ""
        else:
            import soundfile as sf

            with sf.SoundFile(str(path)) as f:
                comment = f.comment or ""
    except (ImportError, RuntimeError, OSError, KeyError, ValueError):
        return False
    head, _, options = comment.partition(": ")
    return head.startswith("sensory ") and "loop" in options.split(", ")


def analyze(path, *, loop: bool | None = None) -> Analysis:
    """Measure one file in a single streaming pass; the seam is judged when ``loop`` is True,
    or, when it is None, if the file's tags say it is a loop (:func:`is_loop`)."""
    src = open_audio(path)
    rate, ch = src.sample_rate, src.channels
    loop = is_loop(path) if loop is None else loop
    edge = int(_EDGE_S * rate)
    meter = LoudnessMeter(rate, ch)
    clicks = ClickDetector(rate, ch)
    total = np.zeros(ch)
    clipped = frames = 0
    head = np.zeros((0, ch))
    tail = np.zeros((0, ch))
    for b in src.blocks:
        meter.add(b)
        clicks.add(b)
        total += b.sum(axis=0)
        clipped += int(np.count_nonzero(np.abs(b) >= _CLIP))
        if len(head) < edge:
            head = np.concatenate([head, b[:edge - len(head)]])
        tail = np.concatenate([tail, b])[-edge:]
        frames += len(b)
    if frames == 0:
        raise RecipeError(f"{path}: the file holds no audio")
    clicks.finish()
    result = meter.result()
    with np.errstate(divide="ignore"):
        dc = float(20 * np.log10(np.abs(total / frames).max()))
    seam = {}
    if loop:
        step, spread = seam_quality(head, tail, rate)
        seam = {"seam_step_ratio": step, "seam_clicks": _seam_clicks(head, tail, rate), "seam_loudness_lu": spread,
                "body_loudness_lu": _body_spread(meter.short_term(), rate)}
    return Analysis(str(path), src.format, src.subtype, rate, ch, frames, frames / rate,
                    result.integrated_lufs, result.true_peak_dbtp, result.sample_peak_dbfs,
                    result.loudness_range_lu, dc, clipped, clicks.clicks, clicks.times, clicks.transients,
                    bool(loop), **seam)


def _seam_clicks(head: np.ndarray, tail: np.ndarray, rate: int) -> int:
    """Clicks the detector finds within 10 ms of the wrap, run over the last and first ``_SEAM_S``."""
    n = int(_SEAM_S * rate)
    wrap = np.concatenate([tail[-n:], head[:n]])
    detector = ClickDetector(rate, wrap.shape[1])
    detector.add(wrap)
    detector.finish()
    at = len(tail[-n:]) / rate
    return sum(abs(t - at) <= 0.01 for t in detector.times)


def _body_spread(short: np.ndarray, rate: int) -> float:
    """95th percentile, in LU, of the spread (max - min) of the 3-s loudness ``short`` (one value
    per 0.1 s) over every stretch of ``_SPREAD_S`` in the file; NaN for a file shorter than that."""
    window = round((_SPREAD_S - 3.0) / 0.1) + 1
    short = np.maximum(short, -70.0)
    if len(short) < window:
        return math.nan
    view = np.lib.stride_tricks.sliding_window_view(short, window)
    return float(np.percentile(view.max(axis=1) - view.min(axis=1), 95))


def seam_quality(head: np.ndarray, tail: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(step ratio, loudness spread in LU) of the wrap from ``tail`` (the last frames,
    (n, ch)) to ``head`` (the first frames, (m, ch))."""
    seam = float(np.abs(head[0] - tail[-1]).max())
    near = np.concatenate([np.diff(tail[-sample_rate:], axis=0), np.diff(head[:sample_rate], axis=0)])
    rms = float(np.sqrt(np.mean(near**2))) if near.size else 0.0
    ratio = seam / rms if rms > 0 else (0.0 if seam == 0 else math.inf)
    meter = LoudnessMeter(sample_rate, head.shape[1])
    meter.add(tail)
    meter.add(head)
    short = np.maximum(meter.short_term(), -70.0)
    spread = float(short.max() - short.min()) if short.size else math.nan
    return ratio, spread
