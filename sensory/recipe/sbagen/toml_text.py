"""Recipe data written as TOML text (what ``sensory import`` saves).

Handles the values recipe data holds: strings, booleans, numbers and (nested) lists,
in a ``[session]`` table and ``[[phase]]`` and ``[[layer]]`` entries.
"""

from __future__ import annotations

__all__ = ["to_toml"]


def to_toml(data: dict) -> str:
    """TOML text of recipe data (as made by :func:`~sensory.recipe.sbagen.convert.recipe_data`)."""
    out = ["[session]"] + [f"{k} = {_toml_value(v)}" for k, v in data["session"].items()]
    for table in ("phase", "layer"):
        for entry in data.get(table, []):
            out += ["", f"[[{table}]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
    return "\n".join(out) + "\n"


def _toml_value(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, int):
        return str(v)
    return "[" + ", ".join(_toml_value(x) for x in v) + "]"
