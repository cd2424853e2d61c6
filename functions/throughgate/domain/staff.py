"""A member of staff's record in the programme: their username (a staff id, never a name: it is in
addresses, logs and the audit trail), their role, the name colleagues know them by, and whether they
may still sign in.

The sign-in directory (Cognito) holds the password, the authenticator and the e-mail address; this
record holds what the app decides with: the role it shows, and whether a session is still good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Conflict, InvalidInput

STAFF_ROLES = (Role.COORDINATOR, Role.MENTOR, Role.MANAGER)

ROLE_WORDS = {
    Role.COORDINATOR: "Coordinator",
    Role.MENTOR: "Mentor",
    Role.MANAGER: "Manager",
}

# A staff id: lower case, as the user pool compares usernames without case; 8 to 60 characters, the
# same shape as a mentor id (a mentor's username is their mentor id).
USERNAME = re.compile(r"[a-z0-9][a-z0-9_\-]{7,59}")


class StaffStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


STATUS_WORDS = {StaffStatus.ACTIVE: "Active", StaffStatus.DEACTIVATED: "Deactivated"}


class UsernameTaken(Conflict):
    """Someone else already signs in with that username."""

    code = "username_taken"


def require_username(username: str) -> None:
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "a username is 8 to 60 lower-case letters, digits, - or _, starting with a letter or digit",
            "username",
        )


@dataclass(frozen=True)
class StaffRecord:
    username: str
    role: Role
    display_name: str
    status: StaffStatus
    changed_at: datetime
    changed_by: str  # the actor's label ("coordinator:coordinator-0001"): ids only
    # A session issued before this moment is over (a deactivation or a change of role ends them).
    sessions_valid_after: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status is StaffStatus.ACTIVE

    @property
    def role_words(self) -> str:
        return ROLE_WORDS[self.role]

    @property
    def status_words(self) -> str:
        return STATUS_WORDS[self.status]

    def accepts_session(self, issued_at: datetime | None) -> bool:
        """A session (issued at `issued_at`, when known) may still act for this person. A token
        without its issue time is judged by the status only."""
        if not self.is_active:
            return False
        return (
            self.sessions_valid_after is None or issued_at is None or issued_at >= self.sessions_valid_after
        )

    def with_role(self, role: Role, at: datetime, by: str, sessions_end: datetime) -> StaffRecord:
        """A new role ends the person's sessions: the old one is written into their ID token, so a
        session kept would act with the old role until it expired."""
        if role not in STAFF_ROLES:
            raise InvalidInput("choose coordinator, mentor or manager", "role")
        return replace(self.signed_out(at, by, sessions_end), role=role)

    def signed_out(self, at: datetime, by: str, sessions_end: datetime) -> StaffRecord:
        """Every session issued before `sessions_end` is over. That is wall-clock time, as sessions
        are issued (`at` is the programme's clock, virtual on the local stack)."""
        self.require_active()
        return replace(self, changed_at=at, changed_by=by, sessions_valid_after=_whole(sessions_end))

    def deactivated(self, at: datetime, by: str, sessions_end: datetime) -> StaffRecord:
        if not self.is_active:
            return self
        return replace(self.signed_out(at, by, sessions_end), status=StaffStatus.DEACTIVATED)

    def require_active(self) -> None:
        if not self.is_active:
            raise Conflict(f"staff {self.username} is deactivated")


def _whole(moment: datetime) -> datetime:
    """Token issue times are whole seconds, so a token of the same second as the change cannot be
    told before or after it: the next whole second, so that every earlier session ends (a sign-in in
    that same second must be made again)."""
    return moment.replace(microsecond=0) + timedelta(seconds=1)
