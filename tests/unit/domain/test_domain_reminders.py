"""When text reminders go, what they say, and who may get them (throughgate.domain.reminders)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.catalogue import load_programme
from throughgate.domain.lifecycle import Stage
from throughgate.domain.reminders import (
    Appointment,
    AppointmentKind,
    TextReminders,
    Which,
    in_quiet_hours,
    is_stop,
    may_text,
    plan,
    reminder_text,
    uk_mobile,
)
from throughgate.domain.schedule import LONDON

SETTINGS = load_programme()
RECORDED = datetime(2027, 6, 1, 12, tzinfo=UTC)


def appointment(
    at: datetime, kind: AppointmentKind = AppointmentKind.GP, sent: frozenset[Which] = frozenset()
) -> Appointment:
    return Appointment("case-1", "a1", kind, at, "mentor:m1", RECORDED, sent)


def london(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 6, day, hour, minute, tzinfo=LONDON)


def test_the_evening_before_then_the_morning_of() -> None:
    a = appointment(london(10, 10))
    assert plan(a, london(2, 9), SETTINGS).next_at == london(9, 18)
    assert plan(a, london(9, 18), SETTINGS).due == (Which.DAY_BEFORE,)
    after = a.with_sent(Which.DAY_BEFORE)
    assert plan(after, london(9, 18), SETTINGS).next_at == london(10, 8)
    assert plan(after, london(10, 8), SETTINGS).due == (Which.MORNING_OF,)
    done = plan(after.with_sent(Which.MORNING_OF), london(10, 8), SETTINGS)
    assert (done.due, done.next_at) == ((), None)


def test_quiet_hours_shift_a_late_reminder_to_the_morning_not_drop_it() -> None:
    # Recorded at 22:00 for tomorrow 15:00: the evening reminder's time has gone and it is quiet now.
    a = appointment(london(10, 15))
    at_ten = plan(a, london(9, 22), SETTINGS)
    assert at_ten.due == () and at_ten.next_at == london(10, 8)
    # By the morning "tomorrow" would be untrue: the day-before one is dropped, the morning one goes.
    morning = plan(a, london(10, 8), SETTINGS)
    assert morning.due == (Which.MORNING_OF,) and morning.dropped == (Which.DAY_BEFORE,)
    assert in_quiet_hours(london(9, 23), SETTINGS) and in_quiet_hours(london(10, 7, 59), SETTINGS)
    assert not in_quiet_hours(london(10, 8), SETTINGS) and not in_quiet_hours(london(9, 20, 59), SETTINGS)


def test_an_early_appointment_gets_only_the_evening_reminder() -> None:
    a = appointment(london(10, 7, 30))
    assert plan(a, london(9, 18), SETTINGS).due == (Which.DAY_BEFORE,)
    after = plan(a.with_sent(Which.DAY_BEFORE), london(9, 18), SETTINGS)
    assert after.next_at is None and after.dropped == (Which.MORNING_OF,)


def test_recorded_on_the_day_it_goes_at_once_if_the_appointment_is_still_to_come() -> None:
    a = appointment(london(10, 15))
    assert plan(a, london(10, 11), SETTINGS).due == (Which.MORNING_OF,)
    assert plan(a, london(10, 15, 1), SETTINGS).due == ()


@given(
    st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=60 * 24 * 9),
)
def test_no_reminder_is_ever_due_in_quiet_hours_or_after_the_appointment(now: datetime, ahead: int) -> None:
    a = appointment(now + timedelta(minutes=ahead))
    reminders = plan(a, now, SETTINGS)
    if reminders.due:
        assert not in_quiet_hours(now, SETTINGS) and now < a.at
    if reminders.next_at is not None:
        assert reminders.next_at > now and not in_quiet_hours(reminders.next_at, SETTINGS)
        assert reminders.next_at < a.at


def test_words_name_the_mentor_for_a_meeting_and_no_kind_of_appointment() -> None:
    meeting = appointment(london(10, 10), AppointmentKind.MENTOR_MEETING)
    assert reminder_text(meeting, Which.DAY_BEFORE, "Sam") == (
        "Reminder: you are seeing Sam tomorrow at 10:00. Reply STOP to end these texts."
    )
    for kind in (AppointmentKind.PROBATION, AppointmentKind.GP, AppointmentKind.UNIVERSAL_CREDIT):
        text = reminder_text(appointment(london(10, 14, 30), kind), Which.MORNING_OF, "Sam")
        assert text == "Reminder: you have an appointment today at 14:30. Reply STOP to end these texts."
        assert len(text) <= 160


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044-7700-900123", "+447700900123"),
        ("(07700) 900 123", "+447700900123"),
        ("020 7946 0123", None),  # a landline
        ("0770090012", None),
        ("+337700900123", None),
        ("07700 900123 1", None),
    ],
)
def test_uk_mobile_numbers_in_e164(typed: str, e164: str | None) -> None:
    assert uk_mobile(typed) == e164


def test_who_may_be_texted() -> None:
    agreed = TextReminders("+447700900123", RECORDED)
    assert may_text(agreed, Stage.POST_RELEASE)
    assert not may_text(None, Stage.POST_RELEASE)
    assert not may_text(agreed.stopped(RECORDED), Stage.POST_RELEASE)
    for ended in (Stage.CLOSED, Stage.CONSENT_WITHDRAWN, Stage.RECALLED, Stage.DISENGAGED, Stage.DIED):
        assert not may_text(agreed, ended)


def test_no_reminder_is_planned_for_a_day_the_client_is_still_in_prison() -> None:
    release_on = date(2027, 6, 10)
    visit, first_day = appointment(london(9, 14)), appointment(london(10, 14))
    assert visit.inside_on_the_day(Stage.PRE_RELEASE, release_on)
    assert visit.inside_on_the_day(Stage.RELEASE_DAY, release_on)
    assert not first_day.inside_on_the_day(Stage.PRE_RELEASE, release_on)
    # Once out (released early), the case's release date no longer keeps a reminder back.
    assert not visit.inside_on_the_day(Stage.POST_RELEASE, release_on)


def test_a_reminder_due_while_the_client_is_inside_is_skipped_never_sent_later() -> None:
    a = appointment(london(10, 14))
    due = plan(a, london(9, 18), SETTINGS).due
    assert due == (Which.DAY_BEFORE,)
    assert a.skipped_inside(Stage.POST_RELEASE, due) is None, "out of prison: it goes"
    skipped = a.skipped_inside(Stage.RELEASE_DAY, due)
    assert skipped is not None and skipped.skipped == {Which.DAY_BEFORE}
    # Out by 19:00 that evening: "tomorrow" would still be true, but the skipped one stays skipped.
    evening = plan(skipped, london(9, 19), SETTINGS)
    assert evening.due == () and evening.next_at == london(10, 8)
    assert plan(skipped, london(10, 8), SETTINGS).due == (Which.MORNING_OF,)


@pytest.mark.parametrize(
    "reply",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOP please",
        "stop please",
        "Unsubscribe",
        "QUIT!",
        "end",
        "Cancel it",
        "STOPALL",
        "stop, thanks",
    ],
)
def test_an_opt_out_word_first_stops_the_texts(reply: str) -> None:
    assert is_stop(reply)


@pytest.mark.parametrize(
    "reply", ["Please don't stop", "OK see you", "Stopping by later", "", "...", "Thanks. Stop"]
)
def test_a_reply_that_does_not_start_with_an_opt_out_word_stops_nothing(reply: str) -> None:
    assert not is_stop(reply)


def test_released_before_an_appointment_that_day_its_skipped_morning_reminder_goes_now() -> None:
    skipped = replace(appointment(london(10, 14, 30)), skipped=frozenset(Which))
    out = skipped.out_in_time(london(10, 9), SETTINGS)
    assert out is not None
    assert (out.skipped, out.remind_at) == (frozenset({Which.DAY_BEFORE}), london(10, 9))
    assert skipped.out_in_time(london(10, 14, 30), SETTINGS) is None, "released as it begins: too late"
    assert skipped.out_in_time(london(9, 9), SETTINGS) is None, "not the day of the appointment"
    sent_already = replace(appointment(london(10, 14, 30)), sent=frozenset({Which.MORNING_OF}))
    assert sent_already.out_in_time(london(10, 9), SETTINGS) is None, "nothing was skipped"
