"""Time milestones of a case, all derived from the release date and the programme settings."""

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from throughgate.domain._strict import require_aware
from throughgate.domain.catalogue import CadencePhase, ProgrammeSettings
from throughgate.domain.errors import InvalidInput

_FRIDAY = 4
LONDON = ZoneInfo("Europe/London")  # where the staff work: their "today" is the London date


MAX_YEARS_TO_RELEASE = 3  # a release date further out is a typing mistake, not a sentence plan


def years_after(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February falls back to the 28th."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def check_release_date(release_on: date, today: date, field: str) -> None:
    if release_on < today:
        raise InvalidInput("The release date must be today or in the future", field=field)
    if release_on > years_after(today, MAX_YEARS_TO_RELEASE):
        raise InvalidInput(
            f"The release date must be within {MAX_YEARS_TO_RELEASE} years of today", field=field
        )


def _midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def add_months(day: date, months: int) -> date:
    """Clamp to the month's last day: 31 August plus 18 months is the end of February."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def release_at(release_on: date, settings: ProgrammeSettings) -> datetime:
    return datetime.combine(release_on, time(settings.release_day_hour_utc), tzinfo=UTC)


def pre_release_window_opens(release_on: date, settings: ProgrammeSettings) -> datetime:
    return _midnight_utc(release_on - timedelta(days=settings.pre_release_window_days))


def readiness_review_at(release_on: date, settings: ProgrammeSettings) -> datetime:
    return _midnight_utc(release_on - timedelta(days=settings.readiness_review_days_before_release))


def check_in_due_times(released_at: datetime, phases: Sequence[CadencePhase]) -> list[datetime]:
    """Check-ins fall on days since release that are multiples of the phase's step.

    The grid is anchored at release, not at the previous phase's end, so weekly check-ins land on
    days 7, 14, ... (week 1, week 2) rather than 10, 17 after a 3-day daily phase.
    """
    require_aware(released_at, "released_at")
    days: list[int] = []
    phase_start = 0
    for phase in phases:
        first = (phase_start // phase.every_days + 1) * phase.every_days
        days.extend(range(first, phase.until_day + 1, phase.every_days))
        phase_start = phase.until_day
    return [released_at + timedelta(days=day) for day in days]


def outcome_follow_up_at(released_on: date, settings: ProgrammeSettings) -> datetime:
    """Proven re-offending is measured over a fixed number of calendar months after release."""
    return _midnight_utc(add_months(released_on, settings.outcome_follow_up_months))


def outcome_opens_at(released_on: date, settings: ProgrammeSettings) -> datetime:
    """The outcome may be recorded once the re-offending period (12 months) has passed: before that
    there is nothing to record. Until the follow-up (18 months: the 6 further months for a court to
    prove an offence) it is provisional."""
    return _midnight_utc(add_months(released_on, settings.outcome_opens_months))


def outcome_not_open(released_on: date | None, now: datetime, settings: ProgrammeSettings) -> str | None:
    """Why the outcome cannot be recorded yet, in words (None once it can)."""
    if released_on is None:
        return "The client has not been released: there is no outcome to record."
    opens = outcome_opens_at(released_on, settings)
    if now < opens:
        return (
            f"The 12-month outcome opens on {long_date(opens)}, {settings.outcome_opens_months} months"
            " after release: proven re-offending counts offences in those months."
        )
    return None


def outcome_is_final(released_on: date, recorded_at: datetime, settings: ProgrammeSettings) -> bool:
    return recorded_at >= outcome_follow_up_at(released_on, settings)


def london_date(moment: datetime) -> date:
    """The date in London at this moment: "today", "overdue" and "due this week" are decided by it
    (between midnight and 1am in summer the UTC date is still yesterday's)."""
    require_aware(moment, "moment")
    return moment.astimezone(LONDON).date()


def long_date(day: date | datetime) -> str:
    """The programme's one way of writing a date, "4 June 2027"; a moment by its London date."""
    if isinstance(day, datetime) and day.tzinfo is not None:
        day = london_date(day)
    return f"{day:%-d %B %Y}"


def long_date_and_time(moment: datetime) -> str:
    """ "4 June 2027 at 8:30am", in London time ("midnight" and "midday", as GOV.UK writes them)."""
    local = moment.astimezone(LONDON)
    if local.minute == 0 and local.hour in {0, 12}:
        return f"{long_date(local)} at {'midnight' if local.hour == 0 else 'midday'}"
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{long_date(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def is_friday_release(release_on: date) -> bool:
    """A Friday release leaves a weekend without services, which the release-day plan must cover."""
    return release_on.weekday() == _FRIDAY


_SATURDAY = 5


@cache
def _bank_holidays() -> Any:
    """England and Wales bank holidays, from the pinned `holidays` package's own rules (offline:
    nothing is fetched at run time). Imported on first use, not at a handler's cold start."""
    import holidays

    return holidays.country_holidays("GB", subdiv="ENG")


def bank_holiday(day: date) -> str | None:
    """The bank holiday's name in England and Wales that day ("Good Friday", "Boxing Day
    (substitute day)"), or None. Christmas on a Saturday is not one: its substitute Monday is."""
    if day.weekday() >= _SATURDAY:
        return None
    name = _bank_holidays().get(day)
    return str(name).replace("(observed)", "(substitute day)") if name else None


def services_closed(day: date) -> bool:
    """Housing, benefits and health services are shut at weekends and on bank holidays."""
    return day.weekday() >= _SATURDAY or bank_holiday(day) is not None


@dataclass(frozen=True)
class ServiceGap:
    """Days without services straight after a release: from `closed_from` to `closed_until`, both
    closed; services reopen the day after. `bank_holidays` names those among them."""

    release_on: date
    closed_from: date
    closed_until: date
    bank_holidays: tuple[str, ...]

    @property
    def reopens_on(self) -> date:
        return self.closed_until + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.closed_until - self.closed_from).days + 1

    @property
    def must_have(self) -> tuple[str, ...]:
        """What the client must have in hand before the days without services, in words."""
        until = _day(self.reopens_on)
        return (
            "A phone that works, charged and with credit, with the mentor's and the programme's numbers",
            f"Food and money to last until {until}",
            f"Medication to cover every day until {until}",
            "A Universal Credit appointment booked",
            f"An address confirmed for every night until {until}",
        )

    @property
    def words(self) -> str:
        """ "Thursday 25 March 2027: services are closed from Friday 26 March to Monday 29 March
        (Good Friday, Easter Monday). They reopen on Tuesday 30 March." """
        if self.closed_from == self.release_on:
            closed = "on the day of release"
            if self.days > 1:
                closed += f" and until {_day(self.closed_until)}"
        elif self.closed_from == self.closed_until:
            closed = f"on {_day(self.closed_from)}"
        else:
            closed = f"from {_day(self.closed_from)} to {_day(self.closed_until)}"
        label = "bank holiday" if len(self.bank_holidays) == 1 else "bank holidays"
        holidays = f" ({label}: {', '.join(self.bank_holidays)})" if self.bank_holidays else ""
        return (
            f"{self.release_on:%A %-d %B %Y}: services are closed {closed}{holidays}. "
            f"They reopen on {_day(self.reopens_on)}."
        )


def _day(day: date) -> str:
    return f"{day:%A %-d %B}"


def service_gap(release_on: date) -> ServiceGap | None:
    """A release on a day without services, or the day before one (a Friday, a weekend, the day
    before or of a bank holiday), leaves the client 48 to 96 hours without housing, benefits or
    health services: the days, or None when services are open the day of release and the next."""
    if services_closed(release_on):
        first = release_on
    elif services_closed(release_on + timedelta(days=1)):
        first = release_on + timedelta(days=1)
    else:
        return None
    last = first
    while services_closed(last + timedelta(days=1)):
        last += timedelta(days=1)
    names = (bank_holiday(first + timedelta(days=n)) for n in range((last - first).days + 1))
    return ServiceGap(release_on, first, last, tuple(dict.fromkeys(n for n in names if n)))


def iso_z(moment: datetime) -> str:
    """Step Functions Wait timestamps accept only the `...Z` form, not `+00:00`."""
    require_aware(moment, "moment")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
