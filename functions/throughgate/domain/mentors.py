"""A mentor's record: availability, prison clearances and checks (vetting and training).

Each rule lives once, on its type: whether a check is in date on a day (`Check.in_date_on`), which
required checks are missing or lapsed (`Vetting.gaps_on`), whether a mentor is cleared for a prison
on a day (`Clearance.in_date_on`, `Clearances.cleared_for`), whether they are available on a day
(`Availability.available_on`). Matching (domain.matching) and the record's pages read them.

A date a check or a clearance "expires on" is its first day out of date: a criminal records check
checked on 3 November 2023 with three years' validity expires on 3 November 2026 and is in date up to
the day before. On leave "until" a date means away on that day too, back the day after.

Words here are shown to staff and may stand in a matching reason: they name kinds, prisons and
dates, never a condition's own text or a mentor's areas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from throughgate.domain.catalogue import CheckKind, MentorChecksCatalogue, load_mentor_checks, prison_name
from throughgate.domain.errors import InvalidInput
from throughgate.domain.schedule import long_date


class AvailabilityStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ON_LEAVE = "on_leave"


AVAILABILITY_WORDS = {
    AvailabilityStatus.ACTIVE: "Active",
    AvailabilityStatus.PAUSED: "Paused",
    AvailabilityStatus.ON_LEAVE: "On leave",
}


@dataclass(frozen=True, slots=True)
class Availability:
    status: AvailabilityStatus = AvailabilityStatus.ACTIVE
    until: date | None = None  # the last day on leave

    def __post_init__(self) -> None:
        if (self.status is AvailabilityStatus.ON_LEAVE) != (self.until is not None):
            raise InvalidInput("Enter the last day of the leave", field="on_leave_until")

    def available_on(self, day: date) -> bool:
        """Leave ends by itself: available again the day after its last day."""
        if self.status is AvailabilityStatus.PAUSED:
            return False
        return self.until is None or day > self.until

    def words_on(self, day: date) -> str:
        """ "Active", "Paused", "On leave until 12 January 2027" (active again once that has passed)."""
        if self.status is AvailabilityStatus.ON_LEAVE and self.until is not None and day <= self.until:
            return f"On leave until {long_date(self.until)}"
        return AVAILABILITY_WORDS[
            AvailabilityStatus.PAUSED
            if self.status is AvailabilityStatus.PAUSED
            else AvailabilityStatus.ACTIVE
        ]


class CheckOutcome(StrEnum):
    CLEARED = "cleared"
    CLEARED_WITH_CONDITIONS = "cleared_with_conditions"
    NOT_CLEARED = "not_cleared"


OUTCOME_WORDS = {
    CheckOutcome.CLEARED: "Cleared",
    CheckOutcome.CLEARED_WITH_CONDITIONS: "Cleared with conditions",
    CheckOutcome.NOT_CLEARED: "Not cleared",
}


def kind_name(kind: str, catalogue: MentorChecksCatalogue | None = None) -> str:
    found = (catalogue or load_mentor_checks()).kind(kind)
    return found.name if found else kind


@dataclass(frozen=True, slots=True)
class Check:
    """One check as recorded: a later one of the same kind replaces it for matching."""

    kind: str  # a key of catalogue/mentor_checks.json
    checked_on: date
    expires_on: date | None  # its first day out of date; None: it does not expire
    outcome: CheckOutcome = CheckOutcome.CLEARED
    level: str | None = None
    conditions: str = ""  # personal: shown to coordinators and the mentor only, never in a reason
    avoid_areas: frozenset[str] = frozenset()  # the conditions' areas, which matching keeps apart

    @classmethod
    def recorded(
        cls,
        kind: CheckKind,
        checked_on: date,
        expires_on: date | None,
        *,
        outcome: CheckOutcome,
        level: str | None,
        conditions: str,
        avoid_areas: Iterable[str],
    ) -> Check:
        """A new check, with the catalogue's default validity when no expiry date is given."""
        if expires_on is None and kind.valid_days is not None:
            expires_on = checked_on + timedelta(days=kind.valid_days)
        if expires_on is not None and expires_on <= checked_on:
            raise InvalidInput("The expiry date must be after the date of the check", field="expires_on")
        levels = dict(kind.levels)
        if levels and level not in levels:
            raise InvalidInput(f"Select the level of the {kind.name.lower()}", field="level")
        if not levels and level is not None:
            raise InvalidInput(f"A {kind.name.lower()} has no level: leave it out", field="level")
        areas = frozenset(a.strip() for a in avoid_areas if a.strip())
        conditional = outcome is CheckOutcome.CLEARED_WITH_CONDITIONS
        if conditional and not conditions.strip():
            raise InvalidInput("Enter the conditions the mentor was cleared with", field="conditions")
        if not conditional and (conditions.strip() or areas):
            raise InvalidInput(
                "Conditions go with the outcome \u201ccleared with conditions\u201d only", field="conditions"
            )
        return cls(kind.key, checked_on, expires_on, outcome, level, conditions.strip(), areas)

    def in_date_on(self, day: date) -> bool:
        return self.checked_on <= day and (self.expires_on is None or day < self.expires_on)

    def clears_on(self, day: date) -> bool:
        return self.outcome is not CheckOutcome.NOT_CLEARED and self.in_date_on(day)

    def due_by(self, day: date) -> bool:
        """Expires on or before `day` (so lapsed already, or lapsing soon, when `day` is ahead)."""
        return self.expires_on is not None and self.expires_on <= day

    def status_on(self, day: date, catalogue: MentorChecksCatalogue | None = None) -> str:
        """ "Not cleared", "Lapsed on 3 November 2026", "In date until 2 November 2026", "In date"."""
        if self.outcome is CheckOutcome.NOT_CLEARED:
            return "Not cleared"
        if self.expires_on is not None and day >= self.expires_on:
            return f"Lapsed on {long_date(self.expires_on)}"
        if self.checked_on > day:
            return f"Not in date until {long_date(self.checked_on)}"
        if self.expires_on is None:
            return "In date"
        return f"In date until {long_date(self.expires_on - timedelta(days=1))}"

    def level_words(self, catalogue: MentorChecksCatalogue | None = None) -> str:
        kind = (catalogue or load_mentor_checks()).kind(self.kind)
        return dict(kind.levels).get(self.level or "", "") if kind else ""


@dataclass(frozen=True, slots=True)
class Vetting:
    """The latest check of each kind: what matching and the record's status read."""

    checks: tuple[Check, ...] = ()

    @classmethod
    def latest(cls, history: Iterable[Check]) -> Vetting:
        """The most recent check of each kind (by its date; a later record of the same day wins)."""
        latest: dict[str, Check] = {}
        for check in history:
            if check.kind not in latest or check.checked_on >= latest[check.kind].checked_on:
                latest[check.kind] = check
        return cls(tuple(sorted(latest.values(), key=lambda c: c.kind)))

    def with_check(self, check: Check) -> Vetting:
        return Vetting.latest((*self.checks, check))

    def of(self, kind: str) -> Check | None:
        return next((check for check in self.checks if check.kind == kind), None)

    def gaps_on(self, day: date, catalogue: MentorChecksCatalogue | None = None) -> tuple[str, ...]:
        """Each required check missing, not cleared or lapsed on `day`, in words, in catalogue order."""
        catalogue = catalogue or load_mentor_checks()
        gaps = []
        for kind in catalogue.required:
            check = self.of(kind.key)
            if check is None:
                gaps.append(f"{kind.name}: not recorded")
            elif check.outcome is CheckOutcome.NOT_CLEARED:
                gaps.append(f"{kind.name}: not cleared")
            elif not check.in_date_on(day):
                gaps.append(f"{kind.name} {check.status_on(day)[0].lower()}{check.status_on(day)[1:]}")
        return tuple(gaps)

    @property
    def avoid_areas(self) -> frozenset[str]:
        """The areas the conditions of the mentor's current checks keep them away from."""
        return frozenset().union(
            *(c.avoid_areas for c in self.checks if c.outcome is CheckOutcome.CLEARED_WITH_CONDITIONS)
        )


@dataclass(frozen=True, slots=True)
class Clearance:
    """Clearance to go into one establishment, until a date (its first day out of date)."""

    prison: str  # the establishment code, as a case's prison holds it
    expires_on: date

    def in_date_on(self, day: date) -> bool:
        return day < self.expires_on

    @property
    def prison_name(self) -> str:
        return prison_name(self.prison)


@dataclass(frozen=True, slots=True)
class Clearances:
    held: tuple[Clearance, ...] = ()

    def __post_init__(self) -> None:
        prisons = [c.prison for c in self.held]
        if len(prisons) != len(set(prisons)):
            raise InvalidInput("Enter each prison once", field="clearances")

    def cleared_for(self, prison: str, day: date) -> bool:
        return any(c.prison == prison and c.in_date_on(day) for c in self.held)


@dataclass(frozen=True, slots=True)
class DueItem:
    """A check or clearance lapsed or lapsing within the coordinators' window."""

    mentor_id: str
    display_name: str
    what: str  # "Criminal records check", "Clearance for HMP Brixton"
    expires_on: date

    def words_on(self, day: date) -> str:
        if day >= self.expires_on:
            return f"Lapsed on {long_date(self.expires_on)}"
        return f"Lapses on {long_date(self.expires_on)}"

    def lapsed_on(self, day: date) -> bool:
        return day >= self.expires_on


def due_items(
    mentor_id: str,
    display_name: str,
    vetting: Vetting,
    clearances: Clearances,
    *,
    day: date,
    catalogue: MentorChecksCatalogue | None = None,
) -> list[DueItem]:
    """A mentor's checks and clearances lapsed, or lapsing within the catalogue's window of `day`."""
    catalogue = catalogue or load_mentor_checks()
    horizon = day + timedelta(days=catalogue.due_within_days)
    items = [
        DueItem(mentor_id, display_name, kind_name(c.kind, catalogue), c.expires_on)
        for c in vetting.checks
        if c.expires_on is not None and c.due_by(horizon)
    ]
    items += [
        DueItem(mentor_id, display_name, f"Clearance for {c.prison_name}", c.expires_on)
        for c in clearances.held
        if c.expires_on <= horizon
    ]
    return items


@dataclass(frozen=True, slots=True)
class CheckRecord:
    """A check as it was recorded, kept in the mentor's history."""

    mentor_id: str
    record_id: str
    check: Check
    recorded_by: str  # "role:user id"
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class TrainingSession:
    mentor_id: str
    record_id: str
    attended_on: date
    title: str
    hours: float
    recorded_by: str
    recorded_at: datetime


def training_hours(sessions: Iterable[TrainingSession]) -> float:
    return sum(session.hours for session in sessions)
