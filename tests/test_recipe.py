"""Recipe validation: every message names the file, the path, the problem and the fix."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest
from pydantic import ValidationError

from sensory.errors import RecipeError
from sensory.recipe.library import load
from sensory.recipe.model import parse_text
from sensory.recipe.presets import presets
from sensory.recipe.schema import recipe_schema

HEAD = "[session]\ntitle = 't'\nduration = '10m'\n"
BEAT = "[[layer]]\nname = 'beat'\nkind = 'binaural'\n"


def error(text: str) -> str:
    with pytest.raises(RecipeError) as e:
        parse_text(text, "my.toml")
    return str(e.value)


@pytest.mark.parametrize("case", [
    (HEAD + "[[layer]]\nname = 'rain'\nkind = 'noise'\ncolr = 'pink'\n",
     "my.toml: layer[0] 'rain': unknown parameter 'colr' (did you mean 'color'?)"),
    (HEAD + BEAT + "beat = [[0, 10], ['5m', 10], ['6m', -6, 'exp']]\n",
     "my.toml: layer[0] 'beat'.beat[2]", "exp ramp needs non-zero values of one sign"),
    (HEAD + BEAT + "carrier = 2000\n", "layer[0] 'beat'.carrier", "2000 Hz is out of range; use 40 to 1500 Hz"),
    (HEAD + "[[layer]]\nname = 't'\nkind = 'tone'\nfreq = 30000\n", "layer[0] 't'.freq", "Nyquist"),
    (HEAD + "[[layer]]\nname = 'n'\nkind = 'noiz'\n", "layer[0] 'n'.kind", "did you mean 'noise'?"),
    (HEAD + BEAT + "gain_db = 13\n", "layer[0] 'beat'.gain_db", "13 dB is out of range"),
    (HEAD + BEAT + "gain_db = nan\n", "layer[0] 'beat'.gain_db", "not a finite number"),
    (HEAD + BEAT + "gain_db = inf\n", "not a finite number"),
    (HEAD + BEAT + BEAT, "duplicate layer name 'beat'"),
    (HEAD, "my.toml: layer: the recipe has no layers"),
    ("layer = []\n" + HEAD, "no layers"),
    ("[session]\nduration = '-5m'\n" + BEAT, "session.duration", "not a time"),
    ("[session]\nduration = 0\n" + BEAT, "session.duration", "more than 0 s and at most 24 h"),
    ("[session]\nduration = '25h'\n" + BEAT, "session.duration", "at most 24 h"),
    ("[session]\n" + BEAT, "session.duration: missing"),
    ("[session]\nduration = 60\nsample_rate = 4000\n" + BEAT, "session.sample_rate"),
    ("[session]\nduration = 60\nseed = -1\n" + BEAT, "session.seed"),
    ("[session]\nduration = 60\nceiling_db = 3\n" + BEAT, "session.ceiling_db", "3 dBFS is out of range; use -20 to 0 dBFS"),
    ("[session]\nduration = 60\nspace = 0.1\n" + BEAT, "session.space", "0.1 s is out of range; use 0.2 to 10 s"),
    ("[session]\nduration = 60\nsesion = 1\n" + BEAT, "session: unknown key 'sesion'"),
    ("[sesion]\nduration = 60\n" + BEAT, "unknown table 'sesion' (did you mean 'session'?)"),
    (HEAD + BEAT + "beat = [[0, 10], ['breath', 8, 'lin']]\n", "'beat'.beat[1]", "'breath'"),
    (HEAD + BEAT + "beat = [[0, 10], [60, 8, 'cubic']]\n", "beat[1]", "unknown shape 'cubic'"),
    (HEAD + BEAT + "beat = [[60, 10], [0, 8]]\n", "beat[1]", "comes before the previous point"),
    (HEAD + BEAT + "beat = 'ten'\n", "'beat'.beat", "not a number"),
])
def test_error_messages_name_the_place_and_the_fix(case):
    text, *expected = case
    message = error(text)
    for part in expected:
        assert part in message, message


def test_toml_syntax_errors_carry_line_and_column():
    message = error("[session]\ntitle = 't'\nduration = \n")
    assert message.startswith("my.toml: line 3, column")


def test_phase_marks_resolve_in_curves_and_duration_follows_phases():
    text = ("[session]\ntitle = 't'\n"
            "[[phase]]\nname = 'arrive'\nduration = '2m'\n"
            "[[phase]]\nname = 'breathe'\nduration = '3m'\n"
            + BEAT + "beat = [[0, 10], ['breathe', 10], ['breathe+30s', 8, 'lin'], ['end-1m', 6, 'lin']]\n")
    r = parse_text(text, "p.toml")
    assert r.duration == 300.0
    assert r.layers[0].beat.times == (0.0, 120.0, 150.0, 240.0)
    assert r.phase_at(130).name == "breathe"


def test_recipe_is_frozen():
    r = parse_text(HEAD + BEAT, "x.toml")
    with pytest.raises(ValidationError, match=r"carrier\n  Instance is frozen"):
        r.layers[0].carrier = 100
    with pytest.raises(ValidationError, match=r"seed\n  Instance is frozen"):
        r.session.seed = 3
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'name'"):
        r.name = "other"


def test_every_preset_validates():
    entries = presets()
    assert {"white", "pink", "brown", "alpha-drift"} <= {e.name for e in entries}
    for entry in entries:
        r = load(entry.name)
        assert r.duration > 0 and r.layers


def test_names_are_names():
    for bad in ["../../etc/passwd", "/etc/passwd.toml", "..", "Pink!"]:
        with pytest.raises(RecipeError):
            load(bad)
    with pytest.raises(RecipeError, match="did you mean 'pink'"):
        load("pinkk")


def test_user_presets_are_found(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "sensory" / "presets"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(HEAD + BEAT)
    assert any(e.name == "mine" and e.origin == "user" for e in presets())
    assert load("mine").name == "mine"


def test_schema_comes_from_the_declarations():
    schema = recipe_schema()
    defs = schema["$defs"]
    carrier = defs["BinauralLayer"]["properties"]["carrier"]
    assert carrier["minimum"] == 40 and carrier["maximum"] == 1500 and carrier["unit"] == "Hz"
    session = defs["Session"]["properties"]
    assert {name: session[name].get("unit") for name in ("ceiling_db", "space", "fade_in", "fade_out", "gain_db")} \
        == {"ceiling_db": "dBFS", "space": "s", "fade_in": "s", "fade_out": "s", "gain_db": "dB"}
    assert session["ceiling_db"]["minimum"] == -20 and session["ceiling_db"]["maximum"] == 0
    assert "did" not in str(schema)
    assert set(schema["properties"]) == {"session", "phase", "layer"}
    preset = defs["PresetLayer"]["properties"]
    assert {"name", "preset", "gain_db", "pan", "levels"} == set(preset) and "pattern" in preset["preset"]


def test_a_preset_layer_resolves_by_name_only_and_its_levels_name_its_layers():
    import numpy as np

    from sensory.engine.stream import render
    from sensory.recipe.library import mix

    text = HEAD + "[[layer]]\nname = 'under'\npreset = 'pink'\ngain_db = -6\n"
    assert "a preset resolves only in a recipe loaded by name or path" in error(text)
    r = parse_text(text, "my.toml", resolve=load)
    assert [layer.name for layer in r.layers] == ["under/pink"] and r.groups[0].members == (0,)
    with pytest.raises(RecipeError) as e:
        parse_text(text + "levels = {pnik = -3}\n", "my.toml", resolve=load)
    assert "layer[0] 'under'.levels: preset 'pink' has no layer 'pnik' (did you mean 'pink'?)" in str(e.value)
    # a group's layers have generators of their own, by their full names, the same every time
    a = render(mix(["pink"]), seconds=0.5, sample_rate=16000)
    assert np.array_equal(a, render(mix(["pink"]), seconds=0.5, sample_rate=16000))
    assert not np.array_equal(a, render(load("pink"), seconds=0.5, sample_rate=16000))


def test_a_silent_stretch_of_a_preset_layer_rests_its_layers():
    from sensory.engine.layers import rests

    text = HEAD + "[[layer]]\nname = 'shower'\npreset = 'rain'\ngain_db = [[0, -80], ['5m', -80], ['6m', -6, 'lin']]\n"
    r = parse_text(text, "my.toml", resolve=load)
    assert r.groups[0].folded and r.groups[0].gains == ()          # the group's gain is in its layers' curves
    assert all(rests(layer.gain_db, 16000)[0] == (0, 300 * 16000 - 1) for layer in r.layers)
