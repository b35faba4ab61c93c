"""The engine end to end: beat accuracy by FFT, phase continuity, master stage safety; what the
path to the first block imports."""

from __future__ import annotations

import importlib
import os
import pkgutil
import resource
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

import sensory
from sensory import kinds
from sensory.core.seeding import layer_rng
from sensory.dsp import noise
from sensory.dsp.iir import lfilter
from sensory.dsp.noise import COLOURS, Colour, NoiseSource, WhiteSource
from sensory.dsp.running import window_min
from sensory.engine.context import keep_heap
from sensory.engine.stream import blocks, build, render

from .helpers import clicks, peak_frequency, recipe

SR = 8000


def _window(x: np.ndarray, t: float, seconds: float = 4.0) -> np.ndarray:
    a = int((t - seconds / 2) * SR)
    return x[a:a + int(seconds * SR)]


def test_binaural_ears_match_the_recipe_within_a_hundredth_of_a_hertz():
    r = recipe("[[layer]]\nname = 'beat'\nkind = 'binaural'\ncarrier = 200\n"
               "beat = [[0, 10], ['2m', 10], ['12m', 8, 'lin']]\n", duration=780, sample_rate=SR, fades=True)
    x = render(r, block_size=8193)
    for t in (60.0, 240.0, 420.0, 600.0, 750.0):
        beat = 10.0 if t <= 120 else max(8.0, 10.0 - 2.0 * (t - 120) / 600)
        left = peak_frequency(_window(x[:, 0], t), SR, 150, 250)
        right = peak_frequency(_window(x[:, 1], t), SR, 150, 250)
        assert left == pytest.approx(200 - beat / 2, abs=0.01), t
        assert right == pytest.approx(200 + beat / 2, abs=0.01), t
        assert right - left == pytest.approx(beat, abs=0.01), t


def test_tone_slide_is_continuous_and_exact():
    r = recipe("[[layer]]\nname = 't'\nkind = 'tone'\nfreq = [[0, 300], [2, 300], [4, 600, 'exp'], [4.5, 200]]\n",
               duration=6, sample_rate=SR)
    x = render(r, block_size=65)[:, 0]
    # the largest sample step is what a 600 Hz sine allows, even at the 4.5 s step in frequency
    amplitude = np.abs(x).max()
    assert np.abs(np.diff(x)).max() <= amplitude * 2 * np.sin(np.pi * 600 / SR) * 1.01
    assert peak_frequency(x[int(0.5 * SR):int(1.5 * SR)], SR) == pytest.approx(300, abs=0.01)
    assert peak_frequency(x[int(5 * SR):int(6 * SR)], SR) == pytest.approx(200, abs=0.01)
    assert clicks(x[:int(4.4 * SR)], SR) == 0  # the slides; the 4.5 s step is a step by design


def test_master_fades_and_ceiling():
    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\ngain_db = 12\n", duration=8, sample_rate=SR, fades=True,
               extra_session="fade_in = 2\nfade_out = 3\nceiling_db = -3")
    x = render(r)
    assert np.abs(x).max() <= 10 ** (-3 / 20)
    assert np.abs(x[0]).max() < 1e-6 and np.abs(x[-1]).max() < 1e-3
    rms = lambda a: np.sqrt((a ** 2).mean())  # noqa: E731
    assert rms(x[:int(0.2 * SR)]) < 0.1 * rms(x[3 * SR:4 * SR])
    assert rms(x[-int(0.2 * SR):]) < 0.1 * rms(x[3 * SR:4 * SR])
    assert np.abs(x.mean(axis=0)).max() < 1e-3


def test_alpha_drift_preset_is_safe():
    r = sensory.load("alpha-drift")
    x = render(r, seconds=40, sample_rate=16000)
    assert np.abs(x).max() <= 10 ** (-1 / 20)
    assert np.abs(x.mean(axis=0)).max() < 1e-3
    # sample-to-sample steps stay within what the content (pink noise + 205 Hz) allows
    assert np.abs(np.diff(x, axis=0)).max() < 0.25
    assert clicks(x[:, 0], 16000) == 0


def test_blocks_are_float32_stereo_and_cover_the_duration():
    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\n", duration=1.5, sample_rate=SR)
    got = list(blocks(r, block_size=1000))
    assert all(b.dtype == np.float32 and b.ndim == 2 and b.shape[1] == 2 for b in got)
    assert [len(b) for b in got] == [1000] * 12
    assert sum(map(len, blocks(r, seconds=0.3, block_size=4096))) == int(0.3 * SR)


def test_endless_blocks_keep_going():
    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\n", duration=1, sample_rate=SR)
    it = blocks(r, seconds=float("inf"), block_size=4096)
    total = sum(len(next(it)) for _ in range(10))
    assert total == 40960


def test_other_sample_rates_and_nyquist():
    r = recipe("[[layer]]\nname = 't'\nkind = 'tone'\nfreq = 5000\n", duration=1, sample_rate=16000)
    x = render(r, sample_rate=44100)
    assert len(x) == 44100
    assert peak_frequency(x[:, 0], 44100) == pytest.approx(5000, abs=0.05)
    with pytest.raises(sensory.RecipeError, match="Nyquist"):
        render(r, sample_rate=8000)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap and Linux's fault counts")
def test_a_render_reuses_its_memory_instead_of_page_faulting():
    # every texture frame allocates megabyte-sized temporaries; mapped afresh each time they
    # cost ~360 page faults a second of thunderstorm (a tenth of its CPU); kept in the heap, none
    keep_heap()  # the program's choice (the command line makes it), for the rest of this process
    it = blocks(sensory.load("thunderstorm"), seconds=60, sample_rate=48000, block_size=65536)
    for _ in range(4):  # warm up: the heap grows to what a frame needs
        next(it)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(8):
        next(it)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 200
    it.close()


def test_a_render_leaves_the_heap_alone_unless_the_program_asks():
    code = ("import sensory; from sensory.engine import context; "
            "sensory.render(sensory.load('pink'), seconds=0.5, sample_rate=8000); print(context.heap_kept())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]


TWO = ("[[layer]]\nname = 'bed'\nkind = 'noise'\ncolor = 'pink'\ngain_db = -12\n"
       "[[layer]]\nname = 'tone'\nkind = 'tone'\nfreq = 440\ngain_db = -12\n")


def _controlled(r, block_size: int, control) -> np.ndarray:
    """2000 frames, then ``control(mixer)``, then the rest in blocks of ``block_size``."""
    mixer = build(r)
    frames = int(r.duration * SR)
    out = [mixer.render(2000)]
    control(mixer)
    out += [mixer.render(min(block_size, frames - i)) for i in range(2000, frames, block_size)]
    return np.concatenate(out)


def test_the_master_gain_ramps_per_frame_whatever_the_block_size():
    r = recipe(TWO, duration=1.0, sample_rate=SR)
    ref = render(r)
    ramp = 400  # 0.05 s
    runs = [_controlled(r, b, lambda m: m.set_gain(0.5, seconds=0.05)) for b in (37, 100, 4096)]
    assert all(np.array_equal(runs[0], x) for x in runs[1:])
    x = runs[0]
    assert np.array_equal(x[:2000], ref[:2000])
    gains = (1 - 0.5 * np.arange(1, ramp + 1) / ramp).astype(np.float32)  # the last frame reaches 0.5
    assert np.array_equal(x[2000:2000 + ramp], ref[2000:2000 + ramp] * gains[:, None])
    assert np.array_equal(x[2000 + ramp:], ref[2000 + ramp:] * np.float32(0.5))  # after the limiter


def test_a_layer_gain_applies_from_the_layers_next_frame():
    r = recipe(TWO, duration=1.0, sample_rate=SR)
    bed = render(recipe(TWO.split("[[layer]]\nname = 'tone'")[0], duration=1.0, sample_rate=SR))
    runs = [_controlled(r, b, lambda m: m.set_gain(0.0, layer=1)) for b in (100, 4096)]
    assert np.array_equal(runs[0], runs[1])
    latency = build(r).master.limiter.latency  # layers run ahead of the output by this much
    assert not np.array_equal(runs[0][:2000 + latency], bed[:2000 + latency])
    assert np.array_equal(runs[0][2000 + latency:], bed[2000 + latency:])


def test_fading_out_now_ends_the_render_smoothly():
    r = recipe(TWO, duration=1.0, sample_rate=SR)
    mixer = build(r)
    mixer.render(2000)
    end = mixer.fade_out(0.1)
    assert mixer.end_frame == end and 2000 < end <= 2000 + 0.1 * SR + mixer.master.limiter.latency
    assert mixer.fade_out(0.5) == end  # a later end never replaces a sooner one
    tail = mixer.render(end - 2000 + 100)
    assert np.abs(tail[end - 2000:]).max() < 1e-6


def _coloured(colour: str, frames: int) -> np.ndarray:
    """White noise and its colour filter as the engine had them before rendering ahead: the reference."""
    white = WhiteSource(layer_rng(5, "bed"), 2, np.float64)
    filt = Colour(colour, 16000, 2, 0.1)
    return np.concatenate([filt(white.take(k)) for k in (1000, frames - 1000)])


def test_noise_rendered_ahead_is_its_white_stream_through_its_colour_at_any_block_size():
    frames = 3 * NoiseSource.CHUNK + 123
    sizes = np.random.default_rng(1).integers(1, 20000, 200)
    sizes = np.append(sizes[np.cumsum(sizes) < frames], 0)
    sizes[-1] = frames - sizes.sum()
    for colour in ("pink", "brown", "white"):
        source = NoiseSource(colour, 16000, layer_rng(5, "bed"), channels=2, gain=0.1)
        got = np.concatenate([source.take(int(k)) for k in sizes])
        assert np.array_equal(got, _coloured(colour, frames)), colour


def test_noise_rendered_ahead_in_a_forked_process_has_a_helper_of_its_own():
    frames = NoiseSource.CHUNK + 5000
    NoiseSource("pink", 16000, layer_rng(1, "parent"), channels=2).take(10)  # the parent's helper runs
    pid = os.fork()
    if pid == 0:  # a batch worker: forked after the parent rendered
        same = np.array_equal(NoiseSource("pink", 16000, layer_rng(5, "bed"), channels=2, gain=0.1).take(frames),
                              _coloured("pink", frames))
        os._exit(0 if same else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_a_noise_export_imports_only_what_its_blocks_use(tmp_path):
    # scipy.signal alone took 0.7-0.9 s of CPU and every kind was imported for any recipe
    code = ("import sys\nfrom sensory.cli import cli\ntry:\n"
            "    cli(['export', 'pink', '-d', '1s', '--sample-rate', '8000', '-o', sys.argv[1]])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\nprint(' '.join(sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pink.wav")], check=False, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert not loaded & {"scipy.signal", "scipy.ndimage", "scipy.stats", "sensory.measure.loudness"}
    # the noise kind, and the SBaGen kinds whose limits the .sbg reader holds to
    assert {m for m in loaded if m.startswith("sensory.kinds.")} <= {"sensory.kinds.noise", "sensory.kinds.sbagen"}
    x, sr = sf.read(tmp_path / "pink.wav")
    assert x.shape == (8000, 2) and sr == 8000 and 0.01 < np.sqrt((x ** 2).mean()) < 0.5


def test_each_kind_is_registered_by_the_module_the_registry_names():
    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"sensory.kinds.{module.name}")
    assert {name: k.unit.__module__ for name, k in kinds.REGISTRY.items()} == {
        name: f"sensory.kinds.{module}" for name, module in kinds.MODULES.items()}
    assert list(kinds.load_all()) == list(kinds.names())


def test_the_colours_without_scipy_signal_are_lfilters_to_the_bit(monkeypatch):
    from scipy.signal import lfilter as scipy_lfilter

    x = np.random.default_rng(3).standard_normal((5000, 2))

    def coloured(colour: str) -> np.ndarray:  # in two blocks: the state carried
        f = Colour(colour, 16000, 2, 0.5)
        return np.concatenate([f(x[:1234]), f(x[1234:])])

    ours = {colour: coloured(colour) for colour in COLOURS}
    monkeypatch.setattr(noise, "lfilter", scipy_lfilter)  # the design's power gain too
    for colour in COLOURS:
        assert np.array_equal(ours[colour], coloured(colour)), colour
    b, a = [0.2, 0.3], [1.0, -0.9, 0.2]
    assert np.array_equal(lfilter(b, a, x, axis=0), scipy_lfilter(b, a, x, axis=0))


def test_the_running_minimum_is_scipys_over_every_full_window():
    from scipy.ndimage import minimum_filter1d

    rng = np.random.default_rng(2)
    for _ in range(200):
        size, n = int(rng.integers(1, 400)), int(rng.integers(1, 3000))
        x = np.minimum(rng.random(n) * 2, 1).astype(np.float32)  # runs of ones, as a limiter's gains
        got = window_min(x, size)
        assert got.dtype == np.float32
        assert np.array_equal(got, minimum_filter1d(x, size, origin=(size - 1) // 2)[size - 1:]), (size, n)
