"""A stopped workflow is not a dead end: a coordinator restarts it from the step the case is at, and
nothing recorded is lost (the walkthrough found a stopped case with no way on)."""

from __future__ import annotations

import pytest

from tests.journey import Journey
from throughgate_local.api_client import proxy_event
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def _page(stack: LocalStack, staff: str, path: str, query: str = "") -> str:
    """The case page as a coordinator or a mentor sees it ("coordinator-0001")."""
    role = staff.split("-", 1)[0]
    response = stack.invoke("Web", proxy_event("GET", path, None, (staff, role), query=query, headers={}))
    assert response["statusCode"] == 200, response
    body: str = response["body"]
    return body


def _stop_from_outside(journey: Journey, stack: LocalStack) -> None:
    [running] = stack.executions("RUNNING")
    stack.client("stepfunctions").stop_execution(executionArn=running["executionArn"], error="Console")
    journey.advance(minutes=5)


def test_a_coordinator_restarts_a_stopped_workflow_from_where_the_case_is(
    journey: Journey, stack: LocalStack
) -> None:
    journey.refer_and_consent(days=20)
    journey.assess_and_match(accommodation="high")
    journey.to_readiness()
    before = journey.view()
    assert before["waiting_for"] == "readiness_review"
    tasks = sorted(t["task_key"] for t in before["tasks"])
    _stop_from_outside(journey, stack)

    stopped = journey.view()
    assert stopped["workflow_stopped"] and stopped["waiting_for"] is None
    assert [(s["title"], s["who"], s["when"], s["overdue"]) for s in stopped["next_steps"]] == [
        ("Restart the workflow", "a coordinator", "Now: the workflow has stopped", False)
    ]
    page = f"/cases/{journey.case_id}"
    coordinator = _page(stack, "coordinator-0001", page)
    assert "Restart it from Next steps." in coordinator and "has been alerted" not in coordinator
    steps = coordinator.split('data-testid="next-steps"', 1)[1].split("</dl>", 1)[0]
    assert "Now: the workflow has stopped" in steps
    assert "Overdue" not in steps, "a stopped workflow is not a step overdue"
    mentor = _page(stack, "mentor-0001", page)
    assert "A coordinator has been alerted." in mentor and "Restart it from" not in mentor
    path = f"/cases/{journey.case_id}/restart"
    assert journey.mentor.post(path, {"restart": True}).status == 403

    journey.ok(journey.coordinator.post(path, {"restart": True}))
    journey.advance(minutes=5)
    after = journey.view()
    assert after["workflow_error"] is None
    assert "workflow_failed" not in after["open_escalations"]
    assert after["waiting_for"] == "readiness_review", "picked up at the step the case was at"
    assert sorted(t["task_key"] for t in after["tasks"]) == tasks, "nothing planned twice or lost"
    assert journey.executions() == {
        f"{journey.case_id}-r1": "ABORTED",
        f"{journey.case_id}-r2": "RUNNING",
    }
    assert "workflow_restarted" in [e["kind"] for e in after["timeline"]]
    banner = _page(stack, "coordinator-0001", page, query="saved=restart")
    assert "The workflow has restarted" in banner and "Restart saved" not in banner

    again = journey.coordinator.post(path, {"restart": True})
    assert again.status == 409
    assert again.body["message"] == "The case's workflow has not stopped: there is nothing to restart"


def test_no_leaves_the_workflow_stopped(journey: Journey, stack: LocalStack) -> None:
    journey.refer_and_consent(days=20)
    journey.assess_and_match()
    _stop_from_outside(journey, stack)
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/restart", {"restart": False}))
    assert journey.view()["workflow_error"] is not None
    assert [e["status"] for e in stack.executions()] == ["ABORTED"]
