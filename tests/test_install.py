"""A fresh install: build the wheel from a clean copy of the sources, install it into a new
venv, and run the command line from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _wheel(tmp_path: Path) -> Path:
    """The wheel built, without build isolation, from a copy of what a clean checkout holds
    (an in-tree build would carry stale modules left in ``build/``)."""
    src = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "sensory", src / "sensory", symlinks=True, ignore=skip)
    shutil.copytree(ROOT / "presets", src / "presets")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(src)],
                   check=True, capture_output=True)
    return next(dist.glob("sensory-*.whl"))


def _venv_seeing_this_interpreter(env_dir: Path) -> Path:
    """A venv whose own site-packages come first and whose later path holds the running
    interpreter's site-packages (a venv's or the system's): the dependencies without a
    download. Their ``.pth`` files are not run, so this interpreter's editable sensory stays
    out of sight. Returns the venv's python."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    own = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    theirs = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]
    (Path(own) / "running-interpreter.pth").write_text("".join(f"{p}\n" for p in theirs))
    return py


@pytest.mark.slow
def test_wheel_installs_and_runs_from_the_venv(tmp_path):
    wheel = _wheel(tmp_path)
    env_dir = tmp_path / "venv"
    py = _venv_seeing_this_interpreter(env_dir)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # no user presets: only the wheel's
    run = {"capture_output": True, "text": True, "cwd": tmp_path, "env": env}

    shipped = {p.stem for p in (ROOT / "presets").glob("*.toml")}
    with zipfile.ZipFile(wheel) as z:  # the presets link resolved into files
        in_wheel = {Path(n).stem for n in z.namelist() if n.startswith("sensory/presets/") and n.endswith(".toml")}
        page = {Path(n).name for n in z.namelist() if n.startswith("sensory/web/static/")}
    assert in_wheel == shipped
    assert {"index.html", "mixer.js", "mixer.css", "icon.svg"} == page  # the mixer's page, as package data

    probe = subprocess.run([str(py), "-c", "import sensory; print(sensory.__file__); "
                            "print(len(sensory.load('forest').layers))"], **run)
    assert probe.returncode == 0, probe.stderr
    module, layers = probe.stdout.split("\n")[:2]
    assert module.startswith(str(env_dir)), f"sensory was imported from {module}"
    assert int(layers) > 0

    sensory = str(env_dir / "bin" / "sensory")
    listing = subprocess.run([sensory, "list"], **run)
    assert listing.returncode == 0, listing.stderr
    listed = {line.split()[0] for line in listing.stdout.splitlines() if line.strip()}
    assert shipped <= listed, shipped - listed

    out = subprocess.run([sensory, "export", "forest", "-d", "1s", "--sample-rate", "48000", "-o",
                          str(tmp_path / "f.wav")], **run)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "f.wav").stat().st_size > 48000 * 2 * 2
