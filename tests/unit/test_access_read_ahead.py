"""The access check's read handed on to the logic's check: taken once, inside its block only."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from throughgate.domain.case import Case, ClientDetails
from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Forbidden, NotFound
from throughgate.domain.lifecycle import Stage
from throughgate.logic import access
from throughgate.logic.access import Act
from throughgate.logic.ports import Actor

CASE_ID = str(uuid.UUID(int=7))
MENTOR = Actor("mentor-0001", Role.MENTOR)


class CountingStore:
    def __init__(self, mentor_id: str | None) -> None:
        self.reads = 0
        self.mentor_id = mentor_id

    def get_case(self, case_id: str) -> Case:
        self.reads += 1
        return Case(
            case_id=case_id,
            stage=Stage.MATCHED,
            release_on=date(2027, 3, 1),
            prison="BXI",
            client=ClientDetails.anonymised(),
            created_at=datetime(2027, 1, 4, tzinfo=UTC),
            payload_hash="x",
            mentor_id=self.mentor_id,
        )


def deps(mentor_id: str | None = "mentor-0001") -> Any:
    return SimpleNamespace(store=CountingStore(mentor_id))


def test_the_logic_takes_the_checked_case_once_then_reads_again() -> None:
    d = deps()
    with access.checked_ahead(d, MENTOR, CASE_ID, Act.UPDATE_TASK) as checked:
        taken = access.authorised_case(d, MENTOR, CASE_ID, Act.UPDATE_TASK)
        assert d.store.reads == 1
        assert taken == checked and taken is not checked, "a copy: the logic's changes stay its own"
        access.authorised_case(d, MENTOR, CASE_ID, Act.UPDATE_TASK)
        assert d.store.reads == 2, "taken once: a second check reads the store"


def test_a_check_of_another_act_reads_and_leaves_the_form_s_read() -> None:
    """A page built inside the block (the mentor form's suggestions) checks its own act: it reads,
    and the form's logic still takes the handler's read."""
    d = deps()
    coordinator = Actor("coordinator-0001", Role.COORDINATOR)
    with access.checked_ahead(d, coordinator, CASE_ID, Act.ASSIGN_MENTOR):
        access.authorised_case(d, coordinator, CASE_ID, Act.SUGGEST_MENTORS)
        assert d.store.reads == 2
        access.authorised_case(d, coordinator, CASE_ID, Act.ASSIGN_MENTOR)
        assert d.store.reads == 2, "the form's own act took the handler's read"


def test_an_error_inside_the_block_leaves_nothing_to_take() -> None:
    d = deps()
    with pytest.raises(ValueError), access.checked_ahead(d, MENTOR, CASE_ID, Act.UPDATE_TASK):
        raise ValueError("the body did not parse")
    access.authorised_case(d, MENTOR, CASE_ID, Act.UPDATE_TASK)
    assert d.store.reads == 2


def test_outside_the_block_every_check_reads() -> None:
    d = deps()
    with access.checked_ahead(d, MENTOR, CASE_ID, Act.UPDATE_TASK):
        pass
    access.authorised_case(d, MENTOR, CASE_ID, Act.UPDATE_TASK)
    assert d.store.reads == 2, "an untaken read does not outlive its request"


def test_the_logic_still_checks_the_handed_case() -> None:
    """Handed on or read, the case is checked again for the act the logic performs."""
    d = deps()
    with access.checked_ahead(d, MENTOR, CASE_ID, Act.READ), pytest.raises(Forbidden):
        access.authorised_case(d, MENTOR, CASE_ID, Act.CLOSE)


def test_another_mentors_case_is_refused_before_anything_is_handed_on() -> None:
    d = deps(mentor_id="mentor-0002")
    with pytest.raises(NotFound), access.checked_ahead(d, MENTOR, CASE_ID, Act.READ):
        pytest.fail("the block must not run")
    mine = deps()
    access.authorised_case(mine, MENTOR, CASE_ID, Act.READ)
    assert mine.store.reads == 1, "nothing was left behind to take"
