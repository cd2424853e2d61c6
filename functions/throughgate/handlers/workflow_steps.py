"""Lambda entry points for the release workflow's steps and the one-time schedules (the outcome
follow-up, the workflow's start at the pre-release window).

Each parses its payload into a typed model, calls one logic function and returns ids and flags only:
Step Functions keeps task outputs in the execution history. A domain error propagates, so its class
name becomes the `errorType` that the state machine's Retry and Catch match on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from throughgate import caches
from throughgate.logic import steps
from throughgate.logic.ports import Deps
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

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()


def _step(run: Callable[[Deps, M], dict[str, Any]], payload: type[M]) -> Handler:
    @logger.inject_lambda_context
    def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        logger.info("workflow step", extra={"step": run.__name__, "case_id": event.get("case_id")})
        return run(_deps(), payload.model_validate(event))

    return handler


plan_milestones = _step(steps.plan_milestones, StepIn)
open_gate = _step(steps.open_gate, GateIn)
list_needs = _step(steps.list_needs, StepIn)
create_area_tasks = _step(steps.create_area_tasks, AreaTasksIn)
advance_stage = _step(steps.advance_stage, AdvanceIn)
raise_escalation = _step(steps.raise_escalation, EscalationIn)
on_released = _step(steps.on_released, StepIn)
plan_check_in = _step(steps.plan_check_in, StepIn)
record_failure = _step(steps.record_failure, FailureIn)
outcome_due = _step(steps.outcome_due, CaseRef)
start_workflow = _step(steps.start_at_window, StartIn)


@logger.inject_lambda_context
def execution_ended(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """EventBridge: "Step Functions Execution Status Change" for FAILED, TIMED_OUT or ABORTED."""
    ended = ExecutionEndedIn.model_validate(event.get("detail") or {})
    logger.info(
        "workflow step", extra={"step": "execution_ended", "case_id": ended.case_id, "status": ended.status}
    )
    return steps.execution_ended(_deps(), ended)
