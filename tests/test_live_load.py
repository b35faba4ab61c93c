"""Live play on a busy machine: sixty seconds through the real null sink beside a 2-process export;
the producer's render-ahead grows when its thread is starved; a night of play stays flat. Except the
first, a fake stream (a thread calling the feed's callback on a clock) stands in for PortAudio, so
they run without an audio server and at any speed."""

from __future__ import annotations

import os
import threading
import time

import numpy as np

import sensory
from sensory.engine.stream import build
from sensory.live import producer as producer_module
from sensory.live.producer import AHEAD_S, MAX_AHEAD_S

from .fake_stream import fed_stream
from .load import busy_cores, rest
from .test_live import DEVICE, align

SR = 8000
BLOCK = 256


def test_soak_sixty_seconds_beside_two_process_exports_without_underruns(pulse, tmp_path):
    r = sensory.load("alpha-drift")
    load = busy_cores(str(tmp_path))
    try:
        time.sleep(1.0)  # the exports' processes are rendering
        rec = pulse.record()
        stats = sensory.play(r, seconds=60, sample_rate=48000, device=DEVICE)
        out = rec.stop()
        assert load.poll() is None, "the exports stopped before the play did"
    finally:
        rest(load)
    assert stats.underruns == 0, stats
    assert stats.callback_work_worst < 0.10, stats
    ref = sensory.render(r, seconds=60, sample_rate=48000)
    lag, _ = align(out[:20 * 48000], ref[:10 * 48000])
    assert np.array_equal(out[lag:lag + len(ref)], ref)


class Stalling:
    """A mixer whose render stops the thread for ``stalls[block]`` seconds at the given blocks, as a
    machine busy on every core does to a thread; everything else is the real mixer's."""

    def __init__(self, mixer, stalls: dict[int, float]):
        self._mixer, self._stalls, self._blocks = mixer, stalls, 0

    def render(self, n: int):
        time.sleep(self._stalls.get(self._blocks, 0.0))
        self._blocks += 1
        return self._mixer.render(n)

    def __getattr__(self, name):
        return getattr(self._mixer, name)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_producer(mixer, *, speed: float | None = 1.0, keep: bool = True, until=None):
    producer, _, stats, stream = fed_stream(mixer, BLOCK, latency=0.1, speed=speed, keep=keep)
    stream.start()
    if until is not None:
        until(producer, stream, stats)
    stream.join(timeout=600)
    producer.join(5)
    assert producer.error is None, producer.error
    return stats, stream


def test_the_render_ahead_grows_when_the_thread_is_starved_and_rides_out_the_next_gap():
    recipe = sensory.load("pink")
    seconds = 6.0
    mixer = build(recipe, seed=1, sample_rate=SR, seconds=seconds)
    # a 0.25-s stall fits in the first lead (0.4 s) but drains it below half; a 0.55-s stall
    # later would starve the stream at that lead, and must not at the grown one
    stalls = {40: 0.25, 110: 0.55}
    stats, stream = run_producer(Stalling(mixer, stalls))
    assert stats.starved_callbacks == 0
    assert stats.lead_s >= 2 * AHEAD_S - BLOCK / SR
    assert stats.lead_s <= MAX_AHEAD_S + BLOCK / SR
    heard = np.concatenate(stream.frames)
    ref = sensory.render(recipe, seed=1, sample_rate=SR, seconds=seconds)
    assert np.array_equal(heard[:len(ref)], ref)  # the same stream, every frame, in order


def test_the_render_ahead_shrinks_again_once_the_machine_is_quiet(monkeypatch):
    calm = 4.0
    monkeypatch.setattr(producer_module, "CALM_S", calm)  # CALM_S of audio is 20 s: 10 s at twice real time
    recipe = sensory.load("pink")
    seconds = 2.5 * calm
    mixer = build(recipe, seed=1, sample_rate=SR, seconds=seconds)
    leads = []

    def watch(producer, stream, stats):
        while stream.is_alive():
            leads.append(producer.lead_s)
            time.sleep(0.02)

    # at 2x, a 0.15-s stall drains the first lead (0.4 s of audio, 0.2 s of wall time) below half
    stats, stream = run_producer(Stalling(mixer, {40: 0.15}), speed=2.0, until=watch)
    assert stats.starved_callbacks == 0
    assert stats.lead_s >= 2 * AHEAD_S - BLOCK / SR
    grown = leads.index(max(leads))
    assert min(leads[grown:]) < max(leads) and abs(leads[-1] - AHEAD_S) < BLOCK / SR  # halved back to the first
    heard = np.concatenate(stream.frames)
    ref = sensory.render(recipe, seed=1, sample_rate=SR, seconds=seconds)
    assert np.array_equal(heard[:len(ref)], ref)


def test_a_quiet_machine_keeps_the_first_lead():
    recipe = sensory.load("pink")
    stats, _ = run_producer(build(recipe, seed=1, sample_rate=SR, seconds=3.0), speed=4.0, keep=False)
    assert stats.starved_callbacks == 0
    assert abs(stats.lead_s - AHEAD_S) < BLOCK / SR


def test_a_long_night_stays_flat():
    """Ten minutes of night at 8 kHz, heard as fast as it renders (``bench/night_soak.py`` plays
    eight hours): memory (RSS), threads and the queue stay flat."""
    recipe = sensory.load("night")
    hours = 1 / 6
    mixer = build(recipe, seed=4, sample_rate=SR, seconds=hours * 3600)
    samples = []

    def watch(producer, stream, stats):
        threads = threading.active_count()
        while stream.is_alive():
            time.sleep(0.2)
            samples.append((rss_bytes(), threading.active_count(), len(producer.feed)))
        assert all(t <= threads for _, t, _ in samples)

    stats, stream = run_producer(mixer, speed=None, keep=False, until=watch)
    assert stream.calls * BLOCK >= hours * 3600 * SR
    assert stats.starved_callbacks == 0
    memory = [m for m, _, _ in samples]
    quarter = max(1, len(memory) // 4)
    assert max(memory[-quarter:]) < max(memory[:quarter]) + 8 * 2**20, memory[::quarter]
    assert max(q for _, _, q in samples) <= MAX_AHEAD_S * SR / BLOCK + 2
