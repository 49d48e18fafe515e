"""The pytest plugin (registered through the ``pytest11`` entry point): the ``framecap_events`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._types import Event
from .testing import capture_events


@pytest.fixture
def framecap_events() -> Iterator[list[Event]]:
    """The events captured during the test (exactly as they would be sent), none of them sent."""
    with capture_events() as events:
        yield events
