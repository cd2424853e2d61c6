"""What the API and the web handlers share: who is calling (the claims API Gateway's Cognito
authorizer verified) and the HTTP status each domain error maps to."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent

from throughgate.domain import errors
from throughgate.logic.ports import Actor, Role

STAFF_ROLES = frozenset({Role.COORDINATOR, Role.MENTOR, Role.MANAGER})


class Unauthenticated(Exception):
    """No verified identity with a programme role on the request."""


def actor_from(event: APIGatewayProxyEvent) -> Actor:
    authorizer = event.request_context.authorizer
    claims = ((authorizer.raw_event or {}).get("claims") or {}) if authorizer else {}
    groups = claims.get("cognito:groups") or ""
    names = groups if isinstance(groups, list) else str(groups).replace(",", " ").split()
    roles = [Role(name) for name in names if name in STAFF_ROLES]
    if not claims.get("sub") or not roles:
        raise Unauthenticated()
    return Actor(str(claims["sub"]), roles[0])


_STATUS: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.InvalidInput: 422,
    errors.IllegalTransition: 409,
    errors.NotWaiting: 409,
    errors.Conflict: 409,
    errors.CapacityExceeded: 409,
    errors.DuplicateReferral: 409,
}


def status_for(error: errors.DomainError) -> int:
    return _STATUS.get(type(error), 400)
