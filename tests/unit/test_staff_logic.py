"""Staff accounts' logic with the directory and the store faked (the e2e tests run them for real):
the order of each change's calls, what converges on a retry, and who may do any of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest

from throughgate.domain.case import Case, ClientDetails
from throughgate.domain.case_steps import Role
from throughgate.domain.errors import Forbidden, InvalidInput
from throughgate.domain.lifecycle import Stage
from throughgate.domain.staff import StaffRecord, StaffStatus, UsernameTaken
from throughgate.logic import staff
from throughgate.logic.ports import Actor, Deps
from throughgate.schemas import StaffIn, StaffRoleIn

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
NEW = StaffIn(username="mentor-0009", role="mentor", email="jo@staff.throughgate.example", display_name="Jo")


class WriteFailed(Exception):
    pass


@dataclass
class FakeStore:
    records: dict[str, StaffRecord] = field(default_factory=dict)
    entries: list[str] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    fail_next_write: bool = False

    def staff_member(self, username: str) -> StaffRecord | None:
        return self.records.get(username)

    def all_staff(self) -> list[StaffRecord]:
        return list(self.records.values())

    def save_staff(self, record: StaffRecord, before: StaffRecord | None, actor: str, action: str) -> None:
        if self.fail_next_write:
            self.fail_next_write = False
            raise WriteFailed()
        assert self.records.get(record.username) == before, "written over the version read"
        self.records[record.username] = record
        self.entries.append(f"{actor} {action} {record.username}")

    def caseload(self, mentor_id: str) -> list[Case]:
        return [c for c in self.cases if c.mentor_id == mentor_id]


@dataclass
class FakeAccounts:
    calls: list[str] = field(default_factory=list)
    emails: dict[str, str] = field(default_factory=dict)

    def create(self, username: str, email: str, role: Role) -> None:
        if username in self.emails and self.emails[username] != email:
            raise UsernameTaken("that username is taken")
        self.emails[username] = email
        self.calls.append(f"create {username} {role.value}")

    def change_group(self, username: str, old: Role, new: Role) -> None:
        self.calls.append(f"group {username} {old.value}->{new.value}")

    def reset_password(self, username: str) -> None:
        self.calls.append(f"reset_password {username}")

    def reset_authenticator(self, username: str) -> None:
        self.calls.append(f"reset_authenticator {username}")

    def sign_out_everywhere(self, username: str) -> None:
        self.calls.append(f"sign_out {username}")

    def disable(self, username: str) -> None:
        self.calls.append(f"disable {username}")


def _deps(store: FakeStore, accounts: FakeAccounts) -> Deps:
    return Deps(
        store=cast(Any, store),
        workflow=cast(Any, None),
        scheduler=cast(Any, None),
        now=lambda: NOW,
        accounts=accounts,
    )


def _case(case_id: str, stage: Stage) -> Case:
    client = ClientDetails("Testy", "Example", date(1990, 5, 17), "A0001AA", "male", "Southwark")
    made = Case(case_id, stage, date(2027, 5, 1), "BXI", client, NOW, "hash")
    made.mentor_id = "mentor-0009"
    return made


def test_an_add_whose_record_failed_converges_when_sent_again() -> None:
    store, accounts = FakeStore(fail_next_write=True), FakeAccounts()
    with pytest.raises(WriteFailed):
        staff.add_staff(_deps(store, accounts), COORDINATOR, NEW)
    assert store.records == {}, "the account was made, the record was not"
    record = staff.add_staff(_deps(store, accounts), COORDINATOR, NEW)
    assert record.role is Role.MENTOR and record.display_name == "Jo"
    assert accounts.calls == ["create mentor-0009 mentor", "create mentor-0009 mentor"]
    assert store.entries == ["coordinator:coordinator-0001 staff added as mentor mentor-0009"]
    staff.add_staff(_deps(store, accounts), COORDINATOR, NEW)  # its reply lost: sent a third time
    assert len(store.entries) == 1


def test_a_username_already_recorded_for_someone_else_is_refused_before_the_directory() -> None:
    store, accounts = FakeStore(), FakeAccounts()
    staff.add_staff(_deps(store, accounts), COORDINATOR, NEW)
    other = NEW.model_copy(update={"display_name": "Someone Else"})
    with pytest.raises(UsernameTaken):
        staff.add_staff(_deps(store, accounts), COORDINATOR, other)
    assert accounts.calls == ["create mentor-0009 mentor"]


@pytest.mark.parametrize("role", [Role.MENTOR, Role.MANAGER])
def test_only_coordinators_manage_staff(role: Role) -> None:
    store, accounts = FakeStore(), FakeAccounts()
    actor = Actor(f"{role.value}-0001", role)
    deps = _deps(store, accounts)
    for attempt in (
        lambda: staff.add_staff(deps, actor, NEW),
        lambda: staff.list_staff(deps, actor),
        lambda: staff.deactivate(deps, actor, "mentor-0009"),
        lambda: staff.change_role(deps, actor, "mentor-0009", StaffRoleIn(role="coordinator")),
        lambda: staff.reset_password(deps, actor, "mentor-0009"),
    ):
        with pytest.raises(Forbidden):
            attempt()
    assert accounts.calls == [] and store.entries == []


def test_a_role_change_moves_the_group_signs_out_then_records() -> None:
    store, accounts = FakeStore(), FakeAccounts()
    deps = _deps(store, accounts)
    staff.add_staff(deps, COORDINATOR, NEW)
    changed = staff.change_role(deps, COORDINATOR, "mentor-0009", StaffRoleIn(role="manager"))
    assert changed.role is Role.MANAGER and changed.sessions_valid_after is not None
    assert accounts.calls[1:] == ["group mentor-0009 mentor->manager", "sign_out mentor-0009"]
    assert store.entries[-1].endswith("staff role mentor to manager mentor-0009")
    assert staff.change_role(deps, COORDINATOR, "mentor-0009", StaffRoleIn(role="manager")) == changed
    assert len(accounts.calls) == 3, "the same role again changes nothing"


def test_deactivating_lists_the_open_cases_and_never_oneself() -> None:
    store, accounts = FakeStore(), FakeAccounts()
    deps = _deps(store, accounts)
    staff.add_staff(deps, COORDINATOR, NEW)
    open_case = _case("6f1c2d3e-0000-4000-8000-000000000001", Stage.PRE_RELEASE)
    store.cases = [open_case, _case("6f1c2d3e-0000-4000-8000-000000000002", Stage.CLOSED)]
    gone = staff.deactivate(deps, COORDINATOR, "mentor-0009")
    assert [c.case_id for c in gone.open_cases] == [open_case.case_id]
    assert accounts.calls[1:] == ["disable mentor-0009", "sign_out mentor-0009"]
    assert not staff.session_allowed(store, "mentor-0009", None)
    assert staff.session_allowed(store, "mentor-0404", None), "no record: Cognito alone decides, as before"
    store.records["coordinator-0001"] = StaffRecord(
        "coordinator-0001", Role.COORDINATOR, "Co", StaffStatus.ACTIVE, NOW, "system:throughgate"
    )
    with pytest.raises(InvalidInput):
        staff.deactivate(deps, COORDINATOR, "coordinator-0001")


def test_the_timeline_names_staff_by_their_display_name_whatever_role_they_had() -> None:
    from throughgate.logic.timeline import staff_names, who

    record = StaffRecord(
        "coordinator-0007", Role.MANAGER, "Sam Synthetic", StaffStatus.ACTIVE, NOW, "system:x"
    )
    names = staff_names([], [record])
    assert who("coordinator:coordinator-0007", names) == "Sam Synthetic", "a coordinator then, a manager now"
    assert who("manager:coordinator-0007", names) == "Sam Synthetic"
    assert who("coordinator:coordinator-0001", names) == "A coordinator (coordinator-0001)", "no record"
