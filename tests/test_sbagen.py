"""SBaGen schedules: the beat track a .sbg timeline describes, SBaGen's change windows,
the ear convention, levels against the kinds' declared ones, import to TOML and back, and
clear errors for the unsupported."""

from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner

from sensory import kinds
from sensory.cli import cli
from sensory.engine.stream import render
from sensory.errors import RecipeError
from sensory.recipe.library import load
from sensory.recipe.model import parse_text
from sensory.recipe.sbagen import load_sbg, parse_sbg, recipe_data, to_toml

from .helpers import peak_frequency

SR = 8000

# the notes' bench: 10 Hz for 2 min, a glide to 6 Hz by 8 min, the end at 10
BENCH = """\
## bench
a10: pink/20 200+10/30
a6:  pink/20 200+6/30
off: -
NOW          <= a10
NOW+00:02:00 == a10 ->
NOW+00:08:00 == a6
NOW+00:10:00 => off
"""


def sbg(tmp_path, text: str, name: str = "s.sbg"):
    path = tmp_path / name
    path.write_text(text)
    return path


def rms(x: np.ndarray, t: float, span: float = 1.0) -> float:
    a = int((t - span / 2) * SR)
    return float(np.sqrt(np.mean(x[a:a + int(span * SR)].astype(np.float64) ** 2)))


@pytest.fixture(scope="module")
def bench_render(tmp_path_factory):
    path = tmp_path_factory.mktemp("sbg") / "bench.sbg"
    path.write_text(BENCH)
    r = load(path)
    return r, render(r, sample_rate=SR)


@pytest.mark.parametrize("t, due", [(90, 10.0), (240, 10 - 4 * 120 / 360), (300, 8.0), (470, 10 - 4 * 350 / 360),
                                    (510, 6.0)])
def test_imported_schedule_renders_its_beat_track(bench_render, t, due):
    r, audio = bench_render
    a = int((t - 2) * SR)
    left = peak_frequency(audio[a:a + 4 * SR, 0], SR, 150, 250)
    right = peak_frequency(audio[a:a + 4 * SR, 1], SR, 150, 250)
    assert left - right == pytest.approx(due, abs=0.01)  # SBaGen '+': the higher tone in the LEFT ear
    assert (left + right) / 2 == pytest.approx(200, abs=0.01)


def test_fades_follow_sbagens_windows(bench_render):
    r, audio = bench_render
    assert r.duration == 600
    tone = audio[:, 0]
    full = rms(tone, 60)
    # from silence at NOW: the 60-s window is centred on the start, so the rise runs 0-30 s, linear in amplitude
    assert rms(tone, 0.5) < 0.05 * full
    assert rms(tone, 15, 0.5) == pytest.approx(0.5 * full, rel=0.1)
    assert rms(tone, 45) == pytest.approx(full, rel=0.05)
    # to silence at 10:00: the fall runs 9:30-10:00
    assert rms(tone, 560) == pytest.approx(full, rel=0.05)
    assert rms(tone, 585, 0.5) == pytest.approx(0.5 * full, rel=0.1)


def test_crossfade_to_a_new_pitch_passes_through_silence(tmp_path):
    path = sbg(tmp_path, "-F 20000\na: 200+10/40\nb: 300-4/40\noff: -\nNOW a\nNOW+00:01:00 b\nNOW+00:02:00 off\n")
    audio = render(load(path), sample_rate=SR)
    full = rms(audio[:, 0], 30)
    assert rms(audio[:, 0], 60, 0.2) < 0.05 * full  # silent at the change's centre
    assert rms(audio[:, 0], 55, 0.5) == pytest.approx(0.5 * full, rel=0.1)  # 20-s window: 50-60 s down
    assert rms(audio[:, 0], 65, 0.5) == pytest.approx(0.5 * full, rel=0.1)  # 60-70 s up
    x = audio[int(80 * SR):int(84 * SR)]
    assert peak_frequency(x[:, 0], SR, 250, 350) == pytest.approx(298, abs=0.01)  # '-': higher on the right
    assert peak_frequency(x[:, 1], SR, 250, 350) == pytest.approx(302, abs=0.01)


def test_slide_windows_centred_and_shortened():
    s = parse_sbg("a: 200+10/40\nb: 200+4/40\nNOW == a\nNOW+00:01:00 == b\nNOW+00:01:20 == a\n"
                  "NOW+00:03:00 == a\n", "s.sbg")
    data = recipe_data(s, "s")
    beat = next(layer for layer in data["layer"] if layer["kind"] == "binaural")["beat"]
    # the 1:00 change starts 30 s early but may only take the 20 s of b's period after it
    # (0:30 to 1:20); the change back at 1:20 then finds b used up: it runs 1:20 to 1:50
    assert beat == [[0.0, -10.0, "step"], [30.0, -10.0, "lin"], [80.0, -4.0, "lin"], [110.0, -10.0, "lin"]]


def test_import_writes_a_recipe_that_loads_back_to_the_same_render(tmp_path):
    path = sbg(tmp_path, "## short\na: brown/30 150+6/30 bell+440/20\nb: brown/30 150+8/30\noff: -\n"
                         "NOW <= a\n+00:00:40 == b ->\n+00:01:20 == a\n+00:01:50 => off\n")
    out = tmp_path / "short.toml"
    result = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    direct = render(load(path), sample_rate=SR)
    from_toml = render(load(out), sample_rate=SR)
    assert np.array_equal(direct, from_toml)
    assert CliRunner().invoke(cli, ["validate", str(out)]).exit_code == 0
    again = CliRunner().invoke(cli, ["import", str(path), "-o", str(out)])
    assert again.exit_code == 2 and "exists" in again.output
    assert CliRunner().invoke(cli, ["import", str(path), "-o", str(out), "--force"]).exit_code == 0


def test_an_amplitude_is_a_peak_in_each_ear():
    # SBaGen: amplitude 100 is full scale, less 6 dB of headroom; 40 peaks at 0.4 of that in each ear
    audio = render(load_sbg("a: 200+10/40\nNOW a\n", "a.sbg", name="a"), seconds=20, sample_rate=SR)
    steady = audio[8 * SR:18 * SR]
    assert np.abs(steady).max(axis=0) == pytest.approx([0.4 * 10 ** (-6 / 20)] * 2, rel=1e-5)


def test_gains_are_set_against_the_levels_the_kinds_declare():
    data = recipe_data(parse_sbg("a: 300/40 200+10/20 pink/30 bell+440/10\nNOW a\n", "a.sbg"), "a")
    gains = {layer["kind"]: layer["gain_db"] for layer in data["layer"]}

    def peak(amp):
        return amp / 100 * 10 ** (-6 / 20)

    def nominal(name):
        return kinds.get(name).unit.nominal_level

    assert gains["tone"] == pytest.approx(20 * math.log10(peak(40) / nominal("tone")), abs=1e-6)
    assert gains["binaural"] == pytest.approx(20 * math.log10(peak(20) / nominal("binaural")), abs=1e-6)
    assert gains["bell"] == pytest.approx(20 * math.log10(peak(10) / nominal("bell")), abs=1e-6)
    # a noise of amplitude A has the RMS of a tone of amplitude A
    assert gains["noise"] == pytest.approx(20 * math.log10(peak(30) / math.sqrt(2) / nominal("noise")), abs=1e-6)


def test_bells_strike_at_their_lines():
    s = parse_sbg("a: pink/10 bell+440/20\nb: pink/10\nNOW a\n00:01:00 b\n00:02:00 a\n00:03:00 b\n", "s.sbg")
    bell = next(layer for layer in recipe_data(s, "s")["layer"] if layer["kind"] == "bell")
    assert bell["strikes"] == [0.0, 120.0] and bell["freq"] == 440.0


def test_absolute_times_wrap_past_midnight():
    s = parse_sbg("a: 200+10/30\noff: -\n23:50 a\n00:05 off\n", "s.sbg")
    assert [line.time for line in s.lines] == [0.0, 900.0]
    r = parse_text(to_toml(recipe_data(s, "s")), "s.toml")
    assert r.duration == 900 and r.phases[0].duration == 900


def test_single_line_plays_as_a_soundscape():
    r = parse_text(to_toml(recipe_data(parse_sbg("ts: pink/40 300+10/10\n\n0:00 ts", "a.sbg"), "a")), "a.toml")
    assert r.type == "soundscape"
    beat = next(layer for layer in r.layers if layer.kind == "binaural")
    assert float(beat.beat(100)) == -10 and float(beat.carrier(100)) == 300


@pytest.mark.parametrize("text, line, message", [
    ("a: 200+10/30 mix/20\nNOW a\n", 1, "tone spec 'mix/20' is not supported"),
    ("a: spin:300+4/30\nNOW a\n", 1, "not supported"),
    ("-m river.ogg\na: 200+10/30\nNOW a\n", 1, "option '-m' is not supported"),
    ("a: 200+10/30\nNOW b\n", 2, "tone-set 'b' is not defined"),
    ("a: 200+10/30\nNOW+00:05 a\nNOW+00:01 a\n", 3, "must not go backwards"),
    ("a: 200+10/30\n10:00 a\n09:00 a\n", 3, "must not go backwards"),
    ("a: 200+10/30\n+00:05 a\n", 2, "needs an absolute time"),
    ("a: 200+10/30\nNOW a\nblk: {\n+00:01 a\n}\n", 3, "blocks"),
    ("a: 200+10/30\nNOW <x a\n", 2, "unknown transition code"),
    ("a: 200+0.2/30\nNOW a\n", 1, "below 0.5 Hz"),
    ("a: 200+10/130\nNOW a\n", 1, "above 100"),
    ("a: 200+10/30\n25:00 a\n", 2, "below 24"),
])
def test_unsupported_input_names_file_and_line(text, line, message):
    with pytest.raises(RecipeError, match=rf"^bad\.sbg: line {line}: .*{message}"):
        parse_sbg(text, "bad.sbg")


def test_cli_plays_and_exports_sbg_directly(tmp_path):
    path = sbg(tmp_path, "a: 200-10/30\noff: -\nNOW a\nNOW+00:00:20 off\n")
    out = tmp_path / "a.wav"
    result = CliRunner().invoke(cli, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    import soundfile as sf

    audio, sr = sf.read(out)
    assert len(audio) == 20 * sr
    x = audio[5 * sr:9 * sr]
    assert peak_frequency(x[:, 1], sr, 150, 250) - peak_frequency(x[:, 0], sr, 150, 250) == pytest.approx(10, abs=0.01)
