"""Hostile inputs for the loaders, and the property every loader must keep.

Shared by the seeded slice in tests/test_fuzz.py and the long campaign in
bench/fuzz_campaign.py. Inputs are real presets, .sbg schedules and catalog
manifests, mutated line by line and value by value: lines deleted, duplicated
(duplicate keys), swapped and truncated; values replaced by wrong types, huge
and tiny numbers, NaN and infinities, unicode, deep nesting and long curves.

The property (:func:`check_recipe_text`, :func:`check_sbg_text`,
:func:`check_catalog_text`): loading either succeeds or raises
:class:`~sensory.errors.RecipeError` whose message starts with the file's name
and says where; no other exception escapes and no load takes longer than
:data:`DEADLINE_S`. A recipe that loads is also built and rendered for a short
stretch: the samples are finite and stay under the recipe's ceiling.
"""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

from sensory.errors import RecipeError
from sensory.recipe.problems import MAX_PROBLEMS

ROOT = Path(__file__).resolve().parent.parent
PRESETS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "presets").glob("*.toml"))}
DEADLINE_S = 10.0  # a load (or a short render) that takes longer counts as a hang

# SBaGen schedules (format: the SBaGen 1.4.4 manual, ../shared/peers/sbagen/SBAGEN.txt)
SBG = {
    "blocks.sbg": ("wave00: 0 5.5 10 8 10 7.2 4.7 2\nwa: wave00:200+4/30 pink/10\nsp: spin:300+4/20 bell-300/40\n"
                   "off: -\nbursts: {\n  +00:00 wa\n  +00:05 off\n}\nsets: {\n  +0:00 bursts\n  +0:10 bursts\n}\n"
                   "NOW sets\nNOW+00:20 == sp ->\nNOW+00:40 => off\n"),
    "drop.sbg": "-p drop 20fs+^/2 pink/30\n",
    "slide.sbg": "-p slide t2 200+10/1 brown/20\n",
    "bench.sbg": ("a10: pink/20 200+10/30\na6:  pink/20 200+6/30\noff: -\n"
                  "NOW          <= a10\nNOW+00:02:00 == a10 ->\nNOW+00:08:00 == a6\nNOW+00:10:00 => off\n"),
    "clock.sbg": ("-SE\n-F 20000\n## evening wind-down\nalpha: brown/30 150+10/30 bell+440/20\n"
                  "theta: brown/30 150+6/30\noff: -\n22:00 <= alpha\n+00:05 == theta ->\n"
                  "+00:20 == theta\n+00:25 => off\n"),
    "tones.sbg": ("# plain tones and noise\nt1: 200/40 white/10\nt2: 300-4/30 pink/10 -\n"
                  "t3: 100+1.5/20 brown/20 400/5\nNOW t1\nNOW+00:00:30 t2\nNOW+00:01:00+00:00:30 -= t3\n"
                  "NOW+00:02:00 => t1\n"),
}

CATALOG = ("[defaults]\nloudness = -16\ntrue_peak = -1\nartist = \"Quiet Room\"\n\n"
           "[[track]]\npreset = \"pink\"\nduration = \"10m\"\noutput = \"out/pink-10m.flac\"\nloop = true\n\n"
           "[[track]]\npreset = \"brown\"\nduration = 30\noutput = \"out/brown.ogg\"\nseed = 4\n\n"
           "[[track]]\npreset = \"white\"\nduration = \"1m\"\noutput = \"white.wav\"\nsubtype = \"PCM_16\"\n"
           "mono = true\ntitle = \"White\"\n")

# ---- values a hostile or careless author writes ----

HOSTILE_VALUES = [
    "nan", "inf", "-inf", "+inf", "-nan", "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-5e-324",
    "0", "-0.0", "-1", "1", "9223372036854775807", "-9223372036854775808", "0x7fffffffffffffff",
    "true", "false", "\"\"", "\"x\"", "\"ü🎵 名前\"", "\"\\u0000\"", "\"24h\"", "\"-5m\"", "\"1e309s\"",
    "\"end-2m\"", "\"start+1h\"", "\"no-such-mark+3s\"", "\"99:99\"", "\"1:02:03.5\"", "\"10ms\"",
    "[]", "[1, 2]", "[[0, 1]]", "[[0, 1, \"exp\"], [1, 0, \"exp\"]]", "[[\"end\", 1], [0, 2]]",
    "[[0, nan]]", "[[0, 1, \"cubic\"]]", "[[0, 1, \"lin\", 4]]", "[[1e308, 1, \"lin\"]]", "{}", "{a = 1}",
    "1979-05-27T07:32:00Z", "07:32:00", "[\"a\", 1]", "\"pink\"", "\"../../etc/passwd\"", "\"/etc/passwd\"",
]


def deep_array(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def deep_inline(depth: int) -> str:
    return "{a = " * depth + "1" + "}" * depth


def long_curve(points: int, step: float = 0.001) -> str:
    return "[" + ", ".join(f"[{i * step:.6g}, {(i % 7) - 3}, \"lin\"]" for i in range(points)) + "]"


def line_mutations(lines: list[str], data: st.DataObject, pool: list[str]) -> list[str]:
    """Apply a few random line edits drawn through ``data``: delete, duplicate, swap,
    truncate, replace a value, insert a hostile line, or cut a line in two."""
    lines = list(lines)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        if not lines:
            lines.append("")
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "value", "insert", "cut",
                                        "chars"]), label="op")
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = data.draw(st.integers(0, len(lines) - 1), label="other")
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "truncate":
            lines = lines[:i]
            if lines and data.draw(st.booleans(), label="mid-line"):
                lines[-1] = lines[-1][: data.draw(st.integers(0, len(lines[-1])), label="at")]
        elif op == "value":
            lines[i] = replace_value(lines[i], data.draw(st.sampled_from(pool), label="value"))
        elif op == "insert":
            lines.insert(i, data.draw(st.sampled_from(pool), label="inserted"))
        elif op == "cut":
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            lines[i: i + 1] = [lines[i][:at], lines[i][at:]]
        else:
            junk = data.draw(st.text(min_size=1, max_size=8), label="chars")
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            lines[i] = lines[i][:at] + junk + lines[i][at:]
    return lines


def replace_value(line: str, value: str) -> str:
    """``key = value`` with a new value; other lines get the value appended as a token."""
    m = re.match(r"^(\s*[\w\".-]+\s*=\s*)", line)
    return m.group(1) + value if m else f"{line} {value}"


TOML_LINES = [f"{k} = {v}" for k in ("duration", "gain_db", "pan", "send", "seed", "sample_rate", "name",
                                      "kind", "intensity", "every", "strikes", "freq", "beat", "fade_in",
                                      "ceiling_db", "type", "birds", "crickets", "species", "model")
              for v in ("nan", "1e308", "\"x\"", "[[0, 1]]", "-1", "0", "\"24h\"")] + [
    "[session]", "[[layer]]", "[[phase]]", "[layer]", "[session.x]", "[[session]]", "[a.b.c]",
    "name = \"dup\"", "kind = \"bell\"", "kind = \"rain\"", "every = 0.0001", "strikes = [0, 0, 0, 0]",
    "preset = \"rain\"", "preset = \"forest\"", "preset = \"../x\"", "preset = \"thunderstorm\"",
    "levels = { drops = -3 }", "levels = { nope = 1e308 }", "[[layer]]\nname = \"g\"\npreset = \"rain\"",
    "[[layer]]\nname = \"n\"\nkind = \"noise\"", "= 1", "x = ", "\"\"\"", "'''", "key = \"unterminated",
    f"gain_db = {deep_array(40)}", f"pan = {deep_inline(40)}",
]


@st.composite
def recipe_texts(draw) -> tuple[str, str]:
    """(file name, text): a real preset mutated, or a preset with one hostile construct."""
    name = draw(st.sampled_from(sorted(PRESETS)), label="preset")
    text = PRESETS[name]
    how = draw(st.sampled_from(["lines", "lines", "lines", "deep", "curve", "layers", "bytes"]), label="how")
    if how == "lines":
        data = draw(st.data())
        text = "\n".join(line_mutations(text.splitlines(), data, HOSTILE_VALUES + TOML_LINES))
    elif how == "deep":
        depth = draw(st.sampled_from([64, 500, 5000, 100_000]), label="depth")
        value = draw(st.sampled_from([deep_array, deep_inline]))(depth)
        text = text.replace("[[layer]]", f"[[layer]]\ngain_db = {value}", 1)
    elif how == "curve":
        points = draw(st.sampled_from([2, 100, 10_001, 60_000]), label="points")
        text = text.replace("[[layer]]", f"[[layer]]\npan = {long_curve(points)}", 1)
    elif how == "layers":
        count = draw(st.sampled_from([64, 65, 1000]), label="layers")
        text += "".join(f"\n[[layer]]\nname = \"x{i}\"\nkind = \"noise\"\n" for i in range(count))
    else:
        raw = text.encode()
        at = draw(st.integers(0, len(raw)), label="at")
        junk = draw(st.binary(min_size=1, max_size=6), label="bytes")
        text = (raw[:at] + junk + raw[at:]).decode("utf-8", "replace")
    return name, text


SBG_POOL = ["NOW", "NOW+00:00:01", "+00:00:01", "23:59:59", "24:00", "99:99", "00:00:60", "NOW+99:00:00",
            "0:00", "a:", "a: -", "x: 200+10/30", "x: 200+0.1/30", "x: 1e9+10/30", "x: 200+10/300",
            "x: bell+100000/20", "x: bell+1/20", "x: 99999999999999999999/10", "x: pink/0", "x: .5/.5",
            "x: 200+10/30 " * 20, "NOW x", "NOW <> x", "NOW ?? x ->", "NOW x -> ->", "-F 0", "-F 999999999",
            "-SE -Q", "-m file.ogg", "name: {", "}", "## comment", "#", "\t", "NOW+00:01:00+00:01:00+00:01:00 a",
            "b: {", "+00:00 b", "NOW b", "b: {\n+00:00 b\n}", "wave00: 0 5.5 10 8", "wave99: 0 1e308", "wave00:",
            "x: wave00:200+4/50", "x: wave42:200+4/50", "x: spin:300+4/20", "x: spin:1e9+4/20", "x: bell-300/50",
            "x: mix/80", "x: mix/1e9", "-p drop 00ds+", "-p drop 99zk+^/999", "-p slide 200+10/1", "-p slide t1e9 1/1",
            "-T", "-r", "-L 00:10", "-L 99:99:99", "-i 200+10/30", "-c 0", "-q 999999999",
            "a10", "off", "nan", "inf", "1e999", "-1", "ü", "\x00", "\u2028", "\r", "\f"]


@st.composite
def sbg_texts(draw) -> tuple[str, str]:
    """(file name, text): one of :data:`SBG` mutated, or many generated time lines."""
    name = draw(st.sampled_from(sorted(SBG)), label="schedule")
    text = SBG[name]
    how = draw(st.sampled_from(["lines", "lines", "lines", "tokens", "many"]), label="how")
    if how == "lines":
        text = "\n".join(line_mutations(text.splitlines(), draw(st.data()), SBG_POOL))
    elif how == "tokens":
        tokens = re.split(r"(\s+)", text)
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(tokens) - 1), label="token")
            tokens[i] = draw(st.sampled_from(SBG_POOL + ["200+10/30", "pink/100", "brown/50", "=>", "<="]))
        text = "".join(tokens)
    else:
        count = draw(st.sampled_from([100, 2000, 30_000]), label="lines")
        step = draw(st.sampled_from([1, 2, 61]), label="step")
        body = "".join(f"+{(i * step) // 3600:02d}:{(i * step) // 60 % 60:02d}:{(i * step) % 60:02d} "
                       f"{'ab'[i % 2]}\n" for i in range(1, count))
        text = "a: pink/20 bell+440/20\nb: 200+10/30\n0:00 a\n" + body
    return name, text


MIXER_TOKEN = "t0ken"
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@st.composite
def mixer_messages(draw) -> tuple[str, str | bytes]:
    """("message", text) as a hostile page might send it to the web mixer: a real action with
    fields of any JSON value (NaN and infinities as JSON's constants), an unknown action or
    field, a wrong token, raw bytes, or deep nesting."""
    import json

    from sensory.web.messages import ACTIONS

    shape = draw(st.sampled_from(["fields", "fields", "fields", "raw", "deep"]))
    if shape == "raw":
        return "message", draw(st.binary(max_size=600))
    if shape == "deep":
        depth = draw(st.integers(1, 100_000))
        return "message", f'{{"token": "{MIXER_TOKEN}", "do": "volume", "db": ' + "[" * depth + "]" * depth + "}"
    action = draw(st.sampled_from([*ACTIONS, "rm -rf", ""]))
    tokens = [MIXER_TOKEN, MIXER_TOKEN, "", MIXER_TOKEN[:-1], MIXER_TOKEN + "x", None, 0]
    data = {"token": draw(st.sampled_from(tokens)), "do": action}
    for name in ACTIONS.get(action, {}):
        if draw(st.booleans()):
            data[name] = draw(JSON_VALUES)
    if draw(st.integers(0, 5)) == 0:
        data[draw(st.text(max_size=8))] = draw(JSON_VALUES)
    return "message", json.dumps(data, allow_nan=True)


def check_mixer_message(folder: Path, name: str, text: str | bytes) -> str:
    """Parse ``text`` as a web mixer message: "ok" with every value inside its action's ranges,
    or "refused" with a one-line reason; anything else raises. ``folder`` is unused."""
    from sensory.web.messages import ACTIONS, MAX_INDEX, parse

    with deadline(2.0):
        try:
            command = parse(text, MIXER_TOKEN)
        except RecipeError as e:
            assert str(e) and "\n" not in str(e) and len(str(e)) < 300, f"reason: {str(e)[:300]!r}"
            return "refused"
    for field, spec in ACTIONS[command.action].items():
        value = command.args[field]
        if value is None:
            assert spec.optional, f"{command.action}.{field} missing"
        elif spec.kind == "number":
            assert isinstance(value, float) and spec.low <= value <= spec.high, (field, value)
        elif spec.kind == "index":
            assert type(value) is int and 0 <= value < MAX_INDEX, (field, value)
        elif spec.kind == "bool":
            assert type(value) is bool, (field, value)
        else:
            assert isinstance(value, str) and len(value) <= 64, (field, value)
    return "ok"


CATALOG_POOL = HOSTILE_VALUES + [
    "preset = \"../../etc/passwd\"", "preset = \"/etc/passwd\"", "preset = \"../x.toml\"",
    "output = \"../escape.flac\"", "output = \"/tmp/escape.flac\"", "output = \"out\"", "output = \"a.xyz\"",
    "output = \"\"", "output = \"catalog.toml\"", "sample_rate = 4000", "sample_rate = 400000",
    "duration = \"25h\"", "[[track]]", "[defaults]", "[[defaults]]", "[track]", "[other]", "loop = 61",
    "subtype = \"OPUS\"", "seed = -1",
]


@st.composite
def catalog_texts(draw) -> tuple[str, str]:
    """(file name, text): the sample manifest mutated, or one with very many tracks."""
    if draw(st.integers(0, 9), label="many") == 0:
        count = draw(st.sampled_from([1000, 10_001]))
        return "catalog.toml", "".join(f"[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"t{i}.flac\"\n"
                                       for i in range(count))
    lines = line_mutations(CATALOG.splitlines(), draw(st.data()), CATALOG_POOL)
    return "catalog.toml", "\n".join(lines)


# ---- the property ----

class Hang(Exception):
    """A load or render ran past :data:`DEADLINE_S`."""


@contextmanager
def deadline(seconds: float = DEADLINE_S):
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM)."""

    def ring(signum, frame):
        raise Hang(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_names_place(e: RecipeError, source: str) -> None:
    """Each line of the message (one per problem, at most MAX_PROBLEMS and a count of the rest)
    starts with the file's name and goes on to say where and what."""
    msg = str(e)
    lines = msg.split("\n")
    assert len(lines) <= MAX_PROBLEMS + 1, f"{len(lines)} lines, more than the cap: {msg[:300]!r}"
    for line in lines:
        assert line.startswith(f"{source}: "), f"a line does not name {source}: {line!r}"
        assert len(line) > len(source) + 10, f"a line says too little: {line!r}"
    assert "Traceback" not in msg, f"message holds a traceback: {msg!r}"


def check_recipe_text(folder: Path, name: str, text: str, *, render_ms: float = 300.0) -> str:
    """Load ``text`` as the recipe file ``folder/name``; render it briefly when it loads.
    Returns "ok" or "refused"; anything else raises."""
    from sensory.recipe.library import load

    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with deadline():
        try:
            recipe = load(path)
        except RecipeError as e:
            assert_names_place(e, str(path))
            return "refused"
        check_render(recipe, render_ms)
    return "ok"


def check_render(recipe, render_ms: float) -> None:
    """Render ``render_ms`` of ``recipe`` at a low rate: finite samples under the ceiling."""
    from sensory.engine.stream import render
    from sensory.recipe.model import check_sample_rate

    rate = 16000
    try:
        check_sample_rate(recipe, rate)
    except RecipeError:
        rate = recipe.session.sample_rate
    audio = render(recipe, seconds=render_ms / 1000, sample_rate=rate, block_size=1000)
    assert np.isfinite(audio).all(), "the render holds NaN or infinity"
    ceiling = 10 ** (recipe.session.ceiling_db / 20)
    peak = float(np.abs(audio).max(initial=0.0))
    assert peak <= ceiling * 1.0001, f"peak {peak:.4f} over the ceiling {ceiling:.4f}"


def check_sbg_text(folder: Path, name: str, text: str, *, render_ms: float = 300.0) -> str:
    """Load ``text`` as the .sbg file ``folder/name`` (and render briefly when it loads)."""
    return check_recipe_text(folder, name, text, render_ms=render_ms)


def check_catalog_text(folder: Path, name: str, text: str) -> str:
    """Read ``text`` as the manifest ``folder/name``; it never writes anything."""
    from sensory.batch.catalog import load_catalog

    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = sorted(p.name for p in folder.iterdir())
    with deadline():
        try:
            load_catalog(path)
            result = "ok"
        except RecipeError as e:
            assert_names_place(e, str(path))
            result = "refused"
    assert sorted(p.name for p in folder.iterdir()) == before, "reading a catalog wrote files"
    return result
