"""SBaGen tone specs: one channel slot of a tone-set, read into a :class:`Voice`.

Specs, as SBaGen 1.4.4 reads them (numbers as C reads them: signs, decimals, exponents):

* ``-``: the slot is silent;
* ``C+B/A``, ``C-B/A``: a binaural tone, ``C +- B/2`` Hz in the left ear and
  ``C -+ B/2`` in the right (``+`` puts the higher tone on the LEFT); ``C/A``: a tone;
* ``waveNN:C+B/A``: a binaural tone on waveform NN (defined by a ``waveNN:`` line);
* ``pink/A`` (and sensory's own ``white/A``, ``brown/A``): noise;
* ``spin:W+B/A``: pink noise spinning ``W`` microseconds either side at ``B`` Hz;
* ``bell+F/A`` (or ``bell-F/A``, ``bellF/A``): a bell struck as the tone-set starts;
* ``mix/A``: the soundtrack of ``-m FILE``.

A is SBaGen's amplitude (100 is full scale). No range is imposed: SBaGen plays any value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

__all__ = ["NOISES", "SPECS", "Voice", "parse_voice"]

NOISES = ("pink", "white", "brown")
SPECS = "-, C+B/A, C-B/A, C/A, waveNN:C+B/A, pink/A, spin:W+B/A, bell+F/A, mix/A"

_N = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_S = r"[+-](?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"  # a number with its sign, as in 200+10
_BEAT = re.compile(rf"^({_N})({_S})/({_N})$")
_TONE = re.compile(rf"^({_N})/({_N})$")
_NOISE = re.compile(rf"^(pink|white|brown|mix)/({_N})$")
_BELL = re.compile(rf"^bell({_N})/({_N})$")
_SPIN = re.compile(rf"^spin:({_N})({_S})/({_N})$")
_WAVE = re.compile(rf"^wave(\d+):({_N})({_S})/({_N})$")


@dataclass(frozen=True)
class Voice:
    """One channel slot of a tone-set. ``kind``: tone, pink/white/brown, spin, bell, mix or
    waveNN (a tone on waveform NN); SBaGen slides a slot only between voices of one kind."""

    kind: str
    amp: float  # SBaGen amplitude, 100 = full scale
    carrier: float = 0.0  # Hz: a tone's centre, a bell's pitch; a spin's width in microseconds
    beat: float = 0.0  # Hz, SBaGen's sign: positive = the higher tone (or the spin's lead) on the LEFT

    @property
    def pitch(self) -> tuple[float, float]:
        """What a ``-`` change keeps when it does not change: carrier and beat."""
        return self.carrier, self.beat


def parse_voice(spec: str, waves: dict[int, tuple[float, ...]], fail: Callable[[str], NoReturn]) -> Voice | None:
    """The voice of tone spec ``spec`` (None for ``-``); ``waves`` holds the waveforms
    defined so far; ``fail(problem)`` raises for a spec SBaGen would not read."""
    if spec == "-":
        return None
    if m := _NOISE.match(spec):
        return Voice(m.group(1), _amp(m.group(2)))
    if m := _BELL.match(spec):
        return Voice("bell", _amp(m.group(2)), carrier=abs(float(m.group(1))))
    if m := _SPIN.match(spec):
        return Voice("spin", _amp(m.group(3)), carrier=abs(float(m.group(1))), beat=float(m.group(2)))
    if m := _WAVE.match(spec):
        number = int(m.group(1))
        if number not in waves:
            fail(f"waveform {number:02d} in {spec!r} is not defined; define it above as 'wave{number:02d}: "
                 "samples ...'")
        return Voice(f"wave{number:02d}", _amp(m.group(4)), carrier=float(m.group(2)), beat=float(m.group(3)))
    if m := _BEAT.match(spec):
        return Voice("tone", _amp(m.group(3)), carrier=float(m.group(1)), beat=float(m.group(2)))
    if m := _TONE.match(spec):
        return Voice("tone", _amp(m.group(2)), carrier=float(m.group(1)))
    fail(f"tone spec {spec!r} is not one SBaGen reads; write one of: {SPECS}")


def _amp(text: str) -> float:
    """SBaGen amplitude of ``text``: a negative one is the same sound inverted."""
    return abs(float(text))
