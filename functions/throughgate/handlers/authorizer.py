"""API Gateway REST `REQUEST` authorizer for the web pages: the session cookie's ID token, verified.

Allow: a policy for every method of the stage (API Gateway caches it per Cookie header for the
authorizer's TTL, so it must hold for the next page too) and a context of flat strings, which API
Gateway hands to the Web function as `requestContext.authorizer` (read by
`throughgate.handlers.identity.actor_from`). Anything else gets a Deny policy: API Gateway answers
403, which the Web API's ACCESS_DENIED gateway response turns into a redirect to /sign-in. A Deny, not
a raised `Unauthorized`, so that an expired session is not a function error (the errors alarm is
for faults).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from throughgate.handlers import session

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
# Their DEBUG lines hold whole requests: the staff record's key is the person's username.
for _name in ("pynamodb", "botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(max(logging.getLogger(_name).level, logging.INFO))


def _stage_arn(method_arn: str) -> str:
    """arn:aws:execute-api:region:account:api-id/stage/METHOD/path -> .../api-id/stage/*/*"""
    api, _, rest = method_arn.partition("/")
    stage = rest.split("/", 1)[0]
    return f"{api}/{stage}/*/*"


def _policy(principal: str, effect: str, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": _stage_arn(method_arn)}
            ],
        },
    }


def _still_allowed(verified: session.Session) -> bool:
    """Not deactivated, nor signed out by a coordinator since the token was issued: one GetItem. The
    token itself stays valid until it expires, so this read is what ends a leaver's session; API
    Gateway caches an Allow for SESSION_CHECK_CACHE (60 s, infra), the longest a session can outlive
    its end."""
    from throughgate.logic.staff import session_allowed
    from throughgate.store.staff import StaffStore

    return session_allowed(StaffStore(), verified.user_id, datetime.fromtimestamp(verified.issued_at, UTC))


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    token = session.token_from(event)
    if token is None:
        return _policy("anonymous", "Deny", event["methodArn"])
    try:
        verified = session.verify(token)
    except session.InvalidSession as error:
        logger.info("session refused", extra={"reason": type(error).__name__, "detail": str(error)})
        return _policy("anonymous", "Deny", event["methodArn"])
    if not verified.staff_groups:
        logger.info("session refused", extra={"reason": "no staff group"})
        return _policy("anonymous", "Deny", event["methodArn"])
    if not _still_allowed(verified):
        logger.info("session refused", extra={"reason": "ended by a coordinator"})
        return _policy("anonymous", "Deny", event["methodArn"])
    return {
        **_policy(verified.sub, "Allow", event["methodArn"]),
        "context": {
            "sub": verified.sub,
            "cognito:username": verified.user_id,
            "cognito:groups": ",".join(verified.staff_groups),
        },
    }
