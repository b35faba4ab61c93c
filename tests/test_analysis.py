"""analyze: loudness, peaks, DC, clipping, clicks and the loop seam of known files; preview."""

import json

import numpy as np
import pyloudnorm
import soundfile as sf
from click.testing import CliRunner
from scipy import signal

from sensory.cli import cli
from sensory.measure.analysis import analyze

RATE = 16000


def pink(seconds, seed=0):
    white = np.random.default_rng(seed).standard_normal((seconds * RATE, 2))
    x = signal.lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                       [1.0, -2.494956002, 2.017265875, -0.522189400], white, axis=0)
    return 0.1 * x / x.std()


def test_analyze_json_finds_click_and_clipping(tmp_path):
    x = pink(6)
    x[RATE * 2, 0] += 0.8  # a click at 2 s
    clip = slice(int(4.0 * RATE), int(4.05 * RATE))
    x[clip] = np.clip(x[clip] * 20, -1, 1)  # a clipped burst at 4 s
    clipped = int(np.count_nonzero(np.abs(x[clip]) >= 1))
    path = tmp_path / "known.wav"
    sf.write(path, x, RATE, subtype="FLOAT")
    result = CliRunner().invoke(cli, ["analyze", str(path), "--json"])
    assert result.exit_code == 0, result.output
    (a,) = json.loads(result.output)
    assert a["frames"] == 6 * RATE and a["seconds"] == 6.0 and a["format"] == "WAV"
    assert abs(a["integrated_lufs"] - pyloudnorm.Meter(RATE).integrated_loudness(x)) < 0.3
    assert a["clipped_samples"] == clipped > 100
    assert a["true_peak_dbtp"] >= 0.0 and abs(a["sample_peak_dbfs"]) < 1e-6
    assert abs(a["click_times"][0] - 2.0) < 0.002
    assert all(abs(t - 4.025) < 0.03 for t in a["click_times"][1:])  # clipping corners, if any
    written = sf.read(path)[0]
    assert abs(a["dc_dbfs"] - 20 * np.log10(np.abs(written.mean(axis=0)).max())) < 0.01  # largest channel mean
    steps = np.concatenate([np.diff(written[-RATE:], axis=0), np.diff(written[:RATE], axis=0)])
    seam = np.abs(written[0] - written[-1]).max() / np.sqrt(np.mean(steps ** 2))  # the wrap's step, relative
    assert abs(a["seam_step_ratio"] - seam) < 1e-6 * seam and a["seamless"] == (seam < 4 and a["seam_loudness_lu"] <= 1)


def test_clean_file_has_no_clicks_and_a_dc_offset_shows(tmp_path):
    x = pink(6, seed=1) + 0.01  # -40 dBFS of DC
    path = tmp_path / "clean.flac"
    sf.write(path, x, RATE, subtype="PCM_24")
    a = analyze(path)
    assert a.clicks == 0 and a.clipped_samples == 0
    assert abs(a.dc_dbfs - -40) < 0.5


def test_seam_tells_a_loop_from_a_cut(tmp_path):
    t = np.arange(5 * RATE) / RATE
    loop = np.stack([np.sin(2 * np.pi * 200 * t)] * 2, axis=1) * 0.3  # whole cycles: seamless
    cut = loop[: 5 * RATE - 13]  # ends mid-cycle: a step at the wrap
    faded = loop * np.minimum(1, t / 3.0)[:, None]  # starts from silence: loudness jumps at the wrap
    sf.write(tmp_path / "loop.wav", loop, RATE, subtype="FLOAT")
    sf.write(tmp_path / "cut.wav", cut, RATE, subtype="FLOAT")
    sf.write(tmp_path / "faded.wav", faded, RATE, subtype="FLOAT")
    assert analyze(tmp_path / "loop.wav").seamless
    assert analyze(tmp_path / "cut.wav").seam_step_ratio > 4
    f = analyze(tmp_path / "faded.wav")
    assert f.seam_loudness_lu > 3 and not f.seamless


def test_text_output_and_missing_file(tmp_path):
    sf.write(tmp_path / "a.wav", pink(4), RATE)
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "a.wav")])
    assert result.exit_code == 0 and "LUFS" in result.output and "loop seam" in result.output
    missing = CliRunner().invoke(cli, ["analyze", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_preview_draws_a_png(tmp_path):
    sf.write(tmp_path / "a.flac", pink(4), RATE)
    out = tmp_path / "p.png"
    result = CliRunner().invoke(cli, ["preview", str(tmp_path / "a.flac"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = CliRunner().invoke(cli, ["preview", str(tmp_path / "a.flac"), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
