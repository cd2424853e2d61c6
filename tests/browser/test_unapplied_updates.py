"""Prison updates not applied, in real Chromium: a coordinator follows the dashboard's count to the
list, reads each update in words with the case (or the prison number) beside it, marks one dealt
with; the page passes axe-core and does not scroll sideways at 375 or 1280 px."""

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
    sign_in_with_form,
)
from tests.journey import START, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

UNKNOWN_NUMBER = "Z9999ZZ"  # synthetic: no case has it


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[LocalStack, str]]:
    """Two updates the feed gave up on: an invalid one for the journey's client, one for a prison
    number no open case has."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        j.refer_and_consent(days=30)
        stack.send_prison_event(
            {"prison_number": "A0001AA", "change": {"type": "teleported", "event_id": "evt-b-0001"}}
        )
        stack.send_prison_event(
            {
                "prison_number": UNKNOWN_NUMBER,
                "change": {"type": "recalled", "event_id": "evt-b-0002"},
            }
        )
        stack.deliver_prison_events()
        httpd, base = start_in_thread(stack)
        try:
            yield stack, base
        finally:
            httpd.shutdown()


def test_a_coordinator_reads_the_updates_not_applied_and_deals_with_one(
    page: Page, served: tuple[LocalStack, str], screenshots_dir: Path
) -> None:
    _stack, base = served
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in_with_form(page, base, "coordinator-0001")
    page.get_by_role("link", name="2 prison updates could not be applied").click()
    expect(page.locator("h1")).to_have_text("Prison updates not applied")
    cards = page.get_by_test_id("unapplied")
    expect(cards).to_have_count(2)
    unknown = cards.filter(has_text="Recalled to prison")
    expect(unknown).to_contain_text("No open case has this prison number")
    expect(unknown).to_contain_text(f"Prison number in the update: {UNKNOWN_NUMBER}")
    invalid = cards.filter(has_text="Not readable")
    expect(invalid).to_contain_text("The message was not a valid prison update (fields: change)")
    expect(invalid.get_by_role("link")).to_contain_text("Testy Example")
    assert raw_words(page) == []
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    screenshots_at_both_widths(page, screenshots_dir, "prison-updates-not-applied")

    unknown.get_by_role("button", name="Mark as dealt with").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("marked as dealt with")
    expect(cards).to_have_count(1)
    expect(page.get_by_text(UNKNOWN_NUMBER)).to_have_count(0)
