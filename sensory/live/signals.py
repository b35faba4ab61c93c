"""Signals while playing: SIGINT and SIGTERM fade a player out, a second one stops it at once;
the handlers before are put back at the end."""

from __future__ import annotations

import signal
import threading

__all__ = ["StopOnSignals"]


class StopOnSignals:
    """While playing, SIGINT and SIGTERM fade ``player`` out over ``fade`` seconds; a second one
    stops it at once (when ``active``, and in the main thread only: Python runs handlers there)."""

    def __init__(self, player, active: bool, *, fade: float):
        self.player = player
        self.fade = fade
        self.active = active and threading.current_thread() is threading.main_thread()
        self.previous: dict = {}

    def _handle(self, signum, frame) -> None:
        if self.player.stopping:
            self.player.abort()
        else:
            self.player.stop(self.fade)

    def __enter__(self) -> StopOnSignals:
        if self.active:
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
