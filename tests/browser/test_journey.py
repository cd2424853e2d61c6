"""The web app in real Chromium, on the local stack through the dev server: a whole journey, every
page checked with axe-core (WCAG 2.2 AA), a screenshot of each, and the workflow state at each step."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
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
from throughgate.domain.needs import NeedArea
from throughgate_local.api_client import ApiClient
from throughgate_local.devserver import start_in_thread
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack

START = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
AREAS = tuple(area.value for area in NeedArea)


class Site:
    def __init__(self, stack: LocalStack, base: str, page: Page, shots: Path) -> None:
        self.stack, self.base, self.page, self.shots = stack, base, page, shots
        self.pages_checked: dict[str, int] = {}
        self.count = 0

    def check(self, name: str) -> None:
        """axe-core on the page as it is now, and a screenshot."""
        violations = axe_violations(self.page)
        assert violations == [], f"{name}: {describe_violations(violations)}"
        assert raw_words(self.page) == [], f"{name}: raw keys or ids on the page"
        self.count += 1
        screenshots_at_both_widths(self.page, self.shots, f"journey-{self.count:02d}-{name}")
        self.pages_checked[name] = len(violations)

    def sign_in(self, username: str) -> None:
        """Through the sign-in form, with the synthetic user's password."""
        sign_in_with_form(self.page, self.base, username)

    def yes(self, question: str) -> None:
        self.page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()

    def submit_and_confirm(self, name: str) -> None:
        self.page.get_by_role("button", name="Continue").click()
        expect(self.page.locator("h1")).to_have_text("Check your answers before sending")
        self.check(f"{name}-check")
        self.page.get_by_role("button", name="Confirm and send").click()
        expect(self.page.locator(".govuk-notification-banner--success")).to_be_visible()

    def case_state(self, case_id: str) -> dict[str, object]:
        return ApiClient(self.stack, "coordinator-0001", "coordinator").get(f"/cases/{case_id}").body

    def advance_to(self, moment: datetime) -> None:
        self.stack.clock.advance_to(moment)
        self.stack.clock.settle()


@pytest.fixture
def site(page: Page, screenshots_dir: Path) -> Iterator[Site]:
    with LocalStack(START) as stack:
        coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        for mentor_id, name in (("mentor-0001", "Mentor One"), ("mentor-0002", "Mentor Two")):
            body = {
                "mentor_id": mentor_id,
                "display_name": name,
                "gender": "male",
                "boroughs": ["Southwark"],
                "capacity": 5,
                "lived_experience": ["accommodation"] if mentor_id == "mentor-0001" else [],
                "linked_areas": [],
            }
            assert enrolled(coordinator, body)
        httpd, base = start_in_thread(stack)
        try:
            yield Site(stack, base, page, screenshots_dir)
        finally:
            httpd.shutdown()


def test_full_journey_from_referral_to_outcome(site: Site) -> None:
    page = site.page
    site.sign_in("coordinator-0001")
    site.check("dashboard-coordinator")

    # Referral, with a mistake first: the error summary names the fields and nothing typed is lost.
    page.get_by_role("link", name="Refer a client").click()
    page.get_by_label("First name").fill("Testy")
    page.get_by_label("Prison number").fill("not valid")
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Testy")
    site.check("referral-errors")
    page.get_by_label("Last name").fill("Example")
    dob = page.get_by_role("group", name="Date of birth")
    dob.get_by_label("Day").fill("17")
    dob.get_by_label("Month").fill("5")
    dob.get_by_label("Year").fill("1990")
    page.get_by_label("Prison number").fill("A0001AA")
    page.get_by_label("Prison", exact=True).select_option("BXI")
    release = (START + timedelta(days=30)).date()
    when = page.get_by_role("group", name="Release date")
    when.get_by_label("Day").fill(str(release.day))
    when.get_by_label("Month").fill(str(release.month))
    when.get_by_label("Year").fill(str(release.year))
    page.get_by_role("group", name="Gender", exact=True).get_by_label("Male", exact=True).check()
    page.get_by_label("Home borough").fill("Southwark")
    page.get_by_role("group", name="Is there a gang or peer safety risk?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Save referral").click()
    expect(page.locator("h1")).to_have_text("Referred")
    case_id = page.url.split("/cases/")[1].split("?")[0]
    assert site.case_state(case_id)["stage"] == "referred"
    site.check("case-referred")

    page.get_by_role("link", name="Record consent").click()
    site.yes("Has the client agreed to take part?")
    page.get_by_label("Public task").check()
    site.yes("Has the client agreed to data sharing with partner services?")
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_test_id("next-step").first).to_contain_text("Pre-release assessment")
    assert site.case_state(case_id)["waiting_for"] == "assessment"
    assert [e["status"] for e in site.stack.executions()] == ["RUNNING"]

    # Assessment by keyboard only is its own test; here, by pointer, with check your answers.
    page.get_by_role("button", name="Go to pre-release assessment").click()
    site.check("assessment")
    for area in AREAS:
        level = "High" if area in ("accommodation", "finance_id") else "None"
        page.get_by_role("group", name=re.compile("level of need", re.I)).nth(AREAS.index(area)).get_by_label(
            level, exact=True
        ).check()
    site.submit_and_confirm("assessment")
    assert site.case_state(case_id)["waiting_for"] == "mentor_match"

    page.get_by_role("button", name="Go to mentor match").click()
    site.check("mentor-match")
    page.get_by_label(re.compile("Mentor One")).check()
    site.submit_and_confirm("mentor-match")
    state = site.case_state(case_id)
    assert state["stage"] == "pre_release"
    assert state["mentor_id"] == "mentor-0001"
    site.check("case-pre-release")

    # The mentor completes a task.
    site.sign_in("mentor-0001")
    site.check("dashboard-mentor")
    page.goto(f"{site.base}/cases/{case_id}")
    page.locator(".govuk-task-list__link").first.click()
    page.get_by_label("Done", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert any(t["status"] == "done" for t in site.case_state(case_id)["tasks"])

    # The clock moves to the readiness review (3 days before release).
    site.advance_to(
        datetime.combine(release - timedelta(days=3), datetime.min.time(), UTC) + timedelta(hours=9)
    )
    site.sign_in("coordinator-0001")
    page.goto(f"{site.base}/cases/{case_id}")
    expect(page.get_by_test_id("simulated-date")).to_contain_text(f"{release - timedelta(days=3):%-d %B %Y}")
    page.get_by_role("button", name="Go to readiness review").click()
    for question in (
        "Is the release-night address confirmed?",
        "Are ID and a bank card ready?",
        "Is medication and a prescription ready?",
        "Is the first probation appointment booked?",
    ):
        site.yes(question)
    site.submit_and_confirm("readiness")
    assert site.case_state(case_id)["stage"] == "release_ready"

    # Release day: meet at the gate, by the mentor, with the banner's clock control.
    page.get_by_role("button", name="Advance 1 day").click()
    expect(page).to_have_url(f"{site.base}/cases/{case_id}")  # back on the page it was pressed on
    page.get_by_role("button", name="Advance 1 day").click()
    page.get_by_role("button", name="Advance 1 day").click()
    assert site.case_state(case_id)["waiting_for"] == "release_day"
    site.sign_in("mentor-0001")
    page.goto(f"{site.base}/cases/{case_id}")
    page.get_by_role("button", name="Go to release day").click()
    site.check("release-day")
    # In page order: "met at the gate" first, which reveals the checklist under it.
    for yes in page.locator('input[type="radio"][value="yes"]').all():
        yes.check()
    site.submit_and_confirm("release-day")
    assert site.case_state(case_id)["stage"] == "post_release"

    # The mentor's check-ins as they fall due, then the coordinator's handover (only they close a case).
    done = 0
    for _ in range(100):
        state = site.case_state(case_id)
        if state["waiting_for"] == "handover":
            break
        if state["waiting_for"] != "check_in":
            site.advance_to(site.stack.clock.now() + timedelta(days=1))
            continue
        page.goto(f"{site.base}/cases/{case_id}/check-in")
        site.yes("Did you make contact with the client?")
        page.get_by_role("group", name="Has a new need come up?").get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Confirm and send").click()
        done += 1
        if done == 1:
            site.check("case-after-check-in")
    assert done == 12
    site.sign_in("coordinator-0001")
    page.goto(f"{site.base}/cases/{case_id}/handover")
    site.check("handover")
    for group in page.get_by_role("group", name=re.compile("what happened to this need")).all():
        # The group holds the referral's own questions too (revealed under "Referred"): its first
        # "Done" is the need's.
        group.get_by_label("Done", exact=True).first.check()
    for group in page.get_by_role("group", name=re.compile("level of need now")).all():
        group.get_by_label("Low", exact=True).check()
    site.yes("Is the client in work or training?")
    site.submit_and_confirm("handover")
    assert site.case_state(case_id)["stage"] == "closed"
    assert [e["status"] for e in site.stack.executions()] == ["SUCCEEDED"]

    # Eighteen months on, the outcome follow-up fires and the coordinator records the outcome.
    site.advance_to(START + timedelta(days=30 + 550))
    assert site.stack.fire_due_schedules() == 1
    site.sign_in("coordinator-0001")
    page.goto(f"{site.base}/cases/{case_id}")
    page.get_by_role("link", name="Record the 12-month outcome").click()
    site.check("outcome")
    page.get_by_role("group", name="Was there a proven re-offence?").get_by_label("No", exact=True).check()
    site.yes("Is the client in settled accommodation?")
    site.yes("Is the client in work or training?")
    site.submit_and_confirm("outcome")
    assert site.case_state(case_id)["stage"] == "outcome_recorded"

    page.get_by_role("link", name="Outcomes").click()
    expect(page.locator("svg.tg-chart").first).to_be_visible()
    site.check("outcomes")
    assert len(site.pages_checked) >= 15


def test_assessment_can_be_completed_with_the_keyboard_only(site: Site) -> None:
    coordinator = ApiClient(site.stack, "coordinator-0001", "coordinator")
    body = {
        "submission_id": "sub-keyboard-01",
        "client": {
            "given_name": "Keyboard",
            "family_name": "Example",
            "date_of_birth": "1990-05-17",
            "prison_number": "A0002AA",
            "gender": "male",
            "borough": "Southwark",
        },
        "release_on": (START + timedelta(days=30)).date().isoformat(),
        "prison": "BXI",
    }
    case_id = coordinator.post("/referrals", body).body["case_id"]
    coordinator.post(
        f"/cases/{case_id}/consent",
        {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True},
    )
    site.sign_in("coordinator-0001")
    page = site.page
    page.goto(f"{site.base}/cases/{case_id}/assessment")
    # Tab to the first radio group, then for each area: arrow to a level, Tab past the notes box.
    page.keyboard.press("Tab")
    for _ in range(40):
        if page.evaluate("document.activeElement.name") == "needs.accommodation.level":
            break
        page.keyboard.press("Tab")
    for index in range(len(AREAS)):
        assert page.evaluate("document.activeElement.name") == f"needs.{AREAS[index]}.level"
        page.keyboard.press("ArrowRight")  # from the first radio ("None") to "Low"
        page.keyboard.press("Tab")  # the notes box
        page.keyboard.press("Tab")  # the next area's radios (or the button)
    assert page.evaluate("document.activeElement.textContent").strip() == "Continue"
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Check your answers before sending")
    page.keyboard.press("Tab")
    for _ in range(60):
        if (page.evaluate("document.activeElement.textContent") or "").strip() == "Confirm and send":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    state = site.case_state(case_id)
    assert state["stage"] == "assessed"
    assert {n["entry_level"] for n in state["needs"]} == {"low"}
