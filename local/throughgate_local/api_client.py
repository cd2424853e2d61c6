"""Calls the API handler the way API Gateway does: a REST proxy event with the Cognito claims the
authorizer would have verified. Used by the simulation, the demo and the tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from throughgate_local.stack import LocalStack


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


def proxy_event(
    method: str,
    path: str,
    body: Any,
    user: tuple[str, str] | None,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event; `user` (id, role) becomes the claims a Cognito authorizer passes."""
    headers = headers if headers is not None else {"Content-Type": "application/json"}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[0] for k, v in parse_qs(query).items()} or None,
        "multiValueQueryStringParameters": parse_qs(query) or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": (
                {"claims": {"sub": f"sub-{user[0]}", "cognito:username": user[0], "cognito:groups": user[1]}}
                if user
                else None
            ),
        },
        "body": body if isinstance(body, str) or body is None else json.dumps(body, default=str),
        "isBase64Encoded": False,
    }


@dataclass
class ApiClient:
    stack: LocalStack
    user_id: str
    role: str

    def call(
        self, method: str, path: str, body: Any = None, idempotency_key: str | None = None
    ) -> ApiResponse:
        """A POST carries an Idempotency-Key as every API client must: a fresh one unless the
        caller is retrying (pass the same key again). A body with its own submission id (a
        referral) is sent under that id as its key."""
        headers = {"Content-Type": "application/json"}
        if method == "POST":
            own = body.get("submission_id") if isinstance(body, dict) else None
            headers["Idempotency-Key"] = idempotency_key or own or uuid.uuid4().hex
        path, _, query = path.partition("?")
        event = proxy_event(method, path, body, (self.user_id, self.role), query=query, headers=headers)
        response = self.stack.invoke("Api", event)
        self.stack.settle()
        return ApiResponse(response["statusCode"], json.loads(response.get("body") or "{}"))

    def post(self, path: str, body: Any, idempotency_key: str | None = None) -> ApiResponse:
        return self.call("POST", path, body, idempotency_key)

    def get(self, path: str) -> ApiResponse:
        return self.call("GET", path)

    def put(self, path: str, body: Any) -> ApiResponse:
        return self.call("PUT", path, body)
