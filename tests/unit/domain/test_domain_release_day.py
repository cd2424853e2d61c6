"""Release day's rules (issue 14 item 7): the days without services after a release, from England
and Wales bank holidays; who needs a route safety check; what the checklist requires when the
client was not met at the gate."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from throughgate.domain.case import Case, ClientDetails, Need
from throughgate.domain.escalation import NOT_MET_WORDS, NotMetReason, escalation_words
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import AreaStatus, Level, NeedArea
from throughgate.domain.schedule import bank_holiday, service_gap, services_closed
from throughgate.handlers.identity import field_errors
from throughgate.schemas import RELEASE_CHECKS, ReleaseDayIn


# -- days without services ---------------------------------------------------------------------------
def test_the_thursday_before_good_friday_has_four_days_without_services() -> None:
    gap = service_gap(date(2027, 3, 25))
    assert gap is not None
    assert (gap.closed_from, gap.closed_until, gap.reopens_on) == (
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2027, 3, 30),
    )
    assert gap.days == 4
    assert gap.bank_holidays == ("Good Friday", "Easter Monday")
    assert gap.words == (
        "Thursday 25 March 2027: services are closed from Friday 26 March to Monday 29 March "
        "(bank holidays: Good Friday, Easter Monday). They reopen on Tuesday 30 March."
    )
    assert "Food and money to last until Tuesday 30 March" in gap.must_have


def test_christmas_on_a_weekend_closes_services_until_the_substitute_days_are_over() -> None:
    gap = service_gap(date(2027, 12, 24))  # a Friday; 25 and 26 December fall at the weekend
    assert gap is not None
    assert (gap.closed_from, gap.reopens_on) == (date(2027, 12, 25), date(2027, 12, 29))
    assert gap.bank_holidays == ("Christmas Day (substitute day)", "Boxing Day (substitute day)")
    assert service_gap(date(2027, 12, 23)) is None  # Christmas Eve is a working day


def test_a_plain_friday_and_a_weekend_release_are_flagged_and_a_monday_is_not() -> None:
    friday = service_gap(date(2027, 3, 5))
    assert friday is not None and friday.words == (
        "Friday 5 March 2027: services are closed from Saturday 6 March to Sunday 7 March. "
        "They reopen on Monday 8 March."
    )
    saturday = service_gap(date(2027, 3, 6))
    assert saturday is not None and saturday.words.startswith(
        "Saturday 6 March 2027: services are closed on the day of release and until Sunday 7 March."
    )
    assert service_gap(date(2027, 3, 8)) is None
    assert service_gap(date(2027, 3, 4)) is None  # a Thursday before an ordinary weekend


def test_the_day_before_and_the_day_of_a_bank_holiday_monday() -> None:
    before = service_gap(date(2027, 8, 27))  # the Friday before the late summer bank holiday
    assert before is not None and before.closed_until == date(2027, 8, 30)
    on = service_gap(date(2027, 8, 30))
    assert on is not None and on.closed_from == on.closed_until == date(2027, 8, 30)
    assert on.words == (
        "Monday 30 August 2027: services are closed on the day of release "
        "(bank holiday: Late Summer Bank Holiday). They reopen on Tuesday 31 August."
    )


def test_bank_holidays_are_england_and_wales_ones() -> None:
    assert bank_holiday(date(2027, 3, 26)) == "Good Friday"
    assert bank_holiday(date(2027, 1, 4)) is None  # a Scottish holiday (2 January) moved: not here
    assert bank_holiday(date(2027, 3, 17)) is None  # St Patrick's Day: Northern Ireland only
    assert bank_holiday(date(2028, 1, 3)) is not None  # New Year's Day (substitute day)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
def test_a_gap_is_flagged_exactly_when_the_day_or_the_next_is_closed(day: date) -> None:
    gap = service_gap(day)
    assert (gap is not None) == (services_closed(day) or services_closed(day + timedelta(days=1)))
    if gap is not None:
        assert gap.closed_from in (day, day + timedelta(days=1))
        assert all(services_closed(gap.closed_from + timedelta(days=n)) for n in range(gap.days))
        assert not services_closed(gap.reopens_on)
        assert 1 <= gap.days <= 4


# -- the route safety check ----------------------------------------------------------------------------
def _case(gang_risk: bool = False) -> Case:
    client = ClientDetails(
        "Testy", "Example", date(1990, 5, 17), "A0001AA", "male", "Southwark", None, gang_risk
    )
    return Case(
        "c", Stage.RELEASE_DAY, date(2027, 3, 31), "BXI", client, datetime(2027, 3, 1, tzinfo=UTC), "h"
    )


def _need(area: NeedArea, level: Level) -> Need:
    return Need(area, level, level, AreaStatus.SUPPORT_REQUIRED)


def test_gang_risk_at_referral_needs_the_route_checked() -> None:
    assert (
        _case(gang_risk=True).route_safety_check([]) == "a gang or peer safety risk was recorded at referral"
    )


@pytest.mark.parametrize("level", [Level.LOW, Level.MEDIUM, Level.HIGH, Level.URGENT])
def test_a_gangs_and_peers_need_needs_the_route_checked(level: Level) -> None:
    reason = _case().route_safety_check([_need(NeedArea.GANGS_PEERS, level)])
    assert reason == f"the assessment found a {level.value} need in gangs, peers and safety"


def test_no_risk_and_no_gangs_need_needs_no_route_check() -> None:
    needs = [_need(NeedArea.GANGS_PEERS, Level.NONE), _need(NeedArea.ACCOMMODATION, Level.HIGH)]
    assert _case().route_safety_check(needs) is None
    assert _case().route_safety_check([]) is None


# -- the checklist when not met ----------------------------------------------------------------------
DONE = dict.fromkeys(RELEASE_CHECKS, True)


def _validate(**answers: object) -> ReleaseDayIn:
    return ReleaseDayIn.model_validate_json(json.dumps({**DONE, **answers}))


def test_not_met_requires_what_happened_in_our_words() -> None:
    with pytest.raises(ValidationError) as caught:
        _validate(met_at_gate=False)
    assert field_errors(caught.value) == [
        ("not_met_reason", "Say what happened when the client was not met at the gate")
    ]


def test_something_else_requires_the_details() -> None:
    with pytest.raises(ValidationError) as caught:
        _validate(met_at_gate=False, not_met_reason="other", not_met_details="   ")
    assert field_errors(caught.value) == [
        ("not_met_details", "Describe what happened at the gate: you chose something else")
    ]
    assert _validate(met_at_gate=False, not_met_reason="other", not_met_details="Rang his sister")


@pytest.mark.parametrize("reason", [r for r in NotMetReason if r is not NotMetReason.OTHER])
def test_a_listed_reason_is_enough(reason: NotMetReason) -> None:
    assert _validate(met_at_gate=False, not_met_reason=reason.value).not_met_reason is reason


def test_met_asks_for_nothing_more_and_notes_are_optional() -> None:
    form = _validate(met_at_gate=True)
    assert (form.not_met_reason, form.not_met_details, form.notes) == (None, "", "")


def test_the_escalation_reads_what_happened() -> None:
    assert escalation_words("not_met_at_gate", "not_released") == (
        "Not met at the gate: did not come out (not released that day)"
    )
    assert escalation_words("not_met_at_gate", "") == "Not met at the gate"
    assert set(NOT_MET_WORDS) == set(NotMetReason)
