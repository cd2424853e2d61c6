"""What the handlers share at their boundary: who is calling (as API Gateway's authorizer verified
them), the HTTP status each domain error maps to, and how a malformed body is described."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent
from pydantic import ValidationError

from throughgate.domain import errors
from throughgate.domain.case_steps import Role
from throughgate.logic.ports import Actor

STAFF_ROLES = frozenset({Role.COORDINATOR, Role.MENTOR, Role.MANAGER})


class Unauthenticated(Exception):
    """No verified identity with a programme role on the request."""


def actor_from(event: APIGatewayProxyEvent) -> Actor:
    """The caller, from either shape API Gateway passes: a Cognito user-pool authorizer's `claims`
    (the JSON API) or the session Authorizer's flat context of strings (the web pages).

    The user id is the Cognito username, a staff id (a mentor's is their mentor_id); the role is the
    first programme group in `cognito:groups` (a list, or a string joined by commas or spaces)."""
    authorizer = event.request_context.authorizer
    context = (authorizer.raw_event or {}) if authorizer else {}
    claims = context.get("claims") or context
    user_id = claims.get("cognito:username")
    groups = claims.get("cognito:groups") or ""
    names = groups if isinstance(groups, list) else str(groups).strip("[]").replace(",", " ").split()
    roles = [Role(name) for name in names if name in STAFF_ROLES]
    if not user_id or not roles:
        raise Unauthenticated()
    return Actor(str(user_id), roles[0])


_STATUS: dict[type[errors.DomainError], int] = {
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.InvalidInput: 422,
    errors.IllegalTransition: 409,
    errors.NotWaiting: 409,
    errors.Conflict: 409,
    errors.CapacityExceeded: 409,
    errors.DuplicateReferral: 409,
}


def status_for(error: errors.DomainError) -> int:
    """The nearest mapped class wins, so a refinement of Conflict is still a 409."""
    return next((_STATUS[cls] for cls in type(error).__mro__ if cls in _STATUS), 400)


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, message) for each problem, naming fields we declare only: an unknown field or map
    key is the sender's own text (it could be anything, a name included), so its parent is named."""
    found = []
    for problem in error.errors(include_input=False, include_url=False):
        loc = [str(part) for part in problem["loc"]]
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            loc, message = loc[:-1], "has a field that is not allowed"
        elif "[key]" in loc:
            loc, message = loc[: loc.index("[key]") - 1], "has a key that is not allowed"
        found.append((".".join(loc) or "body", message))
    return found
