"""A catalog's progress on the terminal: one bar for the whole catalog, and the tracks rendering.

Workers report ``(index, frames)`` messages: ``frames`` rendered by track ``index``, or
``None`` when the track starts (again, on another worker, after one died: its count
starts over). The bar counts every track's frames up to its total, so a retried track
neither stalls nor overshoots it; after the bar, each track rendering shows its share done.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

__all__ = ["Progress"]


class Progress:
    """The bar over ``totals`` (track index -> frames over all its passes) labelled by
    ``names`` (track index -> output)."""

    def __init__(self, totals: dict[int, int], names: dict[int, str]):
        import click

        self.totals = totals
        self.names = names
        self.done = dict.fromkeys(totals, 0)
        self.running: dict[int, None] = {}
        self._bar = click.progressbar(length=max(1, sum(totals.values())), label=f"rendering {len(totals)} tracks",
                                      file=sys.stderr, item_show_func=lambda text: text)
        self._bar.render_progress()
        self._shown = 0

    def report(self, messages: Iterable[tuple[int, int | None]]) -> None:
        """Take the workers' messages and redraw."""
        for index, frames in messages:
            if frames is None:
                self.done[index] = 0
                self.running[index] = None
            else:
                self.done[index] = min(self.totals[index], self.done[index] + frames)
        self._draw()

    def finished(self, index: int) -> None:
        """Track ``index`` is done (written or failed)."""
        self.done[index] = self.totals[index]
        self.running.pop(index, None)
        self._draw()

    def close(self) -> None:
        self._bar.render_finish()

    def _draw(self) -> None:
        now = sum(self.done.values())
        shares = ", ".join(f"{self.names[i]} {100 * self.done[i] // max(1, self.totals[i])}%" for i in self.running)
        self._bar.update(now - self._shown, shares or None)
        self._shown = now
