"""Read models: what a case page or the API shows. Typed output, so a field cannot leak by accident."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from throughgate.domain.case import CONTACT_METHOD_WORDS, Case, CheckInStatus, Escalation, Task
from throughgate.domain.case_steps import BY_KEY, CASEWORKERS, CaseStep, Gate, MentorChoice, Role, StepOptions
from throughgate.domain.catalogue import load_cadence, load_programme
from throughgate.domain.escalation import NOT_MET_WORDS, timed_out_gate, workflow_stopped_words
from throughgate.domain.lifecycle import Stage, reached
from throughgate.domain.needs import NEED_AREA_NAMES, NeedArea
from throughgate.domain.pathway import GIVE_BACK_WORDS
from throughgate.domain.reminders import Appointment, AppointmentKind, may_text, shown_mobile
from throughgate.domain.schedule import (
    ServiceGap,
    check_in_due_times,
    london_date,
    long_date,
    long_date_and_time,
    outcome_follow_up_at,
    outcome_not_open,
    outcome_opens_at,
    pre_release_window_opens,
    readiness_review_at,
    release_at,
    service_gap,
)
from throughgate.logic.access import Act, authorised_case, check, require_case_id, require_task_key
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.timeline import RELEASE_CHECK_WORDS, reason_words, sentences, staff_names, who


class NeedView(BaseModel):
    area: str
    entry_level: str
    current_level: str
    status: str
    exit_level: str | None
    referral_state: str | None
    notes: str  # from the assessment


class CheckInView(BaseModel):
    number: int
    due_at: datetime
    status: str
    contact_made: bool | None
    notes: str


class ContactView(BaseModel):
    on: datetime
    method: str  # in words
    made: bool
    minutes: int
    areas: list[str]  # need areas by name
    note: str
    by: str  # an actor label


class ReadinessView(BaseModel):
    accommodation_confirmed: bool
    id_ready: bool
    medication_ready: bool
    probation_appointment_booked: bool
    notes: str
    reviewed_at: datetime


class HandoverView(BaseModel):
    """The latest change of mentor: from whom, why, and the note to the mentor now (personal)."""

    previous_mentor: str
    reason: str
    note: str
    at: datetime


class ReleaseDayView(BaseModel):
    """The release-day checklist as recorded at the gate."""

    met_at_gate: bool
    answers: list[tuple[str, bool]]  # (the question in words, yes or no)
    not_met: str | None  # what happened, in words
    not_met_details: str
    notes: str
    recorded_at: datetime


class ServiceGapView(BaseModel):
    """Days without services straight after the release, and what must be in hand for them."""

    words: str  # "Friday 5 March 2027: services are closed from ..."
    must_have: list[str]
    reopens_on: date


def service_gap_view(release_on: date) -> ServiceGapView | None:
    gap = service_gap(release_on)
    return _gap_view(gap) if gap else None


def _gap_view(gap: ServiceGap) -> ServiceGapView:
    return ServiceGapView(words=gap.words, must_have=list(gap.must_have), reopens_on=gap.reopens_on)


class TaskView(BaseModel):
    task_key: str
    area: str
    title: str
    due_on: date
    status: str
    critical: bool
    overdue: bool
    owner_role: str  # who does it: "mentor" or "coordinator" (the sweep reminds them when it is late)
    last_note: str  # the most recent note among its updates ("" if none)


class EscalationView(BaseModel):
    cause: str
    reason: str
    text: str  # in words, e.g. "Task overdue: Open a bank account"
    raised_at: datetime
    last_raised_at: datetime | None
    times_raised: int


class EventView(BaseModel):
    at: datetime
    kind: str
    actor: str
    detail: dict[str, str]
    text: str  # the event as a sentence


class ClientView(BaseModel):
    """Who the client is, for the staff working the case only (never in a URL, log or message)."""

    name: str
    prison_number: str
    date_of_birth: date | None
    age: int | None


class PersonView(BaseModel):
    """The heading of every case page and case form: who this is, where, when, with whom."""

    case_id: str
    client: ClientView
    prison: str
    release_on: date
    mentor_id: str | None
    mentor_name: str | None
    flags: list[str]  # in words, e.g. "Friday release"


class NextStepView(BaseModel):
    """A step still to come on the case: what, who does it, and when it opens or is due."""

    title: str  # "Consent", "Check-in 3"
    who: str  # the mentor's display name, or "a coordinator"
    when: str  # "Open now", "Opens on 19 May 2027", "Due today", "Overdue by 2 days"
    overdue: bool
    href: str | None  # only when the person viewing may do it and it is open now


class AppointmentView(BaseModel):
    what: str  # "GP appointment"
    at: datetime
    reminders: str  # in words: what the client is texted about it


class CaseView(PersonView):
    stage: str
    next_steps: list[NextStepView]  # what comes next, soonest first; none once the case has ended
    tasks_due: str | None  # the open tasks due this week, in words: "3 tasks due this week, 1 overdue"
    first_released_on: date | None
    waiting_for: str | None
    check_in_number: int | None
    workflow_error: str | None
    workflow_stopped: str | None  # in words: which gate nobody answered in time, or the fault
    needs: list[NeedView]
    tasks: list[TaskView]
    readiness: ReadinessView | None
    handover_note: HandoverView | None  # for those who work the case
    reassignable: bool  # it has a mentor and is on their caseload (Case.why_not_reassignable)
    release_day: ReleaseDayView | None
    service_gap: ServiceGapView | None  # while the release is still to come
    route_check: str | None  # why the client needs a route safety check on release day, if they do
    check_ins: list[CheckInView]  # newest first
    contacts: list[ContactView]  # newest first
    texts: str | None  # text reminders in words, with the number (for the staff working the case)
    appointments: list[AppointmentView]  # those still to come, soonest first
    open_escalations: list[str]  # their reasons
    escalations: list[EscalationView]  # the open ones, oldest first
    timeline: list[EventView]
    # The peer-mentor pathway: the wish to give back asked at closure (in words), the pathway opened
    # from the case (its link goes with the case's anonymisation), and whether one can be opened.
    gives_back: str | None = None
    pathway_id: str | None = None
    pathway_can_open: bool = False


TIMELINE_SHOWN = 200  # newest first; the export has all of it


def escalation_words(escalation: Escalation, task_titles: Mapping[str, str]) -> str:
    """ "Task overdue: Open a bank account", "Check-ins missed (3 times)"."""
    text = reason_words(escalation.reason, escalation.subject, task_titles)
    if escalation.times_raised > 1:
        text += f" ({escalation.times_raised} times)"
    return text


def _client(case: Case, today: date) -> ClientView:
    client = case.client
    if client.is_anonymised:
        return ClientView(name=client.full_name, prison_number="", date_of_birth=None, age=None)
    return ClientView(
        name=client.full_name,
        prison_number=client.prison_number,
        date_of_birth=client.date_of_birth,
        age=client.age_on(today),
    )


def _flags(case: Case, escalations: list[Escalation]) -> list[str]:
    flags = []
    if not case.is_released and service_gap(case.release_on):
        flags.append("Days without services")
    if case.client.gang_risk:
        flags.append("Gang or peer safety risk")
    if case.workflow_error or any(e.open for e in escalations):
        flags.append("Needs attention")
    return flags


def _person(
    deps: Deps, case: Case, escalations: list[Escalation], names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`names`: the staff names, when the caller has them already (the case page, for its timeline)."""
    if not case.mentor_id:
        mentor_name = None
    elif names is not None:
        mentor_name = names.get(f"mentor:{case.mentor_id}", case.mentor_id)
    else:
        mentor_name = deps.store.get_mentor(case.mentor_id).display_name
    return {
        "case_id": case.case_id,
        "client": _client(case, london_date(deps.now())),
        "prison": case.prison,
        "release_on": case.release_on,
        "mentor_id": case.mentor_id,
        "mentor_name": mentor_name,
        "flags": _flags(case, escalations),
    }


def person_view(deps: Deps, case: Case) -> PersonView:
    """For a case the caller has already been authorised to see (a case form's heading)."""
    return PersonView(**_person(deps, case, deps.store.escalations(case.case_id)))


def case_view(deps: Deps, actor: Actor, case_id: str) -> CaseView:
    require_case_id(case_id)
    snapshot = deps.store.snapshot(case_id)
    case = snapshot.case
    check(actor, case, Act.READ)
    today = london_date(deps.now())
    titles = {t.task_key: t.title for t in snapshot.tasks}
    shown = snapshot.timeline[:TIMELINE_SHOWN]
    names = staff_names(deps.store.mentors(), deps.store.all_staff())
    return CaseView(
        **_person(deps, case, snapshot.escalations, names),
        stage=case.stage.value,
        next_steps=next_steps(case, actor, deps.now(), names.get(f"mentor:{case.mentor_id}")),
        tasks_due=tasks_due_words(snapshot.tasks, today),
        first_released_on=case.first_released_on,
        waiting_for=case.waiting_for.value if case.waiting_for else None,
        check_in_number=case.check_in_number,
        workflow_error=case.workflow_error,
        workflow_stopped=_stopped_words(case.workflow_error),
        needs=[
            NeedView(
                area=n.area.value,
                entry_level=n.entry_level.value,
                current_level=n.current_level.value,
                status=n.status.value,
                exit_level=n.exit_level.value if n.exit_level else None,
                referral_state=n.referral_state.value if n.referral_state else None,
                notes=n.notes,
            )
            for n in snapshot.needs
        ],
        tasks=[
            TaskView(
                task_key=t.task_key,
                area=t.area.value,
                title=t.title,
                due_on=t.due_on,
                status=t.status.value,
                owner_role=t.owner_role,
                critical=t.critical,
                overdue=t.is_overdue(today),
                last_note=next((u.note for u in reversed(t.updates) if u.note), ""),
            )
            for t in sorted(snapshot.tasks, key=lambda t: (t.due_on, t.task_key))
        ],
        readiness=ReadinessView(**asdict(case.readiness)) if case.readiness else None,
        handover_note=_handover_note(case, actor, names),
        reassignable=case.why_not_reassignable() is None,
        release_day=_release_day(case),
        service_gap=None if case.is_released else service_gap_view(case.release_on),
        route_check=case.route_safety_check(snapshot.needs),
        gives_back=GIVE_BACK_WORDS[case.gives_back] if case.gives_back else None,
        pathway_id=snapshot.pathway_id,
        pathway_can_open=snapshot.pathway_id is None and case.pathway_refused() is None,
        check_ins=[
            CheckInView(
                number=c.number,
                due_at=c.due_at,
                status=c.status.value,
                contact_made=c.contact_made,
                notes=c.notes,
            )
            for c in sorted(snapshot.check_ins, key=lambda c: -c.number)
            if c.status is not CheckInStatus.OPEN or c.due_at <= deps.now()
        ],
        contacts=[
            ContactView(
                on=c.on,
                method=CONTACT_METHOD_WORDS[c.method],
                made=c.made,
                minutes=c.minutes,
                areas=[NEED_AREA_NAMES[a] for a in NeedArea if a in c.areas],
                note=c.note,
                by=c.by,
            )
            for c in snapshot.contacts
        ],
        texts=_texts_words(case) if actor.role in CASEWORKERS else None,  # the number: who works it
        appointments=[
            AppointmentView(what=a.words, at=a.at, reminders=_reminder_words(case, a))
            for a in snapshot.appointments
            if a.at > deps.now()
        ],
        open_escalations=[e.reason for e in snapshot.escalations if e.open],
        escalations=[
            EscalationView(
                cause=e.cause,
                reason=e.reason,
                text=escalation_words(e, titles),
                raised_at=e.raised_at,
                last_raised_at=e.last_raised_at,
                times_raised=e.times_raised,
            )
            for e in sorted(snapshot.escalations, key=lambda e: e.raised_at)
            if e.open
        ],
        timeline=[
            EventView(at=e.at, kind=e.kind, actor=e.actor, detail=e.detail, text=text)
            for e, text in zip(shown, sentences(shown, names, titles), strict=True)
        ],
    )


def _handover_note(case: Case, actor: Actor, names: Mapping[str, str]) -> HandoverView | None:
    """For those who work the case: the mentor it was handed to, and the coordinators."""
    handover = case.mentor_handover
    if handover is None or actor.role not in CASEWORKERS:
        return None
    return HandoverView(
        previous_mentor=who(f"mentor:{handover.previous_mentor_id}", names),
        reason=handover.reason,
        note=handover.note,
        at=handover.at,
    )


def _texts_words(case: Case) -> str | None:
    texts = case.texts
    if texts is None:
        return None
    if texts.stopped_at is not None:
        return f"The client replied STOP on {long_date(texts.stopped_at)}: no more text reminders"
    if not may_text(texts, case.stage):
        return "No text reminders: the case has ended"
    return f"Text reminders to {shown_mobile(texts.mobile)}"


def _reminder_words(case: Case, appointment: Appointment) -> str:
    if not may_text(case.texts, case.stage):
        return "No text reminders"
    if appointment.inside_on_the_day(case.stage, case.release_on):
        return "No text reminder: the client is still in prison"
    if appointment.remind_at is not None:
        return f"Next text reminder: {long_date_and_time(appointment.remind_at)}"
    if appointment.sent:
        return "Text reminders sent"
    if appointment.skipped:
        return "No text reminder: the client was still in prison when it was due"
    return "Recorded too late for a text reminder"


def _release_day(case: Case) -> ReleaseDayView | None:
    record = case.release_day
    if record is None:
        return None
    return ReleaseDayView(
        met_at_gate=record.met_at_gate,
        answers=[
            (RELEASE_CHECK_WORDS[key][0].upper() + RELEASE_CHECK_WORDS[key][1:], record.checks[key])
            for key in RELEASE_CHECK_WORDS
            if key in record.checks
        ],
        not_met=NOT_MET_WORDS[record.not_met_reason] if record.not_met_reason else None,
        not_met_details=record.not_met_details,
        notes=record.notes,
        recorded_at=record.recorded_at,
    )


@dataclass(frozen=True)
class TaskUpdateView:
    at: datetime
    who: str  # a mentor by name, other staff by their role and staff id
    status: str
    note: str


@dataclass(frozen=True)
class TaskPage:
    person: PersonView
    task: Task
    history: list[TaskUpdateView]  # newest first


def task_for(deps: Deps, actor: Actor, case_id: str, task_key: str) -> TaskPage:
    """One task of a case this actor may work on, with its history and the case's heading."""
    case = authorised_case(deps, actor, case_id, Act.UPDATE_TASK)
    require_task_key(task_key)
    task = deps.store.get_task(case_id, task_key)
    names = staff_names(deps.store.mentors(), deps.store.all_staff()) if task.updates else {}
    history = [
        TaskUpdateView(u.at, who(u.actor, names), u.status.value, u.note) for u in reversed(task.updates)
    ]
    return TaskPage(person_view(deps, case), task, history)


def step_options(deps: Deps, actor: Actor, case: Case, step: CaseStep) -> StepOptions:
    """What the step's form offers for this case: the mentors to choose from, best match first,
    with the reasons in words, and the mentor now (if any); the needs still open at handover and
    each area's level at the assessment; whether a change of circumstances comes before release."""
    if step.act in {Act.ASSIGN_MENTOR, Act.REASSIGN}:
        from throughgate.logic.actions import mentor_suggestions

        names = {m.mentor_id: m.display_name for m in deps.store.mentors()}
        current = case.mentor_id
        result = mentor_suggestions(deps, actor, case.case_id)
        return StepOptions(
            mentors=tuple(
                MentorChoice(s.mentor_id, names.get(s.mentor_id, s.mentor_id), s.reasons)
                for s in result.suggestions
            ),
            excluded=tuple(
                MentorChoice(e.mentor_id, names.get(e.mentor_id, e.mentor_id), e.reasons)
                for e in result.excluded
            ),
            current_mentor=MentorChoice(current, names.get(current, current), ()) if current else None,
        )
    if step.act is Act.RESOLVE_ESCALATION:
        titles = {t.task_key: t.title for t in deps.store.tasks(case.case_id)}
        return StepOptions(
            escalations=tuple(
                (e.cause, escalation_words(e, titles)) for e in deps.store.escalations(case.case_id) if e.open
            )
        )
    if step.act is Act.CLOSE:
        needs = deps.store.needs(case.case_id)
        return StepOptions(
            open_areas=tuple(n.area for n in needs if n.is_open),
            entry_levels=tuple((n.area, n.entry_level) for n in needs),
        )
    if step.act is Act.CHANGE_CIRCUMSTANCES:
        return StepOptions(before_release=case.stage.is_pre_release)
    if step.act is Act.REVIEW_READINESS:
        return StepOptions(service_gap=service_gap(case.release_on))
    if step.act is Act.RECORD_RELEASE_DAY:
        return StepOptions(
            service_gap=service_gap(case.release_on),
            route_check=case.route_safety_check(deps.store.needs(case.case_id)),
        )
    return StepOptions()


# The stage a case reaches once each gate's form is sent: at or past it, the step has been done.
_DONE_AT = {
    Gate.ASSESSMENT: Stage.ASSESSED,
    Gate.MENTOR_MATCH: Stage.MATCHED,
    Gate.READINESS_REVIEW: Stage.RELEASE_READY,
    Gate.RELEASE_DAY: Stage.POST_RELEASE,
    Gate.HANDOVER: Stage.CLOSED,
}


def _stopped_words(failure: str | None) -> str | None:
    if not failure:
        return None
    if timed_out_gate(failure):
        return f"{workflow_stopped_words(failure)}."
    return f"{workflow_stopped_words(failure)} after a fault ({failure})."


def not_open_yet(deps: Deps, actor: Actor, case: Case, step: CaseStep) -> str | None:
    """Why this step's form cannot be sent now, in words, and when it opens if it will (None when
    it can be sent), so a person is not given a form that can only fail at "Confirm and send": an
    earlier step still open is named, with who does it."""
    if step.act is Act.OPEN_PATHWAY:
        if deps.store.pathway_of(case.case_id) is not None:
            return "A peer-mentor pathway is already open for this case. The case page links to it."
        return case.pathway_refused()
    if step.act is Act.RECORD_CONSENT:
        return None if case.stage is Stage.REFERRED else "Consent has already been recorded for this case."
    if step.act is Act.REASSIGN:
        return case.why_not_reassignable()
    if step.act is Act.RECORD_OUTCOME:
        if case.stage is Stage.OUTCOME_RECORDED:
            return "The 12-month outcome has been recorded. The case page shows it."
        return outcome_not_open(case.first_released_on, deps.now(), load_programme())
    gate = step.gate
    if gate is None or case.waiting_for is gate:
        return None
    if case.stage.is_terminal or case.stage.is_off_caseload:
        return f"The case has ended ({case.stage.words}): there is no {step.title.lower()} to do."
    if gate in _DONE_AT and reached(case.stage, _DONE_AT[gate]):
        return f"The {step.title.lower()} has been done. The case page shows what was recorded."
    opens = opens_at(case, step)
    if opens is not None and opens > deps.now():
        return f"The {step.title.lower()} opens on {long_date(opens)}."
    holding = _holding_up(case, step)
    if holding is not None:
        return _held_up_words(deps, actor, case, holding, step)
    return f"The {step.title.lower()} is not due yet: it opens when the steps before it are done."


def _holding_up(case: Case, step: CaseStep) -> CaseStep | None:
    """The earlier step open now and not done, which this one waits for (None: none is open)."""
    if step.key not in _COMING:
        return None
    for key in _COMING[: _COMING.index(step.key)]:
        before = BY_KEY[key]
        if not _is_done(case, before) and _is_open(case, before):
            return before
    return None


def _held_up_words(deps: Deps, actor: Actor, case: Case, holding: CaseStep, step: CaseStep) -> str:
    """ "The readiness review has not been done yet. Ask a coordinator to complete it: release day
    opens when they have." (said to whoever does it: "Complete it first: ... when you have")."""
    done = f"The {holding.title.lower()} has not been done yet."
    between = _COMING[_COMING.index(holding.key) + 1 : _COMING.index(step.key)]
    yours = actor.role in holding.acted_on_by
    if any(not _is_done(case, BY_KEY[key]) for key in between):
        then = "once it and the steps after it are done"
    else:
        then = "when you have" if yours else "when they have"
    if yours:
        return f"{done} Complete it first: {step.title.lower()} opens {then}."
    mentor = deps.store.get_mentor(case.mentor_id).display_name if case.mentor_id else None
    return f"{done} Ask {_who(holding, mentor)} to complete it: {step.title.lower()} opens {then}."


def _check_in_times(case: Case) -> list[datetime]:
    """When each check-in falls due, counted from the day the client came out (none before)."""
    if not case.is_released:
        return []
    released = release_at(case.first_released_on or case.release_on, load_programme())
    return check_in_due_times(released, load_cadence())


def opens_at(case: Case, step: CaseStep) -> datetime | None:
    """When the schedule opens this step's gate for the case: the pre-release window, the readiness
    review, release day, the next check-in (None: it opens when the steps before it are done)."""
    settings = load_programme()
    if step.gate is Gate.CHECK_IN:
        due, after = _check_in_times(case), case.check_in_number or 0
        return due[after] if after < len(due) else None
    if step.gate is None:
        return None
    scheduled = {
        Gate.ASSESSMENT: pre_release_window_opens(case.release_on, settings),
        Gate.READINESS_REVIEW: readiness_review_at(case.release_on, settings),
        Gate.RELEASE_DAY: release_at(case.release_on, settings),
    }
    return scheduled.get(step.gate)


# The steps of a case in the order they come; check-ins repeat until the last one is done.
_COMING = ("consent", "assessment", "mentor_match", "readiness", "release_day", "check_in", "handover")
NEXT_STEPS_SHOWN = 3


def _is_done(case: Case, step: CaseStep) -> bool:
    if step.act is Act.RECORD_CONSENT:
        return case.stage is not Stage.REFERRED
    if step.gate is Gate.CHECK_IN:
        # After release: done once the workflow waits for no check-in and none is left to plan.
        return reached(case.stage, Stage.HANDOVER) or (
            case.is_released and case.waiting_for is not Gate.CHECK_IN and opens_at(case, step) is None
        )
    return step.gate in _DONE_AT and reached(case.stage, _DONE_AT[step.gate])


def _is_open(case: Case, step: CaseStep) -> bool:
    """Its form may be sent now: consent (until it is recorded), or the gate the workflow waits at."""
    return (step.act is Act.RECORD_CONSENT) or (step.gate is not None and case.waiting_for is step.gate)


def _who(step: CaseStep, mentor_name: str | None) -> str:
    if step.acted_on_by == {Role.MENTOR}:
        return mentor_name or "the mentor, once one is matched"
    return "a coordinator"


def _due_at(case: Case, step: CaseStep) -> datetime | None:
    """When an open step is due: the check-in waited for, release day (None: no fixed day)."""
    if step.gate is Gate.CHECK_IN:
        due, number = _check_in_times(case), case.check_in_number or 0
        return due[number - 1] if 0 < number <= len(due) else None
    if step.gate is Gate.RELEASE_DAY:
        return release_at(case.release_on, load_programme())
    return None


def _due_words(due: datetime, now: datetime) -> tuple[str, bool]:
    """ "Open now, due today", "... due 4 June 2027" or "... overdue by 3 days", by the London date."""
    late = (london_date(now) - london_date(due)).days
    if late > 0:
        return f"Open now, overdue by {late} day{'s' if late > 1 else ''} (due {long_date(due)})", True
    return f"Open now, due {'today' if late == 0 else long_date(due)}", False


def next_steps(case: Case, actor: Actor, now: datetime, mentor_name: str | None) -> list[NextStepView]:
    """The next few steps of the case, soonest first: each with who does it and when it opens or
    is due, and a link when the person viewing may do it now. Opening times are the schedule's
    (`opens_at`); a step with none opens once the steps before it are done."""
    outcome = _outcome_step(case, actor, now)
    if case.stage.is_terminal or case.stage.is_off_caseload:
        return [outcome] if outcome else []
    if case.workflow_error:
        # Nothing else opens until it runs again: the one step is a coordinator's restart.
        restart = BY_KEY["restart"]
        href = f"/cases/{case.case_id}/{restart.path}" if actor.role in restart.roles else None
        return [
            NextStepView(
                title=restart.title,
                who=_who(restart, mentor_name),
                when="Now: the workflow has stopped",
                overdue=False,
                href=href,
            )
        ]
    coming: list[NextStepView] = []
    before: CaseStep | None = None
    for key in _COMING:
        step = BY_KEY[key]
        if _is_done(case, step):
            continue
        is_open = _is_open(case, step)
        title, overdue = step.title, False
        if step.gate is Gate.CHECK_IN:
            number = (case.check_in_number or 0) + (0 if is_open else 1)
            title = f"Check-in {number}"
        if is_open:
            due = _due_at(case, step)
            when, overdue = ("Open now", False) if due is None else _due_words(due, now)
        else:
            opens = opens_at(case, step)
            if opens is not None and opens > now:
                when = f"Opens on {long_date(opens)}"
            elif before is not None:
                when = f"After the {'last ' if before.gate is Gate.CHECK_IN else ''}{before.title.lower()}"
            else:
                when = "Opens shortly"
        may = actor.role in step.roles
        href = f"/cases/{case.case_id}/{step.path}" if is_open and may else None
        coming.append(
            NextStepView(title=title, who=_who(step, mentor_name), when=when, overdue=overdue, href=href)
        )
        before = step
        if len(coming) == NEXT_STEPS_SHOWN:
            break
    if outcome and len(coming) < NEXT_STEPS_SHOWN:
        coming.append(outcome)
    return coming


def _outcome_step(case: Case, actor: Actor, now: datetime) -> NextStepView | None:
    """The 12-month outcome of a released client: when it opens, or open and provisional until the
    6 months for court outcomes have passed (None before release and once it is recorded)."""
    if case.first_released_on is None or case.stage in {Stage.OUTCOME_RECORDED, Stage.DIED}:
        return None
    step, settings = BY_KEY["outcome"], load_programme()
    opens = outcome_opens_at(case.first_released_on, settings)
    final = outcome_follow_up_at(case.first_released_on, settings)
    if now < opens:
        when, href = f"Opens on {long_date(opens)}", None
    else:
        when = "Open now" if now >= final else f"Open now, provisional until {long_date(final)}"
        href = f"/cases/{case.case_id}/{step.path}" if actor.role in step.roles else None
    return NextStepView(title=step.title, who=_who(step, None), when=when, overdue=False, href=href)


def tasks_due_words(tasks: list[Task], today: date, days: int = 7) -> str | None:
    """ "3 tasks due this week, 1 overdue": the open tasks due within `days` (None if there are none)."""
    due = [t for t in tasks if t.is_due_by(today + timedelta(days=days))]
    if not due:
        return None
    late = sum(t.is_overdue(today) for t in due)
    words = f"{len(due)} task{'s' if len(due) > 1 else ''} due this week"
    return f"{words}, {late} overdue" if late else words


# -- the release pack: one printed page for the mentor and the client on release day ---------------
# What the client should have with them when they come out, in words.
WHAT_TO_BRING = (
    "ID: a birth certificate, passport or photo ID, and the bank card",
    "The discharge grant and any money from the prison account",
    "Prescription and medication, with any medical letter",
    "The licence and the letter for the first probation appointment",
    "Phone and charger",
    "The release-night address, and how to get there, written down",
)
# Open tasks due this many days either side of the release date are listed on the pack.
PACK_TASKS_BEFORE_DAYS, PACK_TASKS_AFTER_DAYS = 7, 14


class PackLine(BaseModel):
    label: str
    words: str
    ok: bool  # in hand (shown plainly) or still to sort out (marked)


class PackTask(BaseModel):
    title: str
    due_on: date
    status: str  # in words
    overdue: bool


class ReleasePackView(BaseModel):
    """For staff who work the case: printed and handed to the client at the gate."""

    case_id: str
    client_name: str
    release_on: date
    released_on: date | None
    prison: str
    meet_from: datetime  # the release-day milestone: be at the gate by then
    service_gap: ServiceGapView | None
    route_check: str | None
    address: PackLine
    appointments: list[PackLine]
    mentor_name: str | None
    programme_phone: str
    bring: list[str]
    tasks: list[PackTask]


def _task_line(tasks: Mapping[str, Task], key: str, label: str) -> PackLine | None:
    task = tasks.get(key)
    if task is None:
        return None
    status = task.status.value.replace("_", " ")
    return PackLine(label=label, words=f"{task.title}: {status}", ok=task.status.is_closed)


def _address_line(case: Case) -> PackLine:
    label = "Release-night address"
    if case.release_day is not None and "address_confirmed" in case.release_day.checks:
        confirmed = case.release_day.checks["address_confirmed"]
        words = "Confirmed on release day" if confirmed else "Not confirmed on release day"
        return PackLine(label=label, words=words, ok=confirmed)
    if case.readiness is not None:
        day = long_date(case.readiness.reviewed_at)
        if case.readiness.accommodation_confirmed:
            return PackLine(label=label, words=f"Confirmed at the readiness review on {day}", ok=True)
        return PackLine(
            label=label, words=f"Not confirmed at the readiness review on {day}: call the programme", ok=False
        )
    return PackLine(label=label, words="Not confirmed yet: the readiness review checks it", ok=False)


def _appointments(
    case: Case, tasks: Mapping[str, Task], appointments: list[Appointment], now: datetime
) -> list[PackLine]:
    readiness, day = case.readiness, case.release_day.checks if case.release_day else {}
    coming = [a for a in appointments if a.at >= now]
    # An appointment recorded with its date and time says it better than a plan's status beside it.
    booked = {a.kind for a in coming}
    lines: list[PackLine] = []
    if "probation_attended" in day:
        attended = day["probation_attended"]
        lines.append(
            PackLine(
                label="First probation appointment",
                words="Attended on release day" if attended else "Not attended on release day",
                ok=attended,
            )
        )
    elif AppointmentKind.PROBATION in booked:
        pass  # its date and time are listed below
    elif readiness is not None:
        ready = readiness.probation_appointment_booked
        words = "Booked (readiness review)" if ready else "Not booked at the readiness review"
        lines.append(PackLine(label="First probation appointment", words=words, ok=ready))
    elif line := _task_line(tasks, "licence.first_probation_appointment", "First probation appointment"):
        lines.append(line)
    if AppointmentKind.UNIVERSAL_CREDIT in booked:
        pass  # its date and time are listed below
    elif "universal_credit_booked" in day:
        uc_booked = day["universal_credit_booked"]
        lines.append(
            PackLine(
                label="Universal Credit", words="Booked" if uc_booked else "Not booked yet", ok=uc_booked
            )
        )
    elif line := _task_line(tasks, "finance_id.universal_credit_claim", "Universal Credit"):
        lines.append(line)
    if "medication" in day:  # what was found at the gate outranks what was planned before it
        has = day["medication"]
        words = "With them on release day" if has else "Not with them on release day"
        lines.append(PackLine(label="Medication and prescription", words=words, ok=has))
    elif readiness is not None:
        ready = readiness.medication_ready
        words = "Ready (readiness review)" if ready else "Not ready at the readiness review"
        lines.append(PackLine(label="Medication and prescription", words=words, ok=ready))
    elif line := _task_line(tasks, "health.release_medication", "Medication and prescription"):
        lines.append(line)
    if AppointmentKind.GP not in booked and (line := _task_line(tasks, "health.gp_registration", "GP")):
        lines.append(line)
    lines.extend(PackLine(label=a.words, words=long_date_and_time(a.at), ok=True) for a in coming)
    return lines


def release_pack(deps: Deps, actor: Actor, case_id: str) -> ReleasePackView:
    """The release day on one page: when and where, the days without services, the address and
    appointments as the case records them, who to call, what to bring and the tasks around release."""
    require_case_id(case_id)
    snapshot = deps.store.snapshot(case_id)
    case = snapshot.case
    check(actor, case, Act.READ_RELEASE_PACK)
    today = london_date(deps.now())
    settings = load_programme()
    names = staff_names(deps.store.mentors()) if case.mentor_id else {}
    tasks = {t.task_key: t for t in snapshot.tasks}
    first = case.release_on.toordinal() - PACK_TASKS_BEFORE_DAYS
    last = case.release_on.toordinal() + PACK_TASKS_AFTER_DAYS
    return ReleasePackView(
        case_id=case.case_id,
        client_name=case.client.full_name,
        release_on=case.release_on,
        released_on=case.first_released_on,
        prison=case.prison,
        meet_from=release_at(case.release_on, settings),
        service_gap=service_gap_view(case.release_on),
        route_check=case.route_safety_check(snapshot.needs),
        address=_address_line(case),
        appointments=_appointments(case, tasks, snapshot.appointments, deps.now()),
        mentor_name=names.get(f"mentor:{case.mentor_id}", case.mentor_id) if case.mentor_id else None,
        programme_phone=settings.programme_phone,
        bring=list(WHAT_TO_BRING),
        tasks=[
            PackTask(
                title=t.title,
                due_on=t.due_on,
                status=t.status.value.replace("_", " ").capitalize(),
                overdue=t.is_overdue(today),
            )
            for t in sorted(snapshot.tasks, key=lambda t: (t.due_on, t.task_key))
            if not t.status.is_closed and first <= t.due_on.toordinal() <= last
        ],
    )
