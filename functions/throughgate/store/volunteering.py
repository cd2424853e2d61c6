"""Mentors' time entries (domain.volunteering) in each mentor's partition, `MENTOR#<id>`.

A month of one mentor is one Query (`TIME#<first day>` to `TIME#<last day>~`); an entry is found by
its id through its reference item (two GetItems). Every write is one transaction with the
request's audit entry, like a case's commit: a change is never saved without its entry.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from throughgate.domain.errors import AlreadyApplied, Conflict, NotFound
from throughgate.domain.volunteering import EntryStatus, TimeEntry
from throughgate.store import audit
from throughgate.store.keys import mentor_pk
from throughgate.store.mapping import from_iso, iso
from throughgate.store.models import TimeItem, TimeRefItem
from throughgate.store.transactions import connection, is_conditional


class TimeStore:
    """Reads and all-or-nothing writes of mentors' time entries (mixed into the case store)."""

    def time_entries(self, mentor_id: str, first: date, last: date) -> list[TimeEntry]:
        """The mentor's entries dated `first` to `last`, oldest first: one Query of one partition."""
        items = TimeItem.query(
            mentor_pk(mentor_id),
            TimeItem.sk.between(f"TIME#{first.isoformat()}", f"TIME#{last.isoformat()}~"),
            consistent_read=True,
        )
        return [_entry_from(item) for item in items]

    def time_entry(self, mentor_id: str, entry_id: str) -> TimeEntry:
        ref = self._time_ref(mentor_id, entry_id)
        if ref is not None:
            try:
                return _entry_from(
                    TimeItem.get(mentor_pk(mentor_id), _sk(ref.on, entry_id), consistent_read=True)
                )
            except DoesNotExist:
                pass
        raise NotFound(f"time entry {entry_id} not found")

    def time_fingerprint(self, mentor_id: str, entry_id: str) -> str | None:
        """The fingerprint an entry id was first saved with (None: the id is new)."""
        ref = self._time_ref(mentor_id, entry_id)
        return ref.payload_hash if ref is not None else None

    def save_time_entry(
        self,
        entry: TimeEntry,
        now: datetime,
        *,
        fingerprint: str | None = None,
        moved_from: date | None = None,
    ) -> None:
        """Save a new entry (`fingerprint` given: its id must be new), or a changed one (its version
        must still be the one read; `moved_from`: the date it had before an edit moved it)."""
        pk = mentor_pk(entry.mentor_id)
        moving = fingerprint is None and moved_from is not None and moved_from != entry.on
        item = _entry_item(replace(entry, version=None) if moving else entry)  # moved: a new item
        request_entry = audit.unwritten()
        if moving:  # its reference says the new date (the fingerprint stays)
            ref = self._time_ref(entry.mentor_id, entry.entry_id)
            if ref is None:
                raise NotFound(f"time entry {entry.entry_id} not found")
            moved_ref = TimeRefItem(pk=pk, sk=ref.sk, on=entry.on.isoformat(), payload_hash=ref.payload_hash)
        try:
            with TransactWrite(connection=connection()) as tx:
                if fingerprint is not None:
                    ref = TimeRefItem(
                        pk=pk, sk=_ref_sk(entry.entry_id), on=entry.on.isoformat(), payload_hash=fingerprint
                    )
                    tx.save(ref, condition=TimeRefItem.sk.does_not_exist())
                elif moving:
                    assert moved_from is not None
                    old = TimeItem(
                        pk=pk, sk=_sk(moved_from.isoformat(), entry.entry_id), version=entry.version
                    )
                    tx.delete(old)  # only at the version read (pynamodb adds the condition)
                    tx.save(moved_ref)  # whole items only (PutItem, never UpdateItem: infra)
                tx.save(item)
                if request_entry is not None:
                    tx.save(*audit.new_entry_item(request_entry.at(now, request_entry.saved_status)))
        except TransactWriteError as error:
            if fingerprint is not None and is_conditional(error):
                raise AlreadyApplied("this time entry was already saved") from None
            if is_conditional(error):
                raise Conflict("the time entry was changed by someone else; reload and try again") from None
            raise
        if request_entry is not None:
            request_entry.written = True
        entry.version = item.version

    @staticmethod
    def _time_ref(mentor_id: str, entry_id: str) -> TimeRefItem | None:
        try:
            return TimeRefItem.get(mentor_pk(mentor_id), _ref_sk(entry_id), consistent_read=True)
        except DoesNotExist:
            return None


def _sk(on: str, entry_id: str) -> str:
    return f"TIME#{on}#{entry_id}"


def _ref_sk(entry_id: str) -> str:
    return f"TIMEREF#{entry_id}"


def _entry_item(entry: TimeEntry) -> TimeItem:
    item = TimeItem(
        pk=mentor_pk(entry.mentor_id),
        sk=_sk(entry.on.isoformat(), entry.entry_id),
        mentor_id=entry.mentor_id,
        entry_id=entry.entry_id,
        on=entry.on.isoformat(),
        minutes=entry.minutes,
        activity=entry.activity,
        case_id=entry.case_id,
        travel_mode=entry.travel_mode,
        miles=entry.miles,
        fares_pence=entry.fares_pence,
        expense_pence=entry.expense_pence,
        expense_note=entry.expense_note or None,
        recorded_by=entry.recorded_by,
        recorded_at=iso(entry.recorded_at),
        status=entry.status.value,
        query_reason=entry.query_reason or None,
        decided_by=entry.decided_by,
    )
    if entry.version is not None:
        item.version = entry.version
    return item


def _entry_from(item: TimeItem) -> TimeEntry:
    return TimeEntry(
        entry_id=item.entry_id,
        mentor_id=item.mentor_id,
        on=date.fromisoformat(item.on),
        minutes=int(item.minutes),
        activity=item.activity,
        case_id=item.case_id,
        travel_mode=item.travel_mode,
        miles=int(item.miles),
        fares_pence=int(item.fares_pence),
        expense_pence=int(item.expense_pence),
        expense_note=item.expense_note or "",
        recorded_by=item.recorded_by,
        recorded_at=from_iso(item.recorded_at),
        status=EntryStatus(item.status),
        query_reason=item.query_reason or "",
        decided_by=item.decided_by,
        version=item.version,
    )
