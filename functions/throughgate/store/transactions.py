"""What the store's modules share to write in transactions: the one connection, and how a write
refused by its condition is told apart from any other failure."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pynamodb.connection.base import Connection
from pynamodb.exceptions import CancellationReason

from throughgate import caches


def is_conditional(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    if cause in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        reasons: Iterable[CancellationReason | None] = getattr(error, "cancellation_reasons", None) or []
        return cause == "ConditionalCheckFailedException" or any(
            r is not None and r.code == "ConditionalCheckFailed" for r in reasons
        )
    return False


@caches.resettable
@cache
def connection() -> Connection:
    """One connection per container, reused across calls."""
    from throughgate.config import settings

    return Connection(region=settings().region)
