"""What the handlers share at their boundary: who is calling (as API Gateway's authorizer verified
them), the HTTP status each domain error maps to, and how a malformed body is described."""

from __future__ import annotations

from datetime import UTC, datetime

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


def issued_at(event: APIGatewayProxyEvent) -> datetime | None:
    """When the caller's token was issued (`iat`, seconds since the epoch), if the authorizer says."""
    authorizer = event.request_context.authorizer
    context = (authorizer.raw_event or {}) if authorizer else {}
    claims = context.get("claims") or context
    raw = str(claims.get("iat") or "")
    return datetime.fromtimestamp(int(raw), UTC) if raw.isdigit() else None


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


# Error types our own input models raise, with their own sentence (schemas.py).
OUR_ERROR_TYPES = frozenset({"change_type"})
# What each kind of problem pydantic finds is called here: the programme's words, never a library's.
_WORDS: dict[str, str] = {
    "missing": "is required",
    "greater_than_equal": "must be {ge} or more",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be {le} or less",
    "less_than": "must be less than {lt}",
    "string_too_short": "must be at least {min_length} characters",
    "string_too_long": "must be {max_length} characters or fewer",
    "too_short": "must have at least {min_length} entries",
    "too_long": "must have {max_length} entries or fewer",
    "string_type": "must be text",
    "string_pattern_mismatch": "is not in the right form",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date, like 2027-06-04",
    "date_parsing": "must be a date, like 2027-06-04",
    "date_from_datetime_parsing": "must be a date, like 2027-06-04",
    "date_from_datetime_inexact": "must be a date, like 2027-06-04",
    "datetime_type": "must be a date and time, like 2027-06-04T08:30:00Z",
    "datetime_parsing": "must be a date and time, like 2027-06-04T08:30:00Z",
    "enum": "must be one of: {expected}",
    "literal_error": "must be one of: {expected}",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "union_tag_invalid": "must be one of: {expected_tags}",
    "union_tag_not_found": "needs its type",
    "json_invalid": "is not valid JSON",
    "json_type": "is not valid JSON",
}


def in_our_words(kind: str, context: dict[str, object], raw: str) -> str:
    """A validation problem as the programme says it. A rule of ours (a value error) carries our own
    sentence already; anything else unforeseen is said plainly rather than in the library's words."""
    if kind in {"value_error", "assertion_error"} or kind in OUR_ERROR_TYPES:
        return raw.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _WORDS.get(kind, "is not valid")
    try:
        return template.format(**{k: str(v).replace("'", "") for k, v in context.items()})
    except (KeyError, IndexError):
        return _WORDS.get(kind, "is not valid").split(":")[0]


def field_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, message) for each problem, naming fields we declare only: an unknown field or map
    key is the sender's own text (it could be anything, a name included), so its parent is named."""
    found = []
    for problem in error.errors(include_input=False, include_url=False):
        loc = [str(part) for part in problem["loc"]]
        message = in_our_words(problem["type"], problem.get("ctx") or {}, str(problem["msg"]))
        if problem["type"] == "extra_forbidden":
            loc, message = loc[:-1], "has a field that is not allowed"
        elif "[key]" in loc:
            loc, message = loc[: loc.index("[key]") - 1], "has a key that is not allowed"
        found.append((".".join(loc) or "body", message))
    return found
