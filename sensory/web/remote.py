"""The web mixer's side of a :class:`~sensory.live.player.Player`: checked commands in, the
player's state out.

Level and mute changes are held as the latest wanted value per control and handed to the
player at most once per :meth:`Remote.apply` (the server calls it every 50 ms), so a page
dragging a slider, or a flood of messages, costs the player one ramp per control and tick.
The sleep timer is kept here too: when the player renders its time minus its fade, the
player is stopped with that fade, so it can be set, moved and cancelled until then. It counts
playing time, as ``play --timer`` does.
"""

from __future__ import annotations

import math

from ..errors import RecipeError
from ..live.player import LAYER_RANGE_DB, VOLUME_RANGE_DB
from .messages import Command

__all__ = ["SLEEP_FADE_S", "Remote"]

SLEEP_FADE_S = 60.0  # a sleep timer's fade when the page gives none


class Remote:
    """Commands for ``player`` (any object with the :class:`Player` controls) from one thread.

    :meth:`submit` takes a :class:`~sensory.web.messages.Command` and raises
    :class:`RecipeError` when it names what is not there; :meth:`apply` passes on what was
    submitted since; :meth:`state` is the snapshot the page shows, a JSON-ready dict.
    """

    def __init__(self, player):
        self.player = player
        self.sleep_at: float | None = None   # recipe seconds (playing time) where the sleep fade ends
        self.sleep_fade = SLEEP_FADE_S
        self._wanted: dict[tuple, object] = {}

    def submit(self, command: Command) -> None:
        """Take ``command``: levels and mutes wait for :meth:`apply`, the rest is done now."""
        p, args = self.player, command.args
        if command.action == "volume":
            self._wanted["volume"] = args["db"]
        elif command.action == "layer":
            index = args["index"]
            if index >= len(p.layer_names):
                raise RecipeError(f"layer.index {index}: there are {len(p.layer_names)} layers (0 to "
                                  f"{len(p.layer_names) - 1})")
            for name in ("db", "muted"):
                if args[name] is not None:
                    self._wanted[("layer", index, name)] = args[name]
        elif command.action == "pause":
            self._wanted["paused"] = args["paused"]
        elif command.action == "sleep":
            self._sleep(args["minutes"], args["fade"])
        elif command.action == "stop":
            if not p.stopping:
                p.stop()
        else:
            raise RecipeError(f"{command.action}: this player has no groups")

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
            if key == "volume":
                p.set_volume(value)
            elif key == "paused":
                if value != p.paused:
                    p.pause(value)
            else:
                _, index, name = key
                p.set_layer(index, **{name: value})
        if self.sleep_at is not None and not p.stopping:
            left = self.sleep_at - p.mixer.frame / p.sample_rate  # from the next frame rendered
            if left <= self.sleep_fade:
                self.sleep_at = None
                p.stop(max(left, 0.0))

    def state(self) -> dict:
        """What the page shows: titles, time, transport, levels, the phase and the timer."""
        p = self.player
        position = p.position
        phase = p.recipe.phase_at(position)
        return {
            "title": p.recipe.title,
            "name": p.recipe.name,
            "position": math.floor(position),
            "end": None if math.isinf(p.end) else round(p.end, 1),
            "paused": p.paused,
            "stopping": p.stopping,
            "volume": {"db": p.volume_db},
            "ranges": {"volume": VOLUME_RANGE_DB, "layer": LAYER_RANGE_DB},
            "layers": [{"name": name, "db": p.layer_db[i], "muted": p.layer_muted[i]}
                       for i, name in enumerate(p.layer_names)],
            "phase": None if phase is None else {"name": phase.name, "description": phase.description},
            "sleep": None if self.sleep_at is None else {"left": max(0, math.ceil(self.sleep_at - position)),
                                                         "fade": self.sleep_fade},
        }
