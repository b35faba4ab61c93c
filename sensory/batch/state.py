"""A catalog's state file: what each output was rendered from, so a re-run skips what is up to date.

The state file sits next to the manifest (``.NAME.state.json``) and maps each output
path to ``{"key", "stamp", "report"}``: the track's key, the file's [size, mtime in ns]
as written, and its report row; an output being rendered is ``{"key", "claimed": true}``.
It is replaced whole on every change (:func:`sensory.destination.write_text`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..destination import write_text

__all__ = ["read_state", "stamp", "state_path", "write_state"]


def state_path(catalog: Path) -> Path:
    """The state file of the manifest ``catalog`` (an absolute path)."""
    return catalog.resolve().parent / f".{catalog.name}.state.json"


def read_state(path: Path) -> dict[str, Any]:
    """The state file's entries; a damaged file or entry counts as absent."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(state, dict):
        return {}
    return {k: v for k, v in state.items() if isinstance(v, dict) and isinstance(v.get("key"), str)}


def write_state(path: Path, state: dict[str, Any]) -> None:
    write_text(path, json.dumps(state, indent=1, sort_keys=True))


def stamp(path: Path) -> list[int] | None:
    """[size in bytes, modification time in ns] of ``path``, or None if it is missing."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return [st.st_size, st.st_mtime_ns]
