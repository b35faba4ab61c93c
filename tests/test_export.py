"""Export: real files written and read back; failures leave nothing behind."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

import sensory
from sensory.destination import PARTIAL
from sensory.engine.stream import render
from sensory.errors import RecipeError, RenderError

from .helpers import recipe

SR = 16000


@pytest.fixture
def noise_and_tone():
    return recipe("[[layer]]\nname = 'n'\nkind = 'noise'\ngain_db = -6\n"
                  "[[layer]]\nname = 't'\nkind = 'tone'\nfreq = 440\n", duration=3, sample_rate=SR, fades=True)


@pytest.mark.parametrize("ext, subtype, lsb", [
    ("wav", "FLOAT", 0.0), ("wav", "PCM_24", 2.0 ** -23), ("flac", "PCM_24", 2.0 ** -23),
    ("wav", "PCM_16", 2 * 2.0 ** -15), ("flac", "PCM_16", 2 * 2.0 ** -15),
])
def test_lossless_files_read_back_equal_to_render(tmp_path, noise_and_tone, ext, subtype, lsb):
    out = tmp_path / f"x.{ext}"
    result = sensory.export(noise_and_tone, out, subtype=subtype)
    data, rate = sf.read(out, dtype="float32")
    assert rate == SR and data.shape == (3 * SR, 2)
    reference = render(noise_and_tone)
    # within quantization: half an LSB rounding, plus up to 1 LSB of TPDF dither at 16 bits
    assert np.abs(data - reference).max() <= lsb * 1.0001 if lsb else np.array_equal(data, reference)
    assert sf.info(out).subtype == subtype
    assert result.frames == 3 * SR and result.peak_db <= -1.0


@pytest.mark.parametrize("ext", ["ogg", "opus", "mp3"])
def test_lossy_files_have_the_right_length(tmp_path, ext):
    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\n", duration=2, sample_rate=48000, fades=True)
    out = tmp_path / f"x.{ext}"
    sensory.export(r, out)
    data, rate = sf.read(out, dtype="float32")
    assert rate == 48000
    # Vorbis and Opus carry the exact length; MP3 decoders trim by the LAME header
    assert abs(len(data) - 2 * 48000) <= (0 if ext != "mp3" else 1152)
    assert np.sqrt((data ** 2).mean()) > 0.01


def test_opus_refuses_44100(tmp_path, noise_and_tone):
    with pytest.raises(RecipeError, match="Opus needs a sample rate"):
        sensory.export(noise_and_tone, tmp_path / "x.opus", sample_rate=44100)


def test_no_overwrite_without_force(tmp_path, noise_and_tone):
    out = tmp_path / "x.wav"
    out.write_bytes(b"keep me")
    with pytest.raises(RecipeError, match="--force"):
        sensory.export(noise_and_tone, out)
    assert out.read_bytes() == b"keep me"
    sensory.export(noise_and_tone, out, force=True)
    assert sf.info(out).frames == 3 * SR


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError, OSError])
def test_an_error_mid_export_leaves_no_file(tmp_path, noise_and_tone, monkeypatch, error):
    out = tmp_path / "x.flac"
    out_existing = tmp_path / "y.flac"
    out_existing.write_bytes(b"old")
    calls = []

    def progress(n):
        calls.append(n)
        if len(calls) == 2:
            raise error("injected")

    for target, force in ((out, False), (out_existing, True)):
        calls.clear()
        with pytest.raises((error, RenderError)):
            sensory.export(noise_and_tone, target, force=force, block_size=4096, progress=progress)
    assert not out.exists()
    assert out_existing.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.flac"], "a temp file was left behind"


def test_bad_destinations(tmp_path, noise_and_tone):
    with pytest.raises(RecipeError, match="unknown output format"):
        sensory.export(noise_and_tone, tmp_path / "x.xyz")
    with pytest.raises(RecipeError, match="does not exist"):
        sensory.export(noise_and_tone, tmp_path / "missing" / "x.wav")
    with pytest.raises(RecipeError, match="is a folder"):
        sensory.export(noise_and_tone, tmp_path)
    link = tmp_path / "link.wav"
    link.symlink_to(tmp_path / "target.wav")
    with pytest.raises(RecipeError, match="symbolic link"):
        sensory.export(noise_and_tone, link, force=True)


def test_temp_files_are_clearly_named(tmp_path, noise_and_tone, monkeypatch):
    seen = []
    real = sf.SoundFile

    def spy(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(sf, "SoundFile", spy)
    sensory.export(noise_and_tone, tmp_path / "x.wav")
    assert PARTIAL in seen[0] and seen[0].startswith(str(tmp_path))


@pytest.mark.parametrize("key, value, message", [
    ("loudness", 5, "loudness 5 LUFS is out of range; use -70 to 0 LUFS (e.g. -16)"),
    ("true_peak", -30, "true peak -30 dBTP is out of range; use -20 to 0 dBTP (e.g. -1)"),
    ("sample_rate", 4000, "sample rate 4000 Hz is out of range; use 8000 to 192000 Hz (e.g. 48000)"),
    ("seed", -1, "seed -1 is out of range; use 0 to 9223372036854775807"),
])
def test_export_and_catalog_refuse_the_same_values_alike(tmp_path, noise_and_tone, key, value, message):
    from sensory.batch.catalog import load_catalog

    with pytest.raises(RecipeError, match=re.escape(message)):
        sensory.export(noise_and_tone, tmp_path / "x.wav", **{key: value})
    catalog = tmp_path / "c.toml"
    catalog.write_text(f'[[track]]\npreset = "pink"\nduration = 1\noutput = "a.wav"\n{key} = {value}\n')
    with pytest.raises(RecipeError, match=r"c\.toml: track\[0\]\." + key + ": " + re.escape(message)):
        load_catalog(catalog)
    assert list(tmp_path.iterdir()) == [catalog]


def test_loop_crossfade_out_of_range(tmp_path, noise_and_tone):
    with pytest.raises(RecipeError, match=re.escape("loop 61 s is out of range; use more than 0 and at most 60 s")):
        sensory.export(noise_and_tone, tmp_path / "x.wav", loop=61)


def test_a_limited_loudness_export_is_two_passes_and_meets_its_ceiling(tmp_path):
    """Hot white noise at -7 LUFS needs the limiter: one measuring pass and one writing pass
    (frames rendered, counted by progress), the decoded file at the target and under -1 dBTP."""
    from sensory.measure.loudness import measure

    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\ncolor = 'white'\n", duration=4, sample_rate=SR, fades=True)
    rendered = []
    out = sensory.export(r, tmp_path / "x.flac", loudness=-7, true_peak=-1, progress=rendered.append)
    data, rate = sf.read(out.path, dtype="float64")
    m = measure(data, rate)
    assert sum(rendered) == 2 * out.frames
    assert m.true_peak_dbtp <= -1.0 and abs(m.integrated_lufs + 7) <= 0.3
    plain = measure(render(r), SR)
    assert plain.true_peak_dbtp + (-7 - plain.integrated_lufs) > -0.5  # the limiter really worked


def test_a_lossy_loudness_export_is_verified_by_decoding_without_a_third_render(tmp_path):
    """MP3: the decoded file within 0.3 LU of the target and under -1 dBTP, from two passes."""
    from sensory.measure.analysis import measure_file

    r = recipe("[[layer]]\nname = 'n'\nkind = 'noise'\ncolor = 'pink'\n", duration=3, sample_rate=48000, fades=True)
    rendered = []
    out = sensory.export(r, tmp_path / "x.mp3", loudness=-13, true_peak=-1, progress=rendered.append)
    m = measure_file(out.path)
    assert sum(rendered) == 2 * out.frames
    assert m.true_peak_dbtp <= -1.0 and abs(m.integrated_lufs + 13) <= 0.3
