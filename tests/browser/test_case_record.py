"""What people write about a case is seen again, and escalations are resolved, in real Chromium:
the client's name on the case page and the forms, a contact note and a task note on the case page,
an escalation that goes when its task is done, one a coordinator resolves with a note. Each page is
checked with axe-core and for horizontal scrolling on a 375 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe_violations, sign_in_with_form
from tests.journey import START, Journey, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

PHONE = {"width": 375, "height": 800}


class Walk:
    def __init__(self, journey: Journey, base: str, page: Page, shots: Path) -> None:
        self.journey, self.base, self.page, self.shots = journey, base, page, shots

    def check(self, name: str) -> None:
        violations = axe_violations(self.page)
        assert violations == [], f"{name}: {describe_violations(violations)}"
        wide = self.page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not wide, f"{name}: the page scrolls sideways at {self.page.viewport_size}"
        self.page.screenshot(path=str(self.shots / f"case-record-{name}.png"), full_page=True)

    def case_page(self) -> None:
        self.page.goto(f"{self.base}/cases/{self.journey.case_id}")


@pytest.fixture
def walk(page: Page, screenshots_dir: Path) -> Iterator[Walk]:
    page.set_viewport_size(PHONE)
    with LocalStack(START) as stack:
        journey = new_journey(stack)
        journey.refer_and_consent(days=20)
        journey.assess_and_match(accommodation="high")
        httpd, base = start_in_thread(stack)
        try:
            yield Walk(journey, base, page, screenshots_dir)
        finally:
            httpd.shutdown()


def test_a_mentor_sees_who_the_case_is_and_finds_their_contact_and_task_notes(walk: Walk) -> None:
    page = walk.page
    sign_in_with_form(page, walk.base, "mentor-0001")
    walk.case_page()
    expect(page.get_by_test_id("client-name")).to_have_text("Testy Example")
    expect(page.get_by_test_id("person")).to_contain_text("A0001AA")
    release = walk.journey.release_on()
    review, release_day = page.get_by_test_id("next-step").all()[:2]
    expect(review).to_contain_text("Readiness review")
    expect(review).to_contain_text("A coordinator")
    expect(review).to_contain_text(f"Opens on {release - timedelta(days=3):%-d %B %Y}")
    expect(release_day).to_contain_text("Release day")
    expect(release_day).to_contain_text("Mentor One")
    expect(release_day).to_contain_text(f"Opens on {release:%-d %B %Y}")
    expect(page.get_by_test_id("tasks-due")).to_contain_text("due this week")
    walk.check("case")

    page.get_by_role("link", name="Log a contact").click()
    expect(page.get_by_test_id("client-name")).to_have_text("Testy Example")
    today = walk.journey.stack.clock.now().date()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("group", name="How?").get_by_label("Phone", exact=True).check()
    page.get_by_role("group", name="Did you speak with the client?").get_by_label("Yes", exact=True).check()
    page.get_by_label("How long, in minutes?").fill("forty")
    page.get_by_role("button", name="Save contact").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter how long it took as a number of minutes"
    )
    walk.check("contact-error")
    page.get_by_label("How long, in minutes?").fill("40")
    page.get_by_label("Accommodation").check()
    page.get_by_label("Notes (optional)").fill("Worried about the hostel; ring the housing officer Friday")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_test_id("contacts")).to_contain_text("ring the housing officer Friday")
    expect(page.get_by_test_id("contacts")).to_contain_text("Phone · 40 minutes · Spoke with the client")

    first_task = page.locator("a.govuk-task-list__link").first
    title = first_task.inner_text()
    first_task.click()
    expect(page.get_by_test_id("task-title")).to_have_text(title)
    page.get_by_label("In progress").check()
    page.get_by_label("Note").fill("Phoned the council, waiting to hear")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Phoned the council, waiting to hear")  # on the case page
    page.get_by_role("link", name=title).click()
    expect(page.get_by_test_id("task-status")).to_have_text("In progress")
    expect(page.get_by_test_id("task-history")).to_contain_text("Mentor One")
    expect(page.get_by_test_id("task-history")).to_contain_text("Phoned the council, waiting to hear")
    walk.check("task")


def _overdue_and_escalated(walk: Walk) -> dict[str, str]:
    j = walk.journey
    critical = min((t for t in j.view()["tasks"] if t["critical"]), key=lambda t: t["due_on"])
    last = date.fromisoformat(critical["due_on"]) + timedelta(days=5)
    while j.stack.clock.now().date() < last:
        j.advance(days=1)
        j.stack.run_daily_sweep()
        j.stack.read_outbox()
    assert f"task_overdue#{critical['task_key']}" in {e["cause"] for e in j.view()["escalations"]}
    return critical


def test_an_escalation_goes_from_the_dashboard_when_its_task_is_done(walk: Walk) -> None:
    page, critical = walk.page, _overdue_and_escalated(walk)
    sign_in_with_form(page, walk.base, "coordinator-0001")
    escalations = page.get_by_test_id("escalations")
    expect(escalations).to_contain_text("Testy Example")
    expect(escalations).to_contain_text("Task overdue")
    walk.check("dashboard-escalated")

    sign_in_with_form(page, walk.base, "mentor-0001")
    page.goto(f"{walk.base}/cases/{walk.journey.case_id}/tasks/{critical['task_key']}")
    page.get_by_label("Done").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("[data-testid=escalations]")).not_to_contain_text(
        f"Task overdue: {critical['title']}"
    )
    expect(page.locator("main")).to_contain_text(f"Mentor One resolved: Task overdue: {critical['title']}")

    still_open = walk.journey.view()["escalations"]
    sign_in_with_form(page, walk.base, "coordinator-0001")
    if still_open:  # other tasks of the client's are overdue too: one fewer is counted
        expect(escalations).to_contain_text("Testy Example")
        expect(escalations).not_to_contain_text(f"({len(still_open) + 1})")
    else:
        expect(escalations).not_to_contain_text("Testy Example")


def test_a_coordinator_resolves_an_escalation_with_a_note(walk: Walk) -> None:
    page = walk.page
    _overdue_and_escalated(walk)
    sign_in_with_form(page, walk.base, "coordinator-0001")
    walk.case_page()
    before = page.get_by_test_id("escalations").locator("li").count()
    page.get_by_role("link", name="Resolve an escalation").click()
    walk.check("resolve-form")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select an escalation")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what was done about it")
    page.get_by_role("group", name="Which escalation?").get_by_role("radio").first.check()
    page.get_by_label("What was done about it").fill("The mentor is on leave; I made the appointment")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(page.get_by_test_id("escalations").locator("li")).to_have_count(before - 1)
    resolved = next(e for e in walk.journey.view()["timeline"] if e["kind"] == "escalation_resolved")
    assert resolved["actor"] == "coordinator:coordinator-0001"
    walk.check("resolved")

    page.get_by_role("link", name="audit trail").click()
    audit = page.get_by_test_id("audit")
    expect(audit).to_contain_text("Sent the resolve an escalation form")
    expect(audit).to_contain_text("Coordinator 0001")  # the demo staff records name them (issue 18)
    expect(audit).not_to_contain_text("{case_id}")
    walk.check("audit")
