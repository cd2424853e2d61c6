"""Each person's notifications (the in-app list) and their notification settings.

A note is keyed by the person's username (a staff id, never a personal value) and the time it was
sent; it sits in the sparse `open_items` index (kind NOTE) while unread, which the daily digest and
the local stack's outbox read by time. Writing a note again (a retried delivery) writes the same item.

Each note has a reference in its case's partition, written with it: erasure and anonymisation
delete the notes their references name before the partition goes, so no note outlives its case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from throughgate.domain.notifications import KEPT_FOR, EmailChoice, Message, Note
from throughgate.store.keys import OPEN_NOTE, STAFF_SETTINGS_PK, WEEKLY_PK, case_pk, inbox_pk
from throughgate.store.mapping import from_iso, iso
from throughgate.store.models import CaseItem, MarkerItem, NoteItem, NoteRefItem, StaffSettingsItem
from throughgate.store.transactions import connection, is_conditional

# A transaction holds 100 actions: the check of the case, then each note and its reference.
NOTES_PER_TRANSACTION = 49
# TTL deletes an item within days of its expiry, not at it: the reference outlives its note, so an
# erasure in between still finds a note that has expired but not yet gone.
REFERENCE_OUTLIVES_NOTE = timedelta(days=7)


def _note_item(note: Note) -> NoteItem:
    return NoteItem(
        pk=inbox_pk(note.username),
        sk=f"NOTE#{note.note_id}",
        username=note.username,
        case_id=note.case_id,
        kind=note.message.kind,
        recipient_role=note.recipient_role,
        detail=dict(note.detail),
        subject=note.message.subject,
        body=note.message.body,
        link=note.message.link,
        sent_at=iso(note.sent_at),
        read=note.read,
        open_kind=None if note.read else OPEN_NOTE,
        due_key=None if note.read else f"{note.note_id}#{note.username}",
        expires_at=note.sent_at + KEPT_FOR,
    )


def _note_ref(note: Note) -> NoteRefItem:
    note_sk = f"NOTE#{note.note_id}"
    return NoteRefItem(
        pk=case_pk(note.case_id),
        sk=f"NOTEREF#{note.username}#{note_sk}",
        username=note.username,
        note_sk=note_sk,
        expires_at=note.sent_at + KEPT_FOR + REFERENCE_OUTLIVES_NOTE,
    )


def _note_from(item: NoteItem) -> Note:
    return Note(
        username=item.username,
        note_id=item.sk.removeprefix("NOTE#"),
        case_id=item.case_id,
        recipient_role=item.recipient_role,
        detail=item.detail.as_dict() if item.detail else {},
        message=Message(item.kind, item.subject, item.body, item.link),
        sent_at=from_iso(item.sent_at),
        read=bool(item.read),
    )


class InboxStore:
    """Part of CaseStore (the one table): notes and settings."""

    def deliver_notes(self, case_id: str, notes: Iterable[Note]) -> bool:
        """The notes about the case, each with its reference in the case's partition, while the case
        is there and not being erased: False, and nothing written, once it is not (erasure marks the
        case before it reads the references, so every note it does not find is refused here).

        One TransactWriteItems per 49 recipients (a notification has a few): a check of the case
        item, and a note (under 1 KB) and its reference (about 100 bytes) each, at two write units an
        item; about 4 write units a recipient and 2 for the check, where a note alone was one PutItem
        of one. A retried delivery writes the same items again."""
        written = list(notes)
        for first in range(0, len(written), NOTES_PER_TRANSACTION):
            try:
                with TransactWrite(connection=connection()) as tx:
                    tx.condition_check(
                        CaseItem,
                        case_pk(case_id),
                        "CASE",
                        condition=CaseItem.pk.exists() & CaseItem.erasing.does_not_exist(),
                    )
                    for note in written[first : first + NOTES_PER_TRANSACTION]:
                        tx.save(_note_item(note))
                        tx.save(_note_ref(note))
            except TransactWriteError as error:
                if is_conditional(error):
                    return False
                raise
        return True

    def deliver_programme_notes(self, notes: Iterable[Note]) -> None:
        """Notes about the programme, not one case (the weekly check): no case to check or to be
        erased with, so no reference. Written again, a note is the same item (its id is fixed)."""
        with NoteItem.batch_write() as batch:
            for note in notes:
                batch.save(_note_item(note))

    def weekly_check_sent(self, week_of: date) -> bool:
        try:
            MarkerItem.get(WEEKLY_PK, f"WEEK#{week_of.isoformat()}", consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def mark_weekly_check_sent(self, week_of: date) -> None:
        MarkerItem(pk=WEEKLY_PK, sk=f"WEEK#{week_of.isoformat()}", case_id="").save()

    def _forget_notes_about(self, case_id: str) -> None:
        """Delete the notes the case's references name (a BatchWriteItem per 25): the references go
        after, with the partition, so an interrupted run leaves none unnamed and a repeat finds them."""
        refs = NoteRefItem.query(
            case_pk(case_id), NoteRefItem.sk.startswith("NOTEREF#"), consistent_read=True
        )
        with NoteItem.batch_write() as batch:
            for ref in refs:
                batch.delete(NoteItem(pk=inbox_pk(ref.username), sk=ref.note_sk))

    def notes(self, username: str, limit: int = 50) -> list[Note]:
        """Newest first."""
        items = NoteItem.query(
            inbox_pk(username), NoteItem.sk.startswith("NOTE#"), scan_index_forward=False, limit=limit
        )
        return [_note_from(i) for i in items]

    def unread_note_ids(self, username: str) -> list[str]:
        """Every unread note of the person's, however old (the list shows only the newest)."""
        items = NoteItem.query(
            inbox_pk(username),
            NoteItem.sk.startswith("NOTE#"),
            filter_condition=NoteItem.read == False,  # noqa: E712
            attributes_to_get=["sk"],
        )
        return [i.sk.removeprefix("NOTE#") for i in items]

    def unread_count(self, username: str) -> int:
        """One Query (Select COUNT) of the person's partition."""
        return NoteItem.count(
            inbox_pk(username),
            NoteItem.sk.startswith("NOTE#"),
            filter_condition=NoteItem.read == False,  # noqa: E712
        )

    def mark_read(self, username: str, note_ids: Iterable[str]) -> int:
        """The person's own notes only (the key holds their username); an unknown id is skipped."""
        marked = 0
        for note_id in note_ids:
            try:
                item = NoteItem.get(inbox_pk(username), f"NOTE#{note_id}")
            except DoesNotExist:
                continue  # not this person's, or expired
            if item.read:
                continue
            # Whole items are saved (PutItem), as everywhere in the store; the note is the person's own.
            # Only while it is there: a note its case's erasure deleted meanwhile stays deleted.
            try:
                _note_item(replace(_note_from(item), read=True)).save(condition=NoteItem.sk.exists())
            except PutError as error:
                if is_conditional(error):
                    continue
                raise
            marked += 1
        return marked

    def unread_notes_since(self, since: datetime) -> list[Note]:
        """Everyone's unread notes sent at or after `since`, oldest first (the sparse index)."""
        items = NoteItem.open_items.query(OPEN_NOTE, NoteItem.due_key >= iso(since))
        return [_note_from(i) for i in items]  # type: ignore[arg-type]

    def email_choice(self, username: str) -> EmailChoice:
        """Immediate e-mail unless the person chose otherwise."""
        try:
            item = StaffSettingsItem.get(STAFF_SETTINGS_PK, f"STAFF#{username}")
        except DoesNotExist:
            return EmailChoice.IMMEDIATE
        return EmailChoice(item.email)

    def email_choices(self) -> dict[str, EmailChoice]:
        """Everyone who chose, by username (one partition: a programme has tens of staff)."""
        items = StaffSettingsItem.query(STAFF_SETTINGS_PK, StaffSettingsItem.sk.startswith("STAFF#"))
        return {i.username: EmailChoice(i.email) for i in items}

    def save_email_choice(self, username: str, choice: EmailChoice) -> None:
        StaffSettingsItem(
            pk=STAFF_SETTINGS_PK, sk=f"STAFF#{username}", username=username, email=choice.value
        ).save()
