"""Privacy of staff records: a new person's e-mail address and display name (staff data, but kept
out of everything but their own places all the same) go through the API and the web form (valid,
taken, invalid), then a role change and a deactivation; captured as the privacy test captures a
client's (tests/trust/test_privacy.py): every log line and logging record, every Lambda answer that
is not a staff page, every domain error message, the audit table, and every table item outside the
staff record's own `display_name`. The e-mail address lives in the user pool only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from tests.journey import START
from tests.trust.conftest import StaffSession
from tests.trust.test_privacy import Evidence, captured_output, recorded_domain_errors, recorded_invocations
from throughgate_local.stack import AUDIT_TABLE, TABLE, LocalStack

pytestmark = pytest.mark.trust

NAME = "Quillondra Staffsentinel"
EMAIL = "zephyrine.mailsentinel@staff.throughgate.example"
NEEDLES = ("quillondra", "staffsentinel", "zephyrine", "mailsentinel")


def _found(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in NEEDLES if needle in lowered]


def _items(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    raw = stack.client("dynamodb").scan(TableName=table)["Items"]
    return [{k: TypeDeserializer().deserialize(v) for k, v in item.items()} for item in raw]


@pytest.fixture(scope="module")
def evidence() -> Iterator[tuple[Evidence, LocalStack]]:
    with LocalStack(START) as stack:
        coordinator = StaffSession(stack, "coordinator-0001", "coordinator")
        found = Evidence()
        body = {"username": "mentor-0042", "role": "mentor", "email": EMAIL, "display_name": NAME}
        with captured_output(found), recorded_invocations(stack, found), recorded_domain_errors(found):
            assert coordinator.api("POST", "/staff", json.dumps(body)).status == 201
            taken = {**body, "email": f"other.{EMAIL}"}
            assert coordinator.api("POST", "/staff", json.dumps(taken)).status == 409
            invalid = {**body, "username": f"{NAME} x", "email": f"{NAME} {EMAIL} @"}
            assert coordinator.api("POST", "/staff", json.dumps(invalid)).status == 422
            web = {
                "display_name": NAME,
                "username": "mentor-0043",
                "email": EMAIL.replace("@", " at "),
                "role": "mentor",
            }
            assert coordinator.web("POST", "/staff/new", web).status == 422
            added = coordinator.web("POST", "/staff/new", {**web, "email": f"web.{EMAIL}"})
            assert added.status == 303
            assert coordinator.web("GET", "/staff").status == 200
            role = coordinator.api("POST", "/staff/mentor-0042/role", json.dumps({"role": "manager"}))
            assert role.status == 200
            assert coordinator.api("POST", "/staff/mentor-0042/deactivate").status == 200
        yield found, stack


def test_the_sentinels_went_in(evidence: tuple[Evidence, LocalStack]) -> None:
    found, stack = evidence
    client = stack.client("cognito-idp")
    user = client.admin_get_user(UserPoolId=stack.cognito.pool_id, Username="mentor-0042")
    assert {"Name": "email", "Value": EMAIL} in user["UserAttributes"]
    records = [i for i in _items(stack, TABLE) if i["pk"] == "STAFF"]
    assert {r["display_name"] for r in records} == {NAME}
    pages = [i.answer for i in found.invocations if i.function == "Web" and i.event.get("path") == "/staff"]
    assert any(NAME in page for page in pages), "the staff list shows the name to a coordinator"


def test_no_log_line_or_logging_record_holds_an_e_mail_or_a_display_name(
    evidence: tuple[Evidence, LocalStack],
) -> None:
    found, _stack = evidence
    assert [line for line in found.log_lines if _found(line)] == []
    assert [record for record in found.log_records if _found(record)] == []


def test_answers_errors_and_addresses_hold_neither(evidence: tuple[Evidence, LocalStack]) -> None:
    """The API's answers, redirects and errors; a web form shown again keeps what was typed in its
    own fields (which is where it belongs), so only pages are left out."""
    found, _stack = evidence
    for invocation in found.invocations:
        answer = json.loads(invocation.answer)
        is_page = str(answer.get("body", "")).startswith("<!DOCTYPE html>")
        if invocation.function == "Api" or not is_page:
            assert _found(invocation.answer) == [], (invocation.function, invocation.answer[:300])
    assert [e for e in found.domain_errors if _found(e)] == []


def test_the_tables_hold_the_name_in_the_staff_record_only_and_no_e_mail(
    evidence: tuple[Evidence, LocalStack],
) -> None:
    _, stack = evidence
    for item in _items(stack, TABLE):
        rest = {k: v for k, v in item.items() if not (item["pk"] == "STAFF" and k == "display_name")}
        assert _found(json.dumps(rest, default=str)) == [], item
    audit = _items(stack, AUDIT_TABLE)
    assert {a["action"] for a in audit} >= {"staff added as mentor", "staff deactivated"}
    assert _found(json.dumps(audit, default=str)) == []
