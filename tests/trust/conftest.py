"""Shared by the trust tests: calling a function on the local stack as its trigger would, and a
member of staff calling the API and the web handler, each request the proxy event API Gateway would
deliver (the Cognito authorizer's claims; for the web, the CSRF cookie and the token a form of
ours carries)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from moto.awslambda.models import lambda_backends

from throughgate.web import csrf
from throughgate_local.api_client import proxy_event
from throughgate_local.stack import ACCOUNT, REGION, LocalStack

FormData = Mapping[str, str | list[str]]


class HandlerCrashed(AssertionError):
    """The handler raised: Lambda reports an error (API Gateway answers 502; SQS retries the batch)."""


def invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> Any:
    """Runs the function through the stack's Lambda bridge (its configured handler, a Lambda
    context, the event as JSON), as moto's Invoke does, without that API's HTTP round trip, which
    costs ten times the handler's own work on a 422."""
    moto_function = lambda_backends[ACCOUNT][REGION].get_function(f"throughgate-{function}")
    payload, failed, _logs = stack.bridge.invoke(moto_function, json.dumps(event))
    result = json.loads(payload)
    if failed:
        raise HandlerCrashed(f"{function}: {result['errorType']}: {result['errorMessage']}")
    stack.settle()
    return result


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]  # names in lower case
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StaffSession:
    """One signed-in user."""

    stack: LocalStack
    user_id: str
    role: str
    csrf_cookie: str = field(default_factory=csrf.new_cookie_value)

    def csrf_token(self) -> str:
        return csrf.token(os.environ["CSRF_SECRET"].encode(), self.user_id, self.csrf_cookie)

    def api(
        self, method: str, path: str, body: str | None = None, *, idempotency_key: str | None = None
    ) -> HttpResponse:
        """A POST carries an Idempotency-Key, as every API client's must: a fresh one unless given,
        or the body's own submission id (a referral's) if it names one."""
        headers = {"Content-Type": "application/json"}
        if method == "POST":
            headers["Idempotency-Key"] = (
                idempotency_key if idempotency_key is not None else _own_id(body) or uuid.uuid4().hex
            )
        return self._call("Api", proxy_event(method, path, body, (self.user_id, self.role), headers=headers))

    def web(
        self, method: str, path: str, form: FormData | None = None, *, body: str | None = None
    ) -> HttpResponse:
        """A page, or a form post: `form` gets the CSRF token added; `body` is sent as it is."""
        if form is not None:
            body = urlencode({"csrf_token": self.csrf_token(), **form}, doseq=True)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{csrf.COOKIE}={self.csrf_cookie}",
        }
        path, _, query = path.partition("?")
        event = proxy_event(method, path, body, (self.user_id, self.role), query=query, headers=headers)
        return self._call("Web", event)

    def _call(self, function: str, event: dict[str, Any]) -> HttpResponse:
        response = invoke(self.stack, function, event)
        headers = {
            name.lower(): values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()
        }
        headers |= {name.lower(): value for name, value in (response.get("headers") or {}).items()}
        return HttpResponse(response["statusCode"], headers, response.get("body") or "")


def _own_id(body: str | None) -> str | None:
    try:
        parsed = json.loads(body or "")
    except (ValueError, RecursionError):  # hostile bodies: not JSON, or nested past the parser
        return None
    from throughgate.schemas import is_id

    own = parsed.get("submission_id") if isinstance(parsed, dict) else None
    return own if isinstance(own, str) and is_id(own) else None
