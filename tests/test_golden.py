"""Every preset sounds as recorded in ``tests/golden.json`` (see :mod:`tests.golden`)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from . import golden

RECORDED = json.loads(golden.GOLDEN.read_text())
SAME_PLATFORM = RECORDED["platform"] == golden.platform_key()


def test_every_packaged_preset_is_recorded():
    assert sorted(RECORDED["cases"]) == sorted(f"{n} {h} {sr}" for n, h, sr in golden.cases())


@pytest.mark.parametrize("name,how,sample_rate", golden.cases(), ids=lambda v: str(v))
def test_preset_renders_as_recorded(name, how, sample_rate):
    want = RECORDED["cases"][f"{name} {how} {sample_rate}"]
    got = golden.fingerprint(golden.audio(name, how, sample_rate), sample_rate)
    np.testing.assert_allclose(got["levels_db"], want["levels_db"], rtol=0, atol=1e-4)
    if SAME_PLATFORM:
        assert got["sha256"] == want["sha256"]
