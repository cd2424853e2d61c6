"""From client to mentor on the local stack: a closed case records the wish to give back; the
person's own consent opens a pathway linked to the case; it moves through its stages against the
readiness criteria (refused in words while one is not met); reaching active mentor is counted on
the outcomes; it outlives the case's erasure without the case's personal data; withdrawal ends it
and deletes its personal values."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.journey import Journey, referral
from throughgate.domain.schedule import add_months
from throughgate_local.stack import LocalStack

CHOSEN_NAME = "Sentinel Pathwayname"


def _closed(j: Journey, **answers: Any) -> None:
    j.released()
    j.check_ins()
    j.handover(**answers)
    assert j.view()["stage"] == "closed"


def _open(j: Journey, **body: Any) -> str:
    consent = {
        "consent_given": True,
        "consent_on": j.stack.clock.now().date().isoformat(),
        "consent_how": "in_person",
        "display_name": CHOSEN_NAME,
        "note": "Wants to help people coming out of Brixton",
        **body,
    }
    response = j.ok(j.coordinator.post(f"/cases/{j.case_id}/pathway", consent))
    return str(response.body["pathway_id"])


def _move(j: Journey, pathway_id: str, to: str, **checks: bool) -> Any:
    body = {"to": to, "on": j.stack.clock.now().date().isoformat(), "checks": checks}
    return j.coordinator.post(f"/pathways/{pathway_id}/moves", body)


def _pathway(j: Journey, pathway_id: str) -> dict[str, Any]:
    return j.ok(j.coordinator.get(f"/pathways/{pathway_id}")).body


def _released_on(j: Journey) -> date:
    return date.fromisoformat(j.view()["first_released_on"])


def test_a_closed_case_opens_a_pathway_with_consent_and_it_reaches_active_mentor(journey: Journey) -> None:
    j = journey
    _closed(j, gives_back="yes")
    state = j.view()
    assert (state["gives_back"], state["pathway_id"], state["pathway_can_open"]) == ("Yes", None, True)

    refused = j.coordinator.post(
        f"/cases/{j.case_id}/pathway",
        {"consent_given": False, "consent_on": "2027-06-01", "consent_how": "phone", "display_name": "Sam"},
    )
    assert refused.status == 422 and refused.body["fields"][0]["field"] == "consent_given", refused
    assert "own consent" in refused.body["message"]

    pathway_id = _open(j)
    again = j.coordinator.post(
        f"/cases/{j.case_id}/pathway",
        {"consent_given": True, "consent_on": "2027-06-01", "consent_how": "phone", "display_name": "Sam"},
    )
    assert again.status == 409, "one pathway per case"
    assert j.view()["pathway_id"] == pathway_id
    assert _pathway(j, pathway_id)["stage"] == "interested"

    # Training: its criteria are advisory, so a move before 6 months since release goes ahead.
    assert _move(j, pathway_id, "training").status == 200
    # Shadowing needs 12 months since release: refused, with the day it opens, in words.
    early = _move(j, pathway_id, "shadowing", training_completed=True, licence_allows=True)
    opens = add_months(_released_on(j), 12)
    assert early.status == 422, early
    assert f"not until {opens.day} {opens:%B %Y}" in early.body["message"]
    assert early.body["fields"][0]["field"] == "on"

    j.advance_to(datetime.combine(opens, datetime.min.time(), UTC) + timedelta(hours=10))
    unchecked = _move(j, pathway_id, "shadowing", training_completed=True)
    assert unchecked.status == 422 and "licence condition" in unchecked.body["message"], unchecked
    assert unchecked.body["fields"][0]["field"] == "checks.licence_allows"
    assert _move(j, pathway_id, "shadowing", training_completed=True, licence_allows=True).status == 200
    retried = _move(j, pathway_id, "shadowing", training_completed=True, licence_allows=True)
    assert (retried.status, retried.body["stage"]) == (200, "shadowing"), "a retry of the same move"

    assert _move(j, pathway_id, "active_mentor", shadowing_signed_off=True, licence_allows=True).status == 200
    record = _pathway(j, pathway_id)
    assert record["stage"] == "active_mentor"
    assert [m["stage"] for m in record["moves"]] == ["interested", "training", "shadowing", "active_mentor"]
    assert record["became_mentor_on"] == j.stack.clock.now().date().isoformat()
    j.advance(days=1)
    assert _move(j, pathway_id, "active_mentor").status == 422, "nothing comes after active mentor"
    from tests.trust.conftest import StaffSession

    account = StaffSession(j.stack, "coordinator-0001", "coordinator").web(
        "GET", f"/staff/new?pathway={pathway_id}"
    )
    assert account.status == 200
    assert f'value="{CHOSEN_NAME}"' in account.body, "the staff form starts with the name they chose"
    assert re.search(r'value="mentor"\s+checked', account.body), "as a mentor"

    figures = j.ok(j.coordinator.get("/outcomes?from=2027-01-01&to=2027-12-31")).body
    assert figures["peer_mentors"] == {
        "became_mentors": 1,
        "on_the_pathway": {"interested": 0, "training": 0, "shadowing": 0},
    }


def test_a_pathway_opens_only_on_a_case_closed_after_its_support(journey: Journey) -> None:
    j = journey
    j.released()
    body = {"consent_given": True, "consent_on": "2027-03-01", "consent_how": "phone", "display_name": "Sam"}
    early = j.coordinator.post(f"/cases/{j.case_id}/pathway", body)
    assert early.status == 422 and "once the case has closed" in early.body["message"], early


def _pathway_items(stack: LocalStack) -> list[dict[str, Any]]:
    table = stack.client("dynamodb")
    from throughgate.config import settings

    found = table.query(
        TableName=settings().table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "PATHWAYS"}},
    )
    return list(found["Items"])


def test_erasing_the_closed_case_leaves_the_pathway_working_without_the_case_personal_data(
    journey: Journey,
) -> None:
    j = journey
    _closed(j, gives_back="yes")
    pathway_id = _open(j)
    client = referral()["client"]
    j.ok(
        j.coordinator.post(
            f"/cases/{j.case_id}/erasure", {"reason": "subject_request", "confirm_case_id": j.case_id}
        )
    )
    assert j.coordinator.get(f"/cases/{j.case_id}").status == 404

    record = _pathway(j, pathway_id)
    assert (record["case"], record["case_id"], record["display_name"]) == ("erased", j.case_id, CHOSEN_NAME)
    assert _move(j, pathway_id, "training").status == 200, "the pathway still works"
    held = json.dumps(_pathway_items(j.stack)) + json.dumps(_pathway(j, pathway_id))
    for value in (
        client["given_name"],
        client["family_name"],
        client["prison_number"],
        client["date_of_birth"],
    ):
        assert value not in held, "the pathway keeps nothing of the case's personal data"


def test_withdrawal_ends_the_pathway_and_deletes_its_personal_values(journey: Journey) -> None:
    j = journey
    _closed(j)
    pathway_id = _open(j)
    assert _move(j, pathway_id, "training").status == 200
    assert _move(j, pathway_id, "withdrawn").status == 200

    record = _pathway(j, pathway_id)
    assert record["stage"] == "withdrawn"
    assert record["display_name"] == ""
    assert all(m["note"] == "" for m in record["moves"])
    held = json.dumps(_pathway_items(j.stack))
    assert CHOSEN_NAME not in held and "Brixton" not in held
    assert _move(j, pathway_id, "shadowing").status == 422, "a withdrawn pathway moves no further"
    from throughgate.handlers.auditing import pathway_audit_key
    from throughgate.store.audit import AuditLog

    # At one moment of the virtual clock the entries' order is not kept: compared as counts.
    trail = Counter((e.action, e.outcome) for e in AuditLog().trail(pathway_audit_key(pathway_id)))
    assert trail == {
        ("POST /pathways/{pathway_id}/moves", 200): 2,
        ("GET /pathways/{pathway_id}", 200): 1,
        ("POST /pathways/{pathway_id}/moves", 422): 1,  # a refusal is audited too
    }
    case_trail = [e.action for e in AuditLog().trail(j.case_id)]
    assert "POST /cases/{case_id}/pathway" in case_trail, "the opening is on the case's trail"
    figures = j.ok(j.coordinator.get("/outcomes?from=2027-01-01&to=2027-12-31")).body
    assert figures["peer_mentors"]["on_the_pathway"] == {"interested": 0, "training": 0, "shadowing": 0}


def test_a_consent_dated_tomorrow_is_refused_on_its_field(journey: Journey) -> None:
    j = journey
    _closed(j)
    tomorrow = (j.stack.clock.now() + timedelta(days=1)).date().isoformat()
    body = {"consent_given": True, "consent_on": tomorrow, "consent_how": "phone", "display_name": "Sam"}
    refused = j.coordinator.post(f"/cases/{j.case_id}/pathway", body)
    assert refused.status == 422 and refused.body["fields"][0]["field"] == "consent_on", refused
    assert refused.body["message"] == "The date they agreed must be today or in the past"
