"""Staff accounts from the app, on the local stack (moto's user pool, the real Api, Web and Authorizer
functions): adding a person sends the invitation and records them; a retry converges; a role change
and a deactivation end the sessions already issued; each change is audited without an e-mail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.journey import START, Journey
from tests.trust.conftest import StaffSession
from throughgate.config import auth_settings
from throughgate_local.api_client import ApiClient
from throughgate_local.cognito import staff_email
from throughgate_local.cognito_admin import SUBJECT
from throughgate_local.devserver import DevServer
from throughgate_local.mentors import enrolled
from throughgate_local.mentors import profile as mentor_profile
from throughgate_local.stack import LocalStack

EMAIL = "new.mentor@staff.throughgate.example"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    with LocalStack(START) as local:
        yield local


def _coordinator(stack: LocalStack) -> StaffSession:
    return StaffSession(stack, "coordinator-0001", "coordinator")


def _add(stack: LocalStack, username: str = "mentor-0009", email: str = EMAIL, role: str = "mentor") -> Any:
    body = {"username": username, "role": role, "email": email, "display_name": "Jo Synthetic"}
    return _coordinator(stack).api("POST", "/staff", json.dumps(body))


def _pool(stack: LocalStack) -> tuple[Any, str]:
    return stack.client("cognito-idp"), stack.cognito.pool_id


def _groups(stack: LocalStack, username: str) -> list[str]:
    client, pool = _pool(stack)
    return [
        g["GroupName"]
        for g in client.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
    ]


def _audit(username: str) -> list[Any]:
    from throughgate.store.audit import AuditLog  # reads its settings at import: after the stack is up

    return AuditLog().trail(f"STAFF#{username}")


def _allowed(stack: LocalStack, token: str) -> bool:
    headers = {"Host": "throughgate.example", "Cookie": f"{auth_settings().session_cookie}={token}"}
    return DevServer(stack).authorize("GET", "/", "", headers) is not None


def test_adding_a_mentor_invites_them_records_them_and_is_audited(stack: LocalStack) -> None:
    added = _add(stack)
    assert added.status == 201, added.body
    assert added.json() == {"username": "mentor-0009", "role": "mentor", "status": "active"}
    assert _groups(stack, "mentor-0009") == ["mentor"]
    invitations = [m for m in stack.sent_emails() if m["subject"] == SUBJECT]
    assert [m["to"] for m in invitations] == [[EMAIL]]
    assert "mentor-0009" in invitations[0]["body"] and "Temporary password" in invitations[0]["body"]
    listed = _coordinator(stack).api("GET", "/staff").json()["staff"]
    assert {"username": "mentor-0009", "role": "mentor", "status": "active"} in listed
    entries = _audit("mentor-0009")
    assert [e.action for e in entries] == ["staff added as mentor"]
    assert entries[0].actor == "coordinator:coordinator-0001"
    assert EMAIL not in repr(entries) and "Jo Synthetic" not in repr(entries)


def test_a_new_mentors_own_pages_say_their_record_is_not_set_up_yet(stack: LocalStack) -> None:
    assert _add(stack).status == 201
    new_mentor = StaffSession(stack, "mentor-0009", "mentor")
    for path in ("/mentors/mentor-0009", "/mentors/mentor-0009/time"):
        page = new_mentor.web("GET", path)
        assert page.status == 404 and "Your mentor record has not been set up yet" in page.body, path
        assert "Page not found" not in page.body
    coordinator_view = _coordinator(stack).web("GET", "/mentors/mentor-0009").body
    assert 'href="/mentors/mentor-0009/profile"' in coordinator_view
    assert "Set up their mentor profile" in _coordinator(stack).web("GET", "/staff/mentor-0009").body
    form = _coordinator(stack).web("GET", "/mentors/mentor-0009/profile").body
    assert 'value="Jo Synthetic"' in form, "the profile form starts with the name given on the staff form"
    profile = {"mentor_id": "mentor-0009", **mentor_profile("Jo Synthetic", gender="female", capacity=3)}
    assert enrolled(ApiClient(stack, "coordinator-0001", "coordinator"), profile)
    staff_page = _coordinator(stack).web("GET", "/staff/mentor-0009").body
    assert "Their mentor record" in staff_page and "Set up their mentor profile" not in staff_page
    other = StaffSession(stack, "mentor-0001", "mentor").web("GET", "/mentors/mentor-0009")
    assert "not been set up" not in other.body and "no record yet" not in other.body, "another's: unknown"


def test_the_same_add_again_converges_and_another_persons_username_is_refused(stack: LocalStack) -> None:
    # The account was made, then the record's write failed: the same request again adopts it.
    client, pool = _pool(stack)
    client.admin_create_user(
        UserPoolId=pool,
        Username="mentor-0009",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": EMAIL}],
    )
    assert _add(stack).status == 201
    assert _add(stack).status == 201, "a lost reply's retry changes nothing"
    assert _groups(stack, "mentor-0009") == ["mentor"]
    assert len(_audit("mentor-0009")) == 1

    taken = _add(stack, email="someone.else@staff.throughgate.example")
    assert taken.status == 409 and taken.json()["message"] == "that username is taken"
    client.admin_create_user(UserPoolId=pool, Username="mentor-0010", MessageAction="SUPPRESS")
    assert _add(stack, username="mentor-0010").status == 409, "a pool account with no such e-mail"


def test_bad_input_is_refused_in_words(stack: LocalStack) -> None:
    response = _add(stack, username="Jo Smith", email="not-an-address")
    assert response.status == 422
    fields = {f["field"]: f["message"] for f in response.json()["fields"]}
    assert set(fields) == {"username", "email"}
    assert fields["email"] == "must be an e-mail address, like name@example.org"
    assert "Jo Smith" not in response.body and "not-an-address" not in response.body


def test_a_role_change_moves_the_group_and_ends_the_sessions_issued_before_it(stack: LocalStack) -> None:
    stack.cognito.add_mentors(["mentor-0001"])
    stack.cognito.seed_staff_records({}, START)
    token = stack.cognito.id_token("mentor-0001")
    assert _allowed(stack, token)
    changed = _coordinator(stack).api("POST", "/staff/mentor-0001/role", json.dumps({"role": "manager"}))
    assert changed.status == 200 and changed.json()["role"] == "manager"
    assert _groups(stack, "mentor-0001") == ["manager"]
    assert not _allowed(stack, token), "the token still names the mentor role: it no longer opens pages"


def test_deactivating_a_mentor_ends_their_session_and_lists_their_open_cases(stack: LocalStack) -> None:
    coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
    mentor = {
        "mentor_id": "mentor-0001",
        "display_name": "Mentor 1",
        "gender": "male",
        "boroughs": ["Southwark"],
        "capacity": 5,
    }
    assert enrolled(coordinator, mentor)
    journey = Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))
    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high")
    stack.cognito.add_mentors(["mentor-0001"])
    stack.cognito.seed_staff_records({"mentor-0001": "Mentor 1"}, START)
    token = stack.cognito.id_token("mentor-0001")
    assert _allowed(stack, token)
    timeline = _coordinator(stack).web("GET", f"/cases/{journey.case_id}").body
    assert "Coordinator 0001" in timeline and "(coordinator-0001)" not in timeline, "staff by name"

    gone = _coordinator(stack).api("POST", "/staff/mentor-0001/deactivate")
    assert gone.status == 200, gone.body
    assert gone.json()["status"] == "deactivated"
    assert gone.json()["open_cases"] == [journey.case_id], "none is freed silently"
    assert not _allowed(stack, token)
    theirs = StaffSession(stack, "mentor-0001", "mentor").api("GET", f"/cases/{journey.case_id}")
    assert theirs.status == 401, "the JSON API refuses them too"
    client, pool = _pool(stack)
    assert client.admin_get_user(UserPoolId=pool, Username="mentor-0001")["Enabled"] is False
    assert [e.action for e in _audit("mentor-0001")] == ["staff deactivated"]
    late = _coordinator(stack).web("POST", "/staff/mentor-0001/role", {"role": "manager"})
    assert late.status == 409 and "account meanwhile" in late.body
    again = _coordinator(stack).api("POST", "/staff/mentor-0001/deactivate")
    assert again.status == 200 and len(_audit("mentor-0001")) == 1, "deactivating twice is once"
    board = _coordinator(stack).web("GET", "/").body
    attention = board.split('data-testid="attention"', 1)[1].split("</ul>", 1)[0]
    assert "The mentor has left (account deactivated): reassign the case" in attention, (
        "told, not freed silently"
    )
    assert "Left (sign-in account deactivated)" in _coordinator(stack).web("GET", "/mentors").body
    suggested = coordinator.get(f"/cases/{journey.case_id}/mentor-suggestions").body
    assert "mentor-0001" not in [s["mentor_id"] for s in suggested["suggestions"]], "a leaver is not offered"
    left = [e["reasons"] for e in suggested["excluded"] if e["mentor_id"] == "mentor-0001"]
    assert left == [["Has left the programme: their sign-in account is deactivated"]]


def test_a_coordinator_cannot_lock_themselves_out(stack: LocalStack) -> None:
    stack.cognito.seed_staff_records({}, START)
    response = _coordinator(stack).api("POST", "/staff/coordinator-0001/deactivate")
    assert response.status == 422 and "another coordinator" in response.json()["message"]


def test_resets_sign_the_person_out(stack: LocalStack) -> None:
    stack.cognito.add_mentors(["mentor-0001"])
    stack.cognito.seed_staff_records({}, START)
    token = stack.cognito.id_token("mentor-0001")
    assert _coordinator(stack).api("POST", "/staff/mentor-0001/reset-authenticator").status == 200
    assert not _allowed(stack, token)
    assert _coordinator(stack).api("POST", "/staff/mentor-0001/reset-password").status == 200
    client, pool = _pool(stack)
    user = client.admin_get_user(UserPoolId=pool, Username="mentor-0001")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD", "their next sign-in asks for a new password"
    invitations = [m for m in stack.sent_emails() if m["to"] == [staff_email("mentor-0001")]]
    assert len(invitations) == 1 and "Temporary password: " in invitations[0]["body"], invitations
    old_password = stack.cognito.users["mentor-0001"].password
    assert f"Temporary password: {old_password}" not in invitations[0]["body"]
    actions = sorted(e.action for e in _audit("mentor-0001"))
    assert actions == ["staff reset_authenticator", "staff reset_password"]
