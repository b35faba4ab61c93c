"""The fixed-point phasor: its phase error against an exact reference, block-size invariance and the
beating pair's phases."""

from fractions import Fraction

import numpy as np
import pytest

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


def test_the_pair_is_the_carrier_plus_and_minus_half_the_beat():
    sr, n = 8000, 8000
    half = np.linspace(5.0, 3.0, n)
    pair = BeatPhasor(sr).advance(200.0, half, n)
    assert pair.shape == (2, n)  # one row per ear
    # as words, exactly the carrier's phase plus and minus the half beat's
    centre, apart = Phasor(sr).advance(200.0, n), Phasor(sr).advance(half, n)
    assert np.array_equal(pair[0], centre + apart) and np.array_equal(pair[1], centre - apart)
    upper, lower = Phasor(sr).advance(200.0 + half, n), Phasor(sr).advance(200.0 - half, n)
    # against each ear's own running sum only the increments' rounding differs
    turns = (pair - np.stack([upper, lower])).astype(np.float64) / 2**64
    assert np.abs(turns).max() < 1e-12
    spectrum = np.abs(np.fft.rfft(sine(pair[0]) * sine(pair[1])))  # product: the difference at 2 * half
    low = spectrum[: 50]
    assert 6 <= np.argmax(low) <= 10  # the beat slides 10 -> 6 Hz over this second


def test_the_pair_is_the_same_bits_whatever_the_blocks_held_sliding_or_skipped():
    sr, n = 8000, 12000
    carrier = np.concatenate([np.full(5000, 150.0), np.linspace(150.0, 90.0, 7000)])
    half = np.concatenate([np.full(3000, 4.0), np.linspace(4.0, -2.0, 9000)])
    whole = BeatPhasor(sr).advance(carrier, half, n)
    for size in (1, 997, 4096):
        pair, parts, at = BeatPhasor(sr), [], 0
        while at < n:
            m = min(size, n - at)
            c, h = carrier[at:at + m], half[at:at + m]
            c, h = (float(v[0]) if np.all(v == v[0]) else v for v in (c, h))  # held stretches as floats
            if at // size % 3 == 1:  # every third block not heard: skipped, and its words rendered apart
                pair.skip(c, h, m)
                parts.append(BeatPhasor(sr).advance(c, h, m) + whole[:, at:at + 1])
            else:
                parts.append(pair.advance(c, h, m))
            at += m
        assert np.array_equal(np.concatenate(parts, axis=1), whole)


def test_the_sines_of_the_two_ears_as_frames_are_their_rows_sines_to_the_bit():
    ears = BeatPhasor(8000).advance(np.linspace(150.0, 300.0, 5000), 3.5, 5000)
    frames = sine_frames(ears)
    assert frames.dtype == np.float32 and frames.shape == (5000, 2) and frames.flags.c_contiguous
    assert np.array_equal(frames, sine(ears).T)
