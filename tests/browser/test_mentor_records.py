"""Mentors' records in real Chromium: a lapsed check removes the mentor from suggestions with the
reason shown (issue 18), the record's pages at 375 and 1280 px with axe-core and no raw keys, and a
mentor's "My record" (synthetic data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

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
from tests.journey import START, needs, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled, profile
from throughgate_local.stack import LocalStack


@pytest.fixture
def served() -> Iterator[Served]:
    """Mentor One and Mentor Two enrolled; a case assessed, waiting for its mentor."""
    with LocalStack(START) as stack:
        journey = new_journey(stack)
        two = profile("Mentor Two", boroughs=("Lambeth", "Southwark"), languages=["English", "Somali"])
        assert enrolled(journey.coordinator, {"mentor_id": "mentor-0002", **two})
        journey.refer_and_consent(days=30)
        journey.ok(
            journey.coordinator.post(f"/cases/{journey.case_id}/assessment", needs(accommodation="high"))
        )
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, journey)
        finally:
            httpd.shutdown()


def _looked_at(page: Page, shots: Path, name: str) -> None:
    """No axe-core violation, no raw key, no sideways scrolling at 375 or 1280 px."""
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe_violations(violations)}"
    assert raw_words(page) == [], name
    screenshots_at_both_widths(page, shots, f"mentors-{name}")


def _fill_date(page: Page, legend: str, day: object) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))  # type: ignore[attr-defined]
    group.get_by_label("Month").fill(str(day.month))  # type: ignore[attr-defined]
    group.get_by_label("Year").fill(str(day.year))  # type: ignore[attr-defined]


def test_a_lapsed_check_removes_the_mentor_from_suggestions_with_the_reason_shown(
    served: Served, page: Page, screenshots_dir: Path
) -> None:
    base, case_id = served.base, served.journey.case_id
    sign_in_with_token(page, base, served.stack, "coordinator-0001")
    page.goto(f"{base}/cases/{case_id}/mentor")
    expect(page.get_by_label("Mentor Two", exact=False)).to_have_count(1)
    expect(page.get_by_test_id("excluded-mentors")).to_have_count(0)

    # The criminal records check is renewed only until tomorrow, through the record's form.
    page.goto(f"{base}/mentors/mentor-0002/checks/new")
    page.get_by_label("Criminal records check").check()
    page.get_by_label("Enhanced with barred lists").check()
    today = START.date()
    _fill_date(page, "Date of the check", today)
    _fill_date(page, "Expiry date (optional)", today + timedelta(days=1))
    page.get_by_label("Cleared", exact=True).check()
    page.get_by_role("button", name="Save check").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Check saved")

    served.stack.clock.advance_to(START + timedelta(days=1))
    served.stack.clock.settle()
    page.goto(f"{base}/cases/{case_id}/mentor")
    expect(page.get_by_label("Mentor Two", exact=False)).to_have_count(0)  # not offered
    excluded = page.get_by_test_id("excluded-mentor")
    expect(excluded).to_have_count(1)
    expect(excluded).to_contain_text("Mentor Two")
    expect(excluded).to_contain_text("Criminal records check lapsed on 2 March 2027")
    _looked_at(page, screenshots_dir, "match-excluded")

    page.goto(f"{base}/mentors/mentor-0002")
    expect(page.get_by_test_id("gaps")).to_contain_text("Criminal records check lapsed on 2 March 2027")
    page.goto(f"{base}/mentor-checks")
    expect(page.get_by_test_id("due-row")).to_have_count(1)
    expect(page.get_by_test_id("due-row")).to_contain_text("Lapsed on 2 March 2027")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("mentor-checks-due")).to_contain_text("1 mentor check or clearance lapsed")


def test_the_record_pages_for_a_coordinator(served: Served, page: Page, screenshots_dir: Path) -> None:
    base = served.base
    sign_in_with_token(page, base, served.stack, "coordinator-0001")
    page.goto(f"{base}/mentors")
    expect(page.get_by_test_id("mentor-row")).to_have_count(2)
    expect(page.get_by_test_id("mentor-list")).to_contain_text("None due")
    _looked_at(page, screenshots_dir, "list")

    page.get_by_role("link", name="Mentor Two").click()
    expect(page.get_by_test_id("mentor-name")).to_have_text("Mentor Two")
    expect(page.get_by_test_id("profile")).to_contain_text("Lambeth, Southwark")
    expect(page.get_by_test_id("clearances")).to_contain_text("HMP Brixton: until")
    expect(page.get_by_test_id("checks")).to_contain_text("Enhanced with barred lists")
    _looked_at(page, screenshots_dir, "record")

    # The profile form comes filled in; leave with no last day is refused in words.
    page.get_by_role("link", name="Change the profile").click()
    expect(page.get_by_label("Name shown to staff")).to_have_value("Mentor Two")
    page.get_by_label("On leave").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the last day of the leave")
    _looked_at(page, screenshots_dir, "profile-error")
    _fill_date(page, "Last day of the leave", START.date() + timedelta(days=10))
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_test_id("profile")).to_contain_text("On leave until 11 March 2027")

    page.get_by_role("link", name="Record training").click()
    _fill_date(page, "Date of the session", START.date())
    page.get_by_label("Title").fill("Safeguarding adults")
    page.get_by_label("Hours").fill("2.5")
    page.get_by_role("button", name="Save training").click()
    expect(page.get_by_test_id("training-hours")).to_have_text("2.5 hours of training recorded.")

    page.get_by_role("link", name="Record a check").click()
    page.get_by_label("Cleared with conditions").check()
    page.get_by_role("button", name="Save check").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the check")
    expect(summary).to_contain_text("Enter the conditions the mentor was cleared with")
    _looked_at(page, screenshots_dir, "check-error")


def test_a_mentor_sees_my_record_and_no_one_elses(served: Served, page: Page, screenshots_dir: Path) -> None:
    base = served.base
    sign_in_with_token(page, base, served.stack, "mentor-0001")
    page.goto(f"{base}/")
    page.get_by_role("link", name="My record").click()
    expect(page.get_by_test_id("mentor-name")).to_have_text("Mentor One")
    expect(page.get_by_role("link", name="Record a check")).to_have_count(0)
    _looked_at(page, screenshots_dir, "my-record")
    assert page.goto(f"{base}/mentors/mentor-0002").status == 404  # type: ignore[union-attr]
    assert page.goto(f"{base}/mentors").status == 403  # type: ignore[union-attr]
