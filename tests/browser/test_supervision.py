"""Issue 18 item 5 in real Chromium, at 375 and 1280 px with axe-core: the 14-day no-contact flag
appears and clears after a contact is logged; a case reassigned with a reason and a handover note;
a mentor's supervision recorded and read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    Served,
    axe_violations,
    describe_violations,
    raw_words,
    screenshots_at_both_widths,
    sign_in_with_token,
)
from tests.journey import START, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack

SECOND = {
    "mentor_id": "mentor-0002",
    "display_name": "Mentor Two",
    "gender": "male",
    "boroughs": ["Lambeth"],
    "capacity": 3,
    "lived_experience": ["health"],
    "linked_areas": [],
}


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """A client released and never contacted since (Testy Example, mentor-0001), and a second mentor."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        assert enrolled(j.coordinator, SECOND)
        j.released(days=10, accommodation="high")
        stack.cognito.add_mentors(["mentor-0001", "mentor-0002"])
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, j)
        finally:
            httpd.shutdown()


def _looked_at(page: Page, shots: Path, name: str) -> None:
    screenshots_at_both_widths(page, shots, name)
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    assert raw_words(page) == []


def _date(page: Page, name: str, day: Any) -> None:
    page.locator(f'input[name="{name}-day"]').fill(str(day.day))
    page.locator(f'input[name="{name}-month"]').fill(str(day.month))
    page.locator(f'input[name="{name}-year"]').fill(str(day.year))


def test_a_14_day_no_contact_flag_appears_and_clears_after_a_contact_is_logged(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    stack, base, j = served.stack, served.base, served.journey
    j.advance(days=14)
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("attention")).not_to_contain_text("No contact")  # 14 days is not more than 14

    j.advance(days=2)
    page.goto(f"{base}/")
    client = page.get_by_test_id("attention").get_by_role("listitem").filter(has_text="Testy Example")
    expect(client).to_contain_text("No contact for 16 days")  # beside anything else about the case
    _looked_at(page, screenshots_dir, "no-contact-coordinator")

    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/")
    card = page.get_by_test_id("client").filter(has_text="Testy Example")
    expect(card.get_by_test_id("no-contact")).to_contain_text("No contact for 16 days")
    _looked_at(page, screenshots_dir, "no-contact-mentor")
    card.get_by_role("link", name="Log a contact with Testy Example").click()
    expect(page).to_have_url(f"{base}/cases/{j.case_id}/contacts")
    _date(page, "on", stack.clock.now().date())
    page.get_by_label("Phone").check()
    page.locator('input[name="made"][value="yes"]').check()
    page.get_by_label("How long, in minutes?").fill("20")
    page.get_by_role("button", name="Save contact").click()
    expect(page).to_have_url(f"{base}/cases/{j.case_id}?saved=contact")

    page.goto(f"{base}/")
    expect(
        page.get_by_test_id("client").filter(has_text="Testy Example").get_by_test_id("no-contact")
    ).to_have_count(0)
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("attention")).not_to_contain_text("No contact")


def test_a_coordinator_reassigns_the_case_with_a_reason_and_a_handover_note(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    stack, base, j = served.stack, served.base, served.journey
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/cases/{j.case_id}")
    page.get_by_role("link", name="Reassign the case to another mentor").click()
    expect(page).to_have_url(f"{base}/cases/{j.case_id}/reassign")
    expect(page.locator("h1")).to_have_text("Reassign the case")
    expect(page.get_by_text("The mentor now is Mentor One")).to_be_visible()
    expect(page.get_by_label("Mentor One", exact=False)).to_have_count(0)  # not offered the mentor now
    page.get_by_role("button", name="Reassign the case").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the new mentor")
    expect(summary).to_contain_text("Enter why the case is moving to another mentor")
    _looked_at(page, screenshots_dir, "reassign-errors")

    page.get_by_label("Mentor Two", exact=False).check()
    page.get_by_label("Why is the case moving?").fill("Mentor One is on long leave")
    page.get_by_label("Handover note to the new mentor (optional)").fill("Prefers a call after 6pm")
    page.get_by_role("button", name="Reassign the case").click()
    expect(page).to_have_url(f"{base}/cases/{j.case_id}?saved=reassign")
    expect(page.get_by_text("The case has a new mentor")).to_be_visible()
    note = page.get_by_test_id("handover-note")
    expect(note).to_contain_text("from Mentor One")
    expect(note).to_contain_text("Prefers a call after 6pm")
    _looked_at(page, screenshots_dir, "reassigned-case")

    # The old mentor has lost the case at once; the new one reads the note.
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/cases/{j.case_id}")
    expect(page.locator("h1")).to_have_text("Page not found")
    sign_in_with_token(page, base, stack, "mentor-0002")
    page.goto(f"{base}/cases/{j.case_id}")
    expect(page.get_by_test_id("handover-note")).to_contain_text("Prefers a call after 6pm")


def test_a_coordinator_records_a_supervision_and_the_mentor_reads_their_own(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    stack, base = served.stack, served.base
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("supervision-overdue")).to_contain_text("Mentor Two: No supervision recorded")
    page.get_by_test_id("supervision-overdue").get_by_role("link", name="Mentor Two").click()
    expect(page).to_have_url(f"{base}/mentors/mentor-0002/supervision")
    page.get_by_role("button", name="Record a supervision").click()
    page.get_by_role("button", name="Save supervision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date of the supervision")
    expect(summary).to_contain_text("Enter notes of the supervision")
    _looked_at(page, screenshots_dir, "supervision-errors")

    held = stack.clock.now().date() - timedelta(days=2)
    _date(page, "held_on", held)
    page.get_by_label("Notes").fill("Talked through the new client's plan")
    page.get_by_role("button", name="Save supervision").click()
    expect(page).to_have_url(f"{base}/mentors/mentor-0002/supervision?saved=supervision")
    due = held + timedelta(days=28)
    expect(page.get_by_test_id("supervision-due")).to_have_text(f"Next due {due:%-d %B %Y}")
    expect(page.get_by_test_id("supervision-session")).to_contain_text("Talked through the new client's plan")
    _looked_at(page, screenshots_dir, "supervision-record")

    sign_in_with_token(page, base, stack, "mentor-0002")
    page.goto(f"{base}/")
    page.get_by_role("link", name="Your supervision record").click()
    expect(page).to_have_url(f"{base}/mentors/mentor-0002/supervision")
    expect(page.get_by_test_id("supervision-session")).to_contain_text("Talked through the new client's plan")
    expect(page.get_by_role("button", name="Record a supervision")).to_have_count(0)
    page.goto(f"{base}/mentors/mentor-0001/supervision")
    expect(page.locator("h1")).to_have_text("Page not found")
