"""Domain objects to pynamodb items and back: the only code that converts between them."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta

from pynamodb.models import Model

from throughgate.domain.case import (
    Case,
    CheckIn,
    CheckInStatus,
    ClientDetails,
    Consent,
    Contact,
    ContactMethod,
    Escalation,
    Mentor,
    MentorHandover,
    Need,
    Outcome,
    Readiness,
    ReferralState,
    ReleaseDay,
    Task,
    TaskUpdate,
    TimelineEvent,
)
from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import load_programme
from throughgate.domain.effects import Effect, EffectKind
from throughgate.domain.escalation import ChaseLevel, NotMetReason
from throughgate.domain.lifecycle import TERMINAL_STAGES, Stage
from throughgate.domain.mentors import (
    Availability,
    AvailabilityStatus,
    Check,
    CheckOutcome,
    CheckRecord,
    Clearance,
    Clearances,
    TrainingSession,
    Vetting,
)
from throughgate.domain.needs import AreaStatus, Level, NeedArea, TaskStatus
from throughgate.domain.outcomes import CohortFacts
from throughgate.domain.pathway import GiveBack
from throughgate.domain.reminders import Appointment, AppointmentKind, TextReminders, Which
from throughgate.domain.schedule import london_date
from throughgate.domain.unapplied import NotAppliedBecause, UnappliedUpdate
from throughgate.store.changes import Once
from throughgate.store.keys import (
    MENTORS_PK,
    OPEN_CHECK_IN,
    OPEN_EFFECT,
    OPEN_ESCALATION,
    OPEN_REMINDER,
    OPEN_RETENTION,
    OPEN_TASK,
    OPEN_UNAPPLIED,
    case_pk,
    mentor_pk,
    unapplied_pk,
)
from throughgate.store.models import (
    AppointmentItem,
    CaseItem,
    CheckInItem,
    CheckMap,
    ClearanceMap,
    ClientAttr,
    ConsentAttr,
    ContactItem,
    EffectItem,
    EscalationItem,
    EventItem,
    MarkerItem,
    MentorCheckItem,
    MentorHandoverAttr,
    MentorItem,
    NeedItem,
    OutcomeItem,
    PathwayLinkItem,
    ReadinessAttr,
    ReleaseDayAttr,
    TaskItem,
    TaskUpdateAttr,
    TextsAttr,
    TrainingItem,
    UnappliedItem,
)

# The record kinds of a case partition, by the first part of the sort key.
SNAPSHOT_MODELS: dict[str, type[Model]] = {
    "APPT": AppointmentItem,
    "CASE": CaseItem,
    "CONTACT": ContactItem,
    "NEED": NeedItem,
    "TASK": TaskItem,
    "CHECKIN": CheckInItem,
    "ESC": EscalationItem,
    "EVENT": EventItem,
    "OUTCOME": OutcomeItem,
    "PATHWAY": PathwayLinkItem,  # the link to the case's peer-mentor pathway, if one was opened
}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def case_item(case: Case, now: datetime) -> CaseItem:
    c = case.client
    item = CaseItem(
        pk=case_pk(case.case_id),
        sk="CASE",
        case_id=case.case_id,
        stage=case.stage.value,
        release_on=case.release_on.isoformat(),
        release_month=case.release_on.strftime("%Y-%m"),
        prison=case.prison,
        client=ClientAttr(
            given_name=c.given_name,
            family_name=c.family_name,
            date_of_birth=c.date_of_birth.isoformat(),
            prison_number=c.prison_number,
            gender=c.gender,
            borough=c.borough,
            gender_preference=c.gender_preference,
            gang_risk=c.gang_risk,
            excluded_areas=set(c.excluded_areas) or None,
        ),
        created_at=iso(case.created_at),
        updated_at=iso(now),
        payload_hash=case.payload_hash,
        revision=case.revision,
        first_released_on=case.first_released_on.isoformat() if case.first_released_on else None,
        mentor_id=case.mentor_id,
        consent=(
            ConsentAttr(
                lawful_basis=case.consent.lawful_basis,
                data_sharing=case.consent.data_sharing,
                recorded_at=iso(case.consent.recorded_at),
            )
            if case.consent
            else None
        ),
        waiting_for=case.waiting_for.value if case.waiting_for else None,
        task_token=case.task_token,
        check_in_number=case.check_in_number,
        execution_arn=case.execution_arn,
        workflow_error=case.workflow_error,
        erasing=case.erasing or None,
        circumstances_as_of=iso(case.circumstances_as_of) if case.circumstances_as_of else None,
        circumstances_sequence=case.circumstances_sequence,
        exit_reason=case.exit_reason,
        housed_on_release_night=case.housed_on_release_night,
        in_work_at_handover=case.in_work_at_handover,
        gives_back=case.gives_back.value if case.gives_back else None,
        readiness=readiness_attr(case.readiness),
        release_day=release_day_attr(case.release_day),
        texts=TextsAttr(
            mobile=case.texts.mobile,
            agreed_at=iso(case.texts.agreed_at),
            stopped_at=iso(case.texts.stopped_at) if case.texts.stopped_at else None,
        )
        if case.texts
        else None,
        counted=case.counted.to_json() if case.counted else None,
        last_contact_on=_day(case.last_contact_on),
        paired_on=_day(case.paired_on),
        mentor_handover=MentorHandoverAttr(
            previous_mentor_id=case.mentor_handover.previous_mentor_id,
            reason=case.mentor_handover.reason,
            note=case.mentor_handover.note,
            at=iso(case.mentor_handover.at),
        )
        if case.mentor_handover
        else None,
    )
    if case.stage in TERMINAL_STAGES and not case.client.is_anonymised:
        # Retention runs from the last change after the case ended.
        retain_until = london_date(now) + timedelta(days=load_programme().retention_days_after_closure)
        item.open_kind, item.due_key = OPEN_RETENTION, f"{retain_until.isoformat()}#{case.case_id}"
    if case.version is not None:
        item.version = case.version
    return item


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day_from(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def case_from(item: CaseItem) -> Case:
    c = item.client
    consent = item.consent
    return Case(
        case_id=item.case_id,
        stage=Stage(item.stage),
        release_on=date.fromisoformat(item.release_on),
        prison=item.prison,
        client=ClientDetails(
            given_name=c.given_name,
            family_name=c.family_name,
            date_of_birth=date.fromisoformat(c.date_of_birth),
            prison_number=c.prison_number,
            gender=c.gender,
            borough=c.borough,
            gender_preference=c.gender_preference,
            gang_risk=bool(c.gang_risk),
            excluded_areas=frozenset(c.excluded_areas or ()),
        ),
        created_at=from_iso(item.created_at),
        payload_hash=item.payload_hash,
        version=item.version,
        revision=int(item.revision),
        first_released_on=date.fromisoformat(item.first_released_on) if item.first_released_on else None,
        mentor_id=item.mentor_id,
        consent=(
            Consent(consent.lawful_basis, bool(consent.data_sharing), from_iso(consent.recorded_at))
            if consent
            else None
        ),
        waiting_for=Gate(item.waiting_for) if item.waiting_for else None,
        task_token=item.task_token,
        check_in_number=int(item.check_in_number) if item.check_in_number is not None else None,
        execution_arn=item.execution_arn,
        workflow_error=item.workflow_error,
        erasing=bool(item.erasing),
        circumstances_as_of=from_iso(item.circumstances_as_of) if item.circumstances_as_of else None,
        circumstances_sequence=int(item.circumstances_sequence)
        if item.circumstances_sequence is not None
        else None,
        exit_reason=item.exit_reason,
        housed_on_release_night=item.housed_on_release_night,
        in_work_at_handover=item.in_work_at_handover,
        gives_back=GiveBack(item.gives_back) if item.gives_back else None,
        readiness=readiness_from(item.readiness),
        release_day=release_day_from(item.release_day),
        texts=TextReminders(
            item.texts.mobile,
            from_iso(item.texts.agreed_at),
            from_iso(item.texts.stopped_at) if item.texts.stopped_at else None,
        )
        if item.texts
        else None,
        counted=CohortFacts.from_json(item.counted) if item.counted else None,
        last_contact_on=_day_from(item.last_contact_on),
        paired_on=_day_from(item.paired_on),
        mentor_handover=MentorHandover(
            item.mentor_handover.previous_mentor_id,
            item.mentor_handover.reason,
            item.mentor_handover.note,
            from_iso(item.mentor_handover.at),
        )
        if item.mentor_handover
        else None,
    )


def readiness_attr(readiness: Readiness | None) -> ReadinessAttr | None:
    if readiness is None:
        return None
    return ReadinessAttr(
        accommodation_confirmed=readiness.accommodation_confirmed,
        id_ready=readiness.id_ready,
        medication_ready=readiness.medication_ready,
        probation_appointment_booked=readiness.probation_appointment_booked,
        notes=readiness.notes,
        reviewed_at=iso(readiness.reviewed_at),
    )


def readiness_from(attr: ReadinessAttr | None) -> Readiness | None:
    if attr is None:
        return None
    return Readiness(
        bool(attr.accommodation_confirmed),
        bool(attr.id_ready),
        bool(attr.medication_ready),
        bool(attr.probation_appointment_booked),
        attr.notes or "",
        from_iso(attr.reviewed_at),
    )


def release_day_attr(release_day: ReleaseDay | None) -> ReleaseDayAttr | None:
    if release_day is None:
        return None
    return ReleaseDayAttr(
        checks=dict(release_day.checks),
        not_met_reason=release_day.not_met_reason.value if release_day.not_met_reason else None,
        not_met_details=release_day.not_met_details,
        notes=release_day.notes,
        recorded_at=iso(release_day.recorded_at),
    )


def release_day_from(attr: ReleaseDayAttr | None) -> ReleaseDay | None:
    if attr is None:
        return None
    checks = attr.checks.as_dict() if attr.checks else {}
    return ReleaseDay(
        checks={str(k): bool(v) for k, v in checks.items()},
        not_met_reason=NotMetReason(attr.not_met_reason) if attr.not_met_reason else None,
        not_met_details=attr.not_met_details or "",
        notes=attr.notes or "",
        recorded_at=from_iso(attr.recorded_at),
    )


def event_from(item: EventItem) -> TimelineEvent:
    return TimelineEvent(
        from_iso(item.at), item.kind, item.actor, item.detail.as_dict() if item.detail else {}
    )


def outcome_from(item: OutcomeItem) -> Outcome:
    return Outcome(
        item.case_id,
        item.proven_reoffending,
        item.housed,
        item.in_work_or_training,
        from_iso(item.recorded_at),
    )


def need_item(case_id: str, need: Need) -> NeedItem:
    return NeedItem(
        pk=case_pk(case_id),
        sk=f"NEED#{need.area.value}",
        area=need.area.value,
        entry_level=need.entry_level.value,
        current_level=need.current_level.value,
        status=need.status.value,
        notes=need.notes,
        exit_level=need.exit_level.value if need.exit_level else None,
        referral_service=need.referral_service,
        referral_state=need.referral_state.value if need.referral_state else None,
    )


def need_from(item: NeedItem) -> Need:
    return Need(
        area=NeedArea(item.area),
        entry_level=Level(item.entry_level),
        current_level=Level(item.current_level),
        status=AreaStatus(item.status),
        notes=item.notes or "",
        exit_level=Level(item.exit_level) if item.exit_level else None,
        referral_service=item.referral_service,
        referral_state=ReferralState(item.referral_state) if item.referral_state else None,
    )


def task_item(task: Task) -> TaskItem:
    # In the sweep's index only while there is still someone to chase.
    is_open = not task.status.is_closed and task.chase_level is not ChaseLevel.COORDINATOR_ESCALATED
    return TaskItem(
        pk=case_pk(task.case_id),
        sk=f"TASK#{task.task_key}",
        case_id=task.case_id,
        task_key=task.task_key,
        area=task.area.value,
        title=task.title,
        due_on=task.due_on.isoformat(),
        due_offset_days=task.due_offset_days,
        owner_role=task.owner_role,
        critical=task.critical,
        status=task.status.value,
        chase_level=task.chase_level.value,
        updates=[
            TaskUpdateAttr(at=iso(u.at), actor=u.actor, status=u.status.value, note=u.note)
            for u in task.updates
        ],
        open_kind=OPEN_TASK if is_open else None,
        due_key=f"{task.due_on.isoformat()}#{task.case_id}#{task.task_key}" if is_open else None,
    )


def task_from(item: TaskItem) -> Task:
    return Task(
        case_id=item.case_id,
        task_key=item.task_key,
        area=NeedArea(item.area),
        title=item.title,
        due_on=date.fromisoformat(item.due_on),
        due_offset_days=int(item.due_offset_days),
        owner_role=item.owner_role,
        critical=bool(item.critical),
        status=TaskStatus(item.status),
        chase_level=ChaseLevel(item.chase_level),
        updates=[
            TaskUpdate(from_iso(u.at), u.actor, TaskStatus(u.status), u.note or "") for u in item.updates
        ],
    )


def check_in_item(check_in: CheckIn) -> CheckInItem:
    is_open = check_in.status is CheckInStatus.OPEN
    return CheckInItem(
        pk=case_pk(check_in.case_id),
        sk=f"CHECKIN#{check_in.number:02d}",
        case_id=check_in.case_id,
        number=check_in.number,
        due_at=iso(check_in.due_at),
        status=check_in.status.value,
        chase_level=check_in.chase_level.value,
        contact_made=check_in.contact_made,
        notes=check_in.notes,
        open_kind=OPEN_CHECK_IN if is_open else None,
        due_key=f"{iso(check_in.due_at)}#{check_in.case_id}#{check_in.number:02d}" if is_open else None,
    )


def check_in_from(item: CheckInItem) -> CheckIn:
    return CheckIn(
        case_id=item.case_id,
        number=int(item.number),
        due_at=from_iso(item.due_at),
        status=CheckInStatus(item.status),
        chase_level=ChaseLevel(item.chase_level),
        contact_made=item.contact_made,
        notes=item.notes or "",
    )


def contact_item(contact: Contact) -> ContactItem:
    return ContactItem(
        pk=case_pk(contact.case_id),
        sk=f"CONTACT#{iso(contact.on)}#{contact.contact_id}",
        case_id=contact.case_id,
        contact_id=contact.contact_id,
        on=iso(contact.on),
        method=contact.method.value,
        made=contact.made,
        minutes=contact.minutes,
        areas={a.value for a in contact.areas} or None,
        note=contact.note,
        by=contact.by,
        logged_at=iso(contact.logged_at),
    )


def contact_from(item: ContactItem) -> Contact:
    return Contact(
        case_id=item.case_id,
        contact_id=item.contact_id,
        on=from_iso(item.on),
        method=ContactMethod(item.method),
        made=bool(item.made),
        minutes=int(item.minutes),
        areas=frozenset(NeedArea(a) for a in item.areas or ()),
        note=item.note or "",
        by=item.by,
        logged_at=from_iso(item.logged_at),
    )


def escalation_item(escalation: Escalation) -> EscalationItem:
    raised = iso(escalation.raised_at)
    return EscalationItem(
        pk=case_pk(escalation.case_id),
        sk=f"ESC#{escalation.cause}",
        case_id=escalation.case_id,
        raised_at=raised,
        reason=escalation.reason,
        target_role=escalation.target_role,
        subject=escalation.subject,
        times_raised=escalation.times_raised,
        last_raised_at=iso(escalation.last_raised_at) if escalation.last_raised_at else None,
        resolved_at=iso(escalation.resolved_at) if escalation.resolved_at else None,
        resolved_by=escalation.resolved_by or None,
        resolution=escalation.resolution or None,
        open_kind=OPEN_ESCALATION if escalation.open else None,
        due_key=f"{raised}#{escalation.case_id}" if escalation.open else None,
    )


def escalation_from(item: EscalationItem) -> Escalation:
    return Escalation(
        case_id=item.case_id,
        raised_at=from_iso(item.raised_at),
        reason=item.reason,
        target_role=item.target_role,
        subject=item.subject or "",
        open=item.open_kind is not None,
        times_raised=int(item.times_raised),
        last_raised_at=from_iso(item.last_raised_at) if item.last_raised_at else None,
        resolved_at=from_iso(item.resolved_at) if item.resolved_at else None,
        resolved_by=item.resolved_by or "",
        resolution=item.resolution or "",
    )


_event_sequence = itertools.count()


def event_item(case_id: str, event: TimelineEvent) -> EventItem:
    return EventItem(
        pk=case_pk(case_id),
        # Same-instant events keep their order (the counter); the random part keeps keys unique
        # across Lambda containers writing to one case.
        sk=f"EVENT#{iso(event.at)}#{next(_event_sequence):012d}#{secrets.token_hex(4)}",
        at=iso(event.at),
        kind=event.kind,
        actor=event.actor,
        detail=dict(event.detail),
    )


def outcome_item(outcome: Outcome) -> OutcomeItem:
    return OutcomeItem(
        pk=case_pk(outcome.case_id),
        sk="OUTCOME",
        case_id=outcome.case_id,
        proven_reoffending=outcome.proven_reoffending,
        housed=outcome.housed,
        in_work_or_training=outcome.in_work_or_training,
        recorded_at=iso(outcome.recorded_at),
    )


def effect_item(effect: Effect) -> EffectItem:
    created = iso(effect.created_at)
    return EffectItem(
        pk=case_pk(effect.case_id),
        sk=f"EFFECT#{created}#{effect.effect_id}",
        case_id=effect.case_id,
        effect_id=effect.effect_id,
        kind=effect.kind.value,
        created_at=created,
        detail=dict(effect.detail),
        attempts=effect.attempts,
        last_error=effect.last_error,
        open_kind=OPEN_EFFECT,  # every stored effect is pending: a carried-out one is deleted
        due_key=f"{created}#{effect.case_id}#{effect.effect_id}",
    )


def effect_from(item: EffectItem) -> Effect:
    return Effect(
        case_id=item.case_id,
        kind=EffectKind(item.kind),
        created_at=from_iso(item.created_at),
        detail=item.detail.as_dict() if item.detail else {},
        effect_id=item.effect_id,
        attempts=int(item.attempts or 0),
        last_error=item.last_error or "",
    )


def appointment_item(appointment: Appointment) -> AppointmentItem:
    remind_at = appointment.remind_at
    return AppointmentItem(
        pk=case_pk(appointment.case_id),
        sk=f"APPT#{appointment.appointment_id}",
        case_id=appointment.case_id,
        appointment_id=appointment.appointment_id,
        kind=appointment.kind.value,
        at=iso(appointment.at),
        recorded_by=appointment.recorded_by,
        recorded_at=iso(appointment.recorded_at),
        sent={w.value for w in appointment.sent} or None,
        skipped={w.value for w in appointment.skipped} or None,
        # In the sender's index only while a reminder is still to go (UTC, so the keys sort by time).
        open_kind=OPEN_REMINDER if remind_at else None,
        due_key=f"{iso(remind_at.astimezone(UTC))}#{appointment.case_id}#{appointment.appointment_id}"
        if remind_at
        else None,
    )


def appointment_from(item: AppointmentItem) -> Appointment:
    return Appointment(
        case_id=item.case_id,
        appointment_id=item.appointment_id,
        kind=AppointmentKind(item.kind),
        at=from_iso(item.at),
        recorded_by=item.recorded_by,
        recorded_at=from_iso(item.recorded_at),
        sent=frozenset(Which(w) for w in item.sent or ()),
        skipped=frozenset(Which(w) for w in item.skipped or ()),
        remind_at=from_iso(item.due_key.split("#", 1)[0]) if item.due_key else None,
    )


def marker_item(case: Case | None, once: Once) -> MarkerItem:
    assert case is not None, "an id applied once belongs to a case"
    return MarkerItem(
        pk=case_pk(case.case_id), sk=f"DEDUP#{once.key}", case_id=case.case_id, payload_hash=once.payload_hash
    )


def _check_map(check: Check) -> CheckMap:
    return CheckMap(
        kind=check.kind,
        checked_on=check.checked_on.isoformat(),
        expires_on=check.expires_on.isoformat() if check.expires_on else None,
        outcome=check.outcome.value,
        level=check.level,
        conditions=check.conditions or None,
        avoid_areas=set(check.avoid_areas) or None,
    )


def _check_from(raw: CheckMap) -> Check:
    return Check(
        kind=raw.kind,
        checked_on=date.fromisoformat(raw.checked_on),
        expires_on=date.fromisoformat(raw.expires_on) if raw.expires_on else None,
        outcome=CheckOutcome(raw.outcome),
        level=raw.level,
        conditions=raw.conditions or "",
        avoid_areas=frozenset(raw.avoid_areas or ()),
    )


def mentor_item(mentor: Mentor, version: int | None) -> MentorItem:
    item = MentorItem(
        pk=MENTORS_PK,
        sk=f"MENTOR#{mentor.mentor_id}",
        mentor_id=mentor.mentor_id,
        display_name=mentor.display_name,
        gender=mentor.gender,
        boroughs=set(mentor.boroughs) or None,
        capacity=mentor.capacity,
        active_cases=mentor.active_cases,
        lived_experience={a.value for a in mentor.lived_experience} or None,
        linked_areas=set(mentor.linked_areas) or None,
        avoid_areas=set(mentor.avoid_areas) or None,
        languages=list(mentor.languages),
        availability=mentor.availability.status.value,
        on_leave_until=mentor.availability.until.isoformat() if mentor.availability.until else None,
        clearances=[
            ClearanceMap(prison=c.prison, expires_on=c.expires_on.isoformat()) for c in mentor.clearances.held
        ],
        checks=[_check_map(check) for check in mentor.vetting.checks],
    )
    if version is not None:
        item.version = version
    return item


def mentor_from(item: MentorItem) -> Mentor:
    return Mentor(
        mentor_id=item.mentor_id,
        display_name=item.display_name,
        gender=item.gender,
        boroughs=frozenset(item.boroughs or ({item.borough} if item.borough else ())),
        capacity=int(item.capacity),
        active_cases=int(item.active_cases),
        lived_experience=frozenset(NeedArea(a) for a in item.lived_experience or ()),
        linked_areas=frozenset(item.linked_areas or ()),
        avoid_areas=frozenset(item.avoid_areas or ()),
        languages=tuple(item.languages or ()),
        availability=Availability(
            AvailabilityStatus(item.availability or "active"),
            date.fromisoformat(item.on_leave_until) if item.on_leave_until else None,
        ),
        clearances=Clearances(
            tuple(Clearance(c.prison, date.fromisoformat(c.expires_on)) for c in item.clearances or ())
        ),
        vetting=Vetting(tuple(_check_from(c) for c in item.checks or ())),
    )


def mentor_record_item(record: CheckRecord | TrainingSession) -> MentorCheckItem | TrainingItem:
    if isinstance(record, CheckRecord):
        return MentorCheckItem(
            pk=mentor_pk(record.mentor_id),
            sk=f"CHECK#{record.check.checked_on.isoformat()}#{record.record_id}",
            mentor_id=record.mentor_id,
            check=_check_map(record.check),
            recorded_by=record.recorded_by,
            recorded_at=iso(record.recorded_at),
        )
    return TrainingItem(
        pk=mentor_pk(record.mentor_id),
        sk=f"TRAINING#{record.attended_on.isoformat()}#{record.record_id}",
        mentor_id=record.mentor_id,
        attended_on=record.attended_on.isoformat(),
        title=record.title,
        hours=record.hours,
        recorded_by=record.recorded_by,
        recorded_at=iso(record.recorded_at),
    )


def check_record_from(item: MentorCheckItem) -> CheckRecord:
    return CheckRecord(
        mentor_id=item.mentor_id,
        record_id=item.sk.rsplit("#", 1)[1],
        check=_check_from(item.check),
        recorded_by=item.recorded_by,
        recorded_at=from_iso(item.recorded_at),
    )


def training_from(item: TrainingItem) -> TrainingSession:
    return TrainingSession(
        mentor_id=item.mentor_id,
        record_id=item.sk.rsplit("#", 1)[1],
        attended_on=date.fromisoformat(item.attended_on),
        title=item.title,
        hours=float(item.hours),
        recorded_by=item.recorded_by,
        recorded_at=from_iso(item.recorded_at),
    )


def unapplied_item(update: UnappliedUpdate) -> UnappliedItem:
    received = iso(update.received_at)
    return UnappliedItem(
        pk=unapplied_pk(update.message_id),
        sk="UPDATE",
        message_id=update.message_id,
        received_at=received,
        because=update.because.value,
        attempts=update.attempts,
        fields=list(update.fields),
        occurred_at=iso(update.occurred_at) if update.occurred_at else None,
        change=update.change,
        case_id=update.case_id,
        prison_number=update.prison_number,
        # Newest last in the index, and the message id to tell apart two given up on at once.
        open_kind=OPEN_UNAPPLIED,
        due_key=f"{received}#{update.message_id}",
        expires_at=update.expires_at,
    )


def unapplied_from(item: UnappliedItem) -> UnappliedUpdate:
    return UnappliedUpdate(
        message_id=item.message_id,
        received_at=from_iso(item.received_at),
        because=NotAppliedBecause(item.because),
        attempts=int(item.attempts),
        fields=tuple(item.fields or ()),
        occurred_at=from_iso(item.occurred_at) if item.occurred_at else None,
        change=item.change,
        case_id=item.case_id,
        prison_number=item.prison_number,
    )
