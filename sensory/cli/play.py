"""``sensory play`` and ``sensory devices``: live listening."""

from __future__ import annotations

import sys

import click

from .program import DURATION, cli, export_option, handled


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
    from ..live.player import play as play_live
    from ..recipe.library import load

    play_live(load(recipe), seconds=duration, seed=seed, timer=timer, fade=fade, device=device,
              latency=latency, block_size=block_size, status=True, handle_signals=True)


@cli.command()
@handled
def devices():
    """List the audio outputs (use the index or a name with `play --device`)."""
    from ..live.devices import outputs

    found = outputs()
    if not found:
        click.echo("no audio output device found (is the audio server running?)", err=True)
        sys.exit(1)
    for o in found:
        click.echo(f"{'*' if o.default else ' '} {o.index:>3}  {o.name}  ({o.hostapi}, "
                   f"{o.channels} ch, {o.sample_rate} Hz)")
