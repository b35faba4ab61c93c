"""SBaGen time words: ``NOW``, ``NOW+HH:MM[:SS]``, ``+HH:MM[:SS]`` and ``HH:MM[:SS]``.

Times are seconds on SBaGen's circular day: offsets chain (``NOW+00:10+00:05``),
a relative time counts from the last absolute time (or ``NOW``) on an earlier
line, and times past midnight wrap. ``HH:MM`` is hours and minutes, here as in SBaGen
(``+00:30`` is half an hour).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn

__all__ = ["DAY", "parse_time_word"]

DAY = 86400.0  # seconds in SBaGen's circular day

_CLOCK = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")


def parse_time_word(word: str, last_absolute: float | None, now: float,
                    fail: Callable[[str], NoReturn]) -> tuple[float, float | None]:
    """Seconds on the clock of time word ``word`` (wrapped to a day) and the absolute time
    it sets, if any.

    ``last_absolute``: seconds of the last absolute time before it (None if none yet);
    ``now``: seconds on the clock of ``NOW``; ``fail(problem)`` raises for a word that is not a time.
    """
    pos, absolute = 0, None
    if word.startswith("NOW"):
        seconds, absolute, pos = now, now, 3
    elif word[:1] == "+":
        if last_absolute is None:
            fail("a relative time needs an absolute time (or NOW) on an earlier line")
        seconds = last_absolute
    else:
        m = _CLOCK.match(word)
        if not m:
            fail(f"{word!r} is not a time; use NOW, NOW+HH:MM[:SS] or HH:MM[:SS]")
        seconds = absolute = _clock(m, fail)
        pos = m.end()
    while pos < len(word):
        m = _CLOCK.match(word, pos + 1) if word[pos] == "+" else None
        if not m:
            fail(f"{word!r} is not a time; use NOW, NOW+HH:MM[:SS] or HH:MM[:SS]")
        seconds = (seconds + _clock(m, fail)) % DAY
        pos = m.end()
    return seconds, absolute


def _clock(m: re.Match, fail: Callable[[str], NoReturn]) -> float:
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h >= 24 or mi >= 60 or s >= 60:
        fail(f"{m.group(0)!r}: hours must be below 24, minutes and seconds below 60")
    return h * 3600.0 + mi * 60.0 + s
