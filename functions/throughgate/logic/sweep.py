"""The daily sweep: chase overdue tasks and check-ins (mentor first, then coordinator), and close a
check-in as missed so the workflow moves on. Reads only the sparse `open_items` index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from throughgate.domain.case import Case, CheckInStatus
from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import load_programme
from throughgate.domain.escalation import (
    ChaseLevel,
    check_in_chase_level,
    check_in_missed,
    next_action,
    task_chase_level,
)
from throughgate.logic.common import escalate, event
from throughgate.logic.ports import Deps, Notification
from throughgate.store.changes import Changes


@dataclass
class SweepReport:
    mentor_chases: int = 0
    coordinator_escalations: int = 0
    check_ins_missed: int = 0


def _chase(
    deps: Deps,
    case: Case,
    changes: Changes,
    level: ChaseLevel,
    *,
    reason: str,
    subject: str,
    report: SweepReport,
) -> None:
    if level is ChaseLevel.COORDINATOR_ESCALATED:
        escalate(deps, case, changes, reason, subject)
        report.coordinator_escalations += 1
        recipient = "coordinator"
    else:
        changes.add(event(deps, "mentor_chased", reason=reason, subject=subject))
        report.mentor_chases += 1
        recipient = "mentor"
    deps.store.commit(changes, deps.now())
    deps.notifier.notify(
        Notification(
            kind="chase",
            case_id=case.case_id,
            recipient_role=recipient,
            mentor_id=case.mentor_id,
            detail={"reason": reason, "subject": subject},
        )
    )


def run_daily_sweep(deps: Deps) -> SweepReport:
    settings = load_programme()
    now = deps.now()
    report = SweepReport()
    for task in deps.store.tasks_to_chase(now.date()):
        action = next_action(
            task.chase_level, task_chase_level(task.due_on, now.date(), task.critical, settings)
        )
        if action is None:
            continue
        case = deps.store.get_case(task.case_id)
        task.chase_level = action
        _chase(
            deps,
            case,
            Changes(case=case).add(task),
            action,
            reason="task_overdue",
            subject=task.task_key,
            report=report,
        )

    chase_from = now - timedelta(hours=settings.check_in_chase_after_hours)
    for check_in in deps.store.check_ins_to_chase(chase_from):
        action = next_action(check_in.chase_level, check_in_chase_level(check_in.due_at, now, settings))
        missed = check_in_missed(check_in.due_at, now, settings)
        if action is None and not missed:
            continue
        case = deps.store.get_case(check_in.case_id)
        changes = Changes(case=case).add(check_in)
        token = None
        if missed:
            check_in.status = CheckInStatus.MISSED
            report.check_ins_missed += 1
            if case.waiting_for is Gate.CHECK_IN and case.check_in_number == check_in.number:
                token, case.waiting_for, case.task_token = case.task_token, None, None
        if action is not None:
            check_in.chase_level = action
            _chase(
                deps,
                case,
                changes,
                action,
                reason="check_in_missed" if missed else "check_in_late",
                subject=str(check_in.number),
                report=report,
            )
        else:
            deps.store.commit(changes, deps.now())
        if token:
            deps.workflow.resume(token, {"missed": True})
    return report
