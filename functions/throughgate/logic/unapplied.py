"""Prison updates that could not be applied (domain.unapplied): kept as the feed gives up on them,
listed for the coordinators (read-only for managers), marked dealt with by a coordinator."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from throughgate.domain.case import CHANGE_WORDS
from throughgate.domain.case_steps import Act
from throughgate.domain.errors import NotFound
from throughgate.domain.unapplied import FailedDelivery, NotAppliedBecause, UnappliedUpdate
from throughgate.logic.access import may, require
from throughgate.logic.ports import Actor, Deps

_PRISON_NUMBER = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")  # schemas.PrisonEvent's
# SQS message ids are UUIDs; anything else in an address is not one (answered before any read).
_MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Where an update dealt with is recorded in the audit trail when no case is known.
NO_CASE_TRAIL = "prison-updates"


@dataclass(frozen=True)
class UnappliedLine:
    """One update as a coordinator reads it: the case by reference and name where it is known."""

    update: UnappliedUpdate
    case_reference: str | None = None
    client_name: str | None = None
    prison_number: str | None = None  # for those who may deal with it only

    def as_json(self) -> dict[str, object]:
        update = self.update
        return {
            "message_id": update.message_id,
            "received_at": update.received_at.isoformat(),
            "occurred_at": update.occurred_at.isoformat() if update.occurred_at else None,
            "change": update.change,
            "update": update.change_words,
            "reason": update.because.value,
            "why": update.reason_words,
            "case_id": update.case_id,
            "case_reference": self.case_reference,
            "prison_number": self.prison_number,
        }


def keep_unapplied_update(deps: Deps, failed: FailedDelivery) -> bool:
    """Keep what can be read of a message the feed gives up on, for the coordinators; once per
    message id (False if kept already). The case is looked up by the prison number, whatever the
    reason: a message that was invalid in another field may still name a client we hold."""
    readable = _readable(failed.body)
    prison_number = readable.get("prison_number")
    number = (
        prison_number if isinstance(prison_number, str) and _PRISON_NUMBER.fullmatch(prison_number) else None
    )
    case = deps.store.find_case_by_prison_number(number) if number else None
    update = UnappliedUpdate(
        message_id=failed.message_id,
        received_at=deps.now(),
        because=failed.because,
        attempts=failed.attempts,
        fields=failed.fields,
        occurred_at=_moment(readable.get("occurred_at")),
        change=_change(readable.get("change")),
        case_id=case.case_id if case else None,
        # Only where no open case has it: then it is the one thing that can lead to the client.
        prison_number=number if case is None and failed.because is NotAppliedBecause.NO_OPEN_CASE else None,
    )
    return deps.store.keep_unapplied(update)


def _readable(body: str) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        return {}
    return message if isinstance(message, dict) else {}


def _moment(value: object) -> datetime | None:
    """A date and time with its offset, as the feed must send it; anything else is unreadable."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _change(value: object) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) and kind in CHANGE_WORDS else None


def unapplied_updates(deps: Deps, actor: Actor) -> list[UnappliedLine]:
    """Newest first; the cases they name in one batch get (a case erased since is not named)."""
    require(actor, Act.READ_UNAPPLIED_UPDATES)
    updates = deps.store.unapplied_updates()
    cases = {c.case_id: c for c in deps.store.cases(u.case_id for u in updates if u.case_id)}
    shows_number = may(actor, Act.DEAL_WITH_UNAPPLIED_UPDATE)
    lines = []
    for update in updates:
        case = cases.get(update.case_id or "")
        lines.append(
            UnappliedLine(
                update,
                case_reference=case.case_id[:8] if case else None,
                client_name=case.client.full_name if case else None,
                prison_number=update.prison_number if shows_number else None,
            )
        )
    return lines


def deal_with_unapplied(deps: Deps, actor: Actor, message_id: str) -> bool:
    """A coordinator has dealt with it outside Throughgate (corrected a referral, recorded the
    change on the case, asked the prison): it goes, its prison number with it, and the audit trail
    (the case's where known) says who. False if it had gone already: a double click, or two
    coordinators at once, is not an error."""
    from throughgate.store.audit import AuditEntry

    require(actor, Act.DEAL_WITH_UNAPPLIED_UPDATE)
    if not _MESSAGE_ID.fullmatch(message_id):
        raise NotFound("no such prison update")
    update = deps.store.unapplied_update(message_id)
    if update is None:
        return False
    entry = AuditEntry(
        update.case_id or NO_CASE_TRAIL, deps.now(), actor.label, "prison_update dealt_with", 200
    )
    return deps.store.deal_with_unapplied(message_id, entry)
