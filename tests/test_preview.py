"""preview: the beat curve read back from the figure, phase labels apart, m:ss ticks, the window."""

from __future__ import annotations

import numpy as np
import pytest

from sensory.measure.preview import WINDOW_S, figure, time_ticks

PHASES = "".join(f"[[phase]]\nname = '{n}'\nduration = {d}\n" for n, d in
                 (("arrive", 2), ("a", 1), ("b", 1), ("c", 1), ("settle", 15)))
BEAT = ("[session]\ntitle = 'drift'\nduration = 20\nsample_rate = 8000\n" + PHASES +
        "[[layer]]\nname = 'beat'\nkind = 'binaural'\ncarrier = 200\n"
        "beat = [[0, 10], [4, 10], [14, 8, 'lin']]\ngain_db = -10\n")


@pytest.fixture
def drift(tmp_path):
    path = tmp_path / "drift.toml"
    path.write_text(BEAT)
    return str(path)


def test_the_beat_curve_follows_the_recipe(drift):
    fig = figure(drift)
    beat_ax = fig.axes[1]
    t, hz = beat_ax.get_lines()[0].get_xydata().T
    assert hz[t <= 4].min() == pytest.approx(10) and hz[t >= 14].max() == pytest.approx(8)
    middle = (t > 5) & (t < 13)
    assert np.all(np.diff(hz[middle]) < 0)  # the slide is drawn, falling all the way
    assert t.max() == pytest.approx(20)


def test_phase_labels_do_not_overlap_and_times_read_as_minutes(drift):
    fig = figure(drift)
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_text().strip()]
    assert {t.get_text().strip() for t in labels} == {"arrive", "a", "b", "c", "settle", "start", "end"}
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    ticks = [t.get_text() for t in fig.axes[1].get_xticklabels()]
    assert ticks[:3] == ["0:00", "0:02", "0:04"] and ticks[-1] == "0:20"


def test_ticks_and_the_default_window():
    assert list(time_ticks(1200)) == [0, 120, 240, 360, 480, 600, 720, 840, 960, 1080, 1200]
    assert WINDOW_S == 600


def test_a_long_recipe_is_drawn_over_its_first_ten_minutes(tmp_path, monkeypatch):
    from sensory.measure import preview

    path = tmp_path / "long.toml"
    path.write_text(BEAT.replace("duration = 20\n", "duration = '20m'\n", 1))
    monkeypatch.setattr(preview, "WINDOW_S", 30.0)  # the same rule on a shorter window
    assert figure(str(path)).axes[0].get_xlim() == pytest.approx((0, 30))
    assert figure(str(path), seconds=12).axes[0].get_xlim() == pytest.approx((0, 12))


def test_a_window_is_the_session_as_it_plays_without_an_early_fade(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(BEAT.replace("duration = 20\n", "duration = 40\nfade_out = 10\n", 1))
    fig = figure(str(path), seconds=12)
    loud = next(a for a in fig.axes if a.get_ylabel().startswith("short-term loudness"))
    t, lufs = loud.get_lines()[0].get_xydata().T
    assert t.max() == pytest.approx(10.5) and lufs[-1] == pytest.approx(lufs[len(lufs) // 2], abs=0.5)
