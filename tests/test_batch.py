"""Batch catalogs: parallel renders, resuming, the report, failure isolation, exit codes."""

import csv
import hashlib
import json
import logging
import os
import signal
import threading
import time

import pyloudnorm
import pytest
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


CLUSTERED = """
[defaults]
sample_rate = 16000
loudness = -20

[[track]]
preset = "forest"
duration = 20
output = "out/forest.flac"
loop = true

[[track]]
preset = "tone.toml"
duration = 3
output = "out/tone.wav"
seed = 3

[[track]]
preset = "brown"
duration = 3
output = "out/brown.ogg"
mono = true
"""


@pytest.mark.slow
def test_cluster_matches_the_pool_survives_a_dead_worker_and_resumes(tmp_path):
    """On a Dask cluster the files are the pool's bits; a worker killed mid-track has its track
    rendered again on another, its partial file swept; the state file lets a re-run skip the
    tracks done and render a claimed one again."""
    distributed = pytest.importorskip("distributed")
    from sensory.batch.runner import run as run_catalog

    (tmp_path / "pool").mkdir()
    (tmp_path / "dask").mkdir()
    pool = make(tmp_path / "pool", CLUSTERED)
    dask = make(tmp_path / "dask", CLUSTERED)
    assert [r["status"] for r in run_catalog(pool, jobs=2)] == ["rendered"] * 3
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        rows: list = []
        thread = threading.Thread(target=lambda: rows.extend(run_catalog(dask, cluster=cluster.scheduler_address)))
        thread.start()
        killed = None
        while thread.is_alive() and killed is None:  # the forest's partial file names its worker
            for p in (tmp_path / "dask" / "out").glob(".forest.flac.sensory-partial-*"):
                killed = int(p.name.split("sensory-partial-")[1].split("-")[0])
                os.kill(killed, signal.SIGKILL)
                break
            time.sleep(0.005)
        thread.join()
        assert killed is not None
        assert [r["status"] for r in rows] == ["rendered"] * 3, rows
        for name in ("forest.flac", "tone.wav"):
            assert (tmp_path / "dask" / "out" / name).read_bytes() == (tmp_path / "pool" / "out" / name).read_bytes()
        ogg = [sf.read(tmp_path / folder / "out" / "brown.ogg")[0] for folder in ("dask", "pool")]
        assert (ogg[0] == ogg[1]).all()  # the same samples (an Ogg stream's serial number is random)
        assert sorted(p.name for p in (tmp_path / "dask" / "out").iterdir()) == ["brown.ogg", "forest.flac", "tone.wav"]

        state_file = tmp_path / "dask" / ".catalog.toml.state.json"
        state = json.loads(state_file.read_text())
        tone = str(tmp_path / "dask" / "out" / "tone.wav")
        state[tone] = {"key": state[tone]["key"], "claimed": True}  # as a run killed while rendering it leaves it
        state_file.write_text(json.dumps(state))
        (tmp_path / "dask" / "out" / "tone.wav").write_bytes(b"half")
        again = run_catalog(dask, cluster=cluster.scheduler_address)
        assert [r["status"] for r in again] == ["skipped", "rendered", "skipped"]
        assert (tmp_path / "dask" / "out" / "tone.wav").read_bytes() == (tmp_path / "pool" / "out" / "tone.wav").read_bytes()


def test_cluster_address_mistakes_are_one_line(tmp_path):
    catalog = make(tmp_path, '[[track]]\npreset = "pink"\nduration = 1\noutput = "a.wav"\n')
    bad = run(catalog, "--cluster", "local:zero")
    assert bad.exit_code == 2 and "local:N" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / ".catalog.toml.state.json").exists()  # nothing claimed
