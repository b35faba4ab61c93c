"""``sensory export``: a recipe into an audio file."""

from __future__ import annotations

import sys

import click

from ..core.limits import MAX_PROCESSES
from ..core.timeparse import format_time
from .play import GAIN, recipe_of
from .program import cli, export_option, handled


@cli.command()
@click.argument("recipes", nargs=-1, required=True, metavar="RECIPE...")
@GAIN
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="file to write; the extension picks the format: wav, flac, ogg, opus, mp3, m4a")
@export_option("duration", "-d", "--duration")
@export_option("seed")
@export_option("sample_rate")
@export_option("subtype")
@click.option("--force", is_flag=True, help="overwrite OUTPUT if it exists")
@export_option("loudness")
@export_option("true_peak")
@export_option("loop")
@export_option("mono")
@export_option("title")
@export_option("artist")
@export_option("album")
@export_option("genre")
@click.option("-j", "--jobs", type=click.IntRange(1, MAX_PROCESSES),
              help="processes rendering the layers side by side; the same file either way "
                   f"(default: one per core, up to {MAX_PROCESSES}; one for renders under 2 minutes)")
@handled
def export(recipes, gains, output, duration, seed, sample_rate, subtype, force, loudness, true_peak, loop, mono,
           title, artist, album, genre, jobs):
    """Render RECIPE (a preset name or file) into an audio file; several presets are mixed,
    each a group with its own level (--gain rain=-6)."""
    from ..output.writer import export as write
    from ..output.writer import passes

    r = recipe_of(recipes, gains)
    seconds = duration if duration is not None else r.duration
    sr = sample_rate or r.session.sample_rate
    frames = int(round(seconds * sr)) * passes(loudness, true_peak)
    options = dict(seconds=seconds, seed=seed, sample_rate=sr, subtype=subtype, force=force, loudness=loudness,
                   true_peak=true_peak, loop=loop, mono=mono, processes=jobs,
                   tags={"title": title, "artist": artist, "album": album, "genre": genre})
    if sys.stderr.isatty():
        with click.progressbar(length=frames, label=f"rendering {r.name}", file=sys.stderr) as bar:
            result = write(r, output, progress=bar.update, **options)
    else:
        result = write(r, output, **options)
    click.echo(f"wrote {format_time(result.seconds)} of {result.format} {result.subtype} at "
               f"{result.sample_rate} Hz, peak {result.peak_db:.1f} dBFS: {result.path}")
    if result.measured:
        m = result.measured
        click.echo(f"measured {m.integrated_lufs:.1f} LUFS, true peak {m.true_peak_dbtp:.1f} dBTP, "
                   f"range {m.loudness_range_lu:.1f} LU (gain {result.gain_db:+.1f} dB)")
