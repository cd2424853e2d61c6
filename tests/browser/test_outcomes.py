"""The outcomes page in real Chromium (issue 17): figures by release period with counts, 95%
intervals, the named baseline and a caution under 60 outcomes; a period chosen on the page; the CSV
in words; axe-core clean, no raw keys, no sideways scroll at 375 or 1280 px."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    RAW,
    Served,
    axe_violations,
    describe_violations,
    raw_words,
    screenshots_at_both_widths,
    sign_in_with_token,
)
from tests.e2e.test_justice_data_lab import _released_clients as released_clients
from tests.journey import START, new_journey
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """A client released on 11 March 2027 who kept two check-ins and disengaged, with a final outcome
    recorded 18 months on; 61 clients released early in 2026."""
    with LocalStack(START) as stack:
        j = new_journey(stack)
        j.released()
        j.check_ins(count=2)
        change = {"change": {"type": "disengaged", "event_id": "evt-dis-0001"}}
        j.ok(j.coordinator.post(f"/cases/{j.case_id}/circumstances", change))
        j.advance(days=560)
        outcome = {"proven_reoffending": False, "housed": True, "in_work_or_training": False}
        j.ok(j.coordinator.post(f"/cases/{j.case_id}/outcome", outcome))
        released_clients(61)  # released in early 2026: enough for a Justice Data Lab pack
        httpd, base = start_in_thread(stack)
        try:
            yield Served(stack, base, j)
        finally:
            httpd.shutdown()


def test_the_outcomes_page_by_period_with_intervals_and_the_baseline(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    sign_in_with_token(page, served.base, served.stack, "manager-0001")
    page.goto(f"{served.base}/outcomes?period=2027")
    expect(page.get_by_role("heading", name="Cohort outcomes")).to_be_visible()
    body = page.locator("main").inner_text()
    assert "0% (0 of 1; 95% interval 0.0% to 79.3%)" in body
    assert "Adults released from custody or starting a court order" in body
    assert "Proven reoffending statistics" in body
    assert "Only 1 outcome recorded" in body
    assert "Consented (intention to treat)" in body
    assert raw_words(page) == []
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    screenshots_at_both_widths(page, screenshots_dir, "outcomes")

    page.get_by_label("Clients released in").select_option("2027-Q2")
    page.get_by_role("button", name="Show figures").click()
    assert "period=2027-Q2" in page.url
    quarter = page.locator("main").inner_text()
    assert "Releases from 1 April 2027 to 30 June 2027" in quarter
    assert "No one counted yet" in quarter, "the client was released in March: not in this quarter"

    csv_text = page.request.get(f"{served.base}/outcomes.csv?period=2027").text()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["Measure", "Value"]
    assert ["12-month outcomes recorded", "1"] in rows
    assert not RAW.findall(" ".join(row[0] for row in rows)), "the CSV's measures are in words"


def test_a_mentor_sees_the_figures_but_no_download(page: Page, served: Served) -> None:
    sign_in_with_token(page, served.base, served.stack, "mentor-0001")
    page.goto(f"{served.base}/outcomes")
    expect(page.get_by_role("heading", name="Cohort outcomes")).to_be_visible()
    assert page.get_by_role("link", name="Download these figures as CSV").count() == 0


def test_the_funders_report_prints_a_period(page: Page, served: Served, screenshots_dir: Path) -> None:
    sign_in_with_token(page, served.base, served.stack, "manager-0001")
    page.goto(f"{served.base}/outcomes?period=2027")
    page.get_by_role("link", name="Report for funders (to print)").click()
    expect(
        page.get_by_role("heading", name="Clients released from 1 January 2027 to 31 December 2027")
    ).to_be_visible()
    body = page.locator("main").inner_text()
    assert "Check-ins kept (contact made)\t100% (2 of 2;" in body
    assert "Met at the gate\t100% (1 of 1;" in body
    assert "Justice Data Lab" in body
    assert raw_words(page) == []
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    screenshots_at_both_widths(page, screenshots_dir, "funder-report")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print this report").is_visible(), "buttons are not printed"
    page.emulate_media(media="screen")


def test_the_justice_data_lab_pack_is_refused_under_60_and_confirmed_before_download(
    page: Page, served: Served, screenshots_dir: Path
) -> None:
    sign_in_with_token(page, served.base, served.stack, "coordinator-0001")
    page.goto(f"{served.base}/outcomes/justice-data-lab?period=2027")
    expect(page.get_by_test_id("refused")).to_contain_text("at least 60 people; 1 consented")
    assert page.get_by_role("button", name="Download the pack").count() == 0

    page.goto(f"{served.base}/outcomes/justice-data-lab?period=2026-Q1")
    expect(page.get_by_text("This file holds personal data about 61 people")).to_be_visible()
    assert raw_words(page) == []
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    screenshots_at_both_widths(page, screenshots_dir, "justice-data-lab")

    page.get_by_role("button", name="Download the pack").click()  # not confirmed: asked again
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_label("I confirm this is a lawful share").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the pack").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows[0][:4] == ["Surname", "Forename", "Date of birth", "Gender"]
    assert len(rows) == 62
