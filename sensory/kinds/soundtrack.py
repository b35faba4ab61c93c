"""A user's own audio file mixed in: SBaGen's ``-m FILE`` with ``mix/A``.

Sensory synthesizes everything it ships; a soundtrack is the one exception a user brings:
any file soundfile reads (WAV, FLAC, OGG, ...), resampled to the session's rate
(``scipy.signal.resample_poly``), read whole when the layer is built. ``amp`` is SBaGen's
mix amplitude: 100 plays the file as it is. As in SBaGen, a file plays once (SBaGen stops
when it ends; here the layer falls silent), or with ``loop`` repeats forever, each pass
crossfading into the next over ``crossfade`` seconds (SBaGen's default for loopable
OGG files: whole-file segments, 1-s crossfades).

A file that is not there, or not audio, is reported in one line on stderr (once per
file) and the layer is silent, so the rest of the session plays.
"""

from __future__ import annotations

import sys
from math import gcd

import numpy as np
from pydantic import Field

from ..core.params import Automatable, Params, param
from ..core.unit import Unit
from . import kind

__all__ = ["MAX_SECONDS", "Soundtrack", "SoundtrackParams"]

MAX_SECONDS = 4 * 3600  # longest file read (a file is held in memory whole)
_REPORTED: set[str] = set()


class SoundtrackParams(Params):
    file: str = Field("", description="the audio file (a user's own; never shipped with sensory)")
    amp: Automatable = param(100.0, ge=0, le=1000, help="SBaGen mix amplitude: 100 plays the file as it is")
    loop: bool = Field(False, description="repeat the file forever instead of playing it once")
    crossfade: float = param(1.0, unit="s", ge=0, le=60, help="overlap of one pass into the next when looping")


@kind("soundtrack", family="noise", params=SoundtrackParams)
class Soundtrack(Unit):
    """A user's audio file, resampled to the session's rate, played once or looped with crossfades."""

    channels = 2
    cost = 0.2
    nominal_level = 0.126  # a file mastered at the nominal RMS, played at amp 100

    def __init__(self, params: SoundtrackParams, sample_rate, rng):
        super().__init__(params, sample_rate, rng)
        self._audio = _read(params.file, sample_rate)
        length = len(self._audio)
        self._fade = min(round(params.crossfade * sample_rate), length // 2) if params.loop else 0
        self._period = max(1, length - self._fade)

    def _render(self, n: int) -> np.ndarray:
        x, length = self._audio, len(self._audio)
        t = self.frame + np.arange(n)
        if not self.params.loop:
            inside = t < length
            y = np.zeros((n, 2), np.float32)
            y[inside] = x[t[inside]]
        else:
            y = self._looped(t)
        amp = np.asarray(self.value(self.params.amp, n), np.float32) * np.float32(0.01)
        return y * (amp[:, None] if amp.ndim else amp)

    def _looped(self, t: np.ndarray) -> np.ndarray:
        """Frames ``t`` of the endless crossfaded loop."""
        x, fade, period = self._audio, self._fade, self._period
        pass_no, pos = np.divmod(t, period)
        y = x[pos].copy()
        if fade:
            overlap = (pos < fade) & (pass_no > 0)
            w = (pos[overlap] / fade).astype(np.float32)[:, None]
            y[overlap] = x[pos[overlap]] * w + x[pos[overlap] + period] * (1 - w)
        return y


def _read(path: str, sample_rate: int) -> np.ndarray:
    """The file as float32 (frames, 2) at ``sample_rate``; one frame of silence if it cannot be read."""
    import soundfile as sf
    from scipy.signal import resample_poly

    try:
        info = sf.info(path)
        if info.frames > MAX_SECONDS * info.samplerate:
            raise ValueError(f"longer than {MAX_SECONDS // 3600} hours")
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file: one line, and the rest plays
        if path not in _REPORTED:
            _REPORTED.add(path)
            reason = "not there" if isinstance(e, (FileNotFoundError,)) or "No such file" in str(e) else str(e)
            print(f"warning: soundtrack {path or '(none given)'}: {reason}; playing the rest without it",
                  file=sys.stderr)
        return np.zeros((1, 2), np.float32)
    audio = audio[:, :2] if audio.shape[1] >= 2 else np.repeat(audio, 2, axis=1)
    if rate != sample_rate and len(audio):
        g = gcd(int(rate), int(sample_rate))
        audio = resample_poly(audio, sample_rate // g, rate // g, axis=0).astype(np.float32)
    return audio if len(audio) else np.zeros((1, 2), np.float32)
