"""Costs in moto's DynamoDB that grow with the table, removed for the local stack.

1. Responses: moto 5.2 serializes every response through a generic, botocore-model-driven
   serializer; for a query of twenty small items that is about 60 ms, 85% of the call. DynamoDB
   speaks plain JSON whose item values are already in wire form, so for the data-plane actions
   below the result dict is dumped as it is.
2. Index queries: moto answers a query on a GSI by sorting every item of the table with rich
   comparisons of its key objects (about 10 µs each); sorting by plain key values gives the same
   order (key attributes have one type per table) for a fraction of the cost.
3. Transactions: moto deep-copies the whole table (once per item in the transaction) so that it can
   roll back; with a cohort's worth of items that is most of a second per write. Here only the items
   the transaction names are kept, and put back if it is cancelled: a copy of an item it updates
   (moto updates in place), the item itself for one it replaces, deletes or only checks.
4. Queries: moto answers every query, on a partition or on a GSI, by walking (and sorting) the whole
   table. Here a partition query walks only the items of its partition that its sort key condition
   selects, and a GSI query only the items a kept index (GSI partition value -> item keys, filled as
   items are written) says may be in it; moto's own query code then filters, sorts, pages and
   projects those exactly as it would the whole table (see `_partition_candidates` for the one place
   where the answer moves from moto's towards DynamoDB's). A partition's items come already in sort
   key order, by plain key values, so moto's sort (a rich comparison of key objects per step: a 60-item
   partition query took 4.3 ms, 3.0 ms this way) only confirms it.
5. Items: moto builds every item it stores into a dict that re-measures the whole item each time an
   attribute is added, to enforce the 400 KB item limit (a 40-attribute item: 820 measurements).
   Here the item is measured once, attribute by attribute, and refused at the same attribute. A
   query measures each result twice (against the 1 MB page, then into the page's size): once here.
   It also deep-copies every result before projecting it, though projections build new items and
   the response only reads them: not here.

tests/integration/test_moto_speedups.py checks each against moto's own behaviour.
"""

from __future__ import annotations

import base64
import json
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as table_module
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.dynamodb.models.utilities import bytesize
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
_original_query = Table.query
_original_put_item = Table.put_item
_original_update_item = DynamoDBBackend.update_item
_original_item_init = Item.__init__
_original_item_size = Item.size
ITEM_SIZE_LIMIT = 405_000  # LimitedSizeDict's: between DynamoDB's measured 409 and 410 KB
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


_Kept = tuple[Table, DynamoType, DynamoType | None, Item | None]


def _kept_for_rollback(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Kept]:
    before: list[_Kept] = []
    for entry in transact_items:
        operation = next(iter(entry.values()))
        table = backend.tables.get(operation.get("TableName", ""))
        key = _key_of(table, operation) if table is not None else None
        if table is None or key is None:
            continue
        hash_key, range_key = key
        current = table.get_item(hash_key, range_key)
        if current is not None and "Update" in entry:  # the one operation moto applies in place
            current = _real_copy.deepcopy(current)
        before.append((table, hash_key, range_key, current))
    return before


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    before = _kept_for_rollback(backend, transact_items)
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
            if item is not None:
                _index(table, item)
        raise
    finally:
        dynamodb_models.copy = _real_copy


def _plain(key: DynamoType | None) -> Any:
    if key is None:
        return ""
    return key.cast_value if key.type == "N" else key.value


def _table_order(item: Item) -> tuple[Any, Any]:
    """moto's order of a table's items (hash key, then range key), by plain key values: key
    attributes have one type per table, so these order as moto's rich key comparisons do."""
    return _plain(item.hash_key), _plain(item.range_key)


def all_items(table: Table) -> list[Item]:
    scoped = getattr(_query_scope, "items", None)
    if scoped is not None and scoped[0] is table:
        return list(scoped[1])
    items: list[Item] = []
    for hash_set in table.items.values():
        if table.range_key_attr:
            items.extend(hash_set.values())
        else:
            items.append(hash_set)  # type: ignore[arg-type]
    return sorted(items, key=_table_order)


_KeyPair = tuple[DynamoType, DynamoType | None]


@dataclass
class _KeptIndex:
    """One GSI's partitions: partition value -> keys of the items written with that value. A superset:
    an item that has left a partition (updated or deleted) is dropped when a query next reads it."""

    attribute: str
    partitions: dict[DynamoType, dict[_KeyPair, None]] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        value = item.attrs.get(self.attribute)
        if value is not None:
            self.partitions.setdefault(value, {})[(item.hash_key, item.range_key)] = None


# Per table, the kept index of each GSI queried so far (built on its first query, then kept up to
# date by every write). Thread-local query scope: executions and the driver may query at once.
_kept: weakref.WeakKeyDictionary[Table, dict[GlobalSecondaryIndex, _KeptIndex]] = weakref.WeakKeyDictionary()
_query_scope = threading.local()


def _stored(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    partition: Any = table.items.get(hash_key)  # the item itself in a table without a range key
    if partition is None or not table.range_key_attr:
        return partition
    return partition.get(range_key)


def _index(table: Table, item: Item) -> None:
    for kept in list(_kept.get(table, {}).values()):
        kept.add(item)


def _kept_index(table: Table, index: GlobalSecondaryIndex, attribute: str) -> _KeptIndex:
    indexes = _kept.setdefault(table, {})
    kept = indexes.get(index)
    if kept is None:
        kept = indexes[index] = _KeptIndex(attribute)
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else [partition]:
                kept.add(item)  # type: ignore[arg-type]
    return kept


def _partition_candidates(
    table: Table,
    hash_key: DynamoType | None,
    *,
    range_comparison: str | None,
    range_objs: list[DynamoType],
    limit: int | None,
    filter_kwargs: dict[str, Any],
) -> list[Item] | None:
    """The partition's items, without those its sort key condition rules out (by moto's own
    comparison) when the query has no Limit. moto would weigh each of those too against the query's
    1 MB page (Item.size() walks every value: most of a query on a case's partition). DynamoDB
    counts only the items the key condition selects. The items a condition selects are a run of
    sort keys, so the answer differs from moto's only where moto weighed the item after the run: a
    run of over 600 KB (an item is at most 400 KB), which moto answers with a LastEvaluatedKey whose
    page is empty. With a Limit, moto answers such a LastEvaluatedKey whenever the Limit falls on the
    run's last item and any item follows: those queries are left as they are."""
    if hash_key is None:
        return None
    partition: Any = table.items.get(hash_key)  # the item itself in a table without a range key
    if partition is None:
        return []
    if not table.range_key_attr:
        return [partition]
    items: list[Item] = list(partition.values())
    if range_comparison and limit is None and not filter_kwargs:
        items = [item for item in items if item.range_key.compare(range_comparison, range_objs)]  # type: ignore[union-attr]
    return sorted(items, key=_table_order)


def _index_candidates(
    table: Table,
    index_name: str,
    hash_key_conditions: list[tuple[str, DynamoType]] | None,
) -> list[Item] | None:
    """A superset of the items a GSI query can return, in table order; None: let moto walk the table."""
    index = next((i for i in table.global_indexes if i.name == index_name), None)
    if index is None or not hash_key_conditions or len(hash_key_conditions) != 1:
        return None
    hash_attributes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    attribute, value = hash_key_conditions[0]
    if hash_attributes != [attribute]:
        return None
    keys = _kept_index(table, index, attribute).partitions.get(value, {})
    found: list[Item] = []
    for key in list(keys):
        item = _stored(table, *key)
        current = item.attrs.get(attribute) if item is not None else None
        if current is None or current != value:
            del keys[key]
        else:
            found.append(item)  # type: ignore[arg-type]
    return sorted(found, key=_table_order)


def query(  # noqa: PLR0917 - moto's own signature
    table: Table,
    hash_key: DynamoType | None,
    range_comparison: str | None,
    range_objs: list[DynamoType],
    limit: int,
    exclusive_start_key: dict[str, Any],
    scan_index_forward: bool,
    projection_expressions: list[list[str]] | None,
    index_name: str | None = None,
    consistent_read: bool = False,
    filter_expression: Any = None,
    hash_key_conditions: list[tuple[str, DynamoType]] | None = None,
    range_key_conditions: list[tuple[str, str, list[DynamoType]]] | None = None,
    **filter_kwargs: Any,
) -> tuple[list[Item], int, dict[str, Any] | None]:
    """moto's query, reading only the candidates instead of `all_items()`."""
    candidates = (
        _partition_candidates(
            table,
            hash_key,
            range_comparison=range_comparison,
            range_objs=range_objs,
            limit=limit,
            filter_kwargs=filter_kwargs,
        )
        if index_name is None
        else _index_candidates(table, index_name, hash_key_conditions)
    )
    previous = getattr(_query_scope, "items", None), getattr(_query_scope, "sizes", None)
    _query_scope.items = None if candidates is None else (table, candidates)
    _query_scope.sizes = {}
    try:
        return _original_query(
            table,
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            index_name,
            consistent_read,
            filter_expression,
            hash_key_conditions=hash_key_conditions,
            range_key_conditions=range_key_conditions,
            **filter_kwargs,
        )
    finally:
        _query_scope.items, _query_scope.sizes = previous


class _QueryResultsNotCopied:
    """The `copy` moto's table module sees: moto's Table.query deep-copies its results before it
    projects them, yet its projections build new items and the response only reads them, so while
    a query runs on this thread the results are handed on as they are."""

    copy = staticmethod(_real_copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if getattr(_query_scope, "sizes", None) is not None:
            return value
        return _real_copy.deepcopy(value, memo)


def item_size(item: Item) -> int:
    """moto's Item.size, measured once per item while a query runs: moto measures each result twice
    (against the page limit, then into the page's size) and nothing changes an item mid-query."""
    sizes: dict[int, int] | None = getattr(_query_scope, "sizes", None)
    if sizes is None:
        return _original_item_size(item)
    size = sizes.get(id(item))
    if size is None:
        size = sizes[id(item)] = _original_item_size(item)
    return size


def put_item(table: Table, *args: Any, **kwargs: Any) -> Item:
    item: Item = _original_put_item(table, *args, **kwargs)
    _index(table, item)
    return item


def update_item(
    backend: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
) -> Item:
    """moto updates items in place: index the item as the update left it, even a failed one."""
    try:
        return _original_update_item(backend, table_name, key, *args, **kwargs)
    finally:
        table = backend.tables.get(table_name)
        if table is not None and table in _kept:
            parsed = _key_of(table, {"Key": key})
            item = _stored(table, *parsed) if parsed else None
            if item is not None:
                _index(table, item)


def item_init(item: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    """moto's Item.__init__, measuring the item once: LimitedSizeDict adds the size of every key and
    value it already holds to the new attribute's and refuses the attribute that takes the sum over
    the limit; for a new item that sum is the running total kept here."""
    item.hash_key = hash_key
    item.range_key = range_key
    item.attrs = LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        typed = DynamoType(value)
        size += bytesize(key) + typed.size()
        if size > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(item.attrs, key, typed)


def install() -> None:
    DynamoHandler.serialized = fast_serialized  # type: ignore[method-assign,assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]
    Table.all_items = all_items  # type: ignore[method-assign,assignment]
    Table.query = query  # type: ignore[method-assign,assignment]
    Table.put_item = put_item  # type: ignore[method-assign,assignment]
    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign,assignment]
    Item.__init__ = item_init  # type: ignore[method-assign,assignment]
    Item.size = item_size  # type: ignore[method-assign,assignment]
    table_module.copy = _QueryResultsNotCopied  # type: ignore[assignment]


def uninstall() -> None:
    DynamoHandler.serialized = _original_serialized  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _original_transact  # type: ignore[method-assign]
    Table.all_items = _original_all_items  # type: ignore[method-assign]
    Table.query = _original_query  # type: ignore[method-assign]
    Table.put_item = _original_put_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _original_update_item  # type: ignore[method-assign]
    Item.__init__ = _original_item_init  # type: ignore[method-assign]
    Item.size = _original_item_size  # type: ignore[method-assign]
    table_module.copy = _real_copy
    _kept.clear()  # writes made meanwhile were not seen
