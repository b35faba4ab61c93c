"""SBaGen 1.4's timing: where each change runs, and every layer's breakpoints.

Every change is spread over a window (60 s, or ``-F``) centred on its time,
shortened where the neighbouring periods are shorter; a trailing ``->`` makes the
whole period up to the next line the change. In a change, a slot slides
(amplitude, carrier and beat interpolated linearly) when both sides allow it: same
kind, and ``=`` on both sides or unchanged pitch; otherwise the old sound fades to
silence at the window's middle and the new one fades in from there. Slots pair by
position, as in SBaGen. A bell is struck where its tone-set comes in: the middle of the
change into it (measured: a bell line at 1:00 rings at 60.0 s).

The ring of changes is periodic over SBaGen's day; :func:`tracks` lays it on the session's
time axis from the schedule's start (``-S``: the first line; ``-T``: a clock time), over
every day the session covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .clock import DAY
from .schedule import Line, Schedule
from .voices import NOISES, Voice

__all__ = ["Breakpoint", "Period", "Track", "glides", "periods", "tracks"]


@dataclass
class Period:
    """A stretch of the circular day from ``time`` (s): steady (``line`` set) or a change
    (``change`` set: "fade", a window centred on the next line, or "slide", ``->``)."""

    time: float
    line: Line | None = None
    change: str | None = None


def periods(schedule: Schedule) -> list[Period]:
    """SBaGen's circular list: each line's steady period, then its change period, with
    the change windows placed and shortened the way SBaGen 1.4 does."""
    ring: list[Period] = []
    for line in schedule.lines:
        ring.append(Period(line.time, line=line))
        ring.append(Period(line.time, change="slide" if line.slide_to_next else "fade"))
    n = len(ring)

    def length(i: int) -> float:
        """Seconds from period i to the next, around the day."""
        return (ring[(i + 1) % n].time - ring[i].time) % DAY

    for i in range(1, n, 2):  # a plain change sits at the next line's time
        if ring[i].change == "fade":
            ring[i].time = ring[(i + 1) % n].time
    for i in range(1, n, 2):
        if ring[i].change == "fade" and length(i) < schedule.window:
            adj = (schedule.window - length(i)) / 2
            before = min(adj, length(i - 1))
            after = min(adj, length((i + 1) % n))
            ring[i].time = (ring[i].time - before) % DAY
            nxt = ring[(i + 1) % n]
            nxt.time = (nxt.time + after) % DAY
    return ring


Breakpoint = tuple[float, float, float, float, str]
"""(time s, SBaGen amplitude 0-100, carrier Hz, beat Hz, shape of the segment ending here)."""


@dataclass
class Track:
    """Breakpoints of one converted layer: slot ``slot`` of kind ``kind``."""

    kind: str
    slot: int
    points: list[Breakpoint] = field(default_factory=list)
    strikes: list[tuple[float, Voice]] = field(default_factory=list)  # bells: (time s, voice)

    def add(self, t: float, amp: float, pitch: Voice, shape: str) -> None:
        """A breakpoint at ``t`` s: amplitude ``amp`` at the carrier and beat of ``pitch``."""
        self.points.append((t, amp, pitch.carrier, pitch.beat, shape))


def glides(a: Voice, b: Voice, fo: str, fi: str) -> bool:
    """Whether SBaGen glides from ``a`` (exit code ``fo``) to ``b`` (entry code ``fi``)
    instead of passing through silence."""
    if fo == ">" or fi == "<":  # exit to silence or entry from silence
        return False
    if a.kind != b.kind:
        return False
    return not ((fo == "-" or fi == "-") and a.pitch != b.pitch and a.kind not in (*NOISES, "mix"))


def tracks(schedule: Schedule, duration: float) -> list[Track]:
    """Every layer's breakpoints on the session's time axis (0 at the schedule's start),
    ordered by slot, covering ``duration`` s and the change running at its start."""
    ring = periods(schedule)
    n = len(ring)
    found: dict[tuple, Track] = {}

    def track(slot: int, kind: str, freq: tuple = ()) -> Track:
        key = (slot, kind, freq)
        if key not in found:
            found[key] = Track(kind, slot)
        return found[key]

    days = range(-1, int(duration // DAY) + 1)
    for i in range(1, n, 2):
        change = ring[i]
        before = ring[i - 1].line
        after = ring[(i + 1) % n].line
        start = (change.time - schedule.start) % DAY
        length = (ring[(i + 1) % n].time - change.time) % DAY
        fo, fi = before.exit, after.entry
        slide = change.change == "slide"
        if slide:
            fo = fi = "="
        slots = max(len(before.voices), len(after.voices))
        for day in days:
            t0 = start + day * DAY
            t1, mid = t0 + length, t0 + length / 2
            if t1 < -DAY or t0 > duration:
                continue
            for slot in range(slots):
                a = before.voices[slot] if slot < len(before.voices) else None
                b = after.voices[slot] if slot < len(after.voices) else None
                _change(track, slot, a, b, t0, t1, mid if not slide else t1, fo, fi, slide)
    for tr in found.values():
        tr.points.sort(key=lambda p: (p[0], p[4] != "lin"))  # a ramp ends before the next one starts
        tr.strikes.sort(key=lambda s: s[0])
    return [found[k] for k in sorted(found)]


def _change(track, slot: int, a: Voice | None, b: Voice | None, t0: float, t1: float, mid: float,
            fo: str, fi: str, slide: bool) -> None:
    """Breakpoints of slot ``slot`` changing from ``a`` to ``b`` over ``t0``-``t1`` (s)."""
    if b is not None and b.kind == "bell":
        track(slot, "bell", (b.carrier, b.amp)).strikes.append((mid, b))
    a = None if a is not None and a.kind == "bell" else a
    b = None if b is not None and b.kind == "bell" else b
    if a is None and b is None:
        return
    if slide and (a is None) != (b is None):  # '->' fades a lone voice at its own pitch
        a = a or replace(b, amp=0.0)
        b = b or replace(a, amp=0.0)
    if a is not None and b is not None and glides(a, b, fo, fi):  # one glide
        tr = track(slot, a.kind)
        tr.add(t0, a.amp, a, "step")
        tr.add(t1, b.amp, b, "lin")
        return
    middle = (t0 + t1) / 2
    if a is not None:  # out to silence at the middle of the window
        tr = track(slot, a.kind)
        tr.add(t0, a.amp, a, "step")
        tr.add(middle, 0.0, a, "lin")
    if b is not None:  # in from silence
        tr = track(slot, b.kind)
        tr.add(middle, 0.0, b, "step")
        tr.add(t1, b.amp, b, "lin")
