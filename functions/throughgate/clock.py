"""The one source of "now" for domain logic and handlers.

On AWS it is the system clock. The local stack installs a virtual clock here so that the handlers and
moto's Step Functions interpreter agree on the date while a simulation moves weeks in milliseconds.
"""

from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    """Timezone-aware UTC now."""
    return _source() if _source is not None else datetime.now(UTC)


def install(source: Callable[[], datetime] | None) -> None:
    """Replace the clock (the local runtime only); None restores the system clock."""
    global _source  # noqa: PLW0603 - one process-wide clock is the point
    _source = source
