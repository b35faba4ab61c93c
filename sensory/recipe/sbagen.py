"""SBaGen ``.sbg`` schedules read into recipes, with SBaGen's own timing.

Supported subset (anything else is a :class:`RecipeError` naming the file and line):

* option lines ``-S``, ``-E``, ``-SE``, ``-Q`` (accepted; a converted schedule always
  runs from its first time line to its last) and ``-F ms`` (the change window);
* tone-sets ``name: spec spec ...``, one spec per channel slot: ``-`` (silence),
  ``C+B/A`` and ``C-B/A`` (binaural beat), ``C/A`` (pure tone), ``pink/A``,
  ``white/A``, ``brown/A`` (noise) and ``bell+F/A`` (a bell struck when the
  tone-set's time line comes);
* time lines ``TIME [IO] NAME [->]`` with TIME ``NOW``, ``NOW+HH:MM[:SS]`` (offsets
  chain), ``+HH:MM[:SS]`` after an absolute time, or an absolute ``HH:MM[:SS]``
  (times after midnight wrap, as in SBaGen); IO is the entry and exit code:
  ``<`` from silence / ``>`` to silence, ``-`` crossfade, ``=`` slide.

Timing follows SBaGen 1.4: every change is spread over a window (60 s, or ``-F``)
centred on its time, shortened where the neighbouring periods are shorter; a
trailing ``->`` makes the whole period up to the next line the change. In a
change, a slot slides (amplitude, carrier and beat interpolated linearly) when
both sides allow it: same kind, and ``=`` on both sides or unchanged pitch;
otherwise the old sound fades to silence at the window's middle and the new one
fades in from there. Slots pair by position, as in SBaGen.

Ear: SBaGen's ``C+B`` puts the higher tone in the left ear, so ``200+10`` becomes
``beat = -10`` (left 205 Hz, right 195 Hz); ``200-10`` becomes ``beat = 10``.

Levels: SBaGen amplitudes (0-100, the sum at most 100) scale linearly, 100 being
full scale, less 6 dB of headroom; a tone of amplitude A has a peak of
A/100 * 0.5, a noise of amplitude A the RMS of that tone. SBaGen interpolates
amplitudes linearly; the recipe's gain curves follow that line with a point
every tenth of a change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import RecipeError

__all__ = ["parse_sbg", "load_sbg", "recipe_data", "to_toml", "import_file"]

DAY = 86400.0
HEADROOM_DB = -6.0
TONE_PEAK = 0.178  # peak of a tone kind at 0 dB (sensory.kinds.tones)
NOISE_RMS = 0.126  # RMS of the noise kind at 0 dB
BELL_PEAK = 0.35  # peak of a bell strike at 0 dB (sensory.kinds.bells)
RAMP_POINTS = 10  # gain points per linear amplitude ramp
MAX_SLOTS = 16
MAX_LINES = 20_000  # lines in a file, comments included
MAX_TIME_LINES = 1000  # time lines: each becomes a phase and up to RAMP_POINTS + 1 curve points

_NAME_DEF = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):(\s+(.*))?$")
_CLOCK = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?")
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
    carrier: float = 0.0
    beat: float = 0.0  # sensory convention: positive = higher tone on the right


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
    window: float = 60.0
    options: list[str] = field(default_factory=list)  # the option words read, for information


def parse_sbg(text: str, source: str = "<sbg>") -> Schedule:
    """The time lines of SBaGen schedule ``text``; ``source`` names it in errors."""
    from .library import MAX_FILE_BYTES

    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise RecipeError(f"{source}: the file is larger than {MAX_FILE_BYTES // 1024} KiB; a schedule is a short text")
    if len(text.splitlines()) > MAX_LINES:
        raise RecipeError(f"{source}: more than {MAX_LINES} lines; a schedule is a short text")
    tonesets: dict[str, tuple[Voice | None, ...]] = {}
    lines: list[Line] = []
    window = 60.0
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
            tonesets[name] = tuple(_voice(s, fail) for s in specs)
            continue
        words = line.split()
        seconds, absolute = _time(words[0], last_absolute, fail)
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


def _voice(spec: str, fail) -> Voice | None:
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
        if beat < 0.5:
            fail(f"beat {beat:g} Hz in {spec!r} is below 0.5 Hz, which sensory does not play")
        # SBaGen '+' puts the higher tone in the LEFT ear: sensory's negative beat
        return Voice("binaural", amp, carrier=carrier, beat=-beat if sign == "+" else beat)
    if m := _TONE_SPEC.match(spec):
        return Voice("tone", _amp(m.group(2), spec, fail), carrier=float(m.group(1)))
    fail(f"tone spec {spec!r} is not supported (supported: -, C+B/A, C-B/A, C/A, pink/A, white/A, "
         "brown/A, bell+F/A)")


def _amp(text: str, spec: str, fail) -> float:
    amp = float(text)
    if amp > 100:
        fail(f"amplitude {amp:g} in {spec!r} is above 100")
    return amp


def _time(word: str, last_absolute: float | None, fail) -> tuple[float, float | None]:
    """Seconds of a time word (wrapped to a day) and the new last absolute time, if any."""
    pos, absolute = 0, None
    if word.startswith("NOW"):
        seconds, absolute, pos = 0.0, 0.0, 3
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


def _clock(m: re.Match, fail) -> float:
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h >= 24 or mi >= 60 or s >= 60:
        fail(f"{m.group(0)!r}: hours must be below 24, minutes and seconds below 60")
    return h * 3600.0 + mi * 60.0 + s


# --- SBaGen's timing: periods and change windows -------------------------------------------

@dataclass
class _Period:
    """A stretch of the circular day: steady (``line`` set) or a change (``change`` set)."""

    time: float
    line: Line | None = None
    change: str | None = None  # "fade" (window centred on the next line) or "slide" (->)


def _periods(schedule: Schedule) -> list[_Period]:
    """SBaGen's circular list: each line's steady period, then its change period, with
    the change windows placed and shortened the way SBaGen 1.4 does."""
    lines = schedule.lines
    ring: list[_Period] = []
    for line in lines:
        ring.append(_Period(line.time, line=line))
        ring.append(_Period(line.time, change="slide" if line.slide_to_next else "fade"))
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


@dataclass
class _Track:
    """Breakpoints of one converted layer: (time, amp, carrier, beat, shape)."""

    kind: str
    slot: int
    points: list[tuple[float, float, float, float, str]] = field(default_factory=list)
    strikes: list[tuple[float, Voice]] = field(default_factory=list)  # bells: (time, voice)

    def add(self, t: float, amp: float, pitch: Voice, shape: str) -> None:
        """A breakpoint at ``t`` s: amplitude ``amp`` at the carrier and beat of ``pitch``."""
        self.points.append((t, amp, pitch.carrier, pitch.beat, shape))


def _compatible(a: Voice, b: Voice, fo: str, fi: str) -> bool:
    """Whether SBaGen glides from ``a`` to ``b`` instead of passing through silence."""
    if fo == ">" or fi == "<":  # exit to silence or entry from silence
        return False
    if a.kind != b.kind:
        return False
    if (fo == "-" or fi == "-") and a.kind in ("binaural", "tone") and (a.carrier, a.beat) != (b.carrier, b.beat):
        return False
    return True


def _tracks(schedule: Schedule) -> tuple[list[_Track], float]:
    """Every layer's breakpoints over the session and the session length (s)."""
    ring = _periods(schedule)
    lines = schedule.lines
    end = lines[-1].time
    # unroll the ring onto the session's time axis: the first line's period starts at 0
    # (the change before it, from the last line, wraps around from the previous day)
    tracks: dict[tuple[int, str], _Track] = {}

    def track(slot: int, kind: str, freq: float = 0.0) -> _Track:
        key = (slot, kind, freq)
        if key not in tracks:
            tracks[key] = _Track(kind, slot)
        return tracks[key]

    n = len(ring)
    for i in range(1, n, 2):
        change = ring[i]
        before = ring[i - 1].line
        after = ring[(i + 1) % n].line
        t0 = change.time
        t1 = ring[(i + 1) % n].time
        if i == n - 1:  # the wrap-around change into the first line: centred on time 0
            t0 -= DAY if t0 > t1 else 0.0
        elif t1 < t0:
            t1 += DAY
        fo, fi = before.exit, after.entry
        slide = change.change == "slide"
        if slide:
            fo = fi = "="
        mid = (t0 + t1) / 2
        slots = max(len(before.voices), len(after.voices))
        for slot in range(slots):
            a = before.voices[slot] if slot < len(before.voices) else None
            b = after.voices[slot] if slot < len(after.voices) else None
            if b is not None and b.kind == "bell":
                track(slot, "bell", b.carrier).strikes.append((after.time, b))
            a = None if a is not None and a.kind == "bell" else a
            b = None if b is not None and b.kind == "bell" else b
            if a is None and b is None:
                continue
            if slide and (a is None) != (b is None):  # '->' fades a lone voice at its own pitch
                a = a or replace(b, amp=0.0)
                b = b or replace(a, amp=0.0)
            if a is not None and b is not None and _compatible(a, b, fo, fi):  # one glide
                tr = track(slot, a.kind)
                tr.add(t0, a.amp, a, "step")
                tr.add(t1, b.amp, b, "lin")
                continue
            if a is not None:  # out to silence at the middle of the window
                tr = track(slot, a.kind)
                tr.add(t0, a.amp, a, "step")
                tr.add(mid, 0.0, a, "lin")
            if b is not None:  # in from silence
                tr = track(slot, b.kind)
                tr.add(mid, 0.0, b, "step")
                tr.add(t1, b.amp, b, "lin")
    for tr in tracks.values():
        tr.points.sort(key=lambda p: p[0])
    return [tracks[k] for k in sorted(tracks)], end


def _curve_at(points, t: float, index: int) -> float:
    """Value of field ``index`` (1 amp, 2 carrier, 3 beat) at ``t`` from breakpoints."""
    value = points[0][index]
    for k, p in enumerate(points):
        if p[0] > t:
            if p[4] == "lin" and k > 0:
                q = points[k - 1]
                x = (t - q[0]) / (p[0] - q[0]) if p[0] > q[0] else 1.0
                return q[index] + (p[index] - q[index]) * x
            return value
        value = p[index]
    return value


def _clip(points, end: float):
    """The breakpoints restricted to [0, end], with values at both edges."""
    inside = [p for p in points if 0 < p[0] < end]
    first = (0.0, *[_curve_at(points, 0.0, k) for k in (1, 2, 3)], "step")
    last = (end, *[_curve_at(points, end, k) for k in (1, 2, 3)], "lin")
    return [first] + inside + [last]


def _gain_db(amp: float, kind: str) -> float:
    if amp <= 0:
        return -120.0
    level = amp / 100 * 10 ** (HEADROOM_DB / 20)
    nominal = {"pink": NOISE_RMS * math.sqrt(2), "white": NOISE_RMS * math.sqrt(2), "brown": NOISE_RMS * math.sqrt(2),
               "bell": BELL_PEAK}.get(kind, TONE_PEAK)
    return max(-120.0, min(12.0, 20 * math.log10(level / nominal)))


def _gain_curve(points, kind: str) -> list:
    """gain_db breakpoints following SBaGen's linear amplitude ramps."""
    out = [[points[0][0], _gain_db(points[0][1], kind), "step"]]
    for q, p in zip(points, points[1:]):
        if p[4] == "lin" and p[1] != q[1] and p[0] > q[0]:
            for k in range(1, RAMP_POINTS):
                x = k / RAMP_POINTS
                out.append([q[0] + (p[0] - q[0]) * x, _gain_db(q[1] + (p[1] - q[1]) * x, kind), "lin"])
            out.append([p[0], _gain_db(p[1], kind), "lin"])
        else:
            out.append([p[0], _gain_db(p[1], kind), p[4] if p[1] != q[1] else "step"])
    return _simplify(out)


def _pitch_curve(points, index: int) -> list | float:
    return _simplify([[p[0], p[index], p[4]] for p in points])


def _simplify(points: list) -> list | float:
    """Drop points that only repeat a held value; a constant becomes a number."""
    out = [points[0]]
    for k, p in enumerate(points[1:], start=1):
        following = points[k + 1] if k + 1 < len(points) else None
        held = p[1] == out[-1][1]
        if held and (following is None or following[2] == "step" or following[1] == p[1] or p[0] == out[-1][0]):
            continue
        out.append(p)
    if len(out) == 1:
        return round(out[0][1], 6)
    return [[round(t, 6), round(v, 6), shape] for t, v, shape in out]


def recipe_data(schedule: Schedule, name: str) -> dict:
    """Recipe data (the dict a TOML recipe parses into) for ``schedule``."""
    tracks, end = _tracks(schedule)
    soundscape = end <= 0
    duration = 3600.0 if soundscape else end
    lines = schedule.lines
    phases = []
    for k, line in enumerate(lines[:-1] if not soundscape else lines):
        stop = lines[k + 1].time if k + 1 < len(lines) else duration
        if stop > line.time:
            phases.append({"name": f"line{line.number}", "duration": round(stop - line.time, 6),
                           "description": f"SBaGen line {line.number}: {line.text}"})
    layers = []
    for tr in tracks:
        base = {"name": f"slot{tr.slot + 1}-{tr.kind}" + (f"-{tr.strikes[0][1].carrier:g}" if tr.strikes else "")}
        if tr.kind == "bell":
            strikes = sorted({round(t, 6) for t, _ in tr.strikes if 0 <= t < duration})
            if strikes:
                voice = tr.strikes[0][1]
                layers.append({**base, "kind": "bell", "model": "bell", "freq": voice.carrier, "decay": 4.0,
                               "strikes": strikes, "gain_db": _gain_db(voice.amp, "bell")})
            continue
        points = _clip(tr.points, duration) if not soundscape else [(0.0, *tr.points[-1][1:4], "step")]
        if all(p[1] == 0 for p in points):
            continue
        layer = dict(base)
        if tr.kind in ("pink", "white", "brown"):
            layer.update(kind="noise", color=tr.kind)
        else:
            layer.update(kind=tr.kind, carrier=_pitch_curve(points, 2))
            if tr.kind == "binaural":
                layer["beat"] = _pitch_curve(points, 3)
        layer["gain_db"] = _gain_curve(points, tr.kind)
        if tr.kind == "tone":
            layer["freq"] = layer.pop("carrier")
        layers.append(layer)
    if not layers:
        raise RecipeError(f"{schedule.source}: the schedule is silent throughout; nothing to convert")
    session = {"title": name, "description": f"converted from SBaGen schedule {Path(schedule.source).name}",
               "type": "soundscape" if soundscape else "session", "duration": duration,
               "fade_in": 0.0 if not soundscape else 3.0, "fade_out": 1.0 if not soundscape else 5.0}
    data = {"session": session, "layer": layers}
    if phases and not soundscape:
        data["phase"] = phases
    return data


def load_sbg(path: Path, text: str, name: str | None = None):
    """The :class:`~sensory.recipe.model.Recipe` of the .sbg file at ``path`` (already read as ``text``)."""
    from .model import parse

    schedule = parse_sbg(text, str(path))
    return parse(recipe_data(schedule, name or path.stem), str(path), name=name or path.stem)


def to_toml(data: dict) -> str:
    """TOML text of recipe data made by :func:`recipe_data`."""
    out = []
    for key in ("session",):
        out.append(f"[{key}]")
        out += [f"{k} = {_toml_value(v)}" for k, v in data[key].items()]
    for table in ("phase", "layer"):
        for entry in data.get(table, []):
            out += ["", f"[[{table}]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    return "\n".join(out) + "\n"


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) else str(v)
    return "[" + ", ".join(_toml_value(x) for x in v) + "]"


def import_file(sbg: str | Path, output: str | Path, *, force: bool = False):
    """Convert the .sbg file ``sbg`` into the TOML recipe ``output``; returns the Recipe.

    The TOML is checked by loading it back before it is written (through a partial
    file renamed into place, :mod:`sensory.destination`); an existing ``output`` is
    kept unless ``force``; ``output`` must not be a link, a folder or the .sbg itself.
    """
    from ..destination import check, write_text
    from .library import _load_file
    from .model import parse_text

    sbg, output = Path(sbg), Path(output)
    if output.suffix.lower() != ".toml":
        raise RecipeError(f"{output}: a recipe file ends in .toml")
    check(output, force=force, inputs=[sbg])
    recipe = _load_file(sbg)
    text = f"# Converted by `sensory import` from {sbg.name}\n" + to_toml(recipe_data(parse_sbg(sbg.read_text("utf-8"), str(sbg)), sbg.stem))
    parse_text(text, str(output), name=output.stem)
    write_text(output, text)
    return recipe
