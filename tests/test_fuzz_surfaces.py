"""Hostile input on the newer surfaces: recipes with preset layers (loops, deep nesting, fan-out,
names that try to be paths), the SBaGen language's blocks, -p programs and waveforms, cluster
addresses, and the web mixer's messages. Each gets a clear error (naming its file, where there
is one) in bounded time, or loads and renders safely (tests/fuzz_inputs.py's property)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from sensory.batch.cluster import parse_cluster
from sensory.cli import cli
from sensory.errors import RecipeError
from sensory.recipe.library import load

from . import fuzz_inputs as fz

HEAD = '[session]\ntype = "soundscape"\nduration = "1m"\n'


def preset_layer(name: str, preset, **extra) -> str:
    more = "".join(f"{k} = {v}\n" for k, v in extra.items())
    return f'[[layer]]\nname = "{name}"\npreset = {preset!r}\n{more}'.replace("'", '"')


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "sensory" / "presets"
    folder.mkdir(parents=True)
    return folder


def refused(name: str, folder, *, seconds: float = fz.DEADLINE_S) -> str:
    with fz.deadline(seconds), pytest.raises(RecipeError) as e:
        load(name)
    fz.assert_names_place(e.value, str(folder / f"{name}.toml"))
    return str(e.value)


def test_a_user_preset_that_includes_itself_is_refused_with_the_chain(user_folder):
    (user_folder / "selfy.toml").write_text(HEAD + preset_layer("me", "selfy"))
    assert "loop (selfy -> selfy)" in refused("selfy", user_folder)


def test_presets_that_include_each_other_are_refused_with_the_chain(user_folder):
    (user_folder / "ay.toml").write_text(HEAD + preset_layer("b", "bee"))
    (user_folder / "bee.toml").write_text(HEAD + preset_layer("a", "ay"))
    assert "loop (ay -> bee -> ay)" in refused("ay", user_folder)


def test_deep_nesting_is_refused_at_the_limit(user_folder):
    for depth in range(40):
        (user_folder / f"deep{depth}.toml").write_text(HEAD + preset_layer("next", f"deep{depth + 1}"))
    (user_folder / "deep40.toml").write_text(HEAD + preset_layer("rain", "rain"))
    assert "nest at most" in refused("deep0", user_folder)


def test_a_fan_of_presets_is_read_once_per_name_not_once_per_path(user_folder):
    # 32 layers of the next, four deep: a million paths through the tree, a handful of files
    for depth in range(4):
        layers = "".join(preset_layer(f"g{i}", f"fan{depth + 1}" if depth < 3 else "pink") for i in range(32))
        (user_folder / f"fan{depth}.toml").write_text(HEAD + layers)
    assert "more than the limit of" in refused("fan0", user_folder, seconds=5.0)


@pytest.mark.parametrize("value", ["../../etc/passwd", "/etc/passwd", "rain.toml", "", "RAIN", 5, "x" * 300])
def test_a_preset_layer_names_a_preset_never_a_file(user_folder, value):
    (user_folder / "pathy.toml").write_text(HEAD + preset_layer("x", value))
    assert "'x'.preset" in refused("pathy", user_folder)


def test_a_preset_layer_with_a_kind_too_or_levels_for_no_layer_is_refused(user_folder):
    (user_folder / "both.toml").write_text(HEAD + preset_layer("x", "rain", kind='"noise"'))
    assert "'x'" in refused("both", user_folder)
    (user_folder / "levels.toml").write_text(HEAD + preset_layer("x", "rain", levels="{ nope = -3 }"))
    assert "has no layer 'nope'" in refused("levels", user_folder)


def test_a_hostile_preset_layer_that_loads_renders_safely(user_folder):
    loud = preset_layer("x", "thunderstorm", gain_db=12, pan="[[0, -1], [1, 1]]")
    (user_folder / "loud.toml").write_text(HEAD + loud)
    assert fz.check_recipe_text(user_folder, "loud2.toml", HEAD + preset_layer("x", "loud", gain_db=12)) == "ok"


@pytest.mark.parametrize("address", ["", " ", "local:", "local:0", "local:-1", "local:257", "local:abc", "local:2:3",
                                     "tcp://", "http://scheduler:8786", "file:///etc/passwd", ":8786", "\x00",
                                     "local:" + "9" * 400])
def test_cluster_addresses_that_cannot_be_are_refused_before_connecting(address):
    with fz.deadline(1.0), pytest.raises(RecipeError, match="--cluster"):
        parse_cluster(address)


def test_a_hostile_cluster_address_is_one_line_and_exit_2(tmp_path):
    catalog = tmp_path / "catalog.toml"
    catalog.write_text('[defaults]\nduration = "1s"\n[[track]]\npreset = "pink"\noutput = "pink.wav"\n')
    result = CliRunner().invoke(cli, ["batch", str(catalog), "--cluster", "http://scheduler:8786"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --cluster http://scheduler:8786: give a scheduler address")
    assert not (tmp_path / "pink.wav").exists()


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fz.mixer_messages())
def test_a_mixer_message_is_done_exactly_or_refused_with_a_reason(case):
    name, text = case
    assert fz.check_mixer_message(None, name, text) in ("ok", "refused")


def _stamp_bomb(width: int, depth: int) -> str:
    """Blocks that each stamp the one below ``width`` times one after another, ``depth`` deep:
    width**(depth + 1) time lines, a second apart."""
    def at(seconds: int) -> str:
        return f"+{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"

    lines = ["t: 200+10/10"]
    for d in range(depth + 1):
        inner = f"b{d - 1}" if d else "t"
        lines += [f"b{d}: {{", *(f" {at(i * width ** d)} {inner}" for i in range(width)), "}"]
    return "\n".join([*lines, f"NOW b{depth}"]) + "\n"


HOSTILE_SBG = {
    "self": "a: {\n +0:00 a\n}\nNOW a\n",
    "mutual": "x: {\n +0:00 y\n}\ny: {\n +0:00 x\n}\nNOW x\n",
    "deep": _stamp_bomb(2, 40),
    "wide": _stamp_bomb(10, 12),
    "long-wave": "wave00: " + " ".join(str(i % 7) for i in range(200_000)) + "\nt: wave00:200+4/50\nNOW t\n",
    "nan-wave": "wave00: 0 nan 1 inf\nt: wave00:200+4/50\nNOW t\n",
    "flat-wave": "wave00: 0 0 0\nt: wave00:200+4/50\nNOW t\n",
    "wave-100": "wave100: 0 1\nt: wave100:200+4/50\nNOW t\n",
    "undefined-wave": "t: wave07:200+4/50\nNOW t\n",
    "drop-huge": "-p drop t99999999,99999999,99999999 99zs+^/99999 pink/20\n",
    "drop-nan": "-p drop 00ds+/nan\n",
    "slide-huge": "-p slide t99999999 200+10/1\n",
    "slide-zero": "-p slide t0 200+10/1\n",
    "program-unknown": "-p nope 1\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SBG))
def test_hostile_sbagen_language_is_refused_in_bounded_time(tmp_path, name):
    assert fz.check_sbg_text(tmp_path, f"{name}.sbg", HOSTILE_SBG[name]) == "refused"


def test_sbagen_programs_and_blocks_that_load_render_safely(tmp_path):
    texts = {"drop": "-p drop 00ds+ pink/20\n", "slide": "-p slide t1 200+10/1\n",
             "stamped": _stamp_bomb(3, 4)}
    assert {name: fz.check_sbg_text(tmp_path, f"{name}.sbg", text) for name, text in texts.items()} == \
        dict.fromkeys(texts, "ok")
