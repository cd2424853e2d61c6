"""What the logic needs from the outside world, as small interfaces: tests can pass fakes, the
handlers pass the AWS adapters (throughgate.adapters.aws)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from throughgate.domain.case_steps import Role

if TYPE_CHECKING:
    from throughgate.domain.staff import StaffRecord
    from throughgate.store.repository import CaseStore


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id (never a name) and a role; recorded on the timeline."""

    user_id: str
    role: Role

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.user_id}"


SYSTEM = Actor("throughgate", Role.SYSTEM)


@dataclass(frozen=True)
class Notification:
    """Ids and enum values only: who receives it is worked out when it is delivered (the case's
    mentor then, so a reassigned mentor stops receiving the case's notifications; or the
    coordinators), and its words come from the catalogue (domain.notifications)."""

    kind: str
    case_id: str
    recipient_role: str  # "mentor" (the case's mentor) or "coordinator" (every coordinator)
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StaffMember:
    """A person who signs in: the username is their staff id (a mentor's is their mentor id)."""

    username: str
    email: str | None


class StaffDirectory(Protocol):
    """Who the staff are and where their e-mail goes: the sign-in directory (Cognito), which already
    holds each person's group (their role) and e-mail address. Narrow on purpose: staff records with
    display names (issue 18) may stand behind it later."""

    def coordinators(self) -> list[StaffMember]: ...

    def member(self, username: str) -> StaffMember | None: ...


class StaffAccounts(Protocol):
    """Managing sign-in accounts (Cognito's admin operations on the one user pool): the person's
    group is their role, their `email` attribute where the invitation goes."""

    def create(self, username: str, email: str, role: Role) -> None:
        """The account, with an invitation e-mail. Idempotent: an account with this username and
        this e-mail already there is adopted (a retry after the record's write failed); with another
        e-mail it raises UsernameTaken."""
        ...

    def change_group(self, username: str, old: Role, new: Role) -> None: ...

    def reset_password(self, username: str) -> None: ...

    def reset_authenticator(self, username: str) -> None: ...

    def sign_out_everywhere(self, username: str) -> None: ...

    def disable(self, username: str) -> None: ...


class StaffRecords(Protocol):
    """The one read a session check makes (the store's StaffStore, without the rest of the store)."""

    def staff_member(self, username: str) -> StaffRecord | None: ...


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class Delivery:
    """What delivering notifications needs beyond the table: only the outbox's carriers (and the
    daily digest) have it, so only they may read the directory and send e-mail."""

    directory: StaffDirectory
    mailer: Mailer
    web_base_url: str  # e-mails link to the app here ("https://..."; no trailing slash)


class Workflow(Protocol):
    def execution_arn(self, case_id: str, revision: int) -> str: ...

    def start(self, case_id: str, revision: int, entry: str) -> str: ...

    def stop(self, execution_arn: str, reason: str) -> None: ...

    def resume(self, task_token: str, output: dict[str, Any]) -> None: ...


class Scheduler(Protocol):
    def schedule_outcome_follow_up(self, case_id: str, at: datetime) -> None: ...

    def cancel_outcome_follow_up(self, case_id: str) -> None: ...

    def schedule_start(self, case_id: str, at: datetime, revision: int, entry: str) -> None: ...

    def cancel_start(self, case_id: str) -> None: ...


@dataclass
class Deps:
    store: CaseStore
    workflow: Workflow
    scheduler: Scheduler
    now: Callable[[], datetime]
    # None in a function that only saves notifications (as effects): the outbox's carriers deliver them.
    delivery: Delivery | None = None
    # None in a function that manages no staff accounts (only the Api and Web functions do).
    accounts: StaffAccounts | None = None
