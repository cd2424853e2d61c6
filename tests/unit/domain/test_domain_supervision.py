"""The no-contact rule, supervision's next due date and when a case may be reassigned: pure domain."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from throughgate.domain.case import Case, ClientDetails
from throughgate.domain.catalogue import load_programme
from throughgate.domain.lifecycle import Stage
from throughgate.domain.schedule import london_date
from throughgate.domain.supervision import Supervision, SupervisionDue

RELEASED = date(2027, 6, 1)
LIMIT = 14


def _case(stage: Stage = Stage.POST_RELEASE, mentor_id: str | None = "mentor-0001", **fields: object) -> Case:
    return Case(
        case_id="c1",
        stage=stage,
        release_on=RELEASED,
        prison="BXI",
        client=ClientDetails("Testy", "Example", date(1990, 1, 1), "A0001AA", "male", "Southwark"),
        created_at=datetime(2027, 3, 1, tzinfo=UTC),
        payload_hash="h",
        mentor_id=mentor_id,
        first_released_on=fields.pop("first_released_on", RELEASED),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def test_the_programme_flags_after_14_days() -> None:
    assert load_programme().no_contact_flag_days == LIMIT


@pytest.mark.parametrize(("days", "flagged"), [(13, None), (14, None), (15, 15)])
def test_a_pair_is_flagged_only_after_more_than_14_days_without_contact(
    days: int, flagged: int | None
) -> None:
    case = _case(last_contact_on=date(2027, 6, 10))
    today = date.fromordinal(date(2027, 6, 10).toordinal() + days)
    assert case.days_without_contact(today, LIMIT) == flagged


def test_the_days_count_by_the_london_date() -> None:
    """23:30 UTC on 16 June in summer is already 17 June in London: 16 days, not 15."""
    case = _case(last_contact_on=date(2027, 6, 1))
    late_evening = datetime(2027, 6, 16, 23, 30, tzinfo=UTC)
    assert case.days_without_contact(late_evening.date(), LIMIT) == 15
    assert case.days_without_contact(london_date(late_evening), LIMIT) == 16


def test_with_no_contact_ever_it_counts_from_the_release_or_the_pairing_whichever_is_later() -> None:
    assert _case().days_without_contact(date(2027, 6, 16), LIMIT) == 15
    paired_later = _case(paired_on=date(2027, 6, 10))
    assert paired_later.days_without_contact(date(2027, 6, 16), LIMIT) is None
    assert paired_later.days_without_contact(date(2027, 6, 25), LIMIT) == 15


@pytest.mark.parametrize(
    "case",
    [
        _case(stage=Stage.PRE_RELEASE, first_released_on=None),  # before release: a decision
        _case(stage=Stage.RELEASE_DAY, first_released_on=None),
        _case(mentor_id=None),
        _case(stage=Stage.RECALLED),  # off the caseload
        _case(stage=Stage.CLOSED),
        _case(stage=Stage.DIED),
    ],
    ids=["pre-release", "release day", "no mentor", "recalled", "closed", "died"],
)
def test_no_flag_where_no_contact_is_expected(case: Case) -> None:
    assert case.days_without_contact(date(2027, 9, 1), LIMIT) is None


def test_a_contact_logged_late_never_moves_the_latest_back() -> None:
    case = _case()
    case.note_contact(date(2027, 6, 20))
    case.note_contact(date(2027, 6, 12))
    assert case.last_contact_on == date(2027, 6, 20)


def test_the_next_supervision_is_due_28_days_after_by_default() -> None:
    every = load_programme().supervision_every_days
    assert every == 28
    assert Supervision.default_next_due(date(2027, 3, 1), every) == date(2027, 3, 29)


def test_supervision_due_in_words_overdue_only_after_its_day() -> None:
    due = SupervisionDue("mentor-0001", date(2027, 3, 29))
    assert (due.is_overdue(date(2027, 3, 29)), due.words(date(2027, 3, 29))) == (
        False,
        "Next due 29 March 2027",
    )
    assert (due.is_overdue(date(2027, 3, 30)), due.words(date(2027, 3, 30))) == (
        True,
        "Overdue since 29 March 2027",
    )
    never = SupervisionDue("mentor-0001", None)
    assert (never.is_overdue(date(2027, 3, 1)), never.words(date(2027, 3, 1))) == (
        True,
        "No supervision recorded",
    )


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (_case(), None),
        (_case(stage=Stage.MATCHED, first_released_on=None), None),
        (_case(stage=Stage.ASSESSED, mentor_id=None, first_released_on=None), "no mentor yet"),
        (_case(stage=Stage.CONSENTED, first_released_on=None), "no mentor yet"),  # a recall's old mentor
        (_case(stage=Stage.RECALLED), "not on a mentor's caseload now (recalled to prison)"),
        (_case(stage=Stage.CLOSED), "not on a mentor's caseload now (closed)"),
    ],
)
def test_a_case_is_reassignable_while_on_its_mentors_caseload(case: Case, words: str | None) -> None:
    why_not = case.why_not_reassignable()
    assert why_not is None if words is None else words in (why_not or "")
