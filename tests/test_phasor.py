"""The fixed-point phasor: its phase error against an exact reference, block-size invariance and the
beating pair's phases."""

from fractions import Fraction

import numpy as np
import pytest

from sensory.dsp.phasor import BeatPhasor, Phasor, cycles, sine, words

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
    upper, lower = Phasor(sr).advance(200.0 + half, n), Phasor(sr).advance(200.0 - half, n)
    # as words the phases add exactly; against each ear's own running sum only the increments' rounding differs
    turns = (pair - np.stack([upper, lower], axis=1)).astype(np.float64) / 2**64
    assert np.abs(turns).max() < 1e-12
    spectrum = np.abs(np.fft.rfft(sine(pair[:, 0]) * sine(pair[:, 1])))  # product: the difference at 2 * half
    low = spectrum[: 50]
    assert 6 <= np.argmax(low) <= 10  # the beat slides 10 -> 6 Hz over this second


def test_a_skipped_stretch_leaves_the_phase_where_advancing_does():
    freqs = np.linspace(300.0, 100.0, 5000)
    for freq in (440.0, freqs):
        run, skip = Phasor(8000), Phasor(8000)
        run.advance(freq, 5000)
        skip.skip(freq, 5000)
        assert run.phase == skip.phase
        assert np.array_equal(run.advance(333.0, 10), skip.advance(333.0, 10))


def test_a_tone_slot_held_off_renders_zeros_and_comes_in_the_same_in_any_blocks():
    from sensory import kinds
    from sensory.engine.stream import render
    from sensory.recipe.sbagen import load_sbg

    r = load_sbg("-SE\na: 200+10/30\nb: 200+10/30 300-4/20\noff: -\nNOW a\nNOW+00:00:40 b\nNOW+00:01:30 off\n",
                 "<test>", name="t")
    whole = render(r, seconds=100, sample_rate=8000, block_size=1 << 21)
    for size in (4096, 3001):
        assert np.array_equal(render(r, seconds=100, sample_rate=8000, block_size=size), whole)
    (slot,) = [layer for layer in r.layers if layer.name.startswith("slot2")]
    unit = kinds.get(slot.kind).unit(slot, 8000, np.random.default_rng(0))
    quiet = np.concatenate([unit.render(4096) for _ in range(100 * 8000 // 4096)])
    assert not quiet[: 8 * 8000].any() and np.abs(quiet[60 * 8000:]).max() > 0.05
