"""Time milestones of a case, all derived from the release date and the programme settings."""

import calendar
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
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


def _add_months(day: date, months: int) -> date:
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
    return _midnight_utc(_add_months(released_on, settings.outcome_follow_up_months))


def london_date(moment: datetime) -> date:
    """The date in London at this moment: "today", "overdue" and "due this week" are decided by it
    (between midnight and 1am in summer the UTC date is still yesterday's)."""
    require_aware(moment, "moment")
    return moment.astimezone(LONDON).date()


def is_friday_release(release_on: date) -> bool:
    """A Friday release leaves a weekend without services, which the release-day plan must cover."""
    return release_on.weekday() == _FRIDAY


def iso_z(moment: datetime) -> str:
    """Step Functions Wait timestamps accept only the `...Z` form, not `+00:00`."""
    require_aware(moment, "moment")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
