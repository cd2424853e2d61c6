"""A mentor's record as data: checks with their default validity and words, leave that ends by
itself, clearances, and what coordinators are shown as lapsed or due (synthetic values)."""

from datetime import date, timedelta

import pytest

from throughgate.domain.catalogue import load_mentor_checks
from throughgate.domain.errors import InvalidInput
from throughgate.domain.mentors import (
    Availability,
    AvailabilityStatus,
    Check,
    CheckOutcome,
    Clearance,
    Clearances,
    Vetting,
    due_items,
)

TODAY = date(2026, 11, 3)
CATALOGUE = load_mentor_checks()
CRIMINAL_RECORDS = CATALOGUE.kind("criminal_records")
REFERENCES = CATALOGUE.kind("references")


def _recorded(kind: object = CRIMINAL_RECORDS, **overrides: object) -> Check:
    answers: dict[str, object] = {
        "outcome": CheckOutcome.CLEARED,
        "level": "enhanced",
        "conditions": "",
        "avoid_areas": (),
    } | overrides
    expires_on = answers.pop("expires_on", None)
    return Check.recorded(kind, TODAY, expires_on, **answers)  # type: ignore[arg-type]


def test_a_check_without_an_expiry_lasts_the_catalogues_validity() -> None:
    assert _recorded().expires_on == TODAY + timedelta(days=1095)
    assert _recorded(REFERENCES, level=None).expires_on is None  # references do not expire


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"expires_on": TODAY}, "expires_on", "The expiry date must be after the date of the check"),
        ({"level": None}, "level", "Select the level of the criminal records check"),
        ({"level": "platinum"}, "level", "Select the level of the criminal records check"),
        (
            {"outcome": CheckOutcome.CLEARED_WITH_CONDITIONS},
            "conditions",
            "Enter the conditions the mentor was cleared with",
        ),
        ({"avoid_areas": ("Area Q",)}, "conditions", "Conditions go with the outcome"),
    ],
)
def test_a_check_that_cannot_be_right_is_refused_in_words(
    overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        _recorded(**overrides)
    assert raised.value.field == field


def test_a_check_says_its_status_in_words() -> None:
    check = Check("criminal_records", date(2023, 11, 3), TODAY)
    assert check.status_on(TODAY - timedelta(days=1)) == "In date until 2 November 2026"
    assert check.status_on(TODAY) == "Lapsed on 3 November 2026"
    assert Check("references", TODAY, None).status_on(TODAY) == "In date"
    assert Check("references", TODAY, None, CheckOutcome.NOT_CLEARED).status_on(TODAY) == "Not cleared"


def test_leave_ends_by_itself_after_its_last_day() -> None:
    leave = Availability(AvailabilityStatus.ON_LEAVE, TODAY)
    assert not leave.available_on(TODAY)
    assert leave.words_on(TODAY) == "On leave until 3 November 2026"
    assert leave.available_on(TODAY + timedelta(days=1))
    assert leave.words_on(TODAY + timedelta(days=1)) == "Active"
    assert not Availability(AvailabilityStatus.PAUSED).available_on(TODAY)
    with pytest.raises(InvalidInput):
        Availability(AvailabilityStatus.ON_LEAVE)


def test_a_prison_is_cleared_until_the_clearance_expires() -> None:
    clearances = Clearances((Clearance("BXI", TODAY + timedelta(days=1)),))
    assert clearances.cleared_for("BXI", TODAY)
    assert not clearances.cleared_for("BXI", TODAY + timedelta(days=1))
    assert not clearances.cleared_for("WWI", TODAY)
    with pytest.raises(InvalidInput):
        Clearances((Clearance("BXI", TODAY), Clearance("BXI", TODAY)))


def test_coordinators_see_what_lapses_within_30_days_and_what_has_lapsed() -> None:
    vetting = Vetting(
        (
            Check(
                "criminal_records", date(2024, 1, 1), TODAY + timedelta(days=30)
            ),  # the last day in the window
            Check("code_of_conduct", date(2026, 1, 1), TODAY + timedelta(days=31)),  # beyond it
            Check("safeguarding", date(2024, 1, 1), TODAY - timedelta(days=2)),  # lapsed
            Check("references", date(2024, 1, 1), None),  # never lapses
        )
    )
    clearances = Clearances(
        (Clearance("BXI", TODAY + timedelta(days=10)), Clearance("WWI", date(2028, 1, 1)))
    )
    due = due_items("m-1", "Mentor One", vetting, clearances, day=TODAY)
    assert sorted((item.what, item.words_on(TODAY)) for item in due) == [
        ("Clearance for HMP Brixton", "Lapses on 13 November 2026"),
        ("Criminal records check", "Lapses on 3 December 2026"),
        ("Safeguarding training", "Lapsed on 1 November 2026"),
    ]
