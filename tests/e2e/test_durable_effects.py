"""No case stalls in silence (issue 15): each call that must follow a saved change fails at that exact
point, on the local stack with the real ASL, and the case still gets where it should.

The fault is injected into the AWS call itself (`Faults.fail_calls`): before the service acts, or
after it acted with the answer lost. The local stack carries out pending effects whenever its clock
moves, as the table's stream and the reconciler's schedule do on AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.journey import Journey
from throughgate_local.faults import FOREVER, Faults
from throughgate_local.stack import LocalStack


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[Faults]:
    with Faults(stack.bridge) as injected:
        yield injected


def pending_effects(stack: LocalStack) -> list[dict[str, Any]]:
    return [{"kind": i["kind"]["S"], "attempts": int(i["attempts"]["N"])} for i in stack.pending_effects()]


def to_readiness_gate(journey: Journey) -> None:
    journey.refer_and_consent(days=20)
    journey.assess_and_match(accommodation="high")
    journey.to_readiness()
    assert journey.view()["waiting_for"] == "readiness_review"


READINESS = {
    "accommodation_confirmed": True,
    "id_ready": True,
    "medication_ready": True,
    "probation_appointment_booked": True,
}


@pytest.mark.parametrize("after_call", [False, True], ids=["fails", "answer lost"])
def test_a_gate_form_whose_resume_fails_is_saved_and_the_workflow_moves_on(
    journey: Journey, stack: LocalStack, faults: Faults, after_call: bool
) -> None:
    to_readiness_gate(journey)
    faults.fail_calls("stepfunctions", "SendTaskSuccess", 1, after_call=after_call)
    saved = journey.coordinator.post(f"/cases/{journey.case_id}/readiness", READINESS)
    assert saved.status == 200, "the person's answers were saved: the failure is ours to finish"
    assert faults.failed_calls["SendTaskSuccess"] == 1
    assert journey.view()["readiness"]["accommodation_confirmed"] is True
    assert pending_effects(stack) == [{"kind": "resume", "attempts": 1}]

    journey.advance(hours=1)  # the clock moves: the outbox's carriers run
    assert pending_effects(stack) == []
    assert journey.view()["stage"] == "release_ready", "the workflow went on past the gate"


def test_a_resent_form_finishes_what_its_first_attempt_left_pending(
    journey: Journey, stack: LocalStack, faults: Faults
) -> None:
    to_readiness_gate(journey)
    faults.fail_calls("stepfunctions", "SendTaskSuccess", 1)
    path = f"/cases/{journey.case_id}/readiness"
    assert journey.coordinator.post(path, READINESS, idempotency_key="retry-0001").status == 200
    assert pending_effects(stack) != []
    again = journey.coordinator.post(path, READINESS, idempotency_key="retry-0001")
    assert again.status == 200
    assert pending_effects(stack) == [], "the replay carried out the resume, without waiting"
    stack.clock.settle()
    assert journey.view()["stage"] == "release_ready"


def test_a_resume_failing_until_the_reconciler_runs_is_reported_until_then(
    journey: Journey, stack: LocalStack, faults: Faults
) -> None:
    to_readiness_gate(journey)
    faults.fail_calls("stepfunctions", "SendTaskSuccess", FOREVER)
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/readiness", READINESS))
    journey.advance(minutes=20)
    [effect] = pending_effects(stack)
    assert effect["attempts"] >= 3, "the stream's and the reconciler's attempts are counted"
    report = stack.reconcile_effects()
    assert report["overdue"] == 1, "past 15 minutes it is counted for the operators' alarm"
    assert attention(journey) == [
        "Not done yet, still being tried: moving the workflow on from a form that was saved"
    ], "and shown to the coordinators"
    faults.clear()
    journey.advance(minutes=5)
    assert pending_effects(stack) == []
    assert journey.view()["stage"] == "release_ready"
    assert attention(journey) == []


def attention(journey: Journey) -> list[str]:
    """The coordinators' "cases needing attention", for this case."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case_steps import Role
    from throughgate.logic.dashboards import dashboard
    from throughgate.logic.ports import Actor

    board = dashboard(aws_deps(), Actor("coordinator-0001", Role.COORDINATOR))
    return [r.words for a in board.attention if a.case_id == journey.case_id for r in a.reasons]


def test_a_gate_notification_that_fails_once_still_reaches_the_owner(
    journey: Journey, stack: LocalStack, faults: Faults
) -> None:
    journey.refer_and_consent(days=20)
    journey.assess_and_match()
    stack.read_outbox()
    faults.fail_calls("sesv2", "SendEmail", 1)
    journey.to_readiness()  # the readiness gate opens while SES fails once
    assert faults.failed_calls["SendEmail"] == 1
    journey.advance(hours=1)
    sent = [n for n in stack.read_outbox() if n["kind"] == "gate_open"]
    assert [n["detail"]["gate"] for n in sent] == ["readiness_review"]
    assert pending_effects(stack) == []


def test_a_missed_check_in_whose_resume_fails_still_moves_the_workflow_on(
    journey: Journey, stack: LocalStack, faults: Faults
) -> None:
    journey.released(days=10)
    while journey.view()["waiting_for"] != "check_in":
        journey.advance(days=1)
    first = journey.view()["check_in_number"]
    faults.fail_calls("stepfunctions", "SendTaskSuccess", 1)
    for _ in range(4):  # nobody records it: the sweep closes it as missed
        journey.advance(days=1)
        stack.run_daily_sweep()
        if faults.failed_calls["SendTaskSuccess"]:
            break
    assert faults.failed_calls["SendTaskSuccess"] == 1
    journey.advance(hours=1)
    state = journey.view()
    assert pending_effects(stack) == []
    assert state["check_in_number"] != first or state["waiting_for"] != "check_in", "moved past it"


def test_a_release_date_change_whose_start_fails_gets_its_new_workflow(
    journey: Journey, stack: LocalStack, faults: Faults
) -> None:
    journey.refer_and_consent(days=40)
    journey.assess_and_match()
    before = {e["name"] for e in stack.executions("RUNNING")}
    faults.fail_calls("stepfunctions", "StartExecution", 1)
    faults.fail_calls("stepfunctions", "StopExecution", 1, after_call=True)
    new_date = (stack.clock.now().date() + timedelta(days=50)).isoformat()
    change = {
        "change": {"type": "release_date_changed", "new_release_on": new_date, "event_id": "event-0001"}
    }
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/circumstances", change))
    assert journey.view()["release_on"] == new_date, "the change was saved"
    journey.advance(hours=1)
    running = {e["name"] for e in stack.executions("RUNNING")}
    assert len(running) == 1 and running.isdisjoint(before), "the old one stopped, the new one runs"
    assert pending_effects(stack) == []


def test_a_plan_change_that_loses_to_a_person_stops_nothing(journey: Journey, stack: LocalStack) -> None:
    """The change conflicts with a form saved first: nothing of it is saved, so the running workflow
    must not be stopped either (it used to be stopped before the save)."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.errors import Conflict
    from throughgate.logic.circumstances import apply_change
    from throughgate.logic.ports import SYSTEM
    from throughgate.schemas import ReleaseDateChanged

    journey.refer_and_consent(days=40)
    journey.assess_and_match()
    stack.reconcile_effects()  # the stream delivers the notifications saved so far
    running = [e["executionArn"] for e in stack.executions("RUNNING")]
    deps = aws_deps()
    store = deps.store
    read = store.get_case

    def read_then_someone_saves(case_id: str) -> Any:
        case = read(case_id)
        journey.ok(journey.coordinator.post(f"/cases/{case_id}/contacts", CONTACT))
        return case

    store.get_case = read_then_someone_saves  # type: ignore[method-assign]
    new_date = stack.clock.now().date() + timedelta(days=60)
    with pytest.raises(Conflict):
        apply_change(
            deps,
            SYSTEM,
            journey.case_id,
            ReleaseDateChanged(type="release_date_changed", new_release_on=new_date, event_id="event-0002"),
        )
    stack.clock.settle()
    assert [e["executionArn"] for e in stack.executions("RUNNING")] == running
    assert pending_effects(stack) == []


CONTACT = {"on": "2027-03-01", "method": "phone", "made": True, "minutes": 10}


@pytest.mark.parametrize("mentor_saves", ["before the sweep reads the task", "after it read the task"])
def test_the_sweep_never_writes_over_a_person_and_one_case_never_stops_it(
    journey: Journey, mentor_saves: str
) -> None:
    """Scripted interleaving: the mentor marks a task done, with a note, while the sweep works on
    it (after the sweep read the overdue list). The sweep chases the rest and leaves that task (seen
    done, or its write refused and left for tomorrow); the note stays, no escalation is raised."""
    after = mentor_saves.startswith("after")
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.sweep import run_daily_sweep

    journey.refer_and_consent(days=20)
    journey.assess_and_match(accommodation="high", id_finance="high")
    journey.advance(days=16)
    deps = aws_deps()
    overdue = deps.store.tasks_to_chase(journey.stack.clock.now().date())
    assert len(overdue) >= 2
    raced = overdue[0].task_key
    read_task = deps.store.get_task

    def the_mentor_saves_meanwhile(case_id: str, task_key: str) -> Any:
        read = read_task(case_id, task_key) if after else None
        if task_key == raced:
            note = {"status": "done", "note": "Housing officer confirmed the room"}
            journey.ok(journey.mentor.post(f"/cases/{case_id}/tasks/{task_key}", note))
        return read or read_task(case_id, task_key)

    deps.store.get_task = the_mentor_saves_meanwhile  # type: ignore[method-assign]
    report = run_daily_sweep(deps)
    assert report.left_for_tomorrow == (1 if after else 0)
    assert report.failed == 0
    chased = report.mentor_chases + report.coordinator_reminders + report.coordinator_escalations
    assert chased == len(overdue) - 1
    task = read_task(journey.case_id, raced)
    assert task.status.value == "done"
    assert task.updates[-1].note == "Housing officer confirmed the room"
    assert ("task_overdue", raced) not in {
        (e.reason, e.subject) for e in deps.store.escalations(journey.case_id)
    }

    deps.store.get_task = read_task  # type: ignore[method-assign]
    tomorrow = run_daily_sweep(deps)
    assert tomorrow.left_for_tomorrow == 0
    assert read_task(journey.case_id, raced).status.value == "done", "and tomorrow leaves it done"


def test_a_superseded_execution_cannot_write_tasks(journey: Journey, stack: LocalStack) -> None:
    """The plan changes between a CreateAreaTasks step's read and its write: nothing is written."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.errors import Conflict
    from throughgate.logic import steps
    from throughgate.schemas import AreaTasksIn

    journey.refer_and_consent(days=40)
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/assessment", needs_none()))
    deps = aws_deps()
    case = deps.store.get_case(journey.case_id)
    read_tasks = deps.store.tasks

    def the_plan_changes_meanwhile(case_id: str) -> Any:
        found = read_tasks(case_id)
        new_date = (stack.clock.now().date() + timedelta(days=70)).isoformat()
        change = {
            "change": {"type": "release_date_changed", "new_release_on": new_date, "event_id": "event-0003"}
        }
        journey.ok(journey.coordinator.post(f"/cases/{case_id}/circumstances", change))
        return found

    deps.store.tasks = the_plan_changes_meanwhile  # type: ignore[method-assign]
    step = AreaTasksIn(case_id=case.case_id, revision=case.revision, area="health", level="high")
    with pytest.raises(Conflict):
        steps.create_area_tasks(deps, step)
    assert not [t for t in read_tasks(journey.case_id) if t.area.value == "health"]


def needs_none() -> dict[str, Any]:
    from tests.journey import needs

    return needs()


def test_an_execution_stopped_from_outside_marks_the_case_and_tells_a_coordinator(
    journey: Journey, stack: LocalStack
) -> None:
    """A stop no Catch in the workflow sees (the console, the one-year limit): EventBridge's status
    change reaches ExecutionEnded, which marks the case and escalates; a stop of our own does not."""
    journey.refer_and_consent(days=20)
    journey.assess_and_match()
    stack.read_outbox()
    [running] = stack.executions("RUNNING")
    stack.client("stepfunctions").stop_execution(executionArn=running["executionArn"], error="Console")
    journey.advance(minutes=5)
    state = journey.view()
    assert "workflow_failed" in state["open_escalations"]
    assert [n["detail"]["reason"] for n in stack.read_outbox() if n["kind"] == "escalation"] == [
        "workflow_failed"
    ]


def test_a_plan_change_stopping_its_execution_raises_nothing(journey: Journey, stack: LocalStack) -> None:
    journey.refer_and_consent(days=40)
    journey.assess_and_match()
    new_date = (stack.clock.now().date() + timedelta(days=50)).isoformat()
    change = {
        "change": {"type": "release_date_changed", "new_release_on": new_date, "event_id": "event-0004"}
    }
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/circumstances", change))
    journey.advance(minutes=5)
    assert [e["status"] for e in stack.executions()].count("ABORTED") == 1
    assert "workflow_failed" not in journey.view()["open_escalations"]


def test_an_erasure_interrupted_half_way_is_finished_by_repeating_it(
    journey: Journey, stack: LocalStack
) -> None:
    """The deleting stops part way: the case is no longer readable (only a repeat of the erasure
    finds it), and the repeat finishes it, freeing the mentor's place once, not twice."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.case_steps import Role
    from throughgate.domain.errors import NotFound
    from throughgate.logic.ports import Actor
    from throughgate.logic.records import erase
    from throughgate.schemas import ErasureIn

    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high")
    deps = aws_deps()
    before = deps.store.get_mentor("mentor-0001").active_cases
    coordinator = Actor("coordinator-0001", Role.COORDINATOR)
    form = ErasureIn(reason="subject_request", confirm_case_id=journey.case_id)
    delete_partition = deps.store._delete_partition

    def interrupted(*_args: Any) -> None:
        raise ConnectionError("the connection dropped half way")

    assert _links_to(journey, journey.case_id), "the coordinators were told about the case"
    deps.store._delete_partition = interrupted  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        erase(deps, coordinator, journey.case_id, form)
    assert journey.coordinator.get(f"/cases/{journey.case_id}").status == 404, "nothing readable"
    assert deps.store.get_mentor("mentor-0001").active_cases == before - 1

    deps.store._delete_partition = delete_partition  # type: ignore[method-assign]
    erase(deps, coordinator, journey.case_id, form)
    with pytest.raises(NotFound):
        deps.store.get_case(journey.case_id)
    assert deps.store.get_mentor("mentor-0001").active_cases == before - 1, "freed once"
    stack.clock.settle()
    assert stack.executions("RUNNING") == [], "the workflow was stopped"
    assert [e for e in pending_effects(stack) if e["kind"] != "notify"] == []
    stack.reconcile_effects()  # notifications saved before are left to the stream: to nobody now
    assert pending_effects(stack) == []
    assert _links_to(journey, journey.case_id) == [], "no notification about the case is left or new"


def _links_to(journey: Journey, case_id: str) -> list[str]:
    """The links to the case in the coordinator's and the mentor's notifications."""
    notes = [
        n
        for c in (journey.coordinator, journey.mentor)
        for n in c.get("/notifications").body["notifications"]
    ]
    return [n["link"] for n in notes if case_id in n["link"]]
