"""The web mixer's side of a :class:`~sensory.live.player.Player`: checked commands in, the
player's state out.

Level and mute changes are held as the latest wanted value per control and handed to the
player at most once per :meth:`Remote.apply` (the server calls it every 50 ms), so a page
dragging a slider, or a flood of messages, costs the player one ramp per control and tick.
Adding a preset builds its layers, so it runs off the server's thread, one at a time.
The sleep timer is kept here too: when the player renders its time minus its fade, the
player is stopped with that fade, so it can be set, moved and cancelled until then (a fade of
at least the pause's 0.25 s: a timer asked with no fade, or already past, still ends without a
click). It counts playing time, as ``play --timer`` does.
"""

from __future__ import annotations

import math
import threading

from ..errors import RecipeError, RenderError
from ..live.player import LAYER_RANGE_DB, PAUSE_FADE_S, VOLUME_RANGE_DB
from ..recipe.presets import presets
from .messages import Command

__all__ = ["SLEEP_FADE_S", "Remote"]

SLEEP_FADE_S = 60.0  # a sleep timer's fade when the page gives none


class Remote:
    """Commands for ``player`` from one thread (the server's), besides :meth:`add`.

    :meth:`submit` takes a :class:`~sensory.web.messages.Command` and raises
    :class:`RecipeError` when it names what is not there; :meth:`apply` passes on the levels
    submitted since; :meth:`state` is the snapshot the page shows, a JSON-ready dict.
    """

    def __init__(self, player):
        self.player = player
        self.sleep_at: float | None = None   # recipe seconds (playing time) where the sleep fade ends
        self.sleep_fade = SLEEP_FADE_S
        self._wanted: dict[tuple, object] = {}
        self._adding = threading.Lock()
        self._presets = [entry.name for entry in presets()]

    def submit(self, command: Command) -> dict | None:
        """Take ``command``: levels and mutes wait for :meth:`apply`, the rest is done now, except
        ``add``, which the caller runs with :meth:`add`. Returns what to tell the sender, if anything."""
        p, args, action = self.player, command.args, command.action
        if action == "volume":
            self._wanted[("volume",)] = args["db"]
        elif action in ("layer", "group"):
            count = len(p.layer_names if action == "layer" else p.group_names)
            self._check_index(action, args["index"], count)
            for name in ("db", "muted"):
                if args[name] is not None:
                    self._wanted[(action, args["index"], name)] = args[name]
        elif action == "pause":
            self._wanted[("paused",)] = args["paused"]
        elif action == "sleep":
            self._sleep(args["minutes"], args["fade"])
        elif action == "remove":
            self._check_index("remove", args["index"], len(p.group_names))
            self.apply()  # the indices after it move: what was asked goes to the layers it was meant for
            p.remove_group(args["index"])
        elif action == "save":
            try:
                name, path = p.save_mix(args["name"])
            except OSError as e:  # the world outside: a full disk, a read-only folder
                where = f"{e.filename}: " if e.filename else ""
                raise RenderError(f"cannot save the mix: {where}{e.strerror or e}") from None
            self._presets = [entry.name for entry in presets()]  # the saved mix may be added too
            return {"type": "saved", "name": name, "path": path}
        elif action == "stop" and not p.stopping:
            self.apply()  # what was asked before it goes first (a pause makes the stop quick)
            p.stop()
        return None

    def add(self, preset: str) -> dict:
        """Bring ``preset`` into the mix (slow: it builds the preset's layers); one at a time."""
        if not self._adding.acquire(blocking=False):
            raise RecipeError("add: a preset is being added; try again when it plays")
        try:
            self.player.add_group(preset)
        finally:
            self._adding.release()
        return {"type": "added", "preset": preset}

    @staticmethod
    def _check_index(action: str, index: int, count: int) -> None:
        if index >= count:
            what = "layers" if action == "layer" else "groups"
            raise RecipeError(f"{action}.index {index}: there are {count} {what}"
                              + (f" (0 to {count - 1})" if count else ""))

    def _sleep(self, minutes: float | None, fade: float | None) -> None:
        if minutes is None:
            self.sleep_at = None
            return
        self.sleep_at = self.player.position + 60.0 * minutes
        self.sleep_fade = SLEEP_FADE_S if fade is None else fade

    def apply(self) -> None:
        """Hand the wanted levels to the player, and start the sleep timer's fade when due."""
        p, wanted = self.player, self._wanted
        self._wanted = {}
        for key, value in wanted.items():
            if key == ("volume",):
                p.set_volume(value)
            elif key == ("paused",):
                if value != p.paused:
                    p.pause(value)
            else:
                action, index, name = key
                (p.set_layer if action == "layer" else p.set_group)(index, **{name: value})
        if self.sleep_at is not None and not p.stopping:
            left = self.sleep_at - p.mixer.frame / p.sample_rate  # from the next frame rendered
            if left <= self.sleep_fade:
                self.sleep_at = None
                p.stop(max(left, PAUSE_FADE_S))  # never a cut: the render is ahead of the time heard

    def state(self) -> dict:
        """What the page shows: the player's :meth:`~Player.mix_state` (its position in whole
        seconds), the sliders' ranges, the presets that can be added and the sleep timer."""
        state = self.player.mix_state()
        position = state["position"]
        playing = {g["preset"] for g in state["groups"]} | {state["name"]}
        return state | {
            "position": math.floor(position),
            "ranges": {"volume": VOLUME_RANGE_DB, "layer": LAYER_RANGE_DB},
            "presets": [name for name in self._presets if name not in playing],
            "sleep": None if self.sleep_at is None else {"left": max(0, math.ceil(self.sleep_at - position)),
                                                         "fade": self.sleep_fade},
        }
