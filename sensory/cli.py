"""The ``sensory`` command line.

Exit codes: 0 ok, 1 runtime failure (disk, audio device), 2 usage or recipe
error. User mistakes print one clear line, never a traceback. Heavy modules
load inside the commands that need them.
"""

from __future__ import annotations

import functools
import json
import signal
import sys

import click

from .core.limits import MAX_PROCESSES
from .core.timeparse import TimeError, format_time, parse_time
from .errors import RecipeError, RenderError
from .output.options import OPTIONS
from .version import __version__

__all__ = ["main", "cli"]


class Interrupted(BaseException):
    """Raised in the main thread by SIGTERM, so cleanup runs as for Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Interrupted()


def handled(fn):
    """Turn sensory's errors into one-line messages and exit codes."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return fn(*args, **kwargs)
        except RecipeError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        except RenderError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except OSError as e:  # the world outside: a full disk, a read-only folder
            where = f"{e.filename}: " if e.filename else ""
            click.echo(f"error: {where}{e.strerror or e}", err=True)
            sys.exit(1)
        except (KeyboardInterrupt, Interrupted):
            from .destination import discard_own

            discard_own()
            click.echo("\ninterrupted; nothing was left half-written", err=True)
            sys.exit(1)
        finally:
            signal.signal(signal.SIGTERM, previous)

    return wrapper


class Duration(click.ParamType):
    """A command-line duration: ``90``, ``90s``, ``10m``, ``1h30m``, ``05:00``."""

    name = "duration"

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        try:
            seconds = parse_time(value)
        except TimeError as e:
            self.fail(str(e), param, ctx)
        limit = OPTIONS["duration"]
        if not limit.low < seconds <= limit.high:
            self.fail(f"{value!r}: give a length above zero and at most {format_time(limit.high)}", param, ctx)
        return seconds


DURATION = Duration()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sensory")
def cli():
    """Procedural nature soundscapes and guided-tone sessions.

    Every sound is synthesized, never a recording, and every render is
    reproduced exactly by its seed. sensory is for relaxation and attention
    practice; it is not a medical device. Keep the volume comfortable and do
    not listen while driving.
    """


@cli.command("list")
@handled
def list_presets():
    """List the built-in and user presets."""
    from .recipe.presets import presets, summary

    rows = []
    for entry in presets():
        info = summary(entry.path)
        rows.append((entry.name, info.type, format_time(info.duration) if info.duration else "?",
                     ("(user) " if entry.origin == "user" else "") + info.description))
    width = max(len(r[0]) for r in rows) if rows else 4
    for name, kind, duration, description in rows:
        click.echo(f"{name:<{width}}  {kind:<10}  {duration:>7}  {description}")


@cli.command()
@click.argument("recipe")
@handled
def show(recipe):
    """Show a recipe's session, timeline, layers and curves."""
    from .recipe.library import load
    from .show import describe

    click.echo(describe(load(recipe)))


@cli.command()
@click.argument("kind", required=False)
@handled
def kinds(kind):
    """List the sound kinds, or the parameters of one KIND."""
    from .show import describe_kind, kinds_table

    click.echo(describe_kind(kind) if kind else kinds_table())


@cli.command()
@click.argument("files", nargs=-1, required=True)
@handled
def validate(files):
    """Check recipe files (or preset names); exit 2 if any is invalid."""
    from .recipe.library import load

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
    from .recipe.schema import recipe_schema

    click.echo(json.dumps(recipe_schema(), indent=2))


def export_option(name: str, *flags: str):
    """The click option of the export option ``name``: its type, range and help as
    :data:`sensory.output.options.OPTIONS` declares them."""
    o = OPTIONS[name]
    flags = flags or (f"--{name.replace('_', '-')}",)
    if o.kind is bool:
        return click.option(*flags, is_flag=True, help=o.help)
    if name == "duration":
        kind = DURATION
    elif o.choices:
        kind = click.Choice(o.choices, case_sensitive=False)
    elif o.low is not None:
        kind = (click.IntRange if o.kind is int else click.FloatRange)(o.low, o.high, min_open=o.above)
    else:
        kind = None
    return click.option(*flags, type=kind, help=o.help)


@cli.command()
@click.argument("recipe")
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
def export(recipe, output, duration, seed, sample_rate, subtype, force, loudness, true_peak, loop, mono,
           title, artist, album, genre, jobs):
    """Render RECIPE (a preset name or file) into an audio file."""
    from .output.writer import export as write
    from .output.writer import passes
    from .recipe.library import load

    r = load(recipe)
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


@cli.command()
@click.argument("recipe")
@click.option("-d", "--duration", type=DURATION,
              help="how long to play (default: a session's timeline; a soundscape plays until stopped)")
@export_option("seed")
@click.option("--timer", type=DURATION, help="sleep timer: fade out and stop after this long, e.g. 45m")
@click.option("--fade", type=DURATION, default=60.0, show_default=True,
              help="length of the timer's fade-out in seconds, e.g. 90 or 2m")
@click.option("--device", help="output device: index or part of its name (see `sensory devices`)")
@click.option("--latency", type=click.FloatRange(0.001, 5), help="output latency in seconds (default 0.2)")
@click.option("--block-size", type=click.IntRange(16, 65536), help="frames per audio block (default 1024)")
@handled
def play(recipe, duration, seed, timer, fade, device, latency, block_size):
    """Play RECIPE (a preset name or file) on an audio output.

    At a terminal: space pauses, up/down change the volume, 1-9 pick a layer,
    + / - / m raise, lower or mute it, q fades out and quits. Ctrl-C fades
    out over 2 s; press it twice to stop at once.
    """
    from .live.player import play as play_live
    from .recipe.library import load

    play_live(load(recipe), seconds=duration, seed=seed, timer=timer, fade=fade, device=device,
              latency=latency, block_size=block_size, status=True, handle_signals=True)


@cli.command()
@handled
def devices():
    """List the audio outputs (use the index or a name with `play --device`)."""
    from .live.devices import outputs

    found = outputs()
    if not found:
        click.echo("no audio output device found (is the audio server running?)", err=True)
        sys.exit(1)
    for o in found:
        click.echo(f"{'*' if o.default else ' '} {o.index:>3}  {o.name}  ({o.hostapi}, "
                   f"{o.channels} ch, {o.sample_rate} Hz)")


@cli.command()
@click.argument("catalog", type=click.Path(dir_okay=False))
@click.option("-j", "--jobs", type=click.IntRange(1, 256), help="tracks rendered at once (default: CPU count)")
@click.option("--report", type=click.Path(dir_okay=False), help="write a report: .json or .csv")
@click.option("--force", is_flag=True, help="render every track again and overwrite existing files")
@handled
def batch(catalog, jobs, report, force):
    """Render the tracks of a CATALOG manifest (TOML), skipping those up to date.

    Exit 1 if any track failed; the others are still written.
    """
    from .batch.report import REPORT_SUFFIXES, write_report
    from .batch.runner import run

    if report and not report.lower().endswith(REPORT_SUFFIXES):
        raise RecipeError(f"{report}: a report is .json or .csv")
    if report:
        from pathlib import Path

        from .destination import check

        check(Path(report), force=True, inputs=[catalog])
    rows = run(catalog, jobs=jobs, force=force, progress=sys.stderr.isatty())
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


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
@handled
def analyze(files, as_json):
    """Measure audio FILES: loudness, true peak, DC, clipping, clicks, loop seam."""
    from .measure.analysis import analyze as measure

    results = [measure(f) for f in files]
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in results], indent=2))
        return
    for a in results:
        click.echo(f"{a.path}\n"
                   f"  {format_time(a.seconds)} ({a.frames} frames), {a.format} {a.subtype}, "
                   f"{a.sample_rate} Hz, {a.channels} ch\n"
                   f"  loudness {a.integrated_lufs:.1f} LUFS, true peak {a.true_peak_dbtp:.1f} dBTP, "
                   f"range {a.loudness_range_lu:.1f} LU\n"
                   f"  DC {a.dc_dbfs:.0f} dBFS, clipped samples {a.clipped_samples}, clicks {a.clicks}"
                   + (f" at {', '.join(f'{t:g}s' for t in a.click_times[:5])}" if a.clicks else "") + "\n"
                   f"  loop seam: step x{a.seam_step_ratio:.1f}, loudness spread {a.seam_loudness_lu:.1f} LU "
                   f"({'seamless' if a.seamless else 'audible'})")


@cli.command()
@click.argument("source")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="image to write (.png, .svg, .pdf)")
@click.option("-d", "--duration", type=DURATION, help="length to render for a recipe (default: the recipe's)")
@click.option("--force", is_flag=True, help="overwrite OUTPUT if it exists")
@handled
def preview(source, output, duration, force):
    """Draw a spectrogram of SOURCE (a preset, recipe or audio file) with its loudness and phase marks."""
    from .measure.preview import preview as draw

    click.echo(f"wrote {draw(source, output, seconds=duration, force=force)}")


@cli.command("import")
@click.argument("sbg", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="recipe file to write (.toml)")
@click.option("--force", is_flag=True, help="overwrite OUTPUT if it exists")
@handled
def import_sbg(sbg, output, force):
    """Convert an SBaGen schedule (.sbg) into a TOML recipe, keeping its timing and ears.

    The TOML is checked by loading it back before it is written (through a partial file
    renamed into place); an existing OUTPUT is kept unless --force; OUTPUT must not be a
    link, a folder or the .sbg itself.
    """
    from pathlib import Path

    from .destination import check, write_text
    from .recipe.sbagen import convert_file

    source, target = Path(sbg), Path(output)
    if target.suffix.lower() != ".toml":
        raise RecipeError(f"{target}: a recipe file ends in .toml")
    check(target, force=force, inputs=[source])
    converted = convert_file(source, output=target)
    write_text(target, converted.text)
    recipe = converted.recipe
    click.echo(f"wrote {output}: {len(recipe.layers)} layers, {format_time(recipe.duration)}")


def main() -> None:
    """The program ``sensory``: the process is the command line's, so it keeps its heap
    (:func:`~sensory.engine.context.keep_heap`: a render's large temporaries are reused
    rather than mapped afresh) before running the command."""
    from .engine.context import keep_heap

    keep_heap()
    cli(prog_name="sensory")
