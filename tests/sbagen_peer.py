"""SBaGen 1.4.4 as a peer: built from ../shared/peers/sbagen, run on a schedule, and its
render compared with sensory's the way issue 14 asks.

The comparison (:func:`compare`), in 4-s windows (Hann, zero-padded x8) centred at given
times, per ear:

* every strong tonal peak of SBaGen's spectrum between 5 Hz and :data:`TOP_SHARE` of the
  sample rate (a local maximum standing at least
  :data:`STRONG_DB` over the median of the spectrum within +-:data:`AROUND_HZ`, the
  surrounding noise, and within :data:`RANGE_DB` of the window's highest peak) has a peak
  in sensory's within :data:`FREQ_TOL_HZ`;
* its height over the surrounding noise is within :data:`HEIGHT_TOL_DB` of SBaGen's (the
  noise taken at no less than :data:`FLOOR_DB` under the highest peak, so pure tones over
  16-bit dither compare too);
* the level's course (1-s RMS in dB, louder than -60 dB of the loudest second) is within
  :data:`COURSE_TOL_DB` of SBaGen's up to one constant gain.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PEER = Path(__file__).resolve().parents[2] / "shared" / "peers" / "sbagen"
WINDOWS_S = (30.0, 75.0, 110.0)
STRONG_DB = 25.0
AROUND_HZ = 40.0
RANGE_DB = 50.0
FLOOR_DB = 70.0
TOP_SHARE = 0.45  # peaks from 5 Hz up to this share of the sample rate (SBaGen's output has artefacts at Nyquist)
FREQ_TOL_HZ = 0.1
HEIGHT_TOL_DB = 6.0
COURSE_TOL_DB = 2.0


def build_peer(folder: Path) -> Path | None:
    """The sbagen binary built into ``folder`` (kept if there), or None without a C compiler or
    without the peer's source beside the repository (:data:`PEER`)."""
    binary = folder / "sbagen"
    if binary.exists():
        return binary
    if shutil.which("cc") is None or not (PEER / "build.sh").exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(PEER / "build.sh"), str(binary)], check=True, capture_output=True)
    return binary


def peer_render(binary: Path, sbg: Path, out: Path, *, seconds: float = 120.0,
                sample_rate: int = 44100) -> tuple[np.ndarray, int]:
    """SBaGen's render of ``sbg`` from its start for ``seconds``: float64 (frames, 2)."""
    import soundfile as sf

    m, s = divmod(int(seconds), 60)
    what = [str(sbg)]
    for line in sbg.read_text().splitlines():
        if line.startswith("-i "):  # SBaGen 1.4.4 plays silence for -i inside a file: given on its command line
            what = line.split("#", 1)[0].split()
    subprocess.run([str(binary), "-Q", "-S", "-r", str(sample_rate), "-L", f"00:{m:02d}:{s:02d}", "-W", "-o",
                    str(out), *what], check=True, capture_output=True, cwd=sbg.parent)
    audio, rate = sf.read(out, always_2d=True)
    return audio, rate


@dataclass
class Peak:
    freq: float  # Hz
    height: float  # dB over the surrounding noise


def peaks(x: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, list[Peak]]:
    """Spectrum (freqs, dB) of 1-D ``x`` and its strong tonal peaks."""
    from scipy.ndimage import median_filter

    n = len(x)
    size = 1 << int(np.ceil(np.log2(n * 8)))
    db = 20 * np.log10(np.abs(np.fft.rfft(x * np.hanning(n), size)) + 1e-12)
    freqs = np.fft.rfftfreq(size, 1 / sample_rate)
    top = db.max()
    step = freqs[1]
    coarse = 16  # the surrounding noise: a running median over every 16th bin
    around = median_filter(db[::coarse], size=2 * int(AROUND_HZ / step / coarse) + 1, mode="nearest")
    noise = np.maximum(np.repeat(around, coarse)[:len(db)], top - FLOOR_DB)
    found = []
    local = (db[1:-1] > db[:-2]) & (db[1:-1] >= db[2:])
    candidates = np.flatnonzero(local & (db[1:-1] > top - RANGE_DB) & (db[1:-1] - noise[1:-1] >= STRONG_DB)) + 1
    for k in candidates:
        if not 5 <= freqs[k] <= TOP_SHARE * sample_rate:
            continue
        a, b, c = db[k - 1:k + 2]
        offset = 0.5 * (a - c) / (a - 2 * b + c)
        found.append(Peak(float((k + offset) * step), float(db[k] - noise[k])))
    return freqs, db, _strongest_apart(found)


def _strongest_apart(found: list[Peak], apart: float = 1.0) -> list[Peak]:
    """The peaks, dropping any within ``apart`` Hz of a higher one (a window's side lobes)."""
    kept: list[Peak] = []
    for p in sorted(found, key=lambda p: -p.height):
        if all(abs(p.freq - q.freq) > apart for q in kept):
            kept.append(p)
    return sorted(kept, key=lambda p: p.freq)


@dataclass
class Verdict:
    """What the comparison found: each problem as text; passes when there is none."""

    problems: list[str] = field(default_factory=list)
    peaks_checked: int = 0
    course_db: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.problems


def compare(theirs: np.ndarray, ours: np.ndarray, sample_rate: int, *,
            windows: tuple[float, ...] = WINDOWS_S, span: float = 4.0) -> Verdict:
    """SBaGen's render ``theirs`` against sensory's ``ours`` (both (frames, 2), one rate)."""
    v = Verdict()
    n = min(len(theirs), len(ours))
    for t in windows:
        a, b = int((t - span / 2) * sample_rate), int((t + span / 2) * sample_rate)
        if b > n:
            continue
        for ear, name in ((0, "left"), (1, "right")):
            _, _, want = peaks(theirs[a:b, ear], sample_rate)
            _, _, got = peaks(ours[a:b, ear], sample_rate)
            for p in want:
                v.peaks_checked += 1
                near = [q for q in got if abs(q.freq - p.freq) <= 1.0]
                if not near:
                    v.problems.append(f"{t:g} s {name}: SBaGen's peak at {p.freq:.2f} Hz is missing")
                    continue
                q = min(near, key=lambda q: abs(q.freq - p.freq))
                if abs(q.freq - p.freq) > FREQ_TOL_HZ:
                    v.problems.append(f"{t:g} s {name}: peak {p.freq:.3f} Hz is at {q.freq:.3f} Hz")
                if abs(q.height - p.height) > HEIGHT_TOL_DB:
                    v.problems.append(f"{t:g} s {name}: peak {p.freq:.2f} Hz stands {q.height:.1f} dB over the "
                                      f"noise, SBaGen's {p.height:.1f} dB")
    silent = [np.sqrt(np.mean(x[:n] ** 2)) < 1e-5 for x in (theirs, ours)]
    if silent[0] != silent[1]:
        v.problems.append("SBaGen's render is silent and sensory's is not" if silent[0] else
                          "sensory's render is silent and SBaGen's is not")
    v.course_db = _course(theirs[:n], ours[:n], sample_rate, v)
    return v


def level_course(x: np.ndarray, sample_rate: int, step: float = 1.0) -> np.ndarray:
    """RMS in dB of each ``step``-s stretch, per ear: (stretches, 2)."""
    k = int(step * sample_rate)
    m = len(x) // k
    blocks = x[:m * k].reshape(m, k, x.shape[1]).astype(np.float64)
    return 10 * np.log10(np.mean(blocks ** 2, axis=1) + 1e-20)


def _course(theirs: np.ndarray, ours: np.ndarray, sample_rate: int, v: Verdict) -> float:
    """Largest deviation (dB) of the level's course from SBaGen's, up to a constant gain;
    the first 4 s and last 6 s (sensory's start and end fades) are left out."""
    a, b = level_course(theirs, sample_rate), level_course(ours, sample_rate)
    a, b = a[4:-6], b[4:-6]
    if not len(a):
        return 0.0
    loud = a > a.max() - 60
    if not loud.any():
        return 0.0
    diff = (b - a)[loud]
    worst = float(np.abs(diff - np.median(diff)).max())
    if worst > COURSE_TOL_DB:
        v.problems.append(f"the level's course is {worst:.1f} dB off SBaGen's (beyond a constant gain)")
    return worst
