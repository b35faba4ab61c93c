"""Commands about recipes and presets: list, show, kinds, validate, schema."""

from __future__ import annotations

import json
import sys

import click

from ..core.timeparse import format_time
from ..errors import RecipeError
from .program import cli, handled


@cli.command("list")
@handled
def list_presets():
    """List the built-in and user presets; a user preset is checked whole, and an invalid one
    listed with its first problem."""
    from ..recipe.library import load
    from ..recipe.presets import presets, summary

    rows = []
    for entry in presets():
        if entry.origin == "built-in":
            info = summary(entry.path)
            rows.append((entry.name, info.type, format_time(info.duration) if info.duration else "?", "",
                         info.description))
            continue
        origin = "user, overrides built-in" if entry.overrides else "user"
        try:
            r = load(entry.name)
        except RecipeError as e:
            first = str(e).splitlines()[0]
            rows.append((entry.name, "invalid", "?", origin, f"{first} (`sensory validate {entry.path}`)"))
        else:
            rows.append((entry.name, r.type, format_time(r.duration), origin, r.session.description or r.title))
    width = max(len(r[0]) for r in rows) if rows else 4
    for name, kind, duration, origin, description in rows:
        click.echo(f"{name:<{width}}  {kind:<10}  {duration:>7}  " + (f"({origin}) " if origin else "") + description)


@cli.command()
@click.argument("recipe")
@handled
def show(recipe):
    """Show a recipe's session, timeline, layers and curves."""
    from ..recipe.library import load
    from ..show import describe

    click.echo(describe(load(recipe)))


@cli.command()
@click.argument("kind", required=False)
@handled
def kinds(kind):
    """List the sound kinds, or the parameters of one KIND."""
    from ..show import describe_kind, kinds_table

    click.echo(describe_kind(kind) if kind else kinds_table())


@cli.command()
@click.argument("files", nargs=-1, required=True)
@handled
def validate(files):
    """Check recipe files (or preset names); exit 2 if any is invalid."""
    from ..recipe.library import load

    bad = 0
    for f in files:
        try:
            r = load(f)
        except RecipeError as e:
            bad += 1
            click.echo(f"invalid: {e}", err=True)
        else:
            click.echo(f"ok: {f} ({len(r.layers)} layer{'s' * (len(r.layers) != 1)}, {format_time(r.duration)})")
    if bad:
        sys.exit(2)


@cli.command()
@handled
def schema():
    """Print the JSON Schema of recipe files (for editors)."""
    from ..recipe.schema import recipe_schema

    click.echo(json.dumps(recipe_schema(), indent=2))
