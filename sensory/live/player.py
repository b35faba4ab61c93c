"""Live playback: the engine's block path played through a sounddevice callback.

::

    producer thread   Mixer.render(block) -> bounded queue            (renders ahead)
    audio callback    queue -> output buffer                          (copies only)

A :class:`Player` opens the output and ties the two together: the producer
(:mod:`sensory.live.producer`) renders the mixer ahead into the feed
(:mod:`sensory.live.feed`), whose callback PortAudio calls. Its controls (pause, volume,
layer levels, stop) become calls on the mixer's one control surface
(:meth:`~sensory.engine.mix.Mixer.set_gain`, :meth:`~sensory.engine.mix.Mixer.fade_out`),
made by the producer between blocks. A pause is heard at once, not after the render-ahead:
the producer fades out the audio already queued and holds the rest; after resuming, the
same stream continues from where the pause's fade ended. The terminal face (keys, status
line) is :mod:`sensory.live.console`; :func:`play` puts the two together.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass

import numpy as np

from ..core.levels import db_to_gain
from ..engine import stream
from ..engine.layers import layers
from ..errors import RecipeError, RenderError
from ..recipe.library import mix
from ..recipe.model import Recipe, check_sample_rate
from . import devices, saving
from .feed import Feed
from .producer import Producer
from .signals import StopOnSignals

__all__ = ["Player", "PlayStats", "play"]

BLOCK_SIZE = 1024       # frames per callback and per render call
LATENCY_S = 0.2         # PortAudio's suggested output latency: generous, for a loaded machine at night
STOP_FADE_S = 2.0       # fade on Ctrl-C, SIGTERM and q
PAUSE_FADE_S = 0.25     # fade on pause and resume
GLIDE_S = 0.1           # ramp of a volume or layer level change
STALL_S = 2.0           # no callback for this long while playing: the device is gone
ADD_FADE_S = 2.0        # a preset brought in fades in over this, and out over it when taken out
VOLUME_RANGE_DB = (-60.0, 12.0)   # above 0 dB the gain goes before the limiter, which holds the ceiling
LAYER_RANGE_DB = (-60.0, 12.0)


@dataclass
class PlayStats:
    """What a playback did. Times in seconds; ``callback_worst`` (wall clock) and
    ``callback_work_worst`` (the callback thread's CPU time) are fractions of one block's
    duration; ``lead_s`` is the largest render-ahead the producer reached."""

    played_s: float = 0.0
    wall_s: float = 0.0
    output_underflows: int = 0
    starved_callbacks: int = 0
    render_cpu_s: float = 0.0
    callback_worst: float = 0.0
    callback_work_worst: float = 0.0
    lead_s: float = 0.0

    @property
    def underruns(self) -> int:
        """Output underflows reported by PortAudio plus callbacks that found the queue empty."""
        return self.output_underflows + self.starved_callbacks

    @property
    def render_load(self) -> float:
        """The producer thread's CPU time as a fraction of one core."""
        return self.render_cpu_s / self.wall_s if self.wall_s > 0 else 0.0


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
        self.sample_rate = self.plan.sample_rate
        # only the producer touches the mixer once it runs
        self.mixer = stream.build(recipe, seconds=self.plan.seconds, seed=self.plan.seed,
                                  sample_rate=self.sample_rate)
        self.stats = PlayStats()
        # what the controls asked for, as the status line shows it: changed under ``lock``, which a
        # reader in another thread holds to see the lists below consistent (a group may come or go)
        self.lock = threading.RLock()
        self.paused = False
        self.volume_db = 0.0
        self.layer_names = [layer.name for layer in self.mixer.layers]
        self.layer_db = [0.0] * len(self.layer_names)
        self.layer_muted = [False] * len(self.layer_names)
        self.group_names = [g.name for g in self.mixer.groups if "/" not in g.name]
        self.group_presets = [g.preset for g in self.mixer.groups if "/" not in g.name]
        self.group_db = [0.0] * len(self.group_names)
        self.group_muted = [False] * len(self.group_names)
        self._group_gains = {g.name: g.gain_db for g in recipe.groups}  # their own, for saving
        self.stopping = False
        self._closing = False
        self._finished = threading.Event()
        self._feed = Feed(self.block_size, self.sample_rate, self.stats, self.sd.CallbackStop)
        self._producer = Producer(self.mixer, self._feed, block_size=self.block_size, latency=self.latency,
                                  stats=self.stats, failed=self._finished)
        if timed:  # the timer's fade ends where the plan ends
            timer_fade, end = min(fade, length), self.plan.frames
            self._producer.ask(lambda mixer: mixer.fade_out(timer_fade, end=end))
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
        with self.lock:
            self.paused = bool(paused)
            self._producer.pause(self.paused, PAUSE_FADE_S)

    def set_volume(self, db: float) -> None:
        """Master volume in dB, clamped to -60..+12 (0 = the recipe's level; above it the gain goes
        before the limiter, which still holds the ceiling); ramps, no clicks."""
        with self.lock:
            self.volume_db = float(np.clip(db, *VOLUME_RANGE_DB))
            gain = float(db_to_gain(self.volume_db))
            self._producer.ask(lambda mixer: mixer.set_gain(gain, seconds=GLIDE_S))

    def set_layer(self, index: int, db: float | None = None, muted: bool | None = None) -> None:
        """Layer ``index``'s live level in dB (clamped to -60..+12, before the limiter) or mute."""
        self._set_level("layer", index, db, muted)

    def set_group(self, index: int, db: float | None = None, muted: bool | None = None) -> None:
        """Group ``index``'s live level in dB (clamped to -60..+12, before the limiter) or mute:
        on all its layers together, over their own levels."""
        self._set_level("group", index, db, muted)

    def _set_level(self, what: str, index: int, db: float | None, muted: bool | None) -> None:
        """Set and ramp the level of ``what`` ("layer" or "group") ``index``; see :meth:`set_layer`."""
        with self.lock:
            names, levels, mutes = ((self.layer_names, self.layer_db, self.layer_muted) if what == "layer"
                                    else (self.group_names, self.group_db, self.group_muted))
            if db is not None:
                levels[index] = float(np.clip(db, *LAYER_RANGE_DB))
            if muted is not None:
                mutes[index] = bool(muted)
            gain = 0.0 if mutes[index] else float(db_to_gain(levels[index]))
            name = names[index]
            self._producer.ask(lambda mixer: mixer.set_gain(gain, seconds=GLIDE_S, **{what: name}))

    def add_group(self, preset: str, *, gain_db: float = 0.0) -> int:
        """Bring preset ``preset`` into the mix while playing, as a group named after it at its
        own level plus ``gain_db``; it fades in over 2 s, its own time starting now. Returns its
        index; :class:`RecipeError` if it is playing already or cannot be loaded."""
        self._check_new(preset)
        part = mix([preset], gains={preset: gain_db})  # built unlocked: the other controls go on meanwhile
        check_sample_rate(part, self.sample_rate)
        new = layers(part.layers, self.plan.seed, self.sample_rate)
        space_s = self.recipe.session.space
        with self.lock:
            self._check_new(preset)  # another thread may have added it while these were built
            self._producer.ask(lambda mixer: mixer.add_group(part.groups, new, seconds=ADD_FADE_S, space_s=space_s))
            self.layer_names += [layer.name for layer in new]
            self.layer_db += [0.0] * len(new)
            self.layer_muted += [False] * len(new)
            self.group_names.append(preset)
            self.group_presets.append(preset)
            self.group_db.append(0.0)
            self.group_muted.append(False)
            self._group_gains[preset] = part.groups[0].gain_db
            return len(self.group_names) - 1

    def _check_new(self, preset: str) -> None:
        with self.lock:
            if preset in self.group_names or preset == self.recipe.name:
                raise RecipeError(f"{preset!r} is already in the mix; change its level instead")

    def remove_group(self, index: int) -> None:
        """Fade group ``index`` out over 2 s and take it out of the mix."""
        with self.lock:
            name = self.group_names[index]
            keep = [i for i, layer in enumerate(self.layer_names) if not layer.startswith(name + "/")]
            for values in (self.layer_names, self.layer_db, self.layer_muted):
                values[:] = [values[i] for i in keep]
            for values in (self.group_names, self.group_presets, self.group_db, self.group_muted):
                del values[index]
            self._producer.ask(lambda mixer: mixer.remove_group(name, seconds=ADD_FADE_S))

    def mix_state(self) -> dict:
        """A snapshot of the mix, JSON-ready: the recipe's ``name`` and ``title``, ``position``
        and ``end`` (s, ``None`` when endless), ``paused``, ``stopping``, ``volume_db``, the
        current ``phase`` (``name``, ``description``) or ``None``, ``groups`` (``name``,
        ``preset``, ``db``, ``muted``, ``layers``: indices) and ``layers`` (``name``, ``db``,
        ``muted``, ``group``: an index or ``None``), in the order the controls index them."""
        with self.lock:
            position = self.position
            phase = self.recipe.phase_at(position)
            top = {name: i for i, name in enumerate(self.group_names)}
            of = [top.get(name.split("/", 1)[0]) if "/" in name else None for name in self.layer_names]
            return {
                "name": self.recipe.name, "title": self.recipe.title,
                "position": position, "end": None if math.isinf(self.end) else self.end,
                "paused": self.paused, "stopping": self.stopping, "volume_db": self.volume_db,
                "phase": None if phase is None else {"name": phase.name, "description": phase.description},
                "groups": [{"name": name, "preset": self.group_presets[i], "db": self.group_db[i],
                            "muted": self.group_muted[i], "layers": [k for k, g in enumerate(of) if g == i]}
                           for i, name in enumerate(self.group_names)],
                "layers": [{"name": name, "db": self.layer_db[i], "muted": self.layer_muted[i], "group": of[i]}
                           for i, name in enumerate(self.layer_names)],
            }

    def save_mix(self, name: str | None = None) -> tuple[str, str]:
        """Save the mix as it now is (groups, layer levels, mutes, master volume) as a recipe in
        the user preset folder, as ``name`` or a new name; returns (name, path). See
        :mod:`sensory.live.saving`."""
        return saving.save(self.recipe, self.mix_state(), seed=self.plan.seed, gains=self._group_gains, name=name)

    def stop(self, fade: float = STOP_FADE_S) -> None:
        """Fade out over ``fade`` seconds, then end (silence is padded so the fade is heard)."""
        self.stopping = True
        self._producer.stop(float(fade))

    def abort(self) -> None:
        """Stop at once, dropping what is queued."""
        self.stopping = True
        self._closing = True
        self._producer.cancel()
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
        return self._feed.heard / self.sample_rate

    @property
    def end(self) -> float:
        """Where playback will end, in recipe seconds (``inf`` for an endless soundscape)."""
        end = self.mixer.end_frame
        return math.inf if end is None else end / self.sample_rate

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Player:
        """Render ahead until the queue is full, then open and start the stream."""
        self._producer.start()
        deadline = time.monotonic() + 5.0
        while not self._producer.ready and time.monotonic() < deadline:
            time.sleep(0.005)
        self._raise_producer_error()
        try:
            self.stream = self.sd.RawOutputStream(
                samplerate=self.sample_rate, device=self.output.index, channels=2, dtype="float32",
                blocksize=self.block_size, latency=self.latency, callback=self._feed.callback,
                finished_callback=self._finished.set)
            self._started_at = self._feed.last_call = time.monotonic()
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
            if not (self._feed.ended or self._closing):
                raise RenderError("the audio output stopped: the device disappeared or the audio server quit")
        elif self.stream is not None and time.monotonic() - self._feed.last_call > max(STALL_S, 4 * self.latency):
            raise RenderError("the audio output stopped responding: the device disappeared or the audio "
                              "server hung")
        return done

    def close(self) -> None:
        """Stop everything and release the device (safe to call twice)."""
        self._closing = True
        self._producer.cancel()
        if self.stream is not None:
            try:
                self.stream.abort()
                self.stream.close()
            except self.sd.PortAudioError:
                pass  # the device is already gone
        self._account()
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
        error = self._producer.error
        if error is not None:
            self._producer.error = None
            self.abort()
            raise error


def play(recipe: Recipe, *, seconds: float | None = None, seed: int | None = None,
         sample_rate: int | None = None, device: str | int | None = None, latency: float | None = None,
         block_size: int | None = None, timer: float | None = None, fade: float = 60.0,
         status: bool = False, keys: bool | None = None, handle_signals: bool = False,
         remotes: Sequence[Callable[[Player], AbstractContextManager]] = ()) -> PlayStats:
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
    - ``handle_signals``: while playing (in the main thread), SIGINT and SIGTERM fade out
      over 2 s and a second one stops at once; the handlers before are put back at the end.
      Without it the process's handlers are left alone (Ctrl-C raises ``KeyboardInterrupt``
      and stops the output at once).
    - ``remotes``: other ways in to the controls, each ``remote(player)`` a context manager
      entered before the sound starts and left after it ends (:class:`~sensory.live.mpris.MediaKeys`,
      the web mixer's server).

    Raises :class:`RenderError` if PortAudio or an output device is missing, or the device
    goes away while playing.
    """
    from .console import Console

    player = Player(recipe, seconds=seconds, seed=seed, sample_rate=sample_rate, device=device,
                    latency=latency, block_size=block_size, timer=timer, fade=fade)
    console = Console(player, status=status, keys=keys)
    with ExitStack() as stack:  # the remotes are ready before the sound starts
        for context in (StopOnSignals(player, handle_signals, fade=STOP_FADE_S), console,
                        *(remote(player) for remote in remotes), player):
            stack.enter_context(context)
        while not player.wait(console.interval):
            console.update()
    console.finish()
    return player.stats
