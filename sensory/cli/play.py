"""``sensory play`` and ``sensory devices``: live listening."""

from __future__ import annotations

import sys

import click

from .program import DURATION, cli, export_option, handled


class PresetGain(click.ParamType):
    """``NAME=DB``: a preset of a mix and the dB added to its level."""

    name = "NAME=DB"

    def convert(self, value, param, ctx):
        name, _, db = str(value).partition("=")
        try:
            level = float(db)
        except ValueError:
            level = float("nan")
        if not name or not -60 <= level <= 12:
            self.fail(f"{value!r}: give a preset of the mix and its level in dB from -60 to 12, e.g. rain=-6",
                      param, ctx)
        return name, level


GAIN = click.option("--gain", "gains", type=PresetGain(), multiple=True,
                    help="level of one preset of a mix in dB, e.g. --gain rain=-6 (repeat for each)")


def recipe_of(recipes: tuple[str, ...], gains: tuple[tuple[str, float], ...]):
    """The one recipe (a preset name or a file), or the mix of the presets named."""
    from ..recipe.library import load, mix

    if len(recipes) == 1 and not gains:
        return load(recipes[0])
    return mix(list(recipes), gains=dict(gains))


@cli.command()
@click.argument("recipes", nargs=-1, required=True, metavar="RECIPE...")
@GAIN
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
def play(recipes, gains, duration, seed, timer, fade, device, latency, block_size):
    """Play RECIPE (a preset name or file) on an audio output; several presets play together,
    each a group with its own level (--gain rain=-6).

    At a terminal: space pauses, up/down change the volume, 1-9 or left/right pick a
    group or a layer, + / - / m raise, lower or mute it, s saves the mix as a preset,
    q fades out and quits. Ctrl-C fades out over 2 s; press it twice to stop at once.
    """
    from ..live.mpris import MediaKeys
    from ..live.player import play as play_live

    play_live(recipe_of(recipes, gains), seconds=duration, seed=seed, timer=timer, fade=fade, device=device,
              latency=latency, block_size=block_size, status=True, handle_signals=True, remotes=[MediaKeys])


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
