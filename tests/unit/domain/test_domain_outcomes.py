import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.errors import InvalidInput
from throughgate.domain.needs import NeedArea
from throughgate.domain.outcomes import OutcomeRecord, cohort_figures


def _outcome(case_id: str, reoffended: bool) -> OutcomeRecord:
    return OutcomeRecord(case_id, proven_reoffending=reoffended, housed=True, in_work_or_training=False)


def test_cohort_figures() -> None:
    figures = cohort_figures(
        outcomes=[_outcome("c1", False), _outcome("c2", True), _outcome("c3", False), _outcome("c4", False)],
        housed_on_release_night=[True, True, False],
        work_at_handover=[False, True],
        distances=[
            {NeedArea.ACCOMMODATION: 3, NeedArea.HEALTH: 1},
            {NeedArea.ACCOMMODATION: 1},
            {NeedArea.ACCOMMODATION: -1, NeedArea.HEALTH: 0},
        ],
        baseline_rate=0.37,
        cases=10,
    )
    assert figures.cases == 10
    assert figures.outcomes_recorded == 4
    assert figures.reoffending_rate == pytest.approx(0.25)
    assert figures.baseline_rate == pytest.approx(0.37)
    assert figures.housed_on_release_night_rate == pytest.approx(2 / 3)
    assert figures.in_work_or_training_at_handover_rate == pytest.approx(0.5)
    assert figures.distance_travelled == {NeedArea.ACCOMMODATION: 1.0, NeedArea.HEALTH: 0.5}


def test_rates_are_none_without_a_denominator() -> None:
    figures = cohort_figures([], [], [], [], baseline_rate=0.37, cases=0)
    assert figures.reoffending_rate is None
    assert figures.housed_on_release_night_rate is None
    assert figures.in_work_or_training_at_handover_rate is None
    assert figures.distance_travelled == {}


def test_duplicate_outcome_for_a_case_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        cohort_figures([_outcome("c1", False), _outcome("c1", True)], [], [], [], 0.37, 5)
    assert raised.value.field == "outcomes"


def test_more_outcomes_than_cases_is_refused() -> None:
    with pytest.raises(InvalidInput) as raised:
        cohort_figures([_outcome("c1", False), _outcome("c2", True)], [], [], [], 0.37, 1)
    assert raised.value.field == "cases"


def test_baseline_must_be_a_rate() -> None:
    with pytest.raises(InvalidInput) as raised:
        cohort_figures([], [], [], [], 37.0, 0)
    assert raised.value.field == "baseline_rate"


@given(st.lists(st.booleans(), max_size=50), st.lists(st.booleans(), max_size=50))
def test_rates_are_shares(reoffended: list[bool], housed: list[bool]) -> None:
    outcomes = [_outcome(f"c{i}", flag) for i, flag in enumerate(reoffended)]
    figures = cohort_figures(outcomes, housed, [], [], 0.37, len(outcomes))
    if reoffended:
        assert figures.reoffending_rate == pytest.approx(sum(reoffended) / len(reoffended))
    else:
        assert figures.reoffending_rate is None
    if housed:
        assert figures.housed_on_release_night_rate is not None
        assert 0.0 <= figures.housed_on_release_night_rate <= 1.0
