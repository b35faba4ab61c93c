"""Commands on files: analyze, preview, and import of SBaGen schedules."""

from __future__ import annotations

import json

import click

from ..core.timeparse import format_time
from ..errors import RecipeError
from .program import DURATION, cli, handled


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
@click.option("--loop", is_flag=True, help="judge the loop seam of every file (default: of files tagged as loops)")
@handled
def analyze(files, as_json, loop):
    """Measure audio FILES: loudness, true peak, DC, clipping, clicks, transients, loop seam."""
    from ..measure.analysis import analyze as measure

    results = [measure(f, loop=True if loop else None) for f in files]
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in results], indent=2))
        return
    for a in results:
        seam = ""
        if a.loop:
            seam = (f"\n  loop seam: step x{a.seam_step_ratio:.1f}, clicks {a.seam_clicks}, loudness spread "
                    f"{a.seam_loudness_lu:.1f} LU (the file's own {a.body_loudness_lu:.1f} LU) "
                    f"({'seamless' if a.seamless else 'audible'})")
        click.echo(f"{a.path}\n"
                   f"  {format_time(a.seconds)} ({a.frames} frames), {a.format} {a.subtype}, "
                   f"{a.sample_rate} Hz, {a.channels} ch\n"
                   f"  loudness {a.integrated_lufs:.1f} LUFS, true peak {a.true_peak_dbtp:.1f} dBTP, "
                   f"range {a.loudness_range_lu:.1f} LU\n"
                   f"  DC {a.dc_dbfs:.0f} dBFS, clipped samples {a.clipped_samples}, clicks {a.clicks}"
                   + (f" at {', '.join(f'{t:g}s' for t in a.click_times[:5])}" if a.clicks else "")
                   + f", transients {a.transients}" + seam)


@cli.command()
@click.argument("source")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="image to write (.png, .svg, .pdf)")
@click.option("-d", "--duration", type=DURATION,
              help="window of a recipe to draw, from its start (default: its length, at most 10 minutes)")
@click.option("--force", is_flag=True, help="overwrite OUTPUT if it exists")
@handled
def preview(source, output, duration, force):
    """Draw a spectrogram of SOURCE (a preset, recipe or audio file) with its loudness, phase marks and beats."""
    from ..measure.preview import preview as draw

    click.echo(f"wrote {draw(source, output, seconds=duration, force=force)}")


@cli.command("import")
@click.argument("sbg", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="recipe file to write (.toml)")
@click.option("--force", is_flag=True, help="overwrite OUTPUT if it exists")
@handled
def import_sbg(sbg, output, force):
    """Convert an SBaGen schedule (.sbg) into a TOML recipe, keeping its timing, ears and levels.

    The TOML is checked by loading it back before it is written (through a partial file
    renamed into place); an existing OUTPUT is kept unless --force; OUTPUT must not be a
    link, a folder or the .sbg itself.
    """
    from pathlib import Path

    from ..destination import check, write_text
    from ..recipe.sbagen import convert_file

    source, target = Path(sbg), Path(output)
    if target.suffix.lower() != ".toml":
        raise RecipeError(f"{target}: a recipe file ends in .toml")
    check(target, force=force, inputs=[source])
    converted = convert_file(source, output=target)
    write_text(target, converted.text)
    recipe = converted.recipe
    click.echo(f"wrote {output}: {len(recipe.layers)} layers, {format_time(recipe.duration)}")
