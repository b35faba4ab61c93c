"""SBaGen's ``-i`` and ``-p`` schedules, written out as ``.sbg`` text.

* ``-i SPECS...``: one tone-set played throughout;
* ``-p slide [tMIN] C+B/A SPECS...``: the beat held while the carrier slides from C down to
  B/2 over MIN minutes (30), then a 10-s fade;
* ``-p drop [tD,H,W] LL[.L]X[s|k][+][^][/A] SPECS...``: the carrier from 205 - 2*LL Hz
  down 5 Hz, the beat from 10 Hz down to depth X's target (a-l: 4.4 ... 0.3 Hz) exponentially
  over D minutes (30); ``+`` holds the target H more minutes (30) while the carrier keeps
  dropping, ``^`` slides back up over W minutes (3). Steps of 3 minutes (1 with ``k``),
  each holding, then sliding to the next over its last 10 s (5 s); ``s`` slides all the
  way, in straight lines between the beat's values at D - 1 equal steps (and one line
  through the hold). The end fades out over 10 s (the last step's slide, stepped).

SPECS ride along in every tone-set. The shapes, figures and lengths are SBaGen 1.4.4's
(``sbagen -D -p ...``, SBaGen's own listing of what it will play), but every point sits
5 s later than in that listing: the schedule fades in from silence over its first 5 s,
where SBaGen's starts at full level.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NoReturn

from .options import Options

__all__ = ["DEPTHS", "program_text"]

DEPTHS = dict(zip("abcdefghijkl", (4.4, 3.7, 3.1, 2.5, 2.0, 1.5, 1.2, 0.9, 0.7, 0.5, 0.4, 0.3)))
_DROP = re.compile(r"^(\d\d(?:\.\d*)?)([a-lA-L])([sk]?)(\+?)(\^?)(?:/(\d+\.?\d*|\.\d+))?$")
_LENGTHS = re.compile(r"^t(\d+),(\d+),(\d+)$")
_SLIDE = re.compile(r"^(\d+\.?\d*|\.\d+)([+-])(\d+\.?\d*|\.\d+)/(\d+\.?\d*|\.\d+)$")
_FADE_S = 10.0
_FADE_IN_S = 5.0
_DAY_MIN = 1440


def program_text(options: Options, fail: Callable[[str], NoReturn]) -> str:
    """The .sbg text of the ``-i`` or ``-p`` schedule in ``options``."""
    if options.immediate is not None:
        return "immediate: " + " ".join(options.immediate) + "\nNOW immediate"
    options.to_end = True  # a program ends where it ends
    words = options.program
    name, args = words[0], words[1:]
    if name == "slide":
        return _slide(args, fail)
    if name == "drop":
        return _drop(args, fail)
    fail(f"-p {name!r} is not one of SBaGen's programs; use '-p drop 00ds+' or '-p slide 200+10/1'")


def _minutes(args: list[str], fail, defaults: tuple[int, ...]) -> tuple[list[str], tuple[int, ...]]:
    """The arguments after the optional length word (``tM`` or ``tD,H,W``) and the lengths
    in minutes it gives (else ``defaults``)."""
    given = bool(args) and args[0].startswith("t")
    if given:
        m = re.fullmatch(r"t(\d+)", args[0]) if len(defaults) == 1 else _LENGTHS.match(args[0])
        if not m:
            fail(f"{args[0]!r}: the length is " + ("tMINUTES, e.g. t60" if len(defaults) == 1
                                                    else "tDROP,HOLD,WAKE in minutes, e.g. t40,10,5"))
        minutes = tuple(int(g) for g in m.groups())
    else:
        minutes = defaults
    if minutes[0] < 1 or sum(minutes) > _DAY_MIN:
        fail(f"the program's lengths are at least 1 minute and {_DAY_MIN} minutes in all (a day)")
    return args[given:], minutes


def _slide(args: list[str], fail) -> str:
    args, (minutes,) = _minutes(args, fail, (30,))
    m = _SLIDE.match(args[0]) if args else None
    if not m:
        fail("-p slide takes [tMINUTES] CARRIER+BEAT/AMP, e.g. '-p slide t60 200+10/1 mix/100'")
    carrier, sign, beat, amp = float(m.group(1)), m.group(2), float(m.group(3)), float(m.group(4))
    beat = beat if sign == "+" else -beat
    extra = " ".join(args[1:])
    end = minutes * 60.0
    return _text([(0.0, carrier, beat, amp, True), (end, beat / 2, beat, amp, False)], extra, end + _FADE_S)


def _drop(args: list[str], fail) -> str:
    args, (drop_min, hold_min, wake_min) = _minutes(args, fail, (30, 30, 3))
    m = _DROP.match(args[0]) if args else None
    if not m:
        fail("-p drop takes [tDROP,HOLD,WAKE] LEVEL DEPTH [s|k][+][^][/AMP], e.g. '-p drop 00ds+' or "
             "'-p drop 20fs+^/2 mix/98'")
    level, depth, mode, hold, wake, amp = m.groups()
    top = 205.0 - 2 * float(level)
    target = DEPTHS[depth.lower()]
    amp = float(amp) if amp else 1.0
    drop_s, hold_s, wake_s = drop_min * 60.0, (hold_min * 60.0 if hold else 0.0), wake_min * 60.0 if wake else 0.0
    total = drop_s + hold_s
    extra = " ".join(args[1:])

    def beat(t: float) -> float:
        return 10.0 * (target / 10.0) ** (min(t, drop_s) / drop_s)

    points: list[tuple[float, float, float, float, bool]] = []
    if mode == "s":
        n = max(1, drop_min - 1)
        times = [drop_s * k / n for k in range(n + 1)] + ([total] if hold_s else [])
        points += [(t, top - 5.0 * t / total, beat(t), amp, True) for t in times]
        end = total
    else:
        step = 60.0 if mode == "k" else 180.0
        slot = 5.0 if mode == "k" else 10.0
        steps = max(1, round(drop_s / step))
        count = steps + round(hold_s / step)
        for k in range(count):
            b = 10.0 * (target / 10.0) ** (min(k, steps - 1) / max(steps - 1, 1))
            c = top - 5.0 * (k + 1) / count
            points += [(k * step, c, b, amp, False), ((k + 1) * step - slot, c, b, amp, True)]
        end = count * step - slot
        if not wake:
            return _text(points, extra, count * step)
    if wake:
        points.append((end + wake_s, top, 10.0, amp, False))
        end += wake_s
    return _text(points, extra, end + _FADE_S)


def _text(points: list[tuple[float, float, float, float, bool]], extra: str, off: float) -> str:
    """Schedule text: a tone-set and a time line per point (time s, carrier, beat, amp,
    whether it slides to the next), the last one sliding to silence at ``off`` (s). Like
    SBaGen's, the program fades in over :data:`_FADE_IN_S` before its first point."""
    silent = " ".join(re.sub(r"/[^/]*$", "/0", s) for s in extra.split())
    _, c0, b0, _, _ = points[0]
    out = [f"p-in: {c0:.6g}{b0:+.6g}/0 {silent}".rstrip()]
    out += [f"p{k}: {c:.6g}{b:+.6g}/{a:.6g} {extra}".rstrip() for k, (t, c, b, a, _) in enumerate(points)]
    out += ["p-off: -", "NOW == p-in ->"]
    last = len(points) - 1
    out += [f"{_clock(t + _FADE_IN_S)} == p{k}" + (" ->" if slides or k == last else "")
            for k, (t, c, b, a, slides) in enumerate(points)]
    out.append(f"{_clock(off + _FADE_IN_S)} p-off")
    return "\n".join(out)


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"NOW+{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
