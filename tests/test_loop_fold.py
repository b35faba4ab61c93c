"""Seamless loops of event textures: events that cross the end ring on round the wrap
(sensory.output.fold), beds are crossfaded (sensory.output.loop)."""

import dataclasses

import numpy as np
import pytest

import sensory
from sensory.engine.stream import plan
from sensory.output.fold import loop_blocks
from sensory.output.loop import LoopShape
from tests.helpers import recipe

RATE = 8000
BED = '[[layer]]\nname = "bed"\nkind = "noise"\ncolor = "pink"\ngain_db = -12\n'
BELL = '[[layer]]\nname = "bell"\nkind = "bell"\nmodel = "bell"\nstrikes = [26.5]\ndecay = 12\n'


def circle(r, seconds=None, seed=None):
    """The loop of ``r`` as a circle from position 0 (the render's frame X), float64 (C, 2), its
    info and shape."""
    p = plan(r, seconds=seconds, sample_rate=RATE, seed=seed)
    shape = LoopShape.for_length(p.frames, RATE)
    info = {}
    z = np.concatenate(list(loop_blocks(r, p, shape, block_size=1000, info=info))).astype(np.float64)
    assert len(z) == info["frames"]
    return np.roll(z, info["start"], axis=0), info, shape


def folded(x, start, c):
    """``x[start:]`` added round a circle of ``c`` frames as often as it wraps: float64 (c, 2)."""
    out = np.zeros((c, x.shape[1]))
    for j in range(start, len(x), c):
        part = x[j:j + c]
        out[:len(part)] += part
    return out


@pytest.mark.parametrize("seconds", [30, 45])
def test_a_bell_crossing_the_end_rings_on_at_the_start_sample_for_sample(seconds):
    """One strike 3.5 s before the end of the loop, ringing for 12 s: the loop is the render
    itself folded round the circle, the ringing heard at the start with the render's samples.
    (A 30-s loop is held whole; of a 45-s one the fold's 30 s are held, the rest streams.)"""
    bell = BELL.replace("26.5", f"{seconds - 3.5:g}")
    z, info, shape = circle(recipe(bell, duration=seconds, sample_rate=RATE))
    assert info["frames"] == seconds * RATE
    plain = sensory.render(recipe(bell, duration=seconds + 50, sample_rate=RATE)).astype(np.float64)
    want = folded(plain, shape.crossfade, info["frames"])
    assert np.abs(z - want).max() <= 1e-7
    start = z[:2 * RATE]
    assert np.abs(start).max() > 1e-3  # the strike rings on into the loop's first seconds
    later = plain[(seconds + 2) * RATE:(seconds + 4) * RATE]  # as it rang a loop's length later in the render
    assert np.abs(later - start).max() <= 1e-7


def test_the_bed_is_crossfaded_and_the_events_folded_over_it():
    """Noise and the bell: the bed is cut as it is alone (crossfaded, the file not turned), and
    what the bell adds outside the crossfade is exactly its own render folded round the circle."""
    both, info, shape = circle(recipe(BED + BELL, duration=30, sample_rate=RATE))
    bed, bed_info, _ = circle(recipe(BED, duration=30, sample_rate=RATE))
    assert bed_info["start"] == 0 and bed_info["ringing"] == 0 and info["start"] > 0
    plain = sensory.render(recipe(BELL, duration=80, sample_rate=RATE)).astype(np.float64)
    body = info["frames"] - shape.crossfade
    want = folded(plain, shape.crossfade, info["frames"])
    assert np.abs((both - bed)[:body] - want[:body]).max() <= 1e-6


def test_a_bed_alone_keeps_its_exact_cut():
    """Without events nothing is copied or folded: the circle is the render's head crossfaded
    into its tail, as sensory.output.loop describes."""
    from sensory.output.loop import crossfade_gains

    r = recipe(BED, duration=12, sample_rate=RATE)
    z, info, shape = circle(r)
    x = sensory.render(r, seconds=shape.render_frames / RATE).astype(np.float64)
    n, xf = shape.frames + info["offset"], shape.crossfade
    g_in, g_out = crossfade_gains(xf, info["correlation"])
    want = np.concatenate([x[xf:n], x[:xf] * g_in[:, None] + x[n:n + xf] * g_out[:, None]])
    assert np.abs(z - want).max() <= 1e-7


def levels(x):
    """0.1-s levels (dB) of ``x``: float64 (len(x) // (RATE / 10),)."""
    w = RATE // 10
    k = len(x) // w
    return 10 * np.log10((x[:k * w] ** 2).mean(axis=1).reshape(k, w).mean(axis=1) + 1e-20)


@pytest.mark.parametrize("name", ["forest", "fireplace", "ocean"])
def test_event_textures_keep_their_level_through_the_crossfade(name):
    """30-s loops at 8 kHz: over the crossfade and the second either side, the 0.1-s levels stay
    within the range of the loop's own, and the crossfade's level within 4 dB of the loop's: no hole."""
    r = sensory.load(name)
    r = dataclasses.replace(r, session=r.session.model_copy(update={"fade_in": 0.0, "fade_out": 0.0}))
    z, info, shape = circle(r, seconds=30)
    c, xf = info["frames"], shape.crossfade
    own = levels(z)
    around = levels(np.roll(z, -(c - xf - RATE), axis=0)[:xf + 2 * RATE])
    assert own.min() - 1 <= around.min() and around.max() <= own.max() + 1
    window = z[c - xf:]
    assert abs(10 * np.log10((window**2).mean() / (z**2).mean())) <= 4.0, name


def test_a_loop_is_the_same_in_any_blocks_and_processes():
    """The bed rendered in a layer process and blocks of 3001 (copies made on a block's edge):
    the same samples as in one process and blocks of 1000."""
    r = recipe(BED + BELL, duration=30, sample_rate=RATE)
    p = plan(r)
    shape = LoopShape.for_length(p.frames, RATE)
    one = np.concatenate(list(loop_blocks(r, p, shape, block_size=1000)))
    shared = np.concatenate(list(loop_blocks(r, p, shape, block_size=3001, processes=2)))
    assert np.array_equal(one, shared)
