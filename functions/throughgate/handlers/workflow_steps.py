"""Lambda entry points for the release workflow's steps and the outcome follow-up schedule.

Each parses its payload into a typed model, calls one logic function and returns ids and flags only:
Step Functions keeps task outputs in the execution history. A domain error propagates, so its class
name becomes the `errorType` that the state machine's Retry and Catch match on.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from throughgate.logic import steps
from throughgate.logic.ports import Deps
from throughgate.schemas import AdvanceIn, AreaTasksIn, CaseRef, EscalationIn, FailureIn, GateIn, StepIn

logger = Logger(service="throughgate-workflow")


@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()


def _log(step: str, payload: dict[str, Any]) -> None:
    logger.info("workflow step", extra={"step": step, "case_id": payload.get("case_id")})


@logger.inject_lambda_context
def plan_milestones(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("plan_milestones", event)
    return steps.plan_milestones(_deps(), StepIn.model_validate(event))


@logger.inject_lambda_context
def open_gate(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("open_gate", event)
    return steps.open_gate(_deps(), GateIn.model_validate(event))


@logger.inject_lambda_context
def list_needs(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("list_needs", event)
    return steps.list_needs(_deps(), StepIn.model_validate(event))


@logger.inject_lambda_context
def create_area_tasks(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("create_area_tasks", event)
    return steps.create_area_tasks(_deps(), AreaTasksIn.model_validate(event))


@logger.inject_lambda_context
def advance_stage(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("advance_stage", event)
    return steps.advance_stage(_deps(), AdvanceIn.model_validate(event))


@logger.inject_lambda_context
def raise_escalation(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("raise_escalation", event)
    return steps.raise_escalation(_deps(), EscalationIn.model_validate(event))


@logger.inject_lambda_context
def on_released(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("on_released", event)
    return steps.on_released(_deps(), StepIn.model_validate(event))


@logger.inject_lambda_context
def plan_check_in(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("plan_check_in", event)
    return steps.plan_check_in(_deps(), StepIn.model_validate(event))


@logger.inject_lambda_context
def record_failure(event: dict[str, Any], _context: object) -> dict[str, Any]:
    logger.warning("workflow failed", extra={"case_id": event.get("case_id"), "error": event.get("error")})
    return steps.record_failure(_deps(), FailureIn.model_validate(event))


@logger.inject_lambda_context
def outcome_due(event: dict[str, Any], _context: object) -> dict[str, Any]:
    _log("outcome_due", event)
    return steps.outcome_due(_deps(), CaseRef.model_validate(event))
