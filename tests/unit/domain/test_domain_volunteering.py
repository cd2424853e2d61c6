"""Volunteer hours and expenses, the pure rules: numbers as people type them (never rounded), the
programme's limits in words, an entry's life (submitted, queried, approved, withdrawn), a month."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib.resources import files

import pytest

from throughgate.domain.errors import Conflict, InvalidInput
from throughgate.domain.volunteering import (
    EntryStatus,
    MentorMonth,
    Month,
    TimeEntry,
    check_day_total,
    hours_words,
    minutes_from_hours,
    parse_volunteering,
    pence_as_pounds,
    pence_from_pounds,
    pounds,
    volunteering_rules,
)

RULES = volunteering_rules()


def _entry(**changes: object) -> TimeEntry:
    entry = TimeEntry(
        entry_id="entry-0001",
        mentor_id="mentor-0001",
        on=date(2027, 2, 10),
        minutes=90,
        activity="training",
        case_id=None,
        travel_mode="none",
        miles=0,
        fares_pence=0,
        expense_pence=0,
        expense_note="",
        recorded_by="mentor:mentor-0001",
        recorded_at=datetime(2027, 2, 10, 18, tzinfo=UTC),
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("1.5", 90), ("0.25", 15), ("2", 120), (" 1.75 ", 105), (".5", 30), ("1.3", 78), ("12", 720)],
)
def test_hours_become_whole_minutes(typed: str, minutes: int) -> None:
    assert minutes_from_hours(typed) == minutes


@pytest.mark.parametrize(
    "typed", ["", "one", "1,5", "-1", "1.5h", "1.0001", "1e2", "\u0661"]
)  # another script's digit one
def test_what_is_not_a_number_of_whole_minutes_is_not_read(typed: str) -> None:
    assert minutes_from_hours(typed) is None


@pytest.mark.parametrize(
    ("typed", "pence"), [("12.50", 1250), ("£12.5", 1250), ("12", 1200), ("0.05", 5), ("£ 3.10", 310)]
)
def test_pounds_become_pence(typed: str, pence: int) -> None:
    assert pence_from_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["12.505", "-3", "£", "twelve", "1,000", "12.5.0", "$4"])
def test_money_is_never_rounded_or_guessed(typed: str) -> None:
    assert pence_from_pounds(typed) is None


def test_money_and_hours_are_shown_as_people_write_them() -> None:
    assert [pounds(p) for p in (1250, 5, 0, 123456)] == ["£12.50", "£0.05", "£0.00", "£1,234.56"]
    assert pence_as_pounds(123456) == "1234.56"
    assert [hours_words(m) for m in (90, 75, 120, 15, 0)] == ["1.5", "1.25", "2", "0.25", "0"]


def test_mileage_is_paid_at_the_programme_rate() -> None:
    entry = _entry(travel_mode="car", miles=12, expense_pence=650, expense_note="Lunch")
    assert entry.mileage_pence(RULES) == 12 * RULES.mileage_pence_per_mile
    assert entry.claimed_pence(RULES) == 12 * RULES.mileage_pence_per_mile + 650


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"minutes": 78}, "minutes", "Enter the time in quarter hours, like 0.25, 1.5 or 2"),
        ({"minutes": 0}, "minutes", "Enter the time in quarter hours, like 0.25, 1.5 or 2"),
        ({"minutes": 735}, "minutes", "Enter 12 hours or fewer for one day"),
        ({"activity": "party"}, "activity", "Choose one of your cases, or training"),
        ({"activity": "case"}, "case_id", "Choose one of your cases"),
        ({"case_id": "0" * 8}, "case_id", "Give a case only for work with a client"),
        ({"travel_mode": "rocket"}, "travel_mode", "Choose how you travelled"),
        (
            {"travel_mode": "walking", "miles": 2},
            "miles",
            "Give miles only for a journey by car or motorbike",
        ),
        ({"travel_mode": "car", "miles": 301}, "miles", "Enter 300 miles or fewer"),
        (
            {"travel_mode": "car", "fares_pence": 1},
            "fares_pence",
            "Give fares only for a journey by public transport",
        ),
        ({"fares_pence": 1}, "fares_pence", "Give fares only for a journey by public transport"),
        (
            {"travel_mode": "public_transport", "fares_pence": 20001},
            "fares_pence",
            "Enter fares of £200.00 or less",
        ),
        (
            {"expense_pence": 100},
            "expense_note",
            "Say what the expense was for, like lunch on a training day",
        ),
        (
            {"expense_pence": 20001, "expense_note": "Taxi"},
            "expense_pence",
            "Enter an expense of £200.00 or less",
        ),
    ],
)
def test_each_limit_is_said_in_words_on_its_field(changes: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        RULES.check(_entry(**changes))
    assert (refused.value.field, refused.value.message) == (field, words)


def test_entries_within_the_limits_pass() -> None:
    RULES.check(_entry(minutes=720))
    RULES.check(_entry(travel_mode="car", miles=300, expense_pence=20000, expense_note="Train ticket"))
    RULES.check(_entry(activity="case", case_id="9" * 8, travel_mode="public_transport", fares_pence=20000))


def test_the_date_is_past_and_recent_in_london() -> None:
    today = date(2027, 3, 1)
    RULES.check_date(today, today)
    RULES.check_date(date(2026, 11, 29), today)  # 92 days back
    for day, words in ((date(2027, 3, 2), "today or in the past"), (date(2026, 11, 28), "last 92 days")):
        with pytest.raises(InvalidInput, match=words) as refused:
            RULES.check_date(day, today)
        assert refused.value.field == "on"


def test_a_day_holds_twelve_hours_across_its_entries() -> None:
    day = [_entry(entry_id="a-entry-001", minutes=480), _entry(entry_id="b-entry-001", minutes=180)]
    withdrawn = _entry(entry_id="c-entry-001", minutes=600, status=EntryStatus.WITHDRAWN)
    other_day = _entry(entry_id="d-entry-001", minutes=600, on=date(2027, 2, 11))
    check_day_total([*day, withdrawn, other_day], _entry(entry_id="new-entry-1", minutes=60), RULES)
    with pytest.raises(InvalidInput) as refused:
        check_day_total(day, _entry(entry_id="new-entry-1", minutes=75), RULES)
    assert refused.value.message == (
        "That makes more than 12 hours on 10 February 2027: 11 hours are recorded already, so enter 1 or fewer"
    )
    check_day_total(day, _entry(entry_id="a-entry-001", minutes=540), RULES)  # an edit replaces itself


def test_an_entry_is_approved_or_queried_then_answered_by_a_change() -> None:
    entry = _entry(version=3)
    entry.query("coordinator:coordinator-0001", "Which training?")
    assert (entry.status, entry.query_reason) == (EntryStatus.QUERIED, "Which training?")
    with pytest.raises(Conflict):
        entry.query("coordinator:coordinator-0001", "Again?")
    answered = entry.edited(_entry(entry_id="ignored-id", minutes=60, recorded_by="mentor:mentor-0001"))
    assert (answered.entry_id, answered.status, answered.query_reason, answered.version) == (
        "entry-0001",
        EntryStatus.SUBMITTED,
        "",
        3,
    )
    answered.approve("coordinator:coordinator-0001")
    assert not answered.may_change
    for change in (answered.withdraw, lambda: answered.edited(_entry()), lambda: answered.approve("x")):
        with pytest.raises(Conflict):
            change()


def test_a_month_has_its_first_and_last_day() -> None:
    assert Month.parse("2027-02").last == date(2027, 2, 28)
    assert Month.parse("2028-02").last == date(2028, 2, 29)
    assert Month.parse("2026-12").following() == Month(2027, 1)
    assert Month.before(date(2027, 1, 15)) == Month(2026, 12)
    assert Month(2027, 1).words == "January 2027"
    for bad in ("2027-13", "2027-1", "27-01", "", None, "2027-01-01"):
        with pytest.raises(InvalidInput, match="Give the month like 2026-11"):
            Month.parse(bad)


def test_a_mentors_month_leaves_withdrawn_entries_out() -> None:
    entries = [
        _entry(entry_id="a-entry-001", minutes=90, activity="case", case_id="1" * 8),
        _entry(entry_id="b-entry-001", travel_mode="car", miles=10, status=EntryStatus.APPROVED),
        _entry(entry_id="c-entry-001", minutes=600, expense_pence=999, status=EntryStatus.WITHDRAWN),
    ]
    month = MentorMonth.of("mentor-0001", entries, RULES)
    assert month.minutes_by_activity == {"case": 90, "training": 90}
    assert (month.minutes, month.miles, month.waiting) == (180, 10, 1)
    assert month.claimed_pence == month.approved_pence == 10 * RULES.mileage_pence_per_mile


def test_the_catalogue_is_checked_when_it_loads() -> None:
    raw = json.loads((files("throughgate.catalogue") / "volunteering.json").read_text())
    assert parse_volunteering(raw, "volunteering.json") == RULES
    for broken, words in (
        ({**raw, "minute_step": 0}, "minute_step must be between"),
        ({**raw, "activities": [{"key": "case", "name": "Clash"}]}, "not 'case'"),
        (
            {**raw, "travel_modes": [m for m in raw["travel_modes"] if m["key"] != "none"]},
            "must include 'none'",
        ),
        ({**raw, "travel_modes": [{"key": "none", "name": "No travel", "mileage": False}]}, "missing key"),
    ):
        with pytest.raises(ValueError, match=words):
            parse_volunteering(broken, "volunteering.json")
