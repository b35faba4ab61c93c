"""Live playback: the engine's block path played through a sounddevice callback.

::

    producer thread   Mixer.render(block) -> live gains -> bounded queue  (renders ahead)
    audio callback    queue -> output buffer                               (copies only)

The queue is a ``collections.deque`` of bytes and the stream a
``RawOutputStream``: the callback pops (atomic, no lock) and memcpy's into
PortAudio's buffer without releasing the GIL. Measured through a PulseAudio
null sink, a numpy slice assignment in the callback sometimes gave up the GIL
to the producer and took 0.5 ms (2.4 % of a 1024-frame block) instead of
0.02 ms (bench/live_soak.py).

A :class:`Player` owns the mixer, the queue and the stream. Its controls
(pause, volume, layer levels, stop) are requests that the producer applies
between blocks, so only the producer ever touches the mixer. Pausing stops
the mixer itself: after resuming, the same stream continues from where the
pause's fade ended. The terminal face (keys, status line) is
:mod:`sensory.live.console`; :func:`play` puts the two together.
"""

from __future__ import annotations

import collections
import math
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..core.levels import db_to_gain
from ..engine import stream
from ..engine.context import rendering
from ..errors import RecipeError, RenderError
from ..recipe.model import Recipe
from . import devices

__all__ = ["Player", "PlayStats", "Glide", "play"]

BLOCK_SIZE = 1024       # frames per callback and per render call
LATENCY_S = 0.2         # PortAudio's suggested output latency: generous, for a loaded machine at night
AHEAD_S = 0.4           # audio rendered ahead of the callback
PAD_S = 0.5             # silence queued after the end: stopping drops about one latency of audio
STOP_FADE_S = 2.0       # fade on Ctrl-C, SIGTERM and q
PAUSE_FADE_S = 0.25     # fade on pause and resume
GLIDE_S = 0.1           # time a live gain takes to travel from 0 to 1 (volume, layer levels)
SUB_BLOCK = 64          # frames per mixer call while a layer level glides
STALL_S = 2.0           # no callback for this long while playing: the device is gone
VOLUME_RANGE_DB = (-60.0, 0.0)
LAYER_RANGE_DB = (-60.0, 12.0)


class Glide:
    """A live gain that moves in a straight line to its target at ``rate`` per frame."""

    def __init__(self, value: float, rate: float):
        self.value = float(value)
        self.target = float(value)
        self.rate = float(rate)

    @property
    def moving(self) -> bool:
        return self.value != self.target

    def frames_left(self) -> int:
        """Frames until the target is reached (0 when it holds)."""
        return math.ceil(abs(self.target - self.value) / self.rate)

    def advance(self, n: int) -> float | np.ndarray:
        """Gains for the next ``n`` frames: a float while it holds, else an (n,) float32 ramp."""
        if not self.moving:
            return self.value
        step = math.copysign(self.rate, self.target - self.value)
        ramp = self.value + step * np.arange(1, n + 1)
        ramp = np.minimum(ramp, self.target) if step > 0 else np.maximum(ramp, self.target)
        self.value = float(ramp[-1])
        return ramp.astype(np.float32)


@dataclass
class PlayStats:
    """What a playback did. Times in seconds; ``callback_worst`` is a fraction of one block's duration."""

    played_s: float = 0.0
    wall_s: float = 0.0
    output_underflows: int = 0
    starved_callbacks: int = 0
    render_cpu_s: float = 0.0
    callback_worst: float = 0.0

    @property
    def underruns(self) -> int:
        """Output underflows reported by PortAudio plus callbacks that found the queue empty."""
        return self.output_underflows + self.starved_callbacks

    @property
    def render_load(self) -> float:
        """The producer thread's CPU time as a fraction of one core."""
        return self.render_cpu_s / self.wall_s if self.wall_s > 0 else 0.0


_END = None  # queue item after the last block
_FRAME_BYTES = 8  # float32 stereo


class Player:
    """Plays ``recipe`` on an output device; see :func:`play` for the options.

    Use as a context manager (or :meth:`start` / :meth:`close`); :meth:`wait`
    returns True once playback has ended and raises :class:`RenderError` if
    the device went away. Controls may be called from any thread.
    """

    def __init__(self, recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
                 sample_rate: int | None = None, device: str | int | None = None,
                 latency: float | None = None, block_size: int | None = None,
                 timer: float | None = None, fade: float = 60.0):
        self.recipe = recipe
        self.sd = devices.sounddevice()
        self.output = devices.resolve(device)
        self.block_size = BLOCK_SIZE if block_size is None else int(block_size)
        self.latency = LATENCY_S if latency is None else float(latency)
        if not 16 <= self.block_size <= 65536:
            raise RecipeError(f"block size {self.block_size}: use 16 to 65536 frames")
        if not 0 < self.latency <= 5:
            raise RecipeError(f"latency {self.latency:g} s: use more than 0 and at most 5 s")
        if fade < 0:
            raise RecipeError(f"fade {fade:g} s: give zero or more seconds")
        length, timed = self._length(recipe, seconds, timer)
        self.plan = self._plan(recipe, length, seed, sample_rate)
        self.sample_rate = sr = self.plan.sample_rate
        self.mixer = stream.build(recipe, seconds=self.plan.seconds, seed=self.plan.seed, sample_rate=sr)
        if timed:
            self.mixer.master.fade_out_s = min(fade, length)
        self.layer_names = [layer.name for layer in self.mixer.layers]
        self.stats = PlayStats()
        # requests from the controlling thread; the producer applies them between blocks
        self.paused = False
        self.volume_db = 0.0
        self.layer_db = [0.0] * len(self.layer_names)
        self.layer_muted = [False] * len(self.layer_names)
        self.stopping = False
        self._stop_fade: float | None = None
        self._wake = threading.Event()
        # producer state
        rate = 1.0 / (GLIDE_S * sr)
        self._volume = Glide(1.0, rate)
        self._levels = [Glide(1.0, rate) for _ in self.layer_names]
        self._pause = Glide(1.0, 1.0 / (PAUSE_FADE_S * sr))
        self._queue: collections.deque = collections.deque()
        self._ahead = max(2, math.ceil(AHEAD_S * sr / self.block_size))  # queue length in blocks
        self._poll = min(0.02, max(0.001, self.block_size / sr / 2))      # producer's wait when full
        self._idle = False
        self._error: BaseException | None = None
        self._closing = False
        # callback state
        self._chunk: memoryview | None = None
        self._silence = memoryview(bytes(_FRAME_BYTES * self.block_size))
        self._chunk_start: int | None = 0
        self._offset = 0
        self._heard = 0
        self._ended = False
        self._last_call = 0.0
        self._finished = threading.Event()
        self._producer = threading.Thread(target=self._produce, name="sensory-render", daemon=True)
        self.stream = None
        self._started_at = 0.0

    @staticmethod
    def _length(recipe: Recipe, seconds: float | None, timer: float | None) -> tuple[float, bool]:
        """Seconds to play (endless for a soundscape without ``seconds``) and whether ``timer`` cuts them."""
        if seconds is None:
            seconds = math.inf if recipe.type == "soundscape" else recipe.duration
        if timer is None:
            return seconds, False
        if not timer > 0:
            raise RecipeError(f"timer {timer:g} s: give a length above zero")
        return min(seconds, float(timer)), timer <= seconds

    def _plan(self, recipe, seconds, seed, sample_rate) -> stream.Plan:
        """The render plan at ``sample_rate``, else the device's rate, else the recipe's."""
        if sample_rate is None and self.output.sample_rate != recipe.session.sample_rate:
            try:
                return stream.plan(recipe, seconds=seconds, seed=seed, sample_rate=self.output.sample_rate)
            except RecipeError:
                pass  # too low for the recipe's frequencies: the device resamples the recipe's rate
        return stream.plan(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate)

    # -- controls (any thread) -------------------------------------------------------------

    def pause(self, paused: bool = True) -> None:
        """Fade out and hold the stream (``True``), or fade back in where it stopped (``False``)."""
        self.paused = bool(paused)
        self._wake.set()

    def set_volume(self, db: float) -> None:
        """Master volume in dB, clamped to -60..0 (0 = the recipe's level); glides, no clicks."""
        self.volume_db = float(np.clip(db, *VOLUME_RANGE_DB))

    def set_layer(self, index: int, db: float | None = None, muted: bool | None = None) -> None:
        """Layer ``index``'s live level in dB (clamped to -60..+12, before the limiter) or mute."""
        if db is not None:
            self.layer_db[index] = float(np.clip(db, *LAYER_RANGE_DB))
        if muted is not None:
            self.layer_muted[index] = bool(muted)

    def stop(self, fade: float = STOP_FADE_S) -> None:
        """Fade out over ``fade`` seconds, then end (silence is padded so the fade is heard)."""
        self.stopping = True
        self._stop_fade = max(float(fade), 1.0 / self.sample_rate)
        self._wake.set()

    def abort(self) -> None:
        """Stop at once, dropping what is queued."""
        self.stopping = True
        self._closing = True
        if self.stream is not None:
            try:
                self.stream.abort()
            except self.sd.PortAudioError:
                pass  # the device is already gone
        self._finished.set()

    # -- state for a status line ---------------------------------------------------------------

    @property
    def position(self) -> float:
        """Seconds of the recipe heard so far (pauses excluded)."""
        return self._heard / self.sample_rate

    @property
    def end(self) -> float:
        """Where playback will end, in recipe seconds (``inf`` for an endless soundscape)."""
        end = self.mixer.master.end_frame
        return math.inf if end is None else end / self.sample_rate

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Player:
        """Render ahead until the queue is full, then open and start the stream."""
        self._producer.start()
        deadline = time.monotonic() + 5.0
        while len(self._queue) < self._ahead and self._producer.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        self._raise_producer_error()
        try:
            self.stream = self.sd.RawOutputStream(
                samplerate=self.sample_rate, device=self.output.index, channels=2, dtype="float32",
                blocksize=self.block_size, latency=self.latency, callback=self._callback,
                finished_callback=self._finished.set)
            self._started_at = self._last_call = time.monotonic()
            self.stream.start()
        except self.sd.PortAudioError as e:
            self.close()
            raise RenderError(f"cannot open the audio output {self.output.name!r}: {e}\n"
                              + devices.EXPORT_HINT) from None
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` s; True once playback has ended. Raises if the output died."""
        done = self._finished.wait(timeout)
        self._raise_producer_error()
        if done:
            self._account()
            if not (self._ended or self._closing):
                raise RenderError("the audio output stopped: the device disappeared or the audio server quit")
        elif self.stream is not None and time.monotonic() - self._last_call > max(STALL_S, 4 * self.latency):
            raise RenderError("the audio output stopped responding: the device disappeared or the audio "
                              "server hung")
        return done

    def close(self) -> None:
        """Stop everything and release the device (safe to call twice)."""
        self._closing = True
        self._wake.set()
        if self.stream is not None:
            try:
                self.stream.abort()
                self.stream.close()
            except self.sd.PortAudioError:
                pass  # the device is already gone
        self._account()
        if self._producer.is_alive():
            self._producer.join(timeout=2.0)

    def __enter__(self) -> Player:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _account(self) -> None:
        self.stats.played_s = self.position
        if self._started_at:
            self.stats.wall_s = time.monotonic() - self._started_at

    def _raise_producer_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self.abort()
            raise error

    # -- producer thread -------------------------------------------------------------------------

    def _produce(self) -> None:
        try:
            with rendering():
                self._render_until_end()
            self._put_end()
        except BaseException as e:  # handed to the controlling thread by wait()
            self._error = e
            self._finished.set()

    def _render_until_end(self) -> None:
        mixer = self.mixer
        while not self._closing:
            self._apply_requests()
            end = mixer.master.end_frame
            left = None if end is None else end - mixer.frame
            if left is not None and left <= 0:
                return
            if self._pause.target == 0 and not self._pause.moving:
                if self.stopping:
                    return  # already silent: no fade needed
                self._idle = True
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            n = self.block_size if left is None else min(self.block_size, left)
            if self._pause.moving:
                n = min(n, self._pause.frames_left())  # a pause's fade ends on a block's end
            cpu = time.thread_time()
            start = mixer.frame
            block = self._render(n)
            gain = self._volume.advance(n) * self._pause.advance(n)
            if np.ndim(gain):
                block = block * gain[:, None]
            elif gain != 1:
                block = block * np.float32(gain)
            self.stats.render_cpu_s += time.thread_time() - cpu
            self._put((start, block))
            self._idle = False

    def _apply_requests(self) -> None:
        self._pause.target = 0.0 if self.paused else 1.0
        self._volume.target = float(db_to_gain(self.volume_db))
        for glide, db, muted in zip(self._levels, self.layer_db, self.layer_muted):
            glide.target = 0.0 if muted else float(db_to_gain(db))
        if self._stop_fade is not None:
            fade, self._stop_fade = self._stop_fade, None
            self.mixer.master.fade_out_now(fade)

    def _render(self, n: int) -> np.ndarray:
        """The mixer's next ``n`` frames; in short steps while a layer level glides."""
        moving = [(layer, glide) for layer, glide in zip(self.mixer.layers, self._levels) if glide.moving]
        if not moving:
            return self.mixer.render(n)
        parts = []
        for i in range(0, n, SUB_BLOCK):
            m = min(SUB_BLOCK, n - i)
            for layer, glide in moving:
                g = glide.advance(m)
                layer.level = float(g[-1]) if np.ndim(g) else g
            parts.append(self.mixer.render(m))
        return np.concatenate(parts)

    def _put(self, item: tuple[int | None, np.ndarray] | None) -> None:
        """Queue ``(start frame, float32 (n, 2) block)`` (start ``None`` for padding) or the end,
        waiting while the queue is full."""
        while len(self._queue) >= self._ahead and not self._closing:
            time.sleep(self._poll)
        if item is not _END:
            item = (item[0], memoryview(item[1].astype(np.float32, copy=False).tobytes()))
        self._queue.append(item)

    def _put_end(self) -> None:
        pad = math.ceil(max(PAD_S, 2 * self.latency) * self.sample_rate)
        for i in range(0, pad, self.block_size):
            self._put((None, np.zeros((min(self.block_size, pad - i), 2), np.float32)))
        self._put(_END)

    # -- audio callback (PortAudio's thread: copies only) --------------------------------------

    def _callback(self, outdata, frames: int, time_info, status) -> None:
        """Fill PortAudio's buffer (``frames`` float32 stereo frames, as bytes) from the queue."""
        t0 = time.perf_counter()
        self._last_call = time.monotonic()
        if status.output_underflow:
            self.stats.output_underflows += 1
        size = frames * _FRAME_BYTES
        filled = 0
        try:
            while filled < size:
                if self._chunk is None:
                    try:
                        item = self._queue.popleft()
                    except IndexError:
                        self._fill_silence(outdata, filled, size)
                        if not self._idle:
                            self.stats.starved_callbacks += 1
                        return
                    if item is _END:
                        self._fill_silence(outdata, filled, size)
                        self._ended = True
                        raise self.sd.CallbackStop
                    self._chunk_start, self._chunk = item
                    self._offset = 0
                n = min(size - filled, len(self._chunk) - self._offset)
                outdata[filled:filled + n] = self._chunk[self._offset:self._offset + n]
                filled += n
                self._offset += n
                if self._chunk_start is not None:
                    self._heard = self._chunk_start + self._offset // _FRAME_BYTES
                if self._offset == len(self._chunk):
                    self._chunk = None
        finally:
            used = (time.perf_counter() - t0) * self.sample_rate / frames
            if used > self.stats.callback_worst:
                self.stats.callback_worst = used

    def _fill_silence(self, outdata, start: int, end: int) -> None:
        if len(self._silence) < end - start:
            self._silence = memoryview(bytes(end - start))
        outdata[start:end] = self._silence[:end - start]


def play(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
         sample_rate: int | None = None, device: str | int | None = None, latency: float | None = None,
         block_size: int | None = None, timer: float | None = None, fade: float = 60.0,
         status: bool = False, keys: bool | None = None) -> PlayStats:
    """Play ``recipe`` on an audio output until it ends; returns the :class:`PlayStats`.

    - ``seconds``: how long (default: a session's timeline; a soundscape plays until stopped).
    - ``seed``: random seed (default: the recipe's).
    - ``sample_rate``: Hz (default: the device's rate, so the device need not resample).
    - ``device``: output index or part of its name (default: the system's default output).
    - ``latency``: PortAudio's output latency in seconds (default 0.2).
    - ``block_size``: frames per callback and render call (default 1024).
    - ``timer``: stop after this many seconds of playing, ending with a ``fade``-second fade.
    - ``status``: print a status line (a live one at a terminal, plain lines otherwise).
    - ``keys``: read control keys from the terminal (default: when ``status`` and a terminal).

    Ctrl-C and SIGTERM fade out over 2 s (a second one stops at once). Raises
    :class:`RenderError` if PortAudio or an output device is missing, or the
    device goes away while playing.
    """
    from .console import Console

    player = Player(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate, device=device,
                    latency=latency, block_size=block_size, timer=timer, fade=fade)
    console = Console(player, status=status, keys=keys)
    with _stop_on_signals(player), console, player:
        while not player.wait(console.interval):
            console.update()
    console.finish()
    return player.stats


class _stop_on_signals:
    """While playing, SIGINT and SIGTERM fade out; a second one stops at once (main thread only)."""

    def __init__(self, player: Player):
        self.player = player
        self.previous: dict = {}

    def _handle(self, signum, frame) -> None:
        if self.player.stopping:
            self.player.abort()
        else:
            self.player.stop(STOP_FADE_S)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
