"""The problems found in one recipe file, gathered so that all of them are reported at once:
each as ``file: key path: problem and fix``, in the order found, at most :data:`MAX_PROBLEMS`."""

from __future__ import annotations

import difflib
import tomllib
from typing import NoReturn

from pydantic import BaseModel

from ..core.params import field_spec
from ..errors import RecipeError

__all__ = ["MAX_PROBLEMS", "Problems", "did_you_mean", "pydantic_problem", "toml_message"]

MAX_PROBLEMS = 20  # problems listed for one file; the rest are counted


def pydantic_problem(place: str, model: type[BaseModel], err: dict) -> tuple[str, str]:
    """One pydantic error of ``model`` validating the table at ``place``, as (key path, problem and fix)."""
    loc = [str(x) for x in err["loc"]]
    key = ".".join(loc)
    path = f"{place}.{key}" if key else place
    if err["type"] == "extra_forbidden":
        known = [f for f in model.model_fields]
        what = "parameter" if place.startswith("layer") else "key"
        return place, f"unknown {what} {loc[-1]!r}{did_you_mean(loc[-1], known)}"
    if err["type"] == "missing":
        return path, "missing; add it"
    field = model.model_fields.get(loc[0]) if loc else None
    if err["type"] in ("string_pattern_mismatch", "string_too_short", "string_too_long") and field and field.description:
        return path, f"{err['input']!r} will not do: give {field.description}"
    msg = err["msg"].removeprefix("Value error, ")
    if msg.startswith("["):  # a curve point: path[i] message
        index, _, msg = msg.partition("] ")
        path += index + "]"
    spec = field_spec(model, loc[0]) if loc and loc[0] in model.model_fields else {}
    if err["type"] in ("greater_than_equal", "less_than_equal") and spec:
        msg += f" (allowed {spec.get('minimum', '-inf')} to {spec.get('maximum', 'inf')})"
    return path, msg


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def toml_message(e: tomllib.TOMLDecodeError) -> str:
    msg = str(e)
    if "(at line" in msg:
        text, _, pos = msg.rpartition(" (at ")
        return f"{pos.rstrip(')')}: {text}; check the TOML syntax there"
    return f"{msg}; check the TOML syntax"


class Problems:
    """The problems found in one file, in the order found, each as ``file: path: problem``."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def note(self, path: str, problem: str) -> None:
        """Record a problem and go on checking."""
        self.problems.append(f"{self.source}: {path}: {problem}" if path else f"{self.source}: {problem}")

    def fail(self, path: str, problem: str) -> NoReturn:
        """Record a problem past which nothing more can be checked, and raise them all."""
        self.note(path, problem)
        self.raise_found()
        raise AssertionError("unreachable")

    def raise_found(self) -> None:
        """Raise one RecipeError listing every problem so far (at most MAX_PROBLEMS), if any."""
        if not self.problems:
            return
        shown = self.problems[:MAX_PROBLEMS]
        if len(self.problems) > MAX_PROBLEMS:
            shown.append(f"{self.source}: and {len(self.problems) - MAX_PROBLEMS} more problems; fix these first")
        raise RecipeError("\n".join(shown))
