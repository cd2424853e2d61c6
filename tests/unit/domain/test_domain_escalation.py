from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.catalogue import load_programme
from throughgate.domain.escalation import (
    ChaseLevel,
    check_in_chase_level,
    check_in_missed,
    next_action,
    task_chase_level,
)

SETTINGS = load_programme()
DUE_ON = date(2026, 12, 1)
DUE_AT = datetime(2026, 12, 2, 7, tzinfo=UTC)
ORDER = list(ChaseLevel)


@pytest.mark.parametrize(
    ("days_after_due", "critical", "expected"),
    [
        (-3, False, ChaseLevel.NONE),
        (0, False, ChaseLevel.NONE),
        (0, True, ChaseLevel.NONE),
        (1, False, ChaseLevel.MENTOR_CHASED),
        (1, True, ChaseLevel.MENTOR_CHASED),
        (2, True, ChaseLevel.COORDINATOR_ESCALATED),
        (6, False, ChaseLevel.MENTOR_CHASED),
        (7, False, ChaseLevel.COORDINATOR_ESCALATED),
        (30, False, ChaseLevel.COORDINATOR_ESCALATED),
    ],
)
def test_task_chase_level(days_after_due: int, critical: bool, expected: ChaseLevel) -> None:
    today = DUE_ON + timedelta(days=days_after_due)
    assert task_chase_level(DUE_ON, today, critical, SETTINGS) is expected


@given(st.integers(-30, 60), st.booleans())
def test_task_chase_never_falls_as_days_pass(days: int, critical: bool) -> None:
    today = DUE_ON + timedelta(days=days)
    now = task_chase_level(DUE_ON, today, critical, SETTINGS)
    later = task_chase_level(DUE_ON, today + timedelta(days=1), critical, SETTINGS)
    assert ORDER.index(later) >= ORDER.index(now)


@given(st.integers(-10, 60))
def test_critical_tasks_escalate_no_later_than_others(days: int) -> None:
    today = DUE_ON + timedelta(days=days)
    critical = task_chase_level(DUE_ON, today, True, SETTINGS)
    ordinary = task_chase_level(DUE_ON, today, False, SETTINGS)
    assert ORDER.index(critical) >= ORDER.index(ordinary)


@pytest.mark.parametrize(
    ("hours_after_due", "expected", "missed"),
    [
        (-1, ChaseLevel.NONE, False),
        (23, ChaseLevel.NONE, False),
        (24, ChaseLevel.MENTOR_CHASED, False),
        (71, ChaseLevel.MENTOR_CHASED, False),
        (72, ChaseLevel.COORDINATOR_ESCALATED, True),
    ],
)
def test_check_in_chase(hours_after_due: int, expected: ChaseLevel, missed: bool) -> None:
    now = DUE_AT + timedelta(hours=hours_after_due)
    assert check_in_chase_level(DUE_AT, now, SETTINGS) is expected
    assert check_in_missed(DUE_AT, now, SETTINGS) is missed


@given(st.timedeltas(timedelta(hours=-48), timedelta(days=10)))
def test_missed_check_in_is_always_escalated(elapsed: timedelta) -> None:
    now = DUE_AT + elapsed
    missed = check_in_missed(DUE_AT, now, SETTINGS)
    assert missed == (check_in_chase_level(DUE_AT, now, SETTINGS) is ChaseLevel.COORDINATOR_ESCALATED)


def test_check_in_rejects_naive_times() -> None:
    with pytest.raises(ValueError, match="now"):
        check_in_chase_level(DUE_AT, datetime(2026, 12, 5), SETTINGS)


@given(st.sampled_from(ChaseLevel), st.sampled_from(ChaseLevel))
def test_next_action_only_goes_up(current: ChaseLevel, wanted: ChaseLevel) -> None:
    action = next_action(current, wanted)
    if ORDER.index(wanted) > ORDER.index(current):
        assert action is wanted
    else:
        assert action is None


def test_each_escalation_fires_once() -> None:
    assert next_action(ChaseLevel.NONE, ChaseLevel.MENTOR_CHASED) is ChaseLevel.MENTOR_CHASED
    assert next_action(ChaseLevel.MENTOR_CHASED, ChaseLevel.MENTOR_CHASED) is None
    assert next_action(ChaseLevel.NONE, ChaseLevel.COORDINATOR_ESCALATED) is ChaseLevel.COORDINATOR_ESCALATED
    assert next_action(ChaseLevel.COORDINATOR_ESCALATED, ChaseLevel.MENTOR_CHASED) is None


def test_an_escalation_is_open_longer_than_a_week_by_the_london_date() -> None:
    from throughgate.domain.case import Escalation

    raised = Escalation("case-1", datetime(2027, 6, 1, 23, 30, tzinfo=UTC), "no_accommodation", "coordinator")
    # raised late on 1 June UTC: 2 June in London
    assert not raised.open_longer_than(7, date(2027, 6, 9))
    assert raised.open_longer_than(7, date(2027, 6, 10))
    assert not raised.resolved(datetime(2027, 6, 3, tzinfo=UTC), "coordinator:c", "done").open_longer_than(
        7, date(2027, 6, 30)
    )
