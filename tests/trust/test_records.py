"""Audit, subject access, erasure and retention, through the real handlers on the local stack."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from tests.journey import START, Journey, referral
from tests.trust.conftest import StaffSession
from throughgate.domain.catalogue import load_programme
from throughgate_local.api_client import ApiClient
from throughgate_local.stack import AUDIT_TABLE, TABLE, LocalStack

pytestmark = pytest.mark.trust

PERSONAL = ("Testy", "Example", "1990-05-17", "A0001AA")


def _partition(stack: LocalStack, case_id: str) -> list[str]:
    items = stack.client("dynamodb").query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{case_id}"}},
    )["Items"]
    return [item["sk"]["S"] for item in items]


def _prison_number_reference(stack: LocalStack, prison_number: str) -> dict[str, object] | None:
    from throughgate.store.keys import prison_number_key

    key = {"pk": {"S": prison_number_key(prison_number)}, "sk": {"S": "REF"}}
    return stack.client("dynamodb").get_item(TableName=TABLE, Key=key).get("Item")


def _matched(journey: Journey) -> str:
    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high", health="medium")
    return journey.case_id


def test_every_request_about_a_case_is_audited_without_personal_values(journey: Journey) -> None:
    case_id = _matched(journey)
    stack = journey.stack
    ApiClient(stack, "mentor-0009", "mentor").get(f"/cases/{case_id}")  # someone else's case: 404
    ApiClient(stack, "manager-0001", "manager").post(f"/cases/{case_id}/outcome", {})  # refused: 403
    StaffSession(stack, "coordinator-0001", "coordinator").web("GET", f"/cases/{case_id}")

    trail = journey.coordinator.get(f"/cases/{case_id}/audit")
    assert trail.status == 200
    entries = trail.body["entries"]
    seen = {(e["actor"], e["action"], e["outcome"]) for e in entries}
    assert ("mentor:mentor-0009", "GET /cases/{case_id}", 404) in seen
    assert ("manager:manager-0001", "POST /cases/{case_id}/outcome", 403) in seen
    assert ("coordinator:coordinator-0001", "POST /cases/{case_id}/consent", 200) in seen
    assert ("coordinator:coordinator-0001", "POST /cases/{case_id}/mentor", 200) in seen
    assert ("coordinator:coordinator-0001", "GET /cases/{case_id}", 200) in seen
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)

    stored = json.dumps(stack.client("dynamodb").scan(TableName=AUDIT_TABLE)["Items"])
    assert case_id in stored
    assert not [value for value in PERSONAL if value in stored]


def test_only_coordinators_read_the_audit_trail(journey: Journey) -> None:
    case_id = _matched(journey)
    assert journey.mentor.get(f"/cases/{case_id}/audit").status == 403
    assert ApiClient(journey.stack, "manager-0001", "manager").get(f"/cases/{case_id}/audit").status == 403
    page = StaffSession(journey.stack, "coordinator-0001", "coordinator").web(
        "GET", f"/cases/{case_id}/audit"
    )
    assert page.status == 200
    assert "A coordinator (coordinator-0001)" in page.body  # the API's trail keeps the labels
    assert "Sent the mentor match form" in page.body and "{case_id}" not in page.body


def test_the_audit_store_can_only_add_and_read() -> None:
    from throughgate.store.audit import AuditLog

    public = {name for name in dir(AuditLog) if not name.startswith("_")}
    assert public == {"record", "trail"}


def test_subject_access_export_holds_everything_about_the_client(journey: Journey) -> None:
    case_id = _matched(journey)
    task = journey.view()["tasks"][0]["task_key"]
    body = {"status": "in_progress", "note": "Housing officer called back"}
    assert journey.mentor.post(f"/cases/{case_id}/tasks/{task}", body).status == 200

    export = journey.coordinator.get(f"/cases/{case_id}/export")
    assert export.status == 200
    document = export.body
    client = document["case"]["client"]
    assert (client["given_name"], client["family_name"], client["prison_number"]) == (
        "Testy",
        "Example",
        "A0001AA",
    )
    assert document["case"]["task_token"] is None, "a workflow credential is not personal data"
    assert {n["area"] for n in document["needs"]} >= {"accommodation", "health"}
    notes = [u["note"] for t in document["tasks"] for u in t["updates"]]
    assert "Housing officer called back" in notes
    assert any(e["kind"] == "mentor_matched" for e in document["timeline"])
    assert any(e["action"] == "POST /cases/{case_id}/consent" for e in document["access_log"])
    assert journey.mentor.get(f"/cases/{case_id}/export").status == 403


def test_erasure_stops_the_workflow_and_removes_the_data_leaving_the_audit_stub(journey: Journey) -> None:
    case_id = _matched(journey)
    stack = journey.stack
    mentor_before = journey.coordinator.get("/cases/" + case_id).body["mentor_id"]
    assert mentor_before == "mentor-0001"
    assert journey.executions() and set(journey.executions().values()) == {"RUNNING"}

    wrong = {"reason": "subject_request", "confirm_case_id": str(uuid.uuid4())}
    refused = journey.coordinator.post(f"/cases/{case_id}/erasure", wrong)
    assert refused.status == 422 and refused.body["fields"][0]["field"] == "confirm_case_id"
    assert "CASE" in _partition(stack, case_id), "a refused erasure deletes nothing"
    told = [
        n for n in journey.coordinator.get("/notifications").body["notifications"] if case_id in n["link"]
    ]
    assert told, "the coordinator was told about the case"

    erased = journey.coordinator.post(
        f"/cases/{case_id}/erasure", {"reason": "subject_request", "confirm_case_id": case_id}
    )
    assert erased.status == 200
    assert set(journey.executions().values()) == {"ABORTED"}
    assert _partition(stack, case_id) == []
    notes = journey.coordinator.get("/notifications").body["notifications"]
    assert [n for n in notes if case_id in n["link"]] == [], "its notifications went with it"
    assert _prison_number_reference(stack, "A0001AA") is None
    assert journey.coordinator.get(f"/cases/{case_id}").status == 404
    mentors = stack.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": "MENTORS"}, "sk": {"S": "MENTOR#mentor-0001"}}
    )["Item"]
    assert mentors["active_cases"]["N"] == "0", "the mentor's place is free again"

    trail = journey.coordinator.get(f"/cases/{case_id}/audit").body["entries"]
    assert any(e["action"] == "POST /cases/{case_id}/erasure" and e["outcome"] == 200 for e in trail)
    again = journey.coordinator.post("/referrals", referral(submission_id="sub-00000002"))
    assert again.status == 201, "the same person may be referred again later"


def test_retention_anonymises_ended_cases_and_keeps_the_cohort_figures(journey: Journey) -> None:
    j = journey
    case_id = _matched(j)
    j.to_readiness()
    j.readiness()
    j.release_day()
    j.check_ins()
    j.handover()
    j.advance_to(START + timedelta(days=30 + 549))
    j.stack.fire_due_schedules()
    outcome = {"proven_reoffending": False, "housed": True, "in_work_or_training": True}
    assert j.coordinator.post(f"/cases/{case_id}/outcome", outcome).status == 200
    coordinator = StaffSession(j.stack, "coordinator-0001", "coordinator")
    figures = coordinator.web("GET", "/outcomes.csv").body
    retention = load_programme().retention_days_after_closure

    j.advance(days=retention - 1)
    j.stack.run_daily_sweep()
    assert j.coordinator.get(f"/cases/{case_id}/export").body["case"]["client"]["given_name"] == "Testy"

    j.advance(days=2)
    j.stack.run_daily_sweep()
    document = j.coordinator.get(f"/cases/{case_id}/export").body
    assert document["case"]["client"]["prison_number"] == ""
    assert document["case"]["client"]["given_name"] == ""
    assert document["tasks"] == [] and document["timeline"] == [] and document["check_ins"] == []
    assert {n["notes"] for n in document["needs"]} == {""}
    assert document["outcome"]["proven_reoffending"] is False
    assert sorted(_partition(j.stack, case_id)) == sorted(
        ["CASE", "OUTCOME", *(f"NEED#{n['area']}" for n in document["needs"])]
    )
    assert coordinator.web("GET", "/outcomes.csv").body == figures, "aggregate figures survive"
    trail = j.coordinator.get(f"/cases/{case_id}/audit").body["entries"]
    assert any(e["action"] == "retention anonymise" and e["actor"] == "system:throughgate" for e in trail)
