"""What the logic needs from the outside world, as small interfaces: tests can pass fakes, the
handlers pass the AWS adapters (throughgate.adapters.aws)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from throughgate.domain.case_steps import Role

if TYPE_CHECKING:
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
    """Ids and enum values only: a notification may be read on a lock screen."""

    kind: str
    case_id: str
    recipient_role: str
    mentor_id: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


class Workflow(Protocol):
    def execution_arn(self, case_id: str, revision: int) -> str: ...

    def start(self, case_id: str, revision: int, entry: str) -> str: ...

    def stop(self, execution_arn: str, reason: str) -> None: ...

    def resume(self, task_token: str, output: dict[str, Any]) -> None: ...


class Notifier(Protocol):
    def notify(self, notification: Notification) -> None: ...


class Scheduler(Protocol):
    def schedule_outcome_follow_up(self, case_id: str, at: datetime) -> None: ...

    def cancel_outcome_follow_up(self, case_id: str) -> None: ...

    def schedule_start(self, case_id: str, at: datetime, revision: int, entry: str) -> None: ...

    def cancel_start(self, case_id: str) -> None: ...


@dataclass
class Deps:
    store: CaseStore
    workflow: Workflow
    notifier: Notifier
    scheduler: Scheduler
    now: Callable[[], datetime]
