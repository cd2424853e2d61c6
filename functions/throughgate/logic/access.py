"""Who may do what to which case: one table, checked on every read and write of a case.

A mentor sees only the cases assigned to them; any other case answers exactly as an unknown id
would, so guessing ids reveals nothing. A manager reads everything and writes nothing. Only
coordinators refer, assign mentors, change circumstances and close cases.
"""

from __future__ import annotations

from enum import StrEnum

from throughgate.domain.case import Case
from throughgate.domain.errors import Forbidden, NotFound
from throughgate.logic.ports import Actor, Deps, Role


class Act(StrEnum):
    READ = "read"
    REFER = "refer"
    RECORD_CONSENT = "record_consent"
    ASSESS = "assess"
    SUGGEST_MENTORS = "suggest_mentors"
    ASSIGN_MENTOR = "assign_mentor"
    UPDATE_TASK = "update_task"
    REVIEW_READINESS = "review_readiness"
    RECORD_RELEASE_DAY = "record_release_day"
    CHECK_IN = "check_in"
    CLOSE = "close"
    RECORD_OUTCOME = "record_outcome"
    CHANGE_CIRCUMSTANCES = "change_circumstances"
    REGISTER_MENTOR = "register_mentor"
    READ_AUDIT = "read_audit"
    EXPORT_SUBJECT_DATA = "export_subject_data"
    ERASE = "erase"
    EXPORT_OUTCOMES = "export_outcomes"


_COORDINATOR = frozenset({Role.COORDINATOR})
_CASEWORK = frozenset({Role.COORDINATOR, Role.MENTOR})

ALLOWED: dict[Act, frozenset[Role]] = {
    Act.READ: frozenset({Role.COORDINATOR, Role.MENTOR, Role.MANAGER}),
    Act.REFER: _COORDINATOR,
    Act.RECORD_CONSENT: _COORDINATOR,
    Act.ASSESS: _COORDINATOR,
    Act.SUGGEST_MENTORS: _COORDINATOR,
    Act.ASSIGN_MENTOR: _COORDINATOR,
    Act.UPDATE_TASK: _CASEWORK,
    Act.REVIEW_READINESS: _COORDINATOR,
    Act.RECORD_RELEASE_DAY: _CASEWORK,
    Act.CHECK_IN: _CASEWORK,
    Act.CLOSE: _COORDINATOR,
    Act.RECORD_OUTCOME: _COORDINATOR,
    Act.CHANGE_CIRCUMSTANCES: _COORDINATOR,
    Act.REGISTER_MENTOR: _COORDINATOR,
    Act.READ_AUDIT: _COORDINATOR,
    Act.EXPORT_SUBJECT_DATA: _COORDINATOR,
    Act.ERASE: _COORDINATOR,
    Act.EXPORT_OUTCOMES: frozenset({Role.COORDINATOR, Role.MANAGER}),
}


def may(actor: Actor, act: Act) -> bool:
    return actor.role is Role.SYSTEM or actor.role in ALLOWED[act]


def require(actor: Actor, act: Act) -> None:
    """For acts on no particular case (referral, mentor registration)."""
    if not may(actor, act):
        raise Forbidden(f"the {actor.role.value} role cannot {act.value.replace('_', ' ')}")


def can_see(actor: Actor, case: Case) -> bool:
    return actor.role is not Role.MENTOR or (case.mentor_id is not None and case.mentor_id == actor.user_id)


def authorised_case(deps: Deps, actor: Actor, case_id: str, act: Act) -> Case:
    """The case, if this actor may do `act` to it. Visibility is checked before the role, so a
    mentor probing someone else's case learns nothing, not even that it exists."""
    case = deps.store.get_case(case_id)
    if not can_see(actor, case):
        raise NotFound(f"case {case_id} not found")  # word for word what an unknown id gets
    require(actor, act)
    return case
