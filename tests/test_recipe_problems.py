"""A recipe is checked whole: every problem at once, in file order, capped; times past a
session's end are refused with its length and the fix."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sensory.cli import cli
from sensory.errors import RecipeError
from sensory.recipe.model import parse_text
from sensory.recipe.problems import MAX_PROBLEMS

SOURCE = "my.toml"


def problems(text: str) -> list[str]:
    with pytest.raises(RecipeError) as e:
        parse_text(text, SOURCE)
    lines = str(e.value).split("\n")
    assert all(line.startswith(f"{SOURCE}: ") for line in lines), lines
    return [line.removeprefix(f"{SOURCE}: ") for line in lines]


THREE_TYPOS = """
[session]
duration = "10m"
sead = 3

[[layer]]
name = "bed"
kind = "noise"
colour = "pink"

[[layer]]
name = "beat"
kind = "binaural"
carrier = 200
beat = 10
gain_db = "loud"
"""


def test_every_problem_of_a_file_is_reported_at_once_in_file_order():
    found = problems(THREE_TYPOS)
    assert len(found) == 3, found
    assert found[0].startswith("session: unknown key 'sead' (did you mean 'seed'?)")
    assert found[1].startswith("layer[0] 'bed': unknown parameter 'colour' (did you mean 'color'?)")
    assert found[2].startswith("layer[1] 'beat'.gain_db")


def test_several_problems_in_one_table_are_all_reported():
    found = problems("""
[session]
duration = "5m"
[[layer]]
name = "beat"
kind = "binaural"
carrier = 90000
beat = 90
""")
    assert [f.split(":")[0] for f in found] == ["layer[0] 'beat'.carrier", "layer[0] 'beat'.beat"], found


def test_a_broken_layer_does_not_hide_the_next_ones():
    found = problems("""
[session]
duration = "5m"
[[layer]]
name = "a"
kind = "nosie"
[[layer]]
name = "a"
kind = "noise"
gain_db = 400
""")
    assert found[0].startswith("layer[0] 'a'.kind: unknown kind 'nosie' (did you mean 'noise'?)"), found
    assert found[1].startswith("layer[1] 'a': duplicate layer name 'a'"), found
    assert found[2].startswith("layer[1] 'a'.gain_db"), found


def test_the_list_is_capped_and_the_rest_counted():
    layers = "".join(f'[[layer]]\nname = "l{i}"\nkind = "noise"\ncolour = "pink"\n' for i in range(30))
    found = problems('[session]\nduration = "5m"\n' + layers)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == f"and {30 - MAX_PROBLEMS} more problems; fix these first"
    assert found[0].startswith("layer[0] 'l0'") and found[MAX_PROBLEMS - 1].startswith(f"layer[{MAX_PROBLEMS - 1}]")


def test_a_curve_point_past_the_end_of_a_session_is_refused_with_its_length():
    found = problems("""
[session]
duration = "45m"
[[layer]]
name = "bed"
kind = "noise"
gain_db = [[0, -20], ["40m", -20], ["50m", -30]]
""")
    assert found == ["layer[0] 'bed'.gain_db[2]: the curve point at 50:00 lies past the session's end (45:00); "
                     "move it to 45:00 or earlier, or lengthen the session"]


def test_bell_strikes_past_the_end_are_refused_and_counted():
    found = problems("""
[session]
duration = "10m"
[[layer]]
name = "bell"
kind = "bell"
strikes = [0, "5m", "2h", "3h"]
""")
    assert len(found) == 1, found
    assert found[0].startswith("layer[0] 'bell'.strikes[2]: the time at 2:00:00 lies past the session's end (10:00)")
    assert "(and 1 more after it)" in found[0]


def test_a_point_at_the_end_is_fine_and_a_soundscape_has_no_end():
    at_end = '[session]\nduration = "45m"\n[[layer]]\nname = "bed"\nkind = "noise"\ngain_db = [[0, -20], ["45m", -30]]\n'
    assert parse_text(at_end, SOURCE).duration == 45 * 60
    scape = at_end.replace('duration = "45m"', 'type = "soundscape"\nduration = "10m"')
    assert parse_text(scape.replace('"45m", -30', '"2h", -30'), SOURCE).layers[0].gain_db.times[-1] == 7200


def test_the_command_line_prints_every_problem_and_exits_2(tmp_path):
    path = tmp_path / "typos.toml"
    path.write_text(THREE_TYPOS)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 3 and all(str(path) in line for line in lines), result.output
    assert "Traceback" not in result.output
