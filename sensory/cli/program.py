"""The ``sensory`` command group and what every command shares: one-line errors and exit
codes, durations, the export options as click options, and the program's entry point.
"""

from __future__ import annotations

import functools
import os
import signal
import sys

import click

from ..core.timeparse import TimeError, format_time, parse_time
from ..errors import RecipeError, RenderError
from ..output.options import OPTIONS
from ..version import __version__

__all__ = ["DURATION", "cli", "export_option", "handled", "main"]


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
            from ..destination import discard_own

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



def main() -> None:
    """The program ``sensory``: the process is the command line's, so before running the command
    it keeps its heap (:func:`~sensory.engine.context.keep_heap`: a render's large temporaries
    are reused rather than mapped afresh), and it tells OpenBLAS to use one thread unless the
    environment says otherwise: renders limit BLAS to one thread anyway
    (:func:`~sensory.engine.context.rendering`), and an OpenBLAS told before numpy loads starts
    no worker threads (numpy's import about 45 ms instead of 90 on a loaded 2-core machine); the
    layer processes inherit the setting."""
    from ..engine.context import keep_heap

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    keep_heap()
    cli(prog_name="sensory")
