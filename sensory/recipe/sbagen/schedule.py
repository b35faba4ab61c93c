"""The grammar of an ``.sbg`` file: option lines, definitions and time lines.

* option lines (:mod:`.options`) before anything else;
* waveform definitions ``waveNN: samples ...``;
* tone-sets ``name: spec spec ...``, one spec per channel slot (:mod:`.voices`; as in
  SBaGen, specs past the 16th are not played);
* blocks ``name: {`` ... ``}``, whose lines (relative times only) are stamped in where a
  time line names the block, their times added to its time; blocks may name blocks;
* time lines ``TIME [IO] NAME [->]``, TIME as in :mod:`.clock`; IO is the entry and exit
  code: ``<`` from silence / ``>`` to silence, ``-`` crossfade, ``=`` slide; a trailing
  ``->`` makes the whole period up to the next line the change.

Comments run from ``#`` to the end of the line. ``-i`` and ``-p`` schedules are written
as text by :mod:`.programs` and read here like any other.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise

from ...errors import RecipeError
from ...kinds.sbagen import MAX_WAVE_SAMPLES
from ..files import check_size
from .clock import DAY, parse_time_word
from .options import Options, read_options
from .programs import program_text
from .voices import Voice, parse_voice

__all__ = ["MAX_LINES", "MAX_SLOTS", "MAX_TIME_LINES", "NOT_A_SCHEDULE", "Line", "Schedule", "parse_sbg"]

MAX_SLOTS = 16  # channel slots SBaGen plays
MAX_LINES = 20_000  # lines in a file, comments included
MAX_TIME_LINES = 1000  # time lines once blocks are stamped in: each may become a phase
MAX_DEPTH = 16  # blocks within blocks

_NAME_DEF = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(?:\s+(.*))?$")
_WAVE_DEF = re.compile(r"^wave(\d\d)$")
NOT_A_SCHEDULE = "is not an SBaGen schedule"


@dataclass
class Line:
    """A time line: ``time`` s on the clock, entry/exit codes, tone-set, ``->``."""

    number: int
    text: str
    time: float
    entry: str
    exit: str
    voices: tuple[Voice | None, ...]
    slide_to_next: bool


@dataclass
class Schedule:
    """A parsed .sbg file: its time lines (clock times, in order around the day), options,
    waveforms and where playing starts (s on the clock)."""

    source: str
    lines: list[Line]
    options: Options = field(default_factory=Options)
    waves: dict[int, tuple[float, ...]] = field(default_factory=dict)
    start: float = 0.0

    @property
    def window(self) -> float:
        return self.options.window


@dataclass
class _Reader:
    source: str
    tonesets: dict[str, tuple[Voice | None, ...]] = field(default_factory=dict)
    blocks: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    waves: dict[int, tuple[float, ...]] = field(default_factory=dict)
    lines: list[Line] = field(default_factory=list)
    now: float = 0.0  # seconds on the clock of NOW: the -T time, else midnight
    last_absolute: float | None = None


def parse_sbg(text: str, source: str = "<sbg>") -> Schedule:
    """The time lines of SBaGen schedule ``text``; ``source`` names it in errors."""
    check_size(text, source, what="schedule")
    raw = text.splitlines()
    if len(raw) > MAX_LINES:
        raise RecipeError(f"{source}: more than {MAX_LINES} lines; a schedule is a short text")
    _not_a_recipe(raw, source)
    options = Options()
    numbered = [(n, r.split("#", 1)[0].strip()) for n, r in enumerate(raw, start=1)]
    numbered = [(n, t) for n, t in numbered if t]
    k = 0
    while k < len(numbered) and numbered[k][1].startswith("-"):
        number, line = numbered[k]
        read_options(line, options, _failer(source, number, line))
        k += 1
    reader = _Reader(source, now=options.start_clock or 0.0)
    if options.immediate is not None or options.program is not None:
        generated = program_text(options, _failer(source, numbered[k - 1][0], numbered[k - 1][1]))
        numbered = numbered[:k] + [(numbered[k - 1][0], t) for t in generated.splitlines()] + numbered[k:]
    while k < len(numbered):
        k = _statement(reader, numbered, k)
    if not reader.lines:
        raise RecipeError(f"{source}: no time lines; add one such as 'NOW name' after the tone-sets")
    lines = reader.lines
    _in_order(lines, source)
    start = options.start_clock if options.start_clock is not None else lines[0].time
    return Schedule(source, lines, options, reader.waves, start)


def _not_a_recipe(raw: list[str], source: str) -> None:
    """Refuse a TOML recipe given as a schedule, saying what to do with it."""
    first = next((r.strip() for r in raw if r.strip() and not r.strip().startswith("#")), "")
    if re.fullmatch(r"\[\[?[A-Za-z_]+\]\]?", first) or re.match(r"^[A-Za-z_]+\s*=", first):
        raise RecipeError(f"{source} {NOT_A_SCHEDULE} (its first line {first!r} is TOML): it looks like a recipe; "
                          f"play it with 'sensory play {source}', or import a .sbg file")


def _failer(source: str, number: int, line: str):
    def fail(problem: str):
        raise RecipeError(f"{source}: line {number}: {problem}: {line!r}")
    return fail


def _statement(r: _Reader, numbered: list[tuple[int, str]], k: int) -> int:
    """Read the statement at ``numbered[k]``; the index of the next one."""
    number, line = numbered[k]
    fail = _failer(r.source, number, line)
    if line.startswith("-"):
        fail("options go at the top of the file, before any tone-set or time line")
    m = _NAME_DEF.match(line)
    if m:
        name, rest = m.group(1), (m.group(2) or "").split()
        if name in r.tonesets or name in r.blocks:
            fail(f"{name!r} is defined twice; give each tone-set and block its own name")
        if rest == ["{"]:
            body = []
            k += 1
            while k < len(numbered) and numbered[k][1] != "}":
                if not numbered[k][1].startswith("+"):
                    _failer(r.source, *numbered[k])("every line in a block has a relative time (+HH:MM)")
                body.append(numbered[k])
                k += 1
            if k == len(numbered):
                fail("the block has no closing '}'; end it with a line holding only '}'")
            if not body:
                fail("the block is empty; give it time lines or remove it")
            r.blocks[name] = body
            return k + 1
        if w := _WAVE_DEF.match(name):
            r.waves[int(w.group(1))] = _wave(rest, fail)
            return k + 1
        if not rest:
            fail("a tone-set lists at least one tone spec ('-' for a silent one)")
        r.tonesets[name] = tuple(parse_voice(s, r.waves, fail) for s in rest[:MAX_SLOTS])
        return k + 1
    _time_line(r, number, line, 0.0, ())
    return k + 1


def _wave(samples: list[str], fail) -> tuple[float, ...]:
    try:
        values = tuple(float(s) for s in samples)
    except ValueError:
        fail("a waveform line lists numbers: 'waveNN: 0 5.5 10 8 ...'")
    if not all(math.isfinite(v) for v in values):
        fail("a waveform's samples are finite numbers (no nan or inf)")
    if len(values) < 2 or max(values) == min(values) or len(values) > MAX_WAVE_SAMPLES:
        fail(f"a waveform needs 2 to {MAX_WAVE_SAMPLES} samples, at least two of them different")
    return values


def _time_line(r: _Reader, number: int, line: str, base: float, calls: tuple[str, ...]) -> None:
    """Read time line ``line`` (number ``number``); in a block, its time counts from
    ``base`` (s on the clock) and ``calls`` are the blocks it is in."""
    fail = _failer(r.source, number, line)
    words = line.split()
    if calls:
        seconds, _ = parse_time_word(words[0], base, r.now, fail)
    else:
        seconds, absolute = parse_time_word(words[0], r.last_absolute, r.now, fail)
        if absolute is not None:
            r.last_absolute = absolute
    rest = words[1:]
    if len(rest) == 1 and rest[0] in r.blocks:
        name = rest[0]
        if name in calls:
            fail(f"block {name!r} names itself (through {' > '.join(calls)}); a block cannot contain itself")
        if len(calls) == MAX_DEPTH:
            fail(f"blocks nest more than {MAX_DEPTH} deep")
        for n, body in r.blocks[name]:
            _time_line(r, n, body, seconds, calls + (name,))
        return
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
    if rest[0] not in r.tonesets:
        fail(f"tone-set or block {rest[0]!r} is not defined (define it above, as '{rest[0]}: ...')")
    if len(r.lines) == MAX_TIME_LINES:
        fail(f"more than {MAX_TIME_LINES} time lines once blocks are stamped in; split the schedule")
    r.lines.append(Line(number, line, seconds, entry, exit_, r.tonesets[rest[0]], arrow))


def _in_order(lines: list[Line], source: str) -> None:
    """Time lines go forward around the day: no step back, and less than a day in all."""
    total = 0.0
    for a, b in pairwise(lines):
        step = (b.time - a.time) % DAY
        total += step
        if total >= DAY:
            raise RecipeError(f"{source}: line {b.number}: times must not go backwards: the time lines up to "
                              f"here span more than a day (this one comes {_hms(DAY - step)} before the one "
                              f"above); list time lines in order: {b.text!r}")


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
