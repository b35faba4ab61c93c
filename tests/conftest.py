"""Shared fixtures. ``pulse``: a private PulseAudio server with a null sink for live-playback tests."""

from __future__ import annotations

import pytest

from .pulse_server import PulseServer


@pytest.fixture(scope="session")
def pulse():
    """A running :class:`~tests.pulse_server.PulseServer`; ``pulse.record()`` records its sink.

    Skips (with the reason) only when the server cannot start.
    """
    server = PulseServer()
    try:
        server.start()
    except (RuntimeError, OSError, ValueError) as e:
        pytest.skip(f"no PulseAudio null sink for live playback: {e}")
    yield server
    server.stop()
