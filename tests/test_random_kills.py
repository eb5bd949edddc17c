"""A bounded run of bench/random_kills.py: SIGKILL at random moments while alumnae write."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from random_kills import soak

pytestmark = pytest.mark.slow  # the real process over HTTP: `pytest -m "not slow"` leaves it out


def test_random_kills_lose_nothing_confirmed_and_duplicate_nothing(tmp_path: Path) -> None:
    result = soak(kills=12, alumnae=3, seed_value=7, folder=tmp_path)
    assert result["kills"] == 12
    assert result["confirmed"] > 0  # the run did real work between kills
    assert result["missing"] == 0
    assert result["duplicated"] == 0
