"""Fixtures shared by the tests."""

from __future__ import annotations

import pytest

from gymPacMan import engine
from gymPacMan.layout import parse_layout

from helpers import ARENA


@pytest.fixture
def arena():
    """A fresh one-game state on ARENA."""
    return engine.new_state([parse_layout(ARENA, "arena")], [0])
