"""Batch catalogs: parallel renders, resuming, the report, failure isolation, exit codes."""

import csv
import hashlib
import json

import pyloudnorm
import soundfile as sf
from click.testing import CliRunner

from sensory.cli import cli

CATALOG = """
[defaults]
sample_rate = 16000
loudness = -18
artist = "Quiet Room"

[[track]]
preset = "pink"
duration = 3
output = "out/pink.flac"
loop = true

[[track]]
preset = "tone.toml"
duration = "4s"
output = "out/tone.wav"
seed = 3
subtype = "PCM_16"

[[track]]
preset = "brown"
duration = 3
output = "out/brown.ogg"
mono = true

[[track]]
preset = "white"
duration = 3
output = "out/impossible.wav"
loudness = -1
true_peak = -12
"""

TONE = """[session]
title = "Tone"
duration = "10s"
[[layer]]
name = "t"
kind = "tone"
freq = 330
"""


def make(tmp_path, text=CATALOG):
    (tmp_path / "tone.toml").write_text(TONE)
    path = tmp_path / "catalog.toml"
    path.write_text(text)
    return path


def run(*args):
    return CliRunner().invoke(cli, ["batch", *map(str, args)])


def test_parallel_run_report_failure_and_resume(tmp_path):
    catalog = make(tmp_path)
    result = run(catalog, "--jobs", "2", "--report", tmp_path / "report.json")
    assert result.exit_code == 1, result.output  # one track cannot meet its targets
    rows = json.loads((tmp_path / "report.json").read_text())
    assert [r["status"] for r in rows] == ["rendered", "rendered", "rendered", "failed"]
    assert "cannot be reached" in rows[3]["error"]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["brown.ogg", "pink.flac", "tone.wav"]  # no partial file
    for row in rows[:3]:
        path = tmp_path / row["output"]
        x, rate = sf.read(path, always_2d=True)
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert abs(row["seconds"] - len(x) / rate) < 1e-9
        assert abs(pyloudnorm.Meter(rate).integrated_loudness(x) - -18) <= 0.3
        assert abs(row["loudness_lufs"] - -18) <= 0.3 and row["true_peak_dbtp"] <= -1
    assert sf.info(out / "brown.ogg").channels == 1
    with sf.SoundFile(out / "tone.wav") as f:
        assert f.artist == "Quiet Room" and "seed 3" in f.comment

    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = run(catalog, "--report", tmp_path / "again.csv")
    assert again.exit_code == 1
    with open(tmp_path / "again.csv", newline="") as f:
        rows2 = list(csv.DictReader(f))
    assert [r["status"] for r in rows2] == ["skipped", "skipped", "skipped", "failed"]
    assert [r["sha256"] for r in rows2[:3]] == [r["sha256"] for r in rows[:3]]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamps  # nothing rewritten

    # a changed entry renders again; the broken track fixed, everything succeeds
    catalog.write_text(CATALOG.replace("seed = 3", "seed = 4").replace("true_peak = -12", "true_peak = -1")
                       .replace("loudness = -1\n", "loudness = -20\n"))
    fixed = run(catalog, "--report", tmp_path / "fixed.json")
    assert fixed.exit_code == 0, fixed.output
    rows3 = json.loads((tmp_path / "fixed.json").read_text())
    assert [r["status"] for r in rows3] == ["skipped", "rendered", "skipped", "rendered"]
    assert rows3[1]["sha256"] != rows[1]["sha256"]


def test_existing_foreign_file_needs_force(tmp_path):
    catalog = make(tmp_path, CATALOG.split("[[track]]\npreset = \"tone.toml\"")[0])
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "pink.flac").write_bytes(b"not ours")
    assert run(catalog).exit_code == 1
    assert (tmp_path / "out" / "pink.flac").read_bytes() == b"not ours"
    assert run(catalog, "--force").exit_code == 0
    assert sf.info(tmp_path / "out" / "pink.flac").frames == 3 * 16000


def test_invalid_manifest_names_file_and_track(tmp_path):
    bad = make(tmp_path, '[[track]]\npreset = "pink"\nduration = 3\noutput = "a.wav"\nloudnes = -16\n')
    result = run(bad)
    assert result.exit_code == 2
    assert "catalog.toml: track[0].loudnes" in result.output and "Traceback" not in result.output
    missing = make(tmp_path, '[[track]]\npreset = "pink"\noutput = "a.wav"\n')
    assert "track[0].duration" in run(missing).output
    unknown = make(tmp_path, '[[track]]\npreset = "no-such-preset"\nduration = 3\noutput = "a.wav"\n')
    result = run(unknown)
    assert result.exit_code == 2 and "track[0] (a.wav)" in result.output
    dup = make(tmp_path, '[[track]]\npreset = "pink"\nduration = 3\noutput = "a.wav"\n' * 2)
    assert "also written by track[0]" in run(dup).output
