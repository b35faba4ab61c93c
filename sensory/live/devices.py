"""Audio output devices, through sounddevice (PortAudio).

sounddevice is imported here, on first use, and its failures become
:class:`~sensory.errors.RenderError` messages that say what to install and how
to export instead: the Linux sounddevice wheel carries no PortAudio, so a
missing ``libportaudio2`` shows up as ``OSError`` on import, and a machine
without a running audio server has no output device at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import RecipeError, RenderError

__all__ = ["Output", "sounddevice", "outputs", "resolve", "EXPORT_HINT"]

EXPORT_HINT = "To listen without a sound card, render to a file instead: sensory export pink -o pink.flac"


@dataclass(frozen=True)
class Output:
    """One output device: PortAudio ``index``, ``name``, host API, channels, default rate (Hz)."""

    index: int
    name: str
    hostapi: str
    channels: int
    sample_rate: int
    default: bool


def sounddevice():
    """The sounddevice module, or a :class:`RenderError` naming the missing library."""
    try:
        import sounddevice as sd
    except OSError as e:  # the wheel found no PortAudio library
        raise RenderError(
            f"live playback needs the PortAudio library ({e}).\n"
            "Install it: apt-get install libportaudio2 (Debian/Ubuntu), "
            "dnf install portaudio (Fedora), brew install portaudio (macOS).\n" + EXPORT_HINT) from None
    return sd


def outputs() -> list[Output]:
    """Every device with output channels, in PortAudio's order."""
    sd = sounddevice()
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
        default = sd.default.device[1]
    except sd.PortAudioError as e:
        raise RenderError(f"cannot list audio devices: {e}") from None
    return [Output(d["index"], d["name"], hostapis[d["hostapi"]]["name"], d["max_output_channels"],
                   int(d["default_samplerate"]), d["index"] == default)
            for d in devices if d["max_output_channels"] > 0]


def resolve(device: str | int | None) -> Output:
    """The output for ``device``: ``None`` (the default output), an index, or part of a name.

    Raises :class:`RenderError` when there is no output at all and
    :class:`RecipeError` when ``device`` names none of them.
    """
    sd = sounddevice()
    found = outputs()
    if not found:
        raise RenderError("no audio output device found: is a sound card connected and the audio "
                          "server (PulseAudio, PipeWire) running?\n" + EXPORT_HINT)
    if device is None:
        try:
            index = sd.query_devices(kind="output")["index"]
        except (sd.PortAudioError, ValueError):
            raise RenderError("no default audio output device: choose one with --device "
                              "(see `sensory devices`)\n" + EXPORT_HINT) from None
        return next(o for o in found if o.index == index)
    if isinstance(device, int) or str(device).strip().isdigit():
        index = int(device)
        match = [o for o in found if o.index == index]
    else:
        match = [o for o in found if str(device).lower() in o.name.lower()]
        exact = [o for o in match if o.name.lower() == str(device).lower()]
        match = exact or match
    if len(match) == 1:
        return match[0]
    names = ", ".join(f"{o.index}: {o.name}" for o in (match or found))
    problem = "matches several outputs" if match else "matches no output"
    raise RecipeError(f"device {device!r} {problem}; give an index or a name from `sensory devices` "
                      f"({names})")
