"""Small pieces every action shares: the gate check, the stage move, the resume after a commit."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from throughgate.domain import effects
from throughgate.domain.case import Case, CheckInStatus, Escalation, TimelineEvent
from throughgate.domain.case_steps import Gate
from throughgate.domain.errors import NotWaiting
from throughgate.domain.escalation import cause_of
from throughgate.domain.lifecycle import Stage, check_transition
from throughgate.domain.needs import TaskStatus
from throughgate.logic.effects import notify, save
from throughgate.logic.ports import SYSTEM, Actor, Deps, Notification
from throughgate.store.changes import Changes, Once


def event(deps: Deps, kind: str, actor: Actor = SYSTEM, **detail: str) -> TimelineEvent:
    return TimelineEvent(
        at=deps.now(), kind=kind, actor=actor.label, detail={k: str(v) for k, v in detail.items()}
    )


def fingerprint(payload: BaseModel | dict[str, Any]) -> str:
    """A SHA-256 of what was submitted: stored with the submission id instead of the values."""
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    body = {k: v for k, v in body.items() if k not in {"submission_id", "event_id"}}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def remember_submission(changes: Changes, submission_id: str | None, form: BaseModel) -> None:
    """A form's submission id is written once with a fingerprint of what it saved: a double click
    or retry of the same form creates nothing new; the id reused for other answers is refused."""
    if submission_id:
        changes.once.append(Once(submission_id, fingerprint(form)))


def require_gate(case: Case, gate: Gate) -> str:
    """The token to resume with; NotWaiting when the workflow is not at that gate."""
    if case.waiting_for is not gate or not case.task_token:
        raise NotWaiting(f"case {case.case_id} is not waiting for {gate.value}")
    return case.task_token


def move(case: Case, target: Stage) -> None:
    check_transition(case.stage, target)
    case.stage = target


def commit_and_resume(deps: Deps, changes: Changes, token: str, output: dict[str, Any]) -> None:
    """Store first, then resume: the next step must read what this action wrote. The resume is saved
    with the change, so a failed SendTaskSuccess is tried again rather than leaving the case at the
    gate."""
    case = changes.case
    assert case is not None
    case.waiting_for = None
    case.task_token = None
    changes.effects.append(effects.resume(case.case_id, deps.now(), token, output))
    save(deps, changes)


def release_mentor(deps: Deps, case: Case, changes: Changes) -> None:
    """The case leaves its mentor's caseload: one place freed, in the same transaction. Call it once,
    as the case moves off the caseload (or is erased while still on it)."""
    if case.mentor_id:
        changes.mentors.append(deps.store.get_mentor(case.mentor_id).one_case_fewer())


def wind_down(deps: Deps, case: Case, changes: Changes, reason: str) -> None:
    """Stop the plan: open tasks become not needed, open check-ins are cancelled, the gate closes."""
    for task in deps.store.tasks(case.case_id):
        if not task.status.is_closed:
            task.status = TaskStatus.NOT_NEEDED
            changes.add(task)
    for check_in in deps.store.check_ins(case.case_id):
        if check_in.status is CheckInStatus.OPEN:
            check_in.status = CheckInStatus.CANCELLED
            changes.add(check_in)
    case.waiting_for = None
    case.task_token = None
    changes.add(event(deps, "plan_stopped", reason=reason))
    # What was raised about the old plan goes with it; the outcome, due later, is still wanted.
    resolve(
        deps,
        changes,
        (e for e in deps.store.escalations(case.case_id) if e.reason != "outcome_due"),
        SYSTEM,
        f"The plan stopped ({reason.replace('_', ' ')})",
    )


def escalate(
    deps: Deps, case: Case, changes: Changes, reason: str, subject: str = "", *, tell: bool = True
) -> None:
    """Raise it, or raise its cause again: one escalation per cause, counted up (and reopened if it
    had been resolved), never a second one beside it; and tell the coordinators with it, in the
    same transaction (`tell=False` only where the caller sends its own words: the sweep's chase)."""
    existing = deps.store.escalation(case.case_id, cause_of(reason, subject))
    now = deps.now()
    changes.add(
        existing.raised_again(now, subject)
        if existing
        else Escalation(case.case_id, now, reason, "coordinator", subject),
        event(deps, "escalated", reason=reason, subject=subject),
    )
    if tell:
        notify_escalation(deps, case, changes, reason, subject)


def resolve(
    deps: Deps, changes: Changes, escalations: Iterable[Escalation], by: Actor, resolution: str
) -> None:
    """Close these escalations (those still open), each with a line on the timeline."""
    for escalation in escalations:
        if escalation.open:
            changes.add(
                escalation.resolved(deps.now(), by.label, resolution),
                event(deps, "escalation_resolved", by, reason=escalation.reason, subject=escalation.subject),
            )


def resolve_cause(
    deps: Deps, case: Case, changes: Changes, cause: tuple[str, str], *, resolution: str, by: Actor = SYSTEM
) -> None:
    """Its cause (reason, subject) has gone, e.g. the task was done: the escalation resolves."""
    existing = deps.store.escalation(case.case_id, cause_of(*cause))
    if existing is not None:
        resolve(deps, changes, [existing], by, resolution)


def notify_escalation(deps: Deps, case: Case, changes: Changes, reason: str, subject: str = "") -> None:
    """Tell the coordinators, once the change is saved (an effect of it)."""
    changes.effects.append(
        notify(
            case.case_id,
            deps.now(),
            Notification(
                kind="escalation",
                case_id=case.case_id,
                recipient_role="coordinator",
                detail={"reason": reason, "subject": subject},
            ),
        )
    )
