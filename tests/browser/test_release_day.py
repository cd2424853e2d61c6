"""Release day in real Chromium (issue 14 item 7): the days without services on the readiness
review and the release-day form, the route safety check stated and required, "not met at the gate"
asking what happened and escalating at once to the coordinators' dashboard, and the release pack:
axe-core clean, reflowing at 320 px, and printing without the header, navigation, buttons, back
link or footer, in black on white."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Served, axe_violations, describe_violations, sign_in_with_token
from tests.journey import START, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """One case to be released on Thursday 25 March 2027, the day before Good Friday (four days
    without services follow), with a gangs-and-peers need, at its readiness review; served over HTTP."""
    with LocalStack(START) as stack:
        journey = new_journey(stack)
        journey.refer_and_consent(days=24)  # Thursday 25 March 2027, the day before Good Friday
        journey.assess_and_match(accommodation="medium", gangs_peers="low", finance_id="low")
        journey.to_readiness()
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, journey)
        finally:
            httpd.shutdown()


def _check(page: Page, name: str, shots: Path) -> None:
    violations = axe_violations(page)
    page.screenshot(path=str(shots / f"release-{name}.png"), full_page=True)
    assert violations == [], f"{name}: {describe_violations(violations)}"
    page.set_viewport_size({"width": 320, "height": 700})
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.screenshot(path=str(shots / f"release-{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not wide, f"{name} scrolls sideways at 320 px"


def test_release_day_from_the_readiness_review_to_the_pack(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    stack, base, j = served.stack, served.base, served.journey
    gap_words = (
        "Thursday 25 March 2027: services are closed from Friday 26 March to Monday 29 March "
        "(bank holidays: Good Friday, Easter Monday). They reopen on Tuesday 30 March."
    )

    # The readiness review warns of the four days without services.
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/cases/{j.case_id}/readiness")
    expect(page.get_by_test_id("service-gap")).to_contain_text(gap_words)
    expect(page.get_by_test_id("service-gap")).to_contain_text("Medication to cover every day until")
    expect(page.get_by_test_id("person")).to_contain_text("Days without services")
    _check(page, "readiness", screenshots_dir)
    j.readiness()

    # The case page says it too, and links to the pack.
    page.goto(f"{base}/cases/{j.case_id}")
    expect(page.get_by_test_id("service-gap")).to_contain_text(gap_words)
    expect(page.get_by_test_id("route-check")).to_contain_text("needs a route safety check")
    _check(page, "case-before", screenshots_dir)

    # On the day, the mentor's form: the gap, the route check stated and required, "not met" asked.
    j.advance_to(datetime.combine(j.release_on(), datetime.min.time(), UTC) + timedelta(hours=9))
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/cases/{j.case_id}/release-day")
    expect(page.get_by_test_id("service-gap")).to_contain_text(gap_words)
    expect(page.get_by_test_id("route-check")).to_contain_text(
        "This client needs a route safety check on release day: the assessment found a low need"
    )
    route = page.get_by_role("group", name="Was the route from the gate safety-checked?", exact=True)
    # The checklist (the route check among it) is asked of a client met: revealed under "Yes";
    # what happened, of a client not met: under "No".
    happened = page.get_by_role("group", name="What happened?", exact=True)
    expect(route).to_be_hidden()
    expect(happened).to_be_hidden()
    page.locator('input[name="met_at_gate"][value="yes"]').check()
    expect(route).to_be_visible()  # required: not marked "(optional)"
    _check(page, "form", screenshots_dir)

    # Met, with the route left unanswered: named in the summary.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select yes or no: was the route from the gate safety-checked?")
    _check(page, "form-errors", screenshots_dir)

    # Not met, with nothing said about what happened: named; the checklist is no longer asked.
    page.locator('input[name="met_at_gate"][value="no"]').check()
    expect(happened).to_be_visible()
    expect(route).to_be_hidden()
    page.get_by_role("button", name="Continue").click()
    expect(summary).to_contain_text("Select what happened when the client was not met at the gate")
    expect(summary).not_to_contain_text("route from the gate")

    page.get_by_label("Went with family or friends").check()
    page.get_by_label("Notes (optional)").fill("Waited until 10am; the officer said family collected him")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending")
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()

    # Escalated at once: on the case page and the coordinators' dashboard, in words.
    expect(page.get_by_test_id("escalations")).to_contain_text(
        "Not met at the gate: went with family or friends"
    )
    expect(page.get_by_test_id("release-day")).to_contain_text("Went with family or friends")
    expect(page.get_by_test_id("release-day")).to_contain_text("Waited until 10am")
    _check(page, "case-after", screenshots_dir)
    sign_in_with_token(page, base, stack, "coordinator-0001")
    page.goto(f"{base}/")
    expect(page.get_by_test_id("escalations")).to_contain_text(
        "Not met at the gate: went with family or friends"
    )

    # The release pack, from the case page.
    page.goto(f"{base}/cases/{j.case_id}")
    page.get_by_role("link", name="Print the release pack").click()
    expect(page.locator("h1")).to_contain_text("release day 25 March 2027")
    pack = page.get_by_test_id("release-pack")
    expect(pack).to_contain_text(gap_words)
    expect(pack).to_contain_text("020 7946 0123")
    expect(pack).to_contain_text("Mentor One")
    expect(pack).to_contain_text("At the gate of HMP Brixton")
    expect(pack).to_contain_text("Universal Credit")
    expect(page.get_by_test_id("bring")).to_contain_text("discharge grant")
    assert page.url == f"{base}/cases/{j.case_id}/release-pack", "ids only in the address"
    _check(page, "pack", screenshots_dir)


def test_the_release_pack_prints_content_only_in_black_on_white(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    stack, base, j = served.stack, served.base, served.journey
    sign_in_with_token(page, base, stack, "mentor-0001")
    page.goto(f"{base}/cases/{j.case_id}/release-pack")
    chrome = (
        ".govuk-generic-header, .govuk-service-navigation, .govuk-back-link, .govuk-button, .govuk-footer"
    )
    shown = page.eval_on_selector_all(chrome, "els => els.map(e => getComputedStyle(e).display)")
    assert len(shown) >= 5 and "none" not in shown, "on screen, the page has its header and buttons"

    page.emulate_media(media="print")
    hidden = page.eval_on_selector_all(
        chrome, "els => els.map(e => [e.className, getComputedStyle(e).display])"
    )
    assert [name for name, display in hidden if display != "none"] == []
    colours = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=release-pack] *')].map(e => {
            const s = getComputedStyle(e);
            return [s.color, s.backgroundColor];
        })"""
    )
    assert {c for c, _ in colours} == {"rgb(0, 0, 0)"}
    assert {b for _, b in colours} <= {"rgba(0, 0, 0, 0)"}
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    expect(page.get_by_test_id("release-pack")).to_contain_text("What to bring")
    page.screenshot(path=str(screenshots_dir / "release-pack-print.png"), full_page=True)
    page.emulate_media(media="screen")
