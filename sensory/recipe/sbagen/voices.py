"""SBaGen tone specs: one channel slot of a tone-set, read into a :class:`Voice`.

Supported specs: ``-`` (silence), ``C+B/A`` and ``C-B/A`` (binaural beat), ``C/A``
(pure tone), ``pink/A``, ``white/A``, ``brown/A`` (noise) and ``bell+F/A`` (a bell
struck when the tone-set's time line comes). C, B and F are in Hz, A is SBaGen's
amplitude (0-100).

Ear: SBaGen's ``C+B`` puts the higher tone in the left ear, so ``200+10`` becomes
``beat = -10`` (left 205 Hz, right 195 Hz); ``200-10`` becomes ``beat = 10``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from ...kinds.tones import MIN_BEAT

__all__ = ["Voice", "parse_voice"]

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_BEAT_SPEC = re.compile(rf"^{_NUMBER}([+-]){_NUMBER}/{_NUMBER}$")
_TONE_SPEC = re.compile(rf"^{_NUMBER}/{_NUMBER}$")
_NOISE_SPEC = re.compile(rf"^(pink|white|brown)/{_NUMBER}$")
_BELL_SPEC = re.compile(rf"^bell\+?{_NUMBER}/{_NUMBER}$")


@dataclass(frozen=True)
class Voice:
    """One channel slot of a tone-set. ``kind``: binaural, tone, pink/white/brown, bell."""

    kind: str
    amp: float  # SBaGen amplitude, 0-100
    carrier: float = 0.0  # Hz (a bell's pitch)
    beat: float = 0.0  # Hz, sensory's convention: positive = higher tone on the right


def parse_voice(spec: str, fail: Callable[[str], NoReturn]) -> Voice | None:
    """The voice of tone spec ``spec`` (None for ``-``); ``fail(problem)`` raises for a bad one."""
    if spec == "-":
        return None
    if m := _NOISE_SPEC.match(spec):
        return Voice(m.group(1), _amp(m.group(2), spec, fail))
    if m := _BELL_SPEC.match(spec):
        return Voice("bell", _amp(m.group(2), spec, fail), carrier=float(m.group(1)))
    if m := _BEAT_SPEC.match(spec):
        carrier, sign, beat, amp = float(m.group(1)), m.group(2), float(m.group(3)), _amp(m.group(4), spec, fail)
        if beat == 0:
            return Voice("tone", amp, carrier=carrier)
        if beat < MIN_BEAT:
            fail(f"beat {beat:g} Hz in {spec!r} is below {MIN_BEAT:g} Hz, which sensory does not play")
        # SBaGen '+' puts the higher tone in the LEFT ear: sensory's negative beat
        return Voice("binaural", amp, carrier=carrier, beat=-beat if sign == "+" else beat)
    if m := _TONE_SPEC.match(spec):
        return Voice("tone", _amp(m.group(2), spec, fail), carrier=float(m.group(1)))
    fail(f"tone spec {spec!r} is not supported (supported: -, C+B/A, C-B/A, C/A, pink/A, white/A, "
         "brown/A, bell+F/A)")


def _amp(text: str, spec: str, fail: Callable[[str], NoReturn]) -> float:
    amp = float(text)
    if amp > 100:
        fail(f"amplitude {amp:g} in {spec!r} is above 100")
    return amp
