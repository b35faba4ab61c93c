"""The terminal face of a :class:`~sensory.live.player.Player`: control keys in, one status line out.

At a terminal the keys are read in cbreak mode (no echo, no line buffering,
Ctrl-C still a signal) and the terminal is restored on exit. Without a
terminal there are no keys and the status becomes plain progress lines.
"""

from __future__ import annotations

import importlib.util
import os
import select
import shutil
import sys
import time

from ..core.timeparse import format_time
from ..errors import RecipeError

__all__ = ["Console", "RawKeys", "KEY_HELP"]

VOLUME_STEP_DB = 2.0
LAYER_STEP_DB = 3.0
REDRAW_S = 0.25        # live status line refresh
PROGRESS_S = 60.0      # plain progress line interval without a terminal
KEY_HELP = "space pause · ↑/↓ volume · 1-9 ←/→ pick · +/- level · m mute · s save · q quit"
_HAS_TERMIOS = importlib.util.find_spec("termios") is not None  # POSIX terminals only
_ARROWS = {"\x1b[A": "up", "\x1b[B": "down", "\x1b[C": "right", "\x1b[D": "left",
           "\x1bOA": "up", "\x1bOB": "down", "\x1bOC": "right", "\x1bOD": "left"}
MIN_WIDTH = 40  # the status line fits any terminal this wide or wider


class RawKeys:
    """Key presses from the terminal on ``fd``; arrows come as ``"up"``, ``"down"``, ``"left"``, ``"right"``."""

    def __init__(self, fd: int):
        self.fd = fd
        self._saved = None

    def __enter__(self) -> RawKeys:
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc) -> None:
        import termios

        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self) -> list[str]:
        """The keys pressed since the last call (never blocks)."""
        data = b""
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 64)
            if not chunk:
                break
            data += chunk
        return parse_keys(data.decode("utf-8", "replace"))


def parse_keys(text: str) -> list[str]:
    """Split terminal input into keys: arrow escape sequences become ``"up"``, ``"down"``...."""
    keys, i = [], 0
    while i < len(text):
        seq = text[i:i + 3]
        if seq in _ARROWS:
            keys.append(_ARROWS[seq])
            i += 3
        elif text[i] == "\x1b":  # another escape sequence: skip it whole
            i += 3 if text[i + 1:i + 2] in ("[", "O") else 1
        else:
            keys.append(text[i])
            i += 1
    return keys


class Console:
    """Drives a player from the terminal and shows its status.

    ``status``: print the status (a live line at a terminal, progress lines
    otherwise); ``keys``: read control keys (``None``: when ``status`` and both
    stdin and the status stream are terminals). Call :meth:`update` about every
    :attr:`interval` seconds while playing.
    """

    interval = 0.1

    def __init__(self, player, *, status: bool, keys: bool | None = None, stream=None):
        self.player = player
        self.stream = stream or sys.stderr
        self.status = status
        self.live = status and _isatty(self.stream)
        if keys is None:
            keys = self.live and _isatty(sys.stdin)
        self.keys = RawKeys(sys.stdin.fileno()) if keys and _HAS_TERMIOS else None
        self.selected = 0
        self._drawn = 0.0
        self._progress = time.monotonic()
        self._phase = None

    def __enter__(self) -> Console:
        p = self.player
        if self.status:
            length = "until stopped" if p.end == float("inf") else format_time(p.end)
            self._say(f"playing {p.recipe.title} ({length}) on {p.output.name!r} at {p.sample_rate} Hz")
        if self.keys is not None:
            self.keys.__enter__()
            picks = "  ".join(f"{i + 1} {name}" for i, (_, _, name) in enumerate(self.items()[:9]))
            self._say(f"groups and layers: {picks}\nkeys: {KEY_HELP}")
        return self

    def __exit__(self, *exc) -> None:
        if self.keys is not None:
            self.keys.__exit__(*exc)
        if self.live and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = 0.0

    def update(self) -> None:
        """Apply pressed keys and refresh the status (under the player's lock: the web mixer may
        add or take out a group meanwhile, which moves the indices the keys pick)."""
        if self.keys is not None:
            keys = self.keys.read()
            with self.player.lock:
                for key in keys:
                    self.press(key)
        if not self.status:
            return
        now = time.monotonic()
        if self.live and now - self._drawn >= REDRAW_S:
            width = max(MIN_WIDTH, shutil.get_terminal_size().columns) - 1
            with self.player.lock:
                line = self.line(width)
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self._drawn = now
        elif not self.live:
            phase = self.player.recipe.phase_at(self.player.position)
            if phase is not None and phase is not self._phase:
                self._phase = phase
                self._say(f"{format_time(self.player.position)}  {phase.name}: {phase.description}".rstrip(": "))
            if now - self._progress >= PROGRESS_S:
                self._progress = now
                self._say(self.clock())

    def items(self) -> list[tuple[str, int, str]]:
        """What the keys pick from: ``("group", i, name)`` for each group, then
        ``("layer", i, name)`` for each layer."""
        p = self.player
        return ([("group", i, name) for i, name in enumerate(p.group_names)]
                + [("layer", i, name) for i, name in enumerate(p.layer_names)])

    def _picked(self) -> tuple[str, int, str] | None:
        items = self.items()
        if not items:
            return None
        self.selected = min(self.selected, len(items) - 1)
        return items[self.selected]

    def _level(self, what: str, i: int) -> tuple[float, bool]:
        p = self.player
        return (p.group_db[i], p.group_muted[i]) if what == "group" else (p.layer_db[i], p.layer_muted[i])

    def press(self, key: str) -> None:
        """One key: space, up, down, 1-9, left, right, +, -, m, s, q."""
        p = self.player
        picked = self._picked()
        count = len(self.items())
        if key == " ":
            p.pause(not p.paused)
        elif key in ("up", "down"):
            p.set_volume(p.volume_db + (VOLUME_STEP_DB if key == "up" else -VOLUME_STEP_DB))
        elif key.isdigit() and 1 <= int(key) <= count:
            self.selected = int(key) - 1
        elif key in ("left", "right") and count:
            self.selected = (self.selected + (1 if key == "right" else -1)) % count
        elif key in ("+", "=", "-", "_", "m") and picked is not None:
            what, i, _ = picked
            control = p.set_group if what == "group" else p.set_layer
            db, muted = self._level(what, i)
            if key == "m":
                control(i, muted=not muted)
            else:
                control(i, db=db + (LAYER_STEP_DB if key in ("+", "=") else -LAYER_STEP_DB), muted=False)
        elif key in ("s", "S"):
            try:
                name, path = p.save_mix()
            except RecipeError as e:
                self._say(f"not saved: {e}")
            else:
                self._say(f"saved the mix as {name} ({path}); play it with: sensory play {name}")
        elif key in ("q", "Q"):
            p.stop()

    def clock(self, *, short: bool = False) -> str:
        """``elapsed / total (left)``, ``short``: ``elapsed (left)`` (or ``elapsed`` for an endless soundscape)."""
        p = self.player
        if p.end == float("inf"):
            return format_time(p.position)
        left = f"({format_time(p.end - p.position)} left)"
        return f"{format_time(p.position)} {left}" if short else f"{format_time(p.position)} / {format_time(p.end)} {left}"

    def line(self, width: int = 1000) -> str:
        """The status line in at most ``width`` (at least :data:`MIN_WIDTH` - 1) characters: time
        and what is left, volume and state first, then the picked group or layer if it fits
        whole, then the preset and its phase, cut to fit."""
        p = self.player
        volume = f"vol {p.volume_db:+.0f} dB"
        line = f"{self.clock()} · {volume}"
        if len(line) > width:
            line = f"{self.clock(short=True)} · {volume}"
        state = " · fading out" if p.stopping else " · paused" if p.paused else ""
        if len(line) + len(state) <= width:
            line += state
        picked = self._picked()
        if picked is not None:
            what, i, name = picked
            db, muted = self._level(what, i)
            pick = f" · [{self.selected + 1} {name} {'muted' if muted else f'{db:+.0f} dB'}]"
            if len(line) + len(pick) <= width:
                line += pick
        phase = p.recipe.phase_at(p.position)
        text = p.recipe.name if phase is None else (
            f"{p.recipe.name} · {phase.name}: {phase.description}" if phase.description
            else f"{p.recipe.name} · {phase.name}")
        room = width - len(line) - 3
        if room >= 2:
            line += " · " + (text if len(text) <= room else text[:room - 1] + "…")
        return line[:width]

    def finish(self) -> None:
        """The closing summary: how much was played and whether the output kept up."""
        if not self.status:
            return
        s = self.player.stats
        runs = "no underruns" if s.underruns == 0 else (
            f"{s.underruns} underruns (the audio ran dry; try a larger --latency or --block-size)")
        self._say(f"played {format_time(s.played_s)} of {self.player.recipe.name}; {runs}")

    def _say(self, text: str) -> None:
        if self.live and self._drawn:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()
        self._drawn = 0.0


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
