"""'My work today' in real Chromium on a phone's width: each role signs in and finds the client's
name with the step to do, the page passes axe-core and never scrolls sideways at 375 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe_violations, sign_in_with_form
from tests.journey import START, Journey, new_journey, referral
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

PHONE = {"width": 375, "height": 812}


def _client(given: str, family: str, prison_number: str) -> dict[str, Any]:
    return {
        "given_name": given,
        "family_name": family,
        "date_of_birth": "1989-11-23",
        "prison_number": prison_number,
        "gender": "male",
        "borough": "Southwark",
    }


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalStack, str, dict[str, str]]]:
    """A released client waiting for his first check-in (the mentor's), a client waiting for the
    pre-release assessment and a referral without consent (the coordinator's), served over HTTP."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        j.refer_and_consent(days=10, client=_client("Kwame", "Checkinsworth", "A5001AA"))
        j.assess_and_match(accommodation="high")
        j.to_readiness()
        j.readiness()
        j.release_day()
        j.advance(days=1)
        assert j.view()["waiting_for"] == "check_in"
        cases = {"released": j.case_id}
        waiting = Journey(stack, j.coordinator, j.mentor)
        waiting.refer_and_consent(
            days=40,
            submission_id="sub-dash-0002",
            client=_client("Lola", "Awaitingassessment-Longername", "A5002AA"),
        )
        cases["assessment"] = waiting.case_id
        body = {
            **referral("sub-dash-0003", "A5003AA", days=50),
            "client": _client("Milo", "Noconsent", "A5003AA"),
        }
        cases["referred"] = j.ok(j.coordinator.post("/referrals", body)).body["case_id"]
        stack.cognito.add_mentors(["mentor-0001"])
        httpd, base = start_in_thread(stack)
        try:
            yield stack, base, cases
        finally:
            httpd.shutdown()


def _fits_and_passes_axe(page: Page, name: str, shots: Path) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    page.screenshot(path=str(shots / f"dashboard-{name}-375.png"), full_page=True)
    assert widths[0] <= widths[1], f"{name}: the page scrolls sideways at 375 px ({widths})"
    violations = axe_violations(page)
    assert violations == [], f"{name}: {describe_violations(violations)}"


def test_a_mentor_sees_the_client_and_the_check_in_to_do(
    page: Page, served: tuple[LocalStack, str, dict[str, str]], screenshots_dir: Path
) -> None:
    _stack, base, cases = served
    page.set_viewport_size(PHONE)
    sign_in_with_form(page, base, "mentor-0001")
    expect(page.locator("h1")).to_have_text("Your work today")
    card = page.get_by_test_id("client").filter(has_text="Kwame Checkinsworth")
    expect(card).to_contain_text("Waiting for you: Check-in 1")
    expect(page.get_by_text("Lola")).to_have_count(0)  # not this mentor's client
    _fits_and_passes_axe(page, "mentor", screenshots_dir)
    card.get_by_role("button", name="Go to check-in 1 for Kwame Checkinsworth").click()
    expect(page).to_have_url(f"{base}/cases/{cases['released']}/check-in")


def test_a_coordinator_sees_each_client_with_the_step_to_do(
    page: Page, served: tuple[LocalStack, str, dict[str, str]], screenshots_dir: Path
) -> None:
    _stack, base, cases = served
    page.set_viewport_size(PHONE)
    sign_in_with_form(page, base, "coordinator-0001")
    steps = page.get_by_test_id("steps")
    expect(steps).to_contain_text("Lola Awaitingassessment-Longername: Pre-release assessment")
    expect(page.get_by_test_id("consents")).to_contain_text("Milo Noconsent: Consent")
    _fits_and_passes_axe(page, "coordinator", screenshots_dir)
    steps.get_by_role("link", name="Pre-release assessment for Lola Awaitingassessment-Longername").click()
    expect(page).to_have_url(f"{base}/cases/{cases['assessment']}/assessment")
