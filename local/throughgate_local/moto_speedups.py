"""Two costs in moto's DynamoDB that grow with the table, removed for the local stack.

1. Responses: moto 5.2 serializes every response through a generic, botocore-model-driven
   serializer; for a query of twenty small items that is about 60 ms, 85% of the call. DynamoDB
   speaks plain JSON whose item values are already in wire form, so for the data-plane actions
   below the result dict is dumped as it is.
2. Index queries: moto answers a query on a GSI by sorting every item of the table with rich
   comparisons of its key objects (about 10 µs each); sorting by plain key values gives the same
   order (key attributes have one type per table) for a fraction of the cost.
3. Transactions: moto deep-copies the whole table (once per item in the transaction) so that it can
   roll back; with a cohort's worth of items that is most of a second per write. Here only the items
   the transaction names are kept, and put back if it is cancelled.

tests/integration/test_moto_speedups.py checks both against moto's own behaviour.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.core.responses import ActionResult
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

FAST_ACTIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "TransactWriteItems",
        "BatchGetItem",
        "TransactGetItems",
    }
)
_original_serialized = DynamoHandler.serialized
_original_transact = DynamoDBBackend.transact_write_items
_original_all_items = Table.all_items
_real_copy = dynamodb_models.copy


def _default(value: Any) -> Any:
    if isinstance(value, DynamoType):
        return value.to_json()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot serialize {type(value).__name__}")


def fast_serialized(handler: DynamoHandler, action_result: ActionResult) -> Any:
    result = action_result.result
    if isinstance(result, Exception) or handler._get_action() not in FAST_ACTIONS:
        return _original_serialized(handler, action_result)
    headers = {"Content-Type": "application/x-amz-json-1.0", **handler.response_headers}
    return 200, headers, json.dumps(result, default=_default)


class _TablesNotCopied:
    """moto's transaction copies whole tables to roll back; hand it the live table instead (the
    rollback below restores just the items involved). Everything else is still deep-copied."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else _real_copy.deepcopy(value, memo)


def _key_of(table: Table, operation: dict[str, Any]) -> tuple[DynamoType, DynamoType | None] | None:
    """None when the operation lacks a key attribute: moto refuses it and writes nothing."""
    attrs = operation.get("Item") or operation.get("Key") or {}
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    if any(name not in attrs for name in names):
        return None
    hash_key = DynamoType(attrs[table.hash_key_attr])
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    before: list[tuple[Table, DynamoType, DynamoType | None, Item | None]] = []
    for entry in transact_items:
        operation = next(iter(entry.values()))
        table = backend.tables.get(operation.get("TableName", ""))
        key = _key_of(table, operation) if table is not None else None
        if table is None or key is None:
            continue
        hash_key, range_key = key
        current = table.get_item(hash_key, range_key)
        before.append((table, hash_key, range_key, _real_copy.deepcopy(current) if current else None))
    dynamodb_models.copy = _TablesNotCopied  # type: ignore[assignment]
    try:
        _original_transact(backend, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(before):
            partition = table.items.get(hash_key)
            if range_key is None:
                if item is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = item  # type: ignore[assignment]
            elif item is None:
                if partition is not None:
                    partition.pop(range_key, None)
            else:
                table.items.setdefault(hash_key, {})[range_key] = item
        raise
    finally:
        dynamodb_models.copy = _real_copy


def _plain(key: DynamoType | None) -> Any:
    if key is None:
        return ""
    return key.cast_value if key.type == "N" else key.value


def all_items(table: Table) -> list[Item]:
    items: list[Item] = []
    for hash_set in table.items.values():
        if table.range_key_attr:
            items.extend(hash_set.values())
        else:
            items.append(hash_set)  # type: ignore[arg-type]
    return sorted(items, key=lambda item: (_plain(item.hash_key), _plain(item.range_key)))


def install() -> None:
    DynamoHandler.serialized = fast_serialized  # type: ignore[method-assign,assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]
    Table.all_items = all_items  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    DynamoHandler.serialized = _original_serialized  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _original_transact  # type: ignore[method-assign]
    Table.all_items = _original_all_items  # type: ignore[method-assign]
