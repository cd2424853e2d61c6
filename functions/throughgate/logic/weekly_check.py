"""The coordinators' weekly check: once a week, one notification each with how many mentor-client
pairs have had no recorded contact for longer than the programme allows and how many supervisions
are overdue, linking to the dashboard that lists them. Counts only: no client's or mentor's name."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from throughgate.domain.catalogue import load_programme
from throughgate.domain.lifecycle import CONTACT_EXPECTED_STAGES
from throughgate.domain.notifications import EmailChoice, Note, weekly_check
from throughgate.domain.schedule import london_date
from throughgate.logic.dashboards import supervision_overdue
from throughgate.logic.notifications import email_body
from throughgate.logic.ports import Deps

_NOTE_SUFFIX = hashlib.sha256(b"weekly check").hexdigest()[:12]


def week_of(today: date, weekday: int) -> date:
    """The week's check day (the London date) on or before `today`: the first sweep on or after it
    sends the check, so a sweep that failed that day is made up the next."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def send_weekly_check(deps: Deps) -> int:
    """How many coordinators were told (0: this week's was sent already, or there is nothing to
    check: no pair without contact, no supervision overdue). One Query per stage in
    which contact is expected and one of the sparse supervision index. The notes are the same items
    if written again (their id is the week's), and the week is marked last: a run interrupted
    before it is made up by the next sweep, which may e-mail a second time (as any retried
    delivery), never a second note."""
    delivery = deps.delivery
    if delivery is None:
        raise RuntimeError("the weekly check needs the staff directory and the mailer")
    programme = load_programme()
    now = deps.now()
    today = london_date(now)
    week = week_of(today, programme.supervision_digest_weekday)
    if deps.store.weekly_check_sent(week):
        return 0
    flag_after = programme.no_contact_flag_days
    pairs = sum(
        1
        for stage in sorted(CONTACT_EXPECTED_STAGES)
        for case in deps.store.cases_in_stage(stage)
        if case.days_without_contact(today, flag_after) is not None
    )
    supervisions = len(supervision_overdue(deps, deps.store.mentors(), today))
    if not (pairs or supervisions):  # a notification is something to act on: none this week
        deps.store.mark_weekly_check_sent(week)
        return 0
    message = weekly_check(pairs, supervisions, flag_after, now)
    coordinators = delivery.directory.coordinators()
    note_id = f"{datetime.combine(week, time(), UTC).isoformat()}#{_NOTE_SUFFIX}"
    deps.store.deliver_programme_notes(
        Note(
            username=person.username,
            note_id=note_id,
            case_id="",
            recipient_role="coordinator",
            detail={"pairs": str(pairs), "supervisions": str(supervisions)},
            message=message,
            sent_at=now,
        )
        for person in coordinators
    )
    for person in coordinators:
        if person.email and deps.store.email_choice(person.username) is EmailChoice.IMMEDIATE:
            delivery.mailer.send(person.email, message.subject, email_body(message, delivery.web_base_url))
    deps.store.mark_weekly_check_sent(week)
    return len(coordinators)
