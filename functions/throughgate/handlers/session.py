"""The staff session: a Cognito ID token in an HttpOnly, Secure, SameSite=Strict cookie.

One verifier for the Authorizer (every page request) and the SignIn pages. It checks what API
Gateway's own Cognito authorizer would: the RS256 signature against the user pool's published keys,
the issuer, the audience (this app client), `token_use` = id and the expiry. Token times are real
time, never the local stack's virtual clock: Cognito (and moto) issue them by the wall clock.

Imports stay small on purpose (PyJWT, urllib): the Authorizer runs before every page.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from throughgate import caches
from throughgate.config import auth_settings

# The programme's roles as Cognito groups (throughgate.logic.ports.Role's staff values, not imported:
# that module pulls in the store; a test checks the two agree).
STAFF_GROUPS = frozenset({"coordinator", "mentor", "manager"})
CLOCK_SKEW_SECONDS = 10
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "token_use", "cognito:username"]


class InvalidSession(Exception):
    """No usable session: absent, malformed, forged, for another app client, or expired."""


class ExpiredSession(InvalidSession):
    """A genuine session that has run out."""


@dataclass(frozen=True)
class Session:
    user_id: str  # cognito:username: a staff id such as coordinator-0001 (a mentor's is their mentor_id)
    sub: str
    groups: tuple[str, ...]
    expires_at: int  # seconds since the epoch
    issued_at: int  # seconds since the epoch: a coordinator's change may end sessions issued before it

    @property
    def staff_groups(self) -> tuple[str, ...]:
        return tuple(group for group in self.groups if group in STAFF_GROUPS)

    def seconds_left(self) -> int:
        return max(0, self.expires_at - int(time.time()))


if TYPE_CHECKING:
    import jwt


@caches.resettable
@cache
def _key_set(url: str) -> jwt.PyJWKSet:
    """The user pool's public keys, fetched once per container (Cognito does not rotate them)."""
    import jwt

    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - https or file://, validated in config
        return jwt.PyJWKSet.from_dict(json.load(response))


def verify(token: str) -> Session:
    """The session in `token`, or InvalidSession (ExpiredSession when only the time has passed:
    PyJWT checks the signature before any claim). PyJWT and cryptography load on the first call, not
    at import: the sign-in page's cold start does not need them."""
    import jwt

    config = auth_settings()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = _key_set(config.key_set_url)[str(kid)]
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=config.app_client_id,
            issuer=config.issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": _REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise ExpiredSession() from None
    except (jwt.PyJWTError, KeyError) as error:
        raise InvalidSession(type(error).__name__) from None
    if claims["token_use"] != "id":  # noqa: S105 - a claim value, not a secret
        raise InvalidSession("not an ID token")
    groups = claims.get("cognito:groups") or []
    return Session(
        user_id=str(claims["cognito:username"]),
        sub=str(claims["sub"]),
        groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (str(groups),),
        expires_at=int(claims["exp"]),
        issued_at=int(claims["iat"]),
    )


def token_from(event: Mapping[str, Any]) -> str | None:
    """The session cookie's value in an API Gateway event's Cookie headers (any letter case; HTTP/2
    clients may send several)."""
    name = auth_settings().session_cookie
    values = [
        value
        for header, many in (event.get("multiValueHeaders") or {}).items()
        if header.lower() == "cookie"
        for value in many or ()
    ] or [value for header, value in (event.get("headers") or {}).items() if header.lower() == "cookie"]
    for value in values:
        for part in value.split(";"):
            key, _, found = part.strip().partition("=")
            if key == name and found:
                return found
    return None


def set_cookie(token: str, max_age: int) -> str:
    name = auth_settings().session_cookie
    return f"{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=Strict"


def clear_cookie() -> str:
    name = auth_settings().session_cookie
    return f"{name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
