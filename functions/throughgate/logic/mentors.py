"""Mentors' records: the profile, checks (vetting and training) and training sessions.

Coordinators keep them; coordinators and managers read the list and what is due; a mentor reads
their own record only (another mentor's answers as an unknown one would). Each change is one
transaction: the mentor item (the profile and the latest check of each kind, which matching reads)
with the history item it adds and the request's audit entry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from throughgate.domain.case import Mentor
from throughgate.domain.case_steps import Act
from throughgate.domain.catalogue import load_mentor_checks
from throughgate.domain.errors import InvalidInput, MentorNotSetUp, NotFound
from throughgate.domain.mentors import (
    Availability,
    AvailabilityStatus,
    Check,
    CheckOutcome,
    CheckRecord,
    Clearance,
    Clearances,
    DueItem,
    TrainingSession,
    training_hours,
)
from throughgate.domain.needs import NEED_AREA_NAMES, NeedArea
from throughgate.domain.schedule import london_date
from throughgate.logic.access import require, require_mentor_visible
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.staff import have_left
from throughgate.schemas import MentorCheckIn, MentorProfileIn, TrainingIn
from throughgate.store.changes import Changes


def _known(deps: Deps, mentor_id: str) -> Mentor | None:
    try:
        return deps.store.get_mentor(mentor_id)
    except NotFound:
        return None


def may_manage(actor: Actor, mentor_id: str) -> None:
    """Whether this actor may change this record (before a form is read; the logic checks again)."""
    require_mentor_visible(actor, mentor_id)
    require(actor, Act.MANAGE_MENTORS)


def authorised_mentor(deps: Deps, actor: Actor, mentor_id: str, act: Act) -> Mentor:
    """The mentor's record, if this actor may do `act` to it: a mentor only their own."""
    require_mentor_visible(actor, mentor_id)
    require(actor, act)
    mentor = _known(deps, mentor_id)
    if mentor is None:
        raise MentorNotSetUp(mentor_id)  # the page says so, to whoever may see this record
    return mentor


def _today(deps: Deps) -> date:
    return london_date(deps.now())


def save_profile(deps: Deps, actor: Actor, mentor_id: str, form: MentorProfileIn) -> Mentor:
    """Create the mentor's record, or replace its profile (the caseload count and checks stay)."""
    require_mentor_visible(actor, mentor_id)
    require(actor, Act.MANAGE_MENTORS)
    existing = _known(deps, mentor_id)
    availability = Availability(
        AvailabilityStatus(form.availability),
        form.on_leave_until if form.availability == "on_leave" else None,
    )
    mentor = Mentor(
        mentor_id=mentor_id,
        display_name=form.display_name,
        gender=form.gender,
        boroughs=frozenset(form.boroughs),
        capacity=form.capacity,
        active_cases=existing.active_cases if existing else 0,
        lived_experience=frozenset(form.lived_experience),
        linked_areas=frozenset(form.linked_areas),
        avoid_areas=frozenset(form.avoid_areas),
        languages=tuple(dict.fromkeys(form.languages)),
        availability=availability,
        clearances=Clearances(tuple(Clearance(c.prison, c.expires_on) for c in form.clearances)),
    )
    if existing:
        mentor = replace(mentor, vetting=existing.vetting)
    deps.store.commit(Changes(mentors=[mentor]), deps.now())
    return mentor


def record_check(
    deps: Deps, actor: Actor, mentor_id: str, form: MentorCheckIn, submission_id: str | None = None
) -> CheckRecord:
    """A check on the record: kept in its history, and (if it is the latest of its kind) what
    matching reads from now on."""
    mentor = authorised_mentor(deps, actor, mentor_id, Act.MANAGE_MENTORS)
    kind = load_mentor_checks().kind(form.kind)
    if kind is None:
        raise InvalidInput("Select the kind of check", field="kind")
    check = Check.recorded(
        kind,
        form.checked_on,
        form.expires_on,
        outcome=CheckOutcome(form.outcome),
        level=form.level,
        conditions=form.conditions,
        avoid_areas=form.avoid_areas,
    )
    if check.checked_on > _today(deps):
        raise InvalidInput("The date of the check must be today or in the past", field="checked_on")
    record = CheckRecord(mentor_id, submission_id or uuid.uuid4().hex, check, actor.label, deps.now())
    updated = replace(mentor, vetting=mentor.vetting.with_check(check))
    deps.store.commit(Changes(mentors=[updated], mentor_records=[record]), deps.now())
    return record


def record_training(
    deps: Deps, actor: Actor, mentor_id: str, form: TrainingIn, submission_id: str | None = None
) -> TrainingSession:
    mentor = authorised_mentor(deps, actor, mentor_id, Act.MANAGE_MENTORS)
    if form.attended_on > _today(deps):
        raise InvalidInput("The date of the session must be today or in the past", field="attended_on")
    session = TrainingSession(
        mentor_id,
        submission_id or uuid.uuid4().hex,
        form.attended_on,
        form.title,
        form.hours,
        actor.label,
        deps.now(),
    )
    # The mentor item is written unchanged: its version makes the session and the record one change.
    deps.store.commit(Changes(mentors=[mentor], mentor_records=[session]), deps.now())
    return session


@dataclass(frozen=True)
class MentorRecord:
    mentor: Mentor
    checks: list[CheckRecord]  # newest first
    sessions: list[TrainingSession]  # newest first
    today: date
    due: list[DueItem]

    @property
    def training_hours(self) -> float:
        return training_hours(self.sessions)

    @property
    def lived_experience(self) -> list[NeedArea]:
        return [area for area in NeedArea if area in self.mentor.lived_experience]

    @property
    def lived_experience_words(self) -> list[str]:
        return [NEED_AREA_NAMES[area] for area in self.lived_experience]


def mentor_record(deps: Deps, actor: Actor, mentor_id: str) -> MentorRecord:
    mentor = authorised_mentor(deps, actor, mentor_id, Act.READ_MENTOR_RECORD)
    checks, sessions = deps.store.mentor_history(mentor_id)
    today = _today(deps)
    due = mentor.due_on(today)
    return MentorRecord(mentor, checks, sessions, today, due)


LEFT_WORDS = "Left (sign-in account deactivated)"


@dataclass(frozen=True)
class MentorLine:
    mentor: Mentor
    availability: str  # in words, today
    checks_due: str  # in words: "None", "2 due", "1 lapsed"
    gaps: tuple[str, ...]


def _due_words(due: list[DueItem], today: date) -> str:
    lapsed = sum(item.lapsed_on(today) for item in due)
    coming = len(due) - lapsed
    parts = [f"{lapsed} lapsed"] if lapsed else []
    parts += [f"{coming} due in the next {load_mentor_checks().due_within_days} days"] if coming else []
    return ", ".join(parts) or "None due"


def mentor_list(deps: Deps, actor: Actor) -> tuple[list[MentorLine], date]:
    require(actor, Act.READ_MENTORS)
    today = _today(deps)
    left = have_left(deps)
    lines = []
    for mentor in sorted(deps.store.mentors(), key=lambda m: (m.display_name.casefold(), m.mentor_id)):
        due = mentor.due_on(today)
        lines.append(
            MentorLine(
                mentor,
                LEFT_WORDS if mentor.mentor_id in left else mentor.availability.words_on(today),
                _due_words(due, today),
                mentor.vetting.gaps_on(today),
            )
        )
    return lines, today


def checks_due(deps: Deps, actor: Actor) -> tuple[list[DueItem], date]:
    """Every mentor's checks and clearances lapsed or lapsing within the window, soonest first."""
    require(actor, Act.READ_MENTORS)
    today = _today(deps)
    items = [item for mentor in deps.store.mentors() for item in mentor.due_on(today)]
    return sorted(items, key=lambda i: (i.expires_on, i.display_name.casefold(), i.what)), today


def profile_to_edit(deps: Deps, actor: Actor, mentor_id: str) -> Mentor | None:
    """The profile form's starting point: the record as it is, or None for a new mentor."""
    require_mentor_visible(actor, mentor_id)
    require(actor, Act.MANAGE_MENTORS)
    return _known(deps, mentor_id)


def name_for_new_profile(deps: Deps, mentor_id: str) -> str | None:
    """A new mentor's name as the staff record has it (added in the app), so the profile form starts
    with it; None for someone without a staff record."""
    record = deps.store.staff_member(mentor_id)
    return record.display_name if record else None
