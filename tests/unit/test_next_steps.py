"""The case page's next steps (issue 14, item 4): for a case at each stage, what comes next, who
does it and when it opens or is due, with a link only for the person who may do it now."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from throughgate.domain.case import Case, ClientDetails, Task
from throughgate.domain.case_steps import Gate, Role
from throughgate.domain.catalogue import load_cadence, load_programme
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import NeedArea, TaskStatus
from throughgate.domain.schedule import check_in_due_times, release_at
from throughgate.logic.ports import Actor
from throughgate.logic.views import NextStepView, next_steps, tasks_due_words

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
MENTOR = Actor("mentor-0001", Role.MENTOR)
CASE_ID = "6f1c2d3e-0000-4000-8000-000000000001"


def case(stage: Stage, release_in_days: int = 120, **fields: object) -> Case:
    client = ClientDetails("Testy", "Example", date(1990, 5, 17), "A0001AA", "male", "Southwark")
    made = Case(CASE_ID, stage, NOW.date() + timedelta(days=release_in_days), "BXI", client, NOW, "hash")
    for name, value in fields.items():
        setattr(made, name, value)
    return made


def said(steps: list[NextStepView]) -> list[tuple[str, str, str, bool]]:
    return [(s.title, s.who, s.when, s.href is not None) for s in steps]


def test_a_new_referral_asks_a_coordinator_for_consent_now() -> None:
    referred = case(Stage.REFERRED)
    steps = next_steps(referred, COORDINATOR, NOW, None)
    assert said(steps) == [
        ("Consent", "a coordinator", "Open now", True),
        ("Pre-release assessment", "a coordinator", "Opens on 6 April 2027", False),
        ("Mentor match", "a coordinator", "After the pre-release assessment", False),
    ]
    assert steps[0].href == f"/cases/{CASE_ID}/consent"
    assert [s.href for s in next_steps(referred, MENTOR, NOW, None)] == [None, None, None]


def test_once_consent_is_recorded_the_assessment_is_next() -> None:
    waiting = case(Stage.CONSENTED, release_in_days=40, waiting_for=Gate.ASSESSMENT)
    steps = next_steps(waiting, COORDINATOR, NOW, None)
    assert said(steps)[:2] == [
        ("Pre-release assessment", "a coordinator", "Open now", True),
        ("Mentor match", "a coordinator", "After the pre-release assessment", False),
    ]
    not_yet = next_steps(case(Stage.CONSENTED), COORDINATOR, NOW, None)
    assert said(not_yet)[0] == ("Pre-release assessment", "a coordinator", "Opens on 6 April 2027", False)


def test_a_matched_case_shows_the_readiness_review_and_release_day_with_their_dates() -> None:
    matched = case(Stage.PRE_RELEASE, release_in_days=30, mentor_id="mentor-0001")
    assert said(next_steps(matched, MENTOR, NOW, "Mentor One")) == [
        ("Readiness review", "a coordinator", "Opens on 28 March 2027", False),
        ("Release day", "Mentor One", "Opens on 31 March 2027", False),
        ("Check-in 1", "Mentor One", "After the release day", False),
    ]


def test_on_release_day_the_mentor_has_a_link_and_sees_it_is_due_today() -> None:
    today = case(Stage.RELEASE_DAY, release_in_days=0, mentor_id="mentor-0001", waiting_for=Gate.RELEASE_DAY)
    (first, *_rest) = next_steps(today, MENTOR, NOW, "Mentor One")
    assert (first.title, first.who, first.when, first.overdue) == (
        "Release day",
        "Mentor One",
        "Open now, due today",
        False,
    )
    assert first.href == f"/cases/{CASE_ID}/release-day"


def _released(**fields: object) -> tuple[Case, list[datetime]]:
    released_on = NOW.date() - timedelta(days=20)
    client = case(
        Stage.POST_RELEASE,
        release_in_days=-20,
        mentor_id="mentor-0001",
        first_released_on=released_on,
        **fields,
    )
    return client, check_in_due_times(release_at(released_on, load_programme()), load_cadence())


def test_after_missed_check_ins_the_next_check_in_opens_on_its_day() -> None:
    """The sweep closed check-ins 4 and 5 as missed; the workflow waits for the sixth's day."""
    client, due = _released(check_in_number=5)
    steps = next_steps(client, COORDINATOR, NOW, "Mentor One")
    assert said(steps)[0] == ("Check-in 6", "Mentor One", f"Opens on {due[5]:%-d %B %Y}", False)
    assert said(steps)[1] == ("Handover", "a coordinator", "After the last check-in", False)


def test_an_open_check_in_past_its_day_is_overdue_in_words() -> None:
    client, due = _released(check_in_number=6, waiting_for=Gate.CHECK_IN)
    later = due[5] + timedelta(days=2)
    (first, *_rest) = next_steps(client, MENTOR, later, "Mentor One")
    assert first.title == "Check-in 6" and first.overdue
    assert first.when == f"Open now, overdue by 2 days (due {due[5]:%-d %B %Y})"
    assert first.href == f"/cases/{CASE_ID}/check-in"


def test_the_handover_follows_the_last_check_in() -> None:
    client, _due = _released(check_in_number=len(_released()[1]))
    assert said(next_steps(client, COORDINATOR, NOW, "Mentor One")) == [
        ("Handover", "a coordinator", "Opens shortly", False),
        ("12-month outcome", "a coordinator", "Opens on 9 February 2028", False),
    ]
    waiting = case(
        Stage.HANDOVER, release_in_days=-90, waiting_for=Gate.HANDOVER, first_released_on=NOW.date()
    )
    assert said(next_steps(waiting, COORDINATOR, NOW, None)) == [
        ("Handover", "a coordinator", "Open now", True),
        ("12-month outcome", "a coordinator", "Opens on 1 March 2028", False),
    ]


def test_an_ended_case_has_no_next_steps() -> None:
    for stage in (Stage.CLOSED, Stage.OUTCOME_RECORDED, Stage.DISENGAGED, Stage.DIED, Stage.RECALLED):
        assert next_steps(case(stage), COORDINATOR, NOW, None) == []


def test_the_open_tasks_due_this_week_are_counted_in_words() -> None:
    def task(key: str, due_in: int, status: TaskStatus = TaskStatus.OPEN) -> Task:
        due_on = NOW.date() + timedelta(days=due_in)
        return Task(CASE_ID, key, NeedArea.ACCOMMODATION, key, due_on, 0, "mentor", False, status)

    today = NOW.date()
    assert tasks_due_words([], today) is None
    assert tasks_due_words([task("a", 3)], today) == "1 task due this week"
    tasks = [task("a", -2), task("b", 0), task("c", 7), task("d", 8), task("e", 1, TaskStatus.DONE)]
    assert tasks_due_words(tasks, today) == "3 tasks due this week, 1 overdue"


def test_a_closed_case_shows_its_outcome_opening_at_12_months_and_provisional_until_18() -> None:
    closed = case(Stage.CLOSED, release_in_days=-90, first_released_on=date(2027, 3, 10))
    assert said(next_steps(closed, COORDINATOR, NOW, None)) == [
        ("12-month outcome", "a coordinator", "Opens on 10 March 2028", False)
    ]
    (early,) = next_steps(closed, COORDINATOR, datetime(2028, 3, 10, 9, tzinfo=UTC), None)
    assert (early.when, early.href) == (
        "Open now, provisional until 10 September 2028",
        f"/cases/{CASE_ID}/outcome",
    )
    (final,) = next_steps(closed, COORDINATOR, datetime(2028, 9, 10, 9, tzinfo=UTC), None)
    assert final.when == "Open now"
    (seen,) = next_steps(closed, MENTOR, datetime(2028, 9, 10, 9, tzinfo=UTC), None)
    assert seen.href is None, "only a coordinator records the outcome"
    assert next_steps(replace(closed, stage=Stage.OUTCOME_RECORDED), COORDINATOR, NOW, None) == []
