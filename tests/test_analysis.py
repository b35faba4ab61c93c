"""analyze: loudness, peaks, DC, clipping, clicks against transients and the loop seam of known files; preview."""

import json

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from click.testing import CliRunner
from scipy import signal

import sensory
from sensory.cli import cli
from sensory.measure.analysis import analyze
from sensory.measure.clicks import ClickDetector
from sensory.recipe.presets import packaged_dir
from tests.helpers import recipe

RATE = 16000


def pink(seconds, seed=0):
    white = np.random.default_rng(seed).standard_normal((seconds * RATE, 2))
    x = signal.lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                       [1.0, -2.494956002, 2.017265875, -0.522189400], white, axis=0)
    return 0.1 * x / x.std()


def test_analyze_json_finds_click_and_clipping(tmp_path):
    x = pink(6)
    x[RATE * 2, 0] += 0.8  # a click at 2 s
    clip = slice(int(4.0 * RATE), int(4.05 * RATE))
    x[clip] = np.clip(x[clip] * 20, -1, 1)  # a clipped burst at 4 s
    clipped = int(np.count_nonzero(np.abs(x[clip]) >= 1))
    path = tmp_path / "known.wav"
    sf.write(path, x, RATE, subtype="FLOAT")
    result = CliRunner().invoke(cli, ["analyze", str(path), "--json", "--loop"])
    assert result.exit_code == 0, result.output
    (a,) = json.loads(result.output)
    assert a["frames"] == 6 * RATE and a["seconds"] == 6.0 and a["format"] == "WAV"
    assert abs(a["integrated_lufs"] - pyloudnorm.Meter(RATE).integrated_loudness(x)) < 0.3
    assert a["clipped_samples"] == clipped > 100
    assert a["true_peak_dbtp"] >= 0.0 and abs(a["sample_peak_dbfs"]) < 1e-6
    assert abs(a["click_times"][0] - 2.0) < 0.002
    assert all(abs(t - 4.025) < 0.03 for t in a["click_times"][1:])  # clipping corners, if any
    written = sf.read(path)[0]
    assert abs(a["dc_dbfs"] - 20 * np.log10(np.abs(written.mean(axis=0)).max())) < 0.01  # largest channel mean
    steps = np.concatenate([np.diff(written[-RATE:], axis=0), np.diff(written[:RATE], axis=0)])
    seam = np.abs(written[0] - written[-1]).max() / np.sqrt(np.mean(steps ** 2))  # the wrap's step, relative
    assert abs(a["seam_step_ratio"] - seam) < 1e-6 * seam and a["seamless"] is (seam < 4 and a["seam_clicks"] == 0
                                                                               and a["seam_loudness_lu"]
                                                                               <= (a["body_loudness_lu"] or 0) + 1)


def test_clean_file_has_no_clicks_and_a_dc_offset_shows(tmp_path):
    x = pink(6, seed=1) + 0.01  # -40 dBFS of DC
    path = tmp_path / "clean.flac"
    sf.write(path, x, RATE, subtype="PCM_24")
    a = analyze(path)
    assert a.clicks == 0 and a.clipped_samples == 0
    assert abs(a.dc_dbfs - -40) < 0.5


def test_seam_tells_a_loop_from_a_cut(tmp_path):
    t = np.arange(5 * RATE) / RATE
    loop = np.stack([np.sin(2 * np.pi * 200 * t)] * 2, axis=1) * 0.3  # whole cycles: seamless
    cut = loop[: 5 * RATE - 13]  # ends mid-cycle: a step at the wrap
    faded = loop * np.minimum(1, t / 3.0)[:, None]  # starts from silence: loudness jumps at the wrap
    sf.write(tmp_path / "loop.wav", loop, RATE, subtype="FLOAT")
    sf.write(tmp_path / "cut.wav", cut, RATE, subtype="FLOAT")
    sf.write(tmp_path / "faded.wav", faded, RATE, subtype="FLOAT")
    assert analyze(tmp_path / "loop.wav", loop=True).seamless
    cut = analyze(tmp_path / "cut.wav", loop=True)
    assert cut.seam_step_ratio > 4 and cut.seam_clicks == 1 and cut.seamless is False
    f = analyze(tmp_path / "faded.wav", loop=True)
    assert f.seam_loudness_lu > 3 and not f.seamless
    assert analyze(tmp_path / "cut.wav").seamless is None  # untagged and not asked: no verdict


def test_text_output_and_missing_file(tmp_path):
    sf.write(tmp_path / "a.wav", pink(4), RATE)
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / "a.wav")])
    assert result.exit_code == 0 and "LUFS" in result.output and "loop seam" not in result.output
    asked = CliRunner().invoke(cli, ["analyze", "--loop", str(tmp_path / "a.wav")])
    assert asked.exit_code == 0 and "loop seam" in asked.output
    missing = CliRunner().invoke(cli, ["analyze", str(tmp_path / "nope.wav")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_preview_draws_a_png(tmp_path):
    sf.write(tmp_path / "a.flac", pink(4), RATE)
    out = tmp_path / "p.png"
    result = CliRunner().invoke(cli, ["preview", str(tmp_path / "a.flac"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = CliRunner().invoke(cli, ["preview", str(tmp_path / "a.flac"), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def detect(x, rate, block=4096):
    d = ClickDetector(rate, x.shape[1])
    for i in range(0, len(x), block):
        d.add(x[i:i + block])
    d.finish()
    return d


def tone_bed(seconds, level, rate=RATE):
    """Two slow sines, (n, 2) at peak ``level``: a bed the predictor foresees well."""
    t = np.arange(int(seconds * rate)) / rate
    return level * np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t + 1)], axis=1)


@pytest.mark.parametrize("level", [0.01, 0.5])
def test_each_injected_discontinuity_is_a_click_at_its_place(level):
    """Known answers in a quiet and a loud bed: a 40-sample pulse of 0.2 (its edges 2.5 ms
    apart count as one click), a one-sample dropout and a polarity flip, none in the bed."""
    bed = tone_bed(2, level)
    assert detect(bed, RATE).clicks == 0
    at = int(0.7 * RATE) + int(np.argmax(np.abs(bed[int(0.7 * RATE):int(0.71 * RATE), 0])))
    pulse = bed.copy()
    pulse[at:at + 40] += 0.2
    drop = bed.copy()
    drop[at] = 0.0
    flip = bed.copy()
    flip[at:] *= -1
    for x, times in ((pulse, [at]), (drop, [at]), (flip, [at])):
        d = detect(x, RATE)
        assert d.clicks == len(times) and np.allclose(d.times, np.array(times) / RATE, atol=0.001), d.times
        assert detect(x, RATE, block=333).times == d.times  # the same whatever the blocks


def test_a_pulse_in_a_quiet_noise_bed_and_in_silence_is_found():
    rng = np.random.default_rng(3)
    quiet = pink(2, seed=3) * 0.03
    silence = np.zeros((2 * RATE, 2))
    for bed in (quiet, silence):
        at = int(rng.integers(RATE // 2, RATE))
        x = bed.copy()
        x[at:at + 40] += 0.2
        d = detect(x, RATE)
        assert d.clicks == 1 and abs(d.times[0] - at / RATE) < 0.001


PRESETS = sorted(p.name.removesuffix(".toml") for p in packaged_dir().iterdir() if p.name.endswith(".toml"))


@pytest.mark.parametrize("rate", [8000, RATE])
@pytest.mark.parametrize("name", PRESETS)
def test_natural_transients_of_the_presets_are_not_clicks(name, rate):
    """Every preset, at 8 and 16 kHz (at 8 kHz a snap's rise is a sample or two): crackles,
    drops, chirps, waves, claps, bells and pulses are transients, never clicks."""
    x = sensory.render(sensory.load(name), seconds=8, sample_rate=rate).astype(np.float64)
    d = detect(x, rate)
    assert d.clicks == 0, d.times
    if name in ("fireplace", "rain", "thunderstorm"):
        assert d.transients > 5  # they are there, and counted apart


def test_a_tagged_loop_gets_a_verdict(tmp_path):
    r = recipe('[[layer]]\nname = "bed"\nkind = "noise"\ncolor = "pink"\n', duration=8, sample_rate=RATE)
    sensory.export(r, tmp_path / "loop.flac", loop=True)
    sensory.export(r, tmp_path / "plain.flac")
    looped = analyze(tmp_path / "loop.flac")
    assert looped.loop and looped.seamless is True and looped.clicks == 0
    plain = analyze(tmp_path / "plain.flac")
    assert not plain.loop and plain.seamless is None and plain.to_dict()["seamless"] is None


@pytest.mark.parametrize("name", ["fireplace", "rain"])
def test_crackles_and_drops_at_full_rate_are_not_clicks(name):
    """At 48 kHz the crackles and the drops are transients still, never clicks; a pulse of 0.2
    laid over the fire is one click."""
    x = sensory.render(sensory.load(name), seconds=4, sample_rate=48000).astype(np.float64)
    d = detect(x, 48000)
    assert d.clicks == 0 and d.transients > 5, d.times
    if name == "fireplace":
        at = int(2.5 * 48000) + 123
        x[at:at + 40] += 0.2
        hit = detect(x, 48000)
        assert hit.clicks == 1 and abs(hit.times[0] - at / 48000) < 0.001


def test_injections_at_random_places_in_a_quiet_brown_bed():
    """A 0.2 pulse at seeded random places (every other one at channel 0's nearest zero
    crossing) and a one-sample dropout at the others, in brown noise at -40 LUFS, are each one
    click at their place; the bed alone has none."""
    rng = np.random.default_rng(7)
    bed = signal.lfilter([1.0], [1.0, -0.995], rng.standard_normal((2 * RATE, 2)), axis=0)
    bed = bed * 10 ** ((-40 - pyloudnorm.Meter(RATE).integrated_loudness(bed)) / 20)
    assert detect(bed, RATE).clicks == 0
    for trial in range(6):
        at = int(rng.integers(RATE // 2, 3 * RATE // 2))
        if trial % 2:
            at += int(np.argmin(np.abs(bed[at:at + RATE // 100, 0])))
        for kind in ("pulse", "drop") if trial % 2 == 0 else ("pulse",):
            x = bed.copy()
            if kind == "pulse":
                x[at:at + 40] += 0.2
            else:
                x[at] = 0.0
            d = detect(x, RATE)
            assert d.clicks == 1 and abs(d.times[0] - at / RATE) < 0.002, (kind, at, d.times)


def test_chance_zeros_of_a_quiet_16_bit_file_are_not_dropouts():
    """Pink noise at -60 LUFS rounded to 16 bits has frames exactly zero in both channels by
    chance (hundreds a minute at 48 kHz); none is a click."""
    white = np.random.default_rng(3).standard_normal((20 * 48000, 2))
    x = signal.lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                       [1.0, -2.494956002, 2.017265875, -0.522189400], white, axis=0)
    x = x * 10 ** ((-60 - pyloudnorm.Meter(48000).integrated_loudness(x)) / 20)
    x = np.round(x * 32768) / 32768
    assert (~x.any(axis=1)).sum() > 100
    assert detect(x, 48000).clicks == 0


def test_a_dropout_in_white_noise_is_found_even_at_a_zero_crossing():
    """A one-sample dropout to 0 in loud white noise (no predictor foresees a sample of it) at
    seeded places, every other one at channel 0's nearest zero crossing: the frame exactly zero
    in both channels is one no chance would give, one click at its place."""
    rng = np.random.default_rng(5)
    bed = 0.2 * rng.standard_normal((2 * RATE, 2))
    for trial in range(6):
        at = int(rng.integers(RATE // 2, 3 * RATE // 2))
        if trial % 2:
            at += int(np.argmin(np.abs(bed[at:at + RATE // 100, 0])))
        x = bed.copy()
        x[at] = 0.0
        d = detect(x, RATE)
        assert d.clicks == 1 and abs(d.times[0] - at / RATE) < 0.001, (at, d.times)


def test_the_first_and_last_milliseconds_of_a_fade_are_not_dropouts(tmp_path):
    """A 24-bit file's fade in from silence and out to it passes through levels of a few quanta,
    where frames exactly zero in both channels are the signal (sensory's own exports showed one
    'click' in their first or last 20 ms); a dropout in the loud middle is still found."""
    rate = 48000
    bed = 0.1 * np.random.default_rng(8).standard_normal((3 * rate, 2))
    fade = np.sin(np.linspace(0, np.pi / 2, rate)) ** 8  # deep into the quanta at its ends
    bed[:rate] *= fade[:, None]
    bed[-rate:] *= fade[::-1, None]
    sf.write(tmp_path / "fades.flac", bed, rate, subtype="PCM_24")
    x, _ = sf.read(tmp_path / "fades.flac")
    assert (~x[:rate // 50].any(axis=1)).sum() > 0  # zero frames in the first 20 ms
    assert detect(x, rate).clicks == 0
    x[int(1.5 * rate)] = 0.0
    d = detect(x, rate)
    assert d.clicks == 1 and abs(d.times[0] - 1.5) < 0.001


def test_a_snap_in_every_channel_is_a_transient_and_a_wrong_sample_in_one_is_a_click():
    """A one-sample spike at the same frame in both channels (a sound's snap, as a crackle's is
    at 8 kHz: it rises and falls within a sample, heard in both ears) is a transient; the same
    spike in one channel only (a lone wrong sample) is a click at its place."""
    bed = pink(2, seed=4)
    for at in (int(0.9 * RATE) + 100, int(1.3 * RATE) + 201):
        snap = bed.copy()
        snap[at] += [0.8, 0.5]
        d = detect(snap, RATE)
        assert d.clicks == 0 and d.transients >= 1
        lone = bed.copy()
        lone[at, 0] += 0.8
        d = detect(lone, RATE)
        assert d.clicks == 1 and abs(d.times[0] - at / RATE) < 0.001


def test_night_chirps_at_full_rate_are_not_pulses():
    """night at 48 kHz: two of its chirps 17.1 and 17.7 s in have opposite steps within 64
    frames that together stood 6.8 and 7.1 deviations out; a pulse's two edges must reach 7.5."""
    x = sensory.render(sensory.load("night"), seconds=18, sample_rate=48000).astype(np.float64)
    d = detect(x[16 * 48000:], 48000)
    assert d.clicks == 0 and d.transients > 0, d.times
