"""Staff accounts from the app (coordinators only): add a person, change their role, reset their
password or authenticator, deactivate a leaver; and whether a session may still act.

Each change is made in the sign-in directory first (`deps.accounts`, Cognito), then saved to the
staff record with its audit entry in one transaction. The directory's operations are idempotent, so
if the record's write fails after the directory changed, the same request again converges: adding
adopts an account already made with the same e-mail, a role already moved stays moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from throughgate.domain.case import Case
from throughgate.domain.case_steps import Act, Role
from throughgate.domain.errors import Conflict, InvalidInput, NotFound
from throughgate.domain.staff import (
    StaffRecord,
    StaffStatus,
    UsernameTaken,
    require_username,
)
from throughgate.logic.access import require
from throughgate.logic.ports import Actor, Deps, StaffAccounts, StaffRecords

if TYPE_CHECKING:
    from throughgate.schemas import StaffIn, StaffRoleIn


@dataclass(frozen=True)
class StaffDetails:
    record: StaffRecord
    open_cases: list[Case]  # a mentor's cases still open: each needs another mentor if they leave
    has_mentor_record: bool = False  # a mentor whose profile is set up (else: the link to set it up)


def _accounts(deps: Deps) -> StaffAccounts:
    if deps.accounts is None:  # a wiring mistake, not a person's: this function cannot manage staff
        raise RuntimeError("this function has no staff accounts port")
    return deps.accounts


def _wall_clock() -> datetime:
    """Sessions are issued by the wall clock (never the local stack's virtual one)."""
    return datetime.now(UTC)


def _record(deps: Deps, username: str) -> StaffRecord:
    require_username(username)
    record = deps.store.staff_member(username)
    if record is None:
        raise NotFound(f"staff {username} not found")
    return record


def _save(deps: Deps, actor: Actor, record: StaffRecord, before: StaffRecord | None, what: str) -> None:
    """The record with its audit entry: who did what to which username (no e-mail, no name)."""
    deps.store.save_staff(record, before, actor.label, what)


def list_staff(deps: Deps, actor: Actor) -> list[StaffRecord]:
    """Active people first, then by role and name."""
    require(actor, Act.MANAGE_STAFF)
    return sorted(
        deps.store.all_staff(),
        key=lambda r: (not r.is_active, r.role.value, r.display_name.lower(), r.username),
    )


def staff_details(deps: Deps, actor: Actor, username: str) -> StaffDetails:
    require(actor, Act.MANAGE_STAFF)
    record = _record(deps, username)
    return StaffDetails(record, _open_cases(deps, record), _has_mentor_record(deps, record))


def _has_mentor_record(deps: Deps, record: StaffRecord) -> bool:
    if record.role is not Role.MENTOR:
        return False
    try:
        deps.store.get_mentor(record.username)
    except NotFound:
        return False
    return True


def _open_cases(deps: Deps, record: StaffRecord) -> list[Case]:
    if record.role is not Role.MENTOR:
        return []
    cases = [case for case in deps.store.caseload(record.username) if not case.stage.is_off_caseload]
    return sorted(cases, key=lambda case: (case.release_on, case.case_id))


def add_staff(deps: Deps, actor: Actor, form: StaffIn) -> StaffRecord:
    """The account (Cognito sends the invitation) and the record. The same request again, after
    either half failed or with its reply lost, finishes it; another person's username is refused."""
    require(actor, Act.MANAGE_STAFF)
    require_username(form.username)
    role = Role(form.role)
    existing = deps.store.staff_member(form.username)
    if existing is not None and (existing.role, existing.display_name) != (role, form.display_name):
        raise UsernameTaken("that username is taken")
    _accounts(deps).create(form.username, form.email, role)  # UsernameTaken if another's e-mail
    if existing is not None:
        return existing  # a retry of an add that was saved
    record = StaffRecord(
        username=form.username,
        role=role,
        display_name=form.display_name,
        status=StaffStatus.ACTIVE,
        changed_at=deps.now(),
        changed_by=actor.label,
    )
    try:
        _save(deps, actor, record, None, f"staff added as {role.value}")
    except Conflict:
        raise UsernameTaken("that username is taken") from None
    return record


def change_role(deps: Deps, actor: Actor, username: str, form: StaffRoleIn) -> StaffRecord:
    """The new group, the person signed out everywhere (their ID token names the old role), then
    the record, whose new `sessions_valid_after` ends the web sessions already issued."""
    require(actor, Act.MANAGE_STAFF)
    before = _record(deps, username)
    role = Role(form.role)
    if role is before.role:
        return before
    _not_yourself(actor, username, "change your own role")
    after = before.with_role(role, deps.now(), actor.label, _wall_clock())
    accounts = _accounts(deps)
    accounts.change_group(username, before.role, role)
    accounts.sign_out_everywhere(username)
    _save(deps, actor, after, before, f"staff role {before.role.value} to {role.value}")
    return after


def reset_password(deps: Deps, actor: Actor, username: str) -> StaffRecord:
    """The person's password stops working and their invitation goes again, with a temporary
    password to sign in with and then replace; their sessions end."""
    return _reset(deps, actor, username, "reset_password")


def reset_authenticator(deps: Deps, actor: Actor, username: str) -> StaffRecord:
    """The person sets up their authenticator app again at their next sign-in; their sessions end."""
    return _reset(deps, actor, username, "reset_authenticator")


def _reset(deps: Deps, actor: Actor, username: str, what: str) -> StaffRecord:
    require(actor, Act.MANAGE_STAFF)
    before = _record(deps, username)
    before.require_active()  # a leaver's account stays as it was left
    accounts = _accounts(deps)
    getattr(accounts, what)(username)
    accounts.sign_out_everywhere(username)
    # Whoever used the old password or authenticator is signed out of the app too.
    after = before.signed_out(deps.now(), actor.label, _wall_clock())
    _save(deps, actor, after, before, f"staff {what}")
    return after


def deactivate(deps: Deps, actor: Actor, username: str) -> StaffDetails:
    """A leaver: the account disabled and signed out everywhere, the record deactivated (which ends
    the sessions already issued), and their open cases listed for a coordinator to reassign: none
    is freed silently."""
    require(actor, Act.MANAGE_STAFF)
    before = _record(deps, username)
    if not before.is_active:
        return StaffDetails(before, _open_cases(deps, before))
    _not_yourself(actor, username, "deactivate your own account")
    accounts = _accounts(deps)
    accounts.disable(username)
    accounts.sign_out_everywhere(username)
    after = before.deactivated(deps.now(), actor.label, _wall_clock())
    _save(deps, actor, after, before, "staff deactivated")
    return StaffDetails(after, _open_cases(deps, after))


def _not_yourself(actor: Actor, username: str, what: str) -> None:
    """A coordinator cannot lock themselves out: another coordinator must do it."""
    if actor.user_id == username:
        raise InvalidInput(f"you cannot {what}: ask another coordinator", "username")


def session_allowed(records: StaffRecords, username: str, issued_at: datetime | None) -> bool:
    """Whether a verified session may still act: one read of the person's record. Someone without a
    record (an account made before staff records, by the AWS command line) is judged by Cognito
    alone, as before."""
    record = records.staff_member(username)
    return record is None or record.accepts_session(issued_at)


def have_left(deps: Deps) -> frozenset[str]:
    """The usernames of people whose account is deactivated: they have left the programme (one
    Query of the staff records). A mentor among them is offered for no case and their cases need
    another mentor."""
    return frozenset(record.username for record in deps.store.all_staff() if not record.is_active)


def display_names(deps: Deps) -> dict[str, str]:
    """Each username's display name, for pages that show who did something."""
    return {record.username: record.display_name for record in deps.store.all_staff()}
