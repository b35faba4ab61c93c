"""A fresh install: build the wheel, install it into a new venv, and find the presets."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_finds_presets(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("sensory-*.whl"))
    env_dir = tmp_path / "venv"
    # system site-packages give the new venv numpy, scipy and friends without a download;
    # sensory itself comes only from the wheel
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    where = subprocess.run([str(py), "-c", "import sensory, sys; print(sensory.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout
    assert str(env_dir) in where, f"sensory was imported from {where}"
    listing = subprocess.run([str(env_dir / "bin" / "sensory"), "list"], capture_output=True, text=True,
                             cwd=tmp_path, check=True).stdout
    shipped = {p.stem for p in (ROOT / "presets").glob("*.toml")}
    listed = {line.split()[0] for line in listing.splitlines()}
    assert shipped <= listed, shipped - listed
    out = subprocess.run([str(env_dir / "bin" / "sensory"), "export", "pink", "-d", "1s", "-o",
                          str(tmp_path / "p.wav")], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
