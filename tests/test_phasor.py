"""The fixed-point phasor: its phase error against an exact reference, block-size invariance and the
beating pair's phases."""

import math
from fractions import Fraction

import numpy as np
import pytest

from sensory.core.curves import Curve
from sensory.dsp.phasor import BeatPhasor, Phasor, cycles, sine, sine_frames, words

HOUR_FRAMES = 3600 * 44100


def _exact_turns(freqs, sample_rate: int) -> list[Fraction]:
    """The phase (cycles, modulo one) at each frame of the running sum of ``freqs / sample_rate``, exactly."""
    out, total = [], Fraction(0)
    for f in freqs:
        out.append(total - (total.numerator // total.denominator))
        total += Fraction(float(f)) / sample_rate
    return out


def _turn_error(phase: np.ndarray, exact: list[Fraction]) -> float:
    """The largest distance (cycles) between phase words and exact phases, across the wrap."""
    got = [Fraction(int(w) % 2**64, 2**64) for w in phase]
    return max(float(min(abs(g - e), 1 - abs(g - e))) for g, e in zip(got, exact))


@pytest.mark.parametrize("freq", [200.0, 205.0, 0.1, 1000.0 / 3, 22049.9, -440.0, 50000.0])
def test_a_held_frequency_drifts_under_1e_8_cycles_in_an_hour(freq):
    # the phase at frame k is exactly k increments (integer sums), so the hour's drift is k times one
    # increment's rounding: the increment is f / sample_rate to float64's 2^-53 of itself
    step = Fraction(int(words(freq, 44100)), 2**64)
    exact = Fraction(freq) / 44100
    exact -= round(exact)
    assert abs(step - exact) <= abs(exact) * Fraction(1, 2**53) + Fraction(1, 2**63)
    assert float(abs(step - exact)) * HOUR_FRAMES < (1e-10 if freq <= 1000 else 1e-8)
    ph = Phasor(44100).advance(freq, 1000)
    assert _turn_error(ph, _exact_turns([freq] * 1000, 44100)) < 1e-13  # 1000 steps of at most 5.6e-17


def test_a_slide_follows_the_exact_running_sum_and_its_sine():
    rng = np.random.default_rng(5)
    freqs = np.linspace(205.0, 197.0, 3000) + rng.uniform(-1, 1, 3000)
    ph = Phasor(8000).advance(freqs, 3000)
    exact = _exact_turns(freqs, 8000)
    assert _turn_error(ph, exact) < 1e-15
    reference = np.sin(2 * np.pi * np.array([float(e) for e in exact]))
    assert np.abs(sine(ph) - reference).max() < 3e-7  # float32: the phase rounded to 24 bits, then sin
    assert np.all((cycles(ph) >= 0) & (cycles(ph) < 1))
    assert np.abs(cycles(ph) - [float(e) for e in exact]).max() < 1e-15


def test_phases_are_the_same_bits_whatever_the_blocks():
    rng = np.random.default_rng(1)
    n = 20000
    freqs = np.concatenate([np.full(7000, 333.3), np.linspace(333.3, 90.0, 13000)])
    whole = Phasor(16000).advance(freqs, n)
    for sizes in ([1] * 10 + [n - 10], [4096] * 4 + [n - 4 * 4096], list(rng.integers(1, 3000, 40)) + [n]):
        p, parts, at = Phasor(16000), [], 0
        for m in sizes:
            m = min(m, n - at)
            if m == 0:
                break
            held = np.all(freqs[at:at + m] == freqs[at])  # a held stretch as a float, as Curve.block gives it
            parts.append(p.advance(float(freqs[at]) if held else freqs[at:at + m], m))
            at += m
        assert at == n and np.array_equal(np.concatenate(parts), whole)


def _curve(*points) -> Curve:
    return Curve(*map(tuple, zip(*points)))


def test_the_pair_is_the_carrier_plus_and_minus_half_the_beat():
    sr, n = 8000, 8000
    beat = _curve((0.0, 10.0, "step"), (1.0, 6.0, "lin"))
    pair = BeatPhasor(sr).follow(Curve.constant(200.0), beat, 0.5, 0, n)
    assert pair.shape == (2, n)  # one row per ear
    half = 0.5 * beat(np.arange(n) / sr)
    upper, lower = Phasor(sr).advance(200.0 + half, n), Phasor(sr).advance(200.0 - half, n)
    # against each ear's own running sum of its frequencies only the increments' rounding differs
    turns = (pair - np.stack([upper, lower])).astype(np.float64) / 2**64
    assert np.abs(turns).max() < 1e-12
    # each ear's increment is its frequency: the carrier plus or minus the half beat at that frame
    steps = np.diff(pair, axis=1).astype(np.float64) / 2**64 * sr
    assert np.allclose(steps, [200.0 + half[:-1], 200.0 - half[:-1]], rtol=0, atol=1e-9)
    spectrum = np.abs(np.fft.rfft(sine(pair[0]) * sine(pair[1])))  # product: the difference at 2 * half
    low = spectrum[: 50]
    assert 6 <= np.argmax(low) <= 10  # the beat slides 10 -> 6 Hz over this second


def test_a_slide_over_an_hour_keeps_its_phase_within_1e_4_cycles_of_the_exact_integral():
    # the slide: the beat from 10 to 6 Hz over 56 minutes; a linear ramp's increments are a
    # line of words (the slope rounded once to a word per frame), its phase a quadratic in the frame
    sr, t0, t1 = 44100, 120.05, 3480.05
    carrier, beat = Curve.constant(200.0), _curve((0.0, 10.0, "step"), (t0, 10.0, "step"), (t1, 6.0, "lin"))
    ears = BeatPhasor(sr)
    end = int(t1 * sr) - 100
    ears.skip(carrier, beat, 0.5, 0, end)
    got = ears.follow(carrier, beat, 0.5, end, 100)
    first = math.ceil(t0 * sr)  # the ramp's first frame: before it the beat holds 10 Hz
    slope = (Fraction(6) - 10) / ((Fraction(t1) - Fraction(t0)) * sr)  # the beat's change per frame, exactly
    for k in (0, 99):
        m = end + k - first  # frames of the ramp before this one
        beats = 10 * first + m * (10 + slope * (first - Fraction(t0) * sr)) + slope * (m * (m - 1) // 2)
        for row, sign in zip(got, (1, -1)):
            exact = (200 * (end + k) + sign * beats / 2) / sr  # cycles: each frame adds its frequency / sr
            error = (Fraction(int(row[k]) % 2**64, 2**64) - exact) % 1
            assert min(error, 1 - error) < 1e-4


def test_the_pair_is_the_same_bits_whatever_the_blocks_held_sliding_or_skipped():
    sr, n = 8000, 24000
    carrier = _curve((0.0, 150.0, "step"), (0.5, 150.0, "step"), (1.0, 180.0, "lin"), (1.5, 90.0, "exp"))
    beat = _curve((0.0, 10.0, "step"), (0.3, 10.0, "step"), (1.2, 4.0, "exp"), (1.7, -6.0, "lin"),
                  (2.2, 3.0, "step"))
    whole = BeatPhasor(sr).follow(carrier, beat, 0.5, 0, n)
    rng = np.random.default_rng(3)
    for sizes in ([1] * 50 + [n], [997] * 30, [4096] * 6, [int(m) for m in rng.integers(1, 3000, 40)] + [n]):
        pair, parts, at = BeatPhasor(sr), [], 0
        for i, m in enumerate(sizes):
            m = min(m, n - at)
            if m == 0:
                break
            if i % 3 == 1:  # every third block not heard: skipped, and its words rendered apart
                apart = BeatPhasor(sr)
                apart.phases = pair.phases
                parts.append(apart.follow(carrier, beat, 0.5, at, m))
                pair.skip(carrier, beat, 0.5, at, m)
            else:
                parts.append(pair.follow(carrier, beat, 0.5, at, m))
            at += m
        assert at == n and np.array_equal(np.concatenate(parts, axis=1), whole)
    # held stretches and exponential ramps are each frame's word summed, as a running sum gives them
    t = np.arange(n) / sr
    centre, apart = words(carrier(t), sr), words(0.5 * beat(t), sr)
    sums = np.cumsum(np.stack([centre + apart, centre - apart]), axis=1)
    assert np.array_equal(whole[:, 1:4001], sums[:, :4000])  # the carrier held, the beat held then exp


def test_the_sines_of_the_two_ears_as_frames_are_their_rows_sines_to_the_bit():
    ears = BeatPhasor(8000).follow(_curve((0.0, 150.0, "step"), (0.6, 300.0, "lin")), Curve.constant(7.0), 0.5, 0, 5000)
    frames = sine_frames(ears)
    assert frames.dtype == np.float32 and frames.shape == (5000, 2) and frames.flags.c_contiguous
    assert np.array_equal(frames, sine(ears).T)
