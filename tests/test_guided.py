"""Guided-tone sessions: beat accuracy by FFT, pulse and breath rates, continuity across
slides and phase boundaries, bells at their marks, the phased timeline, and the presets."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sensory import load
from sensory.engine.stream import render
from sensory.errors import RecipeError
from sensory.kinds import get, load_all
from sensory.recipe.model import parse_text
from sensory.recipe.presets import presets

from .helpers import clicks, peak_frequency, recipe

SR = 8000
# the guided beat kinds; the kinds of imported SBaGen schedules are measured against SBaGen in test_sbagen
BEAT_KINDS = sorted(name for name, k in load_all().items()
                    if {"carrier", "beat"} <= set(k.params.model_fields) and not name.startswith("sbagen-"))
WINDOW = 4.0  # seconds per FFT window

SLIDE = """
[[phase]]
name = "settle"
duration = "1m"
[[phase]]
name = "slide"
duration = "6m"
description = "the beat eases from 10 to 6 Hz"
[[phase]]
name = "rest"
duration = "1m"
"""


def phased(body: str, session: str = "") -> object:
    """A recipe whose length follows from its [[phase]] entries; no fades unless ``session`` sets them."""
    return parse_text(f"[session]\nsample_rate = {SR}\nfade_in = 0\nfade_out = 0\n{session}\n{body}", "test.toml")


def window(x: np.ndarray, centre_s: float) -> np.ndarray:
    """The WINDOW-second stretch of ``x`` centred on ``centre_s``."""
    a = int(round((centre_s - WINDOW / 2) * SR))
    return x[a:a + int(WINDOW * SR)]


def pair_peaks(x: np.ndarray, low: float, high: float, split: float) -> tuple[float, float]:
    """Peaks of the two tones of a beating pair: one below ``split`` Hz, one above it."""
    return peak_frequency(x, SR, low, split), peak_frequency(x, SR, split, high)


@pytest.fixture(scope="module")
def binaural_slide():
    r = phased(SLIDE + """
[[layer]]
name = "beat"
kind = "binaural"
carrier = 150
beat = [["slide", 10], ["rest", 6, "lin"]]
""")
    return r, render(r)


def test_duration_follows_the_phases(binaural_slide):
    r, audio = binaural_slide
    assert r.duration == 480 and len(audio) == 480 * SR
    assert r.marks == {"start": 0, "settle": 0, "slide": 60, "rest": 420, "end": 480}
    assert r.phase_at(59.9).name == "settle" and r.phase_at(240).name == "slide"
    assert r.phase_at(240).description.startswith("the beat eases")
    assert r.phase_at(480) is None


@pytest.mark.parametrize("t", [30, 62, 120, 240, 333, 418, 450])
def test_binaural_beat_matches_the_recipe_mid_slide(binaural_slide, t):
    _, audio = binaural_slide
    due = float(np.clip(10 - 4 * (t - 60) / 360, 6, 10))  # 10 Hz held, a linear slide over 1:00-7:00, 6 Hz
    if t == 240:
        assert due == 8.0
    left = peak_frequency(window(audio[:, 0], t), SR, 100, 200)
    right = peak_frequency(window(audio[:, 1], t), SR, 100, 200)
    assert right - left == pytest.approx(due, abs=0.01)  # positive beat: higher tone on the right
    assert (left + right) / 2 == pytest.approx(150, abs=0.01)


def test_negative_beat_puts_the_higher_tone_left():
    r = recipe("[[layer]]\nname = 'b'\nkind = 'binaural'\ncarrier = 200\nbeat = -10\n", duration=4, sample_rate=SR)
    audio = render(r)
    assert peak_frequency(audio[:, 0], SR, 150, 250) == pytest.approx(205, abs=0.01)
    assert peak_frequency(audio[:, 1], SR, 150, 250) == pytest.approx(195, abs=0.01)


def test_monaural_beat_matches_the_recipe_mid_slide():
    r = recipe("""
[[layer]]
name = "beat"
kind = "monaural"
carrier = 300
beat = [[0, 12], [60, 6, "exp"], [80, 6]]
""", duration=80, sample_rate=SR)
    audio = render(r)
    assert np.array_equal(audio[:, 0], audio[:, 1])  # both ears hear the beating pair
    for t in (10, 40, 70):
        # the mean beat over the window: the exp curve integrated numerically
        ts = np.linspace(t - WINDOW / 2, t + WINDOW / 2, 4001)
        due = float(np.mean(np.where(ts < 60, 12 * 0.5 ** (ts / 60), 6.0)))
        low, high = pair_peaks(window(audio[:, 0], t), 250, 350, 300)
        assert high - low == pytest.approx(due, abs=0.01)


def test_isochronic_pulse_rate_matches_the_recipe():
    r = recipe("""
[[layer]]
name = "pulse"
kind = "isochronic"
carrier = 400
beat = [[0, 4], [20, 4], [80, 10, "lin"]]
duty = 0.4
""", duration=90, sample_rate=SR)
    x = render(r)[:, 0].astype(np.float64)
    for t, due in ((10, 4.0), (50, 7.0), (65, 8.5), (85, 10.0)):
        rate = peak_frequency(window(x, t) ** 2, SR, 2, 15)
        assert rate == pytest.approx(due, abs=0.01)
    assert peak_frequency(window(x, 10), SR, 300, 500) == pytest.approx(400, abs=0.05)


def _envelope(x: np.ndarray, hop_s: float = 0.01) -> np.ndarray:
    hop = int(hop_s * SR)
    frames = len(x) // hop
    return np.sqrt((x[:frames * hop].astype(np.float64).reshape(frames, hop) ** 2).mean(axis=1))


def _rising_crossings(env: np.ndarray, level: float, hop_s: float = 0.01) -> np.ndarray:
    """Times (s) where ``env`` rises through ``level`` (linearly interpolated), counting a
    crossing only after ``env`` has fallen below half of ``level`` since the last one."""
    times, armed = [], True
    for i in np.flatnonzero((env[:-1] < level) & (env[1:] >= level) | (env[1:] < level / 2)):
        if env[i + 1] < level / 2:
            armed = True
        elif armed:
            times.append((i + (level - env[i]) / (env[i + 1] - env[i])) * hop_s)
            armed = False
    return np.array(times)


@pytest.mark.parametrize("sound", ["tone", "noise"])
def test_breath_cycle_period_within_one_percent(sound):
    r = recipe(f"""
[[layer]]
name = "pacer"
kind = "breath"
sound = "{sound}"
inhale = 4
hold_in = 2
exhale = 6
hold_out = 1
""", duration=80, sample_rate=SR)
    env = _envelope(render(r)[:, 0], 0.05)
    if sound == "noise":  # smooth the noise's own fluctuation over 0.5 s
        env = np.convolve(env, np.ones(10) / 10, mode="same")
    ups = _rising_crossings(env, (env.max() + env.min()) / 2, 0.05)
    periods = np.diff(ups)
    assert len(periods) >= 4
    if sound == "tone":
        assert np.all(np.abs(periods - 13.0) < 0.13), periods
    else:  # the noise's own fluctuation jitters single crossings; their mean is exact
        assert np.mean(periods) == pytest.approx(13.0, rel=0.01) and np.all(np.abs(periods - 13.0) < 0.3), periods


def test_breath_pattern_slows_continuously():
    # 10 breaths a minute (3 s in, 3 s out) slowing to 6 (5 + 5) over two minutes
    r = recipe("""
[[layer]]
name = "pacer"
kind = "breath"
inhale = [[0, 3], [30, 3], [150, 5, "lin"]]
exhale = [[0, 3], [30, 3], [150, 5, "lin"]]
""", duration=200, sample_rate=SR)
    x = render(r)[:, 0]
    env = _envelope(x)
    ups = _rising_crossings(env, (env.max() + env.min()) / 2)
    periods = np.diff(ups)
    assert periods[0] == pytest.approx(6.0, rel=0.01) and periods[-1] == pytest.approx(10.0, rel=0.01)
    assert np.all(np.diff(periods) > -0.05)  # never speeds up (the mid-rise point moves as inhale grows)
    step = np.max(np.abs(np.diff(x)))
    peak = get("breath").unit.nominal_level
    assert step <= 2 * np.pi * 220 * 2 ** (5 / 12) * peak / SR * 1.05  # no jump beyond a sine's slope
    assert clicks(x, SR) == 0


def _max_step(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x.astype(np.float64), axis=0))))


@pytest.mark.parametrize("kind", BEAT_KINDS)
def test_no_discontinuity_at_phase_boundaries_and_in_slides(kind):
    """Carrier and beat jump (step) at a phase boundary and slide inside another: the
    waveform never steps further than the fastest tone's slope allows, and no clicks."""
    phases = """
[[phase]]
name = "a"
duration = 7.31
[[phase]]
name = "b"
duration = 9.1
[[phase]]
name = "c"
duration = 8
"""
    r = phased(phases + f"""
[[layer]]
name = "tone"
kind = "{kind}"
carrier = [["b", 180], ["b+5s", 240, "lin"], ["c", 210, "step"]]
beat = [["b", 7.77], ["c", 4.4, "step"], ["c+3s", 11.1, "exp"]]
""")
    audio = render(r)
    top = 240 + 11.1 / 2
    peak = get(kind).unit.nominal_level  # of a steady sine
    amplitude = {"binaural": peak, "monaural": peak * 2 ** 0.5, "isochronic": peak / np.sqrt(0.375 * 0.5)}[kind]
    # a tone's largest step is 2*pi*f*A/sr; the isochronic pulse adds its own slower slope
    assert _max_step(audio) <= 2 * np.pi * top * amplitude / SR * 1.1
    for ch in range(2):
        assert clicks(audio[:, ch], SR) == 0


def test_the_continuity_checks_catch_a_phase_jump():
    """The peers' bug, sin(2*pi*f(t)*t), with the carrier stepping 180 -> 240 Hz at the
    7.31-s boundary used above: the step check fails it."""
    t = np.arange(int(10 * SR)) / SR
    peak = get("binaural").unit.nominal_level
    naive = peak * np.sin(2 * np.pi * np.where(t < 7.31, 180.0, 240.0) * t)
    assert _max_step(naive) > 2 * np.pi * (240 + 11.1 / 2) * peak / SR * 1.1


def test_marks_work_in_every_time():
    r = parse_text('[session]\nfade_in = "settle+5s"\n' + SLIDE + """
[[layer]]
name = "bowl"
kind = "bell"
strikes = ["slide", "slide+30s", "end-2m", "rest"]
gain_db = [["settle", -60], ["settle+10s", -6, "lin"], ["end-1m", -6], ["end", -60, "lin"]]
""", "test.toml")
    layer = r.layers[0]
    assert layer.strikes == (60.0, 90.0, 360.0, 420.0)
    assert layer.gain_db.times == (0.0, 10.0, 420.0, 480.0)
    assert r.session.fade_in == 5.0


def test_marks_with_hyphens():
    r = phased('[[phase]]\nname = "first-round"\nduration = 60\n[[phase]]\nname = "first"\nduration = 30\n'
               "[[layer]]\nname = 'b'\nkind = 'bell'\nstrikes = ['first-round', 'first-round+5s', 'first-10s', "
               "'first', 'end-1s']\n")
    assert r.layers[0].strikes == (0.0, 5.0, 50.0, 60.0, 89.0)


def test_unknown_mark_is_a_clear_error():
    with pytest.raises(RecipeError, match=r"strikes.*no phase mark 'listen'"):
        phased(SLIDE + "[[layer]]\nname = 'b'\nkind = 'bell'\nstrikes = ['listen+2s']\n")


@pytest.mark.parametrize("beat, message", [
    ("0.3", "too small a beat"),
    ("[[0, 10], [60, 0.2, 'lin']]", r"beat\[1\]: 0.2 Hz is too small"),
    ("[[0, 10], [60, -10, 'lin']]", "passes through 0 Hz"),
    ("41", "out of range"),
])
@pytest.mark.parametrize("kind", ["binaural", "monaural"])
def test_beat_limits(kind, beat, message):
    with pytest.raises(RecipeError, match=message):
        recipe(f"[[layer]]\nname = 'b'\nkind = '{kind}'\nbeat = {beat}\n")


@pytest.mark.parametrize("kind", BEAT_KINDS)
@pytest.mark.parametrize("carrier", ["39", "[[0, 200], [10, 1600, 'lin']]"])
def test_carrier_limits(kind, carrier):
    with pytest.raises(RecipeError, match="carrier.*out of range; use 40 to 1500 Hz"):
        recipe(f"[[layer]]\nname = 'b'\nkind = '{kind}'\ncarrier = {carrier}\n")


def test_isochronic_rate_is_positive():
    with pytest.raises(RecipeError, match="beat: -10 Hz is out of range; use 0.5 to 40 Hz"):
        recipe("[[layer]]\nname = 'b'\nkind = 'isochronic'\nbeat = -10\n")


def test_bells_ring_at_their_strikes_with_inharmonic_decaying_modes():
    r = recipe("""
[[layer]]
name = "bowl"
kind = "bell"
model = "bowl"
freq = 300
decay = 6
strikes = [1, 9]
""", duration=16, sample_rate=SR)
    x = render(r)[:, 0].astype(np.float64)
    env = _envelope(x)
    onsets = _rising_crossings(env, 0.05 * env.max())
    assert onsets[0] == pytest.approx(1.0, abs=0.02)
    assert env[int(8.9 / 0.01)] < env[int(1.2 / 0.01)] / 100  # 60 dB per 6 s: about -39 dB after 7.7 s
    assert env[int(9.2 / 0.01)] > 10 * env[int(8.9 / 0.01)]
    ring = x[int(1.5 * SR):int(5.5 * SR)]
    assert peak_frequency(ring, SR, 250, 350) == pytest.approx(300, abs=1.0)
    assert peak_frequency(ring, SR, 700, 1000) == pytest.approx(300 * 2.77, abs=2.0)  # not a harmonic
    # slight beating: the fundamental's mode pair drifts in and out of phase, so its
    # envelope, with the decay taken out, swells and dips by more than 10 %
    spectrum = np.fft.fft(ring)
    freqs = np.abs(np.fft.fftfreq(len(ring), 1 / SR))
    fundamental = np.abs(np.fft.ifft(np.where((freqs > 250) & (freqs < 350), spectrum, 0)))
    t = np.arange(len(ring)) / SR
    level = (fundamental * np.exp(np.log(1000) / 6 * t))[SR // 2:-SR // 2]
    assert level.max() > 1.1 * level.min()


def test_random_bells_follow_their_interval():
    r = recipe("[[layer]]\nname = 'b'\nkind = 'bell'\nmodel = 'chime'\nfreq = 800\ndecay = 1\nstrikes = []\n"
               "every = 10\nspread = 0.5\n", duration=200, sample_rate=SR)
    env = _envelope(render(r)[:, 0])
    onsets = _rising_crossings(env, 0.1 * env.max())
    gaps = np.diff(onsets)
    assert 15 <= len(onsets) <= 25 and np.all((gaps > 4.9) & (gaps < 15.1)), gaps
    assert np.array_equal(render(r, seed=1), render(r, seed=1))


def test_drone_is_a_wide_soft_pad_at_its_root():
    r = recipe("[[layer]]\nname = 'pad'\nkind = 'drone'\nfreq = 110\npartials = 4\n", duration=12, sample_rate=SR)
    audio = render(r).astype(np.float64)
    assert peak_frequency(audio[:, 0], SR, 80, 140) == pytest.approx(110, abs=0.5)
    rms_db = 20 * np.log10(np.sqrt((audio ** 2).mean(axis=0)))
    nominal = 20 * np.log10(get("drone").unit.nominal_level)
    assert np.all(np.abs(rms_db - nominal) < 6), rms_db
    assert abs(np.corrcoef(audio[:, 0], audio[:, 1])[0, 1]) < 0.5  # detuned voices split between the ears


BUILT_IN = [p.name for p in presets() if p.origin == "built-in"]
GUIDED = [name for name in BUILT_IN if load(name).type == "session" and load(name).phases]
CLAIMS = re.compile(r"brainwave|entrain|heal|cure|treat|insomnia|migraine|therap|induc|sync|solfeggio|528|432",
                    re.IGNORECASE)


@pytest.mark.parametrize("name", BUILT_IN)
def test_presets_speak_honestly(name):
    r = load(name)
    text = " ".join([r.session.title, r.session.description] + [p.description for p in r.phases])
    assert not CLAIMS.search(text), CLAIMS.search(text)


@pytest.mark.parametrize("name", GUIDED)
def test_session_phases_are_described(name):
    r = load(name)
    assert len(r.phases) >= 2 and all(p.description for p in r.phases)


def test_preset_lengths():
    lengths = {name: load(name).duration for name in ("reawaken", "resonance-breathing", "sleep-descent")}
    assert 23 * 60 <= lengths["reawaken"] <= 27 * 60
    assert lengths["resonance-breathing"] == 600
    assert lengths["sleep-descent"] == 45 * 60
    assert [p.name for p in load("reawaken").phases] == ["arrive", "breathe", "listen", "warmth", "return"]
    assert len(load("grounding").phases) >= 5


def test_resonance_preset_paces_six_breaths_a_minute():
    r = load("resonance-breathing")
    pacer = next(layer for layer in r.layers if layer.kind == "breath")
    t = r.marks[r.phases[1].name] + 60
    cycle = sum(float(getattr(pacer, k)(t)) for k in ("inhale", "hold_in", "exhale", "hold_out"))
    assert 60 / cycle == pytest.approx(6.0, abs=0.5)


def test_sleep_descent_slides_alpha_theta_delta():
    r = load("sleep-descent")
    beat = next(layer for layer in r.layers if layer.kind in ("binaural", "monaural", "isochronic")).beat
    assert 8 <= abs(float(beat(60))) <= 12 and abs(float(beat(r.duration - 60))) < 4
    assert any(4 <= abs(v) < 8 for v in beat.values)
