"""The properties every kind must pass: block-size invariance (held and automated
parameters, at 16 and 48 kHz), seed determinism, independent layer streams, safe
output. Kinds and their parameter declarations come from the registry."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sensory.core.curves import Curve
from sensory.core.params import field_spec
from sensory.core.seeding import layer_rng
from sensory.engine.context import rendering
from sensory.engine.stream import build, plan, render
from sensory.kinds import load_all
from sensory.recipe.model import layer_model

from .helpers import recipe

KINDS = sorted(load_all())
SR = 16000
RATES = (16000, 48000)  # the space stage groups 2 samples at 16 kHz, 6 at 48 kHz
SECONDS = {16000: 2.5, 48000: 1.0}


def _soundtrack_file() -> str:
    """A user's file for the soundtrack kind to play: 3 s of a tone."""
    import tempfile

    import soundfile as sf

    path = Path(tempfile.mkdtemp(prefix="sensory-soundtrack-")) / "track.wav"
    sf.write(path, 0.3 * np.sin(2 * np.pi * 330 * np.arange(3 * 8000) / 8000), 8000)
    return path.as_posix()


NEEDS = {"soundtrack": f"file = '{_soundtrack_file()}'\n"}  # keys a kind cannot do without
SPLITS = ["65", "256", "4096", "8193", "ones", "random"]
BEND = 0.31  # where the ramps leave their held start, as a share of the render
ONES = 400  # "ones": this many 1-frame blocks at the start and again across BEND


def _single(kind: str, duration: float = 2.5):
    return recipe(f"[[layer]]\nname = 'x'\nkind = '{kind}'\n{NEEDS.get(kind, '')}", duration=duration, sample_rate=SR)


def _ramp(spec: dict, seconds: float, sample_rate: int) -> str:
    """A curve inside the declared range (audible frequencies below 0.45 x the sample rate):
    held, a linear ramp, then an exponential one where the values allow it, with breakpoints
    off any block boundary."""
    lo, hi = spec["minimum"], spec["maximum"]
    if spec.get("audible"):
        hi = min(hi, 0.45 * sample_rate)
    a, b, c = (lo + f * (hi - lo) for f in (0.7, 0.95, 0.8))
    last = "exp" if b * c > 0 else "lin"
    return f"[[0, {a!r}], [{BEND * seconds:.4f}, {b!r}, 'lin'], [{0.77 * seconds:.4f}, {c!r}, '{last}']]"


def automated(kind: str) -> list[str]:
    """The layer's Automatable parameters, the kind's and the layer's own (gain, pan, send)."""
    return [name for name, field in layer_model(kind).model_fields.items() if field.annotation is Curve]


def _layer(kind: str, sample_rate: int, automate: bool):
    """A one-layer recipe of ``kind`` that sends to the space stage; ``automate`` gives every
    Automatable parameter a ramp, else the kind keeps its defaults."""
    seconds = SECONDS[sample_rate]
    keys = "send = 0.3\n"
    if automate:
        model = layer_model(kind)
        keys = "".join(f"{name} = {_ramp(field_spec(model, name), seconds, sample_rate)}\n"
                       for name in automated(kind))
    return recipe(f"[[layer]]\nname = 'x'\nkind = '{kind}'\n{keys}{NEEDS.get(kind, '')}", duration=seconds,
                  sample_rate=sample_rate)


@cache
def _whole(kind: str, sample_rate: int, automate: bool) -> np.ndarray:
    """The reference: the render in one block, read-only (shared by the block-split tests)."""
    x = render(_layer(kind, sample_rate, automate), block_size=1 << 20)
    x.flags.writeable = False
    return x


def _by_sizes(r, sizes):
    """The render pulled from a mixer in blocks of the given sizes (blocks() uses one size)."""
    p = plan(r)
    with rendering():  # as blocks() renders
        mixer = build(r, seconds=p.seconds)
        out, left = [], p.frames
        for n in sizes:
            if left == 0:
                break
            out.append(mixer.render(min(int(n), left)))
            left -= len(out[-1])
    return np.concatenate(out)


def _split_render(r, split: str) -> np.ndarray:
    """The render of ``r`` in the blocks that ``split`` names (see :data:`SPLITS`)."""
    if split == "ones":
        run = int(BEND * plan(r).frames) - ONES // 2 - ONES
        return _by_sizes(r, [1] * ONES + [run] + [1] * ONES + [1 << 20])
    if split == "random":
        return _by_sizes(r, np.random.default_rng(7).integers(1, 5000, size=10_000))
    return render(r, block_size=int(split))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("split", SPLITS)
def test_block_size_invariance(kind, sample_rate, split):
    r = _layer(kind, sample_rate, automate=False)
    assert np.array_equal(_split_render(r, split), _whole(kind, sample_rate, False))


def test_every_automatable_parameter_declares_its_range():
    for kind in KINDS:
        for name in automated(kind):
            spec = field_spec(layer_model(kind), name)
            assert "minimum" in spec and "maximum" in spec, f"{kind}.{name} has no declared range"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("split", ["65", "4096", "ones", "random"])
def test_automated_parameters_are_block_size_invariant(kind, sample_rate, split):
    """Every Automatable parameter on a ramp: any block split renders the same samples."""
    r = _layer(kind, sample_rate, automate=True)
    assert np.array_equal(_split_render(r, split), _whole(kind, sample_rate, True))


@pytest.mark.parametrize("kind", KINDS)
def test_a_rest_is_silent_and_the_layer_wakes_the_same_in_any_block_size(kind):
    """A silent stretch of the gain (-90 dB from 0.7 s to 2 s) is not rendered; the
    unit built afresh at its end plays on, identically in any block size."""
    bell = kind in ("bell", "sbagen-bell")
    extra = "strikes = [0, 2.3]\n" if bell else NEEDS.get(kind, "")  # listed times carry over the rest
    r = recipe(f"[[layer]]\nname = 'x'\nkind = '{kind}'\ngain_db = [[0, -6], [0.7, -90], [2.0, -6]]\n{extra}",
               duration=3.0, sample_rate=SR)
    whole = render(r, block_size=1 << 20)
    assert not whole[int(0.7 * SR) + 1:int(2.0 * SR) - 1].any()
    assert np.abs(whole[int(2.0 * SR):]).max() > 1e-4, "the layer did not wake"
    if bell:  # the strike listed at 2.3 s sounds then, not at the wake
        assert not whole[int(2.0 * SR):int(2.29 * SR)].any() and whole[int(2.31 * SR):].any()
    assert np.array_equal(render(r, block_size=65), whole)
    sizes = np.random.default_rng(11).integers(1, 3000, size=10_000)
    assert np.array_equal(_by_sizes(r, sizes), whole)


def _draws(kind: str) -> bool:
    """Whether the kind's unit, with its defaults, takes anything from its generator
    (draws or spawns) while built and rendering 0.5 s."""
    rng = layer_rng(0, "x", 0)
    before = rng.bit_generator.state
    k = load_all()[kind]
    k.unit(k.params(), SR, rng).render(SR // 2)
    return rng.bit_generator.state != before or rng.bit_generator.seed_seq.n_children_spawned > 0


@pytest.mark.parametrize("kind", KINDS)
def test_seed_determinism(kind):
    """The same seed gives the same audio; another seed changes it exactly when the kind
    takes from its generator."""
    r = _single(kind, duration=2.0)
    a = render(r, seed=3)
    assert np.array_equal(a, render(r, seed=3))
    assert a.dtype == np.float32 and a.shape == (2 * SR, 2)
    assert np.abs(a).max() > 1e-4, "the kind renders silence with its defaults"
    assert np.array_equal(a, render(r, seed=4)) != _draws(kind)


def test_adding_a_layer_leaves_the_others_unchanged():
    one = recipe("[[layer]]\nname = 'a'\nkind = 'noise'\ngain_db = -20\n", duration=1.0)
    two = recipe("[[layer]]\nname = 'b'\nkind = 'noise'\ncolor = 'brown'\ngain_db = -20\n"
                 "[[layer]]\nname = 'a'\nkind = 'noise'\ngain_db = -20\n", duration=1.0)
    b_only = recipe("[[layer]]\nname = 'b'\nkind = 'noise'\ncolor = 'brown'\ngain_db = -20\n", duration=1.0)
    # Quiet layers keep the limiter out of the way, so the mix is the plain sum.
    mix = render(two).astype(np.float64)
    parts = render(one).astype(np.float64) + render(b_only).astype(np.float64)
    assert np.abs(mix - parts).max() < 1e-6


@pytest.mark.parametrize("kind", KINDS)
def test_safe_output(kind):
    """Hot gain: the limiter keeps every sample at or below the ceiling, DC stays small."""
    r = recipe(f"[[layer]]\nname = 'x'\nkind = '{kind}'\ngain_db = 12\n{NEEDS.get(kind, '')}", duration=2.0, sample_rate=SR,
               extra_session="ceiling_db = -1")
    x = render(r)
    assert np.abs(x).max() <= 10 ** (-1 / 20)
    assert np.all(np.isfinite(x))
    assert np.abs(x.mean(axis=0)).max() < 0.01
