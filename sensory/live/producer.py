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
from .feed import Feed

__all__ = ["Producer", "AHEAD_S", "MAX_AHEAD_S", "PAD_S"]

AHEAD_S = 0.4      # audio rendered ahead of the callback, to begin with
MAX_AHEAD_S = 2.0  # the most it grows to when the machine is busy
PAD_S = 0.5        # silence queued after the end: stopping drops about one latency of audio


class Producer:
    """Renders ``mixer`` in blocks of at most ``block_size`` frames into ``feed``, about
    :data:`AHEAD_S` seconds ahead of the stream, on its own thread.

    The lead grows when the machine is busy: whenever the stream has drained the queue to half
    its length while playing (the thread got too little CPU for a while), the queue
    doubles, up to :data:`MAX_AHEAD_S`. On a quiet machine controls are heard as soon as they
    can be; beside a render on every core, the lead rides out the gaps (``stats.lead_s``: the
    largest lead reached, in seconds).

    Controls are calls on the mixer (:meth:`ask`), made between blocks. While the mixer's
    live master gain holds at 0 (a pause has faded out), nothing is rendered: the mixer
    waits where it stopped, and when the gain rises the same stream goes on. At the end (the
    mixer's, or :meth:`stop` while silent) it queues :data:`PAD_S` (at least two ``latency``)
    of silence, so the end of a fade reaches the speakers, then the feed's end. An error is
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
        self._most = max(self.ahead, math.ceil(MAX_AHEAD_S * sr / block_size))
        self._block_s = block_size / sr
        stats.lead_s = self.ahead * self._block_s
        self.stopping = False
        self.error: BaseException | None = None
        self._pad = math.ceil(max(PAD_S, 2 * latency) * sr)
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

    def stop(self, seconds: float) -> None:
        """Fade out over ``seconds`` and end (at once if a pause has already silenced it)."""
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
            gain = mixer.gain
            fading = gain.target == 0
            if fading and mixer.frame >= gain.end:
                if self.stopping:
                    return  # already silent: no fade needed
                self.feed.idle = True
                primed = False
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            n = self.block_size if left is None else min(self.block_size, left)
            if fading:
                n = min(n, gain.end - mixer.frame)  # a fade to silence ends on a block's end
            cpu = time.thread_time()
            start = mixer.frame
            block = mixer.render(n)
            self.stats.render_cpu_s += time.thread_time() - cpu
            self._wait_for_room()
            queued = len(self.feed)
            if primed and queued <= self.ahead // 2 and self.ahead < self._most:
                self.ahead = min(self._most, 2 * self.ahead)
                self.stats.lead_s = self.ahead * self._block_s
                primed = False  # judged again once the longer queue is full
            self.feed.put(start, block)
            self.feed.idle = False
            primed = primed or (self.feed.started and queued + 1 >= self.ahead)

    def _pad_and_end(self) -> None:
        for i in range(0, self._pad, self.block_size):
            self._wait_for_room()
            self.feed.put(None, np.zeros((min(self.block_size, self._pad - i), 2), np.float32))
        self._wait_for_room()
        self.feed.end()

    def _wait_for_room(self) -> None:
        while len(self.feed) >= self.ahead and not self._closing:
            time.sleep(self._poll)
