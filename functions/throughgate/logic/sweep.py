"""The daily sweep: chase overdue tasks and check-ins (mentor first, then coordinator), and close a
check-in as missed so the workflow moves on. Reads only the sparse `open_items` index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from aws_lambda_powertools import Logger

from throughgate.domain import effects
from throughgate.domain.case import Case, CheckIn, CheckInStatus, Task
from throughgate.domain.case_steps import Gate
from throughgate.domain.catalogue import ProgrammeSettings, load_programme
from throughgate.domain.errors import Conflict
from throughgate.domain.escalation import (
    ChaseLevel,
    check_in_chase_level,
    check_in_missed,
    next_action,
    task_chase_level,
)
from throughgate.domain.schedule import london_date
from throughgate.logic.common import escalate, event
from throughgate.logic.effects import notify, save
from throughgate.logic.ports import Deps, Notification
from throughgate.store.changes import Changes

logger = Logger(child=True)


@dataclass
class SweepReport:
    mentor_chases: int = 0
    coordinator_reminders: int = 0  # a coordinator's own task, overdue
    coordinator_escalations: int = 0
    check_ins_missed: int = 0
    left_for_tomorrow: int = 0  # changed by a person while the sweep ran
    failed: int = 0


def _chase(
    deps: Deps,
    case: Case,
    changes: Changes,
    level: ChaseLevel,
    *,
    reason: str,
    subject: str,
    report: SweepReport,
    owner: str = "mentor",
) -> None:
    """The first chase reminds whoever does the work (a coordinator's own task reminds the
    coordinators, never the mentor); the second escalates to the coordinators."""
    told = reason
    if level is ChaseLevel.COORDINATOR_ESCALATED:
        escalate(deps, case, changes, reason, subject, tell=False)  # told by the chase below
        report.coordinator_escalations += 1
        recipient = "coordinator"
    elif owner == "coordinator":
        changes.add(event(deps, "coordinators_reminded", reason=reason, subject=subject))
        report.coordinator_reminders += 1
        recipient, told = "coordinator", f"own_{reason}"
    else:
        changes.add(event(deps, "mentor_chased", reason=reason, subject=subject))
        report.mentor_chases += 1
        recipient = "mentor"
    changes.effects.append(
        notify(
            case.case_id,
            deps.now(),
            Notification(
                kind="chase",
                case_id=case.case_id,
                recipient_role=recipient,
                detail={"reason": told, "subject": subject},
            ),
        )
    )


def run_daily_sweep(deps: Deps) -> SweepReport:
    """Each case on its own: a case a person changed meanwhile is left for tomorrow (the sweep never
    writes over what someone typed), and one case's failure never stops the others."""
    settings = load_programme()
    now = deps.now()
    report = SweepReport()
    for task in deps.store.tasks_to_chase(london_date(now)):
        _one_case(report, task.case_id, partial(_chase_task, deps, task, settings))
    chase_from = now - timedelta(hours=settings.check_in_chase_after_hours)
    for check_in in deps.store.check_ins_to_chase(chase_from):
        _one_case(report, check_in.case_id, partial(_chase_check_in, deps, check_in, settings))
    return report


def _one_case(report: SweepReport, case_id: str, work: Callable[[SweepReport], None]) -> None:
    """What one case's work did counts only once it is saved."""
    done = SweepReport()
    try:
        work(done)
        report.mentor_chases += done.mentor_chases
        report.coordinator_reminders += done.coordinator_reminders
        report.coordinator_escalations += done.coordinator_escalations
        report.check_ins_missed += done.check_ins_missed
    except Conflict:
        report.left_for_tomorrow += 1  # someone changed the case since it was read
    except Exception:
        report.failed += 1
        logger.exception("the sweep could not chase a case", extra={"case_id": case_id})


def _chase_task(deps: Deps, indexed: Task, settings: ProgrammeSettings, report: SweepReport) -> None:
    now = deps.now()
    # The case first, then the task afresh: a person's update writes the case too, so it is either
    # seen here or makes this write fail its version check; it is never written over.
    case = deps.store.get_case(indexed.case_id)
    task = deps.store.get_task(indexed.case_id, indexed.task_key)
    if task.status.is_closed:
        return
    action = next_action(
        task.chase_level, task_chase_level(task.due_on, london_date(now), task.critical, settings)
    )
    if action is None:
        return
    task.chase_level = action
    changes = Changes(case=case).add(task)
    _chase(
        deps,
        case,
        changes,
        action,
        reason="task_overdue",
        subject=task.task_key,
        report=report,
        owner=task.owner_role,
    )
    save(deps, changes)


def _chase_check_in(deps: Deps, indexed: CheckIn, settings: ProgrammeSettings, report: SweepReport) -> None:
    now = deps.now()
    case = deps.store.get_case(indexed.case_id)
    check_in = deps.store.get_check_in(indexed.case_id, indexed.number)
    if check_in.status is not CheckInStatus.OPEN:
        return  # recorded meanwhile: a late check-in is never lost to a "missed"
    action = next_action(check_in.chase_level, check_in_chase_level(check_in.due_at, now, settings))
    missed = check_in_missed(check_in.due_at, now, settings)
    if action is None and not missed:
        return
    changes = Changes(case=case).add(check_in)
    if missed:
        check_in.status = CheckInStatus.MISSED
        report.check_ins_missed += 1
        if case.waiting_for is Gate.CHECK_IN and case.check_in_number == check_in.number and case.task_token:
            # The workflow moves on past the missed check-in: a resume saved with the miss.
            changes.effects.append(effects.resume(case.case_id, now, case.task_token, {"missed": True}))
            case.waiting_for, case.task_token = None, None
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
    save(deps, changes)
