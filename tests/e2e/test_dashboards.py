"""'My work today': the dashboards through the local stack, each list named by client, and what they
ask of the table (no more for a programme with more closed cases behind it)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.journey import START, Journey, needs, referral
from throughgate.domain.case import Case, ClientDetails, TimelineEvent
from throughgate.domain.case_steps import BY_GATE, BY_KEY, Gate, Role
from throughgate.domain.lifecycle import Stage
from throughgate.logic.ports import Actor
from throughgate_local.api_client import proxy_event
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.e2e

COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
MENTOR = Actor("mentor-0001", Role.MENTOR)
CONSENT = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}


def _client(given: str, family: str, prison_number: str) -> dict[str, Any]:
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": "1991-04-09",
        "prison_number": prison_number,
        "gender": "male",
        "borough": "Southwark",
    }


def _refer(j: Journey, given: str, family: str, prison_number: str, days: int = 30) -> Journey:
    """A new case on the same stack and staff, referred (not yet consented)."""
    other = Journey(j.stack, j.coordinator, j.mentor)
    body = {
        **referral(f"sub-{uuid.uuid4().hex[:12]}", prison_number, days=days),
        "client": _client(given, family, prison_number),
    }
    other.case_id = other.ok(other.coordinator.post("/referrals", body)).body["case_id"]
    return other


def _consent(j: Journey) -> None:
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", CONSENT))


def _board(actor: Actor) -> Any:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.dashboards import dashboard

    return dashboard(aws_deps(), actor)


def _page(stack: LocalStack, actor: Actor) -> str:
    event = proxy_event("GET", "/", None, (actor.user_id, actor.role.value), headers={})
    response = stack.invoke("Web", event)
    assert response["statusCode"] == 200, response
    body: str = response["body"]
    return body


def _text(page: str) -> str:
    """What the main part of the page says, without its markup."""
    return re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1].split("</main>", 1)[0])


def _closed_case(stack: LocalStack, number: int, release_on: date) -> None:
    """A case the programme held and closed: it should cost a dashboard nothing."""
    from throughgate.adapters.aws import aws_deps

    case = Case(
        case_id=str(uuid.uuid4()),
        stage=Stage.CLOSED,
        release_on=release_on,
        prison="BXI",
        client=ClientDetails(
            "Closed", f"Client{number}", date(1980, 1, 1), f"C{number:04d}CC", "male", "Lambeth"
        ),
        created_at=START,
        payload_hash=f"hash-closed-{number}",
        mentor_id="mentor-0001",
    )
    aws_deps().store.create_case(case, TimelineEvent(START, "referred", "coordinator-0001"))


# -- a mentor's -------------------------------------------------------------------------------------
def test_a_mentor_sees_each_client_by_name_with_the_step_waiting_and_overdue_tasks(journey: Journey) -> None:
    j = journey
    # Amira: matched 30 days before release; her tasks are planned and some fall due straight away.
    amira = _refer(j, "Amira", "Testcase", "A1001AA", days=30)
    _consent(amira)
    amira.assess_and_match(accommodation="high", finance_id="low")
    # Bobby: released, his first check-in due the next day.
    bobby = _refer(j, "Bobby", "Samplename", "A1002AA", days=10)
    _consent(bobby)
    bobby.assess_and_match()
    bobby.to_readiness()
    bobby.readiness()
    bobby.release_day()
    bobby.advance(days=1)
    assert bobby.view()["waiting_for"] == "check_in"
    # Cleo: matched to the same mentor, then disengaged: off the caseload, off the list.
    cleo = _refer(j, "Cleo", "Gonecase", "A1003AA", days=40)
    _consent(cleo)
    cleo.assess_and_match()
    change = {"change": {"type": "disengaged", "event_id": "evt-dash-cleo-1"}}
    cleo.ok(cleo.coordinator.post(f"/cases/{cleo.case_id}/circumstances", change))

    board = _board(MENTOR)
    by_name = {w.name: w for w in board.clients}
    assert set(by_name) == {"Amira Testcase", "Bobby Samplename"}, "no disengaged case among the active"
    check_in = by_name["Bobby Samplename"].steps
    assert [s.step for s in check_in] == [BY_GATE[Gate.CHECK_IN]]
    assert check_in[0].href == f"/cases/{bobby.case_id}/{BY_GATE[Gate.CHECK_IN].path}"
    assert check_in[0].words == "Check-in 1"
    assert board.check_ins_due == 1
    tasks = by_name["Amira Testcase"].tasks
    assert tasks and all(t.name == "Amira Testcase" and t.task.case_id == amira.case_id for t in tasks)
    assert all(t.task.owner_role == "mentor" for t in tasks), "a mentor's list holds the mentor's tasks"
    overdue = [t for t in tasks if t.overdue]
    assert overdue, "tasks planned due on the match day are overdue a week and more later"
    assert all(t.task.due_on < board.today for t in overdue)
    assert board.tasks_overdue == len(overdue)
    assert board.next_release is not None and board.next_release.case.case_id == amira.case_id

    page = _page(j.stack, MENTOR)
    assert "Amira Testcase" in page and "Bobby Samplename" in page and "Cleo Gonecase" not in page
    assert f'href="/cases/{bobby.case_id}/check-in"' in page
    assert "Go to check-in 1" in page
    assert f'href="/cases/{amira.case_id}/tasks/{overdue[0].task.task_key}"' in page
    assert "Overdue" in page
    assert "_" not in _text(page), "plain words, no raw keys"


def test_a_handover_waits_for_the_mentor_to_prepare_and_a_coordinator_to_submit() -> None:
    """The registry says who acts, not a list: the mentor owns the gate, only a coordinator submits."""
    handover = BY_GATE[Gate.HANDOVER]
    assert handover.gate_owner is Role.MENTOR
    assert handover.acted_on_by == frozenset({Role.COORDINATOR})
    assert BY_GATE[Gate.CHECK_IN].acted_on_by == frozenset({Role.MENTOR})
    assert BY_GATE[Gate.ASSESSMENT].acted_on_by == frozenset({Role.COORDINATOR})


# -- a coordinator's --------------------------------------------------------------------------------
def _coordinator_world(j: Journey) -> dict[str, Journey]:
    """A referral without consent, and a case waiting at each of assessment, match and readiness."""
    world = {"referred": _refer(j, "Dana", "Noconsent", "A2001AA", days=40)}
    assessment = _refer(j, "Eli", "Waitsassess", "A2002AA", days=40)
    _consent(assessment)
    world["assessment"] = assessment
    match = _refer(j, "Fay", "Waitsmatch", "A2003AA", days=40)
    _consent(match)
    match.ok(match.coordinator.post(f"/cases/{match.case_id}/assessment", needs()))
    world["mentor_match"] = match
    ready = _refer(j, "Gus", "Waitsready", "A2004AA", days=6)
    _consent(ready)
    ready.assess_and_match()
    ready.to_readiness()
    world["readiness_review"] = ready
    return world


def test_a_coordinator_sees_the_steps_waiting_for_a_coordinator_by_client(journey: Journey) -> None:
    j = journey
    world = _coordinator_world(j)
    for gate in ("assessment", "mentor_match", "readiness_review"):
        assert world[gate].view()["waiting_for"] == gate
    _closed_case(j.stack, 1, j.stack.clock.now().date() + timedelta(days=3))

    board = _board(COORDINATOR)
    waiting = {(s.name, s.step.key) for s in board.steps}
    assert waiting == {
        ("Eli Waitsassess", "assessment"),
        ("Fay Waitsmatch", "mentor_match"),
        ("Gus Waitsready", "readiness"),
    }
    for s in board.steps:
        assert s.href == f"/cases/{s.case_id}/{s.step.path}" and s.can_act
    assert [(s.name, s.step) for s in board.consents] == [("Dana Noconsent", BY_KEY["consent"])]
    assert board.consents[0].href == f"/cases/{world['referred'].case_id}/consent"
    released = {r.case.client.full_name for r in board.releases}
    assert "Gus Waitsready" in released
    assert "Closed Client1" not in released, "a closed case is not among the releases to come"
    assert all(r.mentor_name == "Mentor One" for r in board.releases if r.case.mentor_id)

    page = _page(j.stack, COORDINATOR)
    for name in ("Dana Noconsent", "Eli Waitsassess", "Fay Waitsmatch", "Gus Waitsready"):
        assert name in page
    assert "Closed Client1" not in page
    assert f'href="/cases/{world["assessment"].case_id}/assessment"' in page
    assert "Pre-release assessment" in page and "Mentor match" in page and "Readiness review" in page
    assert "_" not in _text(page), "plain words, no raw keys"

    # A manager reads the same lists, each linked to the case page, never to a form.
    manager = _board(Actor("manager-0001", Role.MANAGER))
    assert {(s.name, s.step.key) for s in manager.steps} == waiting
    assert all(not s.can_act and s.href == f"/cases/{s.case_id}" for s in manager.steps + manager.consents)


def test_a_handover_and_an_outcome_due_wait_for_a_coordinator(journey: Journey) -> None:
    """Seeded on the store (a whole post-release period would take the test minutes): a case waiting
    at the handover gate, and a closed case whose 12-month outcome is due."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.common import escalate
    from throughgate.store.changes import Changes

    j = journey
    handing = _refer(j, "Hana", "Handingover", "A3001AA", days=20)
    _consent(handing)
    handing.assess_and_match()
    store = aws_deps().store
    case = store.get_case(handing.case_id)
    case.stage, case.waiting_for = Stage.HANDOVER, Gate.HANDOVER
    store.commit(Changes(case=case), j.stack.clock.now())
    closed = _refer(j, "Olly", "Outcomedue", "A3002AA", days=20)
    case = store.get_case(closed.case_id)
    case.stage = Stage.CLOSED
    changes = Changes(case=case)
    escalate(aws_deps(), case, changes, "outcome_due")
    store.commit(changes, j.stack.clock.now())

    coordinator = _board(COORDINATOR)
    assert {(s.name, s.step.key, s.href) for s in coordinator.steps} >= {
        ("Hana Handingover", "handover", f"/cases/{handing.case_id}/handover"),
        ("Olly Outcomedue", "outcome", f"/cases/{closed.case_id}/outcome"),
    }
    mentor = _board(MENTOR)
    hana = next(w for w in mentor.clients if w.name == "Hana Handingover")
    assert [(s.step.key, s.can_act, s.href) for s in hana.steps] == [
        ("handover", False, f"/cases/{handing.case_id}")
    ], "the mentor prepares the handover; the form is a coordinator's"
    page = _page(j.stack, MENTOR)
    assert "a coordinator submits it" in page


def test_cases_needing_attention_a_stopped_workflow_and_an_escalation_open_over_a_week(
    journey: Journey,
) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.common import escalate
    from throughgate.store.changes import Changes

    j = journey
    stopped = _refer(j, "Ivy", "Stopped", "A4001AA", days=40)
    _consent(stopped)
    store = aws_deps().store
    case = store.get_case(stopped.case_id)
    case.workflow_error = "States.Timeout"
    store.commit(Changes(case=case), j.stack.clock.now())
    waiting = _refer(j, "Jon", "Longwait", "A4002AA", days=40)
    case = store.get_case(waiting.case_id)
    changes = Changes(case=case)
    escalate(aws_deps(), case, changes, "no_accommodation")
    store.commit(changes, j.stack.clock.now())

    names = {a.name for a in _board(COORDINATOR).attention}
    assert names == {"Ivy Stopped"}, "an escalation a week old is not yet one to chase"
    j.stack.clock.advance_to(j.stack.clock.now() + timedelta(days=8))
    board = _board(COORDINATOR)
    attention = {a.name: a for a in board.attention}
    assert set(attention) == {"Ivy Stopped", "Jon Longwait"}
    assert [r.words for r in attention["Jon Longwait"].reasons] == [
        "No accommodation confirmed before release"
    ]
    assert attention["Jon Longwait"].reasons[0].since == START.date()
    assert [r.words for r in attention["Ivy Stopped"].reasons] == ["The workflow stopped"]


def test_a_readiness_review_still_open_the_day_before_release_is_urgent(journey: Journey) -> None:
    """Release day cannot open until it is done: from the day before, it heads the cases needing
    attention, tagged, ahead of a case whose escalation has only waited long."""
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.common import escalate
    from throughgate.store.changes import Changes

    j = journey  # Testy Example, release in 30 days
    j.refer_and_consent(days=30)
    j.assess_and_match(accommodation="high")
    waiting = _refer(j, "Abe", "Aardvark", "A4003AA", days=60)
    store = aws_deps().store
    case = store.get_case(waiting.case_id)
    changes = Changes(case=case)
    escalate(aws_deps(), case, changes, "no_accommodation")
    store.commit(changes, j.stack.clock.now())
    release = j.release_on()

    j.advance_to(datetime.combine(release - timedelta(days=2), datetime.min.time(), UTC) + timedelta(hours=9))
    assert j.view()["waiting_for"] == "readiness_review"
    assert [a.name for a in _board(COORDINATOR).attention] == ["Abe Aardvark"], "two days before: not yet"

    j.advance(days=1)
    board = _board(COORDINATOR)
    assert [a.name for a in board.attention] == ["Testy Example", "Abe Aardvark"], "the urgent first"
    (late,) = board.attention[0].reasons
    assert late.urgent and not board.attention[1].urgent
    assert late.words == f"Readiness review not done: release day ({release:%-d %B %Y}) opens only once it is"
    listed = _page(j.stack, COORDINATOR).split('data-testid="attention"', 1)[1].split("</ul>", 1)[0]
    assert listed.index("Urgent") < listed.index("Readiness review not done") < listed.index("Abe Aardvark")

    j.readiness()
    j.advance(minutes=5)
    assert "Testy Example" not in {a.name for a in _board(COORDINATOR).attention}, "done: no longer flagged"


def test_today_is_the_london_date(journey: Journey) -> None:
    """At 23:30 UTC on a summer evening it is already tomorrow in London."""
    j = journey
    late = datetime(2027, 6, 4, 23, 30, tzinfo=UTC)
    j.stack.clock.advance_to(late)
    assert _board(COORDINATOR).today == date(2027, 6, 5)
    assert "5 June 2027" in _page(j.stack, COORDINATOR)


# -- what a dashboard asks of the table ------------------------------------------------------------
def test_the_coordinators_dashboard_costs_the_same_whatever_the_closed_cases(journey: Journey) -> None:
    j = journey
    _coordinator_world(j)
    soon = j.stack.clock.now().date() + timedelta(days=3)
    for number in range(2):
        _closed_case(j.stack, number, soon)
    calls = j.stack.dynamodb_calls.calls

    def measured() -> dict[str, int]:
        _board(COORDINATOR)  # warm: the first call may build clients
        calls.clear()
        board = _board(COORDINATOR)
        assert len(board.steps) == 3 and len(board.consents) == 1
        return dict(calls)

    with_two = measured()
    for number in range(2, 12):
        _closed_case(j.stack, number, soon)
    with_twelve = measured()
    assert with_two == with_twelve, json.dumps({"2 closed": with_two, "12 closed": with_twelve})
    assert with_two.get("Scan", 0) == 0
