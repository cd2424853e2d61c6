"""Release day (issue 14 item 7): not met at the gate is an escalation the moment the form is saved,
what happened and the notes are kept on the case, the route safety check is required of the clients
who need it, and the release pack shows the day on one page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.journey import Journey
from tests.trust.conftest import StaffSession
from throughgate.domain.case_steps import Role
from throughgate.logic.ports import Actor
from throughgate.schemas import RELEASE_CHECKS

pytestmark = pytest.mark.e2e

COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
ALL_DONE = dict.fromkeys(RELEASE_CHECKS, True)


def _at_the_gate(j: Journey) -> str:
    """Readiness reviewed, the clock at 9am on release day: the release-day form's address."""
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium")
    j.to_readiness()
    j.readiness()
    j.advance_to(datetime.combine(j.release_on(), datetime.min.time(), UTC) + timedelta(hours=9))
    return f"/cases/{j.case_id}/release-day"


def _escalation_groups() -> list[object]:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.dashboards import dashboard

    return list(dashboard(aws_deps(), COORDINATOR).escalations)


def test_not_met_at_the_gate_is_escalated_as_it_is_saved_and_a_contact_resolves_it(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium")
    j.to_readiness()
    j.readiness()
    j.release_day(met=False, notes="Waited an hour; the officer said he left early")

    state = j.view()
    assert state["stage"] == "post_release"
    assert "not_met_at_gate" in state["open_escalations"]
    raised = [e for e in state["escalations"] if e["reason"] == "not_met_at_gate"]
    assert [e["text"] for e in raised] == ["Not met at the gate: went with family or friends"]
    # Raised and told in the release day's own transaction (the same moment), not later by the workflow,
    # which finds it open and leaves it: one escalation, one "escalated" line, one notification.
    released = next(e for e in state["timeline"] if e["kind"] == "released")
    escalated = [e for e in state["timeline"] if e["kind"] == "escalated"]
    assert [(e["detail"]["reason"], e["at"]) for e in escalated] == [("not_met_at_gate", released["at"])]
    assert released["detail"]["not_met_reason"] == "went_with_family"
    told = [n for n in j.stack.read_outbox() if n["kind"] == "escalation"]
    assert [n["detail"]["reason"] for n in told] == ["not_met_at_gate"]

    record = state["release_day"]
    assert (record["met_at_gate"], record["not_met"]) == (False, "Went with family or friends")
    assert record["notes"] == "Waited an hour; the officer said he left early"

    groups = [g for g in _escalation_groups() if g.case_id == j.case_id]  # type: ignore[attr-defined]
    assert [g.about for g in groups] == [["Not met at the gate: went with family or friends"]]  # type: ignore[attr-defined]
    board = StaffSession(j.stack, "coordinator-0001", "coordinator").web("GET", "/")
    assert board.status == 200
    assert "Not met at the gate: went with family or friends" in board.body
    # Urgent: among the cases needing attention at once, not after a week, and before the rest.
    attention = board.body.split('data-testid="attention"', 1)[1].split("</ul>", 1)[0]
    assert "Not met at the gate: went with family or friends" in attention
    page = StaffSession(j.stack, "mentor-0001", "mentor").web("GET", f"/cases/{j.case_id}")
    assert "Went with family or friends" in page.body and "Waited an hour" in page.body

    j.check_ins(1)  # with contact made: the client has been found
    state = j.view()
    assert "not_met_at_gate" not in state["open_escalations"]
    resolved = next(e for e in state["timeline"] if e["kind"] == "escalation_resolved")
    assert (resolved["detail"]["reason"], resolved["actor"]) == ("not_met_at_gate", "mentor:mentor-0001")


def test_not_met_needs_what_happened_and_something_else_needs_the_details(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium")
    j.to_readiness()
    j.readiness()
    base = {"met_at_gate": False, **ALL_DONE}
    j.advance(days=3)
    path = f"/cases/{j.case_id}/release-day"
    refused = j.mentor.post(path, base)
    assert refused.status == 422
    assert refused.body["fields"] == [
        {"field": "not_met_reason", "message": "Say what happened when the client was not met at the gate"}
    ]
    refused = j.mentor.post(path, {**base, "not_met_reason": "other"})
    assert [f["field"] for f in refused.body["fields"]] == ["not_met_details"]
    assert j.view()["open_escalations"] == [] and j.view()["stage"] != "post_release"
    j.ok(j.mentor.post(path, {**base, "not_met_reason": "other", "not_met_details": "Phoned his sister"}))
    assert j.view()["release_day"]["not_met_details"] == "Phoned his sister"


def test_the_route_check_is_required_when_the_assessment_found_a_gangs_need(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="medium", gangs_peers="medium")
    state = j.view()
    assert state["route_check"] == "the assessment found a medium need in gangs, peers and safety"
    j.to_readiness()
    j.readiness()
    j.advance_to(datetime.combine(j.release_on(), datetime.min.time(), UTC) + timedelta(hours=9))
    answer = j.mentor.post(f"/cases/{j.case_id}/release-day", {"met_at_gate": True, **ALL_DONE})
    assert answer.status == 422
    assert answer.body["fields"] == [
        {
            "field": "route_safety_checked",
            "message": "Select whether the route from the gate was safety-checked: this client needs the check",
        }
    ]
    j.release_day(route_safety_checked=True)
    answers = dict(map(tuple, j.view()["release_day"]["answers"]))
    assert answers["Route safety check"] is True


def test_the_release_pack_shows_the_day_for_those_who_work_the_case(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=11)  # Friday 12 March 2027: the weekend follows
    j.assess_and_match(accommodation="medium", finance_id="low", licence="low")
    j.to_readiness()
    j.readiness()
    path = f"/cases/{j.case_id}/release-pack"
    pack = StaffSession(j.stack, "mentor-0001", "mentor").web("GET", path)
    assert pack.status == 200
    body = pack.body
    assert "Testy Example: release day 12 March 2027" in body
    assert "Friday 12 March 2027: services are closed from Saturday 13 March to Sunday 14 March" in body
    assert "020 7946 0123" in body and "Mentor One" in body
    assert "Confirmed at the readiness review" in body
    assert "Start a Universal Credit claim and book the advance appointment" in body
    assert "At the gate of HMP Brixton" in body
    assert "Booked (readiness review)" in body
    # Once its date and time are recorded, the appointment says it, and no status beside it.
    booked = {"kind": "probation", "on": "2027-03-12", "at": "14:00"}
    j.ok(j.mentor.post(f"/cases/{j.case_id}/appointments", booked))
    body = StaffSession(j.stack, "mentor-0001", "mentor").web("GET", path).body
    assert body.count("First probation appointment") == 1
    assert "12 March 2027 at 2pm" in body and "Booked (readiness review)" not in body
    assert StaffSession(j.stack, "manager-0001", "manager").web("GET", path).status == 403
    assert StaffSession(j.stack, "mentor-0002", "mentor").web("GET", path).status == 404


def test_a_client_who_did_not_come_out_is_not_released_and_the_gate_waits_for_the_day_they_do(
    journey: Journey,
) -> None:
    j = journey
    path = _at_the_gate(j)
    # Not met, the checklist is not asked: the mentor cannot know what the client came out with.
    j.ok(j.mentor.post(path, {"met_at_gate": False, "not_met_reason": "not_released"}))

    state = j.view()
    assert state["stage"] == "release_day"  # not post-release: nobody came out
    assert state["waiting_for"] == "release_day"
    assert state["first_released_on"] is None
    assert [e["text"] for e in state["escalations"]] == [
        "Not met at the gate: did not come out (not released that day)"
    ]
    assert "not_released" in [e["kind"] for e in state["timeline"]]
    told = [n for n in j.stack.read_outbox() if n["kind"] == "escalation"]
    assert [n["detail"]["subject"] for n in told] == ["not_released"]

    # Out the next day and met: released, and the escalation has its answer.
    j.advance(days=1)
    j.ok(j.mentor.post(path, {"met_at_gate": True, **ALL_DONE}))
    state = j.view()
    assert state["stage"] == "post_release"
    assert state["first_released_on"] is not None
    assert state["open_escalations"] == []


def test_met_at_the_gate_each_check_needs_an_answer_and_not_met_none_is_kept(journey: Journey) -> None:
    j = journey
    path = _at_the_gate(j)
    refused = j.mentor.post(path, {"met_at_gate": True, **{**ALL_DONE, "phone": None}})
    assert refused.status == 422
    assert [f["field"] for f in refused.body["fields"]] == ["phone"]
    j.ok(j.mentor.post(path, {"met_at_gate": False, "not_met_reason": "not_found", "phone": True}))
    state = j.view()
    assert state["stage"] == "post_release"
    # Only the one answer the mentor could give: nothing recorded as "no" that nobody could know.
    assert state["release_day"]["answers"] == [["Met at the gate", False]]


def test_met_without_id_or_medication_tells_the_coordinators_at_once(journey: Journey) -> None:
    j = journey
    path = _at_the_gate(j)
    j.stack.read_outbox()
    gaps = {**ALL_DONE, "medication": False, "id_and_bank_card": False, "phone": False}
    j.ok(j.mentor.post(path, {"met_at_gate": True, **gaps}))
    state = j.view()
    assert state["stage"] == "post_release"
    raised = [e for e in state["escalations"] if e["reason"] == "released_without"]
    assert [e["text"] for e in raised] == [
        "Released without: ID and a bank card, their prescription and medication"
    ], "a phone is not an essential: it raises nothing"
    told = [n for n in j.stack.read_outbox() if n["kind"] == "escalation"]
    assert [(n["detail"]["reason"], n["to"]) for n in told] == [("released_without", "coordinator-0001")]
    assert told[0]["subject"] == "A client left prison without ID or medication"
    board = StaffSession(j.stack, "coordinator-0001", "coordinator").web("GET", "/")
    attention = board.body.split('data-testid="attention"', 1)[1].split("</ul>", 1)[0]
    assert "Released without: ID and a bank card" in attention, "urgent: on the list at once"


def test_met_with_everything_raises_nothing(journey: Journey) -> None:
    j = journey
    path = _at_the_gate(j)
    j.ok(j.mentor.post(path, {"met_at_gate": True, **ALL_DONE}))
    assert j.view()["open_escalations"] == []
