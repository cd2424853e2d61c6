"""Mentors' records through the local stack: a lapsed check takes a mentor out of the suggestions
with the reason in words, a renewed one brings them back; leave, clearance and conditions do the
same; a mentor reads their own record only; each change is audited with the record (synthetic data)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.journey import START, Journey, needs
from throughgate_local.api_client import ApiClient
from throughgate_local.mentors import enrolled, profile

TODAY = START.date()  # 1 March 2027


def _suggestions(journey: Journey) -> tuple[list[str], dict[str, list[str]]]:
    body = journey.ok(journey.coordinator.get(f"/cases/{journey.case_id}/mentor-suggestions")).body
    return [s["mentor_id"] for s in body["suggestions"]], {
        e["mentor_id"]: e["reasons"] for e in body["excluded"]
    }


def _check(journey: Journey, mentor_id: str, **body: Any) -> Any:
    return journey.coordinator.post(f"/mentors/{mentor_id}/checks", body)


def test_a_lapsed_check_excludes_and_a_renewed_one_brings_the_mentor_back(journey: Journey) -> None:
    journey.refer_and_consent(days=30)
    assert _suggestions(journey) == (["mentor-0001"], {})

    lapsing = _check(
        journey,
        "mentor-0001",
        kind="criminal_records",
        checked_on=TODAY.isoformat(),
        expires_on=(TODAY + timedelta(days=1)).isoformat(),  # its first day out of date is tomorrow
        level="enhanced",
    )
    assert lapsing.status == 201, lapsing
    assert _suggestions(journey) == (["mentor-0001"], {})
    journey.advance(days=1)
    assert _suggestions(journey) == ([], {"mentor-0001": ["Criminal records check lapsed on 2 March 2027"]})

    renewed = _check(
        journey, "mentor-0001", kind="criminal_records", checked_on=TODAY.isoformat(), level="enhanced"
    )
    assert renewed.status == 201
    assert (
        renewed.body["expires_on"] == (TODAY + timedelta(days=1095)).isoformat()
    )  # the catalogue's validity
    assert _suggestions(journey) == (["mentor-0001"], {})


def test_leave_clearance_and_conditions_exclude_with_reasons(journey: Journey) -> None:
    coordinator = journey.coordinator
    on_leave = {
        "mentor_id": "mentor-0002",
        **profile(
            "Mentor Two", availability="on_leave", on_leave_until=(TODAY + timedelta(days=5)).isoformat()
        ),
    }
    assert enrolled(coordinator, on_leave)
    assert enrolled(coordinator, {"mentor_id": "mentor-0003", **profile("Mentor Three")})
    assert enrolled(coordinator, {"mentor_id": "mentor-0004", **profile("Mentor Four")})
    # Mentor Three's clearances: Wandsworth only, so not for this client's prison (Brixton).
    three = {**profile("Mentor Three"), "clearances": [{"prison": "WWI", "expires_on": "2028-01-01"}]}
    assert coordinator.put("/mentors/mentor-0003", three).status == 200
    # Mentor Four is cleared with a condition keeping them from the client's borough.
    conditional = _check(
        journey,
        "mentor-0004",
        kind="criminal_records",
        checked_on=TODAY.isoformat(),
        level="enhanced_barred",
        outcome="cleared_with_conditions",
        conditions="Keep away from Southwark (synthetic)",
        avoid_areas=["Southwark"],
    )
    assert conditional.status == 201, conditional

    journey.refer_and_consent(days=30)
    suggested, excluded = _suggestions(journey)
    assert suggested == ["mentor-0001"]
    assert excluded == {
        "mentor-0002": ["On leave until 6 March 2027"],
        "mentor-0003": ["Not cleared for HMP Brixton before release"],
        "mentor-0004": ["Must not be linked to a client from this client's area"],
    }
    assert "Southwark" not in str(excluded)  # a reason names no personal value

    # Leave ends by itself: the day after its last day the mentor is offered again.
    journey.advance(days=6)
    assert "mentor-0002" in _suggestions(journey)[0]


def test_an_override_cannot_choose_a_mentor_the_record_rules_exclude(journey: Journey) -> None:
    journey.refer_and_consent(days=30)
    journey.ok(journey.coordinator.post(f"/cases/{journey.case_id}/assessment", needs()))
    assert _check(
        journey, "mentor-0001", kind="safeguarding", checked_on=TODAY.isoformat(), outcome="not_cleared"
    ).status
    refused = journey.coordinator.post(
        f"/cases/{journey.case_id}/mentor",
        {"mentor_id": "mentor-0001", "override_reason": "They know the client"},
    )
    assert refused.status == 422
    assert refused.body["fields"] == [
        {"field": "mentor_id", "message": "Select another mentor: Safeguarding training: not cleared"}
    ]


def test_a_mentor_reads_their_own_record_only(journey: Journey) -> None:
    assert enrolled(journey.coordinator, {"mentor_id": "mentor-0002", **profile("Mentor Two")})
    own = journey.mentor.get("/mentors/mentor-0001")
    assert own.status == 200
    assert own.body["display_name"] == "Mentor One"
    assert own.body["missing_or_lapsed"] == []
    other = journey.mentor.get("/mentors/mentor-0002")
    unknown = journey.mentor.get("/mentors/mentor-9999")
    assert (other.status, other.body) == (unknown.status, unknown.body) == (404, other.body)
    assert journey.mentor.post("/mentors/mentor-0001/checks", {"kind": "references"}).status == 403
    manager = ApiClient(journey.stack, "manager-0001", "manager")
    assert manager.get("/mentors/mentor-0002").status == 200
    assert manager.put("/mentors/mentor-0002", profile("Mentor Two")).status == 403


def test_changes_to_a_record_are_audited_with_it(journey: Journey) -> None:
    from throughgate.store.audit import AuditLog  # the stack's settings are in place by now

    training = {"attended_on": "2027-02-20", "title": "Safeguarding adults", "hours": 3.5}
    assert journey.coordinator.post("/mentors/mentor-0001/training", training).status == 201
    record = journey.ok(journey.coordinator.get("/mentors/mentor-0001")).body
    assert record["training_hours"] == 3.5
    actions = [(e.actor, e.action, e.outcome) for e in AuditLog().trail("MENTOR#mentor-0001")]
    assert ("coordinator:coordinator-0001", "POST /mentors/{mentor_id}/training", 200) in actions
    assert ("coordinator:coordinator-0001", "PUT /mentors/{mentor_id}", 200) in actions
    assert ("coordinator:coordinator-0001", "GET /mentors/{mentor_id}", 200) in actions


def test_bad_record_input_is_refused_in_words(journey: Journey) -> None:
    unknown_kind = _check(journey, "mentor-0001", kind="tarot", checked_on="2027-02-01")
    assert (unknown_kind.status, unknown_kind.body["message"]) == (422, "Select the kind of check")
    no_conditions = _check(
        journey, "mentor-0001", kind="references", checked_on="2027-02-01", outcome="cleared_with_conditions"
    )
    assert no_conditions.body["fields"] == [
        {"field": "conditions", "message": "Enter the conditions the mentor was cleared with"}
    ]
    future = _check(journey, "mentor-0001", kind="references", checked_on=(date(2027, 3, 2)).isoformat())
    assert future.status == 422
    leave = journey.coordinator.put("/mentors/mentor-0001", profile("Mentor One", availability="on_leave"))
    assert leave.body["fields"] == [{"field": "on_leave_until", "message": "Enter the last day of the leave"}]
