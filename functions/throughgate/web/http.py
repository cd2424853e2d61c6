"""What every HTML answer of ours shares, for the pages and the sign-in alike: the security headers
(one Content-Security-Policy, so the two handlers cannot drift apart), cookies, the CSRF secret,
redirects and the size limit on posted forms."""

from __future__ import annotations

import os
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes.api_gateway_proxy_event import APIGatewayProxyEvent

from throughgate import caches

HTML = "text/html; charset=utf-8"
# The one inline script (GOV.UK Frontend's `govuk-frontend-supported` class) is allowed by its hash.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw='; "
    "frame-ancestors 'none'; form-action 'self'"
)
# Every HTML answer, error pages included.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


class FormTooLarge(Exception):
    """More than any form of ours holds, even with every note at its limit."""


def cookies(event: APIGatewayProxyEvent) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in event.multi_value_headers.get("Cookie", []) or [
        event.headers.get("Cookie") or event.headers.get("cookie") or ""
    ]:
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name:
                jar[name] = value
    return jar


def posted_fields(event: APIGatewayProxyEvent, max_bytes: int) -> dict[str, Any]:
    """A urlencoded form body; a field sent twice comes back as a list (no form of ours does that)."""
    body = event.body or ""
    if len(body.encode("utf-8", "surrogatepass")) > max_bytes:
        raise FormTooLarge()
    return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(body, keep_blank_values=True).items()}


@caches.resettable
@cache
def csrf_secret() -> bytes:
    secret = os.environ.get("CSRF_SECRET", "")
    if len(secret) < 32:
        raise RuntimeError("CSRF_SECRET must be set (at least 32 characters)")
    return secret.encode()


def html(body: str, status: int = 200, headers: dict[str, Any] | None = None) -> Response:
    return Response(
        status_code=status, content_type=HTML, body=body, headers={**PAGE_HEADERS, **(headers or {})}
    )


def redirect(location: str) -> Response:
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"}, body="")
