"""Run the real Lambda handlers in-process wherever moto invokes a function.

moto's one choke point for every invocation path (`lambda:invoke` from Step Functions, direct Invoke,
SNS triggers) is the private `LambdaFunction._invoke_lambda`; replacing it calls the function's
configured `Handler` (`module.func`). Errors come back as Lambda's own error payload, so Retry and
Catch match on `errorType` as they do on AWS.
"""

from __future__ import annotations

import importlib
import json
import threading
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.models import LambdaFunction


class InjectedFault(Exception):
    """A fault a test asked for: the handler 'crashed' before doing anything."""


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@dataclass
class Bridge:
    """Handler resolution, invocation counts and injected faults for the local stack."""

    invocations: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    _faults: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _handlers: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def inject_fault(self, function_name: str, times: int) -> None:
        """Make the next `times` invocations of a function fail (a negative number: forever)."""
        with self._lock:
            self._faults[function_name] = times

    def _take_fault(self, function_name: str) -> bool:
        with self._lock:
            remaining = self._faults.get(function_name, 0)
            if remaining == 0:
                return False
            self._faults[function_name] = remaining - 1 if remaining > 0 else remaining
            return True

    def resolve(self, handler_path: str) -> Callable[..., Any]:
        handler = self._handlers.get(handler_path)
        if handler is None:
            module_name, _, func_name = handler_path.rpartition(".")
            handler = getattr(importlib.import_module(module_name), func_name)
            self._handlers[handler_path] = handler
        return handler

    def invoke(
        self, function: LambdaFunction, event: str | bytes | dict[str, Any] | None
    ) -> tuple[str, bool, str]:
        name = function.function_name
        self.invocations[name] += 1
        # moto hands over a JSON string on most paths and an already-parsed dict on some.
        payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
        context = LambdaContext(function_name=name, invoked_function_arn=function.function_arn)
        try:
            if self._take_fault(name):
                raise InjectedFault(f"fault injected into {name}")
            result = self.resolve(str(function.handler))(payload, context)
        except Exception as error:
            self.errors[name] += 1
            body = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            return json.dumps(body), True, ""
        return json.dumps(result), False, ""


_original_invoke = LambdaFunction._invoke_lambda


def install(bridge: Bridge) -> None:
    def invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        return bridge.invoke(self, event)

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign]


def uninstall() -> None:
    LambdaFunction._invoke_lambda = _original_invoke  # type: ignore[method-assign]
