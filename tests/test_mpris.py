"""Media keys: a playing player answers MPRIS on a private session bus (a ``dbus-daemon
--session`` started here), and what the calls do is heard in the null sink's recording."""

from __future__ import annotations

import collections
import math
import os
import shutil
import subprocess
import time

import numpy as np
import pytest

from sensory.live.mpris import BUS_NAME, OBJECT_PATH, MediaKeys
from sensory.live.player import Player

from .helpers import recipe
from .test_live import DEVICE, LAYERS, SR, rms_db

jeepney = pytest.importorskip("jeepney")
from jeepney import DBusAddress, MatchRule, Properties, message_bus, new_method_call
from jeepney.io.blocking import Proxy, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

PLAYER = "org.mpris.MediaPlayer2.Player"


@pytest.fixture(scope="module")
def bus():
    """The address of a private session bus, for this module only."""
    if shutil.which("dbus-daemon") is None:
        pytest.skip("no dbus-daemon (tests/install-system-deps.sh installs dbus)")
    daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = daemon.stdout.readline().strip()
    yield address
    daemon.terminate()
    daemon.wait(timeout=5)


class Client:
    """A desktop's side: calls on the player's MPRIS object, and the signals it sends."""

    def __init__(self, address: str, name: str = BUS_NAME):
        self.conn = open_dbus_connection(bus=address)
        self.player = DBusAddress(OBJECT_PATH, bus_name=name, interface=PLAYER)
        rule = MatchRule(type="signal", interface="org.freedesktop.DBus.Properties", path=OBJECT_PATH)
        Proxy(message_bus, self.conn).AddMatch(rule)
        self.signals = collections.deque()
        self.conn.filter(rule, queue=self.signals)

    def call(self, method: str, signature: str | None = None, body: tuple = ()):
        return unwrap_msg(self.conn.send_and_get_reply(new_method_call(self.player, method, signature, body),
                                                        timeout=3))

    def get(self, prop: str):
        return unwrap_msg(self.conn.send_and_get_reply(Properties(self.player).get(prop), timeout=3))[0][1]

    def set(self, prop: str, signature: str, value):
        return unwrap_msg(self.conn.send_and_get_reply(Properties(self.player).set(prop, signature, value),
                                                        timeout=3))

    def changed(self, timeout: float = 2.0) -> dict:
        """The properties of the next PropertiesChanged signal."""
        deadline = time.monotonic() + timeout
        while not self.signals:
            self.conn.recv_messages(timeout=max(0.01, deadline - time.monotonic()))
        _, props, _ = self.signals.popleft().body
        return {k: v[1] for k, v in props.items()}

    def close(self):
        self.conn.close()


def soundscape():
    return recipe(LAYERS, duration=60.0, sample_rate=SR, extra_session='type = "soundscape"')


def test_media_keys_pause_play_and_stop_are_heard(pulse, bus):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    rec = pulse.record()
    with player, MediaKeys(player, address=bus) as keys:
        assert keys.name == BUS_NAME
        client = Client(bus)
        assert client.get("PlaybackStatus") == "Playing"
        assert client.get("Metadata")["xesam:title"] == ("s", "t")
        time.sleep(0.5)
        client.call("PlayPause")
        assert player.paused and client.get("PlaybackStatus") == "Paused"
        assert client.changed() == {"PlaybackStatus": "Paused"}
        time.sleep(1.0)
        client.call("Play")
        assert client.changed() == {"PlaybackStatus": "Playing"}
        time.sleep(0.5)
        client.call("Stop")
        assert client.get("PlaybackStatus") == "Stopped"
        while not player.wait(0.05):
            pass
        client.close()
    out = rec.stop()
    loud = np.abs(out).max(axis=1) > 0
    start = int(np.argmax(loud))
    gap = start + int(np.argmin(loud[start:]))              # the pause: a true silence
    back = gap + int(np.argmax(loud[gap:]))
    assert 0.5 * SR < gap - start < 1.5 * SR and back - gap > 0.5 * SR  # paused after 0.5 s, faded over 0.25 s
    end = len(loud) - int(np.argmax(loud[::-1]))
    assert 0.4 * SR < end - back < 3.5 * SR                  # played again, then stopped (a 2-s fade)
    assert rms_db(out[back + SR // 2:back + SR]) > -40


def test_volume_and_refusals(pulse, bus):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    with player, MediaKeys(player, address=bus), MediaKeys(player, address=bus) as second:
        assert second.name == f"{BUS_NAME}.instance{os.getpid()}"  # the first name was taken
        client = Client(bus)
        client.set("Volume", "d", 0.5)
        assert player.volume_db == pytest.approx(-6.02, abs=0.01)
        assert client.changed()["Volume"] == pytest.approx(0.5)
        for prop, signature, value, why in (("Volume", "d", math.nan, "double of 0 or more"),
                                            ("Volume", "d", -1.0, "double of 0 or more"),
                                            ("Volume", "s", "loud", "double of 0 or more"),
                                            ("PlaybackStatus", "s", "Paused", "read-only")):
            with pytest.raises(DBusErrorResponse, match=why):
                client.set(prop, signature, value)
        with pytest.raises(DBusErrorResponse, match="UnknownMethod"):
            client.call("Explode")
        with pytest.raises(DBusErrorResponse, match="InvalidArgs"):
            client.call("Seek", "s", ("soon",))
        assert player.volume_db == pytest.approx(-6.02, abs=0.01) and not player.paused
        client.call("Next")  # nothing to go to: answered, nothing changes
        assert client.get("CanGoNext") is False and client.get("CanControl") is True
        client.close()


def test_without_a_bus_it_plays_without_media_keys(pulse):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    with MediaKeys(player, address="unix:path=/nonexistent/bus") as keys:
        assert keys.name is None


def test_sensory_play_answers_media_keys(pulse, bus):
    import subprocess
    import sys

    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus)
    proc = subprocess.Popen([sys.executable, "-m", "sensory", "play", "pink", "--device", DEVICE],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        watcher = open_dbus_connection(bus=bus)
        deadline = time.monotonic() + 30
        while not Proxy(message_bus, watcher).NameHasOwner(BUS_NAME)[0]:
            assert time.monotonic() < deadline and proc.poll() is None, "sensory play never took the name"
            time.sleep(0.1)
        watcher.close()
        client = Client(bus)
        client.call("PlayPause")
        assert client.get("PlaybackStatus") == "Paused"
        client.call("Stop")
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
        client.close()
    finally:
        proc.kill()
        proc.wait()


def test_a_bus_gone_while_announcing_ends_the_media_keys_quietly():
    from types import SimpleNamespace

    class Gone:
        """A connection whose bus went away: nothing comes in, and sending fails."""

        def receive(self, timeout):
            raise TimeoutError

        def send(self, message):
            raise BrokenPipeError(32, "Broken pipe")

    keys = MediaKeys(SimpleNamespace(paused=False, stopping=False, volume_db=0.0), address="unix:path=/nowhere")
    keys._conn = Gone()
    keys._run()                       # the first announcement fails: the thread returns, raising nothing
