"""Calls the API handler the way API Gateway does: a REST proxy event with the Cognito claims the
authorizer would have verified. Used by the simulation, the demo and the tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from throughgate_local.stack import LocalStack


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: dict[str, Any]


def proxy_event(method: str, path: str, body: Any, user_id: str, role: str) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": path,
            "stage": "local",
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": {"sub": user_id, "cognito:groups": role}},
        },
        "body": body if isinstance(body, str) or body is None else json.dumps(body, default=str),
        "isBase64Encoded": False,
    }


@dataclass
class ApiClient:
    stack: LocalStack
    user_id: str
    role: str

    def call(self, method: str, path: str, body: Any = None) -> ApiResponse:
        response = self.stack.invoke("Api", proxy_event(method, path, body, self.user_id, self.role))
        self.stack.clock.settle()
        return ApiResponse(response["statusCode"], json.loads(response.get("body") or "{}"))

    def post(self, path: str, body: Any) -> ApiResponse:
        return self.call("POST", path, body)

    def get(self, path: str) -> ApiResponse:
        return self.call("GET", path)
