"""Output files: which destinations may be written, and how, so nothing is lost or half-written.

Every file sensory writes (audio exports, batch tracks, imported recipes, batch
state and reports) is first written to a *partial* file beside it, named
``.NAME.sensory-partial-PID-XXXX`` (PID: the writing process), flushed to disk
and then renamed onto ``NAME`` (:func:`os.replace`, atomic on one file
system). A failure or an interruption removes the partial file and leaves the
destination as it was. Only ``SIGKILL`` (or a power cut) can leave a partial
file behind; its name says what it is, and :func:`sweep` — run before every
write to that destination — removes it once its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import RecipeError, RenderError

__all__ = ["PARTIAL", "check", "refuse", "partial", "sweep", "discard_own", "writing", "write_text", "same_file"]

PARTIAL = ".sensory-partial-"
_folders: set[Path] = set()  # folders where this process made partial files


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are the same file (through links too); False if either is missing."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check(path: Path, *, force: bool, inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Refuse a destination that must not be written: what :func:`refuse` refuses, a file
    in a missing folder, or an existing file without ``force``. RecipeError naming the
    path and the fix."""
    path = Path(path)
    refuse(path, inputs=inputs)
    folder = path.parent
    if not folder.is_dir():
        raise RecipeError(f"{path}: the folder {folder} does not exist; create it first")
    if path.exists() and not force:
        raise RecipeError(f"{path}: already exists; pass --force to overwrite it")


def refuse(path: Path, *, inputs: Iterable[str | os.PathLike] = ()) -> None:
    """Refuse a destination that is a symbolic link, a folder, or one of the ``inputs``
    (recipe, schedule, manifest), whatever its folder and whether it exists.
    RecipeError naming the path and the fix."""
    path = Path(path)
    if path.is_symlink():
        raise RecipeError(f"{path}: is a symbolic link; write to the real file's path instead")
    if path.is_dir():
        raise RecipeError(f"{path}: is a folder; give a file name such as {path / 'out.flac'}")
    for source in inputs:
        if same_file(path, Path(source)):
            raise RecipeError(f"{path}: is the input {source}; write the output to another file")


def _prefix(path: Path) -> str:
    return f".{path.name}{PARTIAL}"


def partial(path: Path) -> Path:
    """A new, empty partial file beside ``path`` (mode as for an ordinary new file).

    Stale partial files of ``path`` are swept first.
    """
    sweep(path)
    _folders.add(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f"{_prefix(path)}{os.getpid()}-")
    try:
        os.close(fd)
        os.chmod(name, 0o666 & ~_umask())  # mkstemp makes 0600; the result is an ordinary file
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def discard_own() -> None:
    """Remove every partial file this process made and still has: the last resort when an
    interruption (Ctrl-C, SIGTERM) lands between making a partial file and guarding it."""
    mine = re.compile(r"\..*" + re.escape(PARTIAL) + f"{os.getpid()}-")
    for folder in _folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if mine.match(name):
                (folder / name).unlink(missing_ok=True)


def sweep(path: Path) -> list[Path]:
    """Remove the partial files of ``path`` whose writing process is gone; the removed paths."""
    pattern = re.compile(re.escape(_prefix(path)) + r"(\d+)-")
    removed = []
    try:
        names = os.listdir(path.parent)
    except OSError:
        return removed
    for name in names:
        m = pattern.match(name)
        if m and not _alive(int(m.group(1))):
            stale = path.parent / name
            try:
                stale.unlink()
            except OSError:
                continue
            removed.append(stale)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OverflowError:
        return False
    return True


@contextlib.contextmanager
def writing(path: Path) -> Iterator[Path]:
    """A new partial file beside ``path`` for the caller to write: flushed to disk and
    renamed onto ``path`` when the block ends, removed if it raises. RenderError naming
    ``path`` when the system refuses (a full disk, a read-only folder)."""
    path = Path(path)
    try:
        tmp = partial(path)
    except OSError as e:
        raise RenderError(f"{path}: cannot write: {e.strerror or e}") from None
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise RenderError(f"{path}: writing failed: {e.strerror or e}") from None
        raise


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a partial file (:func:`writing`): the old
    content or the new, never a mixture."""
    with writing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
