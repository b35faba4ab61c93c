"""``sensory batch``: the tracks of a catalog."""

from __future__ import annotations

import sys

import click

from ..errors import RecipeError
from .program import cli, handled


@cli.command()
@click.argument("catalog", type=click.Path(dir_okay=False))
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="tracks rendered at once (default: CPU count)")
@click.option("--report", type=click.Path(dir_okay=False), help="write a report: .json or .csv")
@click.option("--force", is_flag=True, help="render every track again and overwrite existing files")
@click.option("--cluster", metavar="ADDRESS", help="render on a Dask cluster: its scheduler (tcp://host:8786), "
              "or local:N for N worker processes here (pip install 'sensory[cluster]')")
@handled
def batch(catalog, jobs, report, force, cluster):
    """Render the tracks of a CATALOG manifest (TOML), skipping those up to date.

    Exit 1 if any track failed; the others are still written. With --cluster the outputs
    must be on storage every worker sees at the same path.
    """
    from ..batch.report import REPORT_SUFFIXES, write_report
    from ..batch.runner import run

    if report and not report.lower().endswith(REPORT_SUFFIXES):
        raise RecipeError(f"{report}: a report is .json or .csv")
    if report:
        from pathlib import Path

        from ..destination import check

        check(Path(report), force=True, inputs=[catalog])
    rows = run(catalog, jobs=jobs, force=force, progress=sys.stderr.isatty(), cluster=cluster)
    for row in rows:
        line = f"{row['status']:<8}  {row['output']}"
        if row["status"] == "failed":
            line += f": {row['error']}"
        elif row["loudness_lufs"] is not None:
            line += f"  {row['loudness_lufs']:.1f} LUFS  {row['true_peak_dbtp']:.1f} dBTP"
        click.echo(line)
    if report:
        write_report(rows, report)
    if any(row["status"] == "failed" for row in rows):
        sys.exit(1)
