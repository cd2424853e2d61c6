"""The case store: the only code that knows DynamoDB. Every request path is a GetItem, a Query on the
case's partition or an index, or one transaction; there is no Scan anywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

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

from throughgate.domain.case import (
    Case,
    CheckIn,
    ClientDetails,
    Contact,
    Escalation,
    Mentor,
    Need,
    Outcome,
    Task,
    TimelineEvent,
)
from throughgate.domain.catalogue import load_programme
from throughgate.domain.effects import Effect
from throughgate.domain.errors import AlreadyApplied, Conflict, DuplicateReferral, IdReused, NotFound
from throughgate.domain.lifecycle import Stage
from throughgate.domain.mentors import CheckRecord, TrainingSession
from throughgate.domain.outcomes import COUNTERS, cohort_facts, counter_changes
from throughgate.domain.reminders import Appointment, Which
from throughgate.domain.schedule import outcome_is_final
from throughgate.domain.search import search_terms
from throughgate.domain.unapplied import UnappliedUpdate
from throughgate.store import audit
from throughgate.store.changes import Changes, Record
from throughgate.store.inbox import InboxStore
from throughgate.store.keys import (
    COHORT_PK,
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
    mobile_key,
    months_between,
    prison_number_key,
    search_key,
    unapplied_pk,
)
from throughgate.store.mapping import (
    SNAPSHOT_MODELS,
    appointment_from,
    appointment_item,
    case_from,
    case_item,
    check_in_from,
    check_in_item,
    check_record_from,
    contact_from,
    contact_item,
    effect_from,
    effect_item,
    escalation_from,
    escalation_item,
    event_from,
    event_item,
    iso,
    marker_item,
    mentor_from,
    mentor_item,
    mentor_record_item,
    need_from,
    need_item,
    outcome_from,
    outcome_item,
    task_from,
    task_item,
    training_from,
    unapplied_from,
    unapplied_item,
)
from throughgate.store.models import (
    SK,
    AppointmentItem,
    CaseItem,
    CheckInItem,
    CohortItem,
    EffectItem,
    EscalationItem,
    EventItem,
    MarkerItem,
    MentorCheckItem,
    MentorItem,
    NeedItem,
    OutcomeItem,
    SearchItem,
    TaskItem,
    TrainingItem,
    UnappliedItem,
)
from throughgate.store.pathways import PathwayStore
from throughgate.store.staff import StaffStore
from throughgate.store.supervision import SupervisionStore
from throughgate.store.transactions import connection, is_conditional
from throughgate.store.volunteering import TimeStore


@dataclass(frozen=True)
class CaseSnapshot:
    """A case with all its records; the timeline newest first."""

    case: Case
    needs: list[Need]
    tasks: list[Task]
    check_ins: list[CheckIn]
    escalations: list[Escalation]
    timeline: list[TimelineEvent]
    contacts: list[Contact]  # newest first
    outcome: Outcome | None
    appointments: list[Appointment] = field(default_factory=list)  # soonest first
    pathway_id: str | None = None  # the peer-mentor pathway opened from the closed case


# -- the store -------------------------------------------------------------------------------------
class CaseStore(InboxStore, StaffStore, TimeStore, PathwayStore, SupervisionStore):
    """Reads and all-or-nothing writes of cases and their records (and people's notifications, staff
    records, mentors' time entries and supervision, and peer-mentor pathways)."""

    def __init__(self) -> None:
        self._mentor_versions: dict[str, int | None] = {}

    # reads
    def get_case(self, case_id: str) -> Case:
        try:
            return case_from(CaseItem.get(case_pk(case_id), "CASE", consistent_read=True))
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
            if kind in SNAPSHOT_MODELS:
                by_kind.setdefault(kind, []).append(SNAPSHOT_MODELS[kind].from_raw_data(item))
        if "CASE" not in by_kind:
            raise NotFound(f"case {case_id} not found")
        outcome = by_kind.get("OUTCOME", [None])[0]
        return CaseSnapshot(
            case=case_from(by_kind["CASE"][0]),
            needs=sorted((need_from(i) for i in by_kind.get("NEED", [])), key=lambda n: n.area.position),
            tasks=[task_from(i) for i in by_kind.get("TASK", [])],
            check_ins=[check_in_from(i) for i in by_kind.get("CHECKIN", [])],
            escalations=[escalation_from(i) for i in by_kind.get("ESC", [])],
            timeline=[event_from(i) for i in reversed(by_kind.get("EVENT", []))],
            contacts=[contact_from(i) for i in reversed(by_kind.get("CONTACT", []))],
            outcome=outcome_from(outcome) if outcome is not None else None,
            appointments=sorted((appointment_from(i) for i in by_kind.get("APPT", [])), key=lambda a: a.at),
            pathway_id=next((str(i.pathway_id) for i in by_kind.get("PATHWAY", [])), None),
        )

    def needs(self, case_id: str) -> list[Need]:
        needs = [need_from(i) for i in self._partition(case_id, "NEED#", NeedItem)]  # type: ignore[arg-type]
        return sorted(needs, key=lambda n: n.area.position)  # as the assessment asks them

    def tasks(self, case_id: str) -> list[Task]:
        return [task_from(i) for i in self._partition(case_id, "TASK#", TaskItem)]  # type: ignore[arg-type]

    def get_task(self, case_id: str, task_key: str) -> Task:
        try:
            return task_from(TaskItem.get(case_pk(case_id), f"TASK#{task_key}", consistent_read=True))
        except DoesNotExist:
            raise NotFound(f"task {task_key} not found on case {case_id}") from None

    def check_ins(self, case_id: str) -> list[CheckIn]:
        return [check_in_from(i) for i in self._partition(case_id, "CHECKIN#", CheckInItem)]  # type: ignore[arg-type]

    def get_check_in(self, case_id: str, number: int) -> CheckIn:
        try:
            return check_in_from(
                CheckInItem.get(case_pk(case_id), f"CHECKIN#{number:02d}", consistent_read=True)
            )
        except DoesNotExist:
            raise NotFound(f"check-in {number} not found on case {case_id}") from None

    def timeline(self, case_id: str, limit: int = 200) -> list[TimelineEvent]:
        items = EventItem.query(
            case_pk(case_id), EventItem.sk.startswith("EVENT#"), scan_index_forward=False, limit=limit
        )
        return [event_from(i) for i in items]

    def escalations(self, case_id: str) -> list[Escalation]:
        return [escalation_from(i) for i in self._partition(case_id, "ESC#", EscalationItem)]  # type: ignore[arg-type]

    def escalation(self, case_id: str, cause: str) -> Escalation | None:
        """The case's escalation for this cause (open or resolved), if it was ever raised."""
        try:
            return escalation_from(EscalationItem.get(case_pk(case_id), f"ESC#{cause}", consistent_read=True))
        except DoesNotExist:
            return None

    def cases(self, case_ids: Iterable[str]) -> list[Case]:
        """Several cases by id, in one BatchGetItem per hundred (an unknown id is left out)."""
        keys = [(case_pk(case_id), "CASE") for case_id in dict.fromkeys(case_ids)]
        return [case_from(i) for i in CaseItem.batch_get(keys)]

    def outcome(self, case_id: str) -> Outcome | None:
        try:
            i = OutcomeItem.get(case_pk(case_id), "OUTCOME")
        except DoesNotExist:
            return None
        return outcome_from(i)

    def tasks_to_chase(self, day: date) -> list[Task]:
        items = TaskItem.open_items.query(OPEN_TASK, TaskItem.due_key < day.isoformat())
        return [task_from(i) for i in items]  # type: ignore[arg-type]

    def check_ins_to_chase(self, moment: datetime) -> list[CheckIn]:
        items = CheckInItem.open_items.query(OPEN_CHECK_IN, CheckInItem.due_key < iso(moment))
        return [check_in_from(i) for i in items]  # type: ignore[arg-type]

    def open_escalations(self) -> list[Escalation]:
        return [escalation_from(i) for i in EscalationItem.open_items.query(OPEN_ESCALATION)]  # type: ignore[arg-type]

    # the outbox: effects saved with their change, deleted once carried out
    def pending_effects(self, case_id: str) -> list[Effect]:
        """The case's effects not yet carried out, in the order they were made."""
        return [effect_from(i) for i in self._partition(case_id, "EFFECT#", EffectItem)]  # type: ignore[arg-type]

    def effects_pending_since(self, before: datetime) -> list[Effect]:
        """Every case's pending effects made before `before`, oldest first (the sparse index)."""
        items = EffectItem.open_items.query(OPEN_EFFECT, EffectItem.due_key < iso(before))
        return [effect_from(i) for i in items]  # type: ignore[arg-type]

    def effect_done(self, effect: Effect) -> None:
        effect_item(effect).delete()

    def effect_failed(self, effect: Effect) -> None:
        """Count the failed attempt, if the effect is still pending (another carrier may have
        finished it meanwhile: it must not come back)."""
        try:
            effect_item(effect).save(condition=EffectItem.sk.exists())
        except PutError as error:
            if not is_conditional(error):
                raise

    # prison updates not applied (domain.unapplied)
    def keep_unapplied(self, update: UnappliedUpdate) -> bool:
        """Keep it once, by its message id: False if it was kept already (a repeated last delivery)."""
        try:
            unapplied_item(update).save(condition=UnappliedItem.pk.does_not_exist())
        except PutError as error:
            if is_conditional(error):
                return False
            raise
        return True

    def unapplied_updates(self, limit: int = 500) -> list[UnappliedUpdate]:
        """Those not dealt with yet, newest first (the sparse index)."""
        items = UnappliedItem.open_items.query(OPEN_UNAPPLIED, scan_index_forward=False, limit=limit)
        return [unapplied_from(i) for i in items]  # type: ignore[arg-type]

    def count_unapplied(self) -> int:
        return UnappliedItem.open_items.count(OPEN_UNAPPLIED)

    def unapplied_update(self, message_id: str) -> UnappliedUpdate | None:
        try:
            return unapplied_from(UnappliedItem.get(unapplied_pk(message_id), "UPDATE", consistent_read=True))
        except DoesNotExist:
            return None

    def deal_with_unapplied(self, message_id: str, entry: audit.AuditEntry) -> bool:
        """Delete it (its prison number with it) and write the audit entry, in one transaction;
        False if it had gone already (dealt with by someone else, a double click)."""
        item = UnappliedItem(pk=unapplied_pk(message_id), sk="UPDATE")
        entry_item, entry_condition = audit.new_entry_item(entry)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(item, condition=UnappliedItem.pk.exists())
                tx.save(entry_item, condition=entry_condition)
        except TransactWriteError as error:
            if is_conditional(error):
                return False
            raise
        return True

    # text reminders
    def appointment(self, case_id: str, appointment_id: str) -> Appointment:
        try:
            item = AppointmentItem.get(case_pk(case_id), f"APPT#{appointment_id}", consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"appointment {appointment_id} not found on case {case_id}") from None
        return appointment_from(item)

    def appointments(self, case_id: str) -> list[Appointment]:
        return [appointment_from(i) for i in self._partition(case_id, "APPT#", AppointmentItem)]  # type: ignore[arg-type]

    def appointments_to_remind(self, moment: datetime) -> list[Appointment]:
        """Every case's appointments with a reminder due by `moment`, soonest first (the sparse index)."""
        items = AppointmentItem.open_items.query(
            OPEN_REMINDER, AppointmentItem.due_key < f"{iso(moment.astimezone(UTC))}~"
        )
        return [appointment_from(i) for i in items]  # type: ignore[arg-type]

    def next_reminder_at(self) -> datetime | None:
        """When the soonest reminder of any case is due (None: none is left to send)."""
        for item in AppointmentItem.open_items.query(OPEN_REMINDER, limit=1):
            return appointment_from(item).remind_at  # type: ignore[arg-type]
        return None

    def claim_reminder(self, before: Appointment, which: Which, after: Appointment) -> bool:
        """Mark the reminder as sent, before it is sent, unless it already was (another run) or the
        appointment has gone (erased): a retry never sends a reminder twice."""
        condition = AppointmentItem.sk.exists() & ~AppointmentItem.sent.contains(which.value)
        try:
            appointment_item(after).save(condition=condition)
        except PutError as error:
            if is_conditional(error):
                return False
            raise
        return True

    def save_appointment(self, appointment: Appointment) -> None:
        """Put an appointment back as it was (a send that failed) or out of the index, if it is
        still there."""
        try:
            appointment_item(appointment).save(condition=AppointmentItem.sk.exists())
        except PutError as error:
            if not is_conditional(error):
                raise

    def cases_with_mobile(self, e164: str) -> list[str]:
        return [i.case_id for i in SearchItem.query(mobile_key(e164), SearchItem.sk.startswith("CASE#"))]

    def cases_in_stage(self, stage: Stage) -> list[Case]:
        return [case_from(i) for i in CaseItem.by_stage.query(stage.value)]

    def caseload(self, mentor_id: str) -> list[Case]:
        return [case_from(i) for i in CaseItem.by_mentor.query(mentor_id)]

    def releases_between(self, first: date, last: date) -> list[Case]:
        months = sorted(months_between(first, last))
        found: list[Case] = []
        for month in months:
            items = CaseItem.by_release_month.query(
                month, CaseItem.release_on.between(first.isoformat(), last.isoformat())
            )
            found.extend(case_from(i) for i in items)
        return found

    def case_ids_filed_under(self, terms: Iterable[str], limit: int) -> list[str]:
        """The ids of the cases filed under any of these search terms, at most `limit` + 1 of them
        (so the caller can tell "more than the limit"): one Query per term (a text is looked up by
        one term, two when it reads two ways), whatever the number of cases."""
        found: dict[str, None] = {}
        for term in dict.fromkeys(terms):
            for item in SearchItem.query(
                search_key(term), SearchItem.sk.startswith("CASE#"), limit=limit + 1
            ):
                found[item.case_id] = None
        return list(found)[: limit + 1]

    def mentors(self) -> list[Mentor]:
        mentors = []
        for item in MentorItem.query(MENTORS_PK, MentorItem.sk.startswith("MENTOR#"), consistent_read=True):
            self._mentor_versions[item.mentor_id] = item.version
            mentors.append(mentor_from(item))
        return mentors

    def get_mentor(self, mentor_id: str) -> Mentor:
        try:
            item = MentorItem.get(MENTORS_PK, f"MENTOR#{mentor_id}", consistent_read=True)
        except DoesNotExist:
            raise NotFound(f"mentor {mentor_id} not found") from None
        self._mentor_versions[mentor_id] = item.version
        return mentor_from(item)

    def mentor_history(self, mentor_id: str) -> tuple[list[CheckRecord], list[TrainingSession]]:
        """The record's history, newest first: one Query of the mentor's own partition."""
        checks: list[CheckRecord] = []
        sessions: list[TrainingSession] = []
        start: dict[str, Any] | None = None
        while True:
            page = MentorItem._get_connection().query(  # the table's own connection: any item kind
                mentor_pk(mentor_id),
                consistent_read=True,
                scan_index_forward=False,
                exclusive_start_key=start,
            )
            for raw in page.get("Items", []):
                kind = raw[SK]["S"].split("#", 1)[0]
                if kind == "CHECK":
                    checks.append(check_record_from(MentorCheckItem.from_raw_data(raw)))
                elif kind == "TRAINING":
                    sessions.append(training_from(TrainingItem.from_raw_data(raw)))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        return checks, sessions

    # writes
    def create_case(self, case: Case, event: TimelineEvent) -> None:
        """Create a referral's case once: the case id comes from the submission id, and the prison
        number may have only one case at a time. Raises Conflict(existing) or DuplicateReferral."""
        now = event.at
        counters = self._count(case, [])
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(case_item(case, now), condition=CaseItem.pk.does_not_exist())
                tx.save(
                    MarkerItem(
                        pk=prison_number_key(case.client.prison_number), sk="REF", case_id=case.case_id
                    ),
                    condition=MarkerItem.pk.does_not_exist(),
                )
                tx.save(event_item(case.case_id, event))
                for item in _search_items(case):
                    tx.save(item)
                for counter, actions in counters:  # last: the conditions above are read by position
                    tx.update(counter, actions=actions)
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise Conflict(f"case {case.case_id} already exists") from None
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                raise DuplicateReferral("this prison number already has an open case") from None
            raise

    def commit(self, changes: Changes, now: datetime) -> Case | None:
        """Write the changes in one transaction. A stale case version raises Conflict: nothing is
        written, so the caller can reload and the person can resubmit what they typed. The first
        commit of a request also writes the request's audit entry, in the same transaction."""
        case = changes.case
        counted_before = case.counted if case is not None else None
        counters = self._count(case, changes.records)  # first: the case item carries its new facts
        items: list[tuple[Model, object | None]] = []
        if case is not None:
            items.append((case_item(case, now), None))
        for mentor in changes.mentors:
            items.append((mentor_item(mentor, self._mentor_versions.get(mentor.mentor_id)), None))
        items.extend((mentor_record_item(record), None) for record in changes.mentor_records)
        first_marker = len(items)
        items.extend((marker_item(case, once), MarkerItem.sk.does_not_exist()) for once in changes.once)
        markers = range(first_marker, len(items))
        for record in changes.records:
            items.append((self._record_item(case, record), None))
        items.extend((effect_item(effect), None) for effect in changes.effects)
        items.extend(_references_filed(case, changes))
        if not items:
            return case
        request_entry = audit.unwritten()
        if request_entry is not None:
            items.append(audit.new_entry_item(request_entry.at(now, request_entry.saved_status)))
        try:
            _write(items, _references_let_go(case, changes), changes.while_revision, counters)
        except (TransactWriteError, PutError, UpdateError) as error:
            if case is not None:
                case.counted = counted_before
            if any(i in markers for i in _failed_conditions(error, len(items))):
                raise AlreadyApplied("this submission was already saved") from None
            if is_conditional(error):
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
    def _count(case: Case | None, records: list[Record]) -> list[tuple[Model, list[Any]]]:
        """The cohort counters' updates for this change (domain.outcomes): the case's new facts
        replace its saved ones on the case item, and each month's counters get the difference."""
        if case is None:
            return []
        outcome = next((r for r in records if isinstance(r, Outcome)), None)
        released_on = case.first_released_on or case.release_on
        after = cohort_facts(
            case,
            outcome=(
                (
                    outcome.proven_reoffending,
                    outcome_is_final(released_on, outcome.recorded_at, load_programme()),
                )
                if outcome
                else None
            ),
            exit_levels=[(r.area, r.entry_level, r.exit_level) for r in records if isinstance(r, Need)],
            check_ins=[(r.number, r.kept) for r in records if isinstance(r, CheckIn)],
        )
        updates = counter_changes(case.counted, after)
        case.counted = after
        return [_counter_update(month, deltas) for month, deltas in sorted(updates.items())]

    def cohort_counters(self) -> dict[str, dict[str, int]]:
        """Every release month's counters: one Query of one partition (a page per few hundred months),
        however many cases the programme holds."""
        return {
            item.sk.removeprefix("MONTH#"): {
                name: int(value) for name in COUNTERS if (value := getattr(item, name, None))
            }
            for item in CohortItem.query(COHORT_PK, CohortItem.sk.startswith("MONTH#"), consistent_read=True)
        }

    @staticmethod
    def _record_item(case: Case | None, record: Record) -> Model:
        if isinstance(record, Need):
            assert case is not None
            return need_item(case.case_id, record)
        if isinstance(record, Task):
            return task_item(record)
        if isinstance(record, CheckIn):
            return check_in_item(record)
        if isinstance(record, Escalation):
            return escalation_item(record)
        if isinstance(record, Outcome):
            return outcome_item(record)
        if isinstance(record, Contact):
            return contact_item(record)
        if isinstance(record, Appointment):
            return appointment_item(record)
        assert case is not None
        return event_item(case.case_id, record)

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
        keep = ("CASE", "NEED#", "OUTCOME", "EFFECT#")  # an effect holds ids only; it must still happen
        # The notes about the case go too, with their references: a note holds no personal value, but
        # a note without its reference could not be found by a later erasure of the case, and what
        # it links to is gone. (Retention runs years after the case ended: most expired long ago.)
        self._forget_notes_about(case.case_id)
        self._delete_partition(case.case_id, lambda sk: not sk.startswith(keep))
        self._release_prison_number_of(case)
        self._unfile(case)
        for need in self.needs(case.case_id):
            if need.notes or need.referral_service:
                need_item(case.case_id, replace(need, notes="", referral_service=None)).save()
        case.client = ClientDetails.anonymised()
        case.readiness = None  # its notes are free text about the person
        case.gives_back = None  # a wish of the person's; a pathway they consented to keeps its own record
        case.mentor_handover = None  # so are a reassignment's reason and note
        case.release_day = case.release_day.without_free_text() if case.release_day else None
        case.task_token = None
        case.texts = None  # the mobile number (its reference went with the search terms)
        self.commit(Changes(case=case), now)

    def erase(self, case: Case) -> None:
        """Everything held about the case goes; repeatable until it has all gone."""
        self._release_prison_number_of(case)
        self._unfile(case)
        self._forget_unapplied(case.case_id)
        self._forget_notes_about(case.case_id)  # before their references go with the partition
        # The erasure's own effects (stop the workflow, cancel the follow-up) hold ids only and must
        # still happen: the reconciler deletes each once carried out.
        self._delete_partition(case.case_id, lambda sk: sk != "CASE" and not sk.startswith("EFFECT#"))
        MarkerItem(pk=case_pk(case.case_id), sk="CASE").delete()

    def _delete_partition(self, case_id: str, wanted: Callable[[str], bool]) -> None:
        keys = MarkerItem.query(case_pk(case_id), attributes_to_get=["pk", "sk"], consistent_read=True)
        with MarkerItem.batch_write() as batch:
            for key in keys:
                if wanted(key.sk):
                    batch.delete(MarkerItem(pk=key.pk, sk=key.sk))

    def _forget_unapplied(self, case_id: str) -> None:
        """The prison updates not applied that name the case (a few at most: they expire in days)."""
        for item in UnappliedItem.open_items.query(
            OPEN_UNAPPLIED, filter_condition=UnappliedItem.case_id == case_id
        ):
            item.delete()

    def _unfile(self, case: Case) -> None:
        """Take the case out of search: the same terms it was filed under, from its client details
        (an anonymised client's are gone already)."""
        if case.client.is_anonymised:
            return
        with SearchItem.batch_write() as batch:
            for item in _search_items(case):
                batch.delete(item)
            if case.texts:
                batch.delete(_mobile_ref(case.case_id, case.texts.mobile))

    def _release_prison_number_of(self, case: Case) -> None:
        if not case.client.is_anonymised:
            _prison_number_ref(case).delete(condition=_still_ours(case))


def _counter_update(month: str, deltas: dict[str, int]) -> tuple[Model, list[Any]]:
    item = CohortItem(pk=COHORT_PK, sk=f"MONTH#{month}")
    return item, [getattr(CohortItem, name).add(value) for name, value in sorted(deltas.items())]


def _references_filed(case: Case | None, changes: Changes) -> list[tuple[Model, object | None]]:
    """The references a change files the case under, to save with it: the client's mobile number's
    (a reply is found by it)."""
    if case is None or not changes.file_mobile:
        return []
    return [(_mobile_ref(case.case_id, changes.file_mobile), None)]


def _references_let_go(case: Case | None, changes: Changes) -> list[tuple[Model, Condition | None]]:
    """The references a change gives up, to delete with it: the prison number's (only if it is still
    this case's) and the mobile number's."""
    if case is None:
        return []
    let_go: list[tuple[Model, Condition | None]] = []
    if changes.release_prison_number:
        let_go.append((_prison_number_ref(case), _still_ours(case)))
    if changes.unfile_mobile:
        let_go.append((_mobile_ref(case.case_id, changes.unfile_mobile), None))
    return let_go


def _write(
    items: list[tuple[Model, object | None]],
    deletes: list[tuple[Model, Condition | None]],
    while_revision: tuple[str, int] | None = None,
    counters: list[tuple[Model, list[Any]]] | None = None,
) -> None:
    """One PutItem when the action writes one item, else one transaction."""
    if len(items) == 1 and not deletes and while_revision is None and not counters:
        item, condition = items[0]
        item.save(condition=condition)  # type: ignore[arg-type]
        return
    with TransactWrite(connection=connection()) as tx:
        for item, condition in items:
            tx.save(item, condition=condition)  # type: ignore[arg-type]
        for item, condition in deletes:
            tx.delete(item, condition=condition)
        for counter, actions in counters or []:
            tx.update(counter, actions=actions)
        if while_revision is not None:
            case_id, revision = while_revision
            tx.condition_check(CaseItem, case_pk(case_id), "CASE", condition=CaseItem.revision == revision)


def _search_items(case: Case) -> list[SearchItem]:
    client = case.client
    terms = search_terms(case.case_id, client.given_name, client.family_name, client.prison_number)
    return [
        SearchItem(pk=search_key(term), sk=case_pk(case.case_id), case_id=case.case_id)
        for term in sorted(terms)
    ]


def _mobile_ref(case_id: str, e164: str) -> SearchItem:
    return SearchItem(pk=mobile_key(e164), sk=case_pk(case_id), case_id=case_id)


def _prison_number_ref(case: Case) -> MarkerItem:
    return MarkerItem(pk=prison_number_key(case.client.prison_number), sk="REF")


def _still_ours(case: Case | None) -> Condition:
    """Delete the reference only if it is this case's (or already gone): never another case's."""
    assert case is not None
    return (MarkerItem.case_id == case.case_id) | MarkerItem.pk.does_not_exist()


def _failed_conditions(error: Exception, item_count: int) -> list[int]:
    """Which of a write's items failed their condition (a single put is item 0)."""
    if item_count == 1:
        return [0] if is_conditional(error) else []
    reasons: list[CancellationReason | None] = getattr(error, "cancellation_reasons", None) or []
    return [i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"]
