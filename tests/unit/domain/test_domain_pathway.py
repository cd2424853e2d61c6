"""The peer-mentor pathway's rules, pure: readiness criteria from configuration, measured on the
London date of the move, hard ones refusing the move in words; withdrawal deleting the personal
values; the configuration refused when it is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from throughgate.domain.errors import InvalidInput
from throughgate.domain.pathway import (
    ConsentHow,
    Criterion,
    CriterionKind,
    Pathway,
    PathwayStage,
    check_not_future,
    load_pathway_criteria,
    parse_pathway_criteria,
)
from throughgate.domain.schedule import london_date

TWELVE = Criterion(
    "twelve", CriterionKind.MONTHS_SINCE_RELEASE, "At least 12 months since release", True, months=12
)
LICENCE = Criterion(
    "licence", CriterionKind.CONFIRMED, "No licence condition bars it", True, question="Checked?"
)
ADVISED = Criterion("advised", CriterionKind.CONFIRMED, "Recommended", False, question="Recommended?")
CRITERIA = {PathwayStage.TRAINING: (ADVISED,), PathwayStage.SHADOWING: (TWELVE, LICENCE)}


def _pathway(released_on: date | None = date(2026, 8, 31)) -> Pathway:
    return Pathway.opened(
        pathway_id="0" * 32,
        case_id="case",
        display_name="Sam",
        consent_on=date(2026, 12, 1),
        consent_how=ConsentHow.IN_PERSON,
        released_on=released_on,
        now=datetime(2026, 12, 1, 10, tzinfo=UTC),
        by="coordinator:c1",
        note="Keen",
    )


@pytest.mark.parametrize(
    ("released_on", "on", "met"),
    [
        (date(2026, 8, 31), date(2027, 8, 30), False),  # the day before
        (date(2026, 8, 31), date(2027, 8, 31), True),  # the same day, 12 calendar months on
        (date(2028, 2, 29), date(2029, 2, 27), False),
        (date(2028, 2, 29), date(2029, 2, 28), True),  # no 29 February: the month's last day
        (date(2026, 1, 31), date(2027, 1, 31), True),
    ],
)
def test_months_since_release_is_met_from_the_same_day_that_many_months_on(
    released_on: date, on: date, met: bool
) -> None:
    assert TWELVE.check(released_on, on, {}).met is met


def test_an_unmet_date_criterion_says_when_it_will_be_met() -> None:
    check = TWELVE.check(date(2026, 8, 31), date(2027, 8, 30), {})
    assert check.because == "not until 31 August 2027"
    assert check.words == "Not met: At least 12 months since release (not until 31 August 2027)"
    assert TWELVE.check(None, date(2027, 8, 30), {}).because == "no release date is recorded"


def test_today_is_the_london_date() -> None:
    """Just after midnight in London (still the day before in UTC) a move dated today is not in
    the future."""
    now = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London (summer time)
    check_not_future(date(2027, 7, 1), london_date(now), "of the move")
    with pytest.raises(InvalidInput, match="today or in the past"):
        check_not_future(date(2027, 7, 2), london_date(now), "of the move")


@pytest.mark.parametrize(
    ("answers", "met", "because"),
    [
        ({}, False, "not confirmed yet"),
        ({"licence": False}, False, "answered no"),
        ({"licence": True}, True, "confirmed"),
    ],
)
def test_a_confirmed_criterion_is_the_coordinators_yes(
    answers: dict[str, bool], met: bool, because: str
) -> None:
    check = LICENCE.check(None, date(2027, 1, 1), answers)
    assert (check.met, check.because) == (met, because)


def test_a_hard_criterion_not_met_refuses_the_move_on_its_own_field() -> None:
    trained = _pathway().moved(
        PathwayStage.TRAINING, date(2027, 1, 4), {}, by="c", note="", criteria=CRITERIA
    )
    with pytest.raises(InvalidInput) as early:
        trained.moved(
            PathwayStage.SHADOWING, date(2027, 8, 30), {"licence": True}, by="c", note="", criteria=CRITERIA
        )
    assert early.value.field == "on"
    assert "not until 31 August 2027" in early.value.message
    with pytest.raises(InvalidInput) as unchecked:
        trained.moved(PathwayStage.SHADOWING, date(2027, 8, 31), {}, by="c", note="", criteria=CRITERIA)
    assert unchecked.value.field == "checks.licence"
    shadowing = trained.moved(
        PathwayStage.SHADOWING, date(2027, 8, 31), {"licence": True}, by="c", note="", criteria=CRITERIA
    )
    assert shadowing.stage is PathwayStage.SHADOWING
    assert shadowing.moves[-1].checks == (("twelve", True), ("licence", True))


def test_an_advisory_criterion_not_met_lets_the_move_go_ahead() -> None:
    moved = _pathway().moved(PathwayStage.TRAINING, date(2027, 1, 4), {}, by="c", note="", criteria=CRITERIA)
    assert moved.stage is PathwayStage.TRAINING
    assert moved.moves[-1].checks == (("advised", False),)


def test_a_move_skips_no_stage_and_goes_back_in_time_to_none() -> None:
    with pytest.raises(InvalidInput, match="cannot move to shadowing"):
        _pathway().moved(
            PathwayStage.SHADOWING, date(2028, 1, 4), {"licence": True}, by="c", note="", criteria=CRITERIA
        )
    with pytest.raises(InvalidInput, match="on or after 1 December 2026"):
        _pathway().moved(PathwayStage.TRAINING, date(2026, 11, 30), {}, by="c", note="", criteria=CRITERIA)


def test_withdrawal_deletes_the_name_and_notes_and_keeps_the_stages() -> None:
    pathway = _pathway()
    for stage, day in ((PathwayStage.TRAINING, 4), (PathwayStage.SHADOWING, 5)):
        pathway = pathway.moved(
            stage, date(2027, 9, day), {"licence": True}, by="c", note="Went well", criteria=CRITERIA
        )
    pathway = pathway.moved(
        PathwayStage.ACTIVE_MENTOR, date(2027, 9, 6), {}, by="c", note="", criteria=CRITERIA
    )
    gone = pathway.withdrawn(date(2027, 10, 1), by="c")
    assert gone.display_name == ""
    assert all(m.note == "" for m in gone.moves)
    assert [m.stage for m in gone.moves][-2:] == [PathwayStage.ACTIVE_MENTOR, PathwayStage.WITHDRAWN]
    assert gone.became_mentor_on == date(2027, 9, 6), "once a mentor, still counted"
    with pytest.raises(InvalidInput, match="already been withdrawn"):
        gone.withdrawn(date(2027, 10, 2), by="c")


def test_the_programmes_criteria_load_and_bar_shadowing_before_12_months() -> None:
    criteria = load_pathway_criteria()
    assert set(criteria) == {PathwayStage.TRAINING, PathwayStage.SHADOWING, PathwayStage.ACTIVE_MENTOR}
    shadowing = {c.key: c for c in criteria[PathwayStage.SHADOWING]}
    assert (
        shadowing["twelve_months_since_release"].hard
        and shadowing["twelve_months_since_release"].months == 12
    )
    assert shadowing["licence_allows"].kind is CriterionKind.CONFIRMED and shadowing["licence_allows"].hard


@pytest.mark.parametrize(
    ("stages", "error"),
    [
        ([{"stage": "interested", "criteria": []}], "no criteria for interested"),
        (
            [{"stage": "training", "criteria": [{"key": "x", "kind": "guess", "hard": True, "words": "W"}]}],
            "kind must be",
        ),
        (
            [
                {
                    "stage": "training",
                    "criteria": [{"key": "x", "kind": "months_since_release", "hard": True, "words": "W"}],
                }
            ],
            "missing key",
        ),
        (
            [
                {
                    "stage": "training",
                    "criteria": [
                        {"key": "x", "kind": "confirmed", "hard": True, "words": "W", "question": "Q"}
                    ]
                    * 2,
                }
            ],
            "distinct",
        ),
    ],
)
def test_a_wrong_configuration_is_refused_at_load(stages: list[object], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_pathway_criteria({"stages": stages}, "pathway.json")
