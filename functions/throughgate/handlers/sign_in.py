"""Staff sign-in and sign-out pages (public routes: no authorizer, no table).

Username and password go to Cognito's InitiateAuth (USER_PASSWORD_AUTH) from here, the server, and
never anywhere else: not to a log line, not back into a page. Cognito's challenges get a page each:
an authenticator-app code (SOFTWARE_TOKEN_MFA), a first-sign-in new password (NEW_PASSWORD_REQUIRED)
and setting up the authenticator app when the pool requires MFA (MFA_SETUP). On success the ID token
goes into the session cookie (HttpOnly, Secure, SameSite=Strict, Max-Age = the token's remaining
life) and the browser goes to the dashboard. Neither the access nor the refresh token is kept: a
session ends when its ID token does, and signing out forgets the cookie (so there is nothing for
GlobalSignOut to revoke).

Cross-site requests: every POST must come from a page of this site, by the browser's Fetch
Metadata (`Sec-Fetch-Site`), or, from browsers without it, an `Origin` naming this host. That
needs no secret and no state, and also stops login CSRF (a forged sign-in into another account),
which the session cookie's SameSite=Strict cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from botocore.exceptions import ClientError

from throughgate import caches
from throughgate.config import auth_settings
from throughgate.handlers import session
from throughgate.web.http import PAGE_HEADERS, html
from throughgate.web.render import render

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
# botocore's DEBUG lines hold whole requests and responses: the password and the tokens.
for _name in ("botocore", "boto3", "urllib3"):
    logging.getLogger(_name).setLevel(max(logging.getLogger(_name).level, logging.INFO))

app = APIGatewayRestResolver(debug=False)  # debug prints whole events: never here
MAX_BODY_BYTES = 16 * 1024
WRONG_CREDENTIALS = "Your username or password is not correct"
_NOT_STAFF = "Your account has no Throughgate role yet. Ask a coordinator to add you to a group."
_ENTER_CODE = "Enter the 6-digit code from your authenticator app"
_START_AGAIN = "Your sign-in has ended. Sign in again."


class Refused(Exception):
    """A POST that did not come from a page of this site, or larger than any of its forms."""


@caches.resettable
@cache
def _cognito() -> Any:
    import boto3

    return boto3.client("cognito-idp", region_name=auth_settings().region)


def _header(name: str) -> str | None:
    headers = app.current_event.headers or {}
    return next((value for key, value in headers.items() if key.lower() == name), None)


def _form() -> dict[str, str]:
    """The posted fields, after the cross-site check (Fetch Metadata, else Origin against the host the
    browser addressed: behind CloudFront that is `X-Forwarded-Host`, set by a viewer-request function,
    as `Host` is then the API's own domain; a cross-site form cannot set either header)."""
    site = _header("sec-fetch-site")
    origin = _header("origin")
    if site is not None:
        if site not in {"same-origin", "none"}:
            raise Refused()
    elif origin is not None and urlsplit(origin).netloc != (_header("x-forwarded-host") or _header("host")):
        raise Refused()
    body = app.current_event.body or ""
    if len(body.encode()) > MAX_BODY_BYTES:
        raise Refused()
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


def _page(step: str, status: int = 200, **context: Any) -> Response:
    return html(render("sign_in.html", step=step, **context), status)


def _signed_in(id_token: str) -> Response:
    """The session cookie for a token fresh from Cognito, verified like every later request."""
    verified = session.verify(id_token)
    if not verified.staff_groups:
        logger.info("sign-in refused", extra={"reason": "no staff group"})
        return _page("password", 403, errors={"username": _NOT_STAFF})
    logger.info("signed in", extra={"sub": verified.sub})  # never the username
    return Response(
        status_code=303,
        body="",
        headers={
            "Location": "/",
            "Cache-Control": "no-store",
            "Set-Cookie": [session.set_cookie(id_token, verified.seconds_left())],
        },
    )


def _next(result: dict[str, Any], username: str) -> Response:
    """Where Cognito's answer leads: the session, or the page for its challenge."""
    if "AuthenticationResult" in result:
        return _signed_in(result["AuthenticationResult"]["IdToken"])
    challenge, cognito_session = result.get("ChallengeName"), result["Session"]
    logger.info("challenge", extra={"challenge": challenge})
    if challenge == "SOFTWARE_TOKEN_MFA":
        return _page("code", session=cognito_session, username=username)
    if challenge == "NEW_PASSWORD_REQUIRED":
        return _page("new_password", session=cognito_session, username=username)
    if challenge == "MFA_SETUP":
        setup = _cognito().associate_software_token(Session=cognito_session)
        return _page("set_up_mfa", session=setup["Session"], username=username, secret=setup["SecretCode"])
    logger.warning("unsupported challenge", extra={"challenge": challenge})
    return _page("password", 400, errors={"username": "This account cannot sign in here. Ask a coordinator."})


def _refused(error: ClientError) -> str:
    code = error.response["Error"]["Code"]
    logger.info("sign-in refused", extra={"reason": code})
    if code in {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"}:
        return WRONG_CREDENTIALS
    if code == "PasswordResetRequiredException":
        return "You need a new password. Ask a coordinator to reset it."
    if code in {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}:
        return "Too many attempts. Wait 15 minutes, then try again."
    raise error


# -- pages -------------------------------------------------------------------------------------------
@app.get("/sign-in")
def sign_in_page() -> Response:
    notice = "signed_out" if (app.current_event.query_string_parameters or {}).get("signed-out") else None
    token = session.token_from(app.current_event.raw_event)
    if token is None:
        return _page("password", notice=notice)
    try:
        session.verify(token)
        # A session still in date that the pages sent here: a coordinator ended it (deactivated the
        # person, changed their role or reset their sign-in). Said without reading their record.
        notice = notice or "ended_early"
    except session.ExpiredSession:
        notice = "ended"
    except session.InvalidSession:
        pass
    # Whatever the cookie held, this page starts afresh.
    page = _page("password", notice=notice)
    page.headers["Set-Cookie"] = [session.clear_cookie()]
    return page


@app.post("/sign-in")
def sign_in() -> Response:
    fields = _form()
    username, password = fields.get("username", "").strip(), fields.get("password", "")
    errors = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105 - a message
    if errors:
        return _page("password", 422, errors=errors, username=username)
    try:
        result = _cognito().initiate_auth(
            ClientId=auth_settings().app_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as error:
        return _page("password", 401, errors={"username": _refused(error)}, username=username)
    return _next(result, username)


def _respond(challenge: str, fields: dict[str, str], answers: dict[str, str]) -> dict[str, Any]:
    return dict(
        _cognito().respond_to_auth_challenge(
            ClientId=auth_settings().app_client_id,
            ChallengeName=challenge,
            Session=fields.get("session", ""),
            ChallengeResponses={"USERNAME": fields.get("username", ""), **answers},
        )
    )


def _kept(fields: dict[str, str]) -> dict[str, str]:
    """What a challenge page carries from one post to the next (never a password)."""
    return {key: fields.get(key, "") for key in ("session", "username", "secret") if key in fields}


def _challenge_failed(error: ClientError, step: str, fields: dict[str, str], field: str) -> Response:
    """A wrong code or an unacceptable password: that page again. A spent or timed-out Cognito
    session: back to the start."""
    code = error.response["Error"]["Code"]
    logger.info("challenge refused", extra={"reason": code})
    if code in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
        message = "The code is not correct. Enter the latest code from your authenticator app"
        return _page(step, 422, errors={field: message}, **_kept(fields))
    if code == "InvalidPasswordException":
        return _page(step, 422, errors={field: "Enter a password that meets every rule"}, **_kept(fields))
    if code in {"NotAuthorizedException", "ExpiredCodeException", "ResourceNotFoundException"}:
        return _page("password", 401, errors={"username": _START_AGAIN}, username=fields.get("username", ""))
    raise error


def _answer(step: str, field: str, send: Callable[[dict[str, str], str], dict[str, Any]]) -> Response:
    """One challenge page's post: the field checked, the answer sent to Cognito, the next page."""
    fields = _form()
    value = fields.get(field, "")
    if field == "code":
        value = value.replace(" ", "")
        problem = None if value.isdigit() and len(value) == 6 else _ENTER_CODE
    else:
        problem = None if value else "Enter a new password"
    if problem:
        return _page(step, 422, errors={field: problem}, **_kept(fields))
    try:
        result = send(fields, value)
    except ClientError as error:
        return _challenge_failed(error, step, fields, field)
    return _next(result, fields.get("username", ""))


@app.post("/sign-in/code")
def sign_in_code() -> Response:
    return _answer(
        "code",
        "code",
        lambda fields, code: _respond("SOFTWARE_TOKEN_MFA", fields, {"SOFTWARE_TOKEN_MFA_CODE": code}),
    )


@app.post("/sign-in/new-password")
def sign_in_new_password() -> Response:
    return _answer(
        "new_password",
        "new_password",
        lambda fields, password: _respond("NEW_PASSWORD_REQUIRED", fields, {"NEW_PASSWORD": password}),
    )


def _set_up_mfa(fields: dict[str, str], code: str) -> dict[str, Any]:
    verified = _cognito().verify_software_token(
        Session=fields.get("session", ""), UserCode=code, FriendlyDeviceName="Throughgate"
    )
    return _respond("MFA_SETUP", {**fields, "session": verified["Session"]}, {})


@app.post("/sign-in/set-up-mfa")
def sign_in_set_up_mfa() -> Response:
    return _answer("set_up_mfa", "code", _set_up_mfa)


@app.get("/sign-out")
def sign_out_page() -> Response:
    return _page("sign_out")


@app.post("/sign-out")
def sign_out() -> Response:
    _form()
    return Response(
        status_code=303,
        body="",
        headers={
            "Location": "/sign-in?signed-out=1",
            "Cache-Control": "no-store",
            "Set-Cookie": [session.clear_cookie()],
        },
    )


@app.exception_handler(Refused)
def _cross_site(_error: Refused) -> Response:
    return _page("refused", 403)


@app.not_found
def _not_found(_error: Exception) -> Response:
    return Response(status_code=404, content_type="text/plain", body="Not found", headers=dict(PAGE_HEADERS))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
