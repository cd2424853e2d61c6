"""Every message a web form gives is the programme's own, in GOV.UK's style (issue 14, item 3):
each field of every form is sent empty, too long, of the wrong type and out of range through the
form engine, and whatever it says is on that field, says what to do ("Enter ...", "Select ...") or
what the answer must be, and has none of a library's wording and no raw keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from tests.error_words import in_gov_uk_style, library_wording

from throughgate.domain.case_steps import MentorChoice, StepOptions
from throughgate.domain.needs import NeedArea
from throughgate.web.form_engine import CHOICES, Field, Form, parse
from throughgate.web.forms import FORMS

OPTIONS = StepOptions(
    mentors=(
        MentorChoice("mentor-0001", "Mentor One", ("Same borough",)),
        MentorChoice("mentor-0002", "Mentor Two", ("Lived experience of accommodation",)),
    ),
    open_areas=(NeedArea.ACCOMMODATION, NeedArea.HEALTH),
    escalations=(
        ("check_in_missed", "Check-ins missed"),
        ("task_overdue#t-1", "Task overdue: Open a bank account"),
    ),
)
# What the web adds to a form's answers: the referral's submission id, the check-in due (from the case).
EXTRAS = {"referral": {"submission_id": "sub-form-words-01"}, "check_in": {"number": 1}}
DATE_PARTS = ("day", "month", "year")
# Answers a form's own checks take, where the first option offered or plain words would not do.
VALID_TEXT = {
    "client.given_name": "Testy",
    "client.family_name": "Example",
    "client.prison_number": "A1234BC",
    "prison": "BXI",
    "minutes": "30",
    "confirm_case_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "mobile": "07700 900123",
    "at": "14:30",
    "username": "mentor-0012",
    "email": "someone@staff.throughgate.example",
    "capacity": "5",
    "hours": "2.5",
}
VALID_CHOICE = {"type": "transferred", "outcome": "referred"}  # so the fields read with them are read
TOO_LONG = "a" * 5_001  # more than any field's model takes
# A value of the wrong kind for each sort of field, and values out of range.
WRONG = {"text": "\x00\u202e<b>", "textarea": "\x07bell", "choice": "not-an-option"}
NAMES = ("client.given_name", "client.family_name")
# Optional on the form, needed with the baseline's answer to another question (a transfer's prison,
# a referred need's service and state): refused, with the message on the field or on the question.
READ_WITH_ANOTHER = (
    "prison",
    *(f"needs.{a.value}.{n}" for a in NeedArea for n in ("service", "referral_state")),
)
PATTERNED = ("client.prison_number", "prison", "confirm_case_id", "mobile", "at", "username", "email")
BAD_DATES = {
    "letters in the day": ("ab", "4", "2027"),
    "letters in the year": ("12", "4", "twenty"),
    "31 February": ("31", "2", "2027"),
    "day 0": ("0", "4", "2027"),
    "month 13": ("12", "13", "2027"),
    "five-digit year": ("12", "4", "20270"),
    "two-digit year": ("12", "4", "27"),
    "one part missing": ("12", "", "2027"),
}
BAD_MINUTES = ("0", "100000", "-5", "1.5", "ten", "601")


def _name(field: Field) -> str:
    return field.name.rsplit(".", 1)[-1]


def _valid(field: Field) -> dict[str, Any]:
    if field.kind == "date":
        return dict(zip((f"{field.name}-{p}" for p in DATE_PARTS), ("12", "4", "2027"), strict=True))
    offered = [option for option, _text in field.options if option]
    if field.kind == "checkboxes":
        return {field.name: offered[:1]}
    if field.kind == "yesno":
        return {field.name: "yes"}
    if field.kind in CHOICES:
        wanted = VALID_CHOICE.get(_name(field))
        return {field.name: wanted if wanted in offered else offered[0]}
    value = VALID_TEXT.get(field.name, "Referred to the council's housing team")
    return {field.name: value}


def valid_post(form: Form) -> dict[str, Any]:
    post: dict[str, Any] = {"submission_id": "sub-form-words-02"}  # every form of ours posts one
    for field in form.fields:
        post |= _valid(field)
    return post


def _revealing(field: Field) -> dict[str, Any]:
    """The answer that asks a follow-up question (a conditional reveal): without it the question is
    not asked, and whatever was posted for it is ignored."""
    if field.reveal_under is None:
        return {}
    parent, options = field.reveal_under
    return {parent: options[0]}


def _date(field: Field, parts: tuple[str, str, str]) -> dict[str, str]:
    return dict(zip((f"{field.name}-{p}" for p in DATE_PARTS), parts, strict=True))


def changes(field: Field) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(what, the field's posted value(s), whether the form must refuse it)."""
    if field.kind == "date":
        yield "empty", _date(field, ("", "", "")), field.required
        for what, parts in BAD_DATES.items():
            yield what, _date(field, parts), True
        # A real date, out of any range a case has: the form takes it, the logic judges it.
        yield "the year 1800", _date(field, ("1", "1", "1800")), False
        return
    needed = field.required or field.name in READ_WITH_ANOTHER
    yield "empty", {field.name: ""}, needed
    yield "blank", {field.name: "   "}, needed
    if field.kind in CHOICES or field.kind == "checkboxes":
        yield "an option not offered", {field.name: WRONG["choice"]}, True
        yield "too long", {field.name: TOO_LONG}, True
        first = next(option for option, _text in field.options if option)
        yield "the same option twice", {field.name: [first, first]}, True
        return
    yield "too long", {field.name: TOO_LONG}, True
    if field.name == "minutes":
        for value in BAD_MINUTES:
            yield f"minutes {value}", {field.name: value}, True
        return
    yield "unprintable", {field.name: WRONG[field.kind]}, True
    if field.name in NAMES:
        yield "digits in a name", {field.name: "R2D2"}, True
    if field.name in PATTERNED:
        yield "the wrong form", {field.name: "z9z"}, True


def assert_ours(form: Form, errors: dict[str, str], context: str) -> None:
    ids = {f.id for f in form.fields}
    assert set(errors) <= ids, f"{context}: a message on no field: {errors}"
    for field_id, message in errors.items():
        assert in_gov_uk_style(message), f"{context}: {field_id}: {message!r} is not in GOV.UK's style"
        assert not library_wording(message), (
            f"{context}: {field_id}: {message!r} has {library_wording(message)}"
        )


CASES = [
    pytest.param(key, field.name, id=f"{key}-{field.name}")
    for key, build in FORMS.items()
    for field in build(OPTIONS).fields
]


@pytest.mark.parametrize(("key", "name"), CASES)
def test_every_field_says_what_is_wrong_in_our_words(key: str, name: str) -> None:
    form = FORMS[key](OPTIONS)
    field = next(f for f in form.fields if f.name == name)
    baseline = valid_post(form) | _revealing(field)
    assert parse(form, baseline, EXTRAS.get(key)).errors == {}, f"{key}: the baseline post is refused"
    for what, change, refused in changes(field):
        submission = parse(form, baseline | change, EXTRAS.get(key))
        context = f"{key}.{name} {what}"
        if refused and field.name in READ_WITH_ANOTHER:
            assert submission.errors, f"{context}: taken"
        elif refused:
            assert field.id in submission.errors, f"{context}: no message on the field: {submission.errors}"
        else:
            assert field.id not in submission.errors, f"{context}: {submission.errors}"
        assert_ours(form, submission.errors, context)


@pytest.mark.parametrize("key", FORMS)
def test_an_empty_post_names_every_question_to_answer(key: str) -> None:
    form = FORMS[key](OPTIONS)
    errors = parse(form, {}, EXTRAS.get(key)).errors
    # A follow-up question is asked only with the answer that reveals it.
    assert {f.id for f in form.fields if f.required and f.reveal_under is None} <= set(errors)
    assert_ours(form, errors, f"{key} empty")


def test_the_fields_a_referred_need_needs_are_asked_for_on_that_need() -> None:
    form = FORMS["handover"](OPTIONS)
    post = valid_post(form) | {"needs.health.service": "", "needs.health.referral_state": ""}
    errors = parse(form, post).errors
    assert errors == {
        "needs-health-service": "Enter the community service for health (physical and mental)",
        "needs-health-referral_state": "Select where the referral is for health (physical and mental)",
    }


@pytest.mark.parametrize(
    ("key", "kept"), [("assessment", "needs.accommodation."), ("handover", "exit_levels.accommodation")]
)
def test_a_rule_across_the_form_is_in_our_words(key: str, kept: str) -> None:
    """Every need area is assessed (and given a level at handover): a form that asked about fewer
    would hear it on its first field, in words, naming the areas by their names."""
    full = FORMS[key](OPTIONS)
    form = dataclasses.replace(
        full,
        fields=tuple(f for f in full.fields if f.name.startswith(kept) or f.name == "in_work_or_training"),
    )
    errors = parse(form, valid_post(form)).errors
    assert list(errors) == [form.fields[0].id], errors
    assert errors[form.fields[0].id].startswith("Select the level of need")
    assert "Finance and ID" in errors[form.fields[0].id]
    assert_ours(form, errors, f"{key} across fields")
