"""Curves against their closed forms, their silent stretches (a layer's rests), and time strings."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensory.core.curves import Curve
from sensory.core.timeparse import TimeError, format_time, parse_time
from sensory.engine.layers import MIN_REST_S, SILENT_DB, rests


def test_step_lin_exp_closed_forms():
    c = Curve((0.0, 10.0, 20.0, 30.0), (1.0, 2.0, 4.0, 8.0), ("step", "step", "lin", "exp"))
    t = np.array([-5, 0, 9.999, 10, 15, 20, 25, 30, 99])
    expected = [1, 1, 1, 2, 3, 4, 4 * 2 ** 0.5, 8, 8]
    assert np.allclose(c(t), expected, rtol=1e-12)


def test_exp_ramp_is_geometric_at_every_point():
    c = Curve((0.0, 60.0), (10.0, 6.0), ("step", "exp"))
    t = np.linspace(0, 60, 61)
    assert np.allclose(c(t), 10 * (0.6 ** (t / 60)), rtol=1e-12)


def test_linear_slide_midpoint():
    c = Curve((0.0, 120.0, 480.0), (10.0, 10.0, 6.0), ("step", "step", "lin"))
    assert c(300.0) == pytest.approx(8.0, abs=1e-12)


def test_block_matches_pointwise_evaluation_and_holds_as_scalars():
    c = Curve((0.0, 1.0, 2.0), (0.0, 0.0, 1.0), ("step", "step", "lin"))
    sr = 100
    assert c.block(0, 50, sr) == 0.0  # held stretch: a float
    ramp = c.block(120, 50, sr)
    assert np.array_equal(ramp, c((120 + np.arange(50)) / sr))
    assert c.block(500, 10, sr) == 1.0


def test_rejects_bad_curves():
    with pytest.raises(ValueError, match="exp ramp"):
        Curve((0.0, 1.0), (1.0, -1.0), ("step", "exp"))
    with pytest.raises(ValueError, match="backwards"):
        Curve((5.0, 1.0), (1.0, 1.0), ("step", "lin"))


@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(-100, 100), st.sampled_from(["step", "lin"])),
                min_size=1, max_size=8),
       st.integers(0, 100_000), st.integers(1, 3000))
def test_block_equals_call_for_any_curve(points, start, n):
    points.sort(key=lambda p: p[0])
    c = Curve(*map(tuple, zip(*points)))
    sr = 1000
    got = np.broadcast_to(c.block(start, n, sr), (n,))
    assert np.array_equal(got, c((start + np.arange(n)) / sr))


@given(st.lists(st.tuples(st.floats(0, 3), st.floats(1, 100), st.sampled_from(["step", "lin", "exp"])),
                min_size=1, max_size=8),
       st.integers(0, 4000), st.integers(1, 3000), st.sampled_from([1000, 44100]))
def test_spans_place_every_frame_in_its_segment_as_a_call_does(points, start, n, sr):
    points.sort(key=lambda p: p[0])
    c = Curve(*map(tuple, zip(*points)))
    spans = c.spans(start, n, sr)
    assert spans[0][0] == start and spans[-1][1] == start + n
    assert all(b > a for a, b, _ in spans) and all(s[1] == t[0] and s[2] < t[2] for s, t in pairwise(spans))
    values = c((start + np.arange(n)) / sr)
    for a, b, i in spans:
        frames = np.arange(a, b)
        assert np.all(np.searchsorted(c._t, frames / sr, side="right") == i)
        got = values[a - start:b - start]
        if c.held(i) is not None:  # a held segment is its one value
            assert np.all(got == c.held(i))
        elif (line := c.line(i, sr)) is not None:  # a ramp is its line of values per frame
            first, value, slope = line
            assert first <= a and np.allclose(got, value + (frames - first) * slope, rtol=1e-12, atol=1e-9)
        else:
            assert c.shapes[i] == "exp"


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(-100, 100), st.sampled_from(["step", "lin", "exp"])),
                min_size=1, max_size=8),
       st.floats(0, 120), st.lists(st.floats(0, 50), min_size=1, max_size=20))
def test_after_is_the_same_curve_seen_from_later(points, seconds, ts):
    points.sort(key=lambda p: p[0])
    values = [v if abs(v) > 1 else 1.0 for _, v, _ in points]
    if any(s == "exp" for _, _, s in points):
        values = [abs(v) for v in values]  # exp ramps need one sign
    c = Curve(tuple(p[0] for p in points), tuple(values), tuple(p[2] for p in points))
    later = c.after(seconds)
    t = np.asarray(ts)
    assert later.times[0] == 0 and min(later.times) >= 0
    assert np.allclose(later(t), c(seconds + t), rtol=1e-9, atol=1e-9)


@given(st.lists(st.tuples(st.floats(0, 30), st.floats(-120, 0), st.sampled_from(["step", "lin", "exp"])),
                min_size=1, max_size=8))
def test_rests_only_cover_silent_frames(points):
    points.sort(key=lambda p: p[0])
    c = Curve(tuple(p[0] for p in points), tuple(min(v, -1.0) for _, v, _ in points), tuple(p[2] for p in points))
    sr = 100
    for a, b in rests(c, sr):
        frames = np.arange(a, 4000 if b is None else b)
        assert len(frames) >= MIN_REST_S * sr
        assert np.all(c(frames / sr) <= SILENT_DB)


def test_rests_of_a_fade_out_and_back_in():
    c = Curve((0.0, 10.0, 20.0, 30.0, 40.0), (-6.0, -80.0, -80.0, -6.0, -100.0), ("step", "lin", "step", "lin", "lin"))
    assert rests(c, 1000) == [(10_001, 19_999), (40_001, None)]  # a ramp counts from its end
    assert rests(Curve.constant(-6.0), 1000) == []
    assert rests(Curve.constant(-90.0), 1000) == [(0, None)]


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), ("90s", 90.0), ("2m", 120.0), ("1h30m", 5400.0), ("05:00", 300.0),
    ("1:02:03", 3723.0), ("1.5s", 1.5), ("250ms", 0.25), ("1h 5m", 3900.0),
])
def test_time_strings(text, seconds):
    assert parse_time(text) == seconds


def test_marks_and_offsets():
    marks = {"start": 0.0, "breathe": 60.0, "end": 600.0}
    assert parse_time("breathe", marks) == 60.0
    assert parse_time("breathe+30s", marks) == 90.0
    assert parse_time("end-2m", marks) == 480.0


@pytest.mark.parametrize("bad", ["abc", "5:70", "", "1x", "nan", "inf", "breath+3s"])
def test_bad_times_say_what_is_accepted(bad):
    with pytest.raises(TimeError):
        parse_time(bad, {"breathe": 1.0})


def test_format_time():
    assert format_time(65) == "1:05"
    assert format_time(3725.4) == "1:02:05"
