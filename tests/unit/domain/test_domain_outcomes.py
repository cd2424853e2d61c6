import math
from dataclasses import replace
from datetime import UTC, date, datetime
from statistics import NormalDist

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.case import Case, ClientDetails, Consent
from throughgate.domain.catalogue import load_baselines, load_programme, programme_baseline
from throughgate.domain.errors import InvalidInput
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import Level, NeedArea
from throughgate.domain.outcomes import (
    CohortFacts,
    CohortFigures,
    ReleasePeriod,
    cohort_facts,
    counter_changes,
    outcomes_needed,
    periods_named,
    recount,
    wilson_interval,
)
from throughgate.domain.schedule import outcome_is_final, outcome_not_open

# --- the Wilson interval, against published worked examples ------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        (5, 50, 0.043, 0.214),  # the example: 10% of 50 is 4.3% to 21.4%
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med 17,
        # Table I, method 3 (score interval without continuity correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_published_examples(count: int, n: int, low: float, high: float) -> None:
    places = 3 if (count, n) == (5, 50) else 4
    got_low, got_high = wilson_interval(count, n)
    assert round(got_low, places) == low
    assert round(got_high, places) == high


def test_wilson_interval_refuses_impossible_counts() -> None:
    for count, n in ((1, 0), (6, 5), (-1, 5)):
        with pytest.raises(InvalidInput):
            wilson_interval(count, n)


@given(st.integers(min_value=1, max_value=500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_interval_holds_the_rate_and_stays_a_rate(case: tuple[int, int]) -> None:
    count, n = case
    low, high = wilson_interval(count, n)
    assert 0.0 <= low <= count / n <= high <= 1.0


# --- how many outcomes would tell the rate from the baseline ------------------------------------


def _power(n: int, baseline: float, observed: float) -> float:
    """The power of the two-sided 5% one-sample test at n (normal approximation), computed the
    other way round from the formula under test."""
    z = NormalDist().inv_cdf(0.975)
    se0, se1 = math.sqrt(baseline * (1 - baseline) / n), math.sqrt(observed * (1 - observed) / n)
    return NormalDist().cdf((abs(observed - baseline) - z * se0) / se1)


@pytest.mark.parametrize(("baseline", "observed"), [(0.352, 0.10), (0.592, 0.30), (0.352, 0.30), (0.3, 0.5)])
def test_outcomes_needed_is_the_smallest_n_with_80_percent_power(baseline: float, observed: float) -> None:
    n = outcomes_needed(baseline, observed)
    assert _power(n, baseline, observed) >= 0.8
    assert _power(n - 1, baseline, observed) < 0.8


def test_outcomes_needed_worked_example() -> None:
    # 10% against 35.2%: ((1.95996 * 0.47759 + 0.84162 * 0.3) / 0.252)^2 = 22.25, so 23 outcomes
    assert outcomes_needed(0.352, 0.10) == 23
    with pytest.raises(InvalidInput):
        outcomes_needed(0.352, 0.352)


# --- baselines are data ---------------------------------------------------------------------------


def test_the_programme_names_a_published_baseline() -> None:
    baseline = programme_baseline()
    assert baseline.key == load_programme().reoffending_baseline
    assert load_baselines()["adults_custody_or_court_order"].rate == pytest.approx(0.352)
    assert load_baselines()["adults_custody_under_12_months"].rate == pytest.approx(0.592)
    assert all(b.source and b.group and b.published for b in load_baselines().values())


# --- when the outcome opens and when it is final --------------------------------------------------

RELEASED = date(2027, 3, 10)


def test_the_outcome_opens_at_12_months_and_is_final_at_18() -> None:
    settings = load_programme()
    assert outcome_not_open(None, datetime(2030, 1, 1, tzinfo=UTC), settings) is not None
    words = outcome_not_open(RELEASED, datetime(2028, 3, 9, 23, tzinfo=UTC), settings)
    assert words is not None and "10 March 2028" in words
    assert outcome_not_open(RELEASED, datetime(2028, 3, 10, tzinfo=UTC), settings) is None
    assert not outcome_is_final(RELEASED, datetime(2028, 9, 9, tzinfo=UTC), settings)
    assert outcome_is_final(RELEASED, datetime(2028, 9, 10, tzinfo=UTC), settings)


# --- what a case counts for ------------------------------------------------------------------------


def _case(**changes: object) -> Case:
    case = Case(
        case_id="c1",
        stage=Stage.CONSENTED,
        release_on=date(2027, 5, 20),
        prison="HMP Example",
        client=ClientDetails("Ann", "Example", date(1990, 1, 1), "A0000AA", "female", "Southwark"),
        created_at=datetime(2027, 1, 1, tzinfo=UTC),
        payload_hash="x",
        consent=Consent("consent", True, datetime(2027, 1, 2, tzinfo=UTC)),
    )
    return replace(case, **changes)  # type: ignore[arg-type]


def test_a_referral_without_consent_counts_as_referred_only() -> None:
    facts = cohort_facts(_case(stage=Stage.REFERRED, consent=None))
    assert facts is not None
    assert facts.counts() == {"referred": 1}


def test_a_moved_release_date_moves_the_case_between_months() -> None:
    case = _case()
    case.counted = cohort_facts(case)
    case.release_on = date(2027, 7, 1)
    moved = counter_changes(case.counted, cohort_facts(case))
    assert moved == {"2027-05": {"referred": -1, "consented": -1}, "2027-07": {"referred": 1, "consented": 1}}


def test_outcome_recall_and_completion_are_counted_intention_to_treat_and_completers() -> None:
    case = _case(stage=Stage.CLOSED, first_released_on=date(2027, 5, 21), housed_on_release_night=True)
    case.counted = cohort_facts(case, exit_levels=[(NeedArea.HEALTH, Level.HIGH, Level.LOW)])
    case.stage = Stage.OUTCOME_RECORDED
    after = cohort_facts(case, outcome=(True, False))
    assert after is not None
    counts = after.counts()
    assert counts["outcomes"] == counts["reoffended"] == counts["completed_reoffended"] == 1
    assert "outcomes_final" not in counts, "recorded before 18 months: provisional"
    assert counts["distance_health"] == 2, "kept from the handover"
    recalled = cohort_facts(
        _case(stage=Stage.RECALLED, first_released_on=date(2027, 5, 21)), outcome=(False, True)
    )
    assert recalled is not None
    assert recalled.counts()["recalled"] == 1
    assert "reoffended" not in recalled.counts(), "a recall is not a re-offence"
    assert "completed" not in recalled.counts()


def test_an_erased_case_takes_everything_it_counted_away() -> None:
    case = _case()
    case.counted = cohort_facts(case)
    case.erasing = True
    assert cohort_facts(case) is None
    assert counter_changes(case.counted, None) == {"2027-05": {"referred": -1, "consented": -1}}


def test_facts_survive_the_round_trip_through_the_case_item() -> None:
    facts = CohortFacts(
        "2027-05", True, True, True, False, None, True, False, True, False, ((NeedArea.HEALTH, 2),)
    )
    assert CohortFacts.from_json(facts.to_json()) == facts


@given(
    st.lists(st.tuples(st.sampled_from(["2027-01", "2027-02"]), st.booleans(), st.booleans()), max_size=30)
)
def test_adding_each_change_equals_a_recount(history: list[tuple[str, bool, bool]]) -> None:
    """One case changing again and again: the counters built from the differences are the recount."""
    kept: dict[str, dict[str, int]] = {}
    before: CohortFacts | None = None
    for month, consented, reoffended in history:
        after = CohortFacts(month, consented, reoffended=reoffended)
        for m, deltas in counter_changes(before, after).items():
            for name, value in deltas.items():
                kept.setdefault(m, {})[name] = kept.get(m, {}).get(name, 0) + value
        before = after
    nonzero = {m: {n: v for n, v in c.items() if v} for m, c in kept.items()}
    assert {m: c for m, c in nonzero.items() if c} == recount([before] if before else [])


# --- periods ---------------------------------------------------------------------------------------


def test_periods_by_name_and_by_dates() -> None:
    assert ReleasePeriod.named("2027-Q2").months() == ["2027-04", "2027-05", "2027-06"]
    assert ReleasePeriod.named("2027").months()[-1] == "2027-12"
    assert ReleasePeriod.named("2027-Q4").last == date(2027, 12, 31)
    assert ReleasePeriod.of(date(2027, 2, 1), date(2027, 2, 28)).months() == ["2027-02"]
    for bad in ("2027-Q5", "27", "Q2-2027", "2027-Q"):
        with pytest.raises(InvalidInput, match="Choose a year"):
            ReleasePeriod.named(bad)
    with pytest.raises(InvalidInput, match="first day of a month"):
        ReleasePeriod.of(date(2027, 2, 2), date(2027, 2, 28))
    with pytest.raises(InvalidInput, match="last day of a month"):
        ReleasePeriod.of(date(2027, 2, 1), date(2027, 2, 27))
    with pytest.raises(InvalidInput, match="on or before"):
        ReleasePeriod.of(date(2027, 3, 1), date(2027, 2, 28))
    assert periods_named(["2027-05", "2026-12"])[:6] == [
        "2027",
        "2027-Q4",
        "2027-Q3",
        "2027-Q2",
        "2027-Q1",
        "2026",
    ]
    assert len(periods_named(["2027-05", "2027-01", "2026-12"])) == 10


def test_figures_keep_the_counts_behind_each_rate() -> None:
    figures = CohortFigures({"outcomes": 50, "reoffended": 5, "distance_n_health": 2, "distance_health": 3})
    assert (figures.reoffending.count, figures.reoffending.n) == (5, 50)
    assert figures.reoffending.rate == pytest.approx(0.1)
    assert figures.rate("completed_reoffended", "completed_outcomes").rate is None, "nobody counted: no rate"
    assert figures.distance_travelled() == {NeedArea.HEALTH: 1.5}


def test_check_ins_count_once_by_number_as_kept_or_not() -> None:
    case = _case(stage=Stage.POST_RELEASE, first_released_on=date(2027, 5, 21))
    case.counted = cohort_facts(case, check_ins=[(1, True), (2, False)])
    again = cohort_facts(case, check_ins=[(1, True), (3, None)])
    assert again is not None
    assert (again.counts()["check_ins_kept"], again.counts()["check_ins_closed"]) == (1, 2)
    case.counted = again
    late = cohort_facts(case, check_ins=[(2, True)])  # a check-in recorded after it was missed
    assert late is not None and late.check_ins_kept == (1, 2) and late.check_ins_missed == ()
