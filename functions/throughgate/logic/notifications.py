"""Notifications to named staff: delivered in the app to each person, and by e-mail as each person
chose (at once, in a daily digest, or not at all).

Who receives one is worked out when it is delivered: the case's mentor as the case names them then
(a reassigned mentor stops receiving the case's notifications), or every coordinator in the staff
directory. The words, the day and the link come from the catalogue (domain.notifications); nothing
in a notification names the client.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from throughgate.domain.errors import NotFound
from throughgate.domain.notifications import EmailChoice, Message, Note, compose, digest
from throughgate.logic.access import can_see
from throughgate.logic.ports import Actor, Delivery, Deps, Notification, StaffMember

logger = Logger(child=True)


def _recipients(deps: Deps, delivery: Delivery, notification: Notification) -> list[StaffMember]:
    if notification.recipient_role == "coordinator":
        return delivery.directory.coordinators()
    try:
        mentor_id = deps.store.get_case(notification.case_id).mentor_id
    except NotFound:
        return []  # erased since: nobody is told about a case that is gone
    if mentor_id is None:
        return []
    member = delivery.directory.member(mentor_id)
    return [member or StaffMember(mentor_id, None)]  # in the app even without an e-mail address


def deliver(deps: Deps, notification: Notification, made_at: datetime, effect_id: str) -> int:
    """One note per recipient, then the e-mails of those who want them at once; neither once the
    case is erased or being erased. Carried out again after a failure, the notes are written again
    as the same items (an e-mail may go twice)."""
    delivery = deps.delivery
    if delivery is None:
        raise RuntimeError("this function saves notifications; the outbox's carriers deliver them")
    message = compose(
        notification.kind, notification.recipient_role, notification.case_id, notification.detail, made_at
    )
    recipients = _recipients(deps, delivery, notification)
    delivered = deps.store.deliver_notes(
        notification.case_id,
        (
            Note(
                username=person.username,
                note_id=f"{made_at.isoformat()}#{effect_id}",
                case_id=notification.case_id,
                recipient_role=notification.recipient_role,
                detail=notification.detail,
                message=message,
                sent_at=made_at,
            )
            for person in recipients
        ),
    )
    if not delivered:
        return 0  # erased, or being erased, since: nobody is told about a case that is going
    for person in recipients:
        if person.email and deps.store.email_choice(person.username) is EmailChoice.IMMEDIATE:
            delivery.mailer.send(person.email, message.subject, email_body(message, delivery.web_base_url))
    return len(recipients)


def email_body(message: Message, web_base_url: str) -> str:
    """The words, then the link (through sign-in): plain text, nothing else."""
    return f"{message.body}\n\n{web_base_url}{message.link}\n\nThroughgate"


def send_digests(deps: Deps) -> int:
    """The daily e-mail of each person who chose one: how many notifications came in the last day
    and are still unread (one query of the sparse index, one e-mail per person)."""
    delivery = deps.delivery
    if delivery is None:
        raise RuntimeError("the digest needs the staff directory and the mailer")
    now = deps.now()
    wanting = {u for u, choice in deps.store.email_choices().items() if choice is EmailChoice.DAILY}
    counts = Counter(
        n.username for n in deps.store.unread_notes_since(now - timedelta(days=1)) if n.username in wanting
    )
    sent = 0
    for username, count in sorted(counts.items()):
        member = delivery.directory.member(username)
        if member is None or not member.email:
            continue
        words = digest(count, now)
        delivery.mailer.send(
            member.email, words.subject, f"{words.body}\n\n{delivery.web_base_url}/notifications"
        )
        sent += 1
    return sent


# -- what the signed-in person does with their own ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class NoteLine:
    """A notification as its reader sees it in the app (never in an e-mail): which client it is
    about, for a reader who may still work the case, and whether its step was taken since."""

    note: Note
    client: str | None
    step_taken: bool
    closed_to_reader: bool  # reassigned away, or erased: the link would only find "Page not found"


def my_notifications(deps: Deps, actor: Actor) -> list[NoteLine]:
    """The signed-in person's own notifications, newest first: nobody reads another's. The cases
    are read in one batch; a case they may no longer see (reassigned, erased) is not named."""
    notes = deps.store.notes(actor.user_id)
    cases = {case.case_id: case for case in deps.store.cases(note.case_id for note in notes)}
    lines = []
    for note in notes:
        case = cases.get(note.case_id)
        visible = case is not None and can_see(actor, case) and not case.erasing
        lines.append(
            NoteLine(
                note,
                client=case.client.full_name if visible and case else None,
                step_taken=visible and case is not None and note.step_taken(case.waiting_for),
                closed_to_reader=not visible,
            )
        )
    return lines


def my_unread_count(deps: Deps, actor: Actor) -> int:
    return deps.store.unread_count(actor.user_id)


def mark_read(deps: Deps, actor: Actor, note_ids: Iterable[str]) -> int:
    return deps.store.mark_read(actor.user_id, note_ids)


def mark_all_read(deps: Deps, actor: Actor) -> int:
    return deps.store.mark_read(actor.user_id, deps.store.unread_note_ids(actor.user_id))


def my_email_choice(deps: Deps, actor: Actor) -> EmailChoice:
    return deps.store.email_choice(actor.user_id)


def choose_email(deps: Deps, actor: Actor, choice: EmailChoice) -> None:
    deps.store.save_email_choice(actor.user_id, choice)
    logger.info("notification settings saved", extra={"choice": choice.value})
