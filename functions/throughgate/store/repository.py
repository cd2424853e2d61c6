"""The case store: the only code that knows DynamoDB. Every request path is a GetItem, a Query on the
case's partition or an index, or one transaction; there is no Scan anywhere."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from pynamodb.connection.base import Connection
from pynamodb.exceptions import (
    CancellationReason,
    DoesNotExist,
    PutError,
    TransactWriteError,
    UpdateError,
)
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from throughgate import caches
from throughgate.domain.case import (
    Case,
    CheckIn,
    CheckInStatus,
    ClientDetails,
    Consent,
    Escalation,
    Gate,
    Mentor,
    Need,
    Outcome,
    Readiness,
    ReferralState,
    Task,
    TaskUpdate,
    TimelineEvent,
)
from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import AlreadyApplied, Conflict, DuplicateReferral, IdReused, NotFound
from throughgate.domain.escalation import ChaseLevel
from throughgate.domain.lifecycle import TERMINAL_STAGES, Stage
from throughgate.domain.needs import AreaStatus, Level, NeedArea, TaskStatus
from throughgate.store import audit
from throughgate.store.changes import Changes, Once, Record
from throughgate.store.models import (
    SK,
    CaseItem,
    CheckInItem,
    ClientAttr,
    ConsentAttr,
    EscalationItem,
    EventItem,
    MarkerItem,
    MentorItem,
    NeedItem,
    OutcomeItem,
    ReadinessAttr,
    TaskItem,
    TaskUpdateAttr,
)

OPEN_TASK = "TASK"
OPEN_CHECK_IN = "CHECKIN"
OPEN_ESCALATION = "ESCALATION"
OPEN_RETENTION = "RETENTION"
# The record kinds of a case partition, by the first part of the sort key.
_SNAPSHOT_MODELS: dict[str, type[Model]] = {
    "CASE": CaseItem,
    "NEED": NeedItem,
    "TASK": TaskItem,
    "CHECKIN": CheckInItem,
    "ESC": EscalationItem,
    "EVENT": EventItem,
    "OUTCOME": OutcomeItem,
}
MENTORS_PK = "MENTORS"


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- mapping ---------------------------------------------------------------------------------------
def _case_item(case: Case, now: datetime) -> CaseItem:
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
        created_at=_iso(case.created_at),
        updated_at=_iso(now),
        payload_hash=case.payload_hash,
        revision=case.revision,
        first_released_on=case.first_released_on.isoformat() if case.first_released_on else None,
        mentor_id=case.mentor_id,
        consent=(
            ConsentAttr(
                lawful_basis=case.consent.lawful_basis,
                data_sharing=case.consent.data_sharing,
                recorded_at=_iso(case.consent.recorded_at),
            )
            if case.consent
            else None
        ),
        waiting_for=case.waiting_for.value if case.waiting_for else None,
        task_token=case.task_token,
        check_in_number=case.check_in_number,
        execution_arn=case.execution_arn,
        workflow_error=case.workflow_error,
        exit_reason=case.exit_reason,
        housed_on_release_night=case.housed_on_release_night,
        in_work_at_handover=case.in_work_at_handover,
        readiness=_readiness_attr(case.readiness),
    )
    if case.stage in TERMINAL_STAGES and not case.client.is_anonymised:
        # Retention runs from the last change after the case ended.
        retain_until = now.date() + timedelta(days=load_programme().retention_days_after_closure)
        item.open_kind, item.due_key = OPEN_RETENTION, f"{retain_until.isoformat()}#{case.case_id}"
    if case.version is not None:
        item.version = case.version
    return item


def _case(item: CaseItem) -> Case:
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
        created_at=_dt(item.created_at),
        payload_hash=item.payload_hash,
        version=item.version,
        revision=int(item.revision),
        first_released_on=date.fromisoformat(item.first_released_on) if item.first_released_on else None,
        mentor_id=item.mentor_id,
        consent=(
            Consent(consent.lawful_basis, bool(consent.data_sharing), _dt(consent.recorded_at))
            if consent
            else None
        ),
        waiting_for=Gate(item.waiting_for) if item.waiting_for else None,
        task_token=item.task_token,
        check_in_number=int(item.check_in_number) if item.check_in_number is not None else None,
        execution_arn=item.execution_arn,
        workflow_error=item.workflow_error,
        exit_reason=item.exit_reason,
        housed_on_release_night=item.housed_on_release_night,
        in_work_at_handover=item.in_work_at_handover,
        readiness=_readiness(item.readiness),
    )


def _readiness_attr(readiness: Readiness | None) -> ReadinessAttr | None:
    if readiness is None:
        return None
    return ReadinessAttr(
        accommodation_confirmed=readiness.accommodation_confirmed,
        id_ready=readiness.id_ready,
        medication_ready=readiness.medication_ready,
        probation_appointment_booked=readiness.probation_appointment_booked,
        notes=readiness.notes,
        reviewed_at=_iso(readiness.reviewed_at),
    )


def _readiness(attr: ReadinessAttr | None) -> Readiness | None:
    if attr is None:
        return None
    return Readiness(
        bool(attr.accommodation_confirmed),
        bool(attr.id_ready),
        bool(attr.medication_ready),
        bool(attr.probation_appointment_booked),
        attr.notes or "",
        _dt(attr.reviewed_at),
    )


@dataclass(frozen=True)
class CaseSnapshot:
    """A case with all its records; the timeline newest first."""

    case: Case
    needs: list[Need]
    tasks: list[Task]
    check_ins: list[CheckIn]
    escalations: list[Escalation]
    timeline: list[TimelineEvent]
    outcome: Outcome | None


def _event(item: EventItem) -> TimelineEvent:
    return TimelineEvent(_dt(item.at), item.kind, item.actor, item.detail.as_dict() if item.detail else {})


def _outcome(item: OutcomeItem) -> Outcome:
    return Outcome(
        item.case_id, item.proven_reoffending, item.housed, item.in_work_or_training, _dt(item.recorded_at)
    )


def _need_item(case_id: str, need: Need) -> NeedItem:
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


def _need(item: NeedItem) -> Need:
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


def _task_item(task: Task) -> TaskItem:
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
            TaskUpdateAttr(at=_iso(u.at), actor=u.actor, status=u.status.value, note=u.note)
            for u in task.updates
        ],
        open_kind=OPEN_TASK if is_open else None,
        due_key=f"{task.due_on.isoformat()}#{task.case_id}#{task.task_key}" if is_open else None,
    )


def _task(item: TaskItem) -> Task:
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
        updates=[TaskUpdate(_dt(u.at), u.actor, TaskStatus(u.status), u.note or "") for u in item.updates],
    )


def _check_in_item(check_in: CheckIn) -> CheckInItem:
    is_open = check_in.status is CheckInStatus.OPEN
    return CheckInItem(
        pk=case_pk(check_in.case_id),
        sk=f"CHECKIN#{check_in.number:02d}",
        case_id=check_in.case_id,
        number=check_in.number,
        due_at=_iso(check_in.due_at),
        status=check_in.status.value,
        chase_level=check_in.chase_level.value,
        contact_made=check_in.contact_made,
        notes=check_in.notes,
        open_kind=OPEN_CHECK_IN if is_open else None,
        due_key=f"{_iso(check_in.due_at)}#{check_in.case_id}#{check_in.number:02d}" if is_open else None,
    )


def _check_in(item: CheckInItem) -> CheckIn:
    return CheckIn(
        case_id=item.case_id,
        number=int(item.number),
        due_at=_dt(item.due_at),
        status=CheckInStatus(item.status),
        chase_level=ChaseLevel(item.chase_level),
        contact_made=item.contact_made,
        notes=item.notes or "",
    )


def _escalation_item(escalation: Escalation) -> EscalationItem:
    raised = _iso(escalation.raised_at)
    return EscalationItem(
        pk=case_pk(escalation.case_id),
        sk=f"ESC#{raised}#{escalation.reason}#{escalation.subject}",
        case_id=escalation.case_id,
        raised_at=raised,
        reason=escalation.reason,
        target_role=escalation.target_role,
        subject=escalation.subject,
        open_kind=OPEN_ESCALATION if escalation.open else None,
        due_key=f"{raised}#{escalation.case_id}" if escalation.open else None,
    )


def _escalation(item: EscalationItem) -> Escalation:
    return Escalation(
        case_id=item.case_id,
        raised_at=_dt(item.raised_at),
        reason=item.reason,
        target_role=item.target_role,
        subject=item.subject or "",
        open=item.open_kind is not None,
    )


_event_sequence = itertools.count()


def _event_item(case_id: str, event: TimelineEvent) -> EventItem:
    return EventItem(
        pk=case_pk(case_id),
        # Same-instant events keep their order (the counter); the random part keeps keys unique
        # across Lambda containers writing to one case.
        sk=f"EVENT#{_iso(event.at)}#{next(_event_sequence):012d}#{secrets.token_hex(4)}",
        at=_iso(event.at),
        kind=event.kind,
        actor=event.actor,
        detail=dict(event.detail),
    )


def _outcome_item(outcome: Outcome) -> OutcomeItem:
    return OutcomeItem(
        pk=case_pk(outcome.case_id),
        sk="OUTCOME",
        case_id=outcome.case_id,
        proven_reoffending=outcome.proven_reoffending,
        housed=outcome.housed,
        in_work_or_training=outcome.in_work_or_training,
        recorded_at=_iso(outcome.recorded_at),
    )


def _marker_item(case: Case | None, once: Once) -> MarkerItem:
    assert case is not None, "an id applied once belongs to a case"
    return MarkerItem(
        pk=case_pk(case.case_id), sk=f"DEDUP#{once.key}", case_id=case.case_id, payload_hash=once.payload_hash
    )


def _mentor_item(mentor: Mentor, version: int | None) -> MentorItem:
    item = MentorItem(
        pk=MENTORS_PK,
        sk=f"MENTOR#{mentor.mentor_id}",
        mentor_id=mentor.mentor_id,
        display_name=mentor.display_name,
        gender=mentor.gender,
        borough=mentor.borough,
        capacity=mentor.capacity,
        active_cases=mentor.active_cases,
        lived_experience={a.value for a in mentor.lived_experience} or None,
        linked_areas=set(mentor.linked_areas) or None,
        available=mentor.available,
    )
    if version is not None:
        item.version = version
    return item


def _mentor(item: MentorItem) -> Mentor:
    return Mentor(
        mentor_id=item.mentor_id,
        display_name=item.display_name,
        gender=item.gender,
        borough=item.borough,
        capacity=int(item.capacity),
        active_cases=int(item.active_cases),
        lived_experience=frozenset(NeedArea(a) for a in item.lived_experience or ()),
        linked_areas=frozenset(item.linked_areas or ()),
        available=bool(item.available),
    )


# -- the store -------------------------------------------------------------------------------------
class CaseStore:
    """Reads and all-or-nothing writes of cases and their records."""

    def __init__(self) -> None:
        self._mentor_versions: dict[str, int | None] = {}

    # reads
    def get_case(self, case_id: str) -> Case:
        try:
            return _case(CaseItem.get(case_pk(case_id), "CASE", consistent_read=True))
        except DoesNotExist:
            raise NotFound(f"case {case_id} not found") from None

    def _partition(self, case_id: str, prefix: str, model: type[Model]) -> Iterator[Model]:
        return model.query(case_pk(case_id), model.sk.startswith(prefix), consistent_read=True)  # type: ignore[attr-defined]

    def find_case_by_prison_number(self, prison_number: str) -> Case | None:
        try:
            marker = MarkerItem.get(prison_number_key(prison_number), "REF")
        except DoesNotExist:
            return None
        return self.get_case(marker.case_id)

    def snapshot(self, case_id: str) -> CaseSnapshot:
        """The case and everything under it in one Query of its partition (a page of the case, an
        export), instead of a GetItem and a Query per kind of record."""
        raw: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            page = CaseItem._get_connection().query(  # the table's own connection: any item kind
                case_pk(case_id), consistent_read=True, exclusive_start_key=start
            )
            raw.extend(page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        by_kind: dict[str, list[Any]] = {}
        for item in raw:
            sort_key = item[SK]["S"]
            kind = sort_key.split("#", 1)[0]
            if kind in _SNAPSHOT_MODELS:
                by_kind.setdefault(kind, []).append(_SNAPSHOT_MODELS[kind].from_raw_data(item))
        if "CASE" not in by_kind:
            raise NotFound(f"case {case_id} not found")
        outcome = by_kind.get("OUTCOME", [None])[0]
        return CaseSnapshot(
            case=_case(by_kind["CASE"][0]),
            needs=[_need(i) for i in by_kind.get("NEED", [])],
            tasks=[_task(i) for i in by_kind.get("TASK", [])],
            check_ins=[_check_in(i) for i in by_kind.get("CHECKIN", [])],
            escalations=[_escalation(i) for i in by_kind.get("ESC", [])],
            timeline=[_event(i) for i in reversed(by_kind.get("EVENT", []))],
            outcome=_outcome(outcome) if outcome is not None else None,
        )

    def needs(self, case_id: str) -> list[Need]:
        return [_need(i) for i in self._partition(case_id, "NEED#", NeedItem)]  # type: ignore[arg-type]

    def tasks(self, case_id: str) -> list[Task]:
        return [_task(i) for i in self._partition(case_id, "TASK#", TaskItem)]  # type: ignore[arg-type]

    def get_task(self, case_id: str, task_key: str) -> Task:
        try:
            return _task(TaskItem.get(case_pk(case_id), f"TASK#{task_key}", consistent_read=True))
        except DoesNotExist:
            raise NotFound(f"task {task_key} not found on case {case_id}") from None

    def check_ins(self, case_id: str) -> list[CheckIn]:
        return [_check_in(i) for i in self._partition(case_id, "CHECKIN#", CheckInItem)]  # type: ignore[arg-type]

    def get_check_in(self, case_id: str, number: int) -> CheckIn:
        try:
            return _check_in(CheckInItem.get(case_pk(case_id), f"CHECKIN#{number:02d}", consistent_read=True))
        except DoesNotExist:
            raise NotFound(f"check-in {number} not found on case {case_id}") from None

    def timeline(self, case_id: str, limit: int = 200) -> list[TimelineEvent]:
        items = EventItem.query(
            case_pk(case_id), EventItem.sk.startswith("EVENT#"), scan_index_forward=False, limit=limit
        )
        return [_event(i) for i in items]

    def escalations(self, case_id: str) -> list[Escalation]:
        return [_escalation(i) for i in self._partition(case_id, "ESC#", EscalationItem)]  # type: ignore[arg-type]

    def outcome(self, case_id: str) -> Outcome | None:
        try:
            i = OutcomeItem.get(case_pk(case_id), "OUTCOME")
        except DoesNotExist:
            return None
        return _outcome(i)

    def tasks_to_chase(self, day: date) -> list[Task]:
        items = TaskItem.open_items.query(OPEN_TASK, TaskItem.due_key < day.isoformat())
        return [_task(i) for i in items]  # type: ignore[arg-type]

    def check_ins_to_chase(self, moment: datetime) -> list[CheckIn]:
        items = CheckInItem.open_items.query(OPEN_CHECK_IN, CheckInItem.due_key < _iso(moment))
        return [_check_in(i) for i in items]  # type: ignore[arg-type]

    def open_escalations(self) -> list[Escalation]:
        return [_escalation(i) for i in EscalationItem.open_items.query(OPEN_ESCALATION)]  # type: ignore[arg-type]

    def cases_in_stage(self, stage: Stage) -> list[Case]:
        return [_case(i) for i in CaseItem.by_stage.query(stage.value)]

    def caseload(self, mentor_id: str) -> list[Case]:
        return [_case(i) for i in CaseItem.by_mentor.query(mentor_id)]

    def releases_between(self, first: date, last: date) -> list[Case]:
        months = sorted(_months_between(first, last))
        found: list[Case] = []
        for month in months:
            items = CaseItem.by_release_month.query(
                month, CaseItem.release_on.between(first.isoformat(), last.isoformat())
            )
            found.extend(_case(i) for i in items)
        return found

    def mentors(self) -> list[Mentor]:
        mentors = []
        for item in MentorItem.query(MENTORS_PK, MentorItem.sk.startswith("MENTOR#"), consistent_read=True):
            self._mentor_versions[item.mentor_id] = item.version
            mentors.append(_mentor(item))
        return mentors

    def get_mentor(self, mentor_id: str) -> Mentor:
        try:
            item = MentorItem.get(MENTORS_PK, f"MENTOR#{mentor_id}", consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"mentor {mentor_id} not found") from None
        self._mentor_versions[mentor_id] = item.version
        return _mentor(item)

    # writes
    def create_case(self, case: Case, event: TimelineEvent) -> None:
        """Create a referral's case once: the case id comes from the submission id, and the prison
        number may have only one case at a time. Raises Conflict(existing) or DuplicateReferral."""
        now = event.at
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(_case_item(case, now), condition=CaseItem.pk.does_not_exist())
                tx.save(
                    MarkerItem(
                        pk=prison_number_key(case.client.prison_number), sk="REF", case_id=case.case_id
                    ),
                    condition=MarkerItem.pk.does_not_exist(),
                )
                tx.save(_event_item(case.case_id, event))
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise Conflict(f"case {case.case_id} already exists") from None
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise DuplicateReferral("this prison number already has an open case") from None
            raise

    def save_mentor(self, mentor: Mentor) -> None:
        try:
            _mentor_item(mentor, self._mentor_versions.get(mentor.mentor_id)).save()
        except PutError as error:
            if _is_conditional(error):
                raise Conflict(f"mentor {mentor.mentor_id} was changed by someone else") from None
            raise

    def commit(self, changes: Changes, now: datetime) -> Case | None:
        """Write the changes in one transaction. A stale case version raises Conflict: nothing is
        written, so the caller can reload and the person can resubmit what they typed. The first
        commit of a request also writes the request's audit entry, in the same transaction."""
        case = changes.case
        items: list[tuple[Model, object | None]] = []
        if case is not None:
            items.append((_case_item(case, now), None))
        for mentor in changes.mentors:
            items.append((_mentor_item(mentor, self._mentor_versions.get(mentor.mentor_id)), None))
        first_marker = len(items)
        items.extend((_marker_item(case, once), MarkerItem.sk.does_not_exist()) for once in changes.once)
        markers = range(first_marker, len(items))
        for record in changes.records:
            items.append((self._record_item(case, record), None))
        released = _prison_number_ref(case) if case is not None and changes.release_prison_number else None
        if not items:
            return case
        request_entry = audit.unwritten()
        if request_entry is not None:
            items.append(audit.new_entry_item(request_entry.at(now, request_entry.saved_status)))
        try:
            _write(items, released, case)
        except (TransactWriteError, PutError, UpdateError) as error:
            if any(i in markers for i in _failed_conditions(error, len(items))):
                raise AlreadyApplied("this submission was already saved") from None
            if _is_conditional(error):
                raise Conflict("the case was changed by someone else; reload and try again") from None
            raise
        if request_entry is not None:
            request_entry.written = True
        if case is not None:
            case.version = items[0][0].version  # type: ignore[attr-defined]
        for mentor in changes.mentors:
            self._mentor_versions[mentor.mentor_id] = (self._mentor_versions.get(mentor.mentor_id) or 0) + 1
        return case

    @staticmethod
    def _record_item(case: Case | None, record: Record) -> Model:
        if isinstance(record, Need):
            assert case is not None
            return _need_item(case.case_id, record)
        if isinstance(record, Task):
            return _task_item(record)
        if isinstance(record, CheckIn):
            return _check_in_item(record)
        if isinstance(record, Escalation):
            return _escalation_item(record)
        if isinstance(record, Outcome):
            return _outcome_item(record)
        assert case is not None
        return _event_item(case.case_id, record)

    def already_processed(self, case_id: str, key: str, payload_hash: str | None = None) -> bool:
        """True for a retry of something already applied; IdReused when the id came with other
        content (a fingerprint to compare on both sides)."""
        try:
            marker = MarkerItem.get(case_pk(case_id), f"DEDUP#{key}", consistent_read=True)
        except DoesNotExist:
            return False
        if payload_hash and marker.payload_hash and marker.payload_hash != payload_hash:
            raise IdReused("this submission id was already used with different answers")
        return True

    # retention and erasure
    def cases_due_for_retention(self, day: date) -> list[str]:
        """Ended cases whose retention period has run out by `day` (the sparse index again)."""
        items = CaseItem.open_items.query(
            OPEN_RETENTION, CaseItem.due_key < (day + timedelta(days=1)).isoformat()
        )
        return [i.case_id for i in items]  # type: ignore[attr-defined]

    def anonymise(self, case: Case, now: datetime) -> None:
        """Keep what the cohort figures need (stage, dates, need levels, outcome); delete the rest.
        The case item is written last, so an interrupted run is simply picked up again next day."""
        keep = ("CASE", "NEED#", "OUTCOME")
        self._delete_partition(case.case_id, lambda sk: not sk.startswith(keep))
        self._release_prison_number_of(case)
        for need in self.needs(case.case_id):
            if need.notes or need.referral_service:
                _need_item(case.case_id, replace(need, notes="", referral_service=None)).save()
        case.client = ClientDetails.anonymised()
        case.readiness = None  # its notes are free text about the person
        case.task_token = None
        self.commit(Changes(case=case), now)

    def erase(self, case: Case) -> None:
        """Everything held about the case goes; repeatable until it has all gone."""
        self._release_prison_number_of(case)
        self._delete_partition(case.case_id, lambda sk: sk != "CASE")
        MarkerItem(pk=case_pk(case.case_id), sk="CASE").delete()

    def _delete_partition(self, case_id: str, wanted: Callable[[str], bool]) -> None:
        keys = MarkerItem.query(case_pk(case_id), attributes_to_get=["pk", "sk"], consistent_read=True)
        with MarkerItem.batch_write() as batch:
            for key in keys:
                if wanted(key.sk):
                    batch.delete(MarkerItem(pk=key.pk, sk=key.sk))

    def _release_prison_number_of(self, case: Case) -> None:
        if not case.client.is_anonymised:
            _prison_number_ref(case).delete(condition=_still_ours(case))


def _months_between(first: date, last: date) -> set[str]:
    months = set()
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.add(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _write(items: list[tuple[Model, object | None]], released: MarkerItem | None, case: Case | None) -> None:
    """One PutItem when the action writes one item, else one transaction."""
    if len(items) == 1 and released is None:
        item, condition = items[0]
        item.save(condition=condition)  # type: ignore[arg-type]
        return
    with TransactWrite(connection=_connection()) as tx:
        for item, condition in items:
            tx.save(item, condition=condition)  # type: ignore[arg-type]
        if released is not None:
            tx.delete(released, condition=_still_ours(case))


def _prison_number_ref(case: Case) -> MarkerItem:
    return MarkerItem(pk=prison_number_key(case.client.prison_number), sk="REF")


def prison_number_key(prison_number: str) -> str:
    """The one-open-case reference is keyed by a keyed hash: a prison number never sits in a key
    (keys show up in metrics, traces and consoles), and without the key it cannot be guessed back
    from the small space of prison numbers."""
    from throughgate.config import settings

    digest = hmac.new(settings().reference_key.encode(), prison_number.upper().encode(), hashlib.sha256)
    return f"PRISONNO#{digest.hexdigest()}"


def _still_ours(case: Case | None) -> Condition:
    """Delete the reference only if it is this case's (or already gone): never another case's."""
    assert case is not None
    return (MarkerItem.case_id == case.case_id) | MarkerItem.pk.does_not_exist()


def _failed_conditions(error: Exception, item_count: int) -> list[int]:
    """Which of a write's items failed their condition (a single put is item 0)."""
    if item_count == 1:
        return [0] if _is_conditional(error) else []
    reasons: list[CancellationReason | None] = getattr(error, "cancellation_reasons", None) or []
    return [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]


def _is_conditional(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    if cause in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        reasons: Iterable[CancellationReason | None] = getattr(error, "cancellation_reasons", None) or []
        return cause == "ConditionalCheckFailedException" or any(
            r is not None and r.code == "ConditionalCheckFailed" for r in reasons
        )
    return False


@caches.resettable
@cache
def _connection() -> Connection:
    """One connection per container, reused across calls."""
    from throughgate.config import settings

    return Connection(region=settings().region)
