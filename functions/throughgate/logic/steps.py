"""The release workflow's own steps. Each checks the execution's revision against the case, so a
superseded execution (the plan changed and a new one started) cannot write over the new plan."""

from __future__ import annotations

from typing import Any

from throughgate.domain import effects
from throughgate.domain.case import Case, CheckIn, Task
from throughgate.domain.case_steps import BY_GATE, Gate, Role
from throughgate.domain.catalogue import load_cadence, load_programme, plan_area_tasks
from throughgate.domain.errors import DomainError, NotFound
from throughgate.domain.escalation import GATE_TIMEOUT, cause_of, timed_out_gate, workflow_failure
from throughgate.domain.lifecycle import Stage
from throughgate.domain.needs import needs_support
from throughgate.domain.schedule import (
    check_in_due_times,
    is_friday_release,
    iso_z,
    london_date,
    outcome_follow_up_at,
    pre_release_window_opens,
    readiness_review_at,
    release_at,
    service_gap,
)
from throughgate.logic.common import escalate, event, move
from throughgate.logic.effects import notify, save
from throughgate.logic.ports import SYSTEM, Deps, Notification
from throughgate.schemas import (
    AdvanceIn,
    AreaTasksIn,
    CaseRef,
    EscalationIn,
    ExecutionEndedIn,
    FailureIn,
    GateIn,
    StartIn,
    StepIn,
)
from throughgate.store.changes import Changes


class StaleExecution(DomainError):
    """This execution belongs to an older plan revision; it must not touch the case."""

    code = "stale_execution"


def gate_owner(gate: Gate) -> Role:
    """Who acts on a gate: the notification that it is open goes to them."""
    owner = BY_GATE[gate].gate_owner
    assert owner is not None, f"the {gate} step names no owner"
    return owner


def _case(deps: Deps, step: StepIn) -> Case:
    case = deps.store.get_case(step.case_id)
    if case.revision != step.revision:
        raise StaleExecution(f"case {case.case_id} is at revision {case.revision}, not {step.revision}")
    return case


def plan_milestones(deps: Deps, step: StepIn) -> dict[str, str]:
    case = _case(deps, step)
    settings = load_programme()
    return {
        "window_opens_at": iso_z(pre_release_window_opens(case.release_on, settings)),
        "readiness_at": iso_z(readiness_review_at(case.release_on, settings)),
        "release_at": iso_z(release_at(case.release_on, settings)),
    }


def open_gate(deps: Deps, gate_in: GateIn) -> dict[str, Any]:
    """Store the task token with the case: the person's form resumes the workflow with it. A retry
    after a committed attempt (a timeout after the write) only swaps in the retry's token."""
    case = _case(deps, gate_in)
    changes = Changes(case=case)
    if case.waiting_for is gate_in.gate and (
        gate_in.gate is not Gate.CHECK_IN or case.check_in_number == gate_in.check_in_number
    ):
        case.task_token = gate_in.token
        deps.store.commit(changes, deps.now())
        return {}
    detail = {"gate": gate_in.gate.value}
    if gate_in.gate in {Gate.READINESS_REVIEW, Gate.RELEASE_DAY} and is_friday_release(case.release_on):
        # 48 to 72 hours without services: food, money and contacts for the weekend must be ready.
        detail["friday_release"] = "true"
    if gate_in.gate in {Gate.READINESS_REVIEW, Gate.RELEASE_DAY} and service_gap(case.release_on):
        # A weekend or bank holiday follows: the same plan, for however many days it lasts.
        detail["service_gap"] = "true"
    if gate_in.gate is Gate.RELEASE_DAY and case.stage is Stage.RELEASE_READY:
        move(case, Stage.RELEASE_DAY)
    if gate_in.gate is Gate.HANDOVER and case.stage is Stage.POST_RELEASE:
        move(case, Stage.HANDOVER)
    if gate_in.gate is Gate.CHECK_IN:
        if gate_in.check_in_number is None:
            raise StaleExecution("a check-in gate needs its number")
        case.check_in_number = gate_in.check_in_number
        changes.add(CheckIn(case.case_id, gate_in.check_in_number, deps.now()))
        detail["number"] = str(gate_in.check_in_number)
    case.waiting_for = gate_in.gate
    case.task_token = gate_in.token
    changes.add(event(deps, "waiting_for", SYSTEM, **detail))
    # Saved with the gate: a retried step finds the gate open and the notification already owed.
    changes.effects.append(
        notify(
            case.case_id,
            deps.now(),
            Notification(
                kind="gate_open",
                case_id=case.case_id,
                recipient_role=gate_owner(gate_in.gate).value,
                detail=detail,
            ),
        )
    )
    save(deps, changes)
    return {}


def list_needs(deps: Deps, step: StepIn) -> dict[str, Any]:
    _case(deps, step)
    needs = [
        {
            "case_id": step.case_id,
            "revision": step.revision,
            "area": n.area.value,
            "level": n.current_level.value,
        }
        for n in deps.store.needs(step.case_id)
        if needs_support(n.current_level)
    ]
    return {"needs": needs}


def create_area_tasks(deps: Deps, step: AreaTasksIn) -> dict[str, int]:
    """Idempotent: a retried iteration finds its tasks already there and adds none."""
    case = _case(deps, step)
    existing = {t.task_key for t in deps.store.tasks(case.case_id)}
    changes = Changes(while_revision=(case.case_id, case.revision))
    for planned in plan_area_tasks(step.area, step.level, case.release_on, london_date(deps.now())):
        if planned.template_key not in existing:
            changes.add(Task.from_plan(case, planned))
    deps.store.commit(changes, deps.now())
    return {"created": len(changes.records)}


def advance_stage(deps: Deps, step: AdvanceIn) -> dict[str, Any]:
    case = _case(deps, step)
    target = Stage(step.stage)
    if case.stage is not target:
        move(case, target)
        deps.store.commit(Changes(case=case).add(event(deps, "stage", stage=target.value)), deps.now())
    return {}


def raise_escalation(deps: Deps, step: EscalationIn) -> dict[str, Any]:
    """One open escalation per reason, told with it. Already open, it was told already: its
    notification was saved with it, by this step's first attempt (a retry after its write) or by
    the form that raised it (release day's "not met at the gate")."""
    case = _case(deps, step)
    if _has_open_escalation(deps, case.case_id, step.reason):
        return {}
    changes = Changes(case=case)
    escalate(deps, case, changes, step.reason)
    save(deps, changes)
    return {}


def _has_open_escalation(deps: Deps, case_id: str, reason: str, subject: str = "") -> bool:
    found = deps.store.escalation(case_id, cause_of(reason, subject))
    return found is not None and found.open


def on_released(deps: Deps, step: StepIn) -> dict[str, Any]:
    """Schedule the outcome follow-up now: every released client is measured, whatever happens next."""
    case = _case(deps, step)
    released_on = case.first_released_on or case.release_on
    due_at = outcome_follow_up_at(released_on, load_programme())
    save(deps, Changes(case=case, effects=[effects.schedule_outcome(case.case_id, deps.now(), due_at)]))
    return {}


def plan_check_in(deps: Deps, step: StepIn) -> dict[str, Any]:
    case = _case(deps, step)
    released_on = case.first_released_on or case.release_on
    due_times = check_in_due_times(release_at(released_on, load_programme()), load_cadence())
    number = (case.check_in_number or 0) + 1
    if number > len(due_times):
        return {"done": True, "number": 0, "due_at": iso_z(deps.now())}
    return {"done": False, "number": number, "due_at": iso_z(due_times[number - 1])}


def record_failure(deps: Deps, failure: FailureIn) -> dict[str, Any]:
    """The workflow gave up: mark the case and tell the coordinator. Error type only, no cause text.
    The execution is over, so no gate of it can be resumed: the case stops waiting."""
    case = deps.store.get_case(failure.case_id)
    if failure.revision is not None and failure.revision != case.revision:
        return {"stale": True}  # a superseded execution: the case has moved on without it
    changes = Changes(case=case)
    # A gate nobody answered before its TimeoutSeconds: say which (the case still names it, or a
    # retried step finds it already recorded).
    error = workflow_failure(failure.error, case.waiting_for)
    if error == GATE_TIMEOUT and timed_out_gate(case.workflow_error):
        error = case.workflow_error or error
    if case.workflow_error != error or not _has_open_escalation(deps, case.case_id, "workflow_failed"):
        case.workflow_error = error
        case.waiting_for = None
        case.task_token = None
        escalate(deps, case, changes, "workflow_failed", error)
    save(deps, changes)
    return {}


def start_at_window(deps: Deps, start: StartIn) -> dict[str, Any]:
    """Fired by the one-time schedule when the pre-release window opens: start this revision's
    execution (an effect, as every start). A schedule the case has outgrown starts nothing: a newer
    revision replaced it (the release date moved), or the case ended or was erased."""
    try:
        case = deps.store.get_case(start.case_id)
    except NotFound:
        return {"skipped": "erased"}
    if case.revision != start.revision:
        return {"skipped": "superseded"}
    if case.erasing or case.stage.is_off_caseload or case.stage.is_terminal:
        return {"skipped": case.stage.value}
    changes = Changes(
        case=case, effects=[effects.start(case.case_id, deps.now(), case.revision, start.entry)]
    )
    save(deps, changes)
    return {}


def execution_ended(deps: Deps, ended: ExecutionEndedIn) -> dict[str, Any]:
    """An execution failed, timed out or was stopped, seen from outside it (EventBridge): a way of
    ending that no Catch in the workflow sees (Step Functions' one-year limit, a stop from the
    console). Unless we ended it ourselves (a plan change, an exit, an erasure) or the workflow's
    own RecordFailure already did, the case is marked and the coordinators told."""
    try:
        case = deps.store.get_case(ended.case_id)
    except NotFound:
        return {"skipped": "no case"}  # erased
    if ended.revision != case.revision:
        return {"skipped": "superseded"}  # a plan change started a newer execution and stopped this
    if case.erasing or case.stage.is_terminal or case.stage.is_off_caseload:
        return {"skipped": "ended"}  # the case ended and its workflow was stopped with it
    if case.workflow_error:
        return {"skipped": "already recorded"}  # RecordFailure ran: the coordinators were told
    error = {"FAILED": "ExecutionFailed", "TIMED_OUT": "ExecutionTimedOut", "ABORTED": "ExecutionAborted"}
    return record_failure(
        deps, FailureIn(case_id=case.case_id, revision=case.revision, error=error[ended.status])
    )


def outcome_due(deps: Deps, ref: CaseRef) -> dict[str, Any]:
    """Fired by the one-time schedule 18 months after release: ask the coordinator for the outcome."""
    case = deps.store.get_case(ref.case_id)
    if case.stage.is_terminal:
        return {"skipped": case.stage.value}
    if not _has_open_escalation(deps, case.case_id, "outcome_due"):
        changes = Changes(case=case)
        escalate(deps, case, changes, "outcome_due")
        save(deps, changes)
    return {}
