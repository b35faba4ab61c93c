"""The options of an export, declared once: each one's name, type, range, unit and help.

``sensory export``'s command-line options, the fields of a batch catalog's tracks and the
checks in :func:`sensory.output.writer.export` are all read from :data:`OPTIONS`, so they
accept the same values and say the same thing when a value is out of range. Importing
this module loads neither numpy nor pydantic (``sensory --help`` stays quick).

The ranges are those a render accepts (:mod:`sensory.core.limits`: sample rates, seeds,
lengths); Opus takes only its own rates, see :data:`~sensory.output.formats.OPUS_RATES`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.limits import MAX_DURATION_S, MAX_SEED, SAMPLE_RATES
from ..errors import RecipeError
from .formats import SUBTYPES

__all__ = ["Option", "OPTIONS", "TAG_KEYS", "LOOP_CROSSFADE_S", "check"]

LOOP_CROSSFADE_S = 2.0  # crossfade of a loop asked for without a length


@dataclass(frozen=True)
class Option:
    """One export option.

    ``name`` is the catalog key (the command line's ``--name-with-dashes``); ``keyword``
    the argument of :func:`~sensory.output.writer.export` when it differs. ``help`` is
    the text shown to users; ``unit`` and ``example`` complete the error messages. ``kind`` is
    float, int, str or bool (a flag; ``loop`` also takes a crossfade in seconds). A
    numeric value lies in ``low`` to ``high`` (``low`` excluded when ``above``), in
    ``unit``; ``choices`` lists a string's values; ``tag`` marks a metadata tag. A flag
    that also takes a number (in a catalog) says what the number means in ``number``.
    """

    name: str
    kind: type
    help: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    above: bool = False
    example: str = ""
    choices: tuple[str, ...] = ()
    keyword: str = ""
    tag: bool = False
    number: str = ""

    @property
    def label(self) -> str:
        """The name as a message says it: ``true peak``."""
        return self.name.replace("_", " ")

    @property
    def span(self) -> str:
        """The range in words: ``-70 to 0 LUFS``, ``more than 0 and at most 60 s``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.above:
            return f"more than {_number(self.low)} and at most {_number(self.high)}{unit}"
        return f"{_number(self.low)} to {_number(self.high)}{unit}"

    def check(self, value):
        """``value`` if it lies in the range, else RecipeError naming it, the range and an example."""
        if self.low is None or value is None or isinstance(value, bool):
            return value
        inside = (self.low < value if self.above else self.low <= value) and value <= self.high
        if not (isinstance(value, (int, float)) and math.isfinite(value) and inside):
            shown = _number(value) if isinstance(value, (int, float)) else repr(value)
            example = f" (e.g. {self.example})" if self.example else ""
            raise RecipeError(f"{self.label} {shown}{' ' + self.unit if self.unit else ''} is out of range; "
                              f"use {self.span}{example}")
        return value


def _number(x: float) -> str:
    """``x`` as a message writes it: integers whole, other numbers short (``-0.5``)."""
    return str(x) if isinstance(x, int) else f"{x:g}"


OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("duration", float, "length, e.g. 10m or 1h30m (default: the recipe's)", unit="s",
           low=0, high=MAX_DURATION_S, above=True, example="10m", keyword="seconds"),
    Option("seed", int, "random seed (default: the recipe's)", low=0, high=MAX_SEED),
    Option("sample_rate", int, "sample rate in Hz (default: the recipe's)", unit="Hz", low=SAMPLE_RATES[0], high=SAMPLE_RATES[1],
           example="48000"),
    Option("subtype", str, "sample format for wav and flac (default PCM_24)", choices=SUBTYPES),
    Option("loudness", float, "integrated loudness target in LUFS, e.g. -16", unit="LUFS", low=-70, high=0,
           example="-16"),
    Option("true_peak", float, "true-peak ceiling in dBTP, e.g. -1 (default with a loudness target: the "
           "recipe's ceiling)", unit="dBTP", low=-20, high=0, example="-1"),
    Option("loop", bool, "write a seamless loop (no fades; the end flows into the start)", unit="s", low=0,
           high=60, above=True, example="2", number=f"the crossfade (default {LOOP_CROSSFADE_S:g} s)"),
    Option("mono", bool, "write the mono downmix"),
    Option("title", str, "title tag (default: the recipe's title)", tag=True),
    Option("artist", str, "artist tag", tag=True),
    Option("album", str, "album tag", tag=True),
    Option("genre", str, "genre tag", tag=True),
)}

TAG_KEYS: tuple[str, ...] = tuple(o.name for o in OPTIONS.values() if o.tag)


def check(**values) -> None:
    """Check export() keyword values (``seconds``, ``seed``, ``sample_rate``, ``loudness``,
    ``true_peak``) against their declared ranges; RecipeError for the first out of range."""
    by_keyword = {o.keyword or o.name: o for o in OPTIONS.values()}
    for keyword, value in values.items():
        by_keyword[keyword].check(value)
