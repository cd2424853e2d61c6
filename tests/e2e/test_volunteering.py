"""Volunteer hours and expenses on the local stack: a mentor records time against their case or
training, a coordinator approves or queries it, the mentor answers a query by changing the entry,
and the month's summary and its CSV add it all up (money in pence, shown in pounds)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.journey import Journey
from tests.trust.conftest import StaffSession
from throughgate_local.api_client import ApiClient
from throughgate_local.mentors import enrolled

FEBRUARY = "2027-02"  # the month before the stack's start (1 March 2027): the summary's default


def _register(journey: Journey, mentor_id: str, name: str) -> None:
    body = {
        "mentor_id": mentor_id,
        "display_name": name,
        "gender": "female",
        "boroughs": ["Lambeth"],
        "capacity": 3,
        "lived_experience": [],
        "linked_areas": [],
    }
    assert enrolled(journey.coordinator, body)


@pytest.fixture
def matched(journey: Journey) -> Journey:
    """mentor-0001 works one case; mentor-0002 (registered) works none."""
    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high")
    _register(journey, "mentor-0002", "Mentor Two")
    return journey


def _case_work(case: str, **changes: Any) -> dict[str, Any]:
    body = {
        "on": f"{FEBRUARY}-10",
        "minutes": 90,
        "activity": "case",
        "case_id": case,
        "travel_mode": "car",
        "miles": 12,
        "expense_pence": 650,
        "expense_note": "Lunch while out",
    }
    return body | changes


TRAINING = {
    "on": f"{FEBRUARY}-11",
    "minutes": 180,
    "activity": "training",
    "travel_mode": "public_transport",
    "fares_pence": 480,
}


def _sheet(client: ApiClient, mentor_id: str = "mentor-0001", month: str = FEBRUARY) -> dict[str, Any]:
    response = client.get(f"/mentors/{mentor_id}/time?month={month}")
    assert response.status == 200, response
    return response.body


def test_time_is_recorded_approved_queried_changed_and_summed(matched: Journey) -> None:
    j, mentor, coordinator = matched, matched.mentor, matched.coordinator
    first = mentor.post("/mentors/mentor-0001/time", _case_work(j.case_id), idempotency_key="time-entry-0001")
    assert first.status == 200 and first.body == {"entry_id": "time-entry-0001", "replayed": False}
    again = mentor.post("/mentors/mentor-0001/time", _case_work(j.case_id), idempotency_key="time-entry-0001")
    assert again.body == {"entry_id": "time-entry-0001", "replayed": True}, "a retry saves nothing twice"
    reused = mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0001")
    assert reused.status == 409, "the same key with other answers is refused"
    assert mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0002").status == 200

    sheet = _sheet(mentor)
    assert [e["entry_id"] for e in sheet["entries"]] == ["time-entry-0001", "time-entry-0002"]
    assert sheet["entries"][0]["case_id"] == j.case_id
    # 12 miles at 45p, lunch £6.50; fares £4.80
    assert [e["claimed_pence"] for e in sheet["entries"]] == [12 * 45 + 650, 480]
    assert sheet["totals"] == {
        "minutes": 270,
        "minutes_by_activity": {"case": 90, "training": 180},
        "miles": 12,
        "claimed_pence": 1670,
        "approved_pence": 0,
        "waiting": 2,
    }

    approve = coordinator.post("/mentors/mentor-0001/time/time-entry-0001/approve", {})
    assert approve.status == 200
    reason = {"reason": "Were the fares for a return journey?"}
    assert coordinator.post("/mentors/mentor-0001/time/time-entry-0002/query", reason).status == 200
    queried = _sheet(mentor)["entries"][1]
    assert (queried["status"], queried["query_reason"]) == ("queried", reason["reason"])

    assert (
        mentor.call(
            "PUT", "/mentors/mentor-0001/time/time-entry-0002", TRAINING | {"fares_pence": 400}
        ).status
        == 200
    )
    answered = _sheet(mentor)["entries"][1]
    assert (answered["status"], answered["query_reason"], answered["fares_pence"]) == ("submitted", "", 400)
    changed = mentor.call(
        "PUT", "/mentors/mentor-0001/time/time-entry-0001", _case_work(j.case_id, minutes=60)
    )
    assert changed.status == 409, "an approved entry is not changed"
    assert mentor.post("/mentors/mentor-0001/time/time-entry-0001/withdraw", {}).status == 409
    assert coordinator.post("/mentors/mentor-0001/time/time-entry-0002/approve", {}).status == 200

    summary = coordinator.get("/volunteering")
    assert summary.status == 200 and summary.body["month"] == FEBRUARY, "last month by default"
    rows = {row["mentor_id"]: row for row in summary.body["mentors"]}
    assert rows["mentor-0001"]["approved_pence"] == rows["mentor-0001"]["claimed_pence"] == 1190 + 400
    assert rows["mentor-0001"]["minutes_by_activity"] == {"case": 90, "training": 180}
    assert rows["mentor-0002"]["minutes"] == 0
    assert summary.body["totals"]["miles"] == 12

    page = StaffSession(j.stack, "coordinator-0001", "coordinator").web(
        "GET", f"/volunteering.csv?month={FEBRUARY}"
    )
    assert page.status == 200 and page.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(page.body)))
    assert table[0][:4] == ["Month", "Mentor id", "Mentor", "Hours"]
    one = next(row for row in table if row[1] == "mentor-0001")
    assert one[2:4] == ["Mentor One", "4.5"]
    assert one[-4:] == ["12", "15.90", "15.90", "0"]
    assert table[-1][2] == "All mentors"


def test_a_withdrawn_entry_leaves_the_totals(matched: Journey) -> None:
    mentor = matched.mentor
    assert mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0003").status == 200
    assert mentor.post("/mentors/mentor-0001/time/time-entry-0003/withdraw", {}).status == 200
    sheet = _sheet(mentor)
    assert sheet["entries"][0]["status"] == "withdrawn"
    assert sheet["totals"]["minutes"] == sheet["totals"]["claimed_pence"] == 0


def test_an_edit_that_moves_the_date_moves_the_entry(matched: Journey) -> None:
    mentor = matched.mentor
    assert mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0004").status == 200
    moved = TRAINING | {"on": "2027-01-29"}
    assert mentor.call("PUT", "/mentors/mentor-0001/time/time-entry-0004", moved).status == 200
    assert _sheet(mentor)["entries"] == []
    assert [e["on"] for e in _sheet(mentor, month="2027-01")["entries"]] == ["2027-01-29"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"minutes": 78}, "minutes", "quarter hours"),  # 1.3 hours is never rounded
        ({"minutes": 13 * 60}, "minutes", "12 hours or fewer"),
        ({"on": "2027-03-02"}, "on", "today or in the past"),
        ({"on": "2026-10-01"}, "on", "within the last 92 days"),
        ({"case_id": "00000000-0000-4000-8000-000000000000"}, "case_id", "Choose one of your cases"),
        ({"activity": "holiday", "case_id": None}, "activity", "Choose one of your cases, or training"),
        ({"fares_pence": 100}, "fares_pence", "Give fares only for a journey by public transport"),
        ({"travel_mode": "bicycle"}, "miles", "Give miles only for a journey by car or motorbike"),
        ({"expense_note": ""}, "expense_note", "Say what the expense was for"),
        ({"expense_pence": 20001}, "expense_pence", "£200.00 or less"),
    ],
)
def test_the_programme_limits_are_refused_in_words(
    matched: Journey, changes: dict[str, Any], field: str, words: str
) -> None:
    response = matched.mentor.post("/mentors/mentor-0001/time", _case_work(matched.case_id, **changes))
    assert response.status == 422, response
    assert response.body["fields"][0]["field"] == field
    assert words in response.body["message"]
    assert _sheet(matched.mentor)["entries"] == [], "nothing was saved"


def test_a_day_holds_twelve_hours_across_its_entries(matched: Journey) -> None:
    mentor = matched.mentor
    assert mentor.post("/mentors/mentor-0001/time", TRAINING | {"minutes": 8 * 60}).status == 200
    over = mentor.post("/mentors/mentor-0001/time", TRAINING | {"minutes": 5 * 60})
    assert over.status == 422
    assert over.body["message"] == (
        "That makes more than 12 hours on 11 February 2027: 8 hours are recorded already, so enter 4 or fewer"
    )
    assert mentor.post("/mentors/mentor-0001/time", TRAINING | {"minutes": 4 * 60}).status == 200


def test_the_summary_reads_one_query_per_mentor(matched: Journey, monkeypatch: pytest.MonkeyPatch) -> None:
    from throughgate.store import volunteering as store

    queried: list[str] = []
    original = store.TimeItem.query

    def query(hash_key: str, *args: Any, **kwargs: Any) -> Any:
        queried.append(hash_key)
        return original(hash_key, *args, **kwargs)

    monkeypatch.setattr(store.TimeItem, "query", query)
    assert matched.coordinator.get(f"/volunteering?month={FEBRUARY}").status == 200
    assert sorted(queried) == ["MENTOR#mentor-0001", "MENTOR#mentor-0002"]


def test_a_bad_month_is_a_bad_address(matched: Journey) -> None:
    response = matched.coordinator.get("/volunteering?month=2027-13")
    assert response.status == 400 and response.body["message"] == "Give the month like 2026-11"


def test_each_change_is_audited_under_the_mentor(matched: Journey) -> None:
    from throughgate.store.audit import AuditLog

    mentor = matched.mentor
    assert mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0005").status == 200
    assert matched.coordinator.post("/mentors/mentor-0001/time/time-entry-0005/approve", {}).status == 200
    # Both at the same moment of the virtual clock: their order in the trail is not theirs to keep.
    trail = sorted(
        (e.actor, e.action, e.outcome) for e in AuditLog().trail("MENTOR#mentor-0001") if "/time" in e.action
    )  # the mentor's trail also holds their enrolment (profile and checks)
    assert trail == [
        ("coordinator:coordinator-0001", "POST /mentors/{mentor_id}/time/{entry_id}/approve", 200),
        ("mentor:mentor-0001", "POST /mentors/{mentor_id}/time", 200),
    ]


def test_a_mentor_records_time_through_the_form(matched: Journey) -> None:
    mentor = StaffSession(matched.stack, "mentor-0001", "mentor")
    page = mentor.web("GET", "/mentors/mentor-0001/time/new")
    assert page.status == 200 and "Do not write the client&#39;s name" in page.body
    empty = mentor.web("POST", "/mentors/mentor-0001/time/new", {"submission_id": "form-time-0001"})
    assert empty.status == 422
    for words in (
        "Enter the date of the work",
        "Choose one of your cases, or training",
        "Enter the hours, like 1.5",
    ):
        assert words in empty.body
    answers = {
        "submission_id": "form-time-0001",
        "on-day": "12",
        "on-month": "2",
        "on-year": "2027",
        "activity": "case",
        "case_id": matched.case_id,
        "minutes": "1.75",
        "travel_mode": "public_transport",
        "fares_pence": "£3.10",
        "expense_pence": "",
        "expense_note": "",
    }
    saved = mentor.web("POST", "/mentors/mentor-0001/time/new", answers)
    assert (
        saved.status == 303
        and saved.headers["location"] == f"/mentors/mentor-0001/time?saved=recorded&month={FEBRUARY}"
    )
    entry = _sheet(matched.mentor)["entries"][0]
    assert (entry["minutes"], entry["fares_pence"], entry["case_id"]) == (105, 310, matched.case_id)
    sheet = mentor.web("GET", f"/mentors/mentor-0001/time?month={FEBRUARY}")
    assert "1.75 hours" in sheet.body and "£3.10" in sheet.body


def test_the_csv_keeps_a_formula_as_text(matched: Journey) -> None:
    """A name typed as a formula reaches the spreadsheet as text (OWASP: an apostrophe before it)."""
    _register(matched, "mentor-0003", '=HYPERLINK("http://example.invalid","Pay")')
    coordinator = StaffSession(matched.stack, "coordinator-0001", "coordinator")
    table = list(csv.reader(io.StringIO(coordinator.web("GET", "/volunteering.csv").body)))
    names = {row[1]: row[2] for row in table[1:]}
    assert names["mentor-0003"] == '\'=HYPERLINK("http://example.invalid","Pay")'
    assert names["mentor-0001"] == "Mentor One", "anything else as it was"


def test_the_web_forms_change_query_and_approve(matched: Journey) -> None:
    mentor = StaffSession(matched.stack, "mentor-0001", "mentor")
    coordinator = StaffSession(matched.stack, "coordinator-0001", "coordinator")
    assert (
        matched.mentor.post("/mentors/mentor-0001/time", TRAINING, idempotency_key="time-entry-0006").status
        == 200
    )
    form = mentor.web("GET", "/mentors/mentor-0001/time/time-entry-0006")
    assert form.status == 200 and 'value="3"' in form.body and 'value="4.80"' in form.body, (
        "the answers given"
    )
    answers = {
        "on-day": "11",
        "on-month": "2",
        "on-year": "2027",
        "activity": "training",
        "minutes": "2.5",
        "travel_mode": "public_transport",
        "fares_pence": "4.80",
    }
    changed = mentor.web("POST", "/mentors/mentor-0001/time/time-entry-0006", answers)
    assert changed.status == 303 and "saved=changed" in changed.headers["location"]
    assert _sheet(matched.mentor)["entries"][0]["minutes"] == 150

    path = "/mentors/mentor-0001/time/time-entry-0006/query"
    assert mentor.web("GET", path).status == 403, "a mentor does not query"
    empty = coordinator.web("POST", path, {"reason": ""})
    assert empty.status == 422 and "Enter what needs checking" in empty.body
    asked = coordinator.web("POST", path, {"reason": "Which course was it?"})
    assert asked.status == 303 and "saved=queried" in asked.headers["location"]
    sheet = mentor.web("GET", f"/mentors/mentor-0001/time?month={FEBRUARY}")
    assert "Which course was it?" in sheet.body and "Queried" in sheet.body

    approve = "/mentors/mentor-0001/time/time-entry-0006/approve"
    assert mentor.web("POST", approve, {"month": FEBRUARY}).status == 403
    approved = coordinator.web("POST", approve, {"month": FEBRUARY})
    assert approved.headers["location"] == f"/mentors/mentor-0001/time?month={FEBRUARY}&saved=approved"
    again = coordinator.web("POST", approve, {"month": FEBRUARY})
    assert again.headers["location"].endswith("saved=moved-on"), "approved already: said so, not a 409 page"
    late = mentor.web("POST", "/mentors/mentor-0001/time/time-entry-0006", answers)
    assert late.status == 409 and "were not saved" in late.body, "an approved entry keeps its answers"


@pytest.mark.parametrize(
    "hostile", ["..", "MENTOR#", "' OR '1'='1", "<b>x</b>", "a" * 2_050, "mentor-0001%00"]
)
def test_hostile_ids_in_the_address_are_not_found_and_not_repeated(matched: Journey, hostile: str) -> None:
    coordinator = StaffSession(matched.stack, "coordinator-0001", "coordinator")
    for response in (
        matched.coordinator.get(f"/mentors/{hostile}/time"),
        matched.coordinator.post(f"/mentors/mentor-0001/time/{hostile}/approve", {}),
    ):
        assert response.status == 404, response
        assert hostile not in json.dumps(response.body)
    for path in (f"/mentors/{hostile}/time", f"/mentors/mentor-0001/time/{hostile}"):
        page = coordinator.web("GET", path)
        assert page.status == 404 and hostile not in page.body
