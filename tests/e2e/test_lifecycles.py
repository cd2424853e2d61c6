"""Whole lifecycles through the real ASL on moto's interpreter, with the real handlers and the
virtual clock: what a coordinator and a mentor would do, and what the workflow must do back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.journey import START, Journey, referral
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def _outbox_reasons(stack: LocalStack) -> list[tuple[str, str, str]]:
    return [
        (n["kind"], n["recipient_role"], (n.get("detail") or {}).get("reason", ""))
        for n in stack.read_outbox()
    ]


def test_happy_path_from_referral_to_outcome(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    assert j.view()["waiting_for"] == "assessment", "the pre-release window is already open 30 days out"

    j.assess_and_match(accommodation="high", finance_id="medium", health="low")
    state = j.view()
    assert state["stage"] == "pre_release"
    assert state["mentor_id"] == "mentor-0001"
    areas_with_tasks = {t["area"] for t in state["tasks"]}
    assert areas_with_tasks == {"accommodation", "finance_id", "health"}, (
        "tasks only for areas that need support"
    )

    j.advance(days=10)
    assert j.view()["waiting_for"] is None, "nothing to wait for until the readiness review"
    j.to_readiness()
    assert j.view()["waiting_for"] == "readiness_review"
    j.readiness(accommodation=True)
    assert j.view()["stage"] == "release_ready"

    j.release_day()
    state = j.view()
    assert state["stage"] == "post_release"
    assert state["first_released_on"] == state["release_on"]

    assert j.check_ins() == 12, "daily to 72 hours, weekly to week 6, fortnightly to week 12"
    state = j.view()
    assert state["stage"] == "handover"
    assert state["waiting_for"] == "handover"
    response = j.handover()
    assert response.body["stage"] == "closed"
    assert response.body["still_open"] == []

    executions = j.executions()
    assert list(executions.values()) == ["SUCCEEDED"]
    transitions = j.stack.state_transitions(j.stack.executions()[0]["executionArn"])
    assert transitions < 150

    # The outcome follow-up was scheduled at release, 18 months out, not waited for.
    schedules = j.stack.client("scheduler").list_schedules(GroupName="throughgate-local")["Schedules"]
    assert [s["Name"] for s in schedules] == [f"outcome-{j.case_id}"]
    j.advance_to(START + timedelta(days=30 + 549))
    assert j.stack.fire_due_schedules() == 1
    assert "outcome_due" in j.view()["open_escalations"]
    outcome = {"proven_reoffending": False, "housed": True, "in_work_or_training": True}
    assert j.coordinator.post(f"/cases/{j.case_id}/outcome", outcome).status == 200
    state = j.view()
    assert state["stage"] == "outcome_recorded"
    assert state["open_escalations"] == []
    assert j.stack.executions("RUNNING") == []


def test_no_accommodation_at_the_readiness_review_escalates(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=20)
    j.assess_and_match(accommodation="urgent")
    j.to_readiness()
    j.stack.read_outbox()
    j.readiness(accommodation=False)

    state = j.view()
    assert "no_accommodation" in state["open_escalations"]
    assert ("escalation", "coordinator", "no_accommodation") in _outbox_reasons(j.stack)
    assert state["stage"] == "release_ready", "the workflow carries on to release day"
    j.release_day(address=False)
    assert "no_address_on_release" in j.view()["open_escalations"]


@pytest.mark.parametrize("shift_days", [-7, 14])
def test_a_changed_release_date_moves_every_dependent_date(journey: Journey, shift_days: int) -> None:
    j = journey
    j.refer_and_consent(days=40)
    j.assess_and_match(accommodation="medium", licence="low")
    before = {t["task_key"]: t["due_on"] for t in j.view()["tasks"]}
    old_release = j.release_on()
    new_release = old_release + timedelta(days=shift_days)

    j.stack.send_prison_event(
        {
            "prison_number": "A0001AA",
            "change": {
                "type": "release_date_changed",
                "event_id": "evt-date-0001",
                "new_release_on": str(new_release),
            },
        }
    )
    assert j.stack.deliver_prison_events() == 1
    state = j.view()
    assert state["release_on"] == new_release.isoformat()
    for task in state["tasks"]:
        moved = datetime.fromisoformat(task["due_on"]) - datetime.fromisoformat(before[task["task_key"]])
        assert moved.days == shift_days, task["task_key"]
    assert j.executions() == {f"{j.case_id}-r1": "ABORTED", f"{j.case_id}-r2": "RUNNING"}

    # The same event again (a feed redelivery) changes nothing.
    j.stack.send_prison_event(
        {
            "prison_number": "A0001AA",
            "change": {
                "type": "release_date_changed",
                "event_id": "evt-date-0001",
                "new_release_on": str(new_release),
            },
        }
    )
    j.stack.deliver_prison_events()
    assert len(j.executions()) == 2

    review_day = datetime.combine(new_release - timedelta(days=3), datetime.min.time(), UTC)
    j.advance_to(review_day - timedelta(hours=1))
    assert j.view()["waiting_for"] is None
    j.advance_to(review_day + timedelta(hours=1))
    assert j.view()["waiting_for"] == "readiness_review", "the readiness review follows the new date"
    j.readiness()
    j.release_day()
    assert j.view()["first_released_on"] == new_release.isoformat()


def test_recall_after_release_stops_the_plan_and_a_new_date_restarts_it(journey: Journey) -> None:
    j = journey
    j.released(days=15, accommodation="high", health="medium")
    j.check_ins(count=4)

    j.stack.send_prison_event(
        {"prison_number": "A0001AA", "change": {"type": "recalled", "event_id": "evt-recall-0001"}}
    )
    assert j.stack.deliver_prison_events() == 1
    state = j.view()
    assert state["stage"] == "recalled"
    assert state["waiting_for"] is None
    assert all(t["status"] in ("done", "not_needed") for t in state["tasks"])
    assert j.executions() == {f"{j.case_id}-r1": "ABORTED"}
    assert j.stack.executions("RUNNING") == []

    # Re-release planned: the plan resets and the client is reassessed.
    new_release = (j.stack.clock.now() + timedelta(days=60)).date()
    change = {
        "change": {
            "type": "release_date_changed",
            "event_id": "evt-date-0002",
            "new_release_on": str(new_release),
        }
    }
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    state = j.view()
    assert state["stage"] == "consented"
    assert state["waiting_for"] == "assessment"
    assert j.executions()[f"{j.case_id}-r2"] == "RUNNING"


def test_an_injected_fault_is_retried_then_caught_and_the_case_marked(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    j.stack.bridge.inject_fault("throughgate-CreateAreaTasks", -1)
    j.stack.read_outbox()
    j.assess_and_match(accommodation="high")

    assert j.stack.bridge.invocations["throughgate-CreateAreaTasks"] == 4, "one call and three retries"
    assert j.stack.bridge.invocations["throughgate-RecordFailure"] == 1
    state = j.view()
    assert state["workflow_error"] == "InjectedFault"
    assert "workflow_failed" in state["open_escalations"]
    assert ("escalation", "coordinator", "workflow_failed") in _outbox_reasons(j.stack)
    assert j.executions() == {f"{j.case_id}-r1": "FAILED"}
    assert j.stack.executions("RUNNING") == []
    assert state["tasks"] == [], "no half-created plan"


def test_a_transient_fault_is_retried_and_the_workflow_carries_on(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    j.stack.bridge.inject_fault("throughgate-ListNeeds", 2)
    j.assess_and_match(accommodation="high")
    state = j.view()
    assert state["stage"] == "pre_release"
    assert state["workflow_error"] is None
    assert j.stack.bridge.invocations["throughgate-ListNeeds"] == 3


def test_the_same_referral_submitted_twice_gives_one_case(journey: Journey) -> None:
    first = journey.coordinator.post("/referrals", referral())
    second = journey.coordinator.post("/referrals", referral())
    assert (first.status, second.status) == (201, 200)
    assert first.body["case_id"] == second.body["case_id"]
    assert second.body["created"] is False

    changed = referral()
    changed["client"]["borough"] = "Lambeth"
    reused = journey.coordinator.post("/referrals", changed)
    assert reused.status == 409
    assert "different referral" in reused.body["message"]

    other_submission = journey.coordinator.post("/referrals", referral(submission_id="sub-00000002"))
    assert other_submission.status == 409
    assert other_submission.body["error"] == "duplicate_referral"
    assert journey.stack.dynamodb_calls.calls["Scan"] == 0


def test_a_missed_check_in_is_chased_then_closed_so_the_workflow_moves_on(journey: Journey) -> None:
    j = journey
    j.released(drugs_alcohol="high")
    j.advance(days=1)
    assert j.view()["waiting_for"] == "check_in"
    assert j.view()["check_in_number"] == 1
    j.stack.read_outbox()

    j.advance(days=1)
    j.stack.run_daily_sweep()
    assert ("chase", "mentor", "check_in_late") in _outbox_reasons(j.stack)
    j.advance(days=2)
    j.stack.run_daily_sweep()
    assert ("chase", "coordinator", "check_in_missed") in _outbox_reasons(j.stack)
    state = j.view()
    assert "check_in_missed" in state["open_escalations"]
    assert state["check_in_number"] >= 2, "the workflow went on to the next check-in"


def test_a_need_found_at_a_check_in_opens_its_tasks_and_a_plain_check_in_reads_no_lists(
    journey: Journey,
) -> None:
    j = journey
    j.released(drugs_alcohol="high")
    j.advance(days=1)
    state = j.view()
    assert state["waiting_for"] == "check_in"
    assert not [t for t in state["tasks"] if t["area"] == "education_work"]

    queries = j.stack.dynamodb_calls.calls["Query"]
    plain = {"number": state["check_in_number"], "contact_made": True}
    j.ok(j.mentor.post(f"/cases/{j.case_id}/check-ins", plain))
    assert j.stack.dynamodb_calls.calls["Query"] == queries, "a check-in with no new need lists nothing"

    while (state := j.view())["waiting_for"] != "check_in":
        j.advance(days=1)
    found = {
        "number": state["check_in_number"],
        "contact_made": True,
        "new_needs": {"education_work": "high"},
    }
    j.ok(j.mentor.post(f"/cases/{j.case_id}/check-ins", found))
    state = j.view()
    need = next(n for n in state["needs"] if n["area"] == "education_work")
    assert (need["current_level"], need["status"]) == ("high", "support_required")
    opened = [t for t in state["tasks"] if t["area"] == "education_work"]
    assert opened, "the new need's catalogue tasks were opened"
    week_on = (j.stack.clock.now() + timedelta(days=7)).date().isoformat()
    assert all(t["due_on"] >= week_on for t in opened), opened


def test_bad_input_names_the_field_and_stores_nothing(journey: Journey) -> None:
    bad = referral()
    bad["client"]["prison_number"] = "not-a-number"
    bad["release_on"] = "2020-01-01"
    response = journey.coordinator.post("/referrals", bad)
    assert response.status == 422
    fields = {f["field"] for f in response.body["fields"]}
    assert "client.prison_number" in fields
    assert "not-a-number" not in json.dumps(response.body), "the rejected value is never echoed"

    past = journey.coordinator.post("/referrals", referral(days=-3))
    assert past.status == 422
    assert past.body["fields"][0]["field"] == "release_on"

    journey.refer_and_consent()
    assert (
        journey.coordinator.post(
            f"/cases/{journey.case_id}/readiness", {"accommodation_confirmed": True}
        ).status
        == 422
    )
    not_yet = {
        "accommodation_confirmed": True,
        "id_ready": True,
        "medication_ready": True,
        "probation_appointment_booked": True,
    }
    refused = journey.coordinator.post(f"/cases/{journey.case_id}/readiness", not_yet)
    assert refused.status == 409
    assert refused.body["error"] == "not_waiting"
    assert journey.view()["stage"] == "consented"
    assert journey.coordinator.post("/referrals", "{not json").status == 422
    assert journey.coordinator.get("/cases/00000000-0000-0000-0000-000000000000").status == 404


def test_a_friday_release_is_flagged_at_the_readiness_review_and_on_the_day(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=11)  # START is a Monday: day 11 is a Friday
    assert datetime.fromisoformat(j.view()["release_on"]).weekday() == 4
    j.assess_and_match(finance_id="medium")
    j.stack.read_outbox()
    j.to_readiness()
    opened = [(n["to"], n["case_id"], n["detail"]) for n in j.stack.read_outbox() if n["kind"] == "gate_open"]
    assert opened == [
        (
            "coordinator-0001",
            j.case_id,
            {"gate": "readiness_review", "friday_release": "true", "service_gap": "true"},
        )
    ]
    flagged = [e for e in j.view()["timeline"] if e["detail"].get("friday_release") == "true"]
    assert [e["detail"]["gate"] for e in flagged] == ["readiness_review"]
