"""Meters every AWS call made in this process, by the Lambda invocation that made it.

botocore event hooks (`before-call` / `after-call`, added to botocore's built-in handlers the way
moto adds its own, so every session and client created afterwards carries them) count each call by
`service.Operation`. For DynamoDB they also work out the request's read and write units, because
moto does not apply `ReturnConsumedCapacity`. The rules are AWS's (DynamoDB developer guide, "Item
sizes and formats" and "Read and write operations"):

- Item size: the UTF-8 bytes of each attribute name plus its value: a string's UTF-8 bytes; a
  number 1 byte per two significant digits plus 1; binary its raw bytes; a Boolean or null 1; a
  set the sum of its elements; a list or map 3 bytes plus each element (and, in a map, its name)
  plus 1 byte per element.
- Writes (1 KB units, each item rounded up, at least 1): PutItem and UpdateItem the larger of the
  item before and after, DeleteItem the item deleted; a write whose condition fails still costs
  the item's units. In TransactWriteItems every item costs double.
- Global secondary indexes (all project ALL here): a write that adds an item to an index, changes
  it there or removes it costs the index entry's units (the item's size); a change of the index
  key costs a delete plus a put. Index writes are counted apart from the table's.
- Reads (4 KB units): GetItem the item (at least one unit, found or not); BatchGetItem each item
  rounded up; Query and Scan the sum of the items read, rounded up once per request (at least one
  unit). A strongly consistent read costs 1 per unit, an eventually consistent one (every index
  query) 0.5, a transactional one 2.

Sizes come from the request and from moto's copy of the item before and after the call (read from
moto's backend directly, so the meter never makes a request of its own).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore import handlers as botocore_handlers
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from throughgate_local import lambda_bridge
from throughgate_local.stack import ACCOUNT, REGION

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})
OUTSIDE = "(outside Lambda)"  # the driver's own calls: the local stand-ins for AWS's schedulers and feeds


# -- sizes and units -------------------------------------------------------------------------------
def _number_size(text: str) -> int:
    mantissa = text.lstrip("+-").lower().split("e")[0].replace(".", "")
    digits = mantissa.strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def _binary_size(value: str | bytes) -> int:
    return len(value) if isinstance(value, bytes | bytearray) else len(base64.b64decode(value))


def value_size(value: dict[str, Any]) -> int:
    """Size of one DynamoDB-JSON attribute value, without its name."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(v)
    if kind == "B":
        return _binary_size(v)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "NS":
        return sum(_number_size(n) for n in v)
    if kind == "BS":
        return sum(_binary_size(b) for b in v)
    if kind == "L":
        return 3 + sum(value_size(e) + 1 for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(e) + 1 for k, e in v.items())
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(total_size: int, factor: float) -> float:
    return max(1, math.ceil(total_size / READ_UNIT_BYTES)) * factor


# -- what moto holds -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Image:
    """An item as stored, reduced to what the units depend on."""

    size: int
    digest: str
    index_keys: dict[str, tuple[Any, ...] | None]


def _table(name: str) -> Any:
    return dynamodb_backends[ACCOUNT][REGION].get_table(name)


def _image(table_name: str, key: dict[str, Any]) -> _Image | None:
    table = _table(table_name)
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    stored = table.get_item(hash_key, range_key)
    if stored is None:
        return None
    attributes = stored.to_json()["Attributes"]
    text = json.dumps(attributes, sort_keys=True, default=str)
    index_keys = {}
    for index in table.global_indexes:
        names = [part["AttributeName"] for part in index.schema]
        present = all(n in attributes for n in names)
        index_keys[index.name] = tuple(json.dumps(attributes[n]) for n in names) if present else None
    return _Image(item_size(attributes), hashlib.sha1(text.encode()).hexdigest(), index_keys)  # noqa: S324


def _key_of(table_name: str, item: dict[str, Any]) -> dict[str, Any]:
    table = _table(table_name)
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {n: item[n] for n in names}


def _index_write_units(before: _Image | None, after: _Image | None) -> int:
    units = 0
    indexes = set((before or after).index_keys) if (before or after) else set()  # type: ignore[union-attr]
    for index in indexes:
        old = before.index_keys.get(index) if before else None
        new = after.index_keys.get(index) if after else None
        if old is None and new is None:
            continue
        if old is None:
            units += write_units(after.size)  # type: ignore[union-attr]
        elif new is None:
            units += write_units(before.size)  # type: ignore[union-attr]
        elif old != new:
            units += write_units(before.size) + write_units(after.size)  # type: ignore[union-attr]
        elif before.digest != after.digest:  # type: ignore[union-attr]
            units += write_units(after.size)  # type: ignore[union-attr]
    return units


# -- tallies ---------------------------------------------------------------------------------------
@dataclass
class Invocation:
    """One Lambda invocation (or the driver's own calls), and what it cost."""

    label: str
    calls: Counter[str] = field(default_factory=Counter)  # "service.Operation" -> count
    read_units: float = 0.0
    write_units: float = 0.0
    index_write_units: float = 0.0
    items_written: int = 0
    partial_reads: int = 0  # reads with a projection or filter: AWS bills the whole items
    seconds: float = 0.0

    @property
    def dynamodb_requests(self) -> int:
        return sum(n for call, n in self.calls.items() if call.startswith("dynamodb."))

    @property
    def dynamodb_writes(self) -> int:
        return sum(n for call, n in self.calls.items() if call.removeprefix("dynamodb.") in WRITES)

    @property
    def dynamodb_reads(self) -> int:
        return sum(n for call, n in self.calls.items() if call.removeprefix("dynamodb.") in READS)


Labeller = Callable[[str, dict[str, Any]], str]


def function_label(function: str, _event: dict[str, Any]) -> str:
    return function


@dataclass
class AwsMeter:
    """Install before the local stack starts (so its clients carry the hooks); read `invocations`."""

    labeller: Labeller = function_label
    invocations: list[Invocation] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _hooks: list[tuple[str, Callable[..., Any]]] = field(default_factory=list)
    _original_invoke: Any = None

    # installation
    def install(self) -> None:
        self._hooks = [("before-call", self._before), ("after-call", self._after)]
        botocore_handlers.BUILTIN_HANDLERS.extend(self._hooks)
        self._original_invoke = lambda_bridge.Bridge.invoke
        meter, original = self, self._original_invoke

        def invoke(  # the Bridge's own method's signature, `self` included
            self: lambda_bridge.Bridge,
            function: LambdaFunction,
            event: str | bytes | dict[str, Any] | None,
        ) -> tuple[str, bool, str]:
            payload = json.loads(event) if isinstance(event, str | bytes) else (event or {})
            name = function.function_name.removeprefix("throughgate-")
            with meter.scope(meter.labeller(name, payload)):
                return original(self, function, event)

        lambda_bridge.Bridge.invoke = invoke  # type: ignore[method-assign]

    def uninstall(self) -> None:
        for hook in self._hooks:
            botocore_handlers.BUILTIN_HANDLERS.remove(hook)
        lambda_bridge.Bridge.invoke = self._original_invoke  # type: ignore[method-assign]

    @contextmanager
    def scope(self, label: str) -> Iterator[Invocation]:
        """Attribute this thread's calls to a new invocation until the block ends."""
        invocation = Invocation(label)
        outer = getattr(self._local, "current", None)
        self._local.current = invocation
        started = time.perf_counter()
        try:
            yield invocation
        finally:
            invocation.seconds = time.perf_counter() - started
            self._local.current = outer
            with self._lock:
                self.invocations.append(invocation)

    def _current(self) -> Invocation:
        current = getattr(self._local, "current", None)
        if current is None:
            current = self._local.current = Invocation(OUTSIDE)
            with self._lock:
                self.invocations.append(current)
        return current

    # hooks
    def _before(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_id.hyphenize()
        self._current().calls[f"{service}.{model.name}"] += 1
        if service != "dynamodb" or model.name not in WRITES | READS:
            return
        request = json.loads(params["body"] or b"{}")
        if model.name in WRITES:
            context["bench_writes"] = [
                (t, k, kind, _image(t, k)) for t, k, kind in _written_keys(model.name, request)
            ]
        else:
            context["bench_read"] = request

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.service_model.service_id.hyphenize() != "dynamodb":
            return
        invocation = self._current()
        if model.name in WRITES:
            double = 2 if model.name == "TransactWriteItems" else 1
            for table, key, kind, before in context.pop("bench_writes", []):
                after = _image(table, key)
                sizes = [i.size for i in (before, after) if i is not None] or [0]
                invocation.write_units += double * write_units(
                    before.size if kind == "Delete" and before else max(sizes)
                )
                invocation.index_write_units += _index_write_units(before, after)
                invocation.items_written += kind != "ConditionCheck"
        elif model.name in READS and "Error" not in parsed:
            request = context.pop("bench_read", {})
            if {"ProjectionExpression", "FilterExpression", "AttributesToGet"} & request.keys():
                invocation.partial_reads += 1  # units below are then a lower bound
            invocation.read_units += _read_units(model.name, request, parsed)


_SINGLE_WRITES = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}


def _written_keys(operation: str, request: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(table, key, Put/Update/Delete/ConditionCheck) for every item a write request names."""
    if operation == "TransactWriteItems":
        for entry in request["TransactItems"]:
            ((kind, action),) = entry.items()
            table = action["TableName"]
            yield table, _key_of(table, action.get("Item") or action["Key"]), kind
    elif operation == "BatchWriteItem":
        for table, entries in request["RequestItems"].items():
            for entry in entries:
                if "PutRequest" in entry:
                    yield table, _key_of(table, entry["PutRequest"]["Item"]), "Put"
                else:
                    yield table, _key_of(table, entry["DeleteRequest"]["Key"]), "Delete"
    else:
        table = request["TableName"]
        yield table, _key_of(table, request.get("Item") or request["Key"]), _SINGLE_WRITES[operation]


def _read_units(operation: str, request: dict[str, Any], parsed: dict[str, Any]) -> float:
    if operation == "GetItem":
        item = parsed.get("Item")
        return read_units(item_size(item) if item else 0, 1.0 if request.get("ConsistentRead") else 0.5)
    if operation in ("Query", "Scan"):
        factor = 1.0 if request.get("ConsistentRead") and not request.get("IndexName") else 0.5
        return read_units(sum(item_size(i) for i in parsed.get("Items", [])), factor)
    if operation == "BatchGetItem":
        units = 0.0
        for table, items in parsed.get("Responses", {}).items():
            factor = 1.0 if request.get("RequestItems", {}).get(table, {}).get("ConsistentRead") else 0.5
            units += sum(read_units(item_size(i), factor) for i in items)
        return units
    return sum(
        read_units(item_size(r["Item"]) if r.get("Item") else 0, 2.0) for r in parsed.get("Responses", [])
    )
