"""The audit trail: who read or changed which case, when, and with what result.

Its own table, append-only: this module can add an entry and read a case's entries, nothing else,
and the functions' roles carry only PutItem and Query on it (infra). Entries hold ids, roles, route
templates and status codes, never a personal value, so erasing a case leaves its trail standing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from throughgate.config import settings
from throughgate.store import schema

# Audit entries outlive the case they describe: one year beyond the case retention period.
AUDIT_RETENTION = timedelta(days=365 * 7)


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


@dataclass(frozen=True)
class AuditEntry:
    case_id: str
    at: datetime
    actor: str  # "role:user id"
    action: str  # e.g. "GET /cases/{case_id}" or "prison_event recalled"
    outcome: int  # the HTTP status the caller got (200 for an applied event)


class AuditLog:
    def record(self, entry: AuditEntry) -> None:
        item = _AuditItem(
            entry.case_id,
            f"{entry.at.isoformat()}#{uuid.uuid4().hex}",
            actor=entry.actor,
            action=entry.action,
            outcome=entry.outcome,
            expires_at=entry.at + AUDIT_RETENTION,
        )
        item.save(condition=_AuditItem.case_id.does_not_exist())

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
