"""The audit trail: who read or changed which case, when, and with what result.

Its own table, append-only: this module can add an entry and read a case's entries, nothing else,
and the functions' roles carry only PutItem and Query on it (infra). Entries hold ids, roles, route
templates and status codes, never a personal value, so erasing a case leaves its trail standing.

One entry per request, written one of two ways (`PendingEntry`):

- **With the change.** The first `CaseStore.commit` a request makes writes the request's entry in the
  same transaction (TransactWriteItems spans both tables): a change is never saved without its
  entry, and the request makes one write instead of two. The response is not known yet, so the
  entry's outcome is the status the route answers for a saved change (`saved_status`: 200 from the
  API, 303 from the web forms' redirect). The change stands whatever happens after it, so that is
  also what the entry says when a later step of the request fails.
- **After the response**, with the status the caller got, for a request that saved nothing: reads,
  refusals, invalid input, not-founds, replays, and a commit the database cancelled (a conflict:
  then the transaction wrote neither the change nor the entry).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

from throughgate.config import settings
from throughgate.domain.catalogue import load_programme
from throughgate.store import schema


class _AuditItem(Model):
    class Meta:
        table_name = settings().audit_table_name
        region = settings().region

    case_id = UnicodeAttribute(hash_key=True, attr_name=schema.AUDIT_PARTITION_KEY)
    at_request = UnicodeAttribute(range_key=True, attr_name=schema.AUDIT_SORT_KEY)
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    outcome = NumberAttribute()
    expires_at = TTLAttribute(attr_name=schema.TTL_ATTRIBUTE)


def audit_retention() -> timedelta:
    """How long an entry is kept (its TTL): beyond the case retention period, so the trail outlives
    the case it describes."""
    programme = load_programme()
    return timedelta(days=programme.retention_days_after_closure + programme.audit_kept_days_beyond_retention)


@dataclass(frozen=True)
class AuditEntry:
    case_id: str
    at: datetime
    actor: str  # "role:user id"
    action: str  # e.g. "GET /cases/{case_id}" or "prison_event recalled"
    outcome: int  # the HTTP status the caller got (200 for an applied event)


def new_entry_item(entry: AuditEntry) -> tuple[Model, Condition]:
    """The entry as an item, with the condition it is written under: never over another entry."""
    item = _AuditItem(
        entry.case_id,
        f"{entry.at.isoformat()}#{uuid.uuid4().hex}",
        actor=entry.actor,
        action=entry.action,
        outcome=entry.outcome,
        expires_at=entry.at + audit_retention(),
    )
    return item, _AuditItem.case_id.does_not_exist()


class AuditLog:
    def record(self, entry: AuditEntry) -> None:
        item, condition = new_entry_item(entry)
        item.save(condition=condition)

    def trail(self, case_id: str, limit: int = 500) -> list[AuditEntry]:
        """Newest first: the coordinator's question is usually 'who looked at this lately'."""
        return [
            AuditEntry(
                case_id=item.case_id,
                at=datetime.fromisoformat(item.at_request.split("#", 1)[0]),
                actor=item.actor,
                action=item.action,
                outcome=int(item.outcome),
            )
            for item in _AuditItem.query(case_id, scan_index_forward=False, limit=limit)
        ]


@dataclass
class PendingEntry:
    """The entry of the request being handled, before it is written (see the module docstring)."""

    case_id: str
    actor: str
    action: str
    saved_status: int  # the outcome recorded when the entry is written with the request's change
    written: bool = False

    def at(self, moment: datetime, outcome: int) -> AuditEntry:
        return AuditEntry(self.case_id, moment, self.actor, self.action, outcome)


# The request in progress on this thread (a Lambda container handles one request at a time).
_pending: ContextVar[PendingEntry | None] = ContextVar("throughgate_pending_audit_entry", default=None)


@contextmanager
def pending_entry(entry: PendingEntry) -> Iterator[PendingEntry]:
    """While the request runs, its first commit carries `entry`."""
    token = _pending.set(entry)
    try:
        yield entry
    finally:
        _pending.reset(token)


def unwritten() -> PendingEntry | None:
    """The current request's entry if no commit has written it yet (None outside a request)."""
    entry = _pending.get()
    return entry if entry is not None and not entry.written else None
