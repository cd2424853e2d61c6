import calendar
import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.catalogue import CadencePhase, load_cadence, load_programme
from throughgate.domain.errors import InvalidInput
from throughgate.domain.schedule import (
    MAX_YEARS_TO_RELEASE,
    check_in_due_times,
    check_release_date,
    is_friday_release,
    iso_z,
    outcome_follow_up_at,
    pre_release_window_opens,
    readiness_review_at,
    release_at,
    years_after,
)

SETTINGS = load_programme()
RELEASE_ON = date(2026, 12, 1)


def test_release_at_is_the_configured_hour_in_utc() -> None:
    assert release_at(RELEASE_ON, SETTINGS) == datetime(2026, 12, 1, 7, tzinfo=UTC)
    assert release_at(RELEASE_ON, replace(SETTINGS, release_day_hour_utc=9)).hour == 9


def test_pre_release_window_and_readiness_review() -> None:
    assert pre_release_window_opens(RELEASE_ON, SETTINGS) == datetime(2026, 9, 8, tzinfo=UTC)
    assert readiness_review_at(RELEASE_ON, SETTINGS) == datetime(2026, 11, 28, tzinfo=UTC)


def test_check_ins_follow_the_cadence() -> None:
    released = release_at(RELEASE_ON, SETTINGS)
    offsets = [(due - released).days for due in check_in_due_times(released, load_cadence())]
    assert offsets == [1, 2, 3, 7, 14, 21, 28, 35, 42, 56, 70, 84]
    assert all(due.tzinfo is not None for due in check_in_due_times(released, load_cadence()))


@st.composite
def cadences(draw: st.DrawFn) -> list[CadencePhase]:
    phases, until = [], 0
    for _ in range(draw(st.integers(1, 5))):
        every = draw(st.integers(1, 21))
        until = (until // every + draw(st.integers(1, 6))) * every
        phases.append(CadencePhase(until_day=until, every_days=every))
    return phases


@given(cadences(), st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC)))
def test_check_in_times_strictly_increase_and_end_at_the_last_phase(
    phases: list[CadencePhase], released: datetime
) -> None:
    times = check_in_due_times(released, phases)
    assert all(earlier < later for earlier, later in itertools.pairwise(times))
    assert times[0] > released
    assert times[-1] == released + timedelta(days=phases[-1].until_day)
    for phase in phases:
        assert released + timedelta(days=phase.until_day) in times


def test_check_in_due_times_rejects_naive() -> None:
    with pytest.raises(ValueError, match="released_at"):
        check_in_due_times(datetime(2026, 12, 1, 7), load_cadence())


def test_outcome_follow_up_clamps_to_month_end() -> None:
    assert outcome_follow_up_at(date(2026, 8, 31), SETTINGS) == datetime(2028, 2, 29, tzinfo=UTC)
    assert outcome_follow_up_at(date(2027, 8, 31), SETTINGS) == datetime(2029, 2, 28, tzinfo=UTC)
    assert outcome_follow_up_at(date(2026, 12, 1), SETTINGS) == datetime(2028, 6, 1, tzinfo=UTC)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(1, 60))
def test_outcome_follow_up_month_arithmetic(released_on: date, months: int) -> None:
    follow_up = outcome_follow_up_at(released_on, replace(SETTINGS, outcome_follow_up_months=months))
    assert follow_up.tzinfo is UTC
    day = follow_up.date()
    assert (day.year - released_on.year) * 12 + day.month - released_on.month == months
    month_end = calendar.monthrange(day.year, day.month)[1]
    assert day.day == min(released_on.day, month_end)


def test_friday_release() -> None:
    assert is_friday_release(date(2026, 12, 4))
    assert not is_friday_release(date(2026, 12, 5))
    assert [is_friday_release(RELEASE_ON + timedelta(days=n)) for n in range(7)].count(True) == 1


def test_iso_z_form() -> None:
    assert iso_z(datetime(2026, 12, 1, 7, tzinfo=UTC)) == "2026-12-01T07:00:00Z"
    plus_two = timezone(timedelta(hours=2))
    assert iso_z(datetime(2026, 12, 1, 9, tzinfo=plus_two)) == "2026-12-01T07:00:00Z"
    assert iso_z(datetime(2026, 12, 1, 7, 0, 0, 500, tzinfo=UTC)) == "2026-12-01T07:00:00.000500Z"


def test_iso_z_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        iso_z(datetime(2026, 12, 1, 7))


@given(st.datetimes(timezones=st.just(UTC)))
def test_iso_z_round_trips(moment: datetime) -> None:
    text = iso_z(moment)
    assert text.endswith("Z")
    assert "+" not in text
    assert datetime.fromisoformat(text) == moment


def test_years_after_29_february_falls_back_to_the_28th() -> None:
    assert years_after(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert years_after(date(2028, 2, 29), -18) == date(2010, 2, 28)
    assert years_after(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert years_after(date(2027, 3, 1), 1) == date(2028, 3, 1)


@pytest.mark.parametrize(
    ("release_on", "problem"),
    [
        (date(2028, 2, 28), "today or in the future"),
        (years_after(date(2028, 2, 29), MAX_YEARS_TO_RELEASE) + timedelta(days=1), "within 3 years"),
        (date(9999, 12, 31), "within 3 years"),
    ],
)
def test_a_release_date_must_be_in_the_next_three_years(release_on: date, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem) as raised:
        check_release_date(release_on, date(2028, 2, 29), "release_on")
    assert raised.value.field == "release_on"
    check_release_date(date(2028, 2, 29), date(2028, 2, 29), "release_on")
    check_release_date(years_after(date(2028, 2, 29), MAX_YEARS_TO_RELEASE), date(2028, 2, 29), "release_on")


def test_london_date_is_the_date_staff_see() -> None:
    from throughgate.domain.schedule import london_date

    assert london_date(datetime(2027, 6, 4, 23, 30, tzinfo=UTC)) == date(2027, 6, 5)  # BST
    assert london_date(datetime(2027, 6, 4, 22, 59, tzinfo=UTC)) == date(2027, 6, 4)
    assert london_date(datetime(2027, 1, 4, 23, 30, tzinfo=UTC)) == date(2027, 1, 4)  # GMT
    with pytest.raises(ValueError):
        london_date(datetime(2027, 6, 4, 23, 30))


def test_a_moment_reads_as_gov_uk_writes_times_with_midnight_and_midday() -> None:
    from throughgate.domain.schedule import long_date_and_time

    assert long_date_and_time(datetime(2027, 6, 7, 23, 0, tzinfo=UTC)) == "8 June 2027 at midnight"  # BST
    assert long_date_and_time(datetime(2027, 1, 8, 12, 0, tzinfo=UTC)) == "8 January 2027 at midday"
    assert long_date_and_time(datetime(2027, 1, 8, 0, 30, tzinfo=UTC)) == "8 January 2027 at 12:30am"
    assert long_date_and_time(datetime(2027, 6, 4, 7, 30, tzinfo=UTC)) == "4 June 2027 at 8:30am"
