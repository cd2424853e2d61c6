"""CaseStore against moto DynamoDB, on the table exactly as the local stack creates it.

Only synthetic data: names like "Testy Example", prison numbers like "A0001AA".

`throughgate.store` reads its settings (the table name) when first imported, so it is imported only
once the local stack has set the environment, as a Lambda container would have it at cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.integration.conftest import START
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
    ReferralState,
    Task,
    TaskUpdate,
    TimelineEvent,
)
from throughgate.domain.errors import AlreadyApplied, Conflict, DuplicateReferral, IdReused, NotFound
from throughgate.domain.escalation import ChaseLevel
from throughgate.domain.lifecycle import Stage
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
from throughgate_local.stack import LocalStack

if TYPE_CHECKING:
    from throughgate.domain.notifications import Note
    from throughgate.store.changes import Changes
    from throughgate.store.repository import CaseStore


def changes(case: Case | None = None, *records: object, once: tuple[str, ...] = ()) -> Changes:
    from throughgate.store.changes import Changes, Once

    return Changes(case=case, records=list(records), once=[Once(key, "fingerprint") for key in once])  # type: ignore[arg-type]


def make_case(
    case_id: str = "case-0001",
    prison_number: str = "A0001AA",
    *,
    release_on: date = date(2027, 3, 15),
    stage: Stage = Stage.REFERRED,
    mentor_id: str | None = None,
) -> Case:
    return Case(
        case_id=case_id,
        stage=stage,
        release_on=release_on,
        prison="HMP Testshire",
        client=ClientDetails(
            given_name="Testy",
            family_name="Example",
            date_of_birth=date(1990, 1, 2),
            prison_number=prison_number,
            gender="male",
            borough="Testborough",
        ),
        created_at=START,
        payload_hash=f"hash-{case_id}",
        mentor_id=mentor_id,
    )


def full_case() -> Case:
    """Every optional field set to a non-default value."""
    return Case(
        case_id="case-full",
        stage=Stage.POST_RELEASE,
        release_on=date(2027, 2, 28),
        prison="HMP Testshire",
        client=ClientDetails(
            given_name="Testy",
            family_name="Example",
            date_of_birth=date(1988, 7, 31),
            prison_number="A0002AA",
            gender="female",
            borough="Testborough",
            gender_preference="female",
            gang_risk=True,
            excluded_areas=frozenset({"Northtown", "Southville"}),
        ),
        created_at=datetime(2026, 11, 30, 8, 15, 30, 123456, tzinfo=UTC),
        payload_hash="sha256-abc",
        revision=3,
        first_released_on=date(2027, 2, 27),
        mentor_id="mentor-7",
        consent=Consent("public_task", True, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        waiting_for=Gate.CHECK_IN,
        task_token="token-xyz",
        check_in_number=4,
        execution_arn="arn:aws:states:eu-west-2:123456789012:execution:throughgate-release:case-full-3",
        workflow_error="States.Timeout",
        exit_reason="moved_away",
        housed_on_release_night=False,
        in_work_at_handover=True,
    )


def created_event(at: datetime = START) -> TimelineEvent:
    return TimelineEvent(at, "referred", "coordinator-1", {"prison": "HMP Testshire"})


def make_task(case_id: str, key: str, due_on: date, status: TaskStatus = TaskStatus.OPEN) -> Task:
    return Task(
        case_id=case_id,
        task_key=key,
        area=NeedArea.ACCOMMODATION,
        title=f"Task {key}",
        due_on=due_on,
        due_offset_days=-14,
        owner_role="mentor",
        critical=False,
        status=status,
    )


def test_create_then_get_round_trips_every_field(store: CaseStore) -> None:
    case = full_case()
    store.create_case(case, created_event())

    loaded = store.get_case("case-full")

    assert loaded.version == 1, "a new case starts at version 1"
    assert replace(loaded, version=None) == case
    assert [e.kind for e in store.timeline("case-full")] == ["referred"]


def test_get_case_of_unknown_id_is_not_found(store: CaseStore) -> None:
    with pytest.raises(NotFound):
        store.get_case("case-missing")


def test_records_round_trip(store: CaseStore) -> None:
    case = make_case()
    store.create_case(case, created_event())
    case = store.get_case(case.case_id)
    need = Need(
        NeedArea.HEALTH,
        Level.HIGH,
        Level.MEDIUM,
        AreaStatus.IN_PROGRESS,
        notes="GP registration",
        exit_level=Level.LOW,
        referral_service="Test Health Service",
        referral_state=ReferralState.ACCEPTED,
    )
    task = replace(
        make_task(case.case_id, "health-gp", date(2027, 2, 1), TaskStatus.IN_PROGRESS),
        critical=True,
        chase_level=ChaseLevel.MENTOR_CHASED,
        updates=[TaskUpdate(START, "mentor-1", TaskStatus.IN_PROGRESS, "booked")],
    )
    check_in = CheckIn(case.case_id, 2, datetime(2027, 3, 20, 9, tzinfo=UTC), contact_made=True)
    escalation = Escalation(case.case_id, START, "no_accommodation", "coordinator", subject="housing")
    outcome = Outcome(case.case_id, False, True, True, START)
    store.commit(changes(case, need, task, check_in, escalation, outcome), START)

    assert store.needs(case.case_id) == [need]
    assert store.tasks(case.case_id) == [task]
    assert store.get_task(case.case_id, "health-gp") == task
    assert store.check_ins(case.case_id) == [check_in]
    assert store.get_check_in(case.case_id, 2) == check_in
    assert store.escalations(case.case_id) == [escalation]
    assert store.open_escalations() == [escalation]
    assert store.outcome(case.case_id) == outcome


def test_mentors_round_trip(store: CaseStore) -> None:
    """The profile and the latest check of each kind on one item (matching reads one partition);
    each check and training session also kept in the mentor's own partition, newest first."""
    from throughgate.store.changes import Changes

    check = Check(
        "criminal_records",
        date(2027, 1, 4),
        date(2030, 1, 4),
        CheckOutcome.CLEARED_WITH_CONDITIONS,
        "enhanced",
        "Not to visit one wing",
        frozenset({"Testarea"}),
    )
    mentor = Mentor(
        "mentor-1",
        "Mentor One",
        "female",
        frozenset({"Testborough", "Otherborough"}),
        capacity=5,
        active_cases=2,
        lived_experience=frozenset({NeedArea.ACCOMMODATION, NeedArea.FAMILY}),
        linked_areas=frozenset({"Testborough"}),
        avoid_areas=frozenset({"Farborough"}),
        languages=("English", "Polish"),
        availability=Availability(AvailabilityStatus.ON_LEAVE, date(2027, 2, 1)),
        clearances=Clearances((Clearance("BXI", date(2028, 1, 1)),)),
        vetting=Vetting((check,)),
    )
    at = datetime(2027, 1, 5, 10, tzinfo=UTC)
    checked = CheckRecord("mentor-1", "rec-1", check, "coordinator:c-1", at)
    session = TrainingSession(
        "mentor-1", "rec-2", date(2027, 1, 3), "Mentor induction", 6.5, "coordinator:c-1", at
    )
    store.commit(Changes(mentors=[mentor], mentor_records=[checked, session]), at)

    assert store.get_mentor("mentor-1") == mentor
    assert store.mentors() == [mentor]
    assert store.mentor_history("mentor-1") == ([checked], [session])


def test_creating_the_same_case_id_again_is_a_conflict_and_writes_nothing(store: CaseStore) -> None:
    store.create_case(make_case(), created_event())

    again = replace(make_case(prison_number="A0009ZZ"), prison="HMP Elsewhere")
    with pytest.raises(Conflict):
        store.create_case(again, created_event(START + timedelta(hours=1)))

    assert store.get_case("case-0001").prison == "HMP Testshire"
    assert store.get_case("case-0001").version == 1
    assert store.find_case_by_prison_number("A0009ZZ") is None
    assert len(store.timeline("case-0001")) == 1


def test_a_second_case_for_the_same_prison_number_is_a_duplicate_referral(store: CaseStore) -> None:
    store.create_case(make_case("case-0001", "A0001AA"), created_event())

    with pytest.raises(DuplicateReferral):
        store.create_case(make_case("case-0002", "A0001AA"), created_event())

    with pytest.raises(NotFound):
        store.get_case("case-0002")
    assert store.timeline("case-0002") == []
    found = store.find_case_by_prison_number("A0001AA")
    assert found is not None
    assert found.case_id == "case-0001"


def test_a_stale_commit_is_a_conflict_and_is_rolled_back(store: CaseStore) -> None:
    store.create_case(make_case(), created_event())
    first = store.get_case("case-0001")
    second = store.get_case("case-0001")

    first.stage = Stage.CONSENTED
    first.revision = 1
    store.commit(changes(first), START + timedelta(minutes=1))
    assert first.version == 2, "commit gives the caller the new version"

    second.stage = Stage.DISENGAGED
    second.exit_reason = "stale"
    stale_task = make_task("case-0001", "stale-task", date(2027, 1, 5))
    with pytest.raises(Conflict):
        store.commit(
            changes(second, stale_task, TimelineEvent(START, "stale", "mentor-1")),
            START + timedelta(minutes=2),
        )

    assert store.get_case("case-0001") == first
    with pytest.raises(NotFound):
        store.get_task("case-0001", "stale-task")
    assert store.tasks("case-0001") == []
    assert [e.kind for e in store.timeline("case-0001")] == ["referred"]


def test_an_event_id_is_processed_once(store: CaseStore) -> None:
    store.create_case(make_case(), created_event())
    case = store.get_case("case-0001")
    case.stage = Stage.CONSENTED
    store.commit(changes(case, once=("evt-1",)), START)
    assert store.already_processed("case-0001", "evt-1")

    fresh = store.get_case("case-0001")
    fresh.stage = Stage.ASSESSED
    with pytest.raises(AlreadyApplied):
        store.commit(
            changes(fresh, TimelineEvent(START, "dup", "system"), once=("evt-1",)),
            START + timedelta(minutes=1),
        )
    with pytest.raises(IdReused):
        store.already_processed("case-0001", "evt-1", "another fingerprint")

    stored = store.get_case("case-0001")
    assert stored.stage is Stage.CONSENTED
    assert stored.version == 2
    assert [e.kind for e in store.timeline("case-0001")] == ["referred"]
    assert not store.already_processed("case-0001", "evt-2")


def test_tasks_to_chase_reads_only_tasks_to_chase_the_day(store: CaseStore) -> None:
    for n, case_id in enumerate(("case-0001", "case-0002"), start=1):
        store.create_case(make_case(case_id, f"A000{n}AA"), created_event())
    day = date(2027, 1, 10)
    early = make_task("case-0001", "early", day - timedelta(days=3))
    eve = make_task("case-0002", "eve", day - timedelta(days=1))
    on_the_day = make_task("case-0001", "on-the-day", day)
    later = make_task("case-0002", "later", day + timedelta(days=5))
    closed = make_task("case-0001", "closed", day - timedelta(days=2), TaskStatus.DECLINED)
    store.commit(changes(None, early, eve, on_the_day, later, closed), START)

    assert store.tasks_to_chase(day) == [early, eve]

    early.status = TaskStatus.DONE
    store.commit(changes(None, early), START + timedelta(days=1))

    assert store.tasks_to_chase(day) == [eve]
    assert store.get_task("case-0001", "early").status is TaskStatus.DONE


def test_check_ins_to_chase(store: CaseStore) -> None:
    store.create_case(make_case(), created_event())
    moment = datetime(2027, 3, 20, 12, tzinfo=UTC)
    due = CheckIn("case-0001", 1, moment - timedelta(days=7))
    just_due = CheckIn("case-0001", 2, moment - timedelta(minutes=1))
    not_yet = CheckIn("case-0001", 3, moment + timedelta(days=7))
    done = CheckIn("case-0001", 4, moment - timedelta(days=1), status=CheckInStatus.DONE)
    store.commit(changes(None, due, just_due, not_yet, done), START)

    assert store.check_ins_to_chase(moment) == [due, just_due]

    due.status = CheckInStatus.MISSED
    store.commit(changes(None, due), START)

    assert store.check_ins_to_chase(moment) == [just_due]


def test_releases_between_spans_a_month_boundary(store: CaseStore) -> None:
    releases = {
        "case-dec": date(2026, 12, 31),
        "case-jan-early": date(2027, 1, 2),
        "case-jan-late": date(2027, 1, 30),
        "case-feb-early": date(2027, 2, 3),
        "case-feb-late": date(2027, 2, 20),
        "case-mar": date(2027, 3, 1),
    }
    for n, (case_id, release_on) in enumerate(releases.items(), start=1):
        store.create_case(make_case(case_id, f"A{n:04d}AA", release_on=release_on), created_event())

    found = store.releases_between(date(2027, 1, 15), date(2027, 2, 10))

    assert [c.case_id for c in found] == ["case-jan-late", "case-feb-early"]
    year_end = store.releases_between(date(2026, 12, 31), date(2027, 1, 2))
    assert [c.case_id for c in year_end] == ["case-dec", "case-jan-early"]


def test_caseload_and_cases_in_stage(store: CaseStore) -> None:
    store.create_case(make_case("case-0001", "A0001AA", mentor_id="mentor-1"), created_event())
    store.create_case(
        make_case("case-0002", "A0002AA", mentor_id="mentor-1", stage=Stage.MATCHED), created_event()
    )
    store.create_case(
        make_case("case-0003", "A0003AA", mentor_id="mentor-2", stage=Stage.MATCHED), created_event()
    )
    store.create_case(make_case("case-0004", "A0004AA"), created_event())

    assert sorted(c.case_id for c in store.caseload("mentor-1")) == ["case-0001", "case-0002"]
    assert [c.case_id for c in store.caseload("mentor-2")] == ["case-0003"]
    assert store.caseload("mentor-3") == []
    assert sorted(c.case_id for c in store.cases_in_stage(Stage.MATCHED)) == ["case-0002", "case-0003"]
    assert sorted(c.case_id for c in store.cases_in_stage(Stage.REFERRED)) == ["case-0001", "case-0004"]

    moved = store.get_case("case-0001")
    moved.stage = Stage.MATCHED
    moved.mentor_id = "mentor-2"
    store.commit(changes(moved), START)

    assert [c.case_id for c in store.caseload("mentor-1")] == ["case-0002"]
    assert [c.case_id for c in store.cases_in_stage(Stage.REFERRED)] == ["case-0004"]
    assert len(store.cases_in_stage(Stage.MATCHED)) == 3


def test_timeline_is_newest_first(store: CaseStore) -> None:
    store.create_case(make_case(), created_event(START))
    case = store.get_case("case-0001")
    later = [
        TimelineEvent(START + timedelta(days=d), f"step-{d}", "mentor-1", {"n": str(d)}) for d in (3, 1, 2)
    ]
    store.commit(changes(case, *later), START + timedelta(days=3))

    timeline = store.timeline("case-0001")

    assert [e.kind for e in timeline] == ["step-3", "step-2", "step-1", "referred"]
    assert timeline[0] == later[0]
    assert [e.kind for e in store.timeline("case-0001", limit=2)] == ["step-3", "step-2"]


def test_find_and_release_prison_number(store: CaseStore) -> None:
    assert store.find_case_by_prison_number("A0001AA") is None
    case = make_case()
    store.create_case(case, created_event())
    found = store.find_case_by_prison_number("A0001AA")
    assert found is not None
    assert found.case_id == "case-0001"

    ended = store.get_case("case-0001")
    ended.stage = Stage.CONSENT_WITHDRAWN
    store.commit(changes(ended), START)  # a commit without the flag keeps the reference
    assert store.find_case_by_prison_number("A0001AA") is not None
    ended = store.get_case("case-0001")
    release = changes(ended, TimelineEvent(START, "exited", "system"))
    release.release_prison_number = True
    store.commit(release, START)

    assert store.find_case_by_prison_number("A0001AA") is None
    assert store.get_case("case-0001").case_id == "case-0001", "releasing the number keeps the case"
    store.create_case(make_case("case-0002", "A0001AA"), created_event())
    again = store.find_case_by_prison_number("A0001AA")
    assert again is not None
    assert again.case_id == "case-0002"


def test_no_store_method_scans(stack: LocalStack, store: CaseStore) -> None:
    calls = stack.dynamodb_calls.calls
    made: dict[str, dict[str, int]] = {}

    def measured(name: str, action: Callable[[], object]) -> None:
        calls.clear()
        action()
        made[name] = dict(calls)

    case = make_case(mentor_id="mentor-1")
    mentor = Mentor(
        "mentor-1", "Mentor One", "male", frozenset({"Testborough"}), 5, 1, frozenset(), frozenset()
    )
    measured("create_case", lambda: store.create_case(case, created_event()))
    from throughgate.store.changes import Changes

    measured("save_mentor", lambda: store.commit(Changes(mentors=[mentor]), START))
    loaded = store.get_case(case.case_id)
    records = (
        make_task(case.case_id, "t1", date(2027, 1, 5)),
        CheckIn(case.case_id, 1, datetime(2027, 3, 20, 9, tzinfo=UTC)),
        Escalation(case.case_id, START, "no_accommodation", "coordinator"),
    )
    measured("commit", lambda: store.commit(changes(loaded, *records, once=("evt-1",)), START))
    reads: dict[str, Callable[[], object]] = {
        "get_case": lambda: store.get_case(case.case_id),
        "find_case_by_prison_number": lambda: store.find_case_by_prison_number("A0001AA"),
        "needs": lambda: store.needs(case.case_id),
        "tasks": lambda: store.tasks(case.case_id),
        "get_task": lambda: store.get_task(case.case_id, "t1"),
        "check_ins": lambda: store.check_ins(case.case_id),
        "get_check_in": lambda: store.get_check_in(case.case_id, 1),
        "timeline": lambda: store.timeline(case.case_id),
        "escalations": lambda: store.escalations(case.case_id),
        "outcome": lambda: store.outcome(case.case_id),
        "tasks_to_chase": lambda: store.tasks_to_chase(date(2027, 2, 1)),
        "check_ins_to_chase": lambda: store.check_ins_to_chase(datetime(2027, 4, 1, tzinfo=UTC)),
        "open_escalations": store.open_escalations,
        "cases_in_stage": lambda: store.cases_in_stage(Stage.REFERRED),
        "caseload": lambda: store.caseload("mentor-1"),
        "releases_between": lambda: store.releases_between(date(2027, 1, 1), date(2027, 4, 30)),
        "mentors": store.mentors,
        "get_mentor": lambda: store.get_mentor("mentor-1"),
        "already_processed": lambda: store.already_processed(case.case_id, "evt-1"),
        "snapshot": lambda: store.snapshot(case.case_id),
    }
    for name, read in reads.items():
        measured(name, read)

    for name, counted in made.items():
        assert counted, f"{name} made no DynamoDB call that the counter saw"
        assert "Scan" not in counted, f"{name} made a Scan: {counted}"
    for name in reads:
        assert set(made[name]) <= {"GetItem", "Query"}, f"{name} is a read but made {made[name]}"
    assert made["releases_between"] == {"Query": 4}, "one index query per month, January to April"
    assert made["snapshot"] == {"Query": 1}, "a case and all its records in one query"
    assert made["commit"] == {"TransactWriteItems": 1}, "a multi-item commit is one transaction"


def test_a_snapshot_holds_what_the_single_reads_return(store: CaseStore) -> None:
    case = make_case(mentor_id="mentor-1")
    store.create_case(case, created_event())
    loaded = store.get_case(case.case_id)
    records = (
        make_task(case.case_id, "t1", date(2027, 1, 5)),
        CheckIn(case.case_id, 1, datetime(2027, 3, 20, 9, tzinfo=UTC)),
        Escalation(case.case_id, START, "no_accommodation", "coordinator"),
        TimelineEvent(START + timedelta(minutes=1), "later", "system"),
    )
    store.commit(changes(loaded, *records, once=("evt-1",)), START)

    snapshot = store.snapshot(case.case_id)
    assert snapshot.case == store.get_case(case.case_id)
    assert snapshot.tasks == store.tasks(case.case_id)
    assert snapshot.check_ins == store.check_ins(case.case_id)
    assert snapshot.escalations == store.escalations(case.case_id)
    assert snapshot.timeline == store.timeline(case.case_id)
    assert [e.kind for e in snapshot.timeline] == ["later", "referred"]
    assert snapshot.outcome is None
    with pytest.raises(NotFound):
        store.snapshot("case-unknown")


def _note(case_id: str, username: str, minute: int = 0) -> Note:
    from throughgate.domain.notifications import Message, Note

    sent_at = START + timedelta(minutes=minute)
    words = Message("escalation", "A case needs you", "Look at the case.", f"/cases/{case_id}")
    return Note(
        username, f"{sent_at.isoformat()}#effect-{minute:03d}", case_id, "coordinator", {}, words, sent_at
    )


def _partition_keys(case_id: str) -> list[str]:
    """Every item's sort key in the case's partition, whatever its kind."""
    from throughgate.store.models import CaseItem

    return [i["sk"]["S"] for i in CaseItem._get_connection().query(f"CASE#{case_id}")["Items"]]


def _mark_erasing(store: CaseStore, case_id: str) -> Case:
    case = store.get_case(case_id)
    case.erasing = True
    store.commit(changes(case), START)
    return case


def test_a_cases_notes_go_with_its_erasure_and_none_arrive_once_it_began(
    stack: LocalStack, store: CaseStore
) -> None:
    erased, kept = make_case("case-0001"), make_case("case-0002", "A0002AA")
    for case in (erased, kept):
        store.create_case(case, created_event())
    calls = stack.dynamodb_calls.calls
    calls.clear()
    assert store.deliver_notes(
        erased.case_id, [_note(erased.case_id, u) for u in ("coordinator-1", "mentor-1")]
    )
    assert dict(calls) == {"TransactWriteItems": 1}, "the notes, their references and the case's check"
    assert store.deliver_notes(kept.case_id, [_note(kept.case_id, "coordinator-1", 1)])
    assert store.mark_read("mentor-1", [n.note_id for n in store.notes("mentor-1")]) == 1
    assert sorted(k for k in _partition_keys(erased.case_id) if k.startswith("NOTEREF#")) == [
        f"NOTEREF#coordinator-1#NOTE#{START.isoformat()}#effect-000",
        f"NOTEREF#mentor-1#NOTE#{START.isoformat()}#effect-000",
    ]
    assert store.snapshot(erased.case_id).case.case_id == erased.case_id, "a snapshot reads past them"

    case = _mark_erasing(store, erased.case_id)
    assert not store.deliver_notes(erased.case_id, [_note(erased.case_id, "mentor-1", 2)])
    store.erase(case)
    assert [(n.username, n.case_id) for u in ("coordinator-1", "mentor-1") for n in store.notes(u)] == [
        ("coordinator-1", kept.case_id)
    ]
    assert (store.unread_count("coordinator-1"), store.unread_count("mentor-1")) == (1, 0)
    assert _partition_keys(erased.case_id) == []
    assert not store.deliver_notes(erased.case_id, [_note(erased.case_id, "mentor-1", 3)]), "none after"
    assert store.notes("mentor-1") == []


def test_a_notification_to_many_is_written_in_transactions_of_49_and_erased_whole(
    stack: LocalStack, store: CaseStore
) -> None:
    case = make_case()
    store.create_case(case, created_event())
    people = [f"coordinator-{n:02d}" for n in range(60)]
    calls = stack.dynamodb_calls.calls
    calls.clear()
    assert store.deliver_notes(case.case_id, [_note(case.case_id, person) for person in people])
    assert dict(calls) == {"TransactWriteItems": 2}
    assert [store.unread_count(person) for person in people] == [1] * 60
    store.erase(_mark_erasing(store, case.case_id))
    assert [store.unread_count(person) for person in people] == [0] * 60


def test_anonymisation_takes_the_cases_notes_with_their_references(store: CaseStore) -> None:
    case = make_case()
    store.create_case(case, created_event())
    assert store.deliver_notes(case.case_id, [_note(case.case_id, "mentor-1")])
    store.anonymise(store.get_case(case.case_id), START)
    assert store.notes("mentor-1") == []
    assert _partition_keys(case.case_id) == ["CASE"]


def test_marking_read_does_not_bring_back_a_note_erased_meanwhile(
    store: CaseStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note is read, then its case is erased, then the read note would be saved back."""
    from throughgate.store.models import NoteItem

    case = make_case()
    store.create_case(case, created_event())
    note = _note(case.case_id, "mentor-1")
    assert store.deliver_notes(case.case_id, [note])
    get = NoteItem.get

    def erased_meanwhile(*args: object, **kwargs: object) -> NoteItem:
        item = get(*args, **kwargs)  # type: ignore[arg-type]
        store.erase(_mark_erasing(store, case.case_id))
        return item

    monkeypatch.setattr(NoteItem, "get", erased_meanwhile)
    assert store.mark_read("mentor-1", [note.note_id]) == 0
    monkeypatch.undo()
    assert store.notes("mentor-1") == []


def test_every_unread_note_is_found_however_old_so_mark_all_read_means_all(store: CaseStore) -> None:
    """The walkthrough's "Mark all as read" went from 107 unread to 57: the list shows the newest 50."""
    case = make_case()
    store.create_case(case, created_event())
    assert store.deliver_notes(
        case.case_id, [_note(case.case_id, "mentor-1", minute) for minute in range(60)]
    )
    assert len(store.notes("mentor-1")) == 50, "the list: the newest 50"
    unread = store.unread_note_ids("mentor-1")
    assert len(unread) == 60
    assert store.mark_read("mentor-1", unread[:5]) == 5
    assert len(store.unread_note_ids("mentor-1")) == 55
    assert store.mark_read("mentor-1", store.unread_note_ids("mentor-1")) == 55
    assert store.unread_count("mentor-1") == 0


def test_needs_come_back_in_the_assessments_order_not_their_keys(store: CaseStore) -> None:
    case = make_case()
    store.create_case(case, created_event())
    case = store.get_case(case.case_id)
    areas = [NeedArea.LICENCE, NeedArea.COMMUNITY_ROLE, NeedArea.DRUGS_ALCOHOL, NeedArea.FAMILY]
    needs = [Need(area, Level.LOW, Level.LOW, AreaStatus.NOT_STARTED) for area in areas]
    store.commit(changes(case, *needs), START)
    in_order = [NeedArea.FAMILY, NeedArea.DRUGS_ALCOHOL, NeedArea.COMMUNITY_ROLE, NeedArea.LICENCE]
    assert [n.area for n in store.needs(case.case_id)] == in_order
    assert [n.area for n in store.snapshot(case.case_id).needs] == in_order
