"""The release workflow starts when the pre-release window opens, not at consent, and a gate nobody
answers times out into RecordFailure (docs/adr/0007), through the real ASL on the local stack.

The start is a one-time EventBridge Scheduler schedule (`start-<case id>`), made as an outbox effect;
the local stack fires it when the virtual clock reaches it, as Scheduler would on its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.journey import Journey, schedules
from throughgate.domain.case_steps import Role
from throughgate.domain.catalogue import load_programme
from throughgate.domain.schedule import pre_release_window_opens
from throughgate.logic.ports import Actor

pytestmark = pytest.mark.e2e
COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)

TWO_YEARS = 730
WORKFLOW = "workflows/release.asl.json"


def _window(j: Journey) -> datetime:
    return pre_release_window_opens(j.release_on(), load_programme())


def _change(kind: str, event_id: str, **fields: Any) -> dict[str, Any]:
    return {"change": {"type": kind, "event_id": event_id, **fields}}


def _gate_timeout(state: str) -> timedelta:
    import json
    from pathlib import Path

    definition = json.loads((Path(__file__).resolve().parents[2] / WORKFLOW).read_text())
    return timedelta(seconds=definition["States"][state]["TimeoutSeconds"])


def test_a_release_two_years_away_starts_its_workflow_when_the_window_opens(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    window = _window(j)

    assert j.executions() == {}, "no execution runs from consent to the window"
    assert schedules(j.stack) == {f"start-{j.case_id}": f"at({window:%Y-%m-%dT%H:%M:%S})"}
    state = j.view()
    assert (state["stage"], state["waiting_for"]) == ("consented", None)
    page = j.coordinator.get(f"/cases/{j.case_id}")
    assert page.status == 200

    j.advance_to(window - timedelta(hours=1))
    assert j.executions() == {}
    assert j.view()["waiting_for"] is None

    j.advance_to(window + timedelta(days=2))  # one move of the clock, across the window
    assert j.executions() == {f"{j.case_id}-r1": "RUNNING"}
    assert j.view()["waiting_for"] == "assessment"
    assert schedules(j.stack) == {}, "the schedule is deleted once it has fired"
    opened = [e for e in j.view()["timeline"] if e["kind"] == "waiting_for"]
    assert [datetime.fromisoformat(e["at"]) for e in opened] == [window], "the gate opened at the window"


def test_an_unanswered_gate_times_out_into_record_failure_and_the_coordinator_is_told(
    journey: Journey,
) -> None:
    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    window = _window(j)
    j.advance_to(window + timedelta(hours=1))
    assert j.view()["waiting_for"] == "assessment"
    j.stack.read_outbox()

    timeout = _gate_timeout("AwaitAssessment")
    j.advance_to(window + timeout - timedelta(hours=1))
    assert j.view()["waiting_for"] == "assessment", "still open just before its timeout"

    j.advance_to(window + timeout + timedelta(hours=1))
    state = j.view()
    assert j.executions() == {f"{j.case_id}-r1": "FAILED"}
    assert state["waiting_for"] is None
    assert state["workflow_error"] == "States.Timeout:assessment"
    assert "workflow_failed" in state["open_escalations"]
    words = [e["text"] for e in state["escalations"] if e["reason"] == "workflow_failed"]
    assert words == ["The workflow stopped: nobody answered the pre-release assessment step in time"]
    told = [
        n
        for n in j.stack.read_outbox()
        if n["kind"] == "escalation" and (n.get("detail") or {}).get("reason") == "workflow_failed"
    ]
    assert [(n["recipient_role"], n["detail"]["subject"]) for n in told] == [
        ("coordinator", "States.Timeout:assessment")
    ]
    page = j.coordinator.get(f"/cases/{j.case_id}")
    assert page.status == 200


def test_a_release_date_moved_before_the_window_moves_the_start(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    old_window = _window(j)
    new_release = j.release_on() - timedelta(days=300)
    moved = _change("release_date_changed", "evt-date-0001", new_release_on=new_release.isoformat())
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", moved).status == 200
    new_window = _window(j)
    assert new_window < old_window

    assert schedules(j.stack) == {f"start-{j.case_id}": f"at({new_window:%Y-%m-%dT%H:%M:%S})"}
    assert j.executions() == {}, "nothing to stop, nothing started"

    j.advance_to(new_window + timedelta(hours=1))
    assert j.executions() == {f"{j.case_id}-r2": "RUNNING"}, "the new revision, at the new window"
    assert j.view()["waiting_for"] == "assessment"


def test_a_release_date_moved_into_the_window_starts_at_once_and_the_old_schedule_starts_nothing(
    journey: Journey,
) -> None:
    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    old_window = _window(j)
    near = (j.stack.clock.now() + timedelta(days=40)).date()
    moved = _change("release_date_changed", "evt-date-0002", new_release_on=near.isoformat())
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", moved).status == 200

    assert j.executions() == {f"{j.case_id}-r2": "RUNNING"}
    assert j.view()["waiting_for"] == "assessment"
    assert schedules(j.stack) == {}, "the start schedule of the old date is cancelled"

    # Even a start schedule that outlived its revision (say its cancel is still pending) starts nothing.
    j.stack.invoke("StartWorkflow", {"case_id": j.case_id, "revision": 1, "entry": "pre_release_window"})
    j.stack.clock.settle()
    assert j.executions() == {f"{j.case_id}-r2": "RUNNING"}
    assert old_window > j.stack.clock.now()


@pytest.mark.parametrize("ending", ["withdrawal", "erasure"])
def test_a_case_that_ends_before_its_window_never_starts_its_workflow(journey: Journey, ending: str) -> None:
    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    window = _window(j)
    j.advance(days=30)
    if ending == "withdrawal":
        withdrawn = _change("consent_withdrawn", "evt-wd-0001")
        assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", withdrawn).status == 200
    else:
        body = {"reason": "subject_request", "confirm_case_id": j.case_id}
        j.ok(j.coordinator.post(f"/cases/{j.case_id}/erasure", body))

    assert schedules(j.stack) == {}
    j.advance_to(window + timedelta(days=1))
    assert j.executions() == {}


def test_the_assessment_page_says_when_it_opens_until_the_window(journey: Journey) -> None:
    """The web's "The assessment opens on ..." keeps working: it reads the release date, not an execution."""
    from throughgate.domain.case_steps import BY_KEY
    from throughgate.logic.views import not_open_yet

    j = journey
    j.refer_and_consent(days=TWO_YEARS)
    window = _window(j)
    deps = _deps()
    case = deps.store.get_case(j.case_id)

    said = not_open_yet(deps, COORDINATOR, case, BY_KEY["assessment"])

    assert said == f"The pre-release assessment opens on {window:%-d %B %Y}."
    assert window.date() == date.fromisoformat(j.view()["release_on"]) - timedelta(days=84)
    assert datetime.combine(window.date(), time(0), tzinfo=UTC) == window


def _deps() -> Any:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()
