"""Privacy of volunteer hours and expenses, with test_privacy.py's sentinels: a client with
distinctive synthetic personal values is worked by a mentor who records time against the case.

The time entry holds the case id only; its reference, the audit entries, the API's answers, the
all-mentors summary and its CSV, refusals and every log line hold no personal value. The mentor's
own time sheet names the client, because the mentor may see the case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.journey import START, new_journey
from tests.trust.conftest import StaffSession
from tests.trust.test_privacy import (
    DATE_OF_BIRTH,
    FAMILY,
    GIVEN,
    PRISON_NUMBER,
    Evidence,
    captured_output,
    found,
    scan,
)
from throughgate_local.stack import AUDIT_TABLE, TABLE, LocalStack

pytestmark = pytest.mark.trust

TODAY = START.date().isoformat()


@dataclass
class Seen:
    evidence: Evidence
    case_id: str = ""
    answers: list[str] = field(default_factory=list)  # API answers, the summary page and its CSV
    own_sheet: str = ""  # the mentor's time sheet page
    table: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def seen() -> Iterator[Seen]:
    with LocalStack(START) as stack:
        gathered = Seen(Evidence())
        with captured_output(gathered.evidence):
            journey = new_journey(stack)
            client = {
                "given_name": GIVEN.value,
                "family_name": FAMILY.value,
                "date_of_birth": DATE_OF_BIRTH.value,
                "prison_number": PRISON_NUMBER.value,
                "gender": "male",
                "borough": "Southwark",
            }
            journey.refer_and_consent(client=client)
            journey.assess_and_match(accommodation="high")
            gathered.case_id = journey.case_id
            mentor, coordinator = journey.mentor, journey.coordinator
            path = "/mentors/mentor-0001/time"
            entry = {
                "on": TODAY,
                "minutes": 120,
                "activity": "case",
                "case_id": journey.case_id,
                "travel_mode": "public_transport",
                "fares_pence": 520,
                "expense_note": "Bus to the probation office",
            }
            answers = [
                mentor.post(path, entry, "time-privacy-01"),
                mentor.post(path, {**entry, "minutes": GIVEN.value}),  # refused, never repeated
                mentor.post(path, {**entry, "expense_note": f"{FAMILY.value}\u202e"}),
                coordinator.post(f"{path}/time-privacy-01/query", {"reason": "Is there a ticket?"}),
                mentor.get(f"{path}?month={TODAY[:7]}"),
                coordinator.get(f"/volunteering?month={TODAY[:7]}"),
            ]
            assert [a.status for a in answers] == [200, 422, 422, 200, 200, 200], answers
            gathered.answers = [json.dumps(a.body) for a in answers]
            web = StaffSession(stack, "coordinator-0001", "coordinator")
            for page in (f"/volunteering?month={TODAY[:7]}", f"/volunteering.csv?month={TODAY[:7]}"):
                response = web.web("GET", page)
                assert response.status == 200, response.status
                gathered.answers.append(response.body)
            gathered.own_sheet = StaffSession(stack, "mentor-0001", "mentor").web("GET", path).body
        gathered.table = scan(stack, TABLE)
        gathered.audit = scan(stack, AUDIT_TABLE)
        yield gathered


def test_a_time_entry_holds_the_case_id_never_the_client(seen: Seen) -> None:
    items = [i for i in seen.table if i["pk"] == "MENTOR#mentor-0001"]
    entries = [i for i in items if i["sk"].startswith("TIME#")]
    assert [e["case_id"] for e in entries] == [seen.case_id]
    assert {i["sk"].split("#")[0] for i in items} == {"TIME", "TIMEREF", "CHECK"}  # CHECK: their enrolment
    assert [i["sk"] for i in items if found(json.dumps(i, default=str))] == []


def test_answers_summaries_and_refusals_hold_no_personal_value(seen: Seen) -> None:
    assert [text[:200] for text in seen.answers if found(text)] == []


def test_the_audit_of_time_holds_no_personal_value(seen: Seen) -> None:
    time_audit = [e for e in seen.audit if e["case_id"] == "MENTOR#mentor-0001"]
    assert len(time_audit) >= 4, "each request about the mentor's time is audited"
    assert [e for e in time_audit if found(json.dumps(e, default=str))] == []


def test_no_log_line_holds_a_personal_value(seen: Seen) -> None:
    assert found(seen.evidence.stdout) == []
    assert [r[:300] for r in seen.evidence.log_records if found(r)] == []


def test_the_mentor_sees_their_clients_name_on_their_own_sheet(seen: Seen) -> None:
    assert found(seen.own_sheet) == [GIVEN.label, FAMILY.label], "the name, and nothing more"
    assert f"/cases/{seen.case_id}" in seen.own_sheet
