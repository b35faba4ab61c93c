"""What the web mixer costs live playback: the same play with the mixer idle and with pages
dragging its sliders, through a private PulseAudio null sink.

    python bench/mixer.py [--preset forest] [--seconds 30] [--pages 2] [--rate 60] [--runs 3]

Each run plays the preset at 48 kHz for --seconds twice, alternating: once with a mixer server
and one page connected that only listens (the peer), once with --pages pages each dragging
three sliders (the master, the first group, the first layer) at --rate moves a second, as a
hand on a slider does, all pages receiving the state. Printed per condition, medians over
--runs: the mixer thread's CPU time in % of one core (from /proc, by the thread's id), the
render thread's, the audio callback's worst time in % of its block, underruns, and the ramps
the player was asked for per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tests.pulse_server import PulseServer  # noqa: E402


def thread_cpu_s(native_id: int) -> float:
    """User + system CPU seconds of this process's thread ``native_id``."""
    with open(f"/proc/self/task/{native_id}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def pages(server, count: int, rate: float, seconds: float) -> int:
    """``count`` pages on ``server``; each drags three sliders at ``rate`` moves a second
    (none when ``rate`` is 0) for ``seconds``. Returns the messages sent."""
    import aiohttp

    origin = f"http://127.0.0.1:{server.port}"
    url = f"{origin}/ws?token={server.token}"
    sent = 0

    async def page(session, k: int) -> None:
        nonlocal sent
        async with session.ws_connect(url, origin=origin) as ws:
            reader = asyncio.ensure_future(_drain(ws))
            start = time.monotonic()
            while (t := time.monotonic() - start) < seconds:
                if rate:
                    db = -20 + 10 * math.sin(2 * math.pi * 0.3 * t + k)
                    for message in ({"do": "volume", "db": db}, {"do": "group", "index": 0, "db": db},
                                    {"do": "layer", "index": 0, "db": db}):
                        await ws.send_str(json.dumps({"token": server.token, **message}))
                        sent += 1
                await asyncio.sleep(1 / rate if rate else 0.5)
            reader.cancel()

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(page(session, k) for k in range(count)))
    return sent


async def _drain(ws) -> None:
    async for _ in ws:
        pass


def play(preset: str, seconds: float, count: int, rate: float) -> dict:
    from sensory.live.player import Player
    from sensory.recipe.library import mix
    from sensory.web.server import MixerServer

    player = Player(mix([preset]), seconds=seconds, sample_rate=48000)
    ramps = [0]
    for control in ("set_volume", "set_group", "set_layer"):
        original = getattr(player, control)

        def counted(*args, _original=original, **kwargs):
            ramps[0] += 1
            return _original(*args, **kwargs)
        setattr(player, control, counted)
    with MixerServer(player) as server, player:
        mixer_thread = next(t for t in threading.enumerate() if t.name == "sensory-mixer")
        cpu = thread_cpu_s(mixer_thread.native_id)
        sent = asyncio.run(pages(server, count, rate, seconds - 1.0))
        cpu = thread_cpu_s(mixer_thread.native_id) - cpu
        while not player.wait(0.1):
            pass
    s = player.stats
    return {"mixer %": 100 * cpu / (seconds - 1.0), "render %": 100 * s.render_load,
            "callback worst %": 100 * s.callback_worst, "underruns": s.underruns,
            "moves/s": sent / (seconds - 1.0), "ramps/s": ramps[0] / (seconds - 1.0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="forest")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--pages", type=int, default=2)
    ap.add_argument("--rate", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    server = PulseServer().start()
    try:
        results = {"one page listening": [], f"{args.pages} pages dragging": []}
        for _ in range(args.runs):
            results["one page listening"].append(play(args.preset, args.seconds, 1, 0))
            results[f"{args.pages} pages dragging"].append(play(args.preset, args.seconds, args.pages, args.rate))
    finally:
        server.stop()
    print(f"{args.preset}, {args.seconds:g} s at 48 kHz, medians of {args.runs} runs; load average "
          f"{os.getloadavg()[0]:.1f}")
    keys = list(next(iter(results.values()))[0])
    print(f"{'':24}" + "".join(f"{k:>18}" for k in keys))
    for name, runs in results.items():
        print(f"{name:24}" + "".join(f"{statistics.median(r[k] for r in runs):18.2f}" for k in keys))


if __name__ == "__main__":
    main()
