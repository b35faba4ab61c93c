"""The 16-bit quantizer's TPDF dither, measured: its amplitude and shape, an error whose mean and
power do not depend on the signal, a flat spectrum, channels independent of each other, and the
same integers for the same seed."""

import numpy as np
import pytest

from sensory.output.quantize import Dither

LSB = 1 / 32768


def _errors(level_lsb: float, frames: int = 1 << 17, seed: int = 3) -> np.ndarray:
    """Quantized minus input (LSB, float64 (frames, 2)) for a steady input ``level_lsb`` LSB high."""
    x = np.full((frames, 2), level_lsb * LSB, np.float32)
    return Dither(seed)(x).astype(np.float64) - x.astype(np.float64) / LSB


def test_the_dither_is_a_triangle_of_plus_minus_one_lsb():
    # on a level exactly at a step, TPDF dither of +-1 LSB moves a quarter of the samples by one
    # step (an eighth each way) and none by more
    q = Dither(0)(np.zeros((1 << 17, 2), np.float32))
    values, counts = np.unique(q, return_counts=True)
    assert list(values) == [-1, 0, 1]
    share = counts / q.size
    assert abs(share[0] - 0.125) < 0.004 and abs(share[2] - 0.125) < 0.004 and abs(share[1] - 0.75) < 0.005
    # halfway between two steps the triangle reaches neither step beyond them: each neighbour half the time
    e = _errors(0.5)
    values, counts = np.unique(e, return_counts=True)
    assert list(values) == [-0.5, 0.5] and abs(counts[0] / e.size - 0.5) < 0.005


@pytest.mark.parametrize("fraction", [0.0, 0.13, 0.25, 0.5, 0.77])
def test_the_error_has_no_mean_and_a_quarter_lsb_squared_of_power_at_any_level(fraction):
    # TPDF: the total error's mean is 0 and its power 1/12 + 1/6 = 1/4 LSB^2 whatever the input
    e = _errors(1000 + fraction)
    assert abs(e.mean()) < 4e-3
    assert abs(e.var() - 0.25) < 0.01


def test_the_error_is_white_and_the_channels_independent():
    e = _errors(0.3, frames=1 << 18)
    e -= e.mean(axis=0)
    for channel in e.T:
        power = np.abs(np.fft.rfft(channel.reshape(64, -1), axis=1)) ** 2
        bands = power.mean(axis=0)[1:].reshape(16, -1).mean(axis=1)  # 16 bands up to Nyquist
        assert np.ptp(10 * np.log10(bands)) < 0.5  # flat within half a dB
        for lag in (1, 2, 3, 4):
            assert abs(np.corrcoef(channel[:-lag], channel[lag:])[0, 1]) < 0.01
    assert abs(np.corrcoef(e[:, 0], e[:, 1])[0, 1]) < 0.01
    assert abs(np.corrcoef(e[1:, 0], e[:-1, 1])[0, 1]) < 0.01


def test_the_same_seed_gives_the_same_integers_and_another_seed_others():
    x = (np.random.default_rng(1).standard_normal((5000, 2)) * 0.1).astype(np.float32)
    a, b = Dither(7), Dither(7)
    assert np.array_equal(a(x), b(x)) and np.array_equal(a(x[:3001]), b(x[:3001]))
    assert not np.array_equal(Dither(7)(x), Dither(8)(x))


def test_full_scale_saturates_and_mono_blocks_quantize():
    q = Dither(0)(np.array([[1.0, -1.0], [2.0, -2.0], [0.5, -0.5]], np.float32))
    assert q[0].tolist() == [32767, -32768] and q[1].tolist() == [32767, -32768]
    assert abs(int(q[2, 0]) - 16384) <= 1 and abs(int(q[2, 1]) + 16384) <= 1
    mono = Dither(0)(np.full((7, 1), 0.25, np.float32))
    assert mono.shape == (7, 1) and mono.dtype == np.int16 and np.all(np.abs(mono - 8192) <= 1)
