"""Faults the local stack can inject beyond `Bridge.inject_fault` (a handler that raises before it
starts): Lambda timeouts and DynamoDB throttling, inside a running `LocalStack`.

- **Timeouts.** Lambda stops an invocation that outlives the function's timeout and reports the error
  type `Sandbox.Timedout`, which Step Functions' Retry and Catch match on. Locally the handler is
  wrapped so that the bridge reports exactly that error: either before the handler starts (stuck on
  a slow dependency, nothing written) or after it has run to the end (its transaction committed,
  only the response was lost), which is the case that needs an idempotent retry.
- **Throttling.** moto's DynamoDB never throttles, so chosen calls are answered at moto's response
  layer (`DynamoHandler.call_action`: tests/integration/test_moto_canaries.py pins it, and
  tests/trust/test_faults.py checks what botocore makes of the answers) with the wire response
  DynamoDB sends: `ProvisionedThroughputExceededException` or `ThrottlingException` (HTTP 400) for a
  single-item call or a query, and `TransactionCanceledException` with `ThrottlingError` reasons for
  TransactWriteItems. The SDK reacts as on AWS: botocore's standard retry mode (pynamodb's, four
  attempts in all) retries the first two kinds and never the transaction cancellation.
- **Failed AWS calls.** Any other service's call (SendTaskSuccess, StartExecution, Publish, ...)
  can fail as the SDK reports it: with a `ServiceUnavailable` error before it reaches the service,
  or, `after_call`, with a read timeout after the service has done it (the answer was lost).
- **SDK backoff.** botocore sleeps before each of its retries (up to 1, 2 and 4 s for throttling);
  here the sleep is recorded in `sdk_backoffs` and skipped, as the virtual clock skips Step Functions'
  Retry intervals.

A throttle can be scoped to the calls one workflow step makes (`during`), so that the API handler
driving a journey is never throttled by accident. Install after the stack, uninstall before it
exits (`with LocalStack(...) as stack, Faults(stack.bridge) as faults:`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any

import botocore.client
import botocore.endpoint
from botocore.exceptions import ClientError, ReadTimeoutError
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException, TransactionCanceledException
from moto.dynamodb.responses import DynamoHandler

from throughgate.manifest import FUNCTIONS
from throughgate_local.lambda_bridge import Bridge

TIMEOUT_ERROR_TYPE = "Sandbox.Timedout"
FOREVER = -1
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_THROUGHPUT_MESSAGE = "Throughput exceeds the current capacity of your table or index."


class LambdaTimeout(Exception):
    """Lambda's report of an invocation stopped at the function's timeout."""


# The bridge reports `type(error).__name__` as the errorType; Lambda's has a dot, which a class
# statement cannot spell.
LambdaTimeout.__name__ = LambdaTimeout.__qualname__ = TIMEOUT_ERROR_TYPE


class Throttle(StrEnum):
    """What DynamoDB answers a throttled single-item call or query with."""

    PROVISIONED_THROUGHPUT = "ProvisionedThroughputExceededException"
    THROTTLING = "ThrottlingException"


@dataclass
class _Budget:
    """How many more times a fault fires; FOREVER never runs out."""

    remaining: int

    def take(self) -> bool:
        if self.remaining == 0:
            return False
        if self.remaining > 0:
            self.remaining -= 1
        return True


@dataclass
class _Throttling:
    budget: _Budget
    during: str | None
    operations: frozenset[str] | None
    error: Throttle

    def applies(self, operation: str, running: str | None) -> bool:
        in_scope = self.during is None or self.during == running
        return in_scope and (self.operations is None or operation in self.operations)


class _RecordedSleep:
    """Stands in for `time` in botocore.endpoint, whose only use of it is the sleep before a retry."""

    def __init__(self, delays: list[float]) -> None:
        self._delays = delays

    def sleep(self, seconds: float) -> None:
        self._delays.append(seconds)


class Faults:
    """Timeouts and throttling for one local stack; counts what it injected."""

    def __init__(self, bridge: Bridge) -> None:
        self.timed_out: Counter[str] = Counter()  # invocations reported as timed out, by step
        self.throttled: Counter[str] = Counter()  # DynamoDB calls answered with throttling, by operation
        self.sdk_backoffs: list[float] = []  # seconds botocore would have slept before its retries
        self._bridge = bridge
        self._lock = threading.Lock()
        self._running = threading.local()  # the step whose handler runs on this thread
        self._timeouts: dict[tuple[str, bool], _Budget] = {}  # (step, after its work)
        self._throttlings: list[_Throttling] = []
        self._call_failures: dict[tuple[str, str, bool], _Budget] = {}  # (service, operation, after)
        self.failed_calls: Counter[str] = Counter()  # AWS calls made to fail, by operation
        self._steps_by_handler = {spec.handler: name for name, spec in FUNCTIONS.items()}
        self._saved: dict[str, Any] = {}

    # -- what a test asks for ----------------------------------------------------------------------
    def time_out(self, step: str, times: int, *, after_work: bool = False) -> None:
        """The next `times` invocations of a step (a manifest name) time out before the handler
        starts, or, `after_work`, the next `times` whose handler returns; FOREVER: all of them."""
        if step not in FUNCTIONS:
            raise KeyError(f"no function {step} in the manifest")
        with self._lock:
            self._timeouts[(step, after_work)] = _Budget(times)

    def throttle(
        self,
        times: int,
        *,
        during: str | None = None,
        operations: frozenset[str] | None = None,
        error: Throttle = Throttle.PROVISIONED_THROUGHPUT,
    ) -> None:
        """Throttle the next `times` DynamoDB calls (FOREVER: all), optionally only those one step
        makes and only some operations. Adds to the throttling asked for before."""
        if during is not None and during not in FUNCTIONS:
            raise KeyError(f"no function {during} in the manifest")
        with self._lock:
            self._throttlings.append(_Throttling(_Budget(times), during, operations, error))

    def fail_calls(self, service: str, operation: str, times: int, *, after_call: bool = False) -> None:
        """The next `times` calls of one AWS operation (botocore's names: "stepfunctions",
        "SendTaskSuccess") fail: before reaching the service, or `after_call`, with the answer lost
        once the service has acted. FOREVER: all of them, until `clear`."""
        with self._lock:
            self._call_failures[(service, operation, after_call)] = _Budget(times)

    def clear(self) -> None:
        """Disarm every fault and forget what was injected."""
        with self._lock:
            self._call_failures.clear()
            self.failed_calls.clear()
            self._timeouts.clear()
            self._throttlings.clear()
            self.timed_out.clear()
            self.throttled.clear()
            self.sdk_backoffs.clear()

    # -- install -----------------------------------------------------------------------------------
    def __enter__(self) -> Faults:
        self._saved = {
            "resolve": self._bridge.resolve,
            "call_action": DynamoHandler.call_action,
            "endpoint_time": botocore.endpoint.time,
            "make_api_call": botocore.client.BaseClient._make_api_call,
        }
        botocore.client.BaseClient._make_api_call = self._api_call_wrapper(self._saved["make_api_call"])
        self._bridge.resolve = self._resolve  # type: ignore[method-assign]
        DynamoHandler.call_action = self._call_action_wrapper(self._saved["call_action"])  # type: ignore[method-assign]
        botocore.endpoint.time = _RecordedSleep(self.sdk_backoffs)
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _error: BaseException | None, _tb: TracebackType | None
    ) -> None:
        del self._bridge.resolve  # the instance attribute set above; the class method shows again
        DynamoHandler.call_action = self._saved["call_action"]  # type: ignore[method-assign]
        botocore.endpoint.time = self._saved["endpoint_time"]
        botocore.client.BaseClient._make_api_call = self._saved["make_api_call"]
        self.clear()

    # -- timeouts ----------------------------------------------------------------------------------
    def _resolve(self, handler_path: str) -> Callable[..., Any]:
        handler = self._saved["resolve"](handler_path)
        step = self._steps_by_handler.get(handler_path, "")

        def run(event: Any, context: Any) -> Any:
            if self._take_timeout(step, after_work=False):
                raise LambdaTimeout(_timeout_message(context))
            self._running.step = step
            try:
                result = handler(event, context)
            finally:
                self._running.step = None
            if self._take_timeout(step, after_work=True):
                raise LambdaTimeout(_timeout_message(context))
            return result

        return run

    def _take_timeout(self, step: str, *, after_work: bool) -> bool:
        """An armed timeout of this kind fires; one after work fires only for a handler that returned."""
        with self._lock:
            budget = self._timeouts.get((step, after_work))
            if budget is None or not budget.take():
                return False
            self.timed_out[step] += 1
            return True

    # -- throttling --------------------------------------------------------------------------------
    def _call_action_wrapper(self, call_action: Callable[[DynamoHandler], Any]) -> Callable[..., Any]:
        def throttled_call_action(handler: DynamoHandler) -> Any:
            operation = handler._get_action()
            error = self._take_throttling(operation)
            if error is None:
                return call_action(handler)
            if operation == "TransactWriteItems":
                items = len(getattr(handler, "params", {}).get("TransactItems") or [None])
                fault: DynamodbException = TransactionCanceledException(
                    [("ThrottlingError", _THROUGHPUT_MESSAGE, None)] * items
                )
            else:
                fault = DynamodbException(ERROR_TYPE_PREFIX + error.value, _THROUGHPUT_MESSAGE)
            return fault.code, {"Content-Type": "application/x-amz-json-1.0"}, fault.description

        return throttled_call_action

    def _take_throttling(self, operation: str) -> Throttle | None:
        running = getattr(self._running, "step", None)
        with self._lock:
            for throttling in self._throttlings:
                if throttling.applies(operation, running) and throttling.budget.take():
                    self.throttled[operation] += 1
                    return throttling.error
        return None

    # -- failed AWS calls --------------------------------------------------------------------------
    def _api_call_wrapper(self, make_api_call: Callable[..., Any]) -> Callable[..., Any]:
        faults = self

        def failing_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if faults._take_call_failure(service, operation, after_call=False):
                raise ClientError(
                    {"Error": {"Code": "ServiceUnavailable", "Message": "injected fault"}}, operation
                )
            answer = make_api_call(client, operation, params)
            if faults._take_call_failure(service, operation, after_call=True):
                raise ReadTimeoutError(endpoint_url=f"https://{service}.local")
            return answer

        return failing_api_call

    def _take_call_failure(self, service: str, operation: str, *, after_call: bool) -> bool:
        with self._lock:
            budget = self._call_failures.get((service, operation, after_call))
            if budget is None or not budget.take():
                return False
            self.failed_calls[operation] += 1
            return True


def _timeout_message(context: Any) -> str:
    """Lambda's own wording; the function's timeout is the time the context had left at the start."""
    seconds = context.get_remaining_time_in_millis() / 1000
    return f"{context.aws_request_id} Task timed out after {seconds:.2f} seconds"
