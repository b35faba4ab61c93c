"""Session times: ``90``, ``"90s"``, ``"2m"``, ``"1h30m"``, ``"05:00"``, ``"1:02:03.5"``.

Once a session has phases, a time may also name a mark: ``"breathe"`` (the start
of the phase called breathe), ``"breathe+30s"``, ``"end-2m"``; ``start`` and
``end`` are always defined when the session length is known.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

__all__ = ["parse_time", "format_time", "TimeError"]

_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_UNIT_RE = re.compile(rf"^(?:({_NUMBER})(h|ms|m|s))+$")
_UNIT_PART = re.compile(rf"({_NUMBER})(h|ms|m|s)")
_CLOCK_RE = re.compile(rf"^(?:(\d+):)?(\d+):({_NUMBER})$")
_MARK_RE = re.compile(r"^([A-Za-z_][\w-]*?)(?:\s*([+-])\s*(.+))?$")


class TimeError(ValueError):
    """A time string that cannot be read; the message says what is accepted."""


def _duration(text: str) -> float:
    """Seconds in a plain duration string (no marks)."""
    s = text.strip().lower()
    try:
        return float(s)
    except ValueError:
        pass
    compact = s.replace(" ", "")
    if _UNIT_RE.match(compact):
        return sum(float(n) * _UNITS[u] for n, u in _UNIT_PART.findall(compact))
    m = _CLOCK_RE.match(compact)
    if m:
        h, mi, sec = m.groups()
        if float(sec) >= 60 or (h is not None and int(mi) >= 60):
            raise TimeError(f"'{text}': minutes and seconds of a clock time must be below 60")
        return int(h or 0) * 3600.0 + int(mi) * 60.0 + float(sec)
    raise TimeError(
        f"'{text}' is not a time; write seconds (90), units ('90s', '2m', '1h30m') "
        "or a clock ('05:00', '1:30:00')"
    )


def _mark(text: str, known: Mapping[str, float]) -> tuple[str, str | None, str | None] | None:
    """``text`` split into (mark, sign, offset). Mark names may hold '-' ("whole-body-30s"),
    so a known name that the text starts with wins, the longest first."""
    for name in sorted(known, key=len, reverse=True):
        rest = text[len(name):].lstrip() if text.startswith(name) else None
        if rest == "":
            return name, None, None
        if rest and rest[0] in "+-":
            return name, rest[0], rest[1:]
    m = _MARK_RE.match(text)
    return m.groups() if m else None


def parse_time(value: float | int | str, marks: Mapping[str, float] | None = None) -> float:
    """Seconds from a number or a time string, resolving phase marks.

    ``marks`` maps mark names (phase names, ``start``, ``end``) to seconds.
    Raises :class:`TimeError` for text that is neither a time nor a known mark.
    """
    if isinstance(value, bool):
        raise TimeError(f"{value!r} is not a time")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = _duration(value)
        except TimeError:
            known = marks or {}
            m = _mark(value.strip(), known)
            if not m:
                raise
            name, sign, offset = m
            if name not in known:
                if name in ("start", "end") or not known:
                    raise
                names = ", ".join(sorted(known))
                raise TimeError(f"'{value}': no phase mark '{name}' (marks: {names})") from None
            seconds = known[name]
            if sign:
                seconds += _duration(offset) * (1 if sign == "+" else -1)
    else:
        raise TimeError(f"{value!r} is not a time; write a number of seconds or a string like '2m'")
    if not math.isfinite(seconds):
        raise TimeError(f"{value!r} is not a finite time")
    return seconds


def format_time(seconds: float) -> str:
    """``3725.5 -> '1:02:05'``, ``65 -> '1:05'``: a clock for status lines and listings."""
    if not math.isfinite(seconds):
        return "∞"
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
