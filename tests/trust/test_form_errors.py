"""The web forms' messages through the real web handler on the local stack (issue 14, item 3): a
sample of empty, too long, wrong and out-of-range answers, including those only the logic can judge
(a release date in the past, a client too young, a contact in the future), each answered on its
field, in GOV.UK's style and the programme's words."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.error_words import in_gov_uk_style, library_wording
from tests.journey import AREAS, START, referral
from tests.trust.conftest import StaffSession
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.trust

TODAY = START.date()


def _date(name: str, day: Any) -> dict[str, str]:
    parts = day if isinstance(day, tuple) else (str(day.day), str(day.month), str(day.year))
    return dict(zip((f"{name}-day", f"{name}-month", f"{name}-year"), parts, strict=True))


VALID_REFERRAL = {
    "submission_id": "sub-web-words-01",
    "client.given_name": "Testy",
    "client.family_name": "Example",
    **_date("client.date_of_birth", ("17", "5", "1990")),
    "client.prison_number": "A0299AA",
    "prison": "BXI",
    **_date("release_on", TODAY + timedelta(days=40)),
    "client.gender": "male",
    "client.borough": "Southwark",
    "client.gang_risk": "no",
}
VALID_CONTACT = {
    **_date("on", TODAY),
    "method": "phone",
    "made": "yes",
    "minutes": "20",
    "note": "Talked through the hostel move",
}


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[StaffSession, str]]:
    with LocalStack(START) as stack:
        coordinator = StaffSession(stack, "coordinator-0001", "coordinator")
        made = coordinator.api("POST", "/referrals", json.dumps(referral(days=40)))
        assert made.status == 201, made
        yield coordinator, made.json()["case_id"]


def messages(page: str) -> dict[str, str]:
    """Each message of the error summary, by the field it links to."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    assert summary, "no error summary"
    found = re.findall(r'<a href="#([^"]+)"[^>]*>(.*?)</a>', summary.group(1), re.S)
    return {target.removesuffix("-day"): html.unescape(text.strip()) for target, text in found}


SAMPLES = [
    # (form, what, changed answers, the field, the message or None for "any of ours")
    ("referral", "empty", {k: "" for k in VALID_REFERRAL if k != "submission_id"}, "client-given_name", "Enter first name"),
    ("referral", "a release date in 1800", _date("release_on", ("1", "1", "1800")), "release_on", "The release date must be today or in the future"),
    ("referral", "a release date 10 years away", _date("release_on", ("1", "1", str(TODAY.year + 10))), "release_on", "The release date must be within 3 years of today"),
    ("referral", "31 February", _date("release_on", ("31", "2", str(TODAY.year + 1))), "release_on", "Release date must be a real date"),
    ("referral", "letters in the year", _date("client.date_of_birth", ("17", "5", "nineteen")), "client-date_of_birth", "Date of birth must be a real date"),
    ("referral", "a client of 10", _date("client.date_of_birth", ("17", "5", str(TODAY.year - 10))), "client-date_of_birth", None),
    ("referral", "digits in a name", {"client.given_name": "R2D2"}, "client-given_name", "First name must only include letters, spaces, hyphens and apostrophes"),
    ("referral", "a borough too long", {"client.borough": "a" * 61}, "client-borough", "Home borough must be 60 characters or fewer"),
    ("referral", "a prison number already referred", {"client.prison_number": "a0001aa"}, "client-prison_number", "Check the prison number: a case is already open for it (find it under Find a case)"),
    ("referral", "a gender not offered", {"client.gender": "robot"}, "client-gender", "Select the client's gender"),
    ("contact", "0 minutes", {"minutes": "0"}, "minutes", None),
    ("contact", "100000 minutes", {"minutes": "100000"}, "minutes", None),
    ("contact", "a date tomorrow", _date("on", TODAY + timedelta(days=1)), "on", "The date of the contact must be today or in the past"),
    ("contact", "a date in 1800", _date("on", ("1", "1", "1800")), "on", "The date of the contact must be on or after the referral"),
    ("contact", "a method not offered", {"method": "pigeon"}, "method", "Select how the contact was made"),
    ("contact", "a note too long", {"note": "n" * 2_001}, "note", "Notes must be 2,000 characters or fewer"),
    ("consent", "empty", {}, "consent_given", "Select yes or no: has the client agreed to take part?"),
    ("circumstances", "a new sentence without its date", {"type": "new_sentence"}, "sentence_release_on", "Enter the release date for the new sentence"),
    ("circumstances", "a new release date in the past", {"type": "release_date_changed", **_date("new_release_on", TODAY - timedelta(days=2))}, "new_release_on", "The release date must be today or in the future"),
    ("circumstances", "a transfer to no prison", {"type": "transferred", "prison": ""}, "prison", None),
    ("erasure", "someone else's case id", {"reason": "recorded_in_error", "confirm_case_id": "0f8fad5b-d9cb-469f-a165-70867728950e"}, "confirm_case_id", "Enter the case id exactly as shown on the case page"),
    ("assessment", "an area not answered", {f"needs.{a}.level": "low" for a in AREAS[1:]}, "needs-accommodation-level", "Select the level of need for accommodation"),
]  # fmt: skip
PATHS = {"referral": "/cases/new", "contact": "/cases/{case}/contacts"}
BASE = {"referral": VALID_REFERRAL, "contact": VALID_CONTACT}


@pytest.mark.parametrize(
    ("form", "what", "answers", "field", "expected"), SAMPLES, ids=[f"{s[0]}-{s[1]}" for s in SAMPLES]
)
def test_the_web_forms_say_what_is_wrong_on_the_field_in_our_words(
    world: tuple[StaffSession, str],
    form: str,
    what: str,
    answers: dict[str, str],
    field: str,
    expected: str | None,
) -> None:
    coordinator, case_id = world
    path = PATHS.get(form, f"/cases/{{case}}/{form}").format(case=case_id)
    post = {"submission_id": "sub-web-words-02", **BASE.get(form, {}), **answers, "step": "confirm"}

    response = coordinator.web("POST", path, post)

    assert response.status == 422, (response.status, what)
    said = messages(response.body)
    assert field in said, f"{what}: no message on {field}: {said}"
    if expected is not None:
        assert said[field] == expected
    for target, message in said.items():
        assert in_gov_uk_style(message), f"{what}: {target}: {message!r}"
        assert not library_wording(message), f"{what}: {target}: {message!r}"
