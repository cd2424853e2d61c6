"""Volunteer hours and expenses: the time and travel a mentor records against one of their cases,
training or other programme work; its approval by a coordinator so expenses can be paid; and each
mentor's month in figures, for funders and prisons.

Time is counted in whole minutes (quarter hours), money in whole pence, miles in whole miles: none
of them is ever rounded on the way in. A value that does not fit is refused in words instead.
Receipts are not stored here: the mentor keeps them for the coordinator, as the form says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache

from throughgate.domain._strict import Entry, entry_list, read_catalogue
from throughgate.domain.errors import Conflict, InvalidInput
from throughgate.domain.schedule import long_date

CASE_WORK = "case"  # time with one of the mentor's clients; the other activities are catalogue data
CASE_WORK_WORDS = "Work with a client"
NO_TRAVEL = "none"  # the travel mode of time with no journey to claim


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    QUERIED = "queried"
    WITHDRAWN = "withdrawn"


STATUS_WORDS = {
    EntryStatus.SUBMITTED: "Waiting for approval",
    EntryStatus.APPROVED: "Approved",
    EntryStatus.QUERIED: "Queried",
    EntryStatus.WITHDRAWN: "Withdrawn",
}


@dataclass(frozen=True, slots=True)
class TravelMode:
    key: str
    name: str
    mileage: bool  # claimed by the mile at the programme's rate
    fares: bool  # claimed by the fares paid


@dataclass(frozen=True, slots=True)
class VolunteeringRules:
    """The programme's settings for time and expenses (catalogue/volunteering.json)."""

    minute_step: int
    max_minutes_per_day: int
    max_days_back: int
    mileage_pence_per_mile: int
    max_miles: int
    max_fares_pence: int
    max_expense_pence: int
    activities: tuple[tuple[str, str], ...]  # (key, words), besides work with a client
    travel_modes: tuple[TravelMode, ...]

    @property
    def activity_words(self) -> dict[str, str]:
        return {CASE_WORK: CASE_WORK_WORDS, **dict(self.activities)}

    @property
    def travel_words(self) -> dict[str, str]:
        return {mode.key: mode.name for mode in self.travel_modes}

    def travel_mode(self, key: str) -> TravelMode | None:
        return next((mode for mode in self.travel_modes if mode.key == key), None)

    def check(self, entry: TimeEntry) -> None:
        """The entry's answers against the programme's limits, each problem on its field, in words."""
        problems = self._problems(entry)
        if problems:
            field_name, message = problems[0]
            raise InvalidInput(message, field=field_name)

    def _problems(self, entry: TimeEntry) -> list[tuple[str, str]]:
        problems = []
        if entry.minutes < self.minute_step or entry.minutes % self.minute_step:
            problems.append(("minutes", "Enter the time in quarter hours, like 0.25, 1.5 or 2"))
        elif entry.minutes > self.max_minutes_per_day:
            problems.append(
                ("minutes", f"Enter {hours_words(self.max_minutes_per_day)} hours or fewer for one day")
            )
        if entry.activity not in self.activity_words:
            problems.append(("activity", "Choose one of your cases, or training"))
        elif (entry.activity == CASE_WORK) != (entry.case_id is not None):
            problems.append(
                (
                    "case_id",
                    "Choose one of your cases"
                    if entry.case_id is None
                    else "Give a case only for work with a client",
                )
            )
        mode = self.travel_mode(entry.travel_mode)
        if mode is None:
            problems.append(("travel_mode", "Choose how you travelled"))
        elif entry.miles and not mode.mileage:
            by_mile = " or ".join(m.name.lower() for m in self.travel_modes if m.mileage)
            problems.append(("miles", f"Give miles only for a journey by {by_mile}"))
        elif entry.miles > self.max_miles:
            problems.append(("miles", f"Enter {self.max_miles} miles or fewer"))
        elif entry.fares_pence and not mode.fares:
            by_fare = " or ".join(m.name.lower() for m in self.travel_modes if m.fares)
            problems.append(("fares_pence", f"Give fares only for a journey by {by_fare}"))
        if entry.fares_pence > self.max_fares_pence:
            problems.append(("fares_pence", f"Enter fares of {pounds(self.max_fares_pence)} or less"))
        if entry.expense_pence > self.max_expense_pence:
            problems.append(
                ("expense_pence", f"Enter an expense of {pounds(self.max_expense_pence)} or less")
            )
        elif entry.expense_pence and not entry.expense_note:
            problems.append(("expense_note", "Say what the expense was for, like lunch on a training day"))
        return problems

    def check_date(self, on: date, today: date) -> None:
        """Time is recorded for a day that has happened, and not long ago (London dates)."""
        if on > today:
            raise InvalidInput("The date must be today or in the past", field="on")
        if on < today - timedelta(days=self.max_days_back):
            raise InvalidInput(
                f"The date must be within the last {self.max_days_back} days: ask a coordinator "
                "about older time",
                field="on",
            )


def parse_volunteering(raw: object, source: str) -> VolunteeringRules:
    keys = (
        "minute_step",
        "max_minutes_per_day",
        "max_days_back",
        "mileage_pence_per_mile",
        "max_miles",
        "max_fares_pence",
        "max_expense_pence",
        "activities",
        "travel_modes",
    )
    entry = Entry(raw, source, keys)
    activities = []
    for index, item in enumerate(entry_list(entry.array("activities"), f"{source}: activities")):
        activity = Entry(item, f"{source}: activities[{index}]", ("key", "name"))
        key = activity.text("key")
        if key == CASE_WORK or not re.fullmatch(r"[a-z_]{1,30}", key):
            raise ValueError(f"{activity.where}: key must be a short lower-case word, not {CASE_WORK!r}")
        activities.append((key, activity.text("name")))
    modes = []
    for index, item in enumerate(entry_list(entry.array("travel_modes"), f"{source}: travel_modes")):
        mode = Entry(item, f"{source}: travel_modes[{index}]", ("key", "name", "mileage", "fares"))
        modes.append(
            TravelMode(mode.text("key"), mode.text("name"), mode.flag("mileage"), mode.flag("fares"))
        )
    if not any(mode.key == NO_TRAVEL for mode in modes):
        raise ValueError(f"{source}: travel_modes must include {NO_TRAVEL!r}")
    return VolunteeringRules(
        minute_step=entry.integer("minute_step", 1, 60),
        max_minutes_per_day=entry.integer("max_minutes_per_day", 60, 24 * 60),
        max_days_back=entry.integer("max_days_back", 1, 366),
        mileage_pence_per_mile=entry.integer("mileage_pence_per_mile", 0, 500),
        max_miles=entry.integer("max_miles", 1, 2000),
        max_fares_pence=entry.integer("max_fares_pence", 0, 1_000_000),
        max_expense_pence=entry.integer("max_expense_pence", 0, 1_000_000),
        activities=tuple(activities),
        travel_modes=tuple(modes),
    )


@cache
def volunteering_rules() -> VolunteeringRules:
    return parse_volunteering(read_catalogue("volunteering.json"), "volunteering.json")


# -- numbers as people type and read them ----------------------------------------------------------
_DECIMAL = re.compile(r"[0-9]{1,4}(\.[0-9]{1,4})?|\.[0-9]{1,4}")
_POUNDS = re.compile(r"£?\s*([0-9]{1,6}(\.[0-9]{1,2})?)")


def minutes_from_hours(text: str) -> int | None:
    """ "1.5" -> 90, "0.25" -> 15; None when it is not a number of hours or not whole minutes
    (a value is refused, never rounded: "1.3" hours would be 78 minutes, not a quarter hour)."""
    text = text.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    minutes = Decimal(text) * 60
    return int(minutes) if minutes == minutes.to_integral_value() else None


def pence_from_pounds(text: str) -> int | None:
    """ "12.50", "£12.5" or "12" -> 1250 / 1250 / 1200; None for anything else (three decimal
    places, a minus sign, words): money is never rounded."""
    match = _POUNDS.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return int(Decimal(match.group(1)) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        return None


def pounds(pence: int) -> str:
    """1250 -> "£12.50", 123456 -> "£1,234.56" (a claim is never negative)."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def pence_as_pounds(pence: int) -> str:
    """123456 -> "1234.56": pounds as a form or a spreadsheet reads them."""
    return f"{pence // 100}.{pence % 100:02d}"


def hours_words(minutes: int) -> str:
    """90 -> "1.5", 75 -> "1.25", 120 -> "2": hours as a person would type them."""
    return f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")


def hours_phrase(minutes: int) -> str:
    """60 -> "1 hour", 90 -> "1.5 hours"."""
    return "1 hour" if minutes == 60 else f"{hours_words(minutes)} hours"


# -- an entry --------------------------------------------------------------------------------------
@dataclass
class TimeEntry:
    """One piece of time (and its travel and expenses) a mentor claims: for a case it holds the
    case id only, never anything about the client."""

    entry_id: str
    mentor_id: str
    on: date
    minutes: int
    activity: str  # CASE_WORK or a catalogue activity key
    case_id: str | None
    travel_mode: str
    miles: int
    fares_pence: int
    expense_pence: int
    expense_note: str
    recorded_by: str  # the actor's label ("mentor:mentor-0001"): a coordinator may record for them
    recorded_at: datetime
    status: EntryStatus = EntryStatus.SUBMITTED
    query_reason: str = ""
    decided_by: str | None = None
    version: int | None = None

    @property
    def counts(self) -> bool:
        """In the month's figures: everything but a withdrawn entry."""
        return self.status is not EntryStatus.WITHDRAWN

    @property
    def may_change(self) -> bool:
        """The mentor may edit or withdraw it until it is approved (or withdrawn already)."""
        return self.status in {EntryStatus.SUBMITTED, EntryStatus.QUERIED}

    def mileage_pence(self, rules: VolunteeringRules) -> int:
        return self.miles * rules.mileage_pence_per_mile

    def claimed_pence(self, rules: VolunteeringRules) -> int:
        return self.mileage_pence(rules) + self.fares_pence + self.expense_pence

    def approve(self, by: str) -> None:
        if not self.may_change:
            raise Conflict(f"time entry {self.entry_id} is {self.status.value}: it cannot be approved")
        self.status, self.query_reason, self.decided_by = EntryStatus.APPROVED, "", by

    def query(self, by: str, reason: str) -> None:
        if self.status is not EntryStatus.SUBMITTED:
            raise Conflict(f"time entry {self.entry_id} is {self.status.value}: it cannot be queried")
        self.status, self.query_reason, self.decided_by = EntryStatus.QUERIED, reason, by

    def withdraw(self) -> None:
        if not self.may_change:
            raise Conflict(f"time entry {self.entry_id} is {self.status.value}: it cannot be withdrawn")
        self.status = EntryStatus.WITHDRAWN

    def edited(self, answers: TimeEntry) -> TimeEntry:
        """The entry with new answers, waiting for approval again (a query is answered by an edit)."""
        if not self.may_change:
            raise Conflict(f"time entry {self.entry_id} is {self.status.value}: it cannot be changed")
        return replace(
            answers,
            entry_id=self.entry_id,
            mentor_id=self.mentor_id,
            status=EntryStatus.SUBMITTED,
            query_reason="",
            decided_by=None,
            version=self.version,
        )


def check_day_total(entries: Iterable[TimeEntry], entry: TimeEntry, rules: VolunteeringRules) -> None:
    """Every entry of one day together stays within the day's maximum (an edit replaces itself)."""
    others = sum(e.minutes for e in entries if e.on == entry.on and e.counts and e.entry_id != entry.entry_id)
    if others + entry.minutes > rules.max_minutes_per_day:
        room = max(0, rules.max_minutes_per_day - others)
        raise InvalidInput(
            f"That makes more than {hours_words(rules.max_minutes_per_day)} hours on {long_date(entry.on)}: "
            f"{hours_words(others)} hours are recorded already, so enter {hours_words(room)} or fewer",
            field="minutes",
        )


# -- a month ---------------------------------------------------------------------------------------
_MONTH = re.compile(r"(20[0-9]{2})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None) -> Month:
        match = _MONTH.fullmatch(text or "")
        if match is None:
            raise InvalidInput("Give the month like 2026-11", field="month")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def before(cls, day: date) -> Month:
        """The month before the one `day` is in: the month a summary is usually asked for."""
        last = day.replace(day=1) - timedelta(days=1)
        return cls(last.year, last.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        following = date(self.year + self.month // 12, self.month % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def words(self) -> str:
        return f"{self.first:%B %Y}"

    def previous(self) -> Month:
        return Month.before(self.first)

    def following(self) -> Month:
        after = self.last + timedelta(days=1)
        return Month(after.year, after.month)


@dataclass(frozen=True)
class MentorMonth:
    """One mentor's month in figures (withdrawn entries left out)."""

    mentor_id: str
    minutes_by_activity: dict[str, int] = field(default_factory=dict)
    miles: int = 0
    claimed_pence: int = 0
    approved_pence: int = 0
    waiting: int = 0  # entries still to approve or answer

    @property
    def minutes(self) -> int:
        return sum(self.minutes_by_activity.values())

    @classmethod
    def of(cls, mentor_id: str, entries: Iterable[TimeEntry], rules: VolunteeringRules) -> MentorMonth:
        by_activity: dict[str, int] = {}
        miles = claimed = approved = waiting = 0
        for entry in entries:
            if not entry.counts:
                continue
            by_activity[entry.activity] = by_activity.get(entry.activity, 0) + entry.minutes
            miles += entry.miles
            claimed += entry.claimed_pence(rules)
            if entry.status is EntryStatus.APPROVED:
                approved += entry.claimed_pence(rules)
            else:
                waiting += 1
        return cls(mentor_id, by_activity, miles, claimed, approved, waiting)
