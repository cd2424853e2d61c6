"""Text reminders to clients who agreed to them: recording an appointment, sending the reminders that
are due (a scheduled function), and a reply of STOP (the inbound-text function). The rules of when
and what are in throughgate.domain.reminders; the phone company is behind the `TextMessages` port."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from aws_lambda_powertools import Logger

from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import InvalidInput, NotFound
from throughgate.domain.reminders import (
    Appointment,
    Which,
    first_name,
    is_stop,
    may_text,
    plan,
    reminder_id,
    reminder_text,
)
from throughgate.domain.schedule import LONDON
from throughgate.logic.access import Act, authorised_case
from throughgate.logic.common import event, remember_submission
from throughgate.logic.ports import SYSTEM, Actor, Deps
from throughgate.schemas import AppointmentIn, InboundText
from throughgate.store.changes import Changes

logger = Logger(child=True)

_FURTHEST_AHEAD = timedelta(days=366)


class TextMessages(Protocol):
    def send(self, to: str, body: str) -> None:
        """Send one text to an E.164 number; raises if the provider did not accept it."""


def record_appointment(
    deps: Deps, actor: Actor, case_id: str, form: AppointmentIn, submission_id: str | None = None
) -> Appointment:
    """The mentor or a coordinator records an appointment the client has, or a meeting arranged with
    the mentor (a check-in's time): shown on the case page, and texted as a reminder if the client
    agreed at consent."""
    case = authorised_case(deps, actor, case_id, Act.RECORD_APPOINTMENT)
    hour, minute = form.hour_minute
    at = datetime.combine(form.on, time(hour, minute), tzinfo=LONDON)
    now = deps.now()
    if at <= now:
        raise InvalidInput("The appointment must be in the future", field="on")
    if at > now + _FURTHEST_AHEAD:
        raise InvalidInput("The appointment must be within a year from today", field="on")
    appointment = Appointment(
        case_id=case_id,
        appointment_id=uuid.uuid4().hex[:12],
        kind=form.kind,
        at=at,
        recorded_by=actor.label,
        recorded_at=now,
    )
    if may_text(case.texts, case.stage) and not appointment.inside_on_the_day(case.stage, case.release_on):
        appointment = appointment.planned(now, load_programme())
    changes = Changes(case=case).add(
        appointment,
        event(deps, "appointment_recorded", actor, appointment=form.kind.value, at=at.isoformat()),
    )
    remember_submission(changes, submission_id, form)
    deps.store.commit(changes, now)
    return appointment


@dataclass
class ReminderReport:
    sent: int = 0
    failed: int = 0
    not_sent: int = 0  # the client can no longer be texted, was still in prison, or it came too late


def send_due_reminders(deps: Deps, texts: TextMessages) -> ReminderReport:
    """Every reminder due now, from the sparse index. Each is marked sent before it goes (a
    conditional write), so a retried or overlapping run never sends it twice; one the provider
    refuses is put back as it was, for the next run. (A run that dies between the mark and the send
    loses that reminder: one text too few rather than one too many.)"""
    settings = load_programme()
    report = ReminderReport()
    now = deps.now()
    mentor_names: dict[str, str | None] = {}
    for appointment in deps.store.appointments_to_remind(now):
        try:
            case = deps.store.get_case(appointment.case_id)
        except NotFound:
            continue  # erased meanwhile: its appointments went with it
        if case.texts is None or not may_text(case.texts, case.stage):
            deps.store.save_appointment(appointment.finished())
            report.not_sent += len(Which) - len(appointment.sent)
            continue
        reminders = plan(appointment, now, settings)
        report.not_sent += len(reminders.dropped)
        if reminders.due and (skipped := appointment.skipped_inside(case.stage, reminders.due)):
            deps.store.save_appointment(skipped.planned(now, settings))
            report.not_sent += len(reminders.due)
            continue
        if not reminders.due:  # dropped, or waiting for quiet hours to end: look again then
            deps.store.save_appointment(appointment.planned(now, settings))
            continue
        if case.mentor_id and case.mentor_id not in mentor_names:
            mentor_names[case.mentor_id] = _mentor_first_name(deps, case.mentor_id)
        current = appointment
        for which in reminders.due:
            after = current.with_sent(which).planned(now, settings)
            if not deps.store.claim_reminder(current, which, after):
                break  # another run has sent it
            try:
                texts.send(
                    case.texts.mobile, reminder_text(current, which, mentor_names.get(case.mentor_id or ""))
                )
            except Exception as error:  # the provider's message may quote the number: log its type only
                deps.store.save_appointment(current)
                logger.warning(
                    "a text reminder was not sent",
                    extra={"reminder": reminder_id(current, which), "error_type": type(error).__name__},
                )
                report.failed += 1
                break
            report.sent += 1
            current = after
    return report


def _mentor_first_name(deps: Deps, mentor_id: str) -> str | None:
    try:
        return first_name(deps.store.get_mentor(mentor_id).display_name)
    except NotFound:
        return None


def receive_text(deps: Deps, text: InboundText) -> int:
    """A client's reply: STOP (or another opt-out word) ends the texts to that number at once, on
    every case filed under it, with a line on each timeline. Anything else is not read: the texts
    say nothing that asks for an answer. Returns how many cases stopped."""
    if not is_stop(text.message_body):
        return 0
    stopped = 0
    for case_id in deps.store.cases_with_mobile(text.origination_number):
        case = deps.store.get_case(case_id)
        if case.texts is None or not case.texts.active:
            continue
        case.texts = case.texts.stopped(deps.now())
        deps.store.commit(
            Changes(case=case).add(event(deps, "texts_stopped", SYSTEM, how="reply")), deps.now()
        )
        stopped += 1
    return stopped
