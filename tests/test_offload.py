"""Layers rendered side by side in child processes: the same bits as one process, and
children that never outlive their render."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest
from click.testing import CliRunner

import sensory
from sensory.cli import cli
from sensory.engine import parallel
from sensory.engine.context import rendering
from sensory.engine.parallel import Offload, depth, loads, schedule, share, span
from sensory.engine.stream import blocks, build, eras, mixing_cost, plan, processes_for, render, split
from sensory.errors import RenderError
from sensory.recipe.model import layer_model

from .helpers import recipe

SR = 16000
LAYERS = """
[[layer]]
name = "bed"
kind = "noise"
color = "pink"
gain_db = -20
[[layer]]
name = "rain"
kind = "rain"
gain_db = [[0, -10], [1.5, -90], [3.0, -10]]
send = 0.3
[[layer]]
name = "birds"
kind = "birds"
send = 0.4
[[layer]]
name = "bell"
kind = "bell"
strikes = [0.5, 3.5]
"""


@pytest.mark.parametrize("processes, block_size", [(2, 4096), (3, 1000)])
def test_shared_layers_give_the_same_bits_as_one_process(processes, block_size):
    r = recipe(LAYERS, duration=5.0, sample_rate=SR, fades=True)
    with rendering():  # as every render runs, and the layer processes (the birds' BLAS on one thread)
        mixer = build(r, processes=processes, block_size=block_size)
        try:
            remote = sum(type(layer).__name__ == "RemoteLayer" for layer in mixer.layers)
            assert remote >= 1, "the layers were not shared out"
            frames = int(r.duration * SR)
            shared = np.concatenate([mixer.render(min(block_size, frames - i)) for i in range(0, frames, block_size)])
        finally:
            mixer.close()
    assert np.array_equal(shared, render(r, block_size=block_size))


@pytest.mark.parametrize("slots", [2, 3, 5])
def test_a_ring_reused_many_times_gives_the_same_bits(monkeypatch, slots):
    # small rings over twenty blocks, slots given back one or two at a time: each refilled often
    monkeypatch.setattr(parallel, "RING_FRAMES", slots * 4096)
    assert depth(64, 4096) == slots and depth(4096, 100) == slots
    r = recipe(LAYERS, duration=5.0, sample_rate=SR, fades=True)
    assert np.array_equal(np.concatenate(list(blocks(r, block_size=4096, processes=2))), render(r, block_size=4096))


def test_a_child_that_dies_fails_the_render_cleanly():
    # the blocks it finished before it died are still read, then the render fails
    r = recipe(LAYERS, duration=600.0, sample_rate=SR)
    mixer = build(r, processes=2, block_size=4096)
    child = mixer.offloads[0]._process
    mixer.render(4096)
    child.kill()
    child.wait()
    with pytest.raises(RuntimeError, match="rendering layers .* failed"):
        for _ in range(depth(mixer.master.limiter.latency, 4096) + 2):
            mixer.render(4096)
    mixer.close()


def test_an_error_in_the_child_comes_back_with_its_traceback():
    good = recipe("[[layer]]\nname = 'x'\nkind = 'noise'\n", duration=1.0, sample_rate=8000).layers[0]
    bad = layer_model("noise").model_construct(**{**dict(good), "color": "mauve"})  # skips validation
    offload = Offload([bad], seed=0, sample_rate=8000, frames=8000, first=10, block_size=100)
    try:
        with pytest.raises(RenderError, match=r"(?s)rendering layers x failed.*Traceback.*mauve"):
            offload.parts(10)
    finally:
        offload.close()
        offload.close()  # closing twice is harmless


def test_closing_the_mixer_stops_its_children():
    r = recipe(LAYERS, duration=600.0, sample_rate=SR)
    mixer = build(r, processes=3, block_size=4096)
    mixer.render(4096)
    children = [o._process for o in mixer.offloads]
    mixer.close()
    assert children and all(c.poll() is not None for c in children)


def test_closing_while_a_part_is_held_stops_its_children():
    """An error's traceback can hold a part (a view of the ring) while the render closes."""
    r = recipe(LAYERS, duration=600.0, sample_rate=SR)
    mixer = build(r, processes=2, block_size=4096)
    mixer.render(4096)
    offload = mixer.offloads[0]
    held = offload.parts(4096)
    mixer.close()
    assert offload._process is None and held[0].shape == (4096, 2)


def test_blocks_must_follow_the_schedule():
    r = recipe(LAYERS, duration=5.0, sample_rate=SR)
    mixer = build(r, processes=2, block_size=4096)
    try:
        with pytest.raises(RuntimeError, match="asked for 100 frames"):
            mixer.render(100)
    finally:
        mixer.close()


def test_share_leaves_the_busiest_process_the_least_work():
    # forest's layers (birds, wind, stream) and the parent's work: the longest-first rule puts
    # the stream and the wind in the child (3.18 against 2.42); the best split is 2.78 and 2.82
    def hour(costs):
        return [(1.0, costs)]
    assert share(hour([1.42, 1.36, 1.82]), 2, overhead=1.0) == [1, 1, 0]
    assert loads(hour([1.42, 1.36, 1.82]), [1, 1, 0], 2, 1.0) == pytest.approx([2.82, 2.78])
    assert share(hour([4, 4, 4, 1]), 2, overhead=1.0) == [0, 1, 1, 0]
    assert share(hour([4]), 2, overhead=1.0) == [1]
    assert share(hour([1, 1]), 1, overhead=1.0) == [0, 0]
    assert sorted(share(hour([1.0] * 4), 4, overhead=0.0)) == [0, 1, 2, 3]
    # too many splits to try: the longest first onto the least loaded
    many = share(hour([5.0, 4.0] + [1.0] * 12), 2, overhead=1.0)
    assert loads(hour([5.0, 4.0] + [1.0] * 12), many, 2, 1.0) == [11.0, 11.0]
    assert list(schedule(64, 100, 250)) == [64, 100, 100, 50]


def test_share_weighs_each_era_by_its_busiest_process():
    # two beds all along and a shower in each half: by the hour's work every split into pairs
    # gives 2 / 2, but a shower beside a bed leaves the other process idle half the time
    eras = [(0.5, [1.0, 1.0, 2.0, 0.0]), (0.5, [1.0, 1.0, 0.0, 2.0])]
    where = share(eras, 2, overhead=0.0)
    assert where[0] == where[1] != where[2] == where[3]
    assert span(eras, where, 2, 0.0) == pytest.approx(2.0)
    assert span(eras, [0, 1, 0, 1], 2, 0.0) == pytest.approx(3.0)
    assert loads(eras, [0, 1, 0, 1], 2, 0.0) == pytest.approx([2.0, 2.0])
    # more processes than cores: an era takes its work over the cores at least
    assert span([(1.0, [3.0, 3.0, 3.0])], [0, 1, 2], 3, 0.0, cores=2) == pytest.approx(4.5)
    assert span([(1.0, [3.0, 3.0, 3.0])], [0, 1, 1], 2, 0.0) == pytest.approx(6.0)


def test_forest_day_is_split_by_its_eras():
    # forest-day's layers at their costs measured in noise layers (birds, wind, stream all hour,
    # rain over 30-43 min, crickets over 42-60): two processes cannot share the shower and the
    # evening evenly (the busiest 3.81 a wall hour against 3.27 of work a core); three on two
    # cores can, within 1 %
    day = sensory.load("forest-day")
    p = plan(day, seconds=3600, sample_rate=48000)
    costs = [1.33, 1.35, 1.70, 2.58, 1.98]
    stretches = eras(day.layers, p, costs)
    assert [round(part * 60, 3) for part, _ in stretches] == [30, 12, 1, 17]
    work = sum(loads(stretches, [0] * 5, 1, mixing_cost(day)))
    two, _ = split(day, p, 2, unit_costs=costs)
    assert span(stretches, two, 2, mixing_cost(day)) == pytest.approx(3.81, abs=0.01)
    three, _ = split(day, p, 3, unit_costs=costs, cores=2)
    assert span(stretches, three, 3, mixing_cost(day), cores=2) < 1.01 * work / 2


def test_short_or_light_renders_stay_in_one_process(monkeypatch):
    forest, pink = sensory.load("forest"), sensory.load("pink")
    assert processes_for(forest, plan(forest, seconds=30)) == 1
    assert processes_for(pink, plan(pink, seconds=3600)) == 1  # one light layer: nothing to share
    # a long, heavy render: one process per core it may use, at most four (forest's beds even out)
    for cores in (1, 2, 3, 8):
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid, cores=cores: set(range(cores)), raising=False)
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        assert processes_for(forest, plan(forest, seconds=3600)) == min(cores, 4), cores


def test_a_process_more_than_the_cores_where_no_split_evens_the_eras(monkeypatch):
    # forest-day's shower and evening: over two processes the span (by the declared costs) is
    # 4.51 against 3.88 over three on two cores; forest's three beds gain under a tenth (3.60 / 3.25)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    day, forest = sensory.load("forest-day"), sensory.load("forest")
    assert processes_for(day, plan(day, seconds=3600)) == 3
    assert processes_for(forest, plan(forest, seconds=3600)) == 2


def test_export_jobs_write_the_same_file(tmp_path):
    runner = CliRunner()
    digests = []
    for jobs in (1, 2):
        out = tmp_path / f"forest-{jobs}.flac"
        res = runner.invoke(cli, ["export", "forest", "-d", "3", "--sample-rate", "44100", "--jobs", str(jobs), "-o", str(out)])
        assert res.exit_code == 0, res.output
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
