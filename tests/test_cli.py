"""The command line through click's CliRunner, and once as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from sensory.cli import cli
from sensory.recipe.presets import presets

RECIPE = """[session]
title = "Test tone"
duration = "3s"
sample_rate = 16000

[[layer]]
name = "beat"
kind = "binaural"
carrier = 200
beat = 10
"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def recipe_file(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(RECIPE)
    return path


def test_list_shows_every_builtin_preset(runner):
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert {p.name for p in presets() if p.origin == "built-in"} <= set(lines)
    assert "session" in lines["alpha-drift"] and "20:00" in lines["alpha-drift"]
    assert "soundscape" in lines["pink"]


def test_show_prints_layers_and_curves(runner):
    result = runner.invoke(cli, ["show", "alpha-drift"])
    assert result.exit_code == 0
    assert "beat (binaural)" in result.output and "12:00→8 (lin)" in result.output


def test_kinds_and_kind_help(runner):
    assert "binaural" in runner.invoke(cli, ["kinds"]).output
    result = runner.invoke(cli, ["kinds", "binaural"])
    assert result.exit_code == 0 and "carrier" in result.output and "40..1500 Hz" in result.output
    result = runner.invoke(cli, ["kinds", "binaurl"])
    assert result.exit_code == 2 and "did you mean 'binaural'" in result.output


def test_validate_reports_each_file(runner, recipe_file, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(RECIPE.replace("carrier = 200", "carier = 200"))
    result = runner.invoke(cli, ["validate", str(recipe_file), str(bad)])
    assert result.exit_code == 2
    assert "ok: " in result.output
    assert "unknown parameter 'carier' (did you mean 'carrier'?)" in result.output
    assert "Traceback" not in result.output


def test_schema_is_json(runner):
    schema = json.loads(runner.invoke(cli, ["schema"]).output)
    assert "layer" in schema["properties"]


def test_export_writes_and_refuses_overwrite(runner, recipe_file, tmp_path):
    out = tmp_path / "o.flac"
    result = runner.invoke(cli, ["export", str(recipe_file), "-o", str(out), "-d", "2s", "--subtype", "PCM_16"])
    assert result.exit_code == 0, result.output
    assert "wrote 0:02 of FLAC PCM_16 at 16000 Hz" in result.output and str(out) in result.output
    assert sf.info(out).frames == 32000
    again = runner.invoke(cli, ["export", str(recipe_file), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(cli, ["export", str(recipe_file), "-o", str(out), "--force"]).exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["export", "nosuchpreset", "-o", "x.wav"], "no preset named 'nosuchpreset'"),
    (["export", "pink", "-o", "x.wav", "-d", "0"], "give a length above zero"),
    (["export", "pink", "-o", "x.wav", "-d", "soon"], "not a time"),
    (["show", "../../etc/passwd"], "is not a preset name"),
])
def test_user_mistakes_exit_2_without_traceback(runner, args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.wav").exists()


def _run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "sensory", *args], check=False, capture_output=True, text=True, **kwargs)


def test_real_process_export_and_error(recipe_file, tmp_path):
    out = tmp_path / "o.wav"
    done = _run("export", str(recipe_file), "-o", str(out))
    assert done.returncode == 0, done.stderr
    data, rate = sf.read(out)
    assert rate == 16000 and len(data) == 48000 and np.abs(data).max() > 0.01
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    bad = _run("export", str(tmp_path / "missing.toml"), "-o", str(tmp_path / "m.wav"))
    assert bad.returncode == 2 and "missing.toml: no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_sigterm_mid_export_leaves_nothing(tmp_path):
    out = tmp_path / "long.wav"
    proc = subprocess.Popen([sys.executable, "-m", "sensory", "export", "brown", "-o", str(out), "-d", "2h"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 20
    while time.time() < deadline and not any(tmp_path.iterdir()):
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "interrupted" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_is_quick_to_start():
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "sensory", "--help"],
                          check=False, capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "export" in done.stdout
    heavy = [m for m in ("numpy", "scipy", "pydantic") if f"| {m}\n" in done.stderr]
    assert heavy == [], f"--help imports {heavy}"


def test_a_preset_export_loads_only_what_it_renders(tmp_path):
    """`export pink` imports neither the SBaGen reader nor any kind but noise."""
    code = ("import sys\nfrom sensory.cli import program\n"
            f"sys.argv = ['sensory', 'export', 'pink', '-d', '1s', '--sample-rate', '8000', '-o', {str(tmp_path / 'p.wav')!r}]\n"
            "try:\n    program.main()\nexcept SystemExit:\n    pass\nprint(*sorted(sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0 and (tmp_path / "p.wav").exists(), done.stderr
    loaded = done.stdout.split()
    assert {m for m in loaded if m.startswith(("sensory.recipe.sbagen", "sensory.kinds."))} == {"sensory.kinds.noise"}


@pytest.mark.parametrize("given, threads", [(None, "1"), ("2", "2")])
def test_the_program_runs_openblas_on_one_thread_unless_told(given, threads):
    """The program sets OPENBLAS_NUM_THREADS=1 before numpy loads, so OpenBLAS starts one thread;
    a value in the environment is kept."""
    code = ("import os, sys\nfrom sensory.cli import program\nsys.argv = ['sensory', '--version']\n"
            "try:\n    program.main()\nexcept SystemExit:\n    pass\nimport numpy, threadpoolctl\n"
            "blas = [i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']\n"
            "print(os.environ['OPENBLAS_NUM_THREADS'], *blas)")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given:
        env["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == [threads, threads]


@pytest.fixture
def user_folder(tmp_path, monkeypatch):
    """An empty user preset folder of the test's own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "sensory" / "presets"
    folder.mkdir(parents=True)
    return folder


TONE = """[session]
type = "soundscape"
duration = "1h"
sample_rate = 16000
fade_in = 0
fade_out = 0

[[layer]]
name = "tone"
kind = "tone"
freq = {freq}
gain_db = -12
"""


def peak_db(x: np.ndarray, sr: int, f: float) -> float:
    spec = np.abs(np.fft.rfft(x[:, 0] * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / sr)
    return 20 * np.log10(spec[(freqs > f - 10) & (freqs < f + 10)].max() + 1e-12)


def test_export_mixes_presets_each_at_its_own_level(runner, user_folder, tmp_path):
    (user_folder / "low.toml").write_text(TONE.format(freq=300))
    (user_folder / "high.toml").write_text(TONE.format(freq=1100))
    out = tmp_path / "x.wav"
    result = runner.invoke(cli, ["export", "low", "high", "--gain", "high=-6", "-d", "2", "-o", str(out),
                                 "--subtype", "FLOAT"])
    assert result.exit_code == 0, result.output
    x, sr = sf.read(out, dtype="float32")
    assert sr == 16000 and len(x) == 2 * sr
    assert abs(peak_db(x, sr, 300) - peak_db(x, sr, 1100) - 6.0) < 0.1
    bad = runner.invoke(cli, ["export", "low", "high", "--gain", "rain=-6", "-d", "2", "-o", str(tmp_path / "y.wav")])
    assert bad.exit_code == 2 and "'rain' is not one of the presets mixed (low, high)" in bad.output
    assert not (tmp_path / "y.wav").exists()


def test_a_recipe_layer_may_be_a_preset_with_curves_and_loops_are_refused(runner, user_folder, tmp_path):
    from sensory.engine.stream import render
    from sensory.recipe.library import load

    (user_folder / "low.toml").write_text(TONE.format(freq=300))
    mine = tmp_path / "mine.toml"
    mine.write_text('[session]\nduration = 4\nsample_rate = 16000\nfade_in = 0\nfade_out = 0\n'
                    '[[layer]]\nname = "under"\npreset = "low"\ngain_db = [[0, -60], [2, 0, "lin"]]\npan = -1\n')
    r = load(mine)
    assert [layer.name for layer in r.layers] == ["under/tone"] and r.groups[0].preset == "low"
    x = render(r, sample_rate=16000)
    assert np.abs(x[:, 1]).max() == 0                                   # panned hard left
    early, late = x[int(0.4 * 16000):int(0.6 * 16000), 0], x[3 * 16000:int(3.2 * 16000), 0]
    assert 20 * np.log10(np.abs(late).max() / np.abs(early).max()) > 40  # the gain curve ramps up
    assert np.array_equal(x, render(load(mine), sample_rate=16000))      # the same generators every time
    (user_folder / "a.toml").write_text(TONE.format(freq=300) + '[[layer]]\nname = "b"\npreset = "b"\n')
    (user_folder / "b.toml").write_text(TONE.format(freq=300) + '[[layer]]\nname = "a"\npreset = "a"\n')
    result = runner.invoke(cli, ["validate", "a"])
    assert result.exit_code == 2
    assert "presets include each other in a loop (a -> b -> a)" in result.output
    mine.write_text('[session]\nduration = 4\n[[layer]]\nname = "x"\npreset = "../low"\n')
    result = runner.invoke(cli, ["validate", str(mine)])
    assert result.exit_code == 2 and "layer[0] 'x'.preset" in result.output and "Traceback" not in result.output


def test_user_presets_override_are_listed_when_invalid_and_sbg_plays(runner, user_folder, tmp_path):
    (user_folder / "pink.toml").write_text(TONE.format(freq=300))
    (user_folder / "broken.toml").write_text("[session]\nduration = '1m'\n[[layer]]\nname = 'x'\nkind = 'noize'\n")
    (user_folder / "alpha.sbg").write_text("a: 200+10/40\noff: -\nNOW a\nNOW+00:00:30 off\n")
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "(user, overrides built-in)" in lines["pink"]
    assert "invalid" in lines["broken"] and "unknown kind 'noize'" in lines["broken"]
    assert "(user)" in lines["alpha"] and "session" in lines["alpha"]
    out = tmp_path / "p.wav"
    assert runner.invoke(cli, ["export", "pink", "-d", "1", "-o", str(out)]).exit_code == 0
    x, sr = sf.read(out)
    assert abs(peak_db(x, sr, 300) - peak_db(x, sr, 1000)) > 40       # the user's tone, not pink noise
    result = runner.invoke(cli, ["export", "alpha", "-d", "2", "-o", str(tmp_path / "s.wav")])
    assert result.exit_code == 0, result.output
