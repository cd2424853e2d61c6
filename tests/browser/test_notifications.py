"""Notifications and text reminders (issue 16) in real Chromium, at a phone's width and a desk's: the
Notifications page with the header's count (which drops when they are read), the notification
settings, the appointment form and the case's appointments, and the dev server's outbox with a
client's reply. Each page fits at 375 and 1280 px, shows no raw key and passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    axe_violations,
    describe_violations,
    raw_words,
    screenshots_at_both_widths,
    sign_in_with_token,
)
from tests.journey import START, Journey, new_journey, referral
from throughgate_local.api_client import ApiClient
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

MOBILE = "07700 900321"  # Ofcom's drama range
E164 = "+447700900321"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalStack, str, str]]:
    """A client who agreed to texts, matched to mentor-0001, with a prison visit two days on (no
    text: the client is still inside) and a probation appointment after release still to come, on
    the morning of release day: the coordinators have three notifications, the mentor the release
    day's."""
    with LocalStack(START) as stack:
        stack.cognito.add_mentors(["mentor-0001"])
        stack.cognito.add_user("coordinator-0002", "coordinator")
        j = new_journey(stack)
        case_id = _with_texts(j)
        j.assess_and_match(accommodation="high")
        meeting = {
            "kind": "mentor_meeting",
            "on": (START + timedelta(days=2)).date().isoformat(),
            "at": "10:00",
        }
        j.ok(j.mentor.post(f"/cases/{case_id}/appointments", meeting))
        later = {"kind": "probation", "on": (START + timedelta(days=14)).date().isoformat(), "at": "14:30"}
        j.ok(j.mentor.post(f"/cases/{case_id}/appointments", later))
        j.to_readiness()
        j.readiness()
        j.advance(days=3)
        assert j.view()["waiting_for"] == "release_day"
        assert stack.sent_texts() == [], "no text reaches a client in prison"
        httpd, base = start_in_thread(stack)
        try:
            yield stack, base, case_id
        finally:
            httpd.shutdown()


def _with_texts(j: Journey) -> str:
    j.case_id = j.ok(j.coordinator.post("/referrals", referral(days=10))).body["case_id"]
    consent = {
        "consent_given": True,
        "lawful_basis": "public_task",
        "data_sharing": True,
        "text_reminders": True,
        "mobile": MOBILE,
    }
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", consent))
    return j.case_id


def _looked_at(page: Page, shots: Path, name: str, allowed_raw: frozenset[str] = frozenset()) -> None:
    screenshots_at_both_widths(page, shots, name)
    assert [w for w in raw_words(page) if w not in allowed_raw] == [], name
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe_violations(violations)}"


def test_the_notifications_page_and_the_header_count_until_all_are_read(
    page: Page, served: tuple[LocalStack, str, str], screenshots_dir: Path
) -> None:
    stack, base, case_id = served
    sign_in_with_token(page, base, stack, "coordinator-0002")
    page.goto(f"{base}/notifications")
    expect(page.locator("h1")).to_have_text("Notifications")
    expect(page.get_by_role("link", name="Notifications 3 unread")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})  # the links fold behind the menu button
    expect(page.get_by_role("button", name="Menu (3 new)")).to_be_visible()
    page.set_viewport_size({"width": 1024, "height": 768})
    items = page.get_by_test_id("notifications").locator("li")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("A readiness review is due")
    expect(items.first.get_by_role("link")).to_have_attribute("href", f"/cases/{case_id}/readiness")
    _looked_at(page, screenshots_dir, "notifications")

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("h1")).to_have_text("Notifications")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_visible()
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    _looked_at(page, screenshots_dir, "notifications-read")


def test_the_mentor_follows_the_notification_to_the_release_day_form(
    page: Page, served: tuple[LocalStack, str, str], screenshots_dir: Path
) -> None:
    stack, base, case_id = served
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Notifications 2 unread").click()  # matched with the client, release day
    expect(page.locator("h1")).to_have_text("Notifications")
    page.get_by_role("link", name="Release day: meet one of your clients at the gate").click()
    expect(page).to_have_url(f"{base}/cases/{case_id}/release-day")
    expect(page.locator("h1, legend h1").first).to_contain_text("Release day")


def test_the_notification_settings_page(
    page: Page, served: tuple[LocalStack, str, str], screenshots_dir: Path
) -> None:
    stack, base, _case_id = served
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/notifications/settings")
    expect(page.get_by_role("radio", name="An e-mail for each notification, as it happens")).to_be_checked()
    _looked_at(page, screenshots_dir, "notification-settings")
    page.get_by_role("radio", name="One e-mail a day with how many there were").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings were saved.")).to_be_visible()
    page.goto(f"{base}/notifications/settings")
    expect(page.get_by_role("radio", name="One e-mail a day with how many there were")).to_be_checked()


def test_the_appointment_form_and_the_cases_appointments(
    page: Page, served: tuple[LocalStack, str, str], screenshots_dir: Path
) -> None:
    stack, base, case_id = served
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/cases/{case_id}/appointments")
    expect(page.get_by_role("radio", name="Meeting with the mentor")).to_be_visible()
    _looked_at(page, screenshots_dir, "appointment-form")
    page.get_by_role("button", name="Save appointment").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what the appointment is")
    _looked_at(page, screenshots_dir, "appointment-form-errors")

    page.goto(f"{base}/cases/{case_id}")
    expect(page.get_by_test_id("texts")).to_have_text(f"Text reminders to {MOBILE}")
    expect(page.get_by_test_id("appointments")).to_contain_text("First probation appointment")
    _looked_at(page, screenshots_dir, "case-appointments")


def test_the_dev_servers_outbox_shows_what_was_sent_and_takes_a_reply(
    page: Page, served: tuple[LocalStack, str, str], screenshots_dir: Path
) -> None:
    stack, base, case_id = served
    # Out of prison, then the probation appointment's two reminders (the last test to use the stack).
    j = Journey(
        stack, ApiClient(stack, "coordinator-0001", "coordinator"), ApiClient(stack, "mentor-0001", "mentor")
    )
    j.case_id = case_id
    j.release_day()
    j.advance(days=4)
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/")
    page.get_by_role("region", name="Simulated date").get_by_role("link", name="Outbox").click()
    expect(page.locator("h1")).to_have_text("Outbox")
    release_day = (
        page.get_by_test_id("outbox-emails")
        .locator("li")
        .filter(has_text="Release day: meet one of your clients at the gate")
    )
    expect(release_day).to_contain_text("To mentor-0001@staff.throughgate.example")
    texts = page.get_by_test_id("outbox-texts").locator("li")
    expect(texts).to_have_count(2)
    expect(texts.first).to_contain_text(f"To {E164}")
    # Staff addresses name their owner (mentor-0001@...): that is the address, not a raw key.
    _looked_at(page, screenshots_dir, "local-outbox", frozenset({"mentor-0001"}))

    page.get_by_label("Their reply").fill("")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the client's reply")
    page.get_by_label("Their reply").fill("STOP")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.get_by_text("that client's text reminders have stopped")).to_be_visible()
    page.goto(f"{base}/cases/{case_id}")
    expect(page.get_by_test_id("texts")).to_contain_text("The client replied STOP on")

    page.goto(f"{base}/local/outbox")
    release_day.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/cases/{case_id}/release-day")
