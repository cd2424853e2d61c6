"""What coordinators and mentors do: each function is one form submission, the same for the API,
the web forms and the simulation's synthetic people."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from pydantic import BaseModel

from throughgate.domain import effects
from throughgate.domain.case import (
    Case,
    CheckInStatus,
    ClientDetails,
    Consent,
    Contact,
    Mentor,
    MentorHandover,
    Need,
    Outcome,
    Readiness,
    ReferralState,
    ReleaseDay,
    Task,
    TaskUpdate,
)
from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import load_programme, plan_area_tasks
from throughgate.domain.errors import CapacityExceeded, Conflict, IllegalTransition, InvalidInput
from throughgate.domain.escalation import ChaseLevel
from throughgate.domain.lifecycle import Stage, check_transition
from throughgate.domain.matching import (
    ClientNeeds,
    MatchResult,
    MentorProfile,
    check_override,
    check_reason,
    reason_needed,
    suggest_mentors,
)
from throughgate.domain.needs import AreaStatus, Level, NeedArea, needs_support
from throughgate.domain.reminders import TextReminders
from throughgate.domain.schedule import (
    check_release_date,
    london_date,
    outcome_not_open,
    pre_release_window_opens,
    years_after,
)
from throughgate.logic.access import Act, authorised_case, require, require_task_key
from throughgate.logic.common import (
    commit_and_resume,
    escalate,
    event,
    fingerprint,
    move,
    release_mentor,
    remember_submission,
    require_gate,
    resolve,
    resolve_cause,
    wind_down,
)
from throughgate.logic.effects import finish_pending, notify, save
from throughgate.logic.ports import Actor, Deps, Notification
from throughgate.logic.staff import have_left
from throughgate.schemas import (
    AssessmentIn,
    CheckInIn,
    ConsentIn,
    ContactIn,
    HandoverIn,
    MentorMatchIn,
    OutcomeIn,
    ReadinessIn,
    ReassignIn,
    ReferralIn,
    ReleaseDayIn,
    ResolveEscalationIn,
    TaskUpdateIn,
)
from throughgate.store.changes import Changes

_CASE_NAMESPACE = uuid.UUID("5b0a3f4e-9c1d-4e55-8a0b-1f2e3d4c5b6a")


@dataclass(frozen=True)
class ReferralResult:
    case_id: str
    created: bool


def case_id_for(submission_id: str) -> str:
    """Deterministic, so a resubmitted referral lands on the same key and creates nothing."""
    return str(uuid.uuid5(_CASE_NAMESPACE, submission_id))


def refer(deps: Deps, actor: Actor, referral: ReferralIn) -> ReferralResult:
    require(actor, Act.REFER)
    today = london_date(deps.now())
    check_release_date(referral.release_on, today, "release_on")
    dob = referral.client.date_of_birth
    oldest, youngest = load_programme().client_max_age_years, load_programme().client_min_age_years
    if not years_after(today, -oldest) <= dob <= years_after(today, -youngest):
        raise InvalidInput(
            f"The client must be aged from {youngest} to {oldest}: check the date of birth",
            field="client.date_of_birth",
        )
    c = referral.client
    case = Case(
        case_id=case_id_for(referral.submission_id),
        stage=Stage.REFERRED,
        release_on=referral.release_on,
        prison=referral.prison,
        client=ClientDetails(
            given_name=c.given_name,
            family_name=c.family_name,
            date_of_birth=dob,
            prison_number=c.prison_number,
            gender=c.gender,
            borough=c.borough,
            gender_preference=c.gender_preference,
            gang_risk=c.gang_risk,
            excluded_areas=frozenset(c.excluded_areas),
        ),
        created_at=deps.now(),
        payload_hash=fingerprint(referral),
    )
    try:
        deps.store.create_case(case, event(deps, "referred", actor, prison=referral.prison))
    except Conflict:
        existing = deps.store.get_case(case.case_id)
        if existing.payload_hash != case.payload_hash:
            raise Conflict("this submission id was already used for a different referral") from None
        return ReferralResult(case.case_id, created=False)
    return ReferralResult(case.case_id, created=True)


def already_saved(deps: Deps, case_id: str, submission_id: str, form: BaseModel) -> bool:
    """A retry of a form already saved (a double click, a resend); IdReused if the answers differ.
    Ask only after the actor has been authorised for the case. A retry finishes whatever the first
    attempt saved but could not yet carry out (a resume, a notification)."""
    if not submission_id or not deps.store.already_processed(case_id, submission_id, fingerprint(form)):
        return False
    finish_pending(deps, case_id)
    return True


def start_workflow(deps: Deps, case: Case, changes: Changes, entry: str, replaces: bool = False) -> None:
    """Save the case with its new revision and the start of its execution with it (an effect:
    idempotent by the execution's name, tried again until it succeeds). No execution starts before
    the pre-release window opens: until then a one-time schedule, saved as an effect too, starts it
    at the window (docs/adr/0007-start-the-workflow-at-the-pre-release-window.md), so none comes near
    Step Functions' one-year limit. `replaces`: a start schedule of an older revision may be left."""
    case.execution_arn = deps.workflow.execution_arn(case.case_id, case.revision)
    now = deps.now()
    opens = pre_release_window_opens(case.release_on, load_programme())
    if opens > now:
        # One schedule per case: making it again moves it to the new window and revision.
        changes.effects.append(effects.schedule_start(case.case_id, now, opens, case.revision, entry))
    else:
        if replaces:
            changes.effects.append(effects.cancel_start(case.case_id, now))
        changes.effects.append(effects.start(case.case_id, now, case.revision, entry))
    save(deps, changes)


def record_consent(
    deps: Deps, actor: Actor, case_id: str, form: ConsentIn, submission_id: str | None = None
) -> Case:
    """Idempotent by the case's own state rather than a submission marker (`submission_id` is taken
    for a uniform signature), so that a retry after a failed workflow start starts it: the same
    consent again is a retry, a different one a conflict."""
    case = authorised_case(deps, actor, case_id, Act.RECORD_CONSENT)
    # Texts only with a number to send them to; a number without texts is not kept (not needed).
    mobile = form.mobile if form.consent_given and form.text_reminders else None
    if form.consent_given and form.text_reminders and mobile is None:
        raise InvalidInput("Enter the mobile number to send the reminders to", field="mobile")
    if case.stage is Stage.CONSENTED and case.consent is not None and form.consent_given:
        held = case.texts.mobile if case.texts else None
        if (case.consent.lawful_basis, case.consent.data_sharing, held) != (
            form.lawful_basis,
            form.data_sharing,
            mobile,
        ):
            raise IllegalTransition(case.stage, Stage.CONSENTED)
        finish_pending(deps, case.case_id)  # a retry finishes a start that failed the first time
        return case
    changes = Changes(case=case)
    if not form.consent_given:
        move(case, Stage.CONSENT_WITHDRAWN)
        case.exit_reason = "consent_refused"
        changes.add(event(deps, "consent_refused", actor))
        changes.release_prison_number = True
        deps.store.commit(changes, deps.now())
        return case
    move(case, Stage.CONSENTED)
    case.consent = Consent(form.lawful_basis, form.data_sharing, deps.now())
    if mobile is not None:
        case.texts = TextReminders(mobile, deps.now())
        changes.file_mobile = mobile
    case.revision += 1
    changes.add(
        event(
            deps,
            "consent_recorded",
            actor,
            lawful_basis=form.lawful_basis,
            text_reminders=str(mobile is not None).lower(),
        )
    )
    start_workflow(deps, case, changes, "pre_release_window")
    return case


def submit_assessment(
    deps: Deps, actor: Actor, case_id: str, form: AssessmentIn, submission_id: str | None = None
) -> Case:
    case = authorised_case(deps, actor, case_id, Act.ASSESS)
    token = require_gate(case, Gate.ASSESSMENT)
    move(case, Stage.ASSESSED)
    changes = Changes(case=case)
    remember_submission(changes, submission_id, form)
    for area, need in form.needs.items():
        status = AreaStatus.SUPPORT_REQUIRED if needs_support(need.level) else AreaStatus.SUPPORT_NOT_REQUIRED
        changes.add(Need(area, need.level, need.level, status, need.notes))
    supported = sorted(a.value for a, n in form.needs.items() if needs_support(n.level))
    changes.add(event(deps, "assessed", actor, areas_needing_support=",".join(supported)))
    commit_and_resume(deps, changes, token, {})
    return case


def _client_needs(deps: Deps, case: Case) -> ClientNeeds:
    return ClientNeeds(
        needs={n.area: n.current_level for n in deps.store.needs(case.case_id)},
        borough=case.client.borough,
        gender_preference=case.client.gender_preference,
        gang_risk=case.client.gang_risk,
        excluded_areas=case.client.excluded_areas,
        prison=case.prison,
        in_prison=case.stage.is_in_prison,
        on=london_date(deps.now()),
    )


def _profiles(deps: Deps, mentors: Iterable[Mentor]) -> list[MentorProfile]:
    """What matching sees of each mentor, with whether they have left (one read of the staff
    records: a deactivated account keeps its mentor record, for the history)."""
    left = have_left(deps)
    return [mentor.profile(left=mentor.mentor_id in left) for mentor in mentors]


def mentor_suggestions(deps: Deps, actor: Actor, case_id: str) -> MatchResult:
    case = authorised_case(deps, actor, case_id, Act.SUGGEST_MENTORS)
    return suggest_mentors(_client_needs(deps, case), _profiles(deps, deps.store.mentors()))


def _tell_the_mentor(deps: Deps, case: Case, changes: Changes) -> None:
    """ "You have a new client", told at once (the mentor's first task falls due soon), to whoever
    the case's mentor is when it is delivered."""
    changes.effects.append(
        notify(
            case.case_id,
            deps.now(),
            Notification(kind="assigned", case_id=case.case_id, recipient_role="mentor"),
        )
    )


def confirm_mentor(
    deps: Deps, actor: Actor, case_id: str, form: MentorMatchIn, submission_id: str | None = None
) -> Case:
    case = authorised_case(deps, actor, case_id, Act.ASSIGN_MENTOR)
    token = require_gate(case, Gate.MENTOR_MATCH)
    client = _client_needs(deps, case)
    mentors = {m.mentor_id: m for m in deps.store.mentors()}
    chosen = mentors.get(form.mentor_id)
    if chosen is None:
        raise InvalidInput("Select a mentor from the list", field="mentor_id")
    profiles = {profile.mentor_id: profile for profile in _profiles(deps, mentors.values())}
    result = suggest_mentors(client, profiles.values())
    top = result.suggestions[0].mentor_id if result.suggestions else None
    overridden = form.mentor_id != top
    previous = case.mentor_id  # a case matched before its recall keeps its mentor unless changed
    if overridden:
        check_override(profiles[chosen.mentor_id], client, form.override_reason or "")
    elif not chosen.has_room:
        raise CapacityExceeded(f"mentor {chosen.mentor_id} is at capacity")
    needs_reason = reason_needed(form.mentor_id, top, previous)
    if needs_reason:
        check_reason(form.override_reason or "")
    move(case, Stage.MATCHED)
    case.pair_with(chosen.mentor_id, london_date(deps.now()))
    changes = Changes(case=case, mentors=[chosen.one_case_more()])
    remember_submission(changes, submission_id, form)
    detail = {"mentor_id": chosen.mentor_id, "overridden": str(overridden).lower()}
    if previous and previous != chosen.mentor_id:
        detail["previous_mentor_id"] = previous
    if needs_reason:  # on the case's timeline with the match (never in a log or a notification)
        detail["reason"] = (form.override_reason or "").strip()
    changes.add(event(deps, "mentor_matched", actor, **detail))
    _tell_the_mentor(deps, case, changes)
    commit_and_resume(deps, changes, token, {})
    return case


def reassign(
    deps: Deps, actor: Actor, case_id: str, form: ReassignIn, submission_id: str | None = None
) -> Case:
    """A coordinator moves a case being worked to another mentor, with a reason and a handover note
    (kept on the case's timeline for whoever works it, never in a notification or a log). Both
    caseloads change in the same transaction; the old mentor loses access at once (access goes by
    the case's mentor), and the tasks the mentor owns are the new mentor's (a task's owner is a role,
    so whoever is the case's mentor owns them). The workflow is not moved: the case keeps its stage."""
    case = authorised_case(deps, actor, case_id, Act.REASSIGN)
    if (why_not := case.why_not_reassignable()) is not None:
        raise InvalidInput(why_not, field=None)
    assert case.mentor_id is not None
    if form.mentor_id == case.mentor_id:
        raise InvalidInput("Select a different mentor: this one has the case now", field="mentor_id")
    mentors = {m.mentor_id: m for m in deps.store.mentors()}
    chosen, previous = mentors.get(form.mentor_id), mentors.get(case.mentor_id)
    client = _client_needs(deps, case)
    suggested = {s.mentor_id for s in suggest_mentors(client, _profiles(deps, mentors.values())).suggestions}
    if chosen is None or chosen.mentor_id not in suggested:
        raise InvalidInput(
            "Select a mentor from the list: only they meet the matching rules", field="mentor_id"
        )
    previous_id = case.mentor_id
    case.pair_with(chosen.mentor_id, london_date(deps.now()))
    moved = [chosen.one_case_more()] + ([previous.one_case_fewer()] if previous else [])
    changes = Changes(case=case, mentors=moved)
    remember_submission(changes, submission_id, form)
    # The reason and the note are personal: on the case item only; the timeline holds the ids.
    case.mentor_handover = MentorHandover(previous_id, form.reason, form.handover_note, deps.now())
    changes.add(
        event(deps, "mentor_reassigned", actor, mentor_id=chosen.mentor_id, previous_mentor_id=previous_id)
    )
    _tell_the_mentor(deps, case, changes)
    save(deps, changes)
    return case


def update_task(
    deps: Deps,
    actor: Actor,
    case_id: str,
    task_key: str,
    form: TaskUpdateIn,
    *,
    submission_id: str | None = None,
) -> Task:
    case = authorised_case(deps, actor, case_id, Act.UPDATE_TASK)
    require_task_key(task_key)
    task = deps.store.get_task(case_id, task_key)
    if form.seen_updates is not None and form.seen_updates != len(task.updates):
        raise Conflict(f"task {task_key} was updated by someone else after the form was opened")
    if task.status.is_closed and form.status.is_closed:
        raise InvalidInput(
            f"Select open or in progress to reopen the task: it is already {task.status.value.replace('_', ' ')}",
            field="status",
        )
    task.status = form.status
    task.updates.append(TaskUpdate(deps.now(), actor.label, form.status, form.note))
    changes = Changes(case=case).add(
        task, event(deps, "task_updated", actor, task=task_key, status=form.status)
    )
    if form.status.is_closed and task.chase_level is ChaseLevel.COORDINATOR_ESCALATED:
        words = form.status.value.replace("_", " ")
        resolve_cause(
            deps,
            case,
            changes,
            ("task_overdue", task_key),
            resolution=f"The task was marked {words}",
            by=actor,
        )
    remember_submission(changes, submission_id, form)
    deps.store.commit(changes, deps.now())
    return task


def submit_readiness(
    deps: Deps, actor: Actor, case_id: str, form: ReadinessIn, submission_id: str | None = None
) -> Case:
    case = authorised_case(deps, actor, case_id, Act.REVIEW_READINESS)
    token = require_gate(case, Gate.READINESS_REVIEW)
    move(case, Stage.RELEASE_READY)
    case.readiness = Readiness(
        form.accommodation_confirmed,
        form.id_ready,
        form.medication_ready,
        form.probation_appointment_booked,
        form.notes,
        deps.now(),
    )
    changes = Changes(case=case).add(
        event(
            deps,
            "readiness_reviewed",
            actor,
            accommodation_confirmed=str(form.accommodation_confirmed).lower(),
        )
    )
    remember_submission(changes, submission_id, form)
    commit_and_resume(deps, changes, token, {"accommodation_confirmed": form.accommodation_confirmed})
    return case


def submit_release_day(
    deps: Deps, actor: Actor, case_id: str, form: ReleaseDayIn, submission_id: str | None = None
) -> Case:
    """Not met at the gate raises the escalation, and tells the coordinators, in the same
    transaction, so they see it as the form is saved; what happened is kept on the case, its
    details and the notes (free text) nowhere else. A client who did not come out is not released:
    the gate stays open (for the day they do, or for a coordinator's new release date)."""
    case = authorised_case(deps, actor, case_id, Act.RECORD_RELEASE_DAY)
    needs_route_check = form.met_at_gate and case.route_safety_check(deps.store.needs(case_id))
    if form.route_safety_checked is None and needs_route_check:
        raise InvalidInput(
            "Select whether the route from the gate was safety-checked: this client needs the check",
            field="route_safety_checked",
        )
    token = require_gate(case, Gate.RELEASE_DAY)
    answers = form.checks
    reason = None if form.met_at_gate else form.not_met_reason
    case.release_day = ReleaseDay(
        checks={k: v for k, v in answers.items() if v is not None},
        not_met_reason=reason,
        not_met_details="" if reason is None else form.not_met_details,
        notes=form.notes,
        recorded_at=deps.now(),
    )
    missing = sorted(k for k, v in answers.items() if v is False and k != "met_at_gate")
    detail = {"not_done": ",".join(missing)} | ({"not_met_reason": reason.value} if reason else {})
    if reason is not None and not reason.client_released:
        changes = Changes(case=case).add(event(deps, "not_released", actor, **detail))
        # The workflow stays at the gate and tells nobody: the coordinators are told from here.
        escalate(deps, case, changes, "not_met_at_gate", reason.value)
        remember_submission(changes, submission_id, form)
        save(deps, changes)
        return case
    move(case, Stage.POST_RELEASE)
    case.first_released_on = case.first_released_on or london_date(deps.now())
    case.housed_on_release_night = form.address_confirmed  # None: not met, so not known
    changes = Changes(case=case).add(event(deps, "released", actor, **detail))
    for appointment in deps.store.appointments(case_id):
        if (remind_now := appointment.out_in_time(deps.now(), load_programme())) is not None:
            changes.add(remind_now)
    if missing_essentials := case.release_day.left_without:
        subject = ",".join(missing_essentials)
        escalate(deps, case, changes, "released_without", subject)
    if reason is not None:
        escalate(deps, case, changes, "not_met_at_gate", reason.value)
    else:
        resolve_cause(
            deps,
            case,
            changes,
            ("not_met_at_gate", ""),
            resolution="The client was met at the gate",
            by=actor,
        )
    remember_submission(changes, submission_id, form)
    output = {"met_at_gate": form.met_at_gate, "address_confirmed": bool(form.address_confirmed)}
    commit_and_resume(deps, changes, token, output)
    return case


def _contact_made(deps: Deps, case: Case, changes: Changes, actor: Actor) -> None:
    """The client was reached after release: a "not met at the gate" escalation has its answer."""
    resolve_cause(
        deps,
        case,
        changes,
        ("not_met_at_gate", ""),
        resolution="Contact was made with the client after release",
        by=actor,
    )


def _tasks_for_new_needs(deps: Deps, case: Case, new_needs: dict[NeedArea, Level], changes: Changes) -> None:
    """A need found after release opens its catalogue tasks, due no earlier than a week from now."""
    new_needs = {area: level for area, level in new_needs.items() if needs_support(level)}
    if not new_needs:  # most check-ins: nothing to read
        return
    existing_needs = {n.area: n for n in deps.store.needs(case.case_id)}
    existing_tasks = {t.task_key for t in deps.store.tasks(case.case_id)}
    earliest = london_date(deps.now()) + timedelta(days=7)
    for area, level in new_needs.items():
        need = existing_needs.get(area)
        if need is None:
            need = Need(area, level, level, AreaStatus.SUPPORT_REQUIRED)
        else:
            need.current_level, need.status = level, AreaStatus.SUPPORT_REQUIRED
        changes.add(need)
        for planned in plan_area_tasks(area, level, case.release_on):
            if planned.template_key not in existing_tasks:
                changes.add(Task.from_plan(case, planned, earliest=earliest))


def submit_check_in(
    deps: Deps, actor: Actor, case_id: str, form: CheckInIn, submission_id: str | None = None
) -> Case:
    case = authorised_case(deps, actor, case_id, Act.CHECK_IN)
    token = require_gate(case, Gate.CHECK_IN)
    if case.check_in_number != form.number:
        raise InvalidInput(
            f"Go back to the case: check-in {form.number} is not the one due now", field="number"
        )
    check_in = deps.store.get_check_in(case_id, form.number)
    check_in.status = CheckInStatus.DONE
    check_in.contact_made = form.contact_made
    check_in.notes = form.notes
    changes = Changes(case=case).add(check_in)
    remember_submission(changes, submission_id, form)
    if form.contact_made:
        case.note_contact(london_date(deps.now()))
        resolve_cause(
            deps,
            case,
            changes,
            ("check_in_missed", ""),
            resolution="A check-in with contact was recorded",
            by=actor,
        )
        _contact_made(deps, case, changes, actor)
    _tasks_for_new_needs(deps, case, dict(form.new_needs), changes)
    changes.add(
        event(deps, "checked_in", actor, number=str(form.number), contact_made=str(form.contact_made).lower())
    )
    commit_and_resume(deps, changes, token, {})
    return case


@dataclass(frozen=True)
class HandoverResult:
    case: Case
    still_open: tuple[NeedArea, ...]


def submit_handover(
    deps: Deps, actor: Actor, case_id: str, form: HandoverIn, submission_id: str | None = None
) -> HandoverResult:
    """Closes the case once every open need is done, declined, or referred and accepted; until then
    the referrals are recorded and the workflow keeps waiting at handover."""
    case = authorised_case(deps, actor, case_id, Act.CLOSE)
    token = require_gate(case, Gate.HANDOVER)
    changes = Changes(case=case)
    remember_submission(changes, submission_id, form)
    still_open = []
    for need in deps.store.needs(case_id):
        need.exit_level = form.exit_levels[need.area]
        handed = form.needs.get(need.area)
        if handed is not None:
            if handed.outcome == "done":
                need.status = AreaStatus.DONE
            elif handed.outcome == "declined":
                need.status = AreaStatus.SUPPORT_DECLINED
            else:
                need.referral_service, need.referral_state = handed.service, handed.referral_state
                if handed.referral_state in {ReferralState.ACCEPTED, ReferralState.DONE}:
                    need.status = AreaStatus.DONE
        if need.is_open:
            still_open.append(need.area)
        changes.add(need)
    case.in_work_at_handover = form.in_work_or_training
    case.gives_back = form.gives_back
    if still_open:
        changes.add(event(deps, "handover_recorded", actor, still_open=",".join(a.value for a in still_open)))
        deps.store.commit(changes, deps.now())
        return HandoverResult(case, tuple(still_open))
    move(case, Stage.CLOSED)
    wind_down(deps, case, changes, "closed")
    release_mentor(deps, case, changes)
    changes.add(event(deps, "closed", actor, gives_back=form.gives_back.value))
    changes.release_prison_number = True
    commit_and_resume(deps, changes, token, {})
    return HandoverResult(case, ())


def record_outcome(
    deps: Deps, actor: Actor, case_id: str, form: OutcomeIn, submission_id: str | None = None
) -> Case:
    case = authorised_case(deps, actor, case_id, Act.RECORD_OUTCOME)
    if (not_open := outcome_not_open(case.first_released_on, deps.now(), load_programme())) is not None:
        raise InvalidInput(not_open, field=None)
    check_transition(case.stage, Stage.OUTCOME_RECORDED)
    if deps.store.outcome(case_id) is not None:
        raise Conflict(f"case {case_id} already has an outcome")
    case.exit_reason = case.exit_reason or case.stage.value
    case.stage = Stage.OUTCOME_RECORDED
    changes = Changes(case=case).add(
        Outcome(case_id, form.proven_reoffending, form.housed, form.in_work_or_training, deps.now()),
        event(deps, "outcome_recorded", actor),
    )
    resolve_cause(deps, case, changes, ("outcome_due", ""), resolution="The outcome was recorded", by=actor)
    remember_submission(changes, submission_id, form)
    deps.store.commit(changes, deps.now())
    return case


def log_contact(
    deps: Deps, actor: Actor, case_id: str, form: ContactIn, submission_id: str | None = None
) -> Contact:
    """The case's mentor or a coordinator records a contact with the client (or an attempt)."""
    case = authorised_case(deps, actor, case_id, Act.LOG_CONTACT)
    today = london_date(deps.now())
    if form.on > today:
        raise InvalidInput("The date of the contact must be today or in the past", field="on")
    if form.on < london_date(case.created_at):
        raise InvalidInput("The date of the contact must be on or after the referral", field="on")
    contact = Contact(
        case_id=case_id,
        contact_id=uuid.uuid4().hex[:12],
        on=datetime.combine(form.on, time(12), tzinfo=UTC),
        method=form.method,
        made=form.made,
        minutes=form.minutes,
        areas=frozenset(form.areas),
        note=form.note,
        by=actor.label,
        logged_at=deps.now(),
    )
    changes = Changes(case=case).add(
        contact,
        event(deps, "contact_logged", actor, method=form.method.value, made=str(form.made).lower()),
    )
    if form.made:
        case.note_contact(form.on)
    if form.made and case.first_released_on is not None and form.on >= case.first_released_on:
        _contact_made(deps, case, changes, actor)
    remember_submission(changes, submission_id, form)
    deps.store.commit(changes, deps.now())
    return contact


def resolve_escalation(
    deps: Deps, actor: Actor, case_id: str, form: ResolveEscalationIn, submission_id: str | None = None
) -> Case:
    """A coordinator resolves one of the case's open escalations, with a note of what was done."""
    case = authorised_case(deps, actor, case_id, Act.RESOLVE_ESCALATION)
    escalation = deps.store.escalation(case_id, form.cause)
    if escalation is None or not escalation.open:
        raise InvalidInput("Select an escalation that is still open", field="cause")
    changes = Changes(case=case)
    resolve(deps, changes, [escalation], actor, form.note)
    remember_submission(changes, submission_id, form)
    deps.store.commit(changes, deps.now())
    return case
