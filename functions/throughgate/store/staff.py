"""The staff records (domain.staff): one partition, read whole for the staff list, one item read for
each session check. Every change is written with its audit entry, in one transaction."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Conflict
from throughgate.domain.staff import StaffRecord, StaffStatus
from throughgate.store import audit
from throughgate.store.keys import STAFF_PK, staff_audit_key, staff_sk
from throughgate.store.mapping import from_iso, iso
from throughgate.store.models import StaffItem
from throughgate.store.transactions import connection, is_conditional


def _item(record: StaffRecord) -> StaffItem:
    return StaffItem(
        pk=STAFF_PK,
        sk=staff_sk(record.username),
        username=record.username,
        role=record.role.value,
        display_name=record.display_name,
        status=record.status.value,
        changed_at=iso(record.changed_at),
        changed_by=record.changed_by,
        sessions_valid_after=iso(record.sessions_valid_after) if record.sessions_valid_after else None,
    )


def _record(item: StaffItem) -> StaffRecord:
    return StaffRecord(
        username=item.username,
        role=Role(item.role),
        display_name=item.display_name,
        status=StaffStatus(item.status),
        changed_at=from_iso(item.changed_at),
        changed_by=item.changed_by,
        sessions_valid_after=from_iso(item.sessions_valid_after) if item.sessions_valid_after else None,
    )


class StaffStore:
    def staff_member(self, username: str) -> StaffRecord | None:
        try:
            return _record(StaffItem.get(STAFF_PK, staff_sk(username), consistent_read=True))
        except DoesNotExist:
            return None

    def all_staff(self) -> list[StaffRecord]:
        return [_record(item) for item in StaffItem.query(STAFF_PK, StaffItem.sk.startswith("STAFF#"))]

    def save_staff(self, record: StaffRecord, before: StaffRecord | None, actor: str, action: str) -> None:
        """The record and its audit entry (`actor` did `action`, at the record's `changed_at`), all
        or nothing, only over the version `before` was read at (None: only if there is no record
        yet). Raises Conflict if someone changed it meanwhile."""
        entry = audit.AuditEntry(staff_audit_key(record.username), record.changed_at, actor, action, 200)
        condition = (
            StaffItem.sk.does_not_exist()
            if before is None
            else StaffItem.changed_at == iso(before.changed_at)
        )
        entry_item, entry_condition = audit.new_entry_item(entry)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(_item(record), condition=condition)
                tx.save(entry_item, condition=entry_condition)
        except TransactWriteError as error:
            if is_conditional(error):
                raise Conflict(f"staff {record.username} was changed by someone else") from None
            raise

    def seed_staff(self, record: StaffRecord) -> None:
        """A record for an account made outside the app (the local stack's demo staff), if none."""
        try:
            _item(record).save(condition=StaffItem.sk.does_not_exist())
        except PutError as error:
            if not is_conditional(error):
                raise
