"""Writing AAC in M4A through PyAV (optional extra ``sensory[aac]``), tags through mutagen.

FFmpeg's native AAC-LC encoder primes every stream with 1024 samples of
encoder delay. Frames carry their sample offset as ``pts`` in a ``1/sample
rate`` time base, so the MP4 muxer writes an edit list (``elst``: media time
1024, duration = the exact length) and the ``sgpd``/``sbgp`` roll groups:
players that honour them (QuickTime File Format, "Audio Priming — Handling
Encoder Delay in AAC") decode exactly the frames written. FFmpeg trims the
priming but still decodes the padding of the last frame;
:func:`sensory.measure.audiofile.m4a_blocks` cuts it at the edit list's length.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np

from ..measure.audiofile import pyav

__all__ = ["AacFile", "write_tags"]

FRAME = 1024  # samples per AAC-LC frame
_MP4_KEYS = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "genre": "\xa9gen", "comment": "\xa9cmt"}


class AacFile:
    """An M4A file being written: ``write(block)`` with float (n, channels) blocks, then ``close()``.

    ``bit_rate`` in bit/s (default 96 kb/s per channel).
    """

    def __init__(self, path, sample_rate: int, channels: int, bit_rate: int | None = None):
        av = pyav()
        self._av = av
        self._layout = "mono" if channels == 1 else "stereo"
        # movie time scale = sample rate: the edit list then states the length in samples
        self._container = av.open(str(path), "w", format="ipod", options={"movie_timescale": str(sample_rate)})
        self._stream = self._container.add_stream("aac", rate=sample_rate)
        self._stream.layout = self._layout
        self._stream.bit_rate = bit_rate or 96000 * channels
        self._rate = sample_rate
        self._time_base = Fraction(1, sample_rate)
        self._pending = np.zeros((0, channels), np.float32)
        self._pts = 0

    def write(self, block: np.ndarray) -> None:
        data = np.concatenate([self._pending, np.asarray(block, np.float32)])
        whole = len(data) - len(data) % FRAME
        for start in range(0, whole, FRAME):
            self._encode(data[start:start + FRAME])
        self._pending = data[whole:]

    def _encode(self, samples: np.ndarray | None) -> None:
        frame = None
        if samples is not None:
            frame = self._av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T), format="fltp",
                                                     layout=self._layout)
            frame.sample_rate = self._rate
            frame.pts = self._pts
            frame.time_base = self._time_base
            self._pts += len(samples)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if len(self._pending):
            self._encode(self._pending)
            self._pending = self._pending[:0]
        self._encode(None)  # flush
        self._container.close()


def write_tags(path, tags: Mapping[str, str]) -> None:
    """Write title, artist, album, genre and comment as iTunes atoms (mutagen)."""
    from mutagen.mp4 import MP4

    f = MP4(str(path))
    for key, value in tags.items():
        f[_MP4_KEYS[key]] = [value]
    f.save()
