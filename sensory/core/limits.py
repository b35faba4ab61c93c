"""The limits every part agrees on, declared once: recipes, renders, exports and the command
line read them from here. Plain numbers: importing this loads neither numpy nor pydantic."""

from __future__ import annotations

__all__ = ["MAX_SEED", "MAX_DURATION_S", "SAMPLE_RATES", "MAX_PROCESSES"]

MAX_SEED = 2**63 - 1  # seeds are 0..MAX_SEED (a PCG64 seed sequence's entropy word)
MAX_DURATION_S = 24 * 3600.0  # s: the longest session or export
SAMPLE_RATES = (8000, 192000)  # Hz: the lowest and highest sample rate a render accepts
MAX_PROCESSES = 4  # processes one render may share its layers over; more rarely pays (few recipes have more busy layers)
