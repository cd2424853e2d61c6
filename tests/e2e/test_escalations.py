"""Escalations have a life: one per cause, raised again by counting up, resolved when the cause goes
or by a coordinator with a note, and what was resolved stays on the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.journey import Journey

pytestmark = pytest.mark.e2e


def _open_cases(journey: Journey) -> set[str]:
    from throughgate.adapters.aws import aws_deps

    return {e.case_id for e in aws_deps().store.open_escalations()}


def _sweep_until(journey: Journey, day: date) -> None:
    while journey.stack.clock.now().date() < day:
        journey.advance(days=1)
        journey.stack.run_daily_sweep()
        journey.stack.read_outbox()


def test_an_overdue_task_is_escalated_once_and_resolves_when_it_is_done(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=20)
    j.assess_and_match(accommodation="high")
    critical = min((t for t in j.view()["tasks"] if t["critical"]), key=lambda t: t["due_on"])
    _sweep_until(j, date.fromisoformat(critical["due_on"]) + timedelta(days=5))
    _sweep_until(j, j.stack.clock.now().date() + timedelta(days=2))  # more sweeps raise nothing new

    cause = f"task_overdue#{critical['task_key']}"
    state = j.view()
    raised = [e for e in state["escalations"] if e["cause"] == cause]
    assert len(raised) == 1 and raised[0]["times_raised"] == 1
    assert raised[0]["text"] == f"Task overdue: {critical['title']}"
    assert j.case_id in _open_cases(j)

    done = j.mentor.post(
        f"/cases/{j.case_id}/tasks/{critical['task_key']}", {"status": "done", "note": "Sorted"}
    )
    assert done.status == 200, done
    state = j.view()
    assert cause not in {e["cause"] for e in state["escalations"]}
    resolved = [e for e in state["timeline"] if e["kind"] == "escalation_resolved"]
    assert resolved and resolved[0]["detail"]["subject"] == critical["task_key"]
    assert resolved[0]["actor"] == "mentor:mentor-0001"


def test_missed_check_ins_are_one_escalation_counted_up_and_contact_resolves_it(journey: Journey) -> None:
    j = journey
    j.released(drugs_alcohol="high")
    _sweep_until(j, j.stack.clock.now().date() + timedelta(days=12))  # daily check-ins, none done
    state = j.view()
    missed = [e for e in state["escalations"] if e["reason"] == "check_in_missed"]
    assert len(missed) == 1, state["escalations"]
    assert missed[0]["times_raised"] >= 2
    assert missed[0]["text"] == f"Check-ins missed ({missed[0]['times_raised']} times)"

    j.check_ins(1)
    assert "check_in_missed" not in j.view()["open_escalations"]


def test_a_coordinator_resolves_an_escalation_with_a_note_and_a_mentor_cannot(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="high")
    j.to_readiness()
    j.readiness(accommodation=False)  # no accommodation: the workflow escalates it
    assert "no_accommodation" in j.view()["open_escalations"]
    note = {"cause": "no_accommodation", "note": "Hostel place confirmed by phone"}

    refused = j.mentor.post(f"/cases/{j.case_id}/escalations", note)
    assert refused.status in (403, 404), refused
    assert "no_accommodation" in j.view()["open_escalations"]

    resolved = j.coordinator.post(f"/cases/{j.case_id}/escalations", note)
    assert resolved.status == 200, resolved
    state = j.view()
    assert "no_accommodation" not in state["open_escalations"]
    assert j.case_id not in _open_cases(j)
    event = next(e for e in state["timeline"] if e["kind"] == "escalation_resolved")
    assert (event["actor"], event["detail"]["reason"]) == ("coordinator:coordinator-0001", "no_accommodation")

    again = j.coordinator.post(f"/cases/{j.case_id}/escalations", {**note, "note": "Twice"})
    assert again.status == 422 and again.body["fields"][0]["field"] == "cause", again


def test_closing_the_plan_resolves_what_was_raised_about_it(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=20)
    j.assess_and_match(accommodation="high")
    critical = min((t for t in j.view()["tasks"] if t["critical"]), key=lambda t: t["due_on"])
    _sweep_until(j, date.fromisoformat(critical["due_on"]) + timedelta(days=5))
    assert "task_overdue" in j.view()["open_escalations"]
    change = {"change": {"type": "disengaged", "event_id": "evt-esc-0001"}}
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    assert j.view()["open_escalations"] == []
    assert j.case_id not in _open_cases(j)


def test_a_referral_two_weeks_before_release_starts_with_no_task_overdue(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=14)
    j.assess_and_match(accommodation="urgent", finance_id="urgent", health="high")
    today = j.stack.clock.now().date()
    tasks = j.view()["tasks"]
    assert tasks and all(date.fromisoformat(t["due_on"]) >= today for t in tasks)
    assert not any(t["overdue"] for t in tasks)
    j.advance(days=1)
    j.stack.run_daily_sweep()
    notes = j.stack.read_outbox()
    escalated = [
        n
        for n in notes
        if n["recipient_role"] == "coordinator"
        and n["kind"] in ("chase", "escalation")  # not the weekly contact and supervision check
        and n["detail"].get("reason") != "own_task_overdue"  # a reminder of a coordinator's own task
    ]
    assert escalated == [], "nothing is escalated after its first day (its owner may be reminded)"
    assert j.view()["open_escalations"] == []


def test_a_coordinators_own_overdue_task_reminds_the_coordinators_not_the_mentor(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=60)
    j.assess_and_match(accommodation="high")
    tasks = j.view()["tasks"]
    theirs = min((t for t in tasks if t["owner_role"] == "coordinator"), key=lambda t: t["due_on"])
    first_mentor_task_due = min(date.fromisoformat(t["due_on"]) for t in tasks if t["owner_role"] == "mentor")
    remind_on = date.fromisoformat(theirs["due_on"]) + timedelta(days=2)
    assert remind_on < first_mentor_task_due, "the journey's plan changed: pick another task"
    j.stack.read_outbox()
    notes = []
    while j.stack.clock.now().date() < remind_on:
        j.advance(days=1)
        j.stack.run_daily_sweep()
        notes += j.stack.read_outbox()

    chases = [n for n in notes if n["kind"] == "chase"]
    assert chases, "the overdue task was chased"
    assert {n["recipient_role"] for n in chases} == {"coordinator"}
    assert {n["to"] for n in chases} == {"coordinator-0001"}, "not the mentor"
    assert chases[0]["subject"] == "A coordinator's task is overdue"
    assert chases[0]["link"] == f"/cases/{j.case_id}/tasks/{theirs['task_key']}"
    assert j.view()["open_escalations"] == [], "a reminder, not yet an escalation"
    reminded = [e for e in j.view()["timeline"] if e["kind"] == "coordinators_reminded"]
    assert [e["detail"]["subject"] for e in reminded] == [theirs["task_key"]]
