"""The output side of live play: rendered blocks queued as bytes, and the stream callback that
copies them into PortAudio's buffer.

The queue is a ``collections.deque`` of bytes and the stream a ``RawOutputStream``: the
callback pops (atomic, no lock) and memcpy's into PortAudio's buffer without releasing the
GIL. Measured through a PulseAudio null sink, a numpy slice assignment in the callback
sometimes gave up the GIL to the producer and took 0.5 ms (2.4 % of a 1024-frame block)
instead of 0.02 ms (bench/live_soak.py).
"""

from __future__ import annotations

import collections
import time

import numpy as np

__all__ = ["Feed", "FRAME_BYTES"]

FRAME_BYTES = 8  # float32 stereo
_END = None  # queue item after the last block


class Feed:
    """Blocks on their way to the stream, and :meth:`callback`, the stream's callback.

    The producer calls :meth:`put`, :meth:`take_back` and :meth:`end` (and sets :attr:`idle`
    while it holds a paused stream, so an empty queue then is no underrun); PortAudio's thread calls
    :meth:`callback`, which raises ``stop`` (sounddevice's ``CallbackStop``) after the end.
    ``stats`` (a :class:`~sensory.live.player.PlayStats`) gets the underruns, the callback's
    worst time (wall clock, which includes the waits the machine imposes on its thread) and its
    worst work (its thread's CPU time). :attr:`heard` is the content frame last copied out;
    :attr:`started` tells that the stream has called back at least once.
    """

    def __init__(self, block_size: int, sample_rate: int, stats, stop: type[BaseException]):
        self.sample_rate = sample_rate
        self.stats = stats
        self.stop = stop
        self.idle = False
        self.heard = 0
        self.ended = False
        self.started = False
        self.last_call = 0.0
        self._queue: collections.deque = collections.deque()
        self._chunk: memoryview | None = None
        self._chunk_start: int | None = 0
        self._offset = 0
        self._silence = memoryview(bytes(FRAME_BYTES * block_size))

    def __len__(self) -> int:
        """Items queued (blocks and the end)."""
        return len(self._queue)

    def put(self, start: int | None, block: np.ndarray) -> None:
        """Queue ``block`` (float32 (n, 2)), content frames from ``start`` on (``None``: padding)."""
        self._queue.append((start, memoryview(block.astype(np.float32, copy=False).tobytes())))

    def take_back(self, keep: int) -> list[tuple[int, np.ndarray]]:
        """Unqueue the content blocks after the first ``keep`` items, oldest first, as
        (start, float32 (n, 2)): the callback plays on from the ``keep`` it still has. Padding
        and the end stay queued, with whatever precedes them."""
        taken = []
        while len(self._queue) > keep:
            item = self._queue.pop()
            if item is _END or item[0] is None:
                self._queue.append(item)
                break
            taken.append(item)
        return [(start, np.frombuffer(data, np.float32).reshape(-1, 2)) for start, data in reversed(taken)]

    def end(self) -> None:
        """Queue the end: the callback stops the stream when it gets there."""
        self._queue.append(_END)

    def callback(self, outdata, frames: int, time_info, status) -> None:
        """Fill PortAudio's buffer (``frames`` float32 stereo frames, as bytes) from the queue."""
        t0 = time.perf_counter()
        cpu = time.thread_time()
        self.started = True
        self.last_call = time.monotonic()
        if status.output_underflow:
            self.stats.output_underflows += 1
        size = frames * FRAME_BYTES
        filled = 0
        try:
            while filled < size:
                if self._chunk is None:
                    try:
                        item = self._queue.popleft()
                    except IndexError:
                        self._fill_silence(outdata, filled, size)
                        if not self.idle:
                            self.stats.starved_callbacks += 1
                        return
                    if item is _END:
                        self._fill_silence(outdata, filled, size)
                        self.ended = True
                        raise self.stop
                    self._chunk_start, self._chunk = item
                    self._offset = 0
                n = min(size - filled, len(self._chunk) - self._offset)
                outdata[filled:filled + n] = self._chunk[self._offset:self._offset + n]
                filled += n
                self._offset += n
                if self._chunk_start is not None:
                    self.heard = self._chunk_start + self._offset // FRAME_BYTES
                if self._offset == len(self._chunk):
                    self._chunk = None
        finally:
            block_s = frames / self.sample_rate
            used = (time.perf_counter() - t0) / block_s
            if used > self.stats.callback_worst:
                self.stats.callback_worst = used
            work = (time.thread_time() - cpu) / block_s
            if work > self.stats.callback_work_worst:
                self.stats.callback_work_worst = work

    def _fill_silence(self, outdata, start: int, end: int) -> None:
        if len(self._silence) < end - start:
            self._silence = memoryview(bytes(end - start))
        outdata[start:end] = self._silence[:end - start]
