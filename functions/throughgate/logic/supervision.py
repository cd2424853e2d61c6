"""Supervision of mentors: coordinators record sessions; a mentor reads their own record, a manager
reads any. The note is personal: shown on the record page only, never logged or sent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date

from throughgate.domain.case import Mentor
from throughgate.domain.case_steps import Role
from throughgate.domain.catalogue import load_programme
from throughgate.domain.errors import InvalidInput
from throughgate.domain.schedule import london_date
from throughgate.domain.supervision import Supervision, SupervisionDue
from throughgate.logic.access import Act
from throughgate.logic.common import fingerprint
from throughgate.logic.mentors import authorised_mentor
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.staff import display_names
from throughgate.schemas import SupervisionIn  # the handlers import this module on first use


@dataclass(frozen=True)
class SupervisionRecord:
    mentor: Mentor
    sessions: list[Supervision]  # newest first
    due: SupervisionDue
    today: date  # the London date
    can_record: bool
    notes_shown: bool  # the coordinators and the mentor themself; a manager reads dates only
    names: dict[str, str]  # each supervisor's display name, by username

    def supervisor(self, session: Supervision) -> str:
        return self.names.get(session.supervisor, session.supervisor)


def _mentor(deps: Deps, actor: Actor, mentor_id: str, act: Act) -> Mentor:
    """The mentor, if this actor may do `act` to their record: a mentor only to their own, and any
    other mentor's answers exactly as an unknown id would."""
    return authorised_mentor(deps, actor, mentor_id, act)


def supervision_record(deps: Deps, actor: Actor, mentor_id: str) -> SupervisionRecord:
    mentor = _mentor(deps, actor, mentor_id, Act.READ_SUPERVISION)
    sessions = deps.store.supervisions(mentor_id)
    notes_shown = actor.role in {Role.COORDINATOR, Role.MENTOR}
    if not notes_shown:
        sessions = [replace(s, note="") for s in sessions]
    return SupervisionRecord(
        mentor=mentor,
        sessions=sessions,
        due=SupervisionDue(mentor_id, sessions[0].next_due_on if sessions else None),
        today=london_date(deps.now()),
        can_record=actor.role is Role.COORDINATOR,
        notes_shown=notes_shown,
        names=display_names(deps),
    )


def mentor_for_supervision(deps: Deps, actor: Actor, mentor_id: str) -> Mentor:
    """The mentor whose session a coordinator records (a refusal before any form is read)."""
    return _mentor(deps, actor, mentor_id, Act.RECORD_SUPERVISION)


def record_supervision(
    deps: Deps, actor: Actor, mentor_id: str, form: SupervisionIn, submission_id: str | None = None
) -> Supervision:
    """The session and the mentor's next due date (from their latest session, which a session
    recorded late does not move back), audited, in one transaction."""
    _mentor(deps, actor, mentor_id, Act.RECORD_SUPERVISION)
    today = london_date(deps.now())
    if form.held_on > today:
        raise InvalidInput("The date of the supervision must be today or in the past", field="held_on")
    every = load_programme().supervision_every_days
    next_due_on = form.next_due_on or Supervision.default_next_due(form.held_on, every)
    if next_due_on <= form.held_on:
        raise InvalidInput("The next supervision must be after this one", field="next_due_on")
    session = Supervision(
        mentor_id=mentor_id,
        supervision_id=uuid.uuid4().hex[:12],
        held_on=form.held_on,
        supervisor=actor.user_id,
        note=form.note,
        next_due_on=next_due_on,
        recorded_at=deps.now(),
    )
    latest = max([session, *deps.store.supervisions(mentor_id)], key=lambda s: (s.held_on, s.recorded_at))
    deps.store.record_supervision(
        session,
        SupervisionDue(mentor_id, latest.next_due_on),
        (submission_id, fingerprint(form)) if submission_id else None,
    )
    return session
