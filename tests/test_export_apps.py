"""Exports for apps: loudness targets, true-peak ceilings, seamless loops, M4A, mono, tags."""

import av
import mutagen
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
from click.testing import CliRunner
from scipy.signal import correlate

import sensory
from sensory.cli import cli
from sensory.measure.loudness import LoudnessMeter, measure
from sensory.measure.audiofile import m4a_blocks
from sensory.output.writer import export
from tests.helpers import recipe

PINK = '[[layer]]\nname = "bed"\nkind = "noise"\ncolor = "pink"\n'
WHITE = '[[layer]]\nname = "hiss"\nkind = "noise"\ncolor = "white"\n'
TONES = ('[[layer]]\nname = "low"\nkind = "tone"\nfreq = 220\ngain_db = -3\n'
         '[[layer]]\nname = "high"\nkind = "tone"\nfreq = 331\ngain_db = -9\n')


def decode(path):
    """(float64 (n, ch), sample rate) of any written file; M4A through PyAV."""
    if str(path).endswith(".m4a"):
        rate, _, _, blocks = m4a_blocks(path)
        return np.concatenate(list(blocks)).astype(np.float64), rate
    x, rate = sf.read(path, always_2d=True)
    return x, rate


@pytest.mark.parametrize("text, target, ceiling", [(PINK, -16.0, -1.0), (PINK, -11.0, -1.0)])
def test_loudness_target_and_true_peak_ceiling(tmp_path, text, target, ceiling):
    """pyloudnorm measures the target within 0.3 LU; the 4x true peak stays under the ceiling,
    also when the loudness needs the limiter (pink noise at -11 LUFS)."""
    r = recipe(text, duration=12, sample_rate=16000, fades=True)
    out = export(r, tmp_path / "x.wav", loudness=target, true_peak=ceiling)
    x, rate = decode(out.path)
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(x) - target) <= 0.3
    assert measure(x, rate).true_peak_dbtp <= ceiling
    assert out.measured.true_peak_dbtp <= ceiling
    if target == -11.0:  # the unlimited render would overshoot: the limiter really worked
        plain = sensory.render(r)
        raw = measure(plain, rate)
        assert raw.true_peak_dbtp + (target - raw.integrated_lufs) > ceiling + 0.3


def test_lossy_and_48k_meet_the_targets(tmp_path):
    r = recipe(PINK, duration=8, sample_rate=48000, fades=True)
    for name in ("x.ogg", "x.m4a"):
        out = export(r, tmp_path / name, loudness=-18, true_peak=-1)
        x, rate = decode(out.path)
        assert rate == 48000
        assert abs(pyloudnorm.Meter(rate).integrated_loudness(x) - -18) <= 0.3
        assert measure(x, rate).true_peak_dbtp <= -1


def seam_checks(x, rate):
    """The wrap x[-1] -> x[0] looks like the rest of the file: its step is within the
    99.9th percentile of the file's steps, and the short-term loudness of 3-s windows across
    the wrap stays within the range of the file's own short-term loudness."""
    steps = np.abs(np.diff(x, axis=0)).max(axis=1)
    wrap_step = np.abs(x[0] - x[-1]).max()
    assert wrap_step <= np.percentile(steps, 99.9)
    inner = LoudnessMeter(rate, x.shape[1])
    inner.add(x)
    body = inner.short_term()
    across = LoudnessMeter(rate, x.shape[1])
    across.add(np.concatenate([x[-3 * rate:], x[:3 * rate]]))
    wrap = across.short_term()
    assert body.min() - 0.5 <= wrap.min() and wrap.max() <= body.max() + 0.5


@pytest.mark.parametrize("name", ["x.wav", "x.flac", "x.ogg", "x.m4a"])
def test_noise_loop_is_seamless(tmp_path, name):
    r = recipe(PINK, duration=10, sample_rate=16000, fades=True)  # fades must not reach the loop
    out = export(r, tmp_path / name, loop=True, loudness=-18)
    x, rate = decode(out.path)
    assert len(x) == out.frames == 10 * 16000  # noise: the exact length
    seam_checks(x, rate)


def test_tone_loop_matches_phase(tmp_path):
    """Two tones: the length moves to where the phases repeat, and the crossfade neither dips
    nor steps (RMS in the crossfade within 0.2 dB of the body)."""
    r = recipe(TONES, duration=6, sample_rate=16000)
    out = export(r, tmp_path / "t.flac", loop=True, subtype="PCM_24")
    x, rate = decode(out.path)
    assert abs(len(x) - 6 * rate) <= 0.1 * rate
    seam_checks(x, rate)
    wrap = np.concatenate([x[-rate:], x[:rate]])[:, 0]
    assert abs(np.diff(wrap)).max() <= abs(np.diff(x[:, 0])).max() * 1.01
    fade = x[-2 * rate:, 0]  # the crossfade is the last 2 s
    body = x[rate:3 * rate, 0]
    assert abs(20 * np.log10(np.std(fade) / np.std(body))) < 0.2


def test_loop_without_phase_match_would_dip(tmp_path):
    """Negative control: the same tones cut at the asked length with an equal-power fade
    (what a noise loop does) give a step or a level change at the wrap."""
    from sensory.output.loop import crossfade_gains

    rate, n, xf = 16000, 6 * 16000 + 37, 2 * 16000
    x = sensory.render(recipe(TONES, duration=9, sample_rate=rate))[:, 0].astype(np.float64)
    g_in, g_out = crossfade_gains(xf, 0.0)
    loop = np.concatenate([x[xf:n], x[:xf] * g_in + x[n:n + xf] * g_out])
    fade, body = loop[-xf:], loop[rate:3 * rate]
    assert abs(20 * np.log10(np.std(fade) / np.std(body))) > 0.5


def test_m4a_decoded_length_is_exact(tmp_path):
    r = recipe(WHITE, duration=3, sample_rate=44100)
    frames = 3 * 44100 + 123  # not a whole number of AAC frames
    out = export(r, tmp_path / "x.m4a", seconds=frames / 44100)
    with av.open(str(out.path)) as f:
        stream = f.streams.audio[0]
        assert stream.duration * stream.time_base * 44100 == frames  # the edit list
        decoded = sum(frame.samples for frame in f.decode(stream))
    assert frames <= decoded < frames + 1024  # FFmpeg decodes the last frame's padding
    x, _ = decode(out.path)
    assert len(x) == frames
    ref = sensory.render(r, seconds=frames / 44100)[:, 0]
    corr = correlate(x[2048:40000, 0], ref[4096:37952], mode="valid")  # lags -2048..2048
    assert int(np.argmax(corr)) - 2048 == 0  # priming removed: no offset


def test_mono_16_bit_44k(tmp_path):
    r = recipe(PINK, duration=3, sample_rate=44100)
    out = export(r, tmp_path / "m.wav", mono=True, subtype="PCM_16")
    info = sf.info(out.path)
    assert (info.channels, info.samplerate, info.subtype, info.frames) == (1, 44100, "PCM_16", 3 * 44100)
    stereo = sensory.render(r)
    x, _ = sf.read(out.path)
    assert np.max(np.abs(x - stereo.mean(axis=1))) < 2 / 32768  # the downmix, dithered


@pytest.mark.parametrize("name", ["t.wav", "t.flac", "t.ogg", "t.mp3", "t.m4a"])
def test_tags_read_back(tmp_path, name):
    r = recipe(PINK, duration=1, sample_rate=16000 if name != "t.m4a" else 44100)
    tags = {"title": "Rain at dusk", "artist": "Quiet Room", "album": "Sleep", "genre": "Ambient"}
    export(r, tmp_path / name, seed=5, tags=tags)
    path = tmp_path / name
    if name.endswith((".m4a", ".mp3")):
        f = mutagen.File(path)
        keys = ({"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "genre": "\xa9gen"}
                if name.endswith(".m4a") else {"title": "TIT2", "artist": "TPE1", "album": "TALB", "genre": "TCON"})
        got = {k: str(f.tags[v][0]) for k, v in keys.items()}
        comment = str(f.tags["\xa9cmt"][0]) if name.endswith(".m4a") else str(f.tags.getall("COMM")[0])
    else:
        with sf.SoundFile(path) as f:
            got = {k: getattr(f, k) for k in tags}
            comment = f.comment
    assert got == tags
    assert f"sensory {sensory.__version__}" in comment and "recipe test" in comment and "seed 5" in comment


def test_cli_export_options(tmp_path):
    out = tmp_path / "loop.flac"
    result = CliRunner().invoke(cli, ["export", "pink", "-o", str(out), "-d", "6s", "--loudness", "-20",
                                      "--true-peak", "-2", "--loop", "--mono", "--title", "Pink loop"])
    assert result.exit_code == 0, result.output
    assert "-20.0 LUFS" in result.output
    x, rate = sf.read(out, always_2d=True)
    assert x.shape == (6 * 48000, 1)
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(x) + 20) <= 0.3
    with sf.SoundFile(out) as f:
        assert f.title == "Pink loop" and "loop" in f.comment
    bad = CliRunner().invoke(cli, ["export", "pink", "-o", str(tmp_path / "b.flac"), "-d", "2s", "--loudness", "5"])
    assert bad.exit_code == 2


def test_mp3_loop_is_refused_with_a_hint(tmp_path):
    """MP3 players add the encoder's delay and padding at the wrap: a loop is refused, nothing written."""
    out = tmp_path / "loop.mp3"
    result = CliRunner().invoke(cli, ["export", "pink", "-o", str(out), "-d", "2s", "--loop"])
    assert result.exit_code == 2 and not out.exists()
    assert "loop.mp3" in result.output and ".m4a, .ogg or .opus" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    catalog = tmp_path / "c.toml"
    catalog.write_text('[[track]]\npreset = "pink"\nduration = 2\noutput = "l.mp3"\nloop = true\n')
    refused = CliRunner().invoke(cli, ["batch", str(catalog)])
    assert refused.exit_code == 2 and "track[0] (l.mp3)" in refused.output and ".m4a, .ogg or .opus" in refused.output
    plain = CliRunner().invoke(cli, ["export", "pink", "-o", str(out), "-d", "1s", "--sample-rate", "16000"])
    assert plain.exit_code == 0 and out.exists()  # MP3 without --loop is still written


@pytest.mark.parametrize("name, seconds, rate", [("forest", 30, 8000), ("ocean", 30, 8000), ("thunderstorm", 30, 8000),
                                                ("fireplace", 16, 16000)])
def test_preset_loops_read_as_seamless(tmp_path, name, seconds, rate):
    """analyze's verdict on sensory's own loops: tagged as loops, no click, seamless; the cut is
    the same whatever the block size. (The crackles are judged at 16 kHz: at 8 kHz a snap's
    rise is a sample or two, close to a step.)"""
    from sensory.measure.analysis import analyze

    out = export(sensory.load(name), tmp_path / "a.flac", seconds=seconds, sample_rate=rate, loop=True)
    a = analyze(out.path)
    assert a.loop and a.clicks == 0 and a.seam_clicks == 0 and a.seamless is True, a
    assert abs(out.frames - seconds * rate) <= seconds * rate / 10
    export(sensory.load(name), tmp_path / "b.flac", seconds=seconds, sample_rate=rate, loop=True, block_size=3001)
    assert (tmp_path / "a.flac").read_bytes() == (tmp_path / "b.flac").read_bytes()
