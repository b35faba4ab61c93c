"""The formats an export writes: file extension to soundfile format and the subtypes offered.

Importing this module loads neither numpy nor soundfile.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RecipeError

__all__ = ["FORMATS", "SUBTYPES", "OPUS_RATES", "output_format"]

# extension -> (soundfile format, default subtype, subtypes offered)
FORMATS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "wav": ("WAV", "PCM_24", ("PCM_16", "PCM_24", "FLOAT")),
    "flac": ("FLAC", "PCM_24", ("PCM_16", "PCM_24")),
    "ogg": ("OGG", "VORBIS", ("VORBIS",)),
    "opus": ("OGG", "OPUS", ("OPUS",)),
    "mp3": ("MP3", "MPEG_LAYER_III", ("MPEG_LAYER_III",)),
    "m4a": ("M4A", "AAC", ("AAC",)),
}

# The subtypes a user picks among: those of the formats that offer a choice (wav, flac).
SUBTYPES: tuple[str, ...] = tuple(dict.fromkeys(s for _, _, offered in FORMATS.values() if len(offered) > 1
                                                for s in offered))

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)  # Hz: the only rates Opus encodes


def output_format(path: Path, subtype: str | None, sample_rate: int, *, loop: bool = False) -> tuple[str, str]:
    """(format, subtype) for ``path``'s extension at ``sample_rate`` Hz; RecipeError with the
    choices otherwise (and, for M4A, when PyAV is missing). A ``loop`` is refused in MP3:
    gapless MP3 playback rests on the player reading the LAME header's delay and padding,
    which the encoder here does not write."""
    ext = path.suffix.lower().lstrip(".")
    if ext not in FORMATS:
        raise RecipeError(f"{path}: unknown output format '.{ext}'; use one of "
                          + ", ".join("." + e for e in FORMATS))
    fmt, default, offered = FORMATS[ext]
    chosen = (subtype or default).upper()
    if chosen not in offered:
        raise RecipeError(f"{path}: subtype {chosen} is not available for .{ext}; use one of {', '.join(offered)}")
    if loop and ext == "mp3":
        raise RecipeError(f"{path}: MP3 cannot hold a seamless loop (players add silence at the wrap); "
                          "use .m4a, .ogg or .opus")
    if ext == "opus" and sample_rate not in OPUS_RATES:
        raise RecipeError(f"{path}: Opus needs a sample rate of {', '.join(map(str, OPUS_RATES))} Hz, "
                          f"not {sample_rate}; pass --sample-rate 48000")
    if ext == "m4a":
        from ..measure.audiofile import pyav

        pyav()
    return fmt, chosen
