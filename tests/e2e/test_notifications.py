"""Notifications a person can act on (issue 16), on the local stack with the real ASL: a gate that
opens for the case's mentor reaches that mentor (in the app and by e-mail, with a link that works)
and nobody else; a re-matched case's notifications follow its new mentor; the coordinators get the
escalations; each person marks their own as read. The words name no client and show no raw key.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.journey import Journey, needs
from tests.trust.conftest import StaffSession
from throughgate_local.api_client import ApiClient
from throughgate_local.cognito import staff_email
from throughgate_local.mentors import enrolled
from throughgate_local.stack import WEB_BASE_URL

PERSONAL = ("Testy", "Example", "A0001AA", "1990", "17 May")  # the referral's values (tests/journey.py)
RAW_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b|[{}]")  # release_day, gate_open, a placeholder left over
LINK = re.compile(re.escape(WEB_BASE_URL) + r"(/\S*)")


def _register(journey: Journey, mentor_id: str, name: str) -> ApiClient:
    body = {
        "mentor_id": mentor_id,
        "display_name": name,
        "gender": "male",
        "boroughs": ["Southwark"],
        "capacity": 5,
        "lived_experience": ["accommodation"],
        "linked_areas": [],
    }
    assert enrolled(journey.coordinator, body)
    return ApiClient(journey.stack, mentor_id, "mentor")


def _notes(client: ApiClient) -> list[dict[str, Any]]:
    response = client.get("/notifications")
    assert response.status == 200, response
    return list(response.body["notifications"])


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)


def _assert_words(notes: list[dict[str, Any]]) -> None:
    for note in notes:
        for text in (note["subject"], note["body"]):
            assert not RAW_KEY.search(text), text
            assert not [value for value in PERSONAL if value in text], text


def _to_release_day(j: Journey) -> None:
    """From a matched case to the morning its release-day gate opens (for its mentor)."""
    j.to_readiness()
    j.readiness()
    j.advance_to(_at_nine(j.release_on()))
    assert j.view()["waiting_for"] == "release_day"


def test_a_gate_reaches_the_cases_mentor_alone_and_follows_a_rematch(journey: Journey) -> None:
    j, stack = journey, journey.stack
    stack.cognito.add_mentors(["mentor-0001", "mentor-0002"])
    stack.cognito.add_user("coordinator-0002", "coordinator")
    first = j.mentor
    second = _register(j, "mentor-0002", "Mentor Two")
    coordinators = [j.coordinator, ApiClient(stack, "coordinator-0002", "coordinator")]

    j.refer_and_consent(days=10)
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(accommodation="high")))
    # The mentor-match gate opened in the same request: told within it, without the clock moving.
    for coordinator in coordinators:
        assert "A client is waiting for a mentor" in [n["subject"] for n in _notes(coordinator)]
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/mentor", {"mentor_id": "mentor-0001"}))
    [assigned] = _notes(first)
    assert (assigned["subject"], assigned["link"]) == ("You have a new client", f"/cases/{j.case_id}")
    stack.read_emails()
    _to_release_day(j)

    [gate] = [n for n in _notes(first) if n["kind"] == "gate_open"]
    assert gate["subject"] == "Release day: meet one of your clients at the gate"
    assert gate["link"] == f"/cases/{j.case_id}/release-day"
    assert gate["read"] is False
    assert datetime.fromisoformat(gate["sent_at"]).date() == j.release_on(), "on the morning itself"
    assert _notes(second) == [], "another mentor is told nothing of a case not theirs"

    mails = [m for m in stack.read_emails() if m["subject"] == gate["subject"]]
    assert [m["to"] for m in mails] == [[staff_email("mentor-0001")]]
    [link] = LINK.findall(mails[0]["body"])
    assert link == gate["link"]
    page = StaffSession(stack, "mentor-0001", "mentor").web("GET", link)
    assert page.status == 200, page.body[-2000:]
    assert "Release day" in page.body and f'action="{link}"' in page.body, "the form they fill in"

    j.release_day()  # already its morning: the checklist, met at the gate
    j.advance(days=1)
    stack.send_prison_event(
        {"prison_number": "A0001AA", "change": {"type": "recalled", "event_id": "evt-r-01"}}
    )
    assert stack.deliver_prison_events() == 1
    for coordinator in coordinators:
        recalls = [n for n in _notes(coordinator) if n["subject"] == "A client was recalled to prison"]
        assert [(n["kind"], n["link"]) for n in recalls] == [("escalation", f"/cases/{j.case_id}")]
    assert not [n for n in _notes(first) + _notes(second) if n["kind"] == "escalation"]

    # Re-released later; a coordinator matches the case to another mentor, with a reason.
    new_release = (stack.clock.now() + timedelta(days=10)).date().isoformat()
    change = {
        "change": {"type": "release_date_changed", "event_id": "evt-d-02", "new_release_on": new_release}
    }
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/circumstances", change))
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(accommodation="high")))
    before = _notes(first)
    rematch = {"mentor_id": "mentor-0002", "override_reason": "A fresh start with a mentor nearer home"}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/mentor", rematch))
    assert [n["subject"] for n in _notes(second)] == ["You have a new client"]
    stack.read_emails()
    _to_release_day(j)

    sent = [(n["subject"], n["sent_at"]) for n in _notes(first)]
    assert sent == [(n["subject"], n["sent_at"]) for n in before], "the old mentor is told nothing more"
    assert {n["step_taken"] for n in _notes(first)} == {False}, "nor what became of it since"
    old_page = StaffSession(stack, "mentor-0001", "mentor").web("GET", "/notifications").body
    assert "You have a new client" in old_page and 'data-testid="about-client"' not in old_page
    assert "No longer yours</strong>" in old_page and f'href="/cases/{j.case_id}' not in old_page
    assert {n["closed_to_reader"] for n in _notes(first)} == {True}
    [gate] = [n for n in _notes(second) if n["kind"] == "gate_open"]
    assert gate["link"] == f"/cases/{j.case_id}/release-day"
    mailed = [m["to"] for m in stack.read_emails() if m["subject"] == gate["subject"]]
    assert mailed == [[staff_email("mentor-0002")]]
    _assert_words(_notes(first) + _notes(second) + _notes(coordinators[0]))


def test_each_person_marks_their_own_notifications_read(journey: Journey) -> None:
    j, stack = journey, journey.stack
    stack.cognito.add_mentors(["mentor-0001"])
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="high")
    _to_release_day(j)
    coordinator = StaffSession(stack, "coordinator-0001", "coordinator")
    mentor = StaffSession(stack, "mentor-0001", "mentor")

    page = mentor.web("GET", "/notifications")
    # Newest first: release day, then being matched with the client.
    note_id, _assigned = re.findall(r'name="note_id" value="([^"]+)"', page.body)
    assert coordinator.web("POST", "/notifications", {"note_id": note_id}).status == 303
    assert [n["read"] for n in _notes(j.mentor)] == [False, False], "nobody marks another's as read"
    assert mentor.web("POST", "/notifications", {"note_id": note_id}).status == 303
    assert [n["read"] for n in _notes(j.mentor)] == [True, False]

    unread = [n for n in _notes(j.coordinator) if not n["read"]]
    assert len(unread) >= 3, "assessment, mentor match and readiness review"
    assert re.search(r'data-testid="unread-count">\s*' + str(len(unread)), coordinator.web("GET", "/").body)
    assert coordinator.web("POST", "/notifications", {"all": "yes"}).status == 303
    assert [n for n in _notes(j.coordinator) if not n["read"]] == []
    assert 'data-testid="unread-count"' not in coordinator.web("GET", "/").body
    _assert_words(_notes(j.coordinator) + _notes(j.mentor))


def test_the_app_names_the_client_to_those_who_work_the_case_and_says_when_the_step_was_taken(
    journey: Journey,
) -> None:
    j, stack = journey, journey.stack
    stack.cognito.add_mentors(["mentor-0001", "mentor-0002"])
    j.refer_and_consent(days=10)
    j.assess_and_match(accommodation="high")
    _to_release_day(j)
    mentor = StaffSession(stack, "mentor-0001", "mentor")

    page = mentor.web("GET", "/notifications").body
    assert page.count('data-testid="about-client">About Testy Example') == 2, "release day and the match"
    assert "Moved on</strong>" not in page, "the release day still waits for the mentor"
    (release_day,) = [n for n in _notes(j.mentor) if n["kind"] == "gate_open"]
    assert (release_day["case_id"], release_day["step_taken"]) == (j.case_id, False)

    j.release_day()
    (release_day,) = [n for n in _notes(j.mentor) if n["kind"] == "gate_open"]
    assert release_day["step_taken"] is True
    page = mentor.web("GET", "/notifications").body
    assert "Moved on</strong>" in page and "The case has moved on from this step." in page
    _assert_words(_notes(j.mentor))  # the words themselves still name nobody (e-mail sends them)
