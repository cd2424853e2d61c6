"""Find a case in real Chromium: a coordinator finds a referral again by part of its surname; the
search text never reaches an address; the page passes axe-core and does not scroll sideways at
375 px."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, describe_violations, sign_in_with_form
from throughgate_local.api_client import ApiClient
from throughgate_local.devserver import start_in_thread
from throughgate_local.stack import LocalStack

START = datetime(2027, 3, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, list[str]]]:
    """A stack with 25 referrals (more than a page), served over HTTP."""
    with LocalStack(START) as stack:
        api = ApiClient(stack, "coordinator-0001", "coordinator")
        ids = []
        for n in range(25):
            family = "Quillfeather-Ashdown" if n == 7 else f"Example{'abcdefghijklmnopqrstuvwxy'[n]}"
            body = {
                "submission_id": f"sub-browse-{n:04d}",
                "client": {
                    "given_name": "Findable" if n == 7 else "Testy",
                    "family_name": family,
                    "date_of_birth": "1988-02-03",
                    "prison_number": f"B{n:04d}FC",
                    "gender": "female",
                    "borough": "Lambeth",
                },
                "release_on": (START + timedelta(days=20 + n)).date().isoformat(),
                "prison": "BXI",
            }
            ids.append(api.post("/referrals", body).body["case_id"])
        httpd, base = start_in_thread(stack)
        try:
            yield base, ids
        finally:
            httpd.shutdown()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_finds_a_referral_by_part_of_its_surname(
    served: tuple[str, list[str]], page: Page, screenshots_dir: Path
) -> None:
    base, ids = served
    sign_in_with_form(page, base, "coordinator-0001")
    page.get_by_role("link", name="Find a case").click()
    expect(page).to_have_url(f"{base}/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a case")
    rows = page.get_by_test_id("case-list").locator("tbody tr")
    expect(rows).to_have_count(20)  # a page of the cases being worked, by release date
    page.get_by_role("button", name="Next page").click()
    expect(rows).to_have_count(5)
    expect(page).to_have_url(f"{base}/cases")  # paging is a POST too

    page.get_by_label("Name, prison number or case reference").fill("quILLf")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{base}/cases")  # the search text never reaches an address
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("B0007FC")
    expect(row).to_contain_text("Referred")
    expect(row).to_contain_text("Not matched")
    expect(row).to_contain_text(f"{START + timedelta(days=27):%-d %B %Y}")
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)

    page.screenshot(path=str(screenshots_dir / "find-a-case.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 800})
    _no_sideways_scroll(page)
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
    page.screenshot(path=str(screenshots_dir / "find-a-case-375.png"), full_page=True)

    page.get_by_role("link", name="Findable Quillfeather-Ashdown").click()
    expect(page).to_have_url(f"{base}/cases/{ids[7]}")


def test_an_empty_result_says_how_to_widen_the_search(served: tuple[str, list[str]], page: Page) -> None:
    base, _ids = served
    sign_in_with_form(page, base, "coordinator-0001")
    page.goto(f"{base}/cases")
    page.get_by_label("Name, prison number or case reference").fill("Nobodyhere")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("no-cases")).to_contain_text("No cases match your search")
    page.get_by_label("Name, prison number or case reference").fill("x")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a name, prison number or case reference"
    )
    page.set_viewport_size({"width": 375, "height": 800})
    _no_sideways_scroll(page)
    violations = axe_violations(page)
    assert violations == [], describe_violations(violations)
