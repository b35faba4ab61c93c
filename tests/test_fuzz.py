"""Hostile input: a seeded slice of the fuzz campaign (bench/fuzz_campaign.py), and the limits
that are checked up front instead of being found by running out of memory or time.

Property (tests/fuzz_inputs.py): a load succeeds or raises RecipeError naming the file and
the place; nothing else escapes, nothing runs past its deadline; what loads renders finite
samples under the ceiling.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings

from sensory.errors import RecipeError
from sensory.recipe.model import MAX_LAYERS, MAX_PHASES, parse, parse_text

from . import fuzz_inputs as fz

SLICE = settings(max_examples=40, derandomize=True, database=None, deadline=None,
                 suppress_health_check=list(HealthCheck))


@SLICE
@given(fz.recipe_texts())
def test_mutated_presets(tmp_path_factory, case):
    name, text = case
    assert fz.check_recipe_text(tmp_path_factory.mktemp("r"), name, text, render_ms=200) in ("ok", "refused")


@SLICE
@given(fz.sbg_texts())
def test_mutated_sbg(tmp_path_factory, case):
    name, text = case
    assert fz.check_sbg_text(tmp_path_factory.mktemp("s"), name, text, render_ms=200) in ("ok", "refused")


@SLICE
@given(fz.catalog_texts())
def test_mutated_catalogs(tmp_path_factory, case):
    name, text = case
    assert fz.check_catalog_text(tmp_path_factory.mktemp("c"), name, text) in ("ok", "refused")


def test_the_samples_themselves_load(tmp_path):
    """The unmutated inputs load, so the fuzzing starts from valid files."""
    for name, text in fz.SBG.items():
        assert fz.check_sbg_text(tmp_path, name, text) == "ok"
    for name in ("rain.toml", "alpha-drift.toml", "grounding.toml"):
        assert fz.check_recipe_text(tmp_path, name, fz.PRESETS[name]) == "ok"
    assert fz.check_catalog_text(tmp_path, "catalog.toml", fz.CATALOG) == "ok"


# ---- limits, each refused up front with a message naming the place ----

HEAD = "[session]\nduration = \"24h\"\n"
NOISE = "[[layer]]\nname = \"n\"\nkind = \"noise\"\n"


@pytest.mark.parametrize("text, message", ids=["bell-every", "bell-strikes", "curve-points", "bell-nan", "duration",
                                                 "rate-low", "rate-high", "layers", "deep-array", "deep-table"], argvalues=[
    (HEAD + "[[layer]]\nname = \"b\"\nkind = \"bell\"\nevery = 0.001\n", r"layer\[0\] 'b'\.every: 0\.001 s is too often"),
    (HEAD + "[[layer]]\nname = \"b\"\nkind = \"bell\"\nstrikes = [" + ", ".join(["0"] * 17) + "]\n",
     r"layer\[0\] 'b'\.strikes: more than 16 strikes within 10 s"),
    (HEAD + NOISE + "pan = " + fz.long_curve(20_001) + "\n", r"layer\[0\] 'n'\.pan: 20001 curve points is more"),
    (HEAD + "[[layer]]\nname = \"b\"\nkind = \"bell\"\nfreq = nan\n", r"layer\[0\] 'b'\.freq: nan is not a finite"),
    ("[session]\nduration = \"24h1s\"\n" + NOISE, r"session\.duration: .* at most 24 h"),
    (HEAD + "sample_rate = 7999\n" + NOISE, r"session\.sample_rate"),
    (HEAD + "sample_rate = 192001\n" + NOISE, r"session\.sample_rate"),
    (HEAD + "".join(f"[[layer]]\nname = \"n{i}\"\nkind = \"noise\"\n" for i in range(MAX_LAYERS + 1)),
     r"layer: 65 layers is more than the limit of 64"),
    (HEAD + NOISE + "gain_db = " + fz.deep_array(100_000) + "\n", r"nested too deeply"),
    ("x = " + fz.deep_inline(100_000) + "\n", r"nested too deeply"),
])
def test_limits_refused_up_front(text, message):
    with pytest.raises(RecipeError, match=r"^f\.toml: .*" + message):
        parse_text(text, "f.toml")


def test_crashes_found_by_the_campaign_stay_fixed(tmp_path):
    """Each input here once escaped as another exception or rendered NaN (bench/fuzz_campaign.py)."""
    from sensory.batch.catalog import load_catalog
    from sensory.recipe.library import load

    session_gain = re.sub(r"(?m)^gain_db = .*\n", "", fz.PRESETS["forest-day.toml"], count=1)
    session_gain = session_gain.replace("[session]", "[session]\ngain_db = 1e308", 1)
    with pytest.raises(RecipeError, match=r"session\.gain_db: 1e\+308 dB is out of range"):
        parse_text(session_gain, "f.toml")  # was: accepted, rendered NaN
    bell = re.sub(r"(?m)^(model = \"chime\"\n)freq = .*$", r"\1freq = nan", fz.PRESETS["focus.toml"])
    with pytest.raises(RecipeError, match=r"\.freq: nan is not a finite number"):
        parse_text(bell, "f.toml")  # was: ValueError in the bell's constructor
    birds = re.sub(r"(?m)^species = .*$", 'species = "thr-{%ush"', fz.PRESETS["forest-day.toml"])
    with pytest.raises(RecipeError, match=r"\.species: unknown species 'thr-\{%ush'"):
        parse_text(birds, "f.toml")  # was: ValueError when the unit was built
    catalog = tmp_path / "c.toml"
    catalog.write_text('[[track]]\npreset = "pink"\nduration = 1\noutput = "a\\u0000.flac"\n')
    with pytest.raises(RecipeError, match=r"c\.toml: track\[0\].*NUL character"):
        load_catalog(catalog)  # was: ValueError: embedded null byte
    with pytest.raises(RecipeError, match="NUL character"):
        load("x\0.toml")
    with pytest.raises(RecipeError, match="nested too deeply"):
        parse_text("a = " + fz.deep_array(3000), "f.toml")  # was: RecursionError
    schedule = tmp_path / "many.sbg"
    schedule.write_text("a: pink/20\n0:00 a\n" + "".join(f"+00:{i // 60 % 60:02d}:{i % 60:02d} a\n"
                                                          for i in range(1, 5000)))
    catalog.write_text("".join(f'[[track]]\npreset = "pink"\nduration = 1\noutput = "t{i}.flac"\n'
                               for i in range(5000)))
    with fz.deadline(5.0):  # was: minutes of quadratic work, now refused at once
        with pytest.raises(RecipeError, match="more than 1000 time lines"):
            load(schedule)
        with pytest.raises(RecipeError, match="5000 tracks is more than the limit"):
            load_catalog(catalog)


def test_limits_on_recipe_data():
    """Limits hold for data that never was a file (the API, the .sbg importer)."""
    phases = [{"name": f"p{i}", "duration": 1} for i in range(MAX_PHASES + 1)]
    with pytest.raises(RecipeError, match=r"^api: phase: 1001 phases is more than the limit of 1000"):
        parse({"session": {}, "phase": phases, "layer": [{"name": "n", "kind": "noise"}]}, "api")
    curve = [[i * 1e-3, 0] for i in range(1_000_000)]  # 10^6 points: refused before any Curve is built
    with pytest.raises(RecipeError, match=r"1000000 curve points is more than the limit"):
        parse({"session": {"duration": 60}, "layer": [{"name": "n", "kind": "noise", "pan": curve}]}, "api")


def test_file_size_limits(tmp_path):
    from sensory.recipe.library import load

    big = tmp_path / "big.toml"
    big.write_text(HEAD + NOISE + "# " + "x" * (1 << 20) + "\n")
    with pytest.raises(RecipeError, match=r"big\.toml: the file is larger than 1024 KiB"):
        load(big)
    sbg = tmp_path / "long.sbg"
    sbg.write_text("a: pink/20\n" + "# comment\n" * 20_001 + "NOW a\n")
    with pytest.raises(RecipeError, match=r"long\.sbg: more than 20000 lines"):
        load(sbg)
    times = tmp_path / "times.sbg"
    times.write_text("a: pink/20\n" + "".join(f"00:{i // 60:02d}:{i % 60:02d} a\n" for i in range(1001)))
    with pytest.raises(RecipeError, match=r"times\.sbg: line 1002: more than 1000 time lines"):
        load(times)
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("".join(f"[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"t{i}.flac\"\n"
                               for i in range(1001)))
    from sensory.batch.catalog import load_catalog

    with pytest.raises(RecipeError, match=r"catalog\.toml: 1001 tracks is more than the limit of 1000"):
        load_catalog(catalog)


@pytest.mark.parametrize("rate", [7999, 192001])
def test_sample_rate_limits_in_plan_and_batch(tmp_path, rate):
    from sensory.batch.catalog import load_catalog
    from sensory.engine.stream import plan
    from sensory.recipe.library import load

    with pytest.raises(RecipeError, match=f"sample rate {rate} Hz is out of range; use 8000 to 192000"):
        plan(load("pink"), sample_rate=rate)
    catalog = tmp_path / "c.toml"
    catalog.write_text(f"[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"a.flac\"\nsample_rate = {rate}\n")
    with pytest.raises(RecipeError, match=r"c\.toml: track\[0\]\.sample_rate"):
        load_catalog(catalog)


def test_memory_stays_bounded():
    """In a child allowed 400 MiB more address space than its inputs take, the hostile inputs that would
    allocate without bound are refused (and a 24-hour plan allocates nothing up front)."""
    code = textwrap.dedent("""
        import resource
        from sensory.errors import RecipeError
        from sensory.recipe.model import parse, parse_text
        from sensory import kinds
        kinds.load_all()
        cases = [
            {"session": {"duration": "24h"}, "layer": [{"name": "b", "kind": "bell", "every": 1e-6}]},
            {"session": {"duration": "24h"}, "layer": [{"name": "b", "kind": "bell", "strikes": [0.0] * 200_000}]},
            {"session": {"duration": 60}, "layer": [{"name": "n", "kind": "noise",
                                                      "gain_db": [[i * 1e-4, -6] for i in range(1_000_000)]}]},
            {"session": {"duration": 60}, "layer": [{"name": f"n{i}", "kind": "noise"} for i in range(100_000)]},
        ]
        # 400 MiB of address space beyond what the inputs themselves take
        size = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmSize"))
        limit = (size << 10) + (400 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        for data in cases:
            try:
                parse(data, "m.toml")
            except RecipeError as e:
                print("refused:", str(e)[:60])
        from sensory.engine.stream import blocks
        r = parse_text('[session]\\nduration = "24h"\\n[[layer]]\\nname = "b"\\nkind = "bell"\\nevery = 1\\n', "d.toml")
        next(blocks(r, sample_rate=8000, block_size=256))
        print("24h plan ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.count("refused:") == 4 and "24h plan ok" in out.stdout, out.stdout
