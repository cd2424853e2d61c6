"""Forms that ask only what applies, in real Chromium: follow-up questions revealed under their
option (GOV.UK's conditional reveal), check your answers with a "Change" per row that keeps every
answer, the handover's entry levels, a re-match that names the mentor now and asks why, and error
pages that keep the header and sign-out. axe-core on each new state; no sideways scrolling at 320 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe_violations, sign_in_with_token
from tests.journey import START, Journey, needs, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack


@dataclass
class Served:
    stack: LocalStack
    base: str
    journey: Journey
    page: Page
    shots: Path

    def check(self, name: str) -> None:
        """axe-core finds nothing, and the page does not scroll sideways at 320 px."""
        violations = axe_violations(self.page)
        self.page.screenshot(path=str(self.shots / f"reveals-{name}.png"), full_page=True)
        assert violations == [], f"{name}: {describe_violations(violations)}"
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": 700})
        wide = self.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        self.page.screenshot(path=str(self.shots / f"reveals-{name}-320.png"), full_page=True)
        assert size is not None
        self.page.set_viewport_size(size)
        assert not wide, f"{name} scrolls sideways at 320 px"


@pytest.fixture
def served(page: Page, screenshots_dir: Path) -> Iterator[Served]:
    with LocalStack(START) as stack:
        journey = new_journey(stack)
        second = {
            "mentor_id": "mentor-0002",
            "display_name": "Mentor Two",
            "gender": "male",
            "boroughs": ["Lambeth"],
            "capacity": 5,
            "lived_experience": [],
            "linked_areas": [],
        }
        assert enrolled(journey.coordinator, second)
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, journey, page, screenshots_dir)
        finally:
            httpd.shutdown()


def test_a_follow_up_appears_under_its_option_and_change_keeps_every_answer(served: Served) -> None:
    page, j = served.page, served.journey
    j.refer_and_consent(days=30)
    sign_in_with_token(page, served.base, served.stack, "coordinator-0001")
    page.goto(f"{served.base}/cases/{j.case_id}/circumstances")
    prison = page.get_by_label("New prison", exact=True)
    new_date = page.get_by_role("group", name="New release date")
    expect(prison).to_be_hidden()  # GOV.UK Frontend's radios hide what does not apply yet
    expect(new_date).to_be_hidden()
    page.get_by_label("Transferred to another prison").check()
    expect(prison).to_be_visible()
    expect(new_date).to_be_hidden()
    expect(page.get_by_label("Transferred to another prison")).to_have_attribute("aria-expanded", "true")
    served.check("circumstances-transfer-revealed")

    # Required once revealed: left empty, it is named in the error summary; the reveal stays open.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the prison the client was moved to")
    expect(prison).to_be_visible()
    served.check("circumstances-transfer-error")

    page.get_by_label("New prison", exact=True).select_option("WWI")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your answers before sending")
    answers = page.get_by_test_id("answers")
    expect(answers.locator(".govuk-summary-list__key")).to_have_text(["What has changed?", "New prison"])
    expect(answers).to_contain_text("Transferred to another prison")
    expect(answers).to_contain_text("HMP Wandsworth")
    served.check("circumstances-check")

    page.get_by_role("button", name="Change new prison").click()
    expect(page.locator("h1")).to_have_text("Change of circumstances")
    assert page.url.endswith(f"/cases/{j.case_id}/circumstances#prison"), page.url
    expect(page.get_by_label("Transferred to another prison")).to_be_checked()
    expect(page.get_by_label("New prison", exact=True)).to_have_value("WWI")
    expect(page.get_by_label("New prison", exact=True)).to_be_in_viewport()

    # Another change: the transfer's answer goes with its option; the new one is asked instead.
    page.get_by_label("Release date changed").check()
    expect(prison).to_be_hidden()
    expect(new_date).to_be_visible()
    moved = j.release_on() + timedelta(days=14)
    new_date.get_by_label("Day").fill(str(moved.day))
    new_date.get_by_label("Month").fill(str(moved.month))
    new_date.get_by_label("Year").fill(str(moved.year))
    page.get_by_role("button", name="Continue").click()
    expect(answers.locator(".govuk-summary-list__key")).to_have_text(
        ["What has changed?", "New release date"]
    )
    expect(page.locator("input[type=hidden][name=prison]")).to_have_count(0)  # not carried
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    state = j.view()
    assert state["release_on"] == moved.isoformat()
    assert state["prison"] == "BXI", "the transfer's prison, not chosen in the end, was not applied"


def test_an_error_page_for_a_signed_in_person_keeps_the_header_and_sign_out(served: Served) -> None:
    page = served.page
    sign_in_with_token(page, served.base, served.stack, "mentor-0001")
    response = page.goto(f"{served.base}/cases/not-a-case-id")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    navigation = page.get_by_role("navigation")
    expect(navigation.get_by_role("link", name="Sign out")).to_be_visible()
    expect(navigation.get_by_role("link", name="Find a case")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Check the address, or go back to the dashboard.")
    expect(page.locator("main")).not_to_contain_text("no such")  # not the log's words
    served.check("error-signed-in")
    page.get_by_role("link", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_check_in_reveals_the_new_need_and_the_handover_shows_the_entry_levels(served: Served) -> None:
    page, j = served.page, served.journey
    j.released(days=10, accommodation="high", health="medium")
    while j.view()["waiting_for"] != "check_in":
        j.advance(days=1)
    sign_in_with_token(page, served.base, served.stack, "mentor-0001")
    page.goto(f"{served.base}/cases/{j.case_id}/check-in")
    area = page.get_by_label("Which area is the new need in?")
    expect(area).to_be_hidden()
    page.get_by_role("group", name="Did you make contact with the client?").get_by_label(
        "Yes", exact=True
    ).check()
    need = page.get_by_role("group", name="Has a new need come up?")
    need.get_by_label("Yes", exact=True).check()
    expect(area).to_be_visible()
    expect(page.get_by_role("group", name="Level of the new need")).to_be_visible()
    served.check("check-in-new-need")
    area.select_option(label="Education, skills and work")
    page.get_by_role("group", name="Level of the new need").get_by_label("Low", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("answers")).to_contain_text("Education, skills and work")
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    needs = {n["area"]: n for n in j.view()["needs"]}
    assert needs["education_work"]["current_level"] == "low"

    j.check_ins()
    assert j.view()["waiting_for"] == "handover"
    sign_in_with_token(page, served.base, served.stack, "coordinator-0001")
    page.goto(f"{served.base}/cases/{j.case_id}/handover")
    accommodation = page.get_by_role("group", name="Accommodation: level of need now")
    expect(accommodation.locator(".govuk-hint")).to_contain_text("At the assessment: High")
    health = page.get_by_role("group", name="Health (physical and mental): level of need now")
    expect(health.locator(".govuk-hint")).to_contain_text("At the assessment: Medium")
    family = page.get_by_role("group", name="Children, families and communities: level of need now")
    expect(family.locator(".govuk-hint")).to_contain_text("At the assessment: None")
    service = page.get_by_label("Accommodation: community service")
    expect(service).to_be_hidden()
    page.get_by_role("group", name="Accommodation: what happened to this need?").get_by_label(
        "Referred to a community service"
    ).check()
    expect(service).to_be_visible()
    served.check("handover-referred")


def test_a_re_match_names_the_mentor_now_and_asks_why_it_changes(served: Served) -> None:
    page, j = served.page, served.journey
    j.released(days=10, accommodation="high")
    assert j.view()["mentor_id"] == "mentor-0001"
    j.stack.send_prison_event(
        {"prison_number": "A0001AA", "change": {"type": "recalled", "event_id": "evt-recall-0001"}}
    )
    assert j.stack.deliver_prison_events() == 1
    sign_in_with_token(page, served.base, served.stack, "coordinator-0001")
    page.goto(f"{served.base}/cases/{j.case_id}/mentor")
    expect(page.get_by_test_id("not-open")).to_contain_text("The case has ended")
    expect(page.get_by_test_id("current-mentor")).to_have_text("The mentor is Mentor One.")

    new_release = j.stack.clock.now().date() + timedelta(days=100)
    change = {
        "change": {
            "type": "release_date_changed",
            "event_id": "evt-date-0002",
            "new_release_on": str(new_release),
        }
    }
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    while j.view()["waiting_for"] != "assessment":
        j.advance(days=1)
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/assessment", needs(accommodation="high")))
    assert j.view()["waiting_for"] == "mentor_match"

    page.goto(f"{served.base}/cases/{j.case_id}/mentor")
    expect(page.locator("h1")).to_have_text("Change the mentor")
    expect(page.locator("main")).to_contain_text("The mentor now is Mentor One.")
    expect(page.get_by_label(re.compile("Mentor One \\(the mentor now\\)"))).to_be_visible()
    page.get_by_label(re.compile("Mentor Two")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the mentor is changing")
    served.check("re-match-error")
    page.get_by_label("Why is the mentor changing?").fill("Synthetic reason: lives nearer the new address")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("answers")).to_contain_text("Synthetic reason: lives nearer the new address")
    page.get_by_role("button", name="Confirm and send").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    state = j.view()
    assert state["mentor_id"] == "mentor-0002"
    expect(page.locator("main")).to_contain_text(
        "matched Mentor Two as mentor in place of Mentor One, not the first suggestion. "
        "Reason: Synthetic reason: lives nearer the new address"
    )
