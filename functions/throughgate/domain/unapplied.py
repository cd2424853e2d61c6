"""A prison update that could not be applied: a message of the prison-events feed that failed on
its last delivery, on its way to the dead-letter queue, kept for the coordinators in words.

It holds what could be read of the message (when the change happened, which kind of change) and
the case where one is known. Where no open case has the message's prison number, the number is kept
too, because it is what a coordinator needs to find the mistake (a referral with a typo, say): it is
personal, so it sits in this one item only (never a key, a log line or an address), is shown to
coordinators only, and goes with the item: when a coordinator marks the update dealt with (the
audit trail records who), when the case it names is erased, or when it expires with the dead-letter
queue's copy of the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from throughgate.domain.case import CHANGE_WORDS

# SQS keeps a message at most 14 days, so the dead-letter queue's copy is gone by then: the
# coordinators' copy goes at the same time (the infra sets the queues' retention from this).
KEPT_DAYS = 14


class NotAppliedBecause(StrEnum):
    INVALID = "invalid"  # the message is not a valid prison update
    NO_OPEN_CASE = "no_open_case"  # no open case has its prison number
    NOT_SAVED = "not_saved"  # it kept failing otherwise (a write conflict each time, say)


@dataclass(frozen=True)
class FailedDelivery:
    """A message's last failed delivery, as the feed's handler saw it (the body is the sender's)."""

    message_id: str
    body: str
    because: NotAppliedBecause
    attempts: int  # how many times it was received
    fields: tuple[str, ...] = ()  # for an invalid message: the fields at fault, never their values


@dataclass(frozen=True)
class UnappliedUpdate:
    message_id: str
    received_at: datetime  # the last delivery, when it was given up on
    because: NotAppliedBecause
    attempts: int
    fields: tuple[str, ...] = ()
    occurred_at: datetime | None = None  # when the change happened, if that could be read
    change: str | None = None  # the kind of change, if it is one we know
    case_id: str | None = None
    prison_number: str | None = None  # personal: only while no open case has it (see above)

    @property
    def expires_at(self) -> datetime:
        return self.received_at + timedelta(days=KEPT_DAYS)

    @property
    def change_words(self) -> str:
        return CHANGE_WORDS.get(self.change or "", "Not readable")

    @property
    def reason_words(self) -> str:
        """Why it was not applied, in the programme's words (field names, never values)."""
        if self.because is NotAppliedBecause.INVALID:
            fields = f" (fields: {', '.join(self.fields)})" if self.fields else ""
            return f"The message was not a valid prison update{fields}"
        if self.because is NotAppliedBecause.NO_OPEN_CASE:
            return "No open case has this prison number"
        return f"Could not be saved after {self.attempts} attempts"
