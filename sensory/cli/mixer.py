"""``sensory mixer``: live play with a local web page as its remote control."""

from __future__ import annotations

import click

from .play import GAIN, recipe_of
from .program import cli, export_option, handled


@cli.command()
@click.argument("recipes", nargs=-1, required=True, metavar="PRESET...")
@GAIN
@export_option("seed")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="port on 127.0.0.1 for the page (default: any free one)")
@click.option("--no-open", is_flag=True, help="print the page's address without opening a browser")
@click.option("--device", help="output device: index or part of its name (see `sensory devices`)")
@click.option("--latency", type=click.FloatRange(0.001, 5), help="output latency in seconds (default 0.2)")
@handled
def mixer(recipes, gains, seed, port, no_open, device, latency):
    """Play PRESET (or several together) with a mixer page in the browser: a
    slider for each preset and layer and a master slider, mute, play and pause,
    a sleep timer, presets to add or remove, the current phase, save as preset.

    The page is served on 127.0.0.1 only, at an address with a token made for
    this run (printed; anything without it is refused). The keys of `sensory
    play` work in the terminal too, and the page follows them.
    """
    import webbrowser

    from ..live.mpris import MediaKeys
    from ..live.player import play as play_live
    from ..web.server import MixerServer

    def started(url: str) -> None:
        click.echo(f"open {url}")
        if not no_open:
            webbrowser.open(url)

    play_live(recipe_of(recipes, gains), seed=seed, device=device, latency=latency, status=True,
              handle_signals=True, remotes=[lambda player: MixerServer(player, port=port, started=started), MediaKeys])
