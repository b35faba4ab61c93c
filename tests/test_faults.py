"""Writes that fail and runs that are interrupted: nothing is lost or half-written.

Each case runs the real CLI (in this process, or as a subprocess where a signal
must reach it): a file-size limit (RLIMIT_FSIZE with
SIGXFSZ ignored, so the write fails with EFBIG), a full tmpfs, a read-only bind
mount, a missing folder; SIGINT, SIGTERM and SIGKILL in the middle of an export
and a batch; outputs that are links, folders or an input; names that are paths.
The promise checked every time: a clear one-line error and the right exit code,
no partial file at the destination, no temporary file left behind (except, after
SIGKILL, a ``.NAME.sensory-partial-PID-*`` file that the next run removes), and
an existing destination untouched.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import soundfile as sf

from sensory.destination import PARTIAL

OLD = b"precious earlier content\n"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(*args, cwd: Path, fsize: int | None = None) -> Ran:
    """The CLI run in this process (click's runner) in ``cwd``, under a file-size limit of
    ``fsize`` bytes if given (batch workers fork from here and inherit it). Any exception
    other than the CLI's own exit fails the test: the CLI must not let it escape."""
    from click.testing import CliRunner

    from sensory.cli import cli as command

    here = os.getcwd()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    xfsz = signal.getsignal(signal.SIGXFSZ)
    os.chdir(cwd)
    try:
        if fsize:
            _limit(fsize)()
        result = CliRunner().invoke(command, [str(a) for a in args])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, xfsz)
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def start(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sensory", *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_default_signals)


def _default_signals():
    """As at a terminal: whatever the test runner ignores, Ctrl-C and SIGTERM act on the child."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)


def _limit(fsize: int):
    def setup():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # ignored stays ignored across exec: writes get EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    return setup


def leftovers(folder: Path) -> list[str]:
    """Partial and temporary files anywhere under ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if p.is_file()
                  and (PARTIAL in p.name or p.name.endswith(".tmp") or ".state.json." in p.name))


def wait_for(predicate, timeout: float = 60.0) -> None:
    stop = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < stop, "timed out waiting"
        time.sleep(0.02)


def one_error_line(stderr: str) -> None:
    assert "Traceback" not in stderr and stderr.startswith("error: "), stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


# ---- failing writes ----

def test_file_size_limit_export(tmp_path):
    out = tmp_path / "out.wav"
    out.write_bytes(OLD)
    r = cli("export", "pink", "-d", 20, "--sample-rate", 44100, "-o", out, "--force", cwd=tmp_path, fsize=200_000)
    assert r.returncode == 1, r.stderr
    one_error_line(r.stderr)
    assert "writing failed: File too large" in r.stderr
    assert out.read_bytes() == OLD and leftovers(tmp_path) == []


def test_file_size_limit_batch_fails_one_track_only(tmp_path):
    (tmp_path / "c.toml").write_text(
        "[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"small.wav\"\nsample_rate = 8000\nmono = true\n"
        "subtype = \"PCM_16\"\n\n"
        "[[track]]\npreset = \"brown\"\nduration = 30\noutput = \"big.wav\"\nsample_rate = 44100\n")
    (tmp_path / "big.wav").write_bytes(OLD)
    r = cli("batch", "c.toml", "--force", "-j", 2, cwd=tmp_path, fsize=200_000)
    assert r.returncode == 1, r.stderr
    assert "failed    big.wav" in r.stdout and "File too large" in r.stdout and "rendered  small.wav" in r.stdout
    assert sf.info(tmp_path / "small.wav").frames == 8000
    assert (tmp_path / "big.wav").read_bytes() == OLD and leftovers(tmp_path) == []


def test_file_size_limit_import(tmp_path):
    (tmp_path / "s.sbg").write_text("a: pink/20 200+10/30\noff: -\nNOW a\nNOW+00:05:00 off\n")
    out = tmp_path / "s.toml"
    out.write_bytes(OLD)
    r = cli("import", "s.sbg", "-o", out, "--force", cwd=tmp_path, fsize=300)
    assert r.returncode == 1, r.stderr
    one_error_line(r.stderr)
    assert "File too large" in r.stderr and out.read_bytes() == OLD and leftovers(tmp_path) == []


@pytest.fixture
def mount(tmp_path):
    """mount(options, *source) -> a fresh mount point; skipped with the reason when mounting fails."""
    points = []

    def make(*args: str) -> Path:
        point = tmp_path / f"mnt{len(points)}"
        point.mkdir()
        r = subprocess.run(["mount", *args, str(point)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount ({' '.join(args)}): {r.stderr.strip()}")
        points.append(point)
        return point

    yield make
    for point in reversed(points):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_full_disk_export_batch_and_import(tmp_path, mount):
    disk = mount("-t", "tmpfs", "-o", "size=256k", "tmpfs")
    (disk / "keep.wav").write_bytes(OLD)
    r = cli("export", "pink", "-d", 10, "--sample-rate", 44100, "-o", disk / "keep.wav", "--force", cwd=tmp_path)
    assert r.returncode == 1 and "No space left on device" in r.stderr, r.stderr
    one_error_line(r.stderr)
    assert (disk / "keep.wav").read_bytes() == OLD and leftovers(disk) == []
    (disk / "c.toml").write_text("[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"a.wav\"\nsample_rate = 8000\n"
                                 "subtype = \"PCM_16\"\n\n[[track]]\npreset = \"pink\"\nduration = 20\n"
                                 "output = \"b.wav\"\n")
    r = cli("batch", disk / "c.toml", "-j", 1, cwd=tmp_path)
    assert r.returncode == 1 and "rendered  a.wav" in r.stdout and "No space left" in r.stdout, r.stdout + r.stderr
    assert not (disk / "b.wav").exists() and leftovers(disk) == []
    (tmp_path / "s.sbg").write_text("a: pink/20 200+10/30\noff: -\nNOW a\nNOW+00:05:00 off\n")
    (disk / "s.toml").write_bytes(OLD)
    with open(disk / "filler", "wb", buffering=0) as f:  # fill the disk to the last byte
        try:
            while True:
                f.write(bytes(4096))
        except OSError:
            pass
    r = cli("import", tmp_path / "s.sbg", "-o", disk / "s.toml", "--force", cwd=tmp_path)
    assert r.returncode == 1 and "No space left on device" in r.stderr, r.stderr
    one_error_line(r.stderr)
    assert (disk / "s.toml").read_bytes() == OLD and leftovers(disk) == []


def test_read_only_folder(tmp_path, mount):
    source = tmp_path / "src"
    source.mkdir()
    (source / "keep.flac").write_bytes(OLD)
    (source / "s.sbg").write_text("a: pink/20\nNOW a\n")
    (source / "c.toml").write_text("[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"a.flac\"\n")
    ro = mount("--bind", "-o", "ro", str(source))
    if os.access(ro, os.W_OK) and not _really_read_only(ro):
        pytest.skip("the bind mount is writable here")
    r = cli("export", "pink", "-d", 1, "-o", ro / "keep.flac", "--force", cwd=tmp_path)
    assert r.returncode == 1 and "Read-only file system" in r.stderr, r.stderr
    one_error_line(r.stderr)
    r = cli("import", ro / "s.sbg", "-o", ro / "s.toml", cwd=tmp_path)
    assert r.returncode == 1 and "Read-only file system" in r.stderr, r.stderr
    one_error_line(r.stderr)
    r = cli("batch", ro / "c.toml", cwd=tmp_path)
    assert r.returncode == 1 and "Read-only file system" in r.stderr, r.stderr
    one_error_line(r.stderr)
    assert sorted(p.name for p in source.iterdir()) == ["c.toml", "keep.flac", "s.sbg"]
    assert (source / "keep.flac").read_bytes() == OLD


def _really_read_only(folder: Path) -> bool:
    try:
        (folder / ".probe").write_bytes(b"")
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


def test_missing_folder(tmp_path):
    r = cli("export", "pink", "-d", 1, "-o", tmp_path / "nowhere" / "a.flac", cwd=tmp_path)
    assert r.returncode == 2 and "does not exist; create it first" in r.stderr, r.stderr
    one_error_line(r.stderr)
    r = cli("import", "x.sbg", "-o", tmp_path / "nowhere" / "x.toml", cwd=tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr
    assert list(tmp_path.iterdir()) == []


# ---- outputs that must not be written ----

def test_outputs_that_are_links_folders_or_inputs(tmp_path):
    from sensory.batch.catalog import load_catalog
    from sensory.errors import RecipeError
    from sensory.output.writer import export
    from sensory.recipe.library import load

    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text("[session]\nduration = 1\nsample_rate = 8000\n[[layer]]\nname = \"n\"\nkind = \"noise\"\n")
    target = tmp_path / "target.flac"
    target.write_bytes(OLD)
    (tmp_path / "link.flac").symlink_to(target)
    (tmp_path / "folder.flac").mkdir()
    os.link(recipe_file, tmp_path / "same.flac")  # the recipe under another name
    r = load(recipe_file)
    for name, message in [("link.flac", "is a symbolic link"), ("folder.flac", "is a folder"),
                          ("same.flac", "is the input")]:
        with pytest.raises(RecipeError, match=message):
            export(r, tmp_path / name, force=True)
    sbg = tmp_path / "s.sbg"
    sbg.write_text("a: pink/20\nNOW a\n")
    os.link(sbg, tmp_path / "s-copy.toml")
    (tmp_path / "link.toml").symlink_to(recipe_file)
    for name, message in [("s-copy.toml", "is the input"), ("link.toml", "is a symbolic link")]:
        r = cli("import", sbg, "-o", tmp_path / name, "--force", cwd=tmp_path)
        assert r.returncode == 2 and message in r.stderr, r.stderr
    catalog = tmp_path / "c.toml"
    cases = [("output = \"link.flac\"", "symbolic link"), ("output = \"folder.flac\"", "is a folder"),
             ("output = \"same.flac\"\npreset = \"r.toml\"", "is the input"),
             ("output = \"../out.flac\"", "leads outside the catalog's folder"),
             ("output = \"/tmp/out.flac\"", "is an absolute path")]
    for line, message in cases:
        preset = "" if "preset" in line else "preset = \"pink\"\n"
        catalog.write_text(f"[[track]]\n{preset}duration = 1\n{line}\n")
        with pytest.raises(RecipeError, match=r"c\.toml: track\[0\].*" + message):
            load_catalog(catalog)
    assert target.read_bytes() == OLD and recipe_file.read_text().startswith("[session]")
    assert sbg.read_text() == "a: pink/20\nNOW a\n"


def test_names_are_names(tmp_path):
    from sensory.batch.catalog import load_catalog
    from sensory.errors import RecipeError
    from sensory.recipe.library import load

    secret = tmp_path.parent / "secret"
    secret.write_text("[session]\nduration = 1\n[[layer]]\nname = \"n\"\nkind = \"noise\"\n")
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    for name in ["../../secret", str(secret), "../secret", "~/x", "pink/../../secret"]:
        with pytest.raises(RecipeError, match="is not a preset name"):
            load(name)
    catalog = inner / "c.toml"
    for preset, message in [("../../../secret", "neither a preset name"), (str(secret), "neither a preset name"),
                            ("../../../secret.toml", "leads outside"), ("/etc/x.toml", "is an absolute path")]:
        catalog.write_text(f"[[track]]\npreset = \"{preset}\"\nduration = 1\noutput = \"a.flac\"\n")
        with pytest.raises(RecipeError, match=r"c\.toml: track\[0\]\.preset: .*" + message):
            load_catalog(catalog)
    r = subprocess.run([sys.executable, "-m", "sensory", "play", "../../secret"], cwd=inner, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "is not a preset name" in r.stderr and "Traceback" not in r.stderr


# ---- interruptions ----

def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _gone(pid: int) -> bool:
    """The process has exited (a zombie nobody reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(f".*{PARTIAL}*")]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_export_interrupted_cleans_up(tmp_path, sig):
    out = tmp_path / "out.flac"
    out.write_bytes(OLD)
    p = start("export", "pink", "-d", "20m", "-o", out, "--force", "--jobs", 2, cwd=tmp_path)
    wait_for(lambda: _partials(tmp_path) and _children(p.pid))
    layer_process = _children(p.pid)[0]
    os.killpg(p.pid, sig) if sig == signal.SIGINT else p.send_signal(sig)  # Ctrl-C reaches the group
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1 and "interrupted; nothing was left half-written" in err, err
    assert _gone(layer_process)
    assert out.read_bytes() == OLD and leftovers(tmp_path) == []


def test_export_killed_leaves_only_a_named_partial_that_the_next_run_removes(tmp_path):
    out = tmp_path / "out.flac"
    out.write_bytes(OLD)
    p = start("export", "pink", "-d", "20m", "-o", out, "--force", "--jobs", 2, cwd=tmp_path)
    wait_for(lambda: _partials(tmp_path) and _children(p.pid))
    layer_process = _children(p.pid)[0]
    p.kill()
    p.wait(timeout=30)
    wait_for(lambda: _gone(layer_process), timeout=30)  # the child rendering the layer stops by itself
    left = sorted(x.name for x in tmp_path.iterdir())
    assert len(left) == 2 and left[0].startswith(f".out.flac{PARTIAL}{p.pid}-"), left
    assert out.read_bytes() == OLD
    r = cli("export", "pink", "-d", 1, "-o", out, "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [x.name for x in tmp_path.iterdir()] == ["out.flac"] and sf.info(out).duration == 1.0


BATCH = ("[defaults]\nsample_rate = 8000\n\n[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"out/short.flac\"\n\n"
         "[[track]]\npreset = \"pink\"\nduration = \"{long}\"\noutput = \"out/long1.flac\"\n\n"
         "[[track]]\npreset = \"brown\"\nduration = \"{long}\"\noutput = \"out/long2.flac\"\n")




@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_batch_interrupted_cleans_up_in_every_worker(tmp_path, sig):
    (tmp_path / "c.toml").write_text(BATCH.format(long="30m"))
    p = start("batch", "c.toml", "-j", 2, cwd=tmp_path)
    wait_for(lambda: len(_partials(tmp_path)) >= 1 and len(_children(p.pid)) >= 2)
    workers = _children(p.pid)
    os.killpg(p.pid, sig) if sig == signal.SIGINT else p.send_signal(sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 1 and "interrupted" in err and "Traceback" not in err, err
    for w in workers:  # every worker is gone, none finishing a track behind our back
        wait_for(lambda: not Path(f"/proc/{w}").exists() or "Z" in Path(f"/proc/{w}/stat").read_text().split()[2],
                 timeout=10)
    assert leftovers(tmp_path) == [] and not (tmp_path / "out" / "long1.flac").exists()


def test_batch_killed_then_rerun_finishes_only_the_missing_tracks(tmp_path):
    (tmp_path / "c.toml").write_text(BATCH.format(long="1m"))
    p = start("batch", "c.toml", "-j", 2, cwd=tmp_path)
    state = tmp_path / ".c.toml.state.json"

    def short_recorded():
        try:
            return any("short" in k and "report" in v for k, v in json.loads(state.read_text()).items())
        except (OSError, ValueError):
            return False

    wait_for(short_recorded)
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    # the workers got SIGTERM from their parent's death and removed their partial files; only the
    # parent's state file, if the kill came mid-write, can leave one
    wait_for(lambda: not _partials(tmp_path / "out"), timeout=20)
    assert all(x.name.startswith(f"..c.toml.state.json{PARTIAL}{p.pid}-") for x in _partials(tmp_path))
    # finished means recorded: a track whose file landed after the parent died is unrecorded
    # (still claimed) and is rendered again, which is safe
    recorded = {Path(k).name for k, v in json.loads(state.read_text()).items() if "report" in v}
    assert "short.flac" in recorded and (tmp_path / "out" / "short.flac").exists()
    r = cli("batch", "c.toml", "-j", 2, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = dict(reversed(line.split()[:2]) for line in r.stdout.splitlines())
    assert lines["out/short.flac"] == "skipped"
    assert all(lines[f"out/{n}"] == ("skipped" if n in recorded else "rendered") for n in ("long1.flac", "long2.flac"))
    assert sf.info(tmp_path / "out" / "long2.flac").duration == 60.0 and leftovers(tmp_path) == []


def test_killed_batch_state_write_leaves_a_usable_state(tmp_path):
    """A state file cut short (as by a kill mid-write without the atomic replace) or damaged
    counts as absent; a stale partial state file is swept."""
    from sensory.batch.runner import run

    (tmp_path / "c.toml").write_text("[[track]]\npreset = \"pink\"\nduration = 1\noutput = \"a.flac\"\n"
                                     "sample_rate = 8000\n")
    state = tmp_path / ".c.toml.state.json"
    state.write_text('{"' + str(tmp_path / "a.flac") + '": {"key": "x", "rep')
    stale = tmp_path / f".{state.name}{PARTIAL}999999999-abc"
    stale.write_text("{")
    assert [row["status"] for row in run(tmp_path / "c.toml", jobs=1)] == ["rendered"]
    assert not stale.exists() and [row["status"] for row in run(tmp_path / "c.toml", jobs=1)] == ["skipped"]
