"""The web mixer (``sensory mixer``): its server on 127.0.0.1 with a real player on the test null
sink, its refusals, and its page in a real browser (Debian's chromium, headless, driven by
Playwright: one launch for the module).

Set ``SENSORY_MIXER_SCREENSHOT=docs/mixer.png`` to write the page's picture for the docs.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import socket
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import sensory
from sensory.core.levels import db_to_gain
from sensory.errors import RecipeError
from sensory.live.player import VOLUME_RANGE_DB, Player
from sensory.web.messages import MAX_MESSAGE_BYTES, parse
from sensory.web.server import MixerServer

from .helpers import recipe
from .test_live import DEVICE, LAYERS, SR, align, rms_db

aiohttp = pytest.importorskip("aiohttp")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "t" * 32


def soundscape(seconds: float = 60.0):
    return recipe(LAYERS, duration=seconds, sample_rate=SR, extra_session='type = "soundscape"')


@pytest.fixture
def served(pulse):
    """A player of the two-layer soundscape on the null sink, and its mixer server."""
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    with player, MixerServer(player) as server:
        yield player, server


def get(url: str, *, data: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    """Status and JSON body of a request to the mixer."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, kind, body = response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as e:
        status, kind, body = e.code, e.headers.get_content_type(), e.read()
    return status, json.loads(body) if kind == "application/json" else {}


def base(server) -> str:
    return f"http://127.0.0.1:{server.port}"


def command(server, message: dict | bytes, token: str | None = None) -> tuple[int, dict]:
    body = message if isinstance(message, bytes) else json.dumps({"token": server.token, **message}).encode()
    return get(f"{base(server)}/command?token={token or server.token}", data=body,
               headers={"Content-Type": "application/json"})


async def talk(server, messages: list, *, origin: str | None = None, replies: int = 0):
    """Send ``messages`` (dicts get the token, bytes and str go as they are) over a WebSocket;
    the JSON messages received after them until ``replies`` refusals came or 1 s passed."""
    origin = origin or f"http://127.0.0.1:{server.port}"
    got = []
    url = f"{base(server)}/ws?token={server.token}"
    async with aiohttp.ClientSession() as session, session.ws_connect(url, origin=origin) as ws:
        got.append(json.loads((await ws.receive(timeout=2)).data))
        for m in messages:
            if isinstance(m, bytes):
                await ws.send_bytes(m)
            else:
                await ws.send_str(m if isinstance(m, str) else json.dumps({"token": server.token, **m}))
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and sum(g["type"] == "refused" for g in got) < replies:
            msg = await ws.receive(timeout=max(0.01, deadline - time.monotonic()))
            if msg.type != aiohttp.WSMsgType.TEXT:
                got.append({"type": "closed", "code": ws.close_code})
                break
            got.append(json.loads(msg.data))
    return got


# -- messages, checked whole ----------------------------------------------------------------------


@pytest.mark.parametrize("text, why", [
    ('{"do": "volume", "db": -6}', "token"),
    ('{"token": "wrong", "do": "volume", "db": -6}', "token"),
    ('{"token": 5, "do": "volume", "db": -6}', "token"),
    ("[1, 2]", "JSON object"),
    ("{'token': 1}", "not JSON"),
    ('{"token": "T", "do": "volume", "db": NaN}', "not JSON"),
    ('{"token": "T", "do": "volume", "db": Infinity}', "not JSON"),
    ('{"token": "T", "do": "volume", "db": 1e400}', "out of range"),
    ('{"token": "T", "do": "volume", "db": 12.5}', "out of range"),
    ('{"token": "T", "do": "volume", "db": true}', "give a number"),
    ('{"token": "T", "do": "volume", "db": "-6"}', "give a number"),
    ('{"token": "T", "do": "volume"}', "missing"),
    ('{"token": "T", "do": "volume", "db": -6, "gain": 2}', "unknown field 'gain'"),
    ('{"token": "T", "do": "explode"}', "use one of"),
    ('{"token": "T", "do": "layer", "index": -1, "db": 0}', "whole number"),
    ('{"token": "T", "do": "layer", "index": 1.5, "db": 0}', "whole number"),
    ('{"token": "T", "do": "pause", "paused": 1}', "true or false"),
    ('{"token": "T", "do": "add", "preset": "../../etc/passwd"}', "preset name"),
    ('{"token": "T", "do": "sleep", "minutes": -5}', "out of range"),
    ("[" * 3000 + "]" * 3000, "bytes"),
    ('{"token": "T", "x": "' + "a" * MAX_MESSAGE_BYTES + '"}', "bytes"),
    ("\xff\xfe garbage", "not JSON"),
])
def test_hostile_messages_are_refused_saying_why(text, why):
    with pytest.raises(RecipeError, match=why):
        parse(text.replace('"T"', f'"{TOKEN}"'), TOKEN)


HOSTILE_VALUES = [None, True, False, 0, -1, 1, 7, 2**63, -(2**70), 10**400, 0.5, -0.0, 12.0, 12.5, -60.0, -61.0,
                  1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf, "", "-6", "rain", "../etc/passwd", "RAIN",
                  "a" * 70, [], [1], {}, {"db": 1}, [[[]]]]


def test_any_message_is_a_checked_command_or_a_refusal():
    """2000 seeded random messages (every action and field with hostile values, unknown fields,
    missing and wrong tokens, truncated texts and junk bytes): each is a command whose values
    lie in range, or a RecipeError; nothing else ever comes out."""
    from sensory.web.messages import ACTIONS

    rng = np.random.default_rng(18)
    names = sorted({name for fields in ACTIONS.values() for name in fields} | {"gain", "token"})
    accepted = 0
    for _ in range(2000):
        message = {"do": str(rng.choice([*ACTIONS, "", "volumes"]))}
        for name in rng.choice(names, size=int(rng.integers(0, 4)), replace=False):
            message[str(name)] = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
        if rng.random() < 0.9:
            message["token"] = TOKEN if rng.random() < 0.9 else TOKEN[:-1]
        text = json.dumps(message)
        for candidate in (text, text[:int(rng.integers(len(text)))], rng.bytes(int(rng.integers(1, 40)))):
            try:
                command = parse(candidate, TOKEN)
            except RecipeError:
                continue
            accepted += 1
            for name, spec in ACTIONS[command.action].items():
                value = command.args[name]
                if value is None:
                    assert spec.optional
                elif spec.kind == "number":
                    assert math.isfinite(value) and spec.low <= value <= spec.high
                elif spec.kind == "bool":
                    assert isinstance(value, bool)
                elif spec.kind == "index":
                    assert isinstance(value, int) and not isinstance(value, bool) and value >= 0
    assert 50 < accepted < 2000, accepted  # some got through, checked; most were refused


def test_a_good_message_is_read_whole():
    c = parse(json.dumps({"token": TOKEN, "do": "layer", "index": 1, "db": -6.5}), TOKEN)
    assert (c.action, c.args) == ("layer", {"index": 1, "db": -6.5, "muted": None})


# -- the server ------------------------------------------------------------------------------------


def test_it_listens_on_loopback_only(served):
    _, server = served
    port = f"{server.port:04X}"
    with open("/proc/net/tcp") as f:  # local address of each socket: hex IPv4 (little-endian) and port
        bound = [line.split()[1] for line in f.read().splitlines()[1:] if line.split()[1].endswith(":" + port)
                 and line.split()[3] == "0A"]  # 0A: listening
    assert bound == ["0100007F:" + port]  # 127.0.0.1 and nothing else
    with open("/proc/net/tcp6") as f:
        assert not [line for line in f.read().splitlines()[1:] if line.split()[1].endswith(":" + port)]


@pytest.mark.parametrize("path", ["/", "/state", "/mixer.js", "/icon.svg", "/nothing", "/ws"])
def test_every_request_needs_the_token(served, path):
    _, server = served
    assert get(base(server) + path)[0] == 403
    status, body = get(f"{base(server)}{path}?token=wrong{server.token}")
    assert status == 403 and "token" in body["error"]
    assert get(base(server) + path, headers={"X-Sensory-Token": server.token[:-1]})[0] == 403
    assert command(server, {"do": "volume", "db": -6}, token="x")[0] == 403


def test_with_the_token_the_page_and_its_files_are_served_and_nothing_else(served):
    _, server = served
    with urllib.request.urlopen(server.url, timeout=5) as r:
        page = r.read().decode()
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert f'data-token="{server.token}"' in page and "<script src=\"mixer.js" in page
    assert get(f"{base(server)}/state?token={server.token}")[1]["layers"][1]["name"] == "tone"
    assert get(f"{base(server)}/mixer.js?token={server.token}", headers={"X-Sensory-Token": server.token})[0] == 200
    for path in ("/../../etc/passwd", "/static/../server.py", "/%2e%2e/%2e%2e/etc/passwd", "/index.html",
                 "/messages.py"):
        assert get(f"{base(server)}{path}?token={server.token}")[0] == 404, path
    # a name that resolves to 127.0.0.1 from elsewhere (DNS rebinding) is not this server
    assert get(f"{base(server)}/state?token={server.token}", headers={"Host": "evil.example:80"})[0] == 403


def test_hostile_requests_get_a_4xx_and_change_nothing(served, capfd):
    player, server = served
    assert command(server, {"do": "volume", "db": -6})[0] == 200
    for body in (b"{not json", b'{"do": "volume", "db": NaN}', b"\x00\xff" * 100, b"[]",
                 json.dumps({"token": server.token, "do": "volume", "db": 1e308}).encode(),
                 json.dumps({"token": server.token, "do": "layer", "index": 2, "db": 0}).encode(),
                 json.dumps({"token": "", "do": "volume", "db": 0}).encode()):
        status, reply = command(server, body)
        assert status == 400 and reply["error"], body
    assert command(server, b" " * (MAX_MESSAGE_BYTES + 1))[0] == 413
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:  # not HTTP at all
        s.sendall(b"\x16\x03\x01 hello, this is not HTTP\r\n\r\n")
        assert s.recv(100).split(b" ")[1] == b"400"
    status, state = get(f"{base(server)}/state?token={server.token}")
    assert status == 200 and state["volume_db"] == -6 == player.volume_db
    assert "Traceback" not in capfd.readouterr().err


def test_a_websocket_from_another_site_cannot_connect(served):
    _, server = served
    for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as e:
            asyncio.run(talk(server, [], origin=origin))
        assert e.value.status == 403


def test_websocket_messages_need_the_token_and_bad_ones_are_refused(served):
    player, server = served
    got = asyncio.run(talk(server, [
        json.dumps({"do": "volume", "db": -20}),                        # no token
        json.dumps({"token": "x" + server.token, "do": "volume", "db": -20}),
        "{oops", {"do": "volume", "db": float("nan")}, {"do": "volume", "db": 99}, {"do": "layer", "index": 7},
    ], replies=6))
    assert got[0]["type"] == "state" and got[0]["title"] == "t"
    refused = [g["why"] for g in got if g["type"] == "refused"]
    assert len(refused) == 6 and "token" in refused[0] and "token" in refused[1]
    assert "not JSON" in refused[2] and "not JSON" in refused[3] and "out of range" in refused[4]
    assert "there are 2 layers" in refused[5]
    assert player.volume_db == 0
    for oversized in ("x" * (MAX_MESSAGE_BYTES + 1), b"\x00" * 10):
        got = asyncio.run(talk(server, [oversized], replies=1))
        assert got[-1] == {"type": "closed", "code": 1009 if isinstance(oversized, str) else 1003}
    assert get(f"{base(server)}/state?token={server.token}")[0] == 200  # still serving


def test_a_flood_of_slider_moves_is_one_ramp_per_tick_and_stays_in_range(pulse):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    calls = []
    set_volume = player.set_volume
    player.set_volume = lambda db: (calls.append(db), set_volume(db))
    rec = pulse.record()
    with player, MixerServer(player) as server:
        started = time.monotonic()
        moves = [{"do": "volume", "db": float(v)} for v in np.linspace(*VOLUME_RANGE_DB, 3000)]
        asyncio.run(talk(server, moves + [{"do": "volume", "db": -6.0}]))
        took = time.monotonic() - started
        time.sleep(0.2)
        assert player.volume_db == -6.0
        player.stop(0.1)
        while not player.wait(0.05):
            pass
    out = rec.stop()
    ticks = took / 0.05 + 3
    assert 1 <= len(calls) <= ticks and calls[-1] == -6.0
    assert np.abs(out).max() <= db_to_gain(-1.0) + 1e-6  # the ceiling held throughout
    assert player.stats.underruns == 0


def test_floods_of_pages_and_of_presets_to_add_are_refused(pulse):
    from sensory.recipe.library import mix
    from sensory.web.server import MAX_SOCKETS

    player = Player(mix(["pink"]), sample_rate=SR, device=DEVICE)

    async def flood(server):
        origin = f"http://127.0.0.1:{server.port}"
        url = f"{base(server)}/ws?token={server.token}"
        async with aiohttp.ClientSession() as session:
            pages = [await session.ws_connect(url, origin=origin) for _ in range(MAX_SOCKETS)]
            with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                await session.ws_connect(url, origin=origin)
            assert e.value.status == 503
            add = json.dumps({"token": server.token, "do": "add", "preset": "brown"})
            await asyncio.gather(*(ws.send_str(add) for ws in pages))
            replies = []
            for ws in pages:
                while (m := json.loads((await ws.receive(timeout=10)).data))["type"] == "state":
                    pass
                replies.append(m)
                await ws.close()
        return replies

    with player, MixerServer(player) as server:
        replies = asyncio.run(flood(server))
        assert player.group_names == ["pink", "brown"]  # added once
        assert sum(r["type"] == "added" for r in replies) == 1
        assert {r["why"] for r in replies if r["type"] == "refused"} <= {
            "add: a preset is being added; try again when it plays",
            "'brown' is already in the mix; change its level instead"}
        assert get(f"{base(server)}/state?token={server.token}")[0] == 200


# -- in the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no {CHROMIUM} (tests/install-system-deps.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 760, "height": 760})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(".line")
    return page, errors


def test_moving_a_slider_in_the_browser_is_heard(pulse, browser):
    r = recipe(LAYERS, duration=3.0, sample_rate=SR)
    bed_only = recipe(LAYERS.split("[[layer]]\nname = \"tone\"")[0], duration=3.0, sample_rate=SR)
    tone_only = recipe("[[layer]]" + LAYERS.split("[[layer]]")[2], duration=3.0, sample_rate=SR)
    player = Player(r, seed=4, sample_rate=SR, device=DEVICE)
    with MixerServer(player) as server:
        page, errors = open_page(browser, server.url)  # before playing: a loaded machine opens pages slowly
        rec = pulse.record()
        with player:
            page.locator("input[aria-label=tone]").fill("-60")
            while not player.wait(0.05):
                pass
        out = rec.stop()
        page.close()
    assert player.layer_db == [0.0, -60.0] and not errors
    ref = sensory.render(r, seed=4, sample_rate=SR)
    _, corr = align(out, ref[:SR // 3])
    assert corr >= 0.99  # at first the mix as rendered
    # the move was sent as playing began and heard 0.7 s later; the bed alone is found in the
    # recording where it lies (on a loaded machine an underrun may have moved it)
    late = slice(int(2.0 * SR), int(2.8 * SR))
    bed = sensory.render(bed_only, seed=4, sample_rate=SR)[late]
    tone = sensory.render(tone_only, seed=4, sample_rate=SR)[late]
    where, corr = align(out, bed)
    assert corr >= 0.99
    heard = out[where:where + len(bed)]
    assert abs(rms_db(heard - bed) - (rms_db(tone) - 60)) < 0.5  # what is left of the tone: -60 dB


def test_the_page_follows_the_terminal_and_other_tabs(served, browser):
    from playwright.sync_api import expect

    player, server = served
    first, errors = open_page(browser, server.url)
    second, _ = open_page(browser, server.url)
    player.set_volume(-9)  # as the terminal's keys do
    expect(second.locator("#master")).to_have_value("-9", timeout=3000)
    expect(first.locator("#master")).to_have_value("-9", timeout=3000)
    first.locator("#master").fill("-20")
    expect(second.locator("#master")).to_have_value("-20", timeout=3000)
    time.sleep(0.6)  # the page that moved a slider follows others again half a second after
    player.set_volume(-3)
    expect(first.locator("#master")).to_have_value("-3", timeout=3000)
    first.locator(".line button").nth(0).click()
    expect(second.locator(".line button").nth(0)).to_have_class("on", timeout=3000)
    assert player.layer_muted == [True, False]
    first.locator("#play").click()
    expect(second.locator("#play")).to_have_text("play", timeout=3000)
    assert player.paused
    first.locator("#sleep-minutes").select_option("45")
    first.locator("#sleep").click()
    expect(second.locator("#sleep-left")).to_have_text("sleeping in 45:00", timeout=3000)
    assert server.remote.sleep_at == pytest.approx(player.position + 45 * 60, abs=1)
    if os.environ.get("SENSORY_MIXER_SCREENSHOT"):
        first.screenshot(path=os.environ["SENSORY_MIXER_SCREENSHOT"], full_page=True)
    first.locator("#sleep").click()
    expect(second.locator("#sleep-left")).to_have_text("", timeout=3000)
    assert server.remote.sleep_at is None
    first.close()
    second.close()
    assert not errors


def test_the_sleep_timer_fades_out_and_stops(pulse):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    rec = pulse.record()
    with player, MixerServer(player) as server:
        assert command(server, {"do": "sleep", "minutes": 0.03, "fade": 1.0})[0] == 200  # 1.8 s
        started = time.monotonic()
        while not player.wait(0.05):
            assert time.monotonic() - started < 5
    out = rec.stop()
    loud = np.flatnonzero(np.abs(out).max(axis=1) > 1e-4)
    assert abs((loud[-1] - loud[0]) / SR - 1.8) < 0.3
    # it faded: the last half second before the end is far quieter than the second before that
    end = loud[-1]
    assert rms_db(out[end - SR // 4:end]) < rms_db(out[end - int(1.5 * SR):end - SR]) - 10


def test_a_sleep_timer_without_a_fade_still_fades_in_a_quarter_second(pulse):
    player = Player(soundscape(), sample_rate=SR, device=DEVICE)
    rec = pulse.record()
    with player, MixerServer(player) as server:
        assert command(server, {"do": "sleep", "minutes": 0.01, "fade": 0})[0] == 200  # 0.6 s, sooner than queued
        started = time.monotonic()
        while not player.wait(0.05):
            assert time.monotonic() - started < 5
    out = rec.stop()
    end = np.flatnonzero(np.abs(out).max(axis=1) > 1e-4)[-1]
    assert rms_db(out[end - SR // 20:end]) < rms_db(out[end - SR // 2:end - int(0.3 * SR)]) - 12  # no cut


# -- presets added, removed and saved; the command ------------------------------------------------


def test_presets_are_added_removed_and_saved_from_the_page(pulse, browser, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    from sensory.recipe.library import load, mix

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # the user preset folder, for the saved mix
    player = Player(mix(["pink"]), sample_rate=SR, device=DEVICE)
    with player, MixerServer(player) as server:
        page, errors = open_page(browser, server.url)
        assert page.locator(".group-head .name").all_inner_texts() == ["pink"]
        page.locator("#preset").select_option("brown")
        page.locator("#add").click()
        expect(page.locator(".group-head .name")).to_have_text(["pink", "brown"], timeout=5000)
        assert player.group_names == ["pink", "brown"]
        page.locator(".group-head input").nth(1).fill("-6")
        expect(page.locator(".group-head output").nth(1)).to_have_text("-6.0 dB", timeout=3000)
        page.locator("#save-name").fill("evening")
        page.locator("#save").click()
        expect(page.locator("#note")).to_have_text("saved as evening: sensory play evening", timeout=3000)
        expect(page.locator("#preset option[value=evening]")).to_have_count(1, timeout=3000)
        page.locator(".group-head button", has_text="remove").nth(0).click()
        expect(page.locator(".group-head .name")).to_have_text(["brown"], timeout=3000)
        page.locator("#save").click()  # no name: a new one
        expect(page.locator("#note")).to_contain_text("saved as brown-mix", timeout=3000)
        assert command(server, {"do": "add", "preset": "no-such-preset"})[0] == 400
        (tmp_path / "sensory" / "presets").rename(tmp_path / "saved")
        (tmp_path / "sensory" / "presets").write_text("a file where the folder belongs")
        status, reply = command(server, {"do": "save", "name": "elsewhere"})
        assert status == 503 and reply["error"].startswith("cannot save the mix: ")
        (tmp_path / "sensory" / "presets").unlink()
        (tmp_path / "saved").rename(tmp_path / "sensory" / "presets")
        assert command(server, {"do": "add", "preset": "brown"})[1]["error"].endswith("change its level instead")
        page.close()
    saved = load("evening")
    assert [(g.name, g.preset) for g in saved.groups] == [("pink", "pink"), ("brown", "brown")]
    assert "gain_db = -6" in (tmp_path / "sensory" / "presets" / "evening.toml").read_text()
    assert [g.preset for g in load("brown-mix").groups] == ["brown"]
    assert not errors


@pytest.mark.skipif(not os.environ.get("SENSORY_MIXER_SCREENSHOT"), reason="set SENSORY_MIXER_SCREENSHOT=docs/mixer.png")
def test_screenshot_for_the_docs(pulse, browser):
    from sensory.recipe.library import mix

    player = Player(mix(["reawaken", "rain"], gains={"rain": -9}), sample_rate=SR, device=DEVICE)
    with player, MixerServer(player) as server:
        player.set_volume(-4)
        player.set_group(1, db=-3)
        player.set_layer(player.layer_names.index("reawaken/pacer"), muted=True)
        player.set_layer(player.layer_names.index("reawaken/warm-drone"), db=-7.5)
        command(server, {"do": "sleep", "minutes": 45, "fade": 120})
        page, _ = open_page(browser, server.url)
        time.sleep(1.5)
        page.screenshot(path=os.environ["SENSORY_MIXER_SCREENSHOT"], full_page=True)
        page.close()


def test_the_command_prints_the_address_and_serves_until_stopped(pulse):
    import subprocess

    proc = subprocess.Popen([sys.executable, "-m", "sensory", "mixer", "pink", "--no-open", "--device", DEVICE],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("open http://127.0.0.1:") and "/?token=" in line, line
        url = line.split(" ", 1)[1]
        root, token = url.split("/?token=")
        assert get(f"{root}/state")[0] == 403
        status, state = get(f"{root}/state?token={token}")
        assert status == 200 and state["groups"] == [] and state["layers"][0]["name"]
        for message in ({"do": "pause", "paused": True}, {"do": "stop"}):  # paused, the stop needs no fade
            body = json.dumps({"token": token, **message}).encode()
            assert get(f"{root}/command?token={token}", data=body)[0] == 200
        assert proc.wait(timeout=10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


def test_the_command_refuses_in_one_line(pulse):
    from click.testing import CliRunner

    from sensory.cli import cli

    runner = CliRunner()
    for args, code, why in ((["no-such-preset"], 2, "no-such-preset"), (["pink", "--port", "99999"], 2, "99999")):
        done = runner.invoke(cli, ["mixer", *args, "--no-open", "--device", DEVICE])
        assert done.exit_code == code and why in done.output and "Traceback" not in done.output, done.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = runner.invoke(cli, ["mixer", "pink", "--no-open", "--device", DEVICE, "--port", str(port)])
    assert done.exit_code == 1 and f"error: cannot listen on 127.0.0.1:{port}" in done.output, done.output
    assert "open http" not in done.output


def test_without_aiohttp_the_command_says_what_to_install(pulse, monkeypatch):
    from click.testing import CliRunner

    from sensory.cli import cli

    monkeypatch.setitem(sys.modules, "aiohttp", None)  # as if it were not installed
    done = CliRunner().invoke(cli, ["mixer", "pink", "--no-open", "--device", DEVICE])
    assert done.exit_code == 2 and "error: the web mixer needs aiohttp: pip install 'sensory[web]'" in done.output
    assert "Traceback" not in done.output and "open http" not in done.output
