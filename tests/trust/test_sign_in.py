"""Sign-in with Cognito on the local stack: moto's user pool and its real tokens, the real SignIn and
Authorizer functions invoked through moto's Lambda, and the dev server's API Gateway routing.

What must hold: a wrong password and an unknown user look the same; only a genuine, current ID token
of this app client with a programme group opens a page; roles come from the groups; the session
cookie cannot be read by script or sent cross-site; sign-out forgets it and cannot be forced from
another site; no password, username or token reaches a log line.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.cognitoidp.utils import cognito_totp
from moto.utilities.utils import load_resource

from throughgate.config import ConfigError, auth_settings
from throughgate.handlers import session
from throughgate_local.api_client import proxy_event
from throughgate_local.cognito import DEMO_PASSWORD
from throughgate_local.devserver import DevServer, allows
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.trust

START = datetime(2027, 3, 1, 9, tzinfo=UTC)
HOST = "throughgate.example"
SAME_SITE = {"Host": HOST, "Sec-Fetch-Site": "same-origin", "Origin": f"https://{HOST}"}


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(START) as local:
        local.cognito.add_mentors(["mentor-0001"])
        yield local


def post(stack: LocalStack, path: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **SAME_SITE, **(headers or {})}
    return stack.invoke("SignIn", proxy_event("POST", path, urlencode(fields), None, headers=headers))


def get(stack: LocalStack, path: str, cookie: str | None = None, query: str = "") -> Any:
    headers = {"Host": HOST, **({"Cookie": cookie} if cookie else {})}
    return stack.invoke("SignIn", proxy_event("GET", path, None, None, query=query, headers=headers))


def set_cookies(response: dict[str, Any]) -> list[str]:
    return list((response.get("multiValueHeaders") or {}).get("Set-Cookie", []))


def cookie_header(token: str) -> str:
    return f"{auth_settings().session_cookie}={token}"


def authorize(stack: LocalStack, cookie: str | None) -> dict[str, Any] | None:
    """The Authorizer as API Gateway calls it: the context it allows, or None for a Deny."""
    headers = {"Host": HOST, **({"Cookie": cookie} if cookie else {})}
    return DevServer(stack).authorize("GET", "/cases/any", "", headers)


def signed_with_moto_key(**overrides: Any) -> str:
    """A token as moto's pool would sign it, with claims changed (moto signs with this key)."""
    config = auth_settings()
    now = int(time.time())
    claims = {
        "iss": config.issuer,
        "aud": config.app_client_id,
        "sub": "3f2c2b7e-0000-4000-8000-000000000001",
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "cognito:username": "coordinator-0001",
        "cognito:groups": ["coordinator"],
    } | overrides
    key = jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})


# -- passwords ---------------------------------------------------------------------------------------
def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(stack: LocalStack) -> None:
    wrong = post(stack, "/sign-in", {"username": "coordinator-0001", "password": "Not-the-password-1"})
    unknown = post(stack, "/sign-in", {"username": "nobody-0001", "password": DEMO_PASSWORD})
    for response in (wrong, unknown):
        assert response["statusCode"] == 401
        assert set_cookies(response) == []
        assert "Your username or password is not correct" in response["body"]
        assert 'class="govuk-error-summary"' in response["body"]
    assert wrong["body"].replace("coordinator-0001", "nobody-0001") == unknown["body"]
    assert "Not-the-password-1" not in wrong["body"], "a password is never written back into a page"


def test_an_empty_form_names_each_missing_field(stack: LocalStack) -> None:
    response = post(stack, "/sign-in", {"username": "", "password": ""})
    assert response["statusCode"] == 422
    assert 'href="#username"' in response["body"] and 'href="#password"' in response["body"]


def test_the_session_cookie_holds_the_id_token_strictly_for_its_lifetime(stack: LocalStack) -> None:
    response = post(stack, "/sign-in", {"username": "coordinator-0001", "password": DEMO_PASSWORD})
    assert response["statusCode"] == 303
    assert response["multiValueHeaders"]["Location"] == ["/"]
    [cookie] = set_cookies(response)
    name_value, *attributes = [part.strip() for part in cookie.split(";")]
    name, _, token = name_value.partition("=")
    assert name == "__Host-tg_session"  # the browser takes it only with Secure, Path=/ and no Domain
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} <= set(attributes)
    assert not any(a.lower().startswith("domain") for a in attributes)
    max_age = int(next(a for a in attributes if a.startswith("Max-Age=")).removeprefix("Max-Age="))
    assert 3600 - 60 <= max_age <= 3600
    verified = session.verify(token)
    assert (verified.user_id, verified.staff_groups) == ("coordinator-0001", ("coordinator",))
    assert abs(verified.seconds_left() - max_age) <= 60


# -- tokens ------------------------------------------------------------------------------------------
def test_no_cookie_never_opens_a_page(stack: LocalStack) -> None:
    assert authorize(stack, None) is None
    assert authorize(stack, "tg_csrf=abc") is None
    response = stack.client("lambda").invoke(
        FunctionName="throughgate-Authorizer",
        Payload=json.dumps({"type": "REQUEST", "methodArn": "arn:x/local/GET/", "headers": {}}).encode(),
    )
    assert not response.get("FunctionError"), "a missing session is not a function error"
    denied = json.loads(response["Payload"].read())
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"  # API Gateway's 403
    assert "context" not in denied
    page = DevServer(stack).handle("GET", "/", "", {"Host": HOST}, "")
    assert (page["statusCode"], page["headers"]["Location"]) == (303, "/sign-in")


def test_a_current_token_opens_pages_for_the_whole_stage(stack: LocalStack) -> None:
    context = authorize(stack, cookie_header(stack.cognito.id_token("coordinator-0001")))
    assert context is not None
    assert context["cognito:username"] == "coordinator-0001"
    assert all(isinstance(value, str) for value in context.values()), "authorizer context is flat strings"
    assert allows(
        {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:a/local/*/*"}]},
        "arn:a/local/POST/cases/x/consent",
    )
    assert not allows(
        {
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:a/local/*/*"},
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "arn:a/local/POST/*"},
            ]
        },
        "arn:a/local/POST/cases/x/consent",
    )


def test_a_tampered_or_forged_token_is_refused(stack: LocalStack) -> None:
    genuine = stack.cognito.id_token("mentor-0001")
    header, payload, signature = genuine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["coordinator"]
    raised = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (
        f"{header}.{raised}.{signature}",  # a mentor makes themself a coordinator
        jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "dummy"}),  # not the pool's key
        unsigned,  # alg none
        jwt.encode(
            claims, "a-shared-secret-of-32-bytes-or-more", algorithm="HS256", headers={"kid": "dummy"}
        ),  # alg confusion
        "not-a-token",
    ):
        assert authorize(stack, cookie_header(token)) is None
    assert authorize(stack, cookie_header(genuine)) is not None


def test_an_expired_token_is_refused_and_the_sign_in_page_says_the_session_ended(stack: LocalStack) -> None:
    past = int(time.time()) - 2 * 3600
    expired = signed_with_moto_key(iat=past, auth_time=past, exp=past + 3600)
    assert authorize(stack, cookie_header(signed_with_moto_key())) is not None, "the key and claims are right"
    assert authorize(stack, cookie_header(expired)) is None
    page = get(stack, "/sign-in", cookie_header(expired))
    assert "Your session has ended, sign in again" in page["body"]
    assert any("Max-Age=0" in c for c in set_cookies(page)), "the stale cookie is forgotten"
    fresh = get(stack, "/sign-in")
    assert "Your session has ended" not in fresh["body"]


def test_a_token_for_another_app_client_or_of_another_kind_is_refused(stack: LocalStack) -> None:
    cognito = stack.cognito
    other_client = cognito.client.create_user_pool_client(
        UserPoolId=cognito.pool_id, ClientName="another-app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    tokens = cognito.client.initiate_auth(
        ClientId=other_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "coordinator-0001", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    assert jwt.decode(tokens["IdToken"], options={"verify_signature": False})["aud"] == other_client
    assert authorize(stack, cookie_header(tokens["IdToken"])) is None
    assert authorize(stack, cookie_header(tokens["AccessToken"])) is None  # token_use access
    assert authorize(stack, cookie_header(signed_with_moto_key(iss="https://example.com/pool"))) is None
    assert authorize(stack, cookie_header(signed_with_moto_key(token_use="access"))) is None


# -- roles -------------------------------------------------------------------------------------------
def test_the_role_comes_from_the_cognito_groups(stack: LocalStack) -> None:
    context = authorize(stack, cookie_header(stack.cognito.id_token("mentor-0001")))
    assert context is not None
    assert (context["cognito:username"], context["cognito:groups"]) == ("mentor-0001", "mentor")
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

    from throughgate.domain.case_steps import Role
    from throughgate.handlers import identity  # reads the stack's settings on import
    from throughgate.logic.ports import Actor

    event = proxy_event("GET", "/", None, None, headers={})
    event["requestContext"]["authorizer"] = context

    assert identity.actor_from(APIGatewayProxyEvent(event)) == Actor("mentor-0001", Role.MENTOR)
    # The JSON API's Cognito authorizer shape: claims, groups as a list or a bracketed string.
    event["requestContext"]["authorizer"] = {
        "claims": {"sub": "x", "cognito:username": "manager-0001", "cognito:groups": "[manager]"}
    }
    assert identity.actor_from(APIGatewayProxyEvent(event)) == Actor("manager-0001", Role.MANAGER)
    assert {role.value for role in identity.STAFF_ROLES} == session.STAFF_GROUPS


def test_a_user_in_no_programme_group_cannot_sign_in(stack: LocalStack) -> None:
    cognito = stack.cognito
    cognito.client.admin_create_user(
        UserPoolId=cognito.pool_id, Username="visitor-0001", MessageAction="SUPPRESS"
    )
    cognito.client.admin_set_user_password(
        UserPoolId=cognito.pool_id, Username="visitor-0001", Password=DEMO_PASSWORD, Permanent=True
    )
    response = post(stack, "/sign-in", {"username": "visitor-0001", "password": DEMO_PASSWORD})
    assert response["statusCode"] == 403
    assert set_cookies(response) == []
    token = cognito.client.initiate_auth(
        ClientId=cognito.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "visitor-0001", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]["IdToken"]
    assert authorize(stack, cookie_header(token)) is None


# -- sign-out and cross-site requests ----------------------------------------------------------------
def test_sign_out_forgets_the_session(stack: LocalStack) -> None:
    confirm = get(stack, "/sign-out", cookie_header(stack.cognito.id_token("coordinator-0001")))
    assert confirm["statusCode"] == 200 and set_cookies(confirm) == [], (
        "a link or a prefetch signs no one out"
    )
    response = post(stack, "/sign-out", {})
    assert response["statusCode"] == 303
    assert response["multiValueHeaders"]["Location"] == ["/sign-in?signed-out=1"]
    [cleared] = set_cookies(response)
    assert cleared.startswith("__Host-tg_session=;") and "Max-Age=0" in cleared and "Path=/" in cleared
    assert "You have signed out" in get(stack, "/sign-in", query="signed-out=1")["body"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another application
        {"Sec-Fetch-Site": "", "Origin": "https://attacker.example"},
        # Behind CloudFront, Host is the API's domain: the viewer's host arrives as X-Forwarded-Host.
        {"Sec-Fetch-Site": "", "Origin": f"https://{HOST}", "X-Forwarded-Host": "elsewhere.example"},
    ],
    ids=["cross-site", "same-site", "foreign-origin", "origin-not-the-forwarded-host"],
)
def test_another_site_can_neither_sign_out_nor_sign_in(stack: LocalStack, headers: dict[str, str]) -> None:
    request = {**SAME_SITE, **headers}
    if not headers["Sec-Fetch-Site"]:
        del request["Sec-Fetch-Site"]
    for path, fields in (
        ("/sign-out", {}),
        ("/sign-in", {"username": "coordinator-0001", "password": DEMO_PASSWORD}),  # login CSRF
    ):
        response = stack.invoke("SignIn", proxy_event("POST", path, urlencode(fields), None, headers=request))
        assert response["statusCode"] == 403, path
        assert set_cookies(response) == []


def test_behind_cloudfront_the_forwarded_host_is_the_origin_to_match(stack: LocalStack) -> None:
    headers = {
        "Host": "abc123.execute-api.eu-west-2.amazonaws.com",
        "Origin": f"https://{HOST}",
        "X-Forwarded-Host": HOST,
    }
    fields = {"username": "coordinator-0001", "password": DEMO_PASSWORD}
    response = stack.invoke(
        "SignIn", proxy_event("POST", "/sign-in", urlencode(fields), None, headers=headers)
    )
    assert response["statusCode"] == 303
    assert set_cookies(response)[0].startswith("__Host-tg_session=")


# -- authenticator app -------------------------------------------------------------------------------
@pytest.fixture
def real_totp(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto checks codes against its fixed secret only when asked to."""
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")


def _code(secret: str) -> str:
    """A code with time to spare: near the end of its 30-second window it could expire before moto
    checks it on a busy machine, so wait for the next window."""
    if time.time() % 30 > 20:
        time.sleep(30 - time.time() % 30 + 0.1)
    return cognito_totp(secret).generate(int(time.time())).decode()


def _hidden(body: str, name: str) -> str:
    marker = f'name="{name}" value="'
    return body.split(marker, 1)[1].split('"', 1)[0]


def test_an_authenticator_code_is_asked_for_and_checked(stack: LocalStack, real_totp: None) -> None:
    cognito = stack.cognito
    cognito.add_user("coordinator-0002", "coordinator")
    access = cognito.client.initiate_auth(
        ClientId=cognito.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "coordinator-0002", "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]["AccessToken"]
    secret = cognito.client.associate_software_token(AccessToken=access)["SecretCode"]
    cognito.client.verify_software_token(AccessToken=access, UserCode=_code(secret))
    cognito.client.admin_set_user_mfa_preference(
        UserPoolId=cognito.pool_id,
        Username="coordinator-0002",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
    )

    asked = post(stack, "/sign-in", {"username": "coordinator-0002", "password": DEMO_PASSWORD})
    assert asked["statusCode"] == 200 and set_cookies(asked) == []
    assert "Enter the code from your authenticator app" in asked["body"]
    carried = {"session": _hidden(asked["body"], "session"), "username": "coordinator-0002"}
    wrong = str((int(_code(secret)) + 1) % 1_000_000).zfill(6)
    refused = post(stack, "/sign-in/code", {**carried, "code": wrong})
    assert refused["statusCode"] == 422 and set_cookies(refused) == []
    assert "The code is not correct" in refused["body"]
    accepted = post(stack, "/sign-in/code", {**carried, "code": _code(secret)})
    assert accepted["statusCode"] == 303
    [cookie] = set_cookies(accepted)
    assert session.verify(cookie.split(";")[0].partition("=")[2]).user_id == "coordinator-0002"


def test_a_first_sign_in_sets_a_new_password_then_an_authenticator(
    stack: LocalStack, real_totp: None
) -> None:
    cognito = stack.cognito
    cognito.client.set_user_pool_mfa_config(
        UserPoolId=cognito.pool_id, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON"
    )
    try:
        cognito.client.admin_create_user(
            UserPoolId=cognito.pool_id,
            Username="mentor-0009",
            TemporaryPassword="Temporary-pass-0009",
            MessageAction="SUPPRESS",
        )
        cognito.client.admin_add_user_to_group(
            UserPoolId=cognito.pool_id, Username="mentor-0009", GroupName="mentor"
        )
        asked = post(stack, "/sign-in", {"username": "mentor-0009", "password": "Temporary-pass-0009"})
        assert "Create a new password" in asked["body"]
        carried = {"session": _hidden(asked["body"], "session"), "username": "mentor-0009"}
        weak = post(stack, "/sign-in/new-password", {**carried, "new_password": "short"})
        assert weak["statusCode"] == 422 and "meets every rule" in weak["body"]
        setup = post(stack, "/sign-in/new-password", {**carried, "new_password": "A-new-password-0009"})
        assert "Set up your authenticator app" in setup["body"]
        secret = _hidden(setup["body"], "secret")
        carried = {"session": _hidden(setup["body"], "session"), "username": "mentor-0009", "secret": secret}
        done = post(stack, "/sign-in/set-up-mfa", {**carried, "code": _code(secret)})
        assert done["statusCode"] == 303
        assert any(c.startswith("__Host-tg_session=ey") for c in set_cookies(done))
    finally:
        cognito.client.set_user_pool_mfa_config(
            UserPoolId=cognito.pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="OPTIONAL",
        )


# -- logs and configuration --------------------------------------------------------------------------
def test_no_password_username_or_token_in_any_log_line(
    stack: LocalStack, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """At DEBUG everywhere (as a Lambda whose log level someone turned up), through every outcome."""
    caplog.set_level(logging.DEBUG)
    from throughgate.handlers import authorizer, sign_in

    loggers = (sign_in.logger, authorizer.logger)  # named by the environment's service name
    levels = {logger: logger.log_level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    typed_username, typed_password = "someone-typed-0001", "Sentinel-password-0001"
    try:
        stack.cognito.add_user("manager-0002", "manager", password=typed_password)
        post(stack, "/sign-in", {"username": typed_username, "password": typed_password})
        post(stack, "/sign-in", {"username": "manager-0002", "password": "Sentinel-wrong-0001"})
        signed_in = post(stack, "/sign-in", {"username": "manager-0002", "password": typed_password})
        token = set_cookies(signed_in)[0].split(";")[0].partition("=")[2]
        assert authorize(stack, cookie_header(token)) is not None
        assert authorize(stack, cookie_header(token[:-4] + "AAAA")) is None
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
    out, err = capfd.readouterr()
    captured = "\n".join([caplog.text, out, err])
    assert "sign-in refused" in captured and "signed in" in captured, "the outcomes are logged"
    for secret in (typed_username, typed_password, "Sentinel-wrong-0001", "manager-0002", token, token[:40]):
        assert secret not in captured


def test_the_settings_are_checked_and_the_key_set_defaults_to_the_pools(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    monkeypatch.setenv("USER_POOL_ID", "eu-west-2_AbCdEf123")
    monkeypatch.setenv("USER_POOL_CLIENT_ID", "1example23456789")
    monkeypatch.delenv("JWKS_URL", raising=False)
    auth_settings.cache_clear()
    try:
        config = auth_settings()
        assert config.key_set_url == (
            "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbCdEf123/.well-known/jwks.json"
        )
        monkeypatch.setenv("JWKS_URL", "http://example.com/keys")  # never plain http
        monkeypatch.delenv("USER_POOL_ID")
        auth_settings.cache_clear()
        with pytest.raises(ConfigError, match="USER_POOL_ID, JWKS_URL"):
            auth_settings()
    finally:
        auth_settings.cache_clear()
