"""Supervision of mentors: a coordinator meets each mentor regularly and records it. The note is
personal (it is about the mentor and their clients): shown to coordinators and the mentor only,
never in a log, a notification or the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from throughgate.domain.schedule import long_date


@dataclass(frozen=True)
class Supervision:
    mentor_id: str
    supervision_id: str
    held_on: date  # the London date of the session
    supervisor: str  # the coordinator's username (a staff id)
    note: str  # personal
    next_due_on: date
    recorded_at: datetime

    @staticmethod
    def default_next_due(held_on: date, every_days: int) -> date:
        """The next session, unless the supervisor sets another date: `every_days` after this one."""
        return held_on + timedelta(days=every_days)


@dataclass(frozen=True)
class SupervisionDue:
    """When a mentor's next supervision is due (from their latest session); `due_on` None: never
    supervised yet, which is due at once."""

    mentor_id: str
    due_on: date | None

    def is_overdue(self, today: date) -> bool:
        """Past its due date by the London date: due today is not overdue yet."""
        return self.due_on is None or self.due_on < today

    def words(self, today: date) -> str:
        """ "Next due 3 January 2027", "Overdue since 3 January 2027" or "No supervision recorded"."""
        if self.due_on is None:
            return "No supervision recorded"
        if self.is_overdue(today):
            return f"Overdue since {long_date(self.due_on)}"
        return f"Next due {long_date(self.due_on)}"
