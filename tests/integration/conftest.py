"""The store tests' local stack (its own start date) and a CaseStore on it.

`throughgate.store` reads its settings (the table name) when first imported, so it is imported only
once the local stack has set the environment, as a Lambda container would have it at cold start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from throughgate_local.stack import LocalStack

if TYPE_CHECKING:
    from throughgate.store.repository import CaseStore

START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(START) as local:
        yield local


@pytest.fixture
def store(stack: LocalStack) -> CaseStore:
    from throughgate.store.repository import CaseStore

    return CaseStore()
