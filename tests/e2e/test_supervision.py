"""Issue 18 item 5 on the local stack: the 14-day no-contact flag, supervision sessions, and a case
reassigned to another mentor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.journey import Journey
from throughgate.domain.case_steps import Role
from throughgate.logic.ports import Actor
from throughgate_local.api_client import ApiClient
from throughgate_local.mentors import enrolled

pytestmark = pytest.mark.e2e

COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
MENTOR = Actor("mentor-0001", Role.MENTOR)
SECOND = {
    "mentor_id": "mentor-0002",
    "display_name": "Mentor Two",
    "gender": "male",
    "boroughs": ["Lambeth"],
    "capacity": 3,
    "lived_experience": ["health"],
    "linked_areas": [],
}


def _board(actor: Actor) -> Any:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.dashboards import dashboard

    return dashboard(aws_deps(), actor)


def _attention(case_id: str) -> list[str]:
    return [r.words for a in _board(COORDINATOR).attention if a.case_id == case_id for r in a.reasons]


def _no_contact_days(case_id: str) -> int | None:
    return next(w.no_contact_days for w in _board(MENTOR).clients if w.case.case_id == case_id)


def _mentor(j: Journey, mentor_id: str) -> Any:
    from throughgate.adapters.aws import aws_deps

    return aws_deps().store.get_mentor(mentor_id)


def _log_contact(j: Journey, client: ApiClient, on: date, made: bool = True) -> None:
    body = {"on": on.isoformat(), "method": "phone", "made": made, "minutes": 10}
    j.ok(client.post(f"/cases/{j.case_id}/contacts", body))


def test_the_no_contact_flag_appears_after_14_days_and_clears_when_a_contact_is_logged(
    journey: Journey,
) -> None:
    j = journey
    j.released(days=10)
    released_on = j.stack.clock.now().date()
    j.advance(days=14)
    # Check-ins fell due and were missed: a missed check-in is no contact.
    assert not any(w.startswith("No contact") for w in _attention(j.case_id))
    assert _no_contact_days(j.case_id) is None, "14 days is not more than 14"
    j.advance(days=2)
    assert (j.stack.clock.now().date() - released_on).days == 16
    assert "No contact for 16 days" in _attention(j.case_id)
    assert _no_contact_days(j.case_id) == 16
    # An attempt that did not reach the client is not contact.
    _log_contact(j, j.mentor, j.stack.clock.now().date(), made=False)
    assert "No contact for 16 days" in _attention(j.case_id)
    _log_contact(j, j.mentor, j.stack.clock.now().date() - timedelta(days=1))
    assert not any(w.startswith("No contact") for w in _attention(j.case_id))
    assert _no_contact_days(j.case_id) is None


def test_a_check_in_with_contact_is_contact(journey: Journey) -> None:
    j = journey
    j.released(days=10)
    assert j.check_ins(1) == 1
    last = j.stack.clock.now().date()
    j.advance_to(j.stack.clock.now() + timedelta(days=15))
    days = (j.stack.clock.now().date() - last).days
    assert f"No contact for {days} days" in _attention(j.case_id)


def test_before_release_no_flag_is_raised(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=60)
    j.assess_and_match()
    j.advance(days=30)
    assert not any(w.startswith("No contact") for w in _attention(j.case_id))


def test_a_supervision_is_recorded_and_an_overdue_one_is_on_the_coordinators_dashboard(
    journey: Journey,
) -> None:
    j = journey
    j.refer_and_consent(days=60)
    j.assess_and_match()  # mentor-0001 has a caseload now, and no supervision yet
    overdue = {m.mentor_id: due for m, due in _board(COORDINATOR).supervision}
    assert overdue["mentor-0001"].words(j.stack.clock.now().date()) == "No supervision recorded"

    today = j.stack.clock.now().date()
    body = {"held_on": today.isoformat(), "note": "Talked about boundaries with clients"}
    saved = j.ok(
        j.coordinator.post("/mentors/mentor-0001/supervision", body, idempotency_key="sup-key-00001")
    )
    assert saved.body["next_due_on"] == (today + timedelta(days=28)).isoformat()
    again = j.coordinator.post("/mentors/mentor-0001/supervision", body, idempotency_key="sup-key-00001")
    assert again.status == 200 and again.body.get("replayed") is True
    from throughgate.adapters.aws import aws_deps

    assert len(aws_deps().store.supervisions("mentor-0001")) == 1, "a retry saves nothing twice"
    j.stack.cognito.seed_staff_records({}, j.stack.clock.now())  # the demo coordinator's name
    from tests.trust.conftest import StaffSession

    record = StaffSession(j.stack, "coordinator-0001", "coordinator").web(
        "GET", "/mentors/mentor-0001/supervision"
    )
    assert "Coordinator 0001" in record.body and "coordinator-0001</dd>" not in record.body, "by name"
    assert "mentor-0001" not in {m.mentor_id for m, _ in _board(COORDINATOR).supervision}

    j.advance(days=29)
    overdue = {m.mentor_id: due for m, due in _board(COORDINATOR).supervision}
    assert overdue["mentor-0001"].due_on == today + timedelta(days=28)


def test_only_coordinators_record_supervision_and_a_mentor_reads_only_their_own(journey: Journey) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.errors import NotFound
    from throughgate.logic.supervision import supervision_record

    j = journey
    assert enrolled(j.coordinator, SECOND)
    body = {"held_on": j.stack.clock.now().date().isoformat(), "note": "A note"}
    assert j.mentor.post("/mentors/mentor-0001/supervision", body).status == 403
    assert j.mentor.post("/mentors/mentor-0002/supervision", body).status == 404
    manager = ApiClient(j.stack, "manager-0001", "manager")
    assert manager.post("/mentors/mentor-0001/supervision", body).status == 403
    assert supervision_record(aws_deps(), MENTOR, "mentor-0001").mentor.mentor_id == "mentor-0001"
    with pytest.raises(NotFound):
        supervision_record(aws_deps(), MENTOR, "mentor-0002")
    j.ok(j.coordinator.post("/mentors/mentor-0001/supervision", body))
    as_manager = supervision_record(aws_deps(), Actor("manager-0001", Role.MANAGER), "mentor-0001")
    assert [s.note for s in as_manager.sessions] == [""], "a manager reads the dates, not the notes"


def test_a_future_supervision_date_is_refused_in_words(journey: Journey) -> None:
    j = journey
    tomorrow = j.stack.clock.now().date() + timedelta(days=1)
    response = j.coordinator.post(
        "/mentors/mentor-0001/supervision", {"held_on": tomorrow.isoformat(), "note": "x"}
    )
    assert response.status == 422
    assert response.body["fields"] == [
        {"field": "held_on", "message": "The date of the supervision must be today or in the past"}
    ]


def test_reassigning_moves_the_case_access_and_the_caseload_counts(journey: Journey) -> None:
    j = journey
    assert enrolled(j.coordinator, SECOND)
    j.released(days=10)
    j.advance(days=20)
    assert _no_contact_days(j.case_id) is not None
    before = (_mentor(j, "mentor-0001").active_cases, _mentor(j, "mentor-0002").active_cases)
    stage = j.view()["stage"]
    body = {"mentor_id": "mentor-0002", "reason": "Mentor One is on leave", "handover_note": "Prefers calls"}
    saved = j.ok(j.coordinator.post(f"/cases/{j.case_id}/reassign", body))
    assert saved.body["mentor_id"] == "mentor-0002"
    after = (_mentor(j, "mentor-0001").active_cases, _mentor(j, "mentor-0002").active_cases)
    assert after == (before[0] - 1, before[1] + 1)
    view = j.view()
    assert view["stage"] == stage and view["mentor_id"] == "mentor-0002", "the workflow is not moved"
    assert view["handover_note"]["note"] == "Prefers calls"
    assert view["handover_note"]["previous_mentor"] == "Mentor One"
    moved = [e for e in view["timeline"] if e["kind"] == "mentor_reassigned"]
    assert [e["text"] for e in moved] == [
        "A coordinator (coordinator-0001) moved the case to Mentor Two from Mentor One"
    ]
    assert moved[0]["detail"] == {"mentor_id": "mentor-0002", "previous_mentor_id": "mentor-0001"}, "ids only"
    # The old mentor loses access at once; the new one has it.
    assert j.mentor.get(f"/cases/{j.case_id}").status == 404
    second = ApiClient(j.stack, "mentor-0002", "mentor")
    assert second.get(f"/cases/{j.case_id}").status == 200
    # A new pair starts counting: the new mentor is not flagged for the old one's gap.
    assert not any(w.startswith("No contact") for w in _attention(j.case_id))
    # The new mentor is told, in the catalogue's words, with no client name.
    j.stack.clock.settle()
    notes = second.get("/notifications").body["notifications"]
    assert [n["subject"] for n in notes if n["kind"] == "assigned"] == ["You have a new client"]


def test_a_case_cannot_be_reassigned_to_its_own_mentor_or_without_a_mentor(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=60)
    body = {"mentor_id": "mentor-0001", "reason": "A reason"}
    refused = j.coordinator.post(f"/cases/{j.case_id}/reassign", body)
    assert refused.status in (400, 422) and "no mentor yet" in refused.body["message"]
    j.assess_and_match()
    same = j.coordinator.post(f"/cases/{j.case_id}/reassign", body)
    assert same.body["fields"] == [
        {"field": "mentor_id", "message": "Select a different mentor: this one has the case now"}
    ]
    assert j.mentor.post(f"/cases/{j.case_id}/reassign", body).status == 403


def _weekly(j: Journey) -> list[dict[str, Any]]:
    return [n for n in j.coordinator.get("/notifications").body["notifications"] if n["kind"] == "weekly"]


def test_the_weekly_check_goes_to_the_coordinators_once_a_week_with_counts_only(journey: Journey) -> None:
    j = journey
    j.released(days=10)  # released on Thursday 11 March 2027; nobody logs a contact after
    j.advance_to(datetime(2027, 3, 29, 8, tzinfo=UTC))  # a Monday: 18 days without contact
    sent = j.stack.run_daily_sweep()
    assert sent["weekly_check"] >= 1
    weekly = _weekly(j)
    assert len(weekly) == 1
    assert weekly[0]["subject"] == "This week's contact and supervision check"
    assert weekly[0]["body"] == (
        "As of 29 March 2027: 1 mentor-client pair with no recorded contact for more than 14 days, "
        "and 1 supervision overdue. The dashboard lists each one."
    )
    assert weekly[0]["link"] == "/"
    # The sweep again that day, and on the days after: nothing twice.
    assert j.stack.run_daily_sweep()["weekly_check"] == 0
    for _day in range(6):
        j.advance(days=1)
        assert j.stack.run_daily_sweep()["weekly_check"] == 0
    assert len(_weekly(j)) == 1
    j.advance(days=1)  # Monday 5 April
    assert j.stack.run_daily_sweep()["weekly_check"] >= 1
    assert len(_weekly(j)) == 2


def test_a_missed_check_day_is_made_up_by_the_next_sweep_and_an_empty_week_sends_nothing(
    journey: Journey,
) -> None:
    j = journey
    j.advance_to(datetime(2027, 3, 9, 8, tzinfo=UTC))  # a Tuesday: Monday's sweep did not run
    assert j.stack.run_daily_sweep()["weekly_check"] == 0, (
        "no pair, no mentor with a caseload: nothing to say"
    )
    j.refer_and_consent(days=60)
    j.assess_and_match()  # mentor-0001 has a caseload, and no supervision
    j.advance_to(datetime(2027, 3, 16, 8, tzinfo=UTC))  # the next Tuesday
    assert j.stack.run_daily_sweep()["weekly_check"] >= 1
    assert "0 mentor-client pairs" in _weekly(j)[0]["body"]
    assert "1 supervision overdue" in _weekly(j)[0]["body"]


def test_supervision_is_audited_in_the_mentors_own_trail(journey: Journey) -> None:
    from throughgate.store.audit import AuditLog

    j = journey
    body = {"held_on": j.stack.clock.now().date().isoformat(), "note": "A note"}
    j.ok(j.coordinator.post("/mentors/mentor-0001/supervision", body))
    assert j.mentor.post("/mentors/mentor-0001/supervision", body).status == 403
    trail = {  # the mentor's trail also holds their enrolment (profile and checks)
        (e.actor, e.action, e.outcome)
        for e in AuditLog().trail("MENTOR#mentor-0001")
        if "/supervision" in e.action
    }
    assert trail == {
        ("coordinator:coordinator-0001", "POST /mentors/{mentor_id}/supervision", 200),
        ("mentor:mentor-0001", "POST /mentors/{mentor_id}/supervision", 403),
    }
    assert not any("A note" in e.action for e in AuditLog().trail("MENTOR#mentor-0001"))
