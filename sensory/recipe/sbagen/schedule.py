"""The grammar of an ``.sbg`` file: option lines, tone-set definitions and time lines.

Supported (anything else is a :class:`~sensory.errors.RecipeError` naming the file and line):

* option lines ``-S``, ``-E``, ``-SE``, ``-Q`` (accepted; a converted schedule always
  runs from its first time line to its last) and ``-F ms`` (the change window), before
  anything else;
* tone-sets ``name: spec spec ...``, one spec per channel slot (:mod:`.voices`);
* time lines ``TIME [IO] NAME [->]``, TIME as in :mod:`.clock`; IO is the entry and exit
  code: ``<`` from silence / ``>`` to silence, ``-`` crossfade, ``=`` slide; a trailing
  ``->`` makes the whole period up to the next line the change.

Comments run from ``#`` to the end of the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import RecipeError
from ..files import check_size
from .clock import DAY, parse_time_word
from .voices import Voice, parse_voice

__all__ = ["Line", "Schedule", "parse_sbg", "MAX_LINES", "MAX_TIME_LINES", "MAX_SLOTS"]

MAX_SLOTS = 16  # tone specs in a tone-set
MAX_LINES = 20_000  # lines in a file, comments included
MAX_TIME_LINES = 1000  # time lines: each becomes a phase and up to a ramp's points per curve
DEFAULT_WINDOW_S = 60.0  # SBaGen's change window without -F

_NAME_DEF = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(\s+(.*))?$")


@dataclass
class Line:
    """A time line: ``time`` s from the first line, entry/exit codes, tone-set, ``->``."""

    number: int
    text: str
    time: float
    entry: str
    exit: str
    voices: tuple[Voice | None, ...]
    slide_to_next: bool


@dataclass
class Schedule:
    """A parsed .sbg file: its time lines and the change window in seconds."""

    source: str
    lines: list[Line]
    window: float = DEFAULT_WINDOW_S
    options: list[str] = field(default_factory=list)  # the option words read, for information


def parse_sbg(text: str, source: str = "<sbg>") -> Schedule:
    """The time lines of SBaGen schedule ``text``; ``source`` names it in errors."""
    check_size(text, source, what="schedule")
    if len(text.splitlines()) > MAX_LINES:
        raise RecipeError(f"{source}: more than {MAX_LINES} lines; a schedule is a short text")
    tonesets: dict[str, tuple[Voice | None, ...]] = {}
    lines: list[Line] = []
    window = DEFAULT_WINDOW_S
    options: list[str] = []
    last_absolute: float | None = None
    first: float | None = None
    previous = 0.0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue

        def fail(problem: str):
            raise RecipeError(f"{source}: line {number}: {problem}: {line!r}")

        if line.startswith("-") and not tonesets and not lines:
            window = _options(line, window, options, fail)
            continue
        m = _NAME_DEF.match(line)
        if m:
            name, specs = m.group(1), (m.group(3) or "").split()
            if specs[:1] == ["{"]:
                fail("blocks (name: { ... }) are not supported; write the time lines out in full")
            if name in tonesets:
                fail(f"tone-set {name!r} is defined twice")
            if len(specs) > MAX_SLOTS:
                fail(f"more than {MAX_SLOTS} tone specs")
            tonesets[name] = tuple(parse_voice(s, fail) for s in specs)
            continue
        words = line.split()
        seconds, absolute = parse_time_word(words[0], last_absolute, fail)
        if absolute is not None:
            last_absolute = absolute
        if first is None:
            first = seconds
        rel = (seconds - first) % DAY
        if lines and rel - previous > DAY / 2:  # SBaGen, too, flags gaps of 12 h or more
            fail("times must not go backwards; list time lines in order")
        previous = rel
        rest = words[1:]
        entry, exit_ = "-", "-"
        if rest and not rest[0][0].isalpha():
            code = rest.pop(0)
            if len(code) != 2 or code[0] not in "<-=" or code[1] not in ">-=":
                fail(f"unknown transition code {code!r}; use two of < - = then > - =, e.g. '==' or '<>'")
            entry, exit_ = code[0], code[1]
        arrow = bool(rest) and rest[-1] == "->"
        if arrow:
            rest = rest[:-1]
        if len(rest) != 1:
            fail("a time line is TIME [code] NAME [->]")
        if rest[0] not in tonesets:
            fail(f"tone-set {rest[0]!r} is not defined (define it above, as '{rest[0]}: ...')")
        if len(lines) == MAX_TIME_LINES:
            fail(f"more than {MAX_TIME_LINES} time lines; split the schedule")
        lines.append(Line(number, line, rel, entry, exit_, tonesets[rest[0]], arrow))
    if not lines:
        raise RecipeError(f"{source}: no time lines; add one such as 'NOW name'")
    return Schedule(source, lines, window, options)


def _options(line: str, window: float, options: list[str], fail) -> float:
    """The change window (s) after option line ``line``; the words read are appended to ``options``."""
    words = line.split()
    i = 0
    while i < len(words):
        w = words[i]
        if re.fullmatch(r"-[SEQ]+", w):
            options.append(w)
        elif w == "-F" and i + 1 < len(words) and words[i + 1].isdigit():
            window = int(words[i + 1]) / 1000.0
            options.append(f"-F {words[i + 1]}")
            i += 1
        else:
            fail(f"option {w!r} is not supported (supported: -S, -E, -Q, -F ms)")
        i += 1
    return window
