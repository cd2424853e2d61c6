"""What one action writes, as plain data: the logic builds it, `CaseStore.commit` writes it all or
nothing. Kept apart from the store so that importing the logic does not import pynamodb and
botocore (a handler's cold start pays for them on first use, not at import)."""

from __future__ import annotations

from dataclasses import dataclass, field

from throughgate.domain.case import (
    Case,
    CheckIn,
    Contact,
    Escalation,
    Mentor,
    Need,
    Outcome,
    Task,
    TimelineEvent,
)
from throughgate.domain.effects import Effect
from throughgate.domain.mentors import CheckRecord, TrainingSession
from throughgate.domain.reminders import Appointment

Record = Need | Task | CheckIn | TimelineEvent | Escalation | Outcome | Contact | Appointment


@dataclass(frozen=True)
class Once:
    """An id that may be applied once (a form's submission id, an event id), with a fingerprint of
    what it carried so a reused id with other content is told apart from a retry."""

    key: str
    payload_hash: str | None = None


@dataclass
class Changes:
    """What one action writes, all or nothing: the case (version-checked), the records around it and
    the effects that must follow."""

    case: Case | None = None
    records: list[Record] = field(default_factory=list)
    mentors: list[Mentor] = field(default_factory=list)
    mentor_records: list[CheckRecord | TrainingSession] = field(default_factory=list)  # their history
    once: list[Once] = field(default_factory=list)  # ids that must not have been applied before
    # The case has ended: a later sentence may be referred again (the one-open-case reference goes).
    release_prison_number: bool = False
    # What must follow the change (the outbox): saved with it, carried out after it, in this order.
    effects: list[Effect] = field(default_factory=list)
    # (case id, revision): write only while the case is still at this plan revision. A workflow step
    # that does not write the case itself sets it, so a superseded execution cannot write.
    while_revision: tuple[str, int] | None = None
    # The client's mobile number (E.164) to file the case under, or to take it from: a reply (STOP)
    # finds the case by it. The reference's key is a keyed hash (store.keys.mobile_key).
    file_mobile: str | None = None
    unfile_mobile: str | None = None

    def add(self, *records: Record) -> Changes:
        self.records.extend(records)
        return self
