"""Volunteer hours and expenses in real Chromium: a mentor records time on a phone (375 px), with
errors in words first; a coordinator reads the month's summary at a desk (1280 px), opens the
mentor's sheet from it and approves the entry. Every page passes axe-core, shows no raw keys and
does not scroll sideways at either width."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.journey import START, new_journey
from throughgate_local.api_client import ApiClient
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalStack, str]]:
    """mentor-0001 ("Mentor One") works one case; mentor-0002 ("Mentor Two") recorded two hours of
    training in February, by bus."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        j.refer_and_consent(days=30)
        j.assess_and_match(accommodation="high")
        second = {
            "mentor_id": "mentor-0002",
            "display_name": "Mentor Two",
            "gender": "female",
            "boroughs": ["Lambeth"],
            "capacity": 3,
            "lived_experience": [],
            "linked_areas": [],
        }
        assert enrolled(j.coordinator, second)
        training = {
            "on": "2027-02-15",
            "minutes": 120,
            "activity": "training",
            "travel_mode": "public_transport",
            "fares_pence": 300,
        }
        assert (
            ApiClient(stack, "mentor-0002", "mentor").post("/mentors/mentor-0002/time", training).status
            == 200
        )
        httpd, base = start_in_thread(stack)
        try:
            yield stack, base
        finally:
            httpd.shutdown()


def _clean(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    assert raw_words(page) == []


def test_a_mentor_records_time_on_a_phone(
    page: Page, served: tuple[LocalStack, str], screenshots_dir: Path
) -> None:
    stack, base = served
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My time").click()
    expect(page.locator("h1")).to_have_text("March 2027")
    page.get_by_role("button", name="Record time").click()
    expect(page.locator("h1")).to_have_text("Record time and expenses")
    expect(page.get_by_text("Do not write the client's name")).to_be_visible()

    page.get_by_role("button", name="Save time").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date of the work")
    expect(summary).to_contain_text("Choose one of your cases, or training")
    expect(summary).to_contain_text("Enter the hours, like 1.5")
    _clean(page)
    screenshots_at_both_widths(page, screenshots_dir, "time-new-errors")

    page.get_by_label("Day").fill("26")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Work with a client").check()
    page.get_by_label("Testy Example (case").check()
    page.get_by_label("Hours").fill("1.3")
    page.get_by_label("Car or motorbike").check()
    page.get_by_label("Miles there and back").fill("10")
    page.get_by_role("button", name="Save time").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the time in quarter hours, like 0.25, 1.5 or 2"
    )
    expect(page.get_by_label("Hours")).to_have_value("1.3")  # what was typed, never lost

    page.get_by_label("Hours").fill("1.5")
    page.get_by_role("button", name="Save time").click()
    expect(page.get_by_text("Time saved")).to_be_visible()
    expect(page.locator("h1")).to_have_text("February 2027")
    expect(page.get_by_test_id("total-hours")).to_have_text("1.5 hours")
    expect(page.get_by_test_id("total-claimed")).to_have_text("£4.50")  # 10 miles at 45p
    entry = page.get_by_test_id("time-entry")
    expect(entry).to_contain_text("Testy Example")
    expect(entry.get_by_test_id("entry-status")).to_have_text("Waiting for approval")
    _clean(page)
    screenshots_at_both_widths(page, screenshots_dir, "time-sheet-mentor")


def test_a_coordinator_reads_the_month_and_approves(
    page: Page, served: tuple[LocalStack, str], screenshots_dir: Path
) -> None:
    stack, base = served
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Volunteering").click()
    expect(page.locator("h1")).to_have_text("February 2027")  # last month, in London
    row = page.get_by_test_id("mentor-mentor-0002")
    expect(row).to_contain_text("Training: 2")
    expect(row).to_contain_text("£3.00")
    _clean(page)
    screenshots_at_both_widths(page, screenshots_dir, "volunteering")

    row.get_by_role("link", name="Mentor Two").click()
    expect(page.locator("h1")).to_have_text("February 2027")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Entry approved")).to_be_visible()
    expect(page.get_by_test_id("entry-status")).to_have_text("Approved")
    expect(page.get_by_test_id("total-approved")).to_have_text("£3.00")
    _clean(page)
    screenshots_at_both_widths(page, screenshots_dir, "time-sheet-coordinator")

    csv_text = page.request.get(f"{base}/volunteering.csv?month=2027-02").text()
    assert "Mentor Two" in csv_text and "3.00" in csv_text
