"""The producer of live play: a thread that renders the mixer ahead of the stream into a
:class:`~sensory.live.feed.Feed`, and makes the controls' calls on the mixer between blocks,
so that it alone touches the mixer once it runs.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable

import numpy as np

from ..engine.context import rendering
from ..engine.mix import Mixer
from ..engine.ramp import Ramp
from .feed import Feed

__all__ = ["Producer", "AHEAD_S", "CALM_S", "KEEP_S", "MAX_AHEAD_S", "PAD_S"]

AHEAD_S = 0.4      # audio rendered ahead of the callback, to begin with
MAX_AHEAD_S = 2.0  # the most it grows to when the machine is busy
PAD_S = 0.5        # silence queued after the end: stopping drops about one latency of audio
KEEP_S = 0.1       # queued audio left to the callback while a pause takes the rest back
CALM_S = 20.0      # audio played without the queue under three quarters of its length: the lead halves


class Producer:
    """Renders ``mixer`` in blocks of at most ``block_size`` frames into ``feed``, about
    :data:`AHEAD_S` seconds ahead of the stream, on its own thread.

    The lead follows the machine: whenever the stream has drained the queue to half its length
    while playing (the thread got too little CPU for a while), the queue doubles, up to
    :data:`MAX_AHEAD_S`; after :data:`CALM_S` of audio in which it never fell under three
    quarters of its length, it halves again, down to the first. On a quiet machine controls
    are heard as soon as they can be; beside a render on every core, the lead rides out the
    gaps (:attr:`lead_s`: the lead now, ``stats.lead_s``: the largest reached, in seconds).

    Controls are calls on the mixer (:meth:`ask`), made between blocks. A pause
    (:meth:`pause`) is heard at once, not after the lead: the audio queued beyond the next
    :data:`KEEP_S` is taken back, its first ``seconds`` faded out and queued again, and the
    rest held; while paused nothing is rendered, and on resuming the held audio goes out
    first, fading in, and the mixer goes on where it stopped. At the end (the mixer's, or
    :meth:`stop` while paused) it queues :data:`PAD_S` (at least two ``latency``) of
    silence, so the end of a fade reaches the speakers, then the feed's end. An error is
    kept in :attr:`error` and ``failed`` is set; ``stats.render_cpu_s`` sums the thread's CPU
    time spent rendering.
    """

    def __init__(self, mixer: Mixer, feed: Feed, *, block_size: int, latency: float, stats,
                 failed: threading.Event):
        sr = mixer.sample_rate
        self.mixer = mixer
        self.feed = feed
        self.block_size = block_size
        self.stats = stats
        self.ahead = max(2, math.ceil(AHEAD_S * sr / block_size))  # queue length in blocks
        self._least = self.ahead
        self._most = max(self.ahead, math.ceil(MAX_AHEAD_S * sr / block_size))
        self._calm_frames = round(CALM_S * sr)
        self._calm = 0  # frames queued since the queue last fell under three quarters, or the lead changed
        self._block_s = block_size / sr
        stats.lead_s = self.ahead * self._block_s
        self.stopping = False
        self.error: BaseException | None = None
        self._pad = math.ceil(max(PAD_S, 2 * latency) * sr)
        self._keep = max(2, math.ceil(KEEP_S * sr / block_size))  # blocks
        self._held: tuple[int, np.ndarray] | None = None  # paused: (start frame, audio) to resume with
        self._poll = min(0.02, max(0.001, block_size / sr / 2))  # wait while the queue is full
        self._failed = failed
        self._asks: collections.deque = collections.deque()
        self._wake = threading.Event()
        self._closing = False
        self._thread = threading.Thread(target=self._run, name="sensory-render", daemon=True)

    # -- from the controlling thread ---------------------------------------------------------

    def ask(self, call: Callable[[Mixer], object]) -> None:
        """Have ``call(mixer)`` made before the next block (calls keep their order)."""
        self._asks.append(call)
        self._wake.set()

    def pause(self, paused: bool, seconds: float) -> None:
        """Fade out over ``seconds`` and hold (``True``), or fade back in where it stopped."""
        self.ask(lambda mixer: self._pause(paused, seconds))

    def stop(self, seconds: float) -> None:
        """Fade out over ``seconds`` and end (at once while paused)."""
        self.stopping = True
        self.ask(lambda mixer: mixer.fade_out(seconds))

    def start(self) -> None:
        self._thread.start()

    @property
    def ready(self) -> bool:
        """Whether the queue is full (or the thread has stopped)."""
        return len(self.feed) >= self.ahead or not self._thread.is_alive()

    def cancel(self) -> None:
        """Stop rendering at the next block, queueing nothing more."""
        self._closing = True
        self._wake.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    # -- the thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            with rendering():
                self._render_until_end()
            if not self._closing:
                self._pad_and_end()
        except BaseException as e:  # handed to the controlling thread
            self.error = e
            self._failed.set()

    def _render_until_end(self) -> None:
        mixer = self.mixer
        primed = False  # the queue has been full since the stream started or resumed
        while not self._closing:
            while self._asks:
                self._asks.popleft()(mixer)
            end = mixer.end_frame
            left = None if end is None else end - mixer.frame
            if left is not None and left <= 0:
                return
            if self._held is not None:
                if self.stopping:
                    return  # already silent: no fade needed
                self.feed.idle = True
                primed = False
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            n = self.block_size if left is None else min(self.block_size, left)
            start = mixer.frame
            block = self._render(n)
            self._wait_for_room(asks=True)
            queued = len(self.feed)
            if primed:
                primed = self._adapt(queued, n)
            self.feed.put(start, block)
            self.feed.idle = False
            primed = primed or (self.feed.started and queued + 1 >= self.ahead)

    @property
    def lead_s(self) -> float:
        """The render-ahead now, in seconds."""
        return self.ahead * self._block_s

    def _adapt(self, queued: int, n: int) -> bool:
        """Grow or shrink the lead, ``queued`` blocks found before putting ``n`` more frames;
        ``False`` when it grew (to be judged again once the longer queue is full)."""
        if queued <= self.ahead // 2 and self.ahead < self._most:
            self.ahead = min(self._most, 2 * self.ahead)
            self.stats.lead_s = max(self.stats.lead_s, self.lead_s)
            self._calm = 0
            return False
        self._calm = 0 if 4 * queued < 3 * self.ahead else self._calm + n
        if self._calm >= self._calm_frames and self.ahead > self._least:
            self.ahead = max(self._least, self.ahead // 2)  # the queue drains down to it as it plays
            self._calm = 0
        return True

    def _render(self, n: int) -> np.ndarray:
        cpu = time.thread_time()
        block = self.mixer.render(n)
        self.stats.render_cpu_s += time.thread_time() - cpu
        return block

    def _pause(self, paused: bool, seconds: float) -> None:
        if paused == (self._held is not None):
            return
        fade = max(1, round(seconds * self.mixer.sample_rate))
        if paused:
            taken = self.feed.take_back(self._keep)
            start = taken[0][0] if taken else self.mixer.frame
            audio = self._at_least(np.concatenate([b for _, b in taken] or [np.empty((0, 2), np.float32)]), fade)
            self._put(start, self._faded(audio[:fade], 0.0))
            self._held = (start + fade, audio[fade:])
        else:
            start, audio = self._held
            self._held = None
            audio = self._at_least(audio, fade)
            self._put(start, np.concatenate([self._faded(audio[:fade], 1.0), audio[fade:]]))

    def _at_least(self, audio: np.ndarray, frames: int) -> np.ndarray:
        """``audio`` (float32 (n, 2), ending at the mixer's frame) and what the mixer renders
        next, up to ``frames`` frames or the mixer's end."""
        end = self.mixer.end_frame
        more = frames - len(audio) if end is None else min(frames - len(audio), end - self.mixer.frame)
        return audio if more <= 0 else np.concatenate([audio, self._render(more)])

    @staticmethod
    def _faded(audio: np.ndarray, target: float) -> np.ndarray:
        """``audio`` under a straight ramp from ``1 - target`` to ``target`` over its frames, as
        the mixer's live gains move (:class:`~sensory.engine.ramp.Ramp`)."""
        ramp = Ramp(1.0 - target)
        ramp.move(target, len(audio), at=0)
        return audio * np.asarray(ramp.block(0, len(audio)), np.float32).reshape(-1, 1)

    def _put(self, start: int, audio: np.ndarray) -> None:
        for i in range(0, len(audio), self.block_size):
            self.feed.put(start + i, audio[i:i + self.block_size])

    def _pad_and_end(self) -> None:
        for i in range(0, self._pad, self.block_size):
            self._wait_for_room()
            self.feed.put(None, np.zeros((min(self.block_size, self._pad - i), 2), np.float32))
        self._wait_for_room()
        self.feed.end()

    def _wait_for_room(self, *, asks: bool = False) -> None:
        """Wait while the queue is full (or, with ``asks``, until a control is asked for)."""
        while len(self.feed) >= self.ahead and not self._closing and not (asks and self._asks):
            time.sleep(self._poll)
