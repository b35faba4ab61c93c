"""A stand-in for PortAudio's stream: a thread calling a live feed's callback on a clock of its own,
so the producer and the feed run without an audio server, at real time or faster."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from sensory.live.feed import FRAME_BYTES, Feed
from sensory.live.player import PlayStats
from sensory.live.producer import Producer


class Stop(Exception):
    """What the feed raises after its end (sounddevice's ``CallbackStop`` in a real stream)."""


class FakeStream(threading.Thread):
    """Calls ``feed.callback`` for blocks of ``block`` frames, one every block's duration divided by
    ``speed`` (a call made late moves the next ones, as a sound card's clock never hurries), until
    the feed ends or ``stop`` is set; keeps every frame it was given."""

    def __init__(self, feed: Feed, block: int, sample_rate: int, *, speed: float | None = 1.0, keep: bool = True):
        super().__init__(daemon=True)
        self.feed, self.block, self.keep = feed, block, keep
        self.period = None if speed is None else block / sample_rate / speed  # None: as fast as blocks come
        self.frames: list[np.ndarray] = []
        self.calls = 0
        self.stop = threading.Event()

    def run(self) -> None:
        out = bytearray(self.block * FRAME_BYTES)
        status = SimpleNamespace(output_underflow=False)
        due = time.monotonic()
        while not self.stop.is_set():
            while self.period is None and not len(self.feed):
                time.sleep(0.0005)
            try:
                self.feed.callback(memoryview(out), self.block, None, status)
            except Stop:
                return
            self.calls += 1
            if self.keep:
                self.frames.append(np.frombuffer(bytes(out), np.float32).reshape(-1, 2))
            if self.period is not None:
                due = max(due + self.period, time.monotonic())  # a late call is not made up in a burst
                time.sleep(max(0.0, due - time.monotonic()))


def fed_stream(mixer, block: int, *, latency: float, speed: float | None = 1.0, keep: bool = True):
    """A :class:`Producer` rendering ``mixer`` in ``block``-frame blocks into a feed, started and
    waited for until its queue is full, and a :class:`FakeStream` on that feed, not yet started:
    (producer, feed, stats, stream)."""
    stats = PlayStats()
    feed = Feed(block, mixer.sample_rate, stats, Stop)
    producer = Producer(mixer, feed, block_size=block, latency=latency, stats=stats, failed=threading.Event())
    producer.start()
    while not producer.ready:
        time.sleep(0.005)
    return producer, feed, stats, FakeStream(feed, block, mixer.sample_rate, speed=speed, keep=keep)
