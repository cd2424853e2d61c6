"""Everything said about the case is where it belongs: the contact log, the notes typed into the
assessment, readiness review and check-ins, and a task's history, on the case's own view."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.journey import AREAS, Journey

pytestmark = pytest.mark.e2e


def _contact(journey: Journey, **fields: object) -> dict[str, object]:
    today = journey.stack.clock.now().date()
    return {
        "on": today.isoformat(),
        "method": "phone",
        "made": True,
        "minutes": 20,
        "areas": ["accommodation", "health"],
        "note": "Talked through the hostel move; GP letter to follow",
        **fields,
    }


def test_a_contact_is_logged_by_the_mentor_and_shown_with_its_note(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    j.assess_and_match(accommodation="high")
    logged = j.mentor.post(f"/cases/{j.case_id}/contacts", _contact(j))
    assert logged.status == 200, logged
    state = j.view()
    (contact,) = state["contacts"]
    assert contact["method"] == "Phone"
    assert contact["areas"] == ["Accommodation", "Health (physical and mental)"]
    assert contact["note"] == "Talked through the hostel move; GP letter to follow"
    assert contact["by"] == "mentor:mentor-0001"
    event = next(e for e in state["timeline"] if e["kind"] == "contact_logged")
    assert event["detail"] == {"method": "phone", "made": "true"}, "the timeline names no note"


def test_a_contact_in_the_future_or_before_the_referral_is_refused_with_the_field(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    today = j.stack.clock.now().date()
    for day in (today + timedelta(days=1), today - timedelta(days=3)):
        refused = j.coordinator.post(f"/cases/{j.case_id}/contacts", _contact(j, on=day.isoformat()))
        assert refused.status == 422, refused
        assert refused.body["fields"][0]["field"] == "on"
    bad_minutes = j.coordinator.post(f"/cases/{j.case_id}/contacts", _contact(j, minutes=0))
    assert bad_minutes.status == 422 and bad_minutes.body["fields"][0]["field"] == "minutes"
    assert j.view()["contacts"] == []


def test_a_manager_cannot_log_a_contact(journey: Journey) -> None:
    from throughgate_local.api_client import ApiClient

    j = journey
    j.refer_and_consent(days=30)
    manager = ApiClient(j.stack, "manager-0001", "manager")
    assert manager.post(f"/cases/{j.case_id}/contacts", _contact(j)).status == 403
    assert j.view()["contacts"] == []


def test_the_notes_typed_into_the_forms_are_on_the_case(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=10)
    needs = {"needs": {a: {"level": "none"} for a in AREAS}}
    needs["needs"]["accommodation"] = {"level": "high", "notes": "Sofa-surfing before custody"}
    assert j.coordinator.post(f"/cases/{j.case_id}/assessment", needs).status == 200
    assert j.coordinator.post(f"/cases/{j.case_id}/mentor", {"mentor_id": "mentor-0001"}).status == 200
    j.to_readiness()
    readiness = {
        "accommodation_confirmed": True,
        "id_ready": True,
        "medication_ready": True,
        "probation_appointment_booked": True,
        "notes": "Hostel bed held until 6pm",
    }
    assert j.coordinator.post(f"/cases/{j.case_id}/readiness", readiness).status == 200
    j.release_day()
    j.advance(days=1)
    state = j.view()
    assert state["waiting_for"] == "check_in"
    check_in = {
        "number": state["check_in_number"],
        "contact_made": True,
        "notes": "Settled in, first night ok",
    }
    assert j.mentor.post(f"/cases/{j.case_id}/check-ins", check_in).status == 200

    state = j.view()
    notes = {n["area"]: n["notes"] for n in state["needs"]}
    assert notes["accommodation"] == "Sofa-surfing before custody"
    assert state["readiness"]["notes"] == "Hostel bed held until 6pm"
    done = [c for c in state["check_ins"] if c["status"] == "done"]
    assert done[0]["notes"] == "Settled in, first night ok"
    assert done[0]["contact_made"] is True
