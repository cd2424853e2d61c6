"""Each person's notifications (the in-app list) and their notification settings.

A note is keyed by the person's username (a staff id, never a personal value) and the time it was
sent; it sits in the sparse `open_items` index (kind NOTE) while unread, which the daily digest and
the local stack's outbox read by time. Writing a note again (a retried delivery) writes the same item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from throughgate.domain.notifications import KEPT_FOR, EmailChoice, Message, Note
from throughgate.store.keys import OPEN_NOTE, STAFF_SETTINGS_PK, inbox_pk
from throughgate.store.models import NoteItem, StaffSettingsItem


def _iso(moment: datetime) -> str:
    return moment.isoformat()


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
        sent_at=_iso(note.sent_at),
        read=note.read,
        open_kind=None if note.read else OPEN_NOTE,
        due_key=None if note.read else f"{note.note_id}#{note.username}",
        expires_at=note.sent_at + KEPT_FOR,
    )


def _note_from(item: NoteItem) -> Note:
    return Note(
        username=item.username,
        note_id=item.sk.removeprefix("NOTE#"),
        case_id=item.case_id,
        recipient_role=item.recipient_role,
        detail=item.detail.as_dict() if item.detail else {},
        message=Message(item.kind, item.subject, item.body, item.link),
        sent_at=datetime.fromisoformat(item.sent_at),
        read=bool(item.read),
    )


class InboxStore:
    """Part of CaseStore (the one table): notes and settings."""

    def deliver_notes(self, notes: Iterable[Note]) -> None:
        """One PutItem each (a notification has a few recipients): a retried delivery writes the
        same items again."""
        for note in notes:
            _note_item(note).save()

    def notes(self, username: str, limit: int = 50) -> list[Note]:
        """Newest first."""
        items = NoteItem.query(
            inbox_pk(username), NoteItem.sk.startswith("NOTE#"), scan_index_forward=False, limit=limit
        )
        return [_note_from(i) for i in items]

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
            _note_item(replace(_note_from(item), read=True)).save()
            marked += 1
        return marked

    def unread_notes_since(self, since: datetime) -> list[Note]:
        """Everyone's unread notes sent at or after `since`, oldest first (the sparse index)."""
        items = NoteItem.open_items.query(OPEN_NOTE, NoteItem.due_key >= _iso(since))
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
