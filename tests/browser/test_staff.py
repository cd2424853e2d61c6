"""Staff accounts from the app (issue 18, item 1) in real Chromium, through the dev server: a
coordinator adds a mentor with the form and the mentor signs in with the invitation's temporary
password; a coordinator deactivates a mentor who holds a case and the mentor's next page is the
sign-in page, saying so in words. Each staff page fits at 375 and 1280 px, shows no raw key and
passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    DEFAULT_TIMEOUT_MS,
    axe_violations,
    describe_violations,
    raw_words,
    screenshots_at_both_widths,
    sign_in_with_form,
)
from tests.journey import START, new_journey
from throughgate_local.api_client import ApiClient
from throughgate_local.cognito_admin import SUBJECT
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled
from throughgate_local.mentors import profile as mentor_profile
from throughgate_local.stack import LocalStack

NEW_PASSWORD = "Another-synthetic-pass-2"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalStack, str, str]]:
    """mentor-0001 matched to a client; the dev server's demo staff (with their records)."""
    with LocalStack(START) as stack:
        journey = new_journey(stack)
        journey.refer_and_consent(days=60)
        journey.assess_and_match(accommodation="high")
        httpd, base = start_in_thread(stack)
        try:
            yield stack, base, journey.case_id
        finally:
            httpd.shutdown()


def _looked_at(page: Page, shots: Path, name: str, usernames: tuple[str, ...] = ()) -> None:
    """The staff pages show usernames (staff ids) on purpose: a coordinator needs them."""
    screenshots_at_both_widths(page, shots, name)
    assert [w for w in raw_words(page) if w not in usernames] == [], name
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe_violations(violations)}"


def _second_person(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


def test_a_coordinator_adds_a_mentor_and_the_mentor_can_sign_in(
    served: tuple[LocalStack, str, str], page: Page, browser: Browser, screenshots_dir: Path
) -> None:
    stack, base, _case_id = served
    sign_in_with_form(page, base, "coordinator-0001")
    page.get_by_role("link", name="Staff").click()
    expect(page.locator("h1")).to_have_text("Staff")
    expect(page.get_by_test_id("staff-mentor-0001")).to_contain_text("Mentor One")
    _looked_at(page, screenshots_dir, "staff-list", ("mentor-0001",))

    page.get_by_role("button", name="Add a person").click()
    page.get_by_label("Name", exact=True).fill("Jo Synthetic")
    page.get_by_label("Username").fill("mentor-0009")
    page.get_by_label("E-mail address").fill("jo.synthetic at example")
    page.get_by_role("button", name="Add and send the invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter an e-mail address in the correct format, like name@example.org")
    expect(summary).to_contain_text("Select their role")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Jo Synthetic")
    _looked_at(
        page, screenshots_dir, "staff-new-errors", ("mentor-0009", "mentor-0012")
    )  # the hint's example

    page.get_by_label("E-mail address").fill("jo.synthetic@staff.throughgate.example")
    page.get_by_label("Mentor: works the cases assigned to them").check()
    page.get_by_role("button", name="Add and send the invitation").click()
    expect(page).to_have_url(f"{base}/staff/mentor-0009?saved=added")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("invitation e-mail is on its way")
    expect(page.get_by_role("link", name="Set up their mentor profile")).to_have_attribute(
        "href", "/mentors/mentor-0009/profile"
    )
    _looked_at(page, screenshots_dir, "staff-member", ("mentor-0009",))

    (invitation,) = [m for m in stack.sent_emails() if m["subject"] == SUBJECT]
    assert invitation["to"] == ["jo.synthetic@staff.throughgate.example"]
    match = re.search(r"Temporary password: (\S+)", invitation["body"])
    assert match, invitation["body"]

    # Their mentor profile set up (the dev server then lists them among its demo users): the
    # sign-in page still answers, and their own account is left as the app made it.
    profile = {"mentor_id": "mentor-0009", **mentor_profile("Jo Synthetic", gender="female", capacity=3)}
    assert enrolled(ApiClient(stack, "coordinator-0001", "coordinator"), profile)
    mentor = _second_person(browser)
    assert (response := mentor.goto(f"{base}/sign-in")) is not None and response.status == 200
    mentor.get_by_label("Username").fill("mentor-0009")
    mentor.get_by_label("Password", exact=True).fill(match.group(1))
    mentor.get_by_role("button", name="Sign in").click()
    expect(mentor.locator("h1")).to_have_text("Create a new password")
    mentor.get_by_label("New password").fill(NEW_PASSWORD)
    mentor.get_by_role("button", name="Save password and continue").click()
    expect(mentor).to_have_url(f"{base}/")
    expect(mentor.get_by_role("link", name="Staff")).to_have_count(0)  # a mentor's navigation
    assert mentor.goto(f"{base}/staff").status == 403
    mentor.context.close()


def test_a_deactivated_mentors_session_ends(
    served: tuple[LocalStack, str, str], page: Page, browser: Browser, screenshots_dir: Path
) -> None:
    _stack, base, case_id = served
    mentor = _second_person(browser)
    sign_in_with_form(mentor, base, "mentor-0001")
    expect(mentor.locator("h1")).to_have_text("Your work today")

    sign_in_with_form(page, base, "coordinator-0001")
    page.goto(f"{base}/staff/mentor-0001")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator("h1")).to_have_text("Deactivate Mentor One?")
    expect(page.get_by_test_id("open-cases")).to_contain_text(case_id[:8])
    _looked_at(page, screenshots_dir, "staff-deactivate", ("mentor-0001",))
    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("signed out everywhere")
    expect(page.get_by_test_id("staff-status")).to_have_text("Deactivated")
    reassign = page.get_by_role("link", name=re.compile(f"Reassign case {case_id[:8]}"))
    expect(reassign).to_have_attribute("href", f"/cases/{case_id}/reassign")
    _looked_at(page, screenshots_dir, "staff-deactivated", ("mentor-0001",))

    mentor.reload()
    expect(mentor).to_have_url(re.compile(r"/sign-in"))
    expect(mentor.locator(".govuk-notification-banner")).to_contain_text("You have been signed out")
    mentor.get_by_label("Username").fill("mentor-0001")
    mentor.get_by_label("Password", exact=True).fill("Synthetic-demo-pass-1")
    mentor.get_by_role("button", name="Sign in").click()
    expect(mentor.locator(".govuk-error-summary")).to_contain_text("Your username or password is not correct")
    mentor.context.close()
