"""After a restore (docs/restore.md, issue 19 item 3): the schedules lost with the schedule group, and
the executions lost with the state machine, are made again from the cases, on the local stack."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from tests.journey import Journey, new_journey, referral, schedules
from throughgate.adapters.aws import aws_deps
from throughgate.logic.restore import recreate_from_cases
from throughgate_local.stack import SCHEDULE_GROUP

pytestmark = pytest.mark.e2e


def test_the_outcome_and_start_schedules_come_back_from_the_cases_alone(journey: Journey) -> None:
    released = journey
    released.released()
    waiting = new_journey(released.stack)
    response = waiting.ok(
        waiting.coordinator.post("/referrals", referral("sub-restore-02", "A0002AA", days=730))
    )
    waiting.case_id = response.body["case_id"]
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    waiting.ok(waiting.coordinator.post(f"/cases/{waiting.case_id}/consent", consent))
    stack = released.stack
    before = schedules(stack)
    assert set(before) == {f"outcome-{released.case_id}", f"start-{waiting.case_id}"}

    scheduler = stack.client("scheduler")
    for name in before:  # `make destroy` deletes the schedule group, and every schedule with it
        scheduler.delete_schedule(Name=name, GroupName=SCHEDULE_GROUP)
    assert schedules(stack) == {}

    report = recreate_from_cases(aws_deps())
    stack.reconcile_effects()

    assert schedules(stack) == before
    assert asdict(report) == {
        "outcome_follow_ups": [released.case_id],
        "outcome_overdue": [],
        "start_schedules": [waiting.case_id],
        # Released and being worked: its execution, by its name, is the one that still runs.
        "executions": [released.case_id],
    }
    running = released.executions()
    again = recreate_from_cases(aws_deps())
    stack.reconcile_effects()
    assert (schedules(stack), again, released.executions()) == (before, report, running)
    assert stack.pending_effects() == []
