"""The staff record's rules: which sessions it still accepts, and what each change does to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Conflict, InvalidInput
from throughgate.domain.staff import StaffRecord, StaffStatus, require_username

AT = datetime(2027, 3, 1, 9, tzinfo=UTC)  # the programme's clock
WALL = datetime(2026, 12, 6, 14, 0, 0, 400_000, tzinfo=UTC)  # when sessions are issued


def _record() -> StaffRecord:
    return StaffRecord(
        "mentor-0009", Role.MENTOR, "Jo Synthetic", StaffStatus.ACTIVE, AT, "system:throughgate"
    )


def test_a_new_record_accepts_any_session() -> None:
    record = _record()
    assert record.accepts_session(WALL - timedelta(days=1))
    assert record.accepts_session(None)


def test_a_role_change_ends_every_session_issued_up_to_its_second() -> None:
    changed = _record().with_role(Role.MANAGER, AT, "coordinator:coordinator-0001", WALL)
    assert changed.role is Role.MANAGER and changed.role_words == "Manager"
    assert changed.changed_by == "coordinator:coordinator-0001"
    same_second = WALL.replace(microsecond=0)
    assert not changed.accepts_session(same_second), "a token of that second may predate the change"
    assert not changed.accepts_session(WALL - timedelta(hours=1))
    assert changed.accepts_session(same_second + timedelta(seconds=1))
    assert changed.accepts_session(None), "a token without its issue time: judged by the status"


def test_a_deactivated_person_has_no_session_at_all() -> None:
    gone = _record().deactivated(AT, "coordinator:coordinator-0001", WALL)
    assert gone.status is StaffStatus.DEACTIVATED and gone.status_words == "Deactivated"
    assert not gone.accepts_session(WALL + timedelta(days=1))
    assert not gone.accepts_session(None)
    assert gone.deactivated(AT + timedelta(days=1), "coordinator:coordinator-0002", WALL) is gone
    with pytest.raises(Conflict):
        gone.with_role(Role.MANAGER, AT, "coordinator:coordinator-0001", WALL)
    with pytest.raises(Conflict):
        gone.signed_out(AT, "coordinator:coordinator-0001", WALL)


def test_only_staff_roles_can_be_given() -> None:
    with pytest.raises(InvalidInput):
        _record().with_role(Role.SYSTEM, AT, "coordinator:coordinator-0001", WALL)


@pytest.mark.parametrize("username", ["mentor-0009", "coordinator_12", "a1234567", "m" * 60])
def test_a_username_is_a_staff_id(username: str) -> None:
    require_username(username)


@pytest.mark.parametrize("username", ["Mentor-0009", "jo smith", "short", "-mentor-01", "m" * 61, "jo@x.org"])
def test_anything_else_is_not_a_username(username: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        require_username(username)
    assert refused.value.field == "username" and username not in refused.value.message


def test_a_username_typed_in_capitals_is_the_same_username() -> None:
    from throughgate.schemas import StaffIn

    typed = StaffIn.model_validate(
        {"username": " MENTOR-0012 ", "role": "mentor", "email": "a@b.example", "display_name": "Jo"}
    )
    assert typed.username == "mentor-0012"
