"""Text reminders to clients: the appointments a case records, when each reminder goes, what it
says, and the client's mobile number.

A client who agreed at consent gets two texts for each appointment: the evening before and the
morning of it (the hours are in programme.json). No text is sent in quiet hours: a reminder whose
time falls in them (or that the sender missed) goes when they end, unless by then it would say
something untrue ("tomorrow" on the day itself) or come after the appointment has begun: then it is
dropped. Nothing is sent once the client said STOP, withdrew consent or left the programme.

Nothing reaches a client in prison (no phone there): while the case is before release
(`Stage.is_pre_release`: the release-day form not saved yet), a reminder that falls due is skipped,
never sent later (except the morning's reminder of an appointment later on release day itself, sent
once the client is out), and an appointment before the release date (a mentor's prison visit) gets none.
It is still recorded and shown to staff.

Words: a text can be read on a lock screen by anyone near the phone, so it names no kind of
appointment. "Probation" tells the reader about an offence, "GP" about health (special category
data), "Universal Credit" about money: each says "an appointment". A meeting with the mentor names
the mentor's first name, which is staff data and is how the client knows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from throughgate.domain.catalogue import ProgrammeSettings
from throughgate.domain.lifecycle import Stage
from throughgate.domain.schedule import LONDON, london_date


class AppointmentKind(StrEnum):
    MENTOR_MEETING = "mentor_meeting"
    PROBATION = "probation"
    UNIVERSAL_CREDIT = "universal_credit"
    GP = "gp"


# What staff read on the case page and the release pack (never what the client's text says).
APPOINTMENT_WORDS = {
    AppointmentKind.MENTOR_MEETING: "Meeting with the mentor",
    AppointmentKind.PROBATION: "First probation appointment",
    AppointmentKind.UNIVERSAL_CREDIT: "Universal Credit appointment",
    AppointmentKind.GP: "GP appointment",
}


class Which(StrEnum):
    """Which of an appointment's two reminders."""

    DAY_BEFORE = "day_before"
    MORNING_OF = "morning_of"


@dataclass(frozen=True)
class Appointment:
    case_id: str
    appointment_id: str
    kind: AppointmentKind
    at: datetime  # aware
    recorded_by: str  # an actor label
    recorded_at: datetime
    sent: frozenset[Which] = frozenset()  # reminders already sent (or being sent)
    skipped: frozenset[Which] = frozenset()  # fell due while the client was still in prison
    remind_at: datetime | None = None  # when the next reminder is due; None: nothing left to send

    @property
    def words(self) -> str:
        return APPOINTMENT_WORDS[self.kind]

    def planned(self, now: datetime, settings: ProgrammeSettings) -> Appointment:
        """With `remind_at` set from its plan at `now` (what is due now counts as due now)."""
        reminders = plan(self, now, settings)
        return replace(self, remind_at=now if reminders.due else reminders.next_at)

    def with_sent(self, which: Which) -> Appointment:
        return replace(self, sent=self.sent | {which})

    def inside_on_the_day(self, stage: Stage, release_on: date) -> bool:
        """The client will still be in prison on the appointment's day: no reminder is planned."""
        return stage.is_pre_release and london_date(self.at) < release_on

    def skipped_inside(self, stage: Stage, due: tuple[Which, ...]) -> Appointment | None:
        """With the reminders now due skipped if the client is still in prison (the case is before
        release): never sent later, even once they are out. None: they may go."""
        return replace(self, skipped=self.skipped | set(due)) if stage.is_pre_release else None

    def out_in_time(self, now: datetime, settings: ProgrammeSettings) -> Appointment | None:
        """Released on the day of this appointment and before it: the morning's reminder, skipped
        while the client was still inside, goes now instead (or when quiet hours end). The first
        probation appointment is often that afternoon. None: nothing changes."""
        if Which.MORNING_OF not in self.skipped or london_date(self.at) != london_date(now) or self.at <= now:
            return None
        return replace(self, skipped=self.skipped - {Which.MORNING_OF}).planned(now, settings)

    def finished(self) -> Appointment:
        """Nothing more to send (the client cannot be texted): out of the sender's index."""
        return replace(self, remind_at=None)


@dataclass(frozen=True)
class TextReminders:
    """The client agreed at consent to text reminders at this number (E.164). Personal data: held on
    the case item only, exported and erased with it. `stopped_at`: the client replied STOP."""

    mobile: str
    agreed_at: datetime
    stopped_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.stopped_at is None

    def stopped(self, now: datetime) -> TextReminders:
        return self if self.stopped_at else replace(self, stopped_at=now)


def may_text(reminders: TextReminders | None, stage: Stage) -> bool:
    """Whether the client may be sent a reminder at all: agreed, never said STOP, and still with the
    programme (not closed, recalled, disengaged, withdrawn or died)."""
    return reminders is not None and reminders.active and not stage.is_off_caseload and not stage.is_terminal


# -- the mobile number --------------------------------------------------------------------------
_UK_MOBILE = re.compile(r"(?:\+44|0044|0)(7[0-9]{9})")
_SEPARATORS = re.compile(r"[\s\-()]")


def uk_mobile(text: str) -> str | None:
    """A UK mobile number as people write it (07700 900123, +44 7700 900123, 0044...) in E.164
    (+447700900123), or None if it is not one."""
    match = _UK_MOBILE.fullmatch(_SEPARATORS.sub("", text))
    return f"+44{match.group(1)}" if match else None


def shown_mobile(e164: str) -> str:
    """As staff write it: 07700 900123."""
    national = "0" + e164.removeprefix("+44")
    return f"{national[:5]} {national[5:]}"


# -- when ---------------------------------------------------------------------------------------
def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def in_quiet_hours(moment: datetime, settings: ProgrammeSettings) -> bool:
    hour = moment.astimezone(LONDON).hour
    start, end = settings.text_quiet_from_hour, settings.text_quiet_until_hour
    return hour >= start or hour < end if start > end else start <= hour < end


def after_quiet_hours(moment: datetime, settings: ProgrammeSettings) -> datetime:
    """The moment itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(moment, settings):
        return moment
    local = moment.astimezone(LONDON)
    end = _at(local.date(), settings.text_quiet_until_hour)
    return end if end > local else _at(local.date() + timedelta(days=1), settings.text_quiet_until_hour)


def planned_at(appointment: Appointment, which: Which, settings: ProgrammeSettings) -> datetime:
    day = london_date(appointment.at)
    if which is Which.DAY_BEFORE:
        return _at(day - timedelta(days=1), settings.text_day_before_hour)
    return _at(day, settings.text_morning_of_hour)


def _still_true(appointment: Appointment, which: Which, moment: datetime) -> bool:
    """A reminder sent at `moment` would say the truth: "tomorrow" the day before, "today" on the
    day, and before the appointment begins."""
    day = london_date(appointment.at)
    wanted = day - timedelta(days=1) if which is Which.DAY_BEFORE else day
    return london_date(moment) == wanted and moment < appointment.at


@dataclass(frozen=True)
class Plan:
    due: tuple[Which, ...]  # to send now
    next_at: datetime | None  # when the next one is due after those, None when nothing is left
    dropped: tuple[Which, ...] = field(default=())  # can no longer be sent truthfully


def plan(appointment: Appointment, now: datetime, settings: ProgrammeSettings) -> Plan:
    """What to send now for this appointment, and when to look again. A reminder goes at its planned
    time, or as soon after as quiet hours allow; the day-before one is dropped once the morning-of
    one is due (the client gets one text, the truer one)."""
    due: list[Which] = []
    later: list[datetime] = []
    dropped: list[Which] = []
    for which in Which:
        if which in appointment.sent or which in appointment.skipped:
            continue
        moment = after_quiet_hours(max(planned_at(appointment, which, settings), now), settings)
        superseded = which is Which.DAY_BEFORE and moment >= planned_at(
            appointment, Which.MORNING_OF, settings
        )
        if superseded or not _still_true(appointment, which, moment):
            dropped.append(which)
        elif moment <= now:
            due.append(which)
        else:
            later.append(moment)
    return Plan(tuple(due), min(later) if later else None, tuple(dropped))


# -- what ---------------------------------------------------------------------------------------
def reminder_text(appointment: Appointment, which: Which, mentor_first_name: str | None) -> str:
    """The text, in plain words and under 160 characters (one message part). The kind of an
    appointment is never named (see the module's docstring); a meeting with the mentor names them."""
    when = "tomorrow" if which is Which.DAY_BEFORE else "today"
    clock = appointment.at.astimezone(LONDON).strftime("%H:%M")
    if appointment.kind is AppointmentKind.MENTOR_MEETING:
        whom = mentor_first_name or "your mentor"
        what = f"you are seeing {whom} {when} at {clock}"
    else:
        what = f"you have an appointment {when} at {clock}"
    return f"Reminder: {what}. Reply STOP to end these texts."


def first_name(display_name: str) -> str | None:
    parts = display_name.split()
    return parts[0] if parts else None


def reminder_id(appointment: Appointment, which: Which) -> str:
    """Stable: one send per case, appointment and reminder."""
    return f"{appointment.case_id}#{appointment.appointment_id}#{which.value}"


STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
_WORD = re.compile(r"[A-Za-z]+")


def is_stop(body: str) -> bool:
    """A reply that ends the texts: its first word is STOP or one of the carriers' usual opt-out
    words, in any case, whatever follows ("STOP please", "Stop.")."""
    first = _WORD.search(body)
    return first is not None and first.group().upper() in STOP_WORDS
