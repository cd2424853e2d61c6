"""Mentors' supervision sessions (domain.supervision), in each mentor's own partition, and each
supervised mentor's next due date in the sparse `open_items` index (kind SUPERVISION)."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from throughgate.domain.errors import AlreadyApplied
from throughgate.domain.supervision import Supervision, SupervisionDue
from throughgate.store import audit
from throughgate.store.keys import OPEN_SUPERVISION, mentor_pk
from throughgate.store.mapping import from_iso, iso
from throughgate.store.models import MarkerItem, SupervisionDueItem, SupervisionItem
from throughgate.store.transactions import connection, is_conditional


def _item(s: Supervision) -> SupervisionItem:
    return SupervisionItem(
        pk=mentor_pk(s.mentor_id),
        sk=f"SUPERVISION#{s.held_on.isoformat()}#{s.supervision_id}",
        mentor_id=s.mentor_id,
        supervision_id=s.supervision_id,
        held_on=s.held_on.isoformat(),
        supervisor=s.supervisor,
        note=s.note,
        next_due_on=s.next_due_on.isoformat(),
        recorded_at=iso(s.recorded_at),
    )


def _from(item: SupervisionItem) -> Supervision:
    return Supervision(
        mentor_id=item.mentor_id,
        supervision_id=item.supervision_id,
        held_on=date.fromisoformat(item.held_on),
        supervisor=item.supervisor,
        note=item.note,
        next_due_on=date.fromisoformat(item.next_due_on),
        recorded_at=from_iso(item.recorded_at),
    )


class SupervisionStore:
    """Part of CaseStore (the one table)."""

    def supervisions(self, mentor_id: str) -> list[Supervision]:
        """Newest first: one Query of the mentor's partition."""
        items = SupervisionItem.query(
            mentor_pk(mentor_id),
            SupervisionItem.sk.startswith("SUPERVISION#"),
            scan_index_forward=False,
            consistent_read=True,
        )
        return [_from(i) for i in items]

    def supervisions_due(self) -> list[SupervisionDue]:
        """Every supervised mentor's next supervision, soonest first: one Query of the sparse index."""
        return [
            SupervisionDue(i.mentor_id, date.fromisoformat(i.due_key))  # type: ignore[attr-defined]
            for i in SupervisionDueItem.open_items.query(OPEN_SUPERVISION)
        ]

    def record_supervision(
        self, supervision: Supervision, due: SupervisionDue, submission: tuple[str, str] | None
    ) -> None:
        """The session, the mentor's next due date and the request's audit entry, in one transaction;
        `submission` (id, fingerprint) is written once: a retry raises AlreadyApplied."""
        assert due.due_on is not None
        due_item = SupervisionDueItem(
            pk=mentor_pk(due.mentor_id),
            sk="SUPERVISION_DUE",
            mentor_id=due.mentor_id,
            open_kind=OPEN_SUPERVISION,
            due_key=due.due_on.isoformat(),
        )
        entry = audit.unwritten()
        try:
            with TransactWrite(connection=connection()) as tx:
                if submission is not None:
                    submission_id, payload_hash = submission
                    marker = MarkerItem(
                        pk=mentor_pk(supervision.mentor_id),
                        sk=f"DEDUP#{submission_id}",
                        case_id="",
                        payload_hash=payload_hash,
                    )
                    tx.save(marker, condition=MarkerItem.sk.does_not_exist())
                tx.save(_item(supervision), condition=SupervisionItem.sk.does_not_exist())
                tx.save(due_item)
                if entry is not None:
                    item, condition = audit.new_entry_item(
                        entry.at(supervision.recorded_at, entry.saved_status)
                    )
                    tx.save(item, condition=condition)
        except TransactWriteError as error:
            if is_conditional(error):
                raise AlreadyApplied("this supervision was already saved") from None
            raise
        if entry is not None:
            entry.written = True
