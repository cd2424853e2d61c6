"""Typed domain errors: callers branch on the class or `code`, never on message text.

Messages carry ids, field names and enum values only, because they end up in logs and API
responses and this is criminal offence data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from throughgate.domain.lifecycle import Stage


class DomainError(Exception):
    code: str = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalTransition(DomainError):
    code = "illegal_transition"

    def __init__(self, current: Stage, target: Stage) -> None:
        super().__init__(f"cannot move a case from {current.value} to {target.value}")
        self.current = current
        self.target = target


class NotFound(DomainError):
    code = "not_found"


class MentorNotSetUp(NotFound):
    """A mentor (a staff id) with no mentor record yet: a coordinator sets up their profile first."""

    def __init__(self, mentor_id: str) -> None:
        super().__init__(f"mentor {mentor_id} has no record yet")
        self.mentor_id = mentor_id


class Forbidden(DomainError):
    """The actor's role may not do this (a mentor on someone else's case gets NotFound instead)."""

    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class AlreadyApplied(Conflict):
    """The same submission arrived twice at once and the other copy was saved first."""

    code = "already_applied"


class IdReused(Conflict):
    """A submission or event id seen before, now with different content."""

    code = "id_reused"


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotWaiting(DomainError):
    """The case is not waiting for that gate, so a resume or callback does not apply."""

    code = "not_waiting"


class CapacityExceeded(DomainError):
    code = "capacity_exceeded"


class DuplicateReferral(DomainError):
    code = "duplicate_referral"
