"""From client to mentor in real Chromium: a coordinator opens a peer-mentor pathway from a closed
case with the person's consent, sees the readiness criteria in words, moves the person on, and is
refused a move whose criterion is not met, on the field it is about. Every page axe-core clean,
without raw keys, and without sideways scroll at 375 and 1280 px."""

from __future__ import annotations

from collections.abc import Iterator
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
from tests.journey import START, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """A client released in March 2027, supported to handover and closed, wanting to give back."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        j.released()
        j.check_ins()
        j.handover(gives_back="yes")
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, j)
        finally:
            httpd.shutdown()


def _looked_at(page: Page, shots: Path, name: str) -> None:
    assert raw_words(page) == [], name
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    screenshots_at_both_widths(page, shots, name)


def test_a_coordinator_opens_a_pathway_and_moves_the_person_on(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    base, case_id = served.base, served.journey.case_id
    today = served.stack.clock.now().date()
    sign_in_with_token(page, base, served.stack, "coordinator-0001")
    page.goto(f"{base}/cases/{case_id}")
    line = page.get_by_test_id("pathway-line")
    expect(line).to_contain_text("Wants to give back, for example as a peer mentor: yes.")
    line.get_by_role("link", name="Open a peer-mentor pathway, with their consent").click()

    expect(page.get_by_role("heading", name="Open a peer-mentor pathway")).to_be_visible()
    page.get_by_role("button", name="Open the pathway").click()  # nothing answered
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name they want to be known by")
    _looked_at(page, screenshots_dir, "pathway-open-errors")

    page.locator("input[name=consent_given][value=yes]").check()
    page.locator("#consent_on-day").fill(str(today.day))
    page.locator("#consent_on-month").fill(str(today.month))
    page.locator("#consent_on-year").fill(str(today.year))
    page.get_by_label("In writing").check()
    page.get_by_label("What name do they want to be known by on the pathway?").fill("Sam Peer")
    page.get_by_role("button", name="Open the pathway").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Peer-mentor pathway opened")
    _looked_at(page, screenshots_dir, "pathway-closed-case")

    page.get_by_role("link", name="See their peer-mentor pathway").click()
    expect(page.get_by_test_id("pathway-name")).to_have_text("Sam Peer")
    expect(page.get_by_test_id("pathway-stage")).to_have_text("Interested")
    expect(page.get_by_test_id("criteria")).to_contain_text("At least 6 months since release (advisory)")
    _looked_at(page, screenshots_dir, "pathway-record")

    page.get_by_role("button", name="Move to training").click()
    page.locator("#on-day").fill(str(today.day))
    page.locator("#on-month").fill(str(today.month))
    page.locator("#on-year").fill(str(today.year))
    page.get_by_role("button", name="Move to training").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The move was saved")
    expect(page.get_by_test_id("pathway-stage")).to_have_text("In training")
    expect(page.get_by_test_id("criteria")).to_contain_text("Not met")

    page.get_by_role("button", name="Move to shadowing").click()
    page.locator("#on-day").fill(str(today.day))
    page.locator("#on-month").fill(str(today.month))
    page.locator("#on-year").fill(str(today.year))
    page.locator("input[name='checks.training_completed'][value=yes]").check()
    page.locator("input[name='checks.licence_allows'][value=yes]").check()
    page.get_by_role("button", name="Move to shadowing").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Shadowing a mentor needs: at least 12 months since release (not until")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#on-day")
    _looked_at(page, screenshots_dir, "pathway-move-refused")

    page.goto(f"{base}/pathways")
    expect(page.get_by_test_id("pathways")).to_contain_text("Sam Peer")
    expect(page.get_by_role("link", name="Peer mentors")).to_be_visible()
    _looked_at(page, screenshots_dir, "pathways")

    page.get_by_role("link", name="Sam Peer").click()
    page.get_by_role("link", name="The person withdrew their consent").click()
    expect(page.get_by_role("heading", name="Withdraw from the pathway")).to_be_visible()
    _looked_at(page, screenshots_dir, "pathway-withdraw")
    page.locator("#on-day").fill(str(today.day))
    page.locator("#on-month").fill(str(today.month))
    page.locator("#on-year").fill(str(today.year))
    page.get_by_role("button", name="Withdraw from the pathway").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The pathway was withdrawn")
    expect(page.get_by_test_id("pathway-name")).to_have_text("Name deleted")
    expect(page.get_by_test_id("pathway-stage")).to_have_text("Withdrawn")
    assert "Sam Peer" not in page.locator("main").inner_text()


def test_a_manager_sees_the_counts_without_names(page: Page, served: Served, screenshots_dir: Path) -> None:
    sign_in_with_token(page, served.base, served.stack, "manager-0001")
    page.goto(f"{served.base}/pathways")
    expect(page.get_by_test_id("pathway-counts")).to_contain_text(
        "Mentors who were once the programme's clients"
    )
    expect(page.get_by_test_id("pathways")).to_have_count(0)
    expect(page.get_by_role("link", name="Peer mentors")).to_have_count(0)
    _looked_at(page, screenshots_dir, "pathways-manager")
    page.goto(f"{served.base}/outcomes")
    expect(page.get_by_test_id("once-clients")).to_be_visible()
