"""The case API (API Gateway REST, Cognito authorizer): every form a coordinator or mentor submits.

Handlers only parse, identify the caller, call one logic function and shape the response. Errors map
to status codes once, below, by type: a domain error is a 4xx with its message (ids and field names
only), a malformed body is a 422 naming the fields, never echoing their values.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, ValidationError

from throughgate.domain import errors
from throughgate.handlers.identity import Unauthenticated, actor_from, status_for
from throughgate.logic import actions, circumstances
from throughgate.logic.ports import Actor, Deps
from throughgate.logic.views import case_view
from throughgate.schemas import (
    AssessmentIn,
    CheckInIn,
    CircumstanceIn,
    ConsentIn,
    HandoverIn,
    MentorIn,
    MentorMatchIn,
    OutcomeIn,
    ReadinessIn,
    ReferralIn,
    ReleaseDayIn,
    TaskUpdateIn,
)

logger = Logger(service="throughgate-api")
app = APIGatewayRestResolver()
MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)


class PayloadTooLarge(Exception):
    pass


@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()


def _actor() -> Actor:
    return actor_from(app.current_event)


def _body(model: type[M]) -> M:
    raw = app.current_event.body or ""
    if len(raw.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return model.model_validate_json(raw or "{}")


def _json(status: int, body: Any) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, default=str),
        headers={"Cache-Control": "no-store"},
    )


# -- routes ----------------------------------------------------------------------------------------
@app.post("/referrals")
def refer() -> Response:
    result = actions.refer(_deps(), _actor(), _body(ReferralIn))
    return _json(201 if result.created else 200, {"case_id": result.case_id, "created": result.created})


@app.get("/cases/<case_id>")
def get_case(case_id: str) -> Response:
    return _json(200, case_view(_deps(), _actor(), case_id).model_dump(mode="json"))


@app.post("/cases/<case_id>/consent")
def consent(case_id: str) -> Response:
    case = actions.record_consent(_deps(), _actor(), case_id, _body(ConsentIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/cases/<case_id>/assessment")
def assessment(case_id: str) -> Response:
    case = actions.submit_assessment(_deps(), _actor(), case_id, _body(AssessmentIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.get("/cases/<case_id>/mentor-suggestions")
def suggestions(case_id: str) -> Response:
    result = actions.mentor_suggestions(_deps(), _actor(), case_id)
    return _json(200, asdict(result))


@app.post("/cases/<case_id>/mentor")
def match(case_id: str) -> Response:
    case = actions.confirm_mentor(_deps(), _actor(), case_id, _body(MentorMatchIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value, "mentor_id": case.mentor_id})


@app.post("/cases/<case_id>/tasks/<task_key>")
def task(case_id: str, task_key: str) -> Response:
    updated = actions.update_task(_deps(), _actor(), case_id, task_key, _body(TaskUpdateIn))
    return _json(200, {"case_id": case_id, "task_key": task_key, "status": updated.status.value})


@app.post("/cases/<case_id>/readiness")
def readiness(case_id: str) -> Response:
    case = actions.submit_readiness(_deps(), _actor(), case_id, _body(ReadinessIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/cases/<case_id>/release-day")
def release_day(case_id: str) -> Response:
    case = actions.submit_release_day(_deps(), _actor(), case_id, _body(ReleaseDayIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/cases/<case_id>/check-ins")
def check_in(case_id: str) -> Response:
    case = actions.submit_check_in(_deps(), _actor(), case_id, _body(CheckInIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/cases/<case_id>/handover")
def handover(case_id: str) -> Response:
    result = actions.submit_handover(_deps(), _actor(), case_id, _body(HandoverIn))
    body = {"case_id": case_id, "stage": result.case.stage.value, "still_open": list(result.still_open)}
    return _json(200, body)


@app.post("/cases/<case_id>/outcome")
def outcome(case_id: str) -> Response:
    case = actions.record_outcome(_deps(), _actor(), case_id, _body(OutcomeIn))
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/cases/<case_id>/circumstances")
def circumstance(case_id: str) -> Response:
    case = circumstances.apply_change(_deps(), _actor(), case_id, _body(CircumstanceIn).change)
    return _json(200, {"case_id": case_id, "stage": case.stage.value})


@app.post("/mentors")
def mentor() -> Response:
    registered = actions.register_mentor(_deps(), _actor(), _body(MentorIn))
    return _json(200, {"mentor_id": registered.mentor_id})


# -- errors, mapped once -----------------------------------------------------------------------------


@app.exception_handler(errors.DomainError)
def _domain_error(error: errors.DomainError) -> Response:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if isinstance(error, errors.InvalidInput) and error.field:
        body["fields"] = [{"field": error.field, "message": error.message}]
    return _json(status_for(error), body)


@app.exception_handler(ValidationError)
def _validation_error(error: ValidationError) -> Response:
    fields = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
        for e in error.errors(include_input=False, include_url=False)
    ]
    return _json(422, {"error": "invalid_input", "message": "check the highlighted fields", "fields": fields})


@app.exception_handler(Unauthenticated)
def _unauthenticated(_error: Unauthenticated) -> Response:
    return _json(401, {"error": "unauthenticated", "message": "sign in first"})


@app.exception_handler(PayloadTooLarge)
def _too_large(_error: PayloadTooLarge) -> Response:
    return _json(413, {"error": "payload_too_large", "message": f"the body is over {MAX_BODY_BYTES} bytes"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
