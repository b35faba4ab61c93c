"""The ``sensory`` command line: the group in :mod:`.program`, one module per family of commands.

Exit codes: 0 ok, 1 runtime failure (disk, audio device), 2 usage or recipe
error. User mistakes print one clear line, never a traceback. Heavy modules
load inside the commands that need them.
"""

from . import batch, export, files, mixer, play, recipes  # noqa: F401  (each registers its commands)
from .program import cli, main

__all__ = ["cli", "main"]
