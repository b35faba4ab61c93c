"""SBaGen's command-line options written at the top of an ``.sbg`` file.

Read (what a converted schedule does with them):

* ``-S`` start at the first time line; ``-T HH:MM[:SS]`` start at that clock time (a
  schedule always starts at one of the two: SBaGen's real-time clock has no place in a
  render); ``-E`` end at the last time line; ``-L HH:MM[:SS]`` play that long;
* ``-F ms`` the change window; ``-m FILE`` the soundtrack ``mix/A`` plays; ``-r Hz`` the
  sample rate; ``-R Hz`` how often SBaGen recomputes its settings (10 Hz); ``-c F=K,...``
  the headphone compensation of every tone (SBaGen's lowering of other sounds when the
  boosted total passes 100 is not done);
* ``-i SPECS...`` the rest of the line is one tone-set played throughout;
  ``-p drop|slide ARGS...`` the rest of the line is one of SBaGen's programs
  (:mod:`.programs`);
* ``-Q``, ``-D``, ``-W``, ``-O``, ``-o FILE``, ``-b BITS``, ``-q MULT``, ``-M``: output and display settings of SBaGen's own; accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from ...kinds.sbagen import COMPENSATION_LIMITS, compensation_fits

__all__ = ["Options", "clock_seconds", "read_options"]

DEFAULT_WINDOW_S = 60.0  # SBaGen's change window without -F
_FLAGS = set("SEQDWOM")  # options without an argument
_IGNORED_WITH_ARG = set("obq")  # options of SBaGen's output and display, with an argument
_CLOCK = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$")


@dataclass
class Options:
    """What the option lines of a schedule say."""

    from_start: bool = False  # -S
    to_end: bool = False  # -E
    start_clock: float | None = None  # -T, seconds after midnight
    length: float | None = None  # -L, seconds
    window: float = DEFAULT_WINDOW_S  # -F, seconds
    mix_file: str | None = None  # -m
    sample_rate: int | None = None  # -r
    compensation: tuple[tuple[float, float], ...] = ()  # -c: (Hz, factor) points
    refresh: float = 10.0  # -R: how often (Hz) SBaGen recomputes its settings, holding them between
    immediate: list[str] | None = None  # -i: tone specs
    program: list[str] | None = None  # -p: program name and arguments
    words: list[str] = field(default_factory=list)  # every option word read, for information


def clock_seconds(text: str, fail: Callable[[str], NoReturn], what: str) -> float:
    """Seconds of ``HH:MM`` or ``HH:MM:SS`` (``what`` names the option in errors)."""
    m = _CLOCK.match(text)
    if not m:
        fail(f"{what} takes a time as HH:MM or HH:MM:SS, not {text!r}")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if mi >= 60 or s >= 60:
        fail(f"{what} {text!r}: minutes and seconds are below 60")
    return h * 3600.0 + mi * 60.0 + s


def read_options(line: str, options: Options, fail: Callable[[str], NoReturn]) -> None:
    """Read option line ``line`` into ``options``."""
    words = line.split()
    i = 0
    while i < len(words):
        word = words[i]
        if not re.fullmatch(r"-[A-Za-z]+", word):
            fail(f"{word!r} is not an option; options are words like -SE, -F 20000 or -m river.ogg")
        letters = word[1:]
        for k, letter in enumerate(letters):
            if letter in _FLAGS:
                options.from_start |= letter == "S"
                options.to_end |= letter == "E"
                continue
            if letter in "ip":  # the rest of the line
                rest = words[i + 1:]
                if not rest:
                    fail(f"-{letter} needs what to play after it, e.g. "
                         + ("'-i pink/40 200+10/20'" if letter == "i" else "'-p drop 00ds+' or '-p slide 200+10/1'"))
                if letter == "i":
                    options.immediate = rest
                else:
                    options.program = rest
                options.words.append(" ".join(words[i:]))
                return
            if k != len(letters) - 1 or i + 1 >= len(words):
                if letter in _IGNORED_WITH_ARG or letter in "TLFmrRc":
                    fail(f"option -{letter} needs a value after it")
                fail(f"option -{letter} is not one of SBaGen's; see 'sbagen -h' (sensory reads -S -E -T -L -F "
                     "-m -r -i -p)")
            value = words[i + 1]
            _with_value(letter, value, options, fail)
            i += 1
        options.words.append(word)
        i += 1


def _with_value(letter: str, value: str, options: Options, fail: Callable[[str], NoReturn]) -> None:
    if letter == "T":
        options.start_clock = clock_seconds(value, fail, "-T") % 86400.0
    elif letter == "L":
        options.length = clock_seconds(value, fail, "-L")
    elif letter == "F":
        if not value.isdigit() or int(value) == 0:
            fail(f"-F takes the change window in milliseconds, e.g. -F 20000, not {value!r}")
        options.window = int(value) / 1000.0
    elif letter == "m":
        options.mix_file = value
    elif letter == "c":
        try:
            points = tuple((float(f), float(k)) for f, k in (p.split("=") for p in value.split(",")))
        except ValueError:
            fail(f"-c takes FREQ=FACTOR points, e.g. -c 80=1,40=2,30=4, not {value!r}")
        if not compensation_fits(points):
            fail(f"-c takes {COMPENSATION_LIMITS}, e.g. -c 80=1,40=2,30=4")
        options.compensation = points
    elif letter == "R":
        if not value.isdigit() or int(value) == 0:
            fail(f"-R takes a rate in Hz, e.g. -R 10, not {value!r}")
        options.refresh = float(value)
    elif letter == "r":
        if not value.isdigit():
            fail(f"-r takes a sample rate in Hz, e.g. -r 44100, not {value!r}")
        options.sample_rate = int(value)
    elif letter not in _IGNORED_WITH_ARG:
        fail(f"option -{letter} is not one of SBaGen's; see 'sbagen -h'")
