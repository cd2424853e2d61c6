"""Who may do what to which case, checked on every read and write of a case (the acts and the roles
allowed each are in domain.case_steps, beside the steps they belong to).

A mentor sees only the cases assigned to them; any other case answers exactly as an unknown id
would, so guessing ids reveals nothing. A manager reads everything and writes nothing. Only
coordinators refer, assign mentors, change circumstances and close cases.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from throughgate.domain.case import Case
from throughgate.domain.case_steps import ALLOWED, Act, Role
from throughgate.domain.errors import Forbidden, NotFound
from throughgate.logic.ports import Actor, Deps

__all__ = ["Act", "authorised_case", "check", "checked_ahead", "may", "require"]


def may(actor: Actor, act: Act) -> bool:
    return actor.role is Role.SYSTEM or actor.role in ALLOWED[act]


def require(actor: Actor, act: Act) -> None:
    """For acts on no particular case (referral, mentor registration)."""
    if not may(actor, act):
        raise Forbidden(f"the {actor.role.value} role cannot {act.value.replace('_', ' ')}")


def require_mentor_visible(actor: Actor, mentor_id: str) -> None:
    """A mentor's own record (profile, checks, supervision, time) is theirs alone among mentors:
    visibility before the role, as for cases, so another mentor's (or a malformed id) answers
    exactly as an unknown one would, whatever they meant to do with it."""
    from throughgate.schemas import is_id

    if not is_id(mentor_id) or (actor.role is Role.MENTOR and actor.user_id != mentor_id):
        raise NotFound("no such mentor")


def can_see(actor: Actor, case: Case) -> bool:
    return actor.role is not Role.MENTOR or (case.mentor_id is not None and case.mentor_id == actor.user_id)


# Case ids are UUIDs (from the referral's submission id); anything else in an address is not one.
_CASE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TASK_KEY = re.compile(r"[a-z0-9_.-]{1,100}")


def require_case_id(case_id: str) -> None:
    """A malformed id is answered before any read, without repeating what was sent."""
    if not _CASE_ID.fullmatch(case_id):
        raise NotFound("no such case")


def require_task_key(task_key: str) -> None:
    if not _TASK_KEY.fullmatch(task_key):
        raise NotFound("no such task")


# The case a handler's access check read, by (case id, act), for the logic's own check of that act
# to take (see `checked_ahead`). A dict, so a take is seen by every context sharing the request's.
_read_ahead: ContextVar[dict[tuple[str, Act], Case] | None] = ContextVar("read_ahead", default=None)


def authorised_case(deps: Deps, actor: Actor, case_id: str, act: Act) -> Case:
    """The case, if this actor may do `act` to it."""
    require_case_id(case_id)
    ahead = _read_ahead.get()
    case = ahead.pop((case_id, act), None) if ahead else None
    if case is None:
        case = deps.store.get_case(case_id)
    check(actor, case, act)
    return case


@contextmanager
def checked_ahead(deps: Deps, actor: Actor, case_id: str, act: Act) -> Iterator[Case]:
    """A form's access check, made before its body is read, whose read the logic's own check of the
    same act inside the block takes (once) instead of reading the case again: one read per form, not
    two. The logic still checks, and its commit is still conditional on the version it read."""
    case = authorised_case(deps, actor, case_id, act)
    token = _read_ahead.set({(case_id, act): copy.deepcopy(case)})
    try:
        yield case
    finally:
        _read_ahead.reset(token)


def check(actor: Actor, case: Case, act: Act) -> None:
    """Visibility before the role, so a mentor probing someone else's case learns nothing, not even
    that it exists."""
    if not can_see(actor, case) or (case.erasing and act is not Act.ERASE):
        # An erasure under way: only a repeat of it, to finish the deleting, still finds the case.
        raise NotFound(f"case {case.case_id} not found")  # word for word what an unknown id gets
    require(actor, act)
