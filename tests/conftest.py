"""Fixtures shared by every folder: a local stack at the e2e start date, and a journey on it.

A folder whose tests need another start (tests/integration) overrides `stack` in its own conftest;
helpers (Journey, referral, needs, START) are imported from tests/journey.py, never fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.journey import START, Journey, new_journey
from throughgate_local.stack import LocalStack


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(START) as local:
        yield local


@pytest.fixture
def journey(stack: LocalStack) -> Journey:
    return new_journey(stack)
