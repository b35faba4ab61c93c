"""A catalog's report: one row per track, written as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from ..destination import write_text
from ..errors import RecipeError

__all__ = ["REPORT_FIELDS", "REPORT_SUFFIXES", "write_report"]

REPORT_FIELDS = ("output", "preset", "status", "seconds", "loudness_lufs", "true_peak_dbtp",
                 "loudness_range_lu", "sha256", "error")
REPORT_SUFFIXES = (".json", ".csv")


def write_report(rows: list[dict[str, Any]], path) -> None:
    """The report as JSON (a list of rows) or CSV, by ``path``'s extension."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".json":
        text = json.dumps(rows, indent=2) + "\n"
    elif ext == ".csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
        text = buf.getvalue()
    else:
        raise RecipeError(f"{path}: a report is .json or .csv")
    write_text(path, text)
