"""Reading audio files as blocks: soundfile for most formats, PyAV for M4A.

An AAC stream in M4A starts with 1024 samples of encoder priming and ends with
the padding of its last frame; its edit list states the exact length. FFmpeg
trims the priming but still decodes the padding: :func:`m4a_blocks` cuts it at
the edit list's length, so a file reads back with the frames written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RecipeError

__all__ = ["M4A_SUFFIXES", "AudioSource", "m4a_blocks", "open_audio", "pyav"]

M4A_SUFFIXES = (".m4a", ".mp4", ".aac")


def pyav():
    """The ``av`` module (optional extra ``sensory[aac]``), or a RecipeError saying how to install it."""
    try:
        import av
    except ImportError:
        raise RecipeError("M4A/AAC needs PyAV and mutagen; install them with "
                          "pip install 'sensory[aac]', or use .flac or .ogg instead") from None
    return av


@dataclass(frozen=True)
class AudioSource:
    """An opened file: rate (Hz), channels, frames (None if unknown until read),
    format names, and ``blocks`` — float64 (n, channels) blocks, read once."""

    path: Path
    sample_rate: int
    channels: int
    frames: int | None
    format: str
    subtype: str
    blocks: Iterator[np.ndarray]


def open_audio(path, *, block_size: int = 65536, m4a: bool | None = None) -> AudioSource:
    """Open ``path`` for streaming in blocks of ``block_size`` frames; M4A (by suffix, or
    ``m4a=True``) decodes through PyAV. RecipeError for a missing or unreadable file."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: no such file")
    if m4a if m4a is not None else path.suffix.lower() in M4A_SUFFIXES:
        rate, channels, frames, it = m4a_blocks(path)
        return AudioSource(path, rate, channels, frames, "M4A", "AAC", (b.astype(np.float64) for b in it))
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as e:
        raise RecipeError(f"{path}: not an audio file sensory can read ({e})") from None

    def blocks():
        with sf.SoundFile(str(path)) as f:
            while True:
                b = f.read(block_size, dtype="float64", always_2d=True)
                if not len(b):
                    return
                yield b

    return AudioSource(path, info.samplerate, info.channels, info.frames, info.format, info.subtype, blocks())


def m4a_blocks(path) -> tuple[int, int, int | None, Iterator[np.ndarray]]:
    """(sample rate Hz, channels, frames, blocks): the decoded audio of an M4A file as float32
    (n, channels) blocks, cut at the length its edit list declares."""
    av = pyav()
    container = av.open(str(path))
    stream = container.streams.audio[0]
    rate, channels = stream.rate, stream.channels
    frames = int(stream.duration * stream.time_base * rate) if stream.duration else None

    def blocks():
        left = frames
        try:
            for frame in container.decode(stream):
                data = frame.to_ndarray()
                data = data.T if frame.format.is_planar else data.reshape(-1, channels)
                if left is not None:
                    data = data[:left]
                    left -= len(data)
                if len(data):
                    yield data.astype(np.float32, copy=False)
        finally:
            container.close()

    return rate, channels, frames, blocks()
