"""Inspection of audio files: loudness, peaks, DC, clipping, clicks and the loop seam.

Everything streams over the file in blocks (:mod:`sensory.measure.audiofile`), so
memory stays constant whatever the length: a loudness meter, running sums,
and the first and last few seconds for the seam.

Clicks are samples whose second difference ``x[n] - 2 x[n-1] + x[n-2]``
stands out from its 20-ms neighbourhood: above ``CLICK_FACTOR`` times the
segment's median absolute second difference (for Gaussian noise the median
is 0.67 sigma, so the threshold sits 8 sigma out) and above an absolute
floor of -60 dBFS. Detections closer than 10 ms count as one click.

The loop seam joins the last frame to the first. Its sample step is compared
with the steps inside the first and last seconds (``seam_step_ratio`` =
|x[0] - x[-1]| over the RMS of the neighbouring steps: about 1 for a
continuous wrap, large for a jump), and its loudness with a short-term meter
run across the wrap (``seam_loudness_lu`` = spread of the 3-s loudness over
the last 3 s followed by the first 3 s; a fade or a gap shows as many LU).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import RecipeError
from .audiofile import open_audio
from .loudness import LoudnessMeter

__all__ = ["Analysis", "analyze", "measure_file", "seam_quality", "CLICK_FACTOR"]

CLICK_FACTOR = 12.0
_CLICK_FLOOR = 1e-3  # -60 dBFS
_CLIP = 32767 / 32768  # at or above: a clipped sample (full scale of 16-bit PCM)
_SEGMENT_S = 0.02
_MERGE_S = 0.01
_EDGE_S = 3.0


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
    seam_step_ratio: float = math.nan
    seam_loudness_lu: float = math.nan

    @property
    def seamless(self) -> bool:
        """The wrap looks like the rest of the file: step ratio below 4 and loudness
        spread across the wrap within 1 LU."""
        return self.seam_step_ratio < 4.0 and self.seam_loudness_lu <= 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["seamless"] = self.seamless
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


class _ClickDetector:
    """Streaming second-difference click detector (see the module docstring)."""

    def __init__(self, sample_rate: int, channels: int):
        self.rate = sample_rate
        self.segment = max(8, int(_SEGMENT_S * sample_rate))
        self._carry: np.ndarray | None = None
        self._frame = 0  # frames consumed
        self._pending = np.zeros(0)  # second differences not yet judged (less than a segment)
        self._last = -math.inf  # frame of the last detection
        self.times: list[float] = []
        self.count = 0

    def add(self, x: np.ndarray) -> None:
        if self._carry is None:
            self._carry = np.repeat(x[:1], 2, axis=0)
        ext = np.concatenate([self._carry, x])
        self._carry = ext[-2:]
        e = np.concatenate([self._pending, np.abs(ext[2:] - 2 * ext[1:-1] + ext[:-2]).max(axis=1)])
        start = self._frame - len(self._pending)  # frame of e[0]
        self._frame += len(x)
        usable = len(e) - len(e) % self.segment  # whole segments now; the rest waits for the next block
        self._pending = e[usable:]
        if usable == 0:
            return
        seg = e[:usable].reshape(-1, self.segment)
        limit = np.maximum(CLICK_FACTOR * np.median(seg, axis=1, keepdims=True), _CLICK_FLOOR)
        rows, cols = np.nonzero(seg > limit)
        for frame in start + rows * self.segment + cols:
            if frame - self._last > _MERGE_S * self.rate:
                self.count += 1
                if len(self.times) < 100:
                    self.times.append(round(frame / self.rate, 4))
            self._last = frame


def measure_file(path, *, m4a: bool | None = None):
    """:class:`sensory.measure.loudness.Loudness` of a file, streamed."""
    src = open_audio(path, m4a=m4a)
    meter = LoudnessMeter(src.sample_rate, src.channels)
    for b in src.blocks:
        meter.add(b)
    return meter.result()


def analyze(path) -> Analysis:
    """Measure one file in a single streaming pass."""
    src = open_audio(path)
    rate, ch = src.sample_rate, src.channels
    edge = int(_EDGE_S * rate)
    meter = LoudnessMeter(rate, ch)
    clicks = _ClickDetector(rate, ch)
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
    result = meter.result()
    with np.errstate(divide="ignore"):
        dc = float(20 * np.log10(np.abs(total / frames).max()))
    step, spread = seam_quality(head, tail, rate)
    return Analysis(str(path), src.format, src.subtype, rate, ch, frames, frames / rate,
                    result.integrated_lufs, result.true_peak_dbtp, result.sample_peak_dbfs,
                    result.loudness_range_lu, dc, clipped, clicks.count, clicks.times, step, spread)


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
