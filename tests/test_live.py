"""Live playback through a real PulseAudio null sink (the ``pulse`` fixture), and its failure paths.

Every recording is compared with ``render()`` of the same recipe and seed: the
chain sounddevice -> ALSA pulse plugin -> float32 null sink at 48 kHz passes the
samples unchanged, so a recording holds the render's own samples, after an offset
(the time from the recorder's start to the stream's) found by cross-correlation;
silences are true zeros.
"""

from __future__ import annotations

import builtins
import math
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

import sensory
from sensory.cli import cli
from sensory.core.levels import db_to_gain
from sensory.live.player import PAUSE_FADE_S, STOP_FADE_S, Player
from sensory.live.producer import KEEP_S, MAX_AHEAD_S, PAD_S

from .helpers import recipe
from .pulse_server import PulseServer

SR = 48000
DEVICE = "pulse"  # ALSA's PulseAudio plugin: reaches the private server whatever "default" routes to
LAYERS = """
[[layer]]
name = "bed"
kind = "noise"
color = "pink"
gain_db = -12

[[layer]]
name = "tone"
kind = "tone"
freq = 997
gain_db = -12
"""


def align(rec: np.ndarray, ref: np.ndarray) -> tuple[int, float]:
    """Where ``ref`` (frames, 2) best matches in ``rec`` (by cross-correlation), and the lowest
    per-channel correlation there."""
    n = 1 << (len(rec) + len(ref)).bit_length()
    xc = np.fft.irfft(np.fft.rfft(rec[:, 0], n) * np.fft.rfft(ref[::-1, 0], n), n)
    lag = int(np.argmax(xc[len(ref) - 1:len(rec)]))
    seg = rec[lag:lag + len(ref)]
    if len(seg) < len(ref):
        return lag, 0.0
    return lag, min(np.corrcoef(seg[:, c], ref[:, c])[0, 1] for c in (0, 1))


def rms_db(x: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-30)


def play_recorded(pulse, player: Player, script=None) -> np.ndarray:
    """Record the sink while ``player`` plays to its end; ``script(player)`` runs meanwhile."""
    rec = pulse.record()
    with player:
        if script is not None:
            script(player)
        while not player.wait(0.05):
            pass
    return rec.stop()


def test_recording_matches_render(pulse):
    r = recipe(LAYERS, duration=2.0, sample_rate=SR)
    rec = pulse.record()
    stats = sensory.play(r, seed=5, sample_rate=SR, device=DEVICE)
    out = rec.stop()
    ref = sensory.render(r, seed=5, sample_rate=SR)
    lag, _ = align(out, ref)
    assert stats.underruns == 0 and stats.output_underflows == 0
    assert abs(stats.played_s - 2.0) < 1e-3
    # silence, then the render sample for sample, including its last block, then silence
    assert np.array_equal(out[lag:lag + len(ref)], ref)
    assert np.abs(out[:lag]).max() == 0
    assert np.abs(out[lag + len(ref):]).max() == 0


def test_device_rate_is_used_unless_a_rate_is_given(pulse):
    r = recipe(LAYERS, duration=1.0, sample_rate=SR)
    default = Player(r, device=DEVICE)
    assert default.sample_rate == default.output.sample_rate  # 44100 for ALSA's pulse device
    assert Player(r, sample_rate=SR, device=DEVICE).sample_rate == SR


def test_pause_gives_silence_then_the_same_stream(pulse):
    r = recipe(LAYERS, duration=3.0, sample_rate=SR)

    asked = []

    def script(p):
        time.sleep(0.8)
        asked.append(p.position)  # content frames handed to the device when the pause is asked
        p.pause()
        time.sleep(1.2)
        p.pause(False)

    player = Player(r, seed=2, sample_rate=SR, device=DEVICE)
    out = play_recorded(pulse, player, script)
    ref = sensory.render(r, seed=2, sample_rate=SR)
    assert player.stats.underruns == 0  # a pause is not an underrun
    lag, corr = align(out, ref[:SR // 4])
    assert corr >= 0.99
    loud = np.abs(out).max(axis=1) > 0
    gap_start = lag + int(np.argmin(loud[lag:]))                 # first silent frame
    gap_end = gap_start + int(np.argmax(loud[gap_start:]))      # first frame after the silence
    assert gap_end - gap_start > 0.3 * SR
    # the pause's fade-out ends on content frame P-1 (gain 0); the resumed stream starts at P
    paused_at = gap_start - lag + 1
    fade = int(PAUSE_FADE_S * SR)
    # heard at once, not after the render-ahead: the fade begins within what the callback keeps
    lead = paused_at - fade - asked[0] * SR
    assert 0 < lead <= (KEEP_S + 0.15) * SR  # the render-ahead is 0.4 s and more
    probe = out[gap_end + fade:gap_end + fade + SR // 5]         # after the fade-in
    where, corr = align(ref, probe)
    assert corr >= 0.99
    assert where == paused_at + fade                             # nothing skipped, nothing repeated
    # after the fade-in the stream is the render itself, to the end
    tail = out[gap_end + fade:gap_end + len(ref) - paused_at]
    assert np.array_equal(tail, ref[paused_at + fade:])
    # the fades are smooth: no sample-to-sample step larger than the render's own
    steps = np.abs(np.diff(out[lag:gap_end + len(ref) - paused_at], axis=0)).max()
    assert steps <= np.abs(np.diff(ref, axis=0)).max() + 1e-6


def test_timer_fades_out_and_ends_on_time(pulse):
    r = recipe(LAYERS, duration=60.0, sample_rate=SR, extra_session='type = "soundscape"')
    player = Player(r, sample_rate=SR, timer=1.5, fade=1.0, device=DEVICE)
    assert player.end == 1.5
    started = time.monotonic()
    out = play_recorded(pulse, player)
    assert time.monotonic() - started < 4.0  # it exits by itself
    ref = sensory.render(r, seconds=1.5, sample_rate=SR)
    lag, corr = align(out, ref[:SR // 2])
    assert corr >= 0.99
    audible = np.flatnonzero(np.abs(out).max(axis=1) > 1e-4)   # above -80 dBFS
    assert abs((audible[-1] - lag) / SR - 1.5) < 0.1
    # a sin^2 fade from 0.5 s to 1.5 s: half the gain (-6 dB) at 1.0 s, full before 0.5 s
    win = SR // 20
    at = lambda t: rms_db(out[lag + int(t * SR) - win // 2:][:win]) - rms_db(ref[int(t * SR) - win // 2:][:win])
    assert abs(at(0.4)) < 0.1
    assert abs(at(1.0) + 6.02) < 0.5
    assert at(1.4) < -20


def test_volume_and_mute_show_in_the_recording(pulse):
    r = recipe(LAYERS, duration=4.6, sample_rate=SR)
    bed_only = recipe(LAYERS.split("[[layer]]\nname = \"tone\"")[0], duration=4.6, sample_rate=SR)

    # a change is heard about 0.6 s after the call (render-ahead queue + output latency)
    def script(p):
        time.sleep(1.0)
        p.set_volume(-12)
        time.sleep(1.8)
        p.set_layer(p.layer_names.index("tone"), muted=True)

    player = Player(r, seed=3, sample_rate=SR, device=DEVICE)
    out = play_recorded(pulse, player, script)
    ref = sensory.render(r, seed=3, sample_rate=SR)
    bed = sensory.render(bed_only, seed=3, sample_rate=SR)
    lag, corr = align(out, ref[:SR // 2])
    assert corr >= 0.99

    def window(x, t0, t1, offset=0):
        return x[offset + int(t0 * SR):offset + int(t1 * SR)]

    assert abs(rms_db(window(out, 0.2, 1.0, lag)) - rms_db(window(ref, 0.2, 1.0))) < 0.1
    assert abs(rms_db(window(out, 2.2, 2.7, lag)) - rms_db(window(ref, 2.2, 2.7)) + 12) < 0.1
    # the tone muted and the volume at -12 dB: the bed alone, scaled by exactly that gain
    late = window(out, 3.9, 4.4, lag)
    assert np.array_equal(late, window(bed, 3.9, 4.4) * db_to_gain(-12.0))
    assert player.stats.underruns == 0


def test_server_dying_mid_play_is_a_clean_error(pulse):
    own = PulseServer().start()
    try:
        killer = threading.Timer(0.7, own.stop)
        killer.start()
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["play", "pink", "-d", "20", "--seed", "1", "--device", DEVICE])
        killer.join()
    finally:
        own.stop()
    assert time.monotonic() - started < 10
    assert result.exit_code == 1, result.output
    assert "audio output stopped" in result.output
    assert result.exc_info[0] is SystemExit  # no traceback


def test_without_portaudio_the_cli_says_what_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    result = CliRunner().invoke(cli, ["play", "pink", "-d", "1"])
    assert result.exit_code == 1
    assert "apt-get install libportaudio2" in result.output
    assert "sensory export" in result.output
    assert result.exc_info[0] is SystemExit


def test_without_an_output_device_the_cli_says_so(monkeypatch):
    import sounddevice as sd

    monkeypatch.setattr(sd, "query_devices", lambda *a, **k: sd.DeviceList([]))  # PortAudio, no server
    for args in (["play", "pink", "-d", "1"], ["devices"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert "no audio output device found" in result.output
        assert result.exc_info[0] is SystemExit
    assert "sensory export" in CliRunner().invoke(cli, ["play", "pink"]).output


def test_devices_lists_the_outputs(pulse):
    result = CliRunner().invoke(cli, ["devices"])
    assert result.exit_code == 0
    assert "default" in result.output


def test_unknown_device_is_a_user_error(pulse):
    result = CliRunner().invoke(cli, ["play", "pink", "-d", "1", "--device", "no-such-card"])
    assert result.exit_code == 2
    assert "sensory devices" in result.output


def test_keys_map_to_player_controls(pulse):
    from sensory.live.console import Console, parse_keys

    assert parse_keys("\x1b[A\x1b[B \x1b[C\x1b[H2+m") == ["up", "down", " ", "right", "2", "+", "m"]
    r = recipe(LAYERS, duration=60.0, sample_rate=SR,
               phases='[[phase]]\nname = "settle"\nduration = 30\ndescription = "breathe out slowly"\n'
                      '[[phase]]\nname = "listen"\nduration = 30\n')
    player = Player(r, sample_rate=SR, device=DEVICE)
    console = Console(player, status=False, keys=False)
    for key in ["down", "down", "up", "2", "-", "-", "m", " "]:
        console.press(key)
    assert player.volume_db == -2
    assert player.layer_db == [0.0, -6.0] and player.layer_muted == [False, True]
    assert player.paused
    line = console.line()
    assert "settle: breathe out slowly" in line and "vol -2 dB" in line and "[2 tone muted]" in line
    console.press("q")
    assert player.stopping


def test_at_a_terminal_keys_work_and_q_fades_out(pulse):
    import os
    import pty
    import select

    pid, fd = pty.fork()
    if pid == 0:  # the child: sensory's CLI with the pty as its terminal
        os.execvp(sys.executable, [sys.executable, "-m", "sensory", "play", "pink", "--device", DEVICE])
    out = b""

    def read_for(seconds, until=None):
        nonlocal out
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until in out):
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return

    read_for(20.0, until=b"keys:")  # printed once the terminal is in cbreak mode
    os.write(fd, b"\x1b[B")
    read_for(5.0, until=b"vol -2 dB")
    os.write(fd, b"q")
    started = time.monotonic()
    read_for(10.0)
    _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert time.monotonic() - started < 6
    assert "layers: 1 pink" in text and "vol -2 dB" in text and "fading out" in text
    assert "no underruns" in text and "Traceback" not in text


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_a_signal_fades_out_to_silence_and_exits_zero(pulse, signame):
    import signal
    import subprocess

    rec = pulse.record()
    proc = subprocess.Popen([sys.executable, "-m", "sensory", "play", "pink", "--device", DEVICE],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stderr.readline()  # "playing ...": printed once the signal handlers are in place
    assert first.startswith("playing"), first
    time.sleep(2.5)  # through most of the 3-s fade-in
    proc.send_signal(getattr(signal, signame))
    started = time.monotonic()
    _, err = proc.communicate(timeout=10)
    out = rec.stop()
    assert proc.returncode == 0, err
    # the fade begins after what is queued, which grows to MAX_AHEAD_S on a busy machine
    assert time.monotonic() - started < STOP_FADE_S + MAX_AHEAD_S + PAD_S + 1.0
    assert "Traceback" not in err and "no underruns" in err
    audible = np.flatnonzero(np.abs(out).max(axis=1) > 1e-4)
    last = audible[-1]
    # the fade's end was heard: the last 50 ms are far below the level 2.2 s earlier
    assert rms_db(out[last - SR // 20:last]) < rms_db(out[last - int(2.4 * SR):last - int(2.2 * SR)]) - 30


def test_stop_during_a_timer_fade_continues_from_its_gain():
    from sensory.core.curves import Curve
    from sensory.engine.master import Master

    sr = 1000
    master = Master(sr, Curve.constant(0.0), 0.0, 60.0, -1.0, end_frame=100 * sr)
    master.frame = 70 * sr                      # halfway through the 60-s fade (gain 0.5)
    before = master.envelope(master.frame - 1, 1)[0]
    end = master.fade_out(2.0)
    after = master.envelope(master.frame, 2 * sr)
    assert end == 72 * sr
    assert abs(after[0] - before) < 1e-3        # no jump back up to full gain
    assert np.all(np.diff(after) <= 0) and after[-1] < 1e-5


def test_play_leaves_signal_handlers_alone_unless_asked(pulse):
    import signal

    r = recipe(LAYERS, duration=0.5, sample_rate=SR)

    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    seen = {}
    try:
        for asked in (False, True):
            look = threading.Timer(0.3, lambda asked=asked: seen.update({asked: signal.getsignal(signal.SIGTERM)}))
            look.start()
            sensory.play(r, sample_rate=SR, device=DEVICE, handle_signals=asked)
            look.join()
            assert signal.getsignal(signal.SIGTERM) is mine  # put back after playing
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen[False] is mine and seen[True] is not mine


def test_volume_above_zero_is_louder_and_the_limiter_holds_the_ceiling(pulse):
    r = recipe(LAYERS, duration=3.0, sample_rate=SR)

    def script(p):
        time.sleep(0.6)
        p.set_volume(+12)

    player = Player(r, seed=4, sample_rate=SR, device=DEVICE)
    out = play_recorded(pulse, player, script)
    ref = sensory.render(r, seed=4, sample_rate=SR)
    lag, corr = align(out[:SR], ref[:SR // 4])  # before the boost, which would outweigh the match
    assert corr >= 0.99 and player.volume_db == 12
    late = out[lag + 2 * SR:lag + int(2.8 * SR)]
    assert rms_db(late) - rms_db(ref[2 * SR:int(2.8 * SR)]) > 8       # the limiter takes off the peaks only
    assert np.abs(out).max() <= db_to_gain(r.session.ceiling_db) + 1e-6


@pytest.fixture
def user_presets(tmp_path, monkeypatch):
    """A user preset folder of its own, with two presets: 'hum' (a 997-Hz tone) and 'hiss' (pink noise)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "sensory" / "presets"
    folder.mkdir(parents=True)
    head = f"[session]\ntype = 'soundscape'\nduration = 4\nsample_rate = {SR}\nfade_in = 0\nfade_out = 0\n"
    (folder / "hiss.toml").write_text(head + "[[layer]]\nname = 'bed'\nkind = 'noise'\ncolor = 'pink'\ngain_db = -12\n")
    (folder / "hum.toml").write_text(head + "[[layer]]\nname = 'tone'\nkind = 'tone'\nfreq = 997\ngain_db = -12\n")
    return folder


def band_db(x: np.ndarray, f: float) -> float:
    """Level (dB) of the left channel's FFT near ``f`` Hz."""
    spec = np.abs(np.fft.rfft(x[:, 0] * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return 20 * np.log10(spec[(freqs > f - 20) & (freqs < f + 20)].max() + 1e-12)


def test_a_mix_of_presets_plays_groups_a_group_muted_leaves_the_other_exactly(pulse, user_presets):
    from sensory.recipe.library import mix

    both = mix(["hiss", "hum"])
    assert [layer.name for layer in both.layers] == ["hiss/bed", "hum/tone"]

    def script(p):
        time.sleep(1.0)
        p.set_group(p.group_names.index("hum"), muted=True)

    player = Player(both, seconds=4.0, seed=1, sample_rate=SR, device=DEVICE)
    assert player.mix_state()["groups"][1] == {"name": "hum", "preset": "hum", "db": 0.0, "muted": False,
                                               "layers": [1]}
    out = play_recorded(pulse, player, script)
    ref = sensory.render(both, seed=1, sample_rate=SR)
    hiss = sensory.render(mix(["hiss"]), seed=1, sample_rate=SR)
    lag, corr = align(out, ref[:SR // 2])
    assert corr >= 0.99
    assert np.array_equal(out[lag + int(2.5 * SR):lag + int(3.5 * SR)], hiss[int(2.5 * SR):int(3.5 * SR)])
    assert player.mix_state()["groups"][1]["muted"]


def test_a_preset_added_and_removed_while_playing_is_heard_then_gone(pulse, user_presets):
    from sensory.recipe.library import load

    seen = {}

    def script(p):
        time.sleep(0.5)
        seen["index"] = p.add_group("hum")
        seen["state"] = p.mix_state()
        time.sleep(3.5)
        p.remove_group(seen["index"])

    # the changes reach the mix where the producer renders, up to its buffer ahead of the sound
    player = Player(load("hiss"), seconds=8.0, seed=2, sample_rate=SR, device=DEVICE)
    out = play_recorded(pulse, player, script)
    assert [g["name"] for g in seen["state"]["groups"]] == ["hum"]
    assert [layer["name"] for layer in seen["state"]["layers"]] == ["bed", "hum/tone"]
    assert player.group_names == [] and player.layer_names == ["bed"]
    ref = sensory.render(load("hiss"), seconds=8.0, seed=2, sample_rate=SR)
    lag, corr = align(out, ref[:SR // 4])
    assert corr >= 0.99
    def window(t):
        return out[lag + int(t * SR):lag + int((t + 0.5) * SR)]

    assert band_db(window(3.2), 997) > band_db(window(0.1), 997) + 20      # in after its 2-s fade
    assert band_db(window(7.0), 997) < band_db(window(3.2), 997) - 20      # out again
    with pytest.raises(sensory.errors.RecipeError, match="already in the mix"):
        player.add_group("hiss")


def test_a_preset_brought_back_while_its_fade_out_runs_is_a_group_of_its_own(user_presets):
    """Taken out and brought in again within the 2-s fade: the new group's controls move the new
    group, and the old one fades out to the end of its ramp (a level set on the name used to
    land on the leaving group: it jumped, then was cut)."""
    from sensory.engine import stream
    from sensory.engine.layers import layers
    from sensory.recipe.library import load, mix

    sr = 8000
    mixer = stream.build(load("hiss"), seconds=math.inf, seed=1, sample_rate=sr)
    mixer.set_gain(0.0, layer=0)                                      # the hum alone is heard

    def bring_in():
        part = mix(["hum"])
        mixer.add_group(part.groups, layers(part.layers, 1, sr), seconds=0.0, space_s=0.0)

    bring_in()
    before = mixer.render(sr)
    mixer.remove_group("hum", seconds=2.0)
    bring_in()
    mixer.set_gain(0.0, group="hum")                                   # the new one silenced at once
    after = np.concatenate([mixer.render(sr // 2) for _ in range(6)])

    def level_db(x):
        return 10 * np.log10(np.mean(np.square(x[:, 0], dtype=np.float64)) + 1e-30)

    full = level_db(before[sr // 2:])
    assert abs(level_db(after[int(0.9 * sr):int(1.1 * sr)]) - (full - 6.0)) < 0.5   # halfway down the fade
    assert level_db(after[int(2.2 * sr):]) < full - 80                              # then gone, both
    assert [g.name for g in mixer.groups] == ["hum"] and len(mixer.layers) == 2


def test_a_saved_mix_plays_back_its_levels_and_mutes(pulse, user_presets):
    from sensory.recipe.library import load, mix

    player = Player(mix(["hiss", "hum"]), seed=3, sample_rate=SR, device=DEVICE)
    player.set_group(0, db=-6)
    player.set_layer(player.layer_names.index("hum/tone"), muted=True)
    player.set_volume(-3)
    name, path = player.save_mix()
    player.close()
    assert name == "hiss-hum-mix" and path == str(user_presets / "hiss-hum-mix.toml")
    assert player.save_mix()[0] == "hiss-hum-mix-2"                # never over a saved one
    saved = load(name)
    assert [g.name for g in saved.groups] == ["hiss", "hum"] and saved.session.seed == 3
    expected = mix(["hiss", "hum"], gains={"hiss": -6})
    got = sensory.render(saved, seconds=1.0, sample_rate=SR)
    hiss = sensory.render(mix(["hiss"], gains={"hiss": -6}), seconds=1.0, seed=3, sample_rate=SR)
    assert np.allclose(got, hiss * db_to_gain(-3.0), atol=1e-6)     # the tone muted, the volume as master gain
    assert len(expected.layers) == len(saved.layers)


def test_a_mix_is_never_saved_under_a_preset_name_built_in_or_the_users(user_presets):
    from sensory.live import saving
    from sensory.recipe.library import load

    r = load("hiss")
    state = {"layers": [{"name": "bed", "db": -3.0, "muted": False, "group": None}], "groups": [], "volume_db": 0.0}
    for name, where in (("hiss", user_presets / "hiss.toml"), ("rain", "rain.toml")):
        with pytest.raises(sensory.errors.RecipeError, match=f"{where}: a preset called '{name}' exists"):
            saving.save(r, state, seed=1, gains={}, name=name)
    assert sorted(p.name for p in user_presets.iterdir()) == ["hiss.toml", "hum.toml"]
    assert load("rain").name == "rain"                    # not shadowed by a mix that includes itself


def test_the_status_line_fits_every_width_from_40_columns_figures_first():
    from types import SimpleNamespace

    from sensory.live.console import MIN_WIDTH, Console

    long = "Arrive. Let the soft sound around you settle; there is nothing to do yet, nothing at all. " * 3
    r = recipe(LAYERS, duration=8 * 3600.0, phases=f'[[phase]]\nname = "arrive"\nduration = "8h"\n'
                                                    f'description = "{long}"\n')
    player = SimpleNamespace(recipe=r, position=3725.0, end=8 * 3600.0, volume_db=12.0, paused=True, stopping=False,
                             group_names=["rain"], group_db=[-6.0], group_muted=[False],
                             layer_names=["rain/drops", "bed"], layer_db=[0.0, 3.0], layer_muted=[True, False])
    console = Console(player, status=False, keys=False)
    for width in [*range(MIN_WIDTH - 1, 90), 120, 200]:
        line = console.line(width)
        assert len(line) <= width
        assert line.startswith("1:02:05") and "6:57:55 left" in line and "vol +12 dB" in line
    assert console.line(79).startswith("1:02:05 / 8:00:00 (6:57:55 left) · vol +12 dB · paused · [1 rain -6 dB]")
    assert "test · arrive: Arrive. Let the soft" in console.line(120) and console.line(120).endswith("…")
    calls = []
    player.set_layer = lambda i, **kw: calls.append(("layer", i, kw))
    player.set_group = lambda i, **kw: calls.append(("group", i, kw))
    for key in ["right", "m", "1", "-"]:  # groups first, then layers
        console.press(key)
    assert calls == [("layer", 0, {"muted": False}), ("group", 0, {"db": -9.0, "muted": False})]
