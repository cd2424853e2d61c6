"""local/throughgate_local/moto_speedups.py against moto's own behaviour (moto pinned to 5.2.5).

Each speed-up is run next to the moto code it replaces, on identical data:

1. the fast serializer: one scenario of DynamoDB calls is run twice, in two fresh `mock_aws()`s, once
   with moto's serializer and once with the fast path installed; every call must give the client the
   same parsed result (or the same error);
2. the cheaper `Table.all_items` sort: same items in the same order as moto's own sort;
3. the item-level transaction rollback: a cancelled or failed transaction leaves every item as it
   was, a successful one applies everything, both exactly as moto's table-copying original does, and
   `moto.dynamodb.models.copy` is the real `copy` module again afterwards;
4. queries that read only their candidates: a long seeded run of every kind of write (puts, updates
   that move an item between GSI partitions or out of the index, deletes, batch writes, committed
   and cancelled transactions), each followed by queries on every GSI partition and table partition,
   answers call for call as moto does when it walks the whole table;
5. the Step Functions interpreter's parse and client caches (stepfunctions_speedups.py): executions
   of a definition with Pass, Choice, an inline Map, an SNS task, a caught task failure, Wait and
   Fail, several at once, leave the same histories as with moto's per-execution parse and clients,
   while the definition is parsed once and one client serves every task;
6. the per-request savings (request_speedups.py): unsigned requests create the same resources, in
   the same account and region, as signed ones, in every service the local stack uses; the one-name
   action lookup answers as moto's list of every function does, for every response class and every
   operation of those services; the direct parse of DynamoDB attribute values gives what
   botocore's generic one does for thousands of random values and whole responses; and scenario 1
   runs with them installed too, each DynamoDB request answered without moto's request routing
   (one with binary values excepted); random strings (request ids) keep moto's shape and repeat
   when seeded;
7. items measured once (moto_speedups.py): built from hundreds of random attribute sets and sets
   around the 400 KB limit, items are the same as moto's, refused at the same attribute.

The private internals these rely on are canaried in test_moto_canaries.py. Only synthetic data.
"""

from __future__ import annotations

import base64
import copy
import importlib
import io
import json
import random
import re
import string
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.parsers
import botocore.session
import jsonpath_ng
import jsonpath_ng.ext
import moto
import moto.core.responses as moto_responses
import moto.dynamodb.models as dynamodb_models
import moto.dynamodb.models.table as dynamodb_table_module
import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ClientError
from botocore.signers import RequestSigner
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.responses import BaseResponse
from moto.core.utils import camelcase_to_underscores
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.moto_api._internal.moto_random import MotoRandom
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sns
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client, json_path

from tests.integration.test_moto_canaries import subclasses_of
from throughgate_local import moto_speedups, request_speedups, stepfunctions_speedups

REGION = "eu-west-2"
TABLE = "speedups"
MARKERS = "speedups-markers"  # hash key only


def dynamodb_client() -> Any:
    return boto3.client(
        "dynamodb",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def backend() -> DynamoDBBackend:
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]


def assert_moto_original_installed() -> None:
    assert DynamoHandler.serialized is moto_speedups._original_serialized, "fast serializer left installed"
    assert DynamoDBBackend.transact_write_items is moto_speedups._original_transact, (
        "fast transact_write_items left installed"
    )
    assert Table.all_items is moto_speedups._original_all_items, "fast all_items left installed"
    assert Table.query is moto_speedups._original_query, "fast query left installed"
    assert Table.put_item is moto_speedups._original_put_item, "indexing put_item left installed"
    assert DynamoDBBackend.update_item is moto_speedups._original_update_item, (
        "indexing update_item left installed"
    )
    assert dynamodb_models.copy is copy, "moto.dynamodb.models.copy left swapped"
    assert dynamodb_table_module.copy is copy, "moto.dynamodb.models.table.copy left swapped"


def create_tables(client: Any) -> None:
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in (("pk", "S"), ("sk", "S"), ("stage", "S"), ("release_on", "S"), ("score", "N"))
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_stage",
                "KeySchema": [
                    {"AttributeName": "stage", "KeyType": "HASH"},
                    {"AttributeName": "release_on", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "by_score",
                "KeySchema": [
                    {"AttributeName": "stage", "KeyType": "HASH"},
                    {"AttributeName": "score", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(
        TableName=MARKERS,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def S(value: str) -> dict[str, str]:  # named after DynamoDB's own type
    return {"S": value}


def N(value: str) -> dict[str, str]:
    return {"N": value}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": S(pk), "sk": S(sk)}


# Every type the app stores (S, N, BOOL, NULL, M, L of maps, SS) and a few more (NS, empty L and M).
RICH: dict[str, Any] = {
    "name": S("Testy Exämple — ☃ 😀"),
    "blank": S(""),
    "count": N("42"),
    "negative": N("-7"),
    "ratio": N("0.125"),
    "big": N("123456789012345678901234567890"),
    "tiny": N("-0.000001"),
    "flag": {"BOOL": True},
    "off": {"BOOL": False},
    "nothing": {"NULL": True},
    "details": {
        "M": {
            "address": {"M": {"line": S("1 Example Street"), "number": N("1"), "flat": {"NULL": True}}},
            "notes": {"L": [S("first"), N("2.5"), {"BOOL": False}]},
        }
    },
    "history": {
        "L": [
            {"M": {"at": S("2026-12-01"), "by": S("mentor-1"), "done": {"BOOL": True}}},
            {"M": {"at": S("2026-12-02"), "extra": {"NULL": True}, "tags": {"SS": ["a", "b"]}}},
        ]
    },
    "empty_list": {"L": []},
    "empty_map": {"M": {}},
    "tags": {"SS": ["housing", "benefits", "ümlaut"]},
    "scores": {"NS": ["1", "2.5", "-3"]},
}


def rich_item(pk: str, sk: str, release_on: str, score: str, stage: str = "GROUP#a") -> dict[str, Any]:
    return {
        **key(pk, sk),
        **RICH,
        "stage": S(stage),
        "release_on": S(release_on),
        "score": N(score),
    }


SEED: list[dict[str, Any]] = [
    # Two items share release_on: a by_stage query then orders them by the table's own item order.
    rich_item("CASE#1", "NEED#01", "2026-12-03", "10"),
    rich_item("CASE#1", "NEED#02", "2026-12-01", "9"),
    rich_item("CASE#1", "NEED#03", "2026-12-03", "-1.5"),
    rich_item("CASE#1", "NEED#04", "2026-12-02", "0.25"),
    rich_item("CASE#1", "NEED#05", "2026-12-05", "100"),
    rich_item("CASE#2", "NEED#01", "2026-12-03", "2"),
    rich_item("CASE#2", "TASK#01", "2026-12-04", "-20", stage="GROUP#b"),
    {"pk": S("PRISONNO#A0001AA"), "case_id": S("CASE#1")},
]

BINARY_SEED: list[dict[str, Any]] = [
    {
        **key("BIN#1", f"BLOB#{n}"),
        "stage": S("GROUP#bin"),
        "release_on": S(f"2026-12-0{n}"),
        "score": N(str(n)),
        "blob": {"B": bytes([0, 255, n]) + b"Testy"},
        "blobs": {"BS": [b"\x00", b"\x01\x02", bytes([n])]},
        "nested": {"M": {"inner": {"B": b"\xde\xad\xbe\xef"}, "list": {"L": [{"B": b"\xff"}]}}},
        "label": S("binary"),
    }
    for n in (1, 2, 3)
]


def seed(client: Any) -> None:
    create_tables(client)
    for item in [*SEED, *BINARY_SEED]:
        table = TABLE if "sk" in item else MARKERS
        client.put_item(TableName=table, Item=item)


# -- 1. the fast serializer -----------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    name: str
    operation: str  # boto3 client method
    kwargs: dict[str, Any]
    error: str | None = None  # the error code moto itself answers with, if any

    @property
    def action(self) -> str:
        return "".join(part.title() for part in self.operation.split("_"))


@dataclass(frozen=True)
class Outcome:
    kind: str  # "ok", "error" (a ClientError) or "crash" (any other exception out of the client)
    response: Any  # parsed response without ResponseMetadata, the error response, or repr of the crash
    raw: bytes | None = field(default=None, compare=False)
    served_fast: tuple[str, ...] = field(default=(), compare=False)  # actions fast_serialized answered
    fell_back: tuple[str, ...] = field(default=(), compare=False)  # ... and handed to moto's serializer
    routed_by_moto: int = field(default=0, compare=False)  # requests that took moto's WSGI routing


def query(index: str | None = None, **kwargs: Any) -> dict[str, Any]:
    if index is None:
        return {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": S("CASE#1")},
            **kwargs,
        }
    return {
        "TableName": TABLE,
        "IndexName": index,
        "KeyConditionExpression": "stage = :stage",
        "ExpressionAttributeValues": {":stage": S("GROUP#a")},
        **kwargs,
    }


UPDATE_ALL: dict[str, Any] = {
    "UpdateExpression": (
        "SET details.address.line = :line, #count = #count + :one, history = list_append(history, :more), "
        "added = :added ADD scores :scores, tags :tags REMOVE nothing, details.notes[0]"
    ),
    "ExpressionAttributeNames": {"#count": "count"},
    "ExpressionAttributeValues": {
        ":line": S("2 Example Road"),
        ":one": N("1"),
        ":more": {"L": [{"M": {"at": S("2026-12-09"), "score": N("3.75")}}]},
        ":added": {"M": {"list": {"L": [N("1"), {"NULL": True}]}}},
        ":scores": {"NS": ["99", "-0.5"]},
        ":tags": {"SS": ["work"]},
    },
}

CONDITION_FAILS: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}

STEPS: list[Step] = [
    Step("GetItem", "get_item", {"TableName": TABLE, "Key": key("CASE#1", "NEED#01")}),
    Step(
        "GetItem consistent with consumed capacity",
        "get_item",
        {
            "TableName": TABLE,
            "Key": key("CASE#1", "NEED#01"),
            "ConsistentRead": True,
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    Step(
        "GetItem projection",
        "get_item",
        {
            "TableName": TABLE,
            "Key": key("CASE#1", "NEED#01"),
            "ProjectionExpression": "#d.address, history[1], tags, scores, #n",
            "ExpressionAttributeNames": {"#d": "details", "#n": "nothing"},
        },
    ),
    Step("GetItem missing", "get_item", {"TableName": TABLE, "Key": key("CASE#9", "NEED#01")}),
    Step("GetItem hash-only table", "get_item", {"TableName": MARKERS, "Key": {"pk": S("PRISONNO#A0001AA")}}),
    Step(
        "PutItem ALL_OLD replacing",
        "put_item",
        {
            "TableName": TABLE,
            "Item": {**rich_item("CASE#1", "NEED#02", "2026-12-01", "9"), "name": S("Replaced")},
            "ReturnValues": "ALL_OLD",
        },
    ),
    Step(
        "PutItem ALL_OLD new",
        "put_item",
        {
            "TableName": TABLE,
            "Item": rich_item("CASE#1", "NEED#06", "2026-12-03", "7"),
            "ReturnValues": "ALL_OLD",
        },
    ),
    Step(
        "UpdateItem ALL_NEW",
        "update_item",
        {"TableName": TABLE, "Key": key("CASE#1", "NEED#03"), "ReturnValues": "ALL_NEW", **UPDATE_ALL},
    ),
    Step(
        "UpdateItem UPDATED_OLD",
        "update_item",
        {"TableName": TABLE, "Key": key("CASE#1", "NEED#04"), "ReturnValues": "UPDATED_OLD", **UPDATE_ALL},
    ),
    Step(
        "UpdateItem ALL_NEW creating",
        "update_item",
        {
            "TableName": TABLE,
            "Key": key("CASE#1", "NEED#07"),
            "UpdateExpression": "SET stage = :stage, release_on = :on, score = :score, m = :m",
            "ExpressionAttributeValues": {
                ":stage": S("GROUP#a"),
                ":on": S("2026-12-03"),
                ":score": N("-0.5"),
                ":m": {"M": {"l": {"L": [{"M": {"b": {"BOOL": True}}}]}}},
            },
            "ReturnValues": "ALL_NEW",
        },
    ),
    Step(
        "DeleteItem ALL_OLD",
        "delete_item",
        {"TableName": TABLE, "Key": key("CASE#1", "NEED#05"), "ReturnValues": "ALL_OLD"},
    ),
    Step(
        "DeleteItem ALL_OLD missing",
        "delete_item",
        {"TableName": TABLE, "Key": key("CASE#1", "NEED#99"), "ReturnValues": "ALL_OLD"},
    ),
    Step("Query table", "query", query()),
    Step("Query table Limit", "query", query(Limit=2)),
    Step(
        "Query table ExclusiveStartKey",
        "query",
        query(Limit=2, ExclusiveStartKey=key("CASE#1", "NEED#02")),
    ),
    Step(
        "Query table last page",
        "query",
        query(Limit=10, ExclusiveStartKey=key("CASE#1", "NEED#04")),
    ),
    Step(
        "Query table reversed and filtered with capacity",
        "query",
        query(
            ScanIndexForward=False,
            FilterExpression="score > :zero",
            ReturnConsumedCapacity="TOTAL",
            **{"ExpressionAttributeValues": {":pk": S("CASE#1"), ":zero": N("0")}},
        ),
    ),
    Step("Query table COUNT", "query", query(Select="COUNT")),
    Step(
        "Query table prefix",
        "query",
        {
            **query(),
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :p)",
            "ExpressionAttributeValues": {":pk": S("CASE#1"), ":p": S("NEED#0")},
        },
    ),
    Step("Query GSI", "query", query("by_stage")),
    Step("Query GSI Limit", "query", query("by_stage", Limit=3)),
    Step(
        "Query GSI ExclusiveStartKey",
        "query",
        query(
            "by_stage",
            Limit=3,
            ExclusiveStartKey={
                **key("CASE#1", "NEED#01"),
                "stage": S("GROUP#a"),
                "release_on": S("2026-12-03"),
            },
        ),
    ),
    Step(
        "Query GSI number range key, reversed, capacity by index",
        "query",
        query("by_score", ScanIndexForward=False, ReturnConsumedCapacity="INDEXES"),
    ),
    Step(
        "Query GSI number range key ExclusiveStartKey",
        "query",
        query(
            "by_score",
            Limit=2,
            ExclusiveStartKey={**key("CASE#1", "NEED#02"), "stage": S("GROUP#a"), "score": N("9")},
        ),
    ),
    Step("Scan", "scan", {"TableName": TABLE}),
    Step(
        "TransactWriteItems",
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": TABLE, "Item": rich_item("CASE#3", "NEED#01", "2026-12-03", "5")}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("CASE#1", "NEED#01"),
                        "UpdateExpression": "SET #n = :name REMOVE details.address",
                        "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":name": S("Transacted")},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": key("CASE#2", "NEED#01")}},
                {
                    "ConditionCheck": {
                        "TableName": MARKERS,
                        "Key": {"pk": S("PRISONNO#A0001AA")},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": MARKERS,
                        "Item": {"pk": S("PRISONNO#A0002AA"), "case_id": S("CASE#3")},
                    }
                },
            ]
        },
    ),
    Step(
        "BatchGetItem",
        "batch_get_item",
        {
            "RequestItems": {
                TABLE: {
                    "Keys": [
                        key("CASE#1", "NEED#01"),
                        key("CASE#3", "NEED#01"),
                        key("CASE#9", "NEED#01"),
                        key("CASE#1", "NEED#03"),
                    ]
                },
                MARKERS: {"Keys": [{"pk": S("PRISONNO#A0002AA")}], "ConsistentRead": True},
            }
        },
    ),
    Step(
        "BatchGetItem projection with capacity",
        "batch_get_item",
        {
            "RequestItems": {
                TABLE: {
                    "Keys": [key("CASE#1", "NEED#01"), key("CASE#1", "NEED#04")],
                    "ProjectionExpression": "pk, sk, history, scores",
                }
            },
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    Step(
        "TransactGetItems",
        "transact_get_items",
        {
            "TransactItems": [
                {"Get": {"TableName": TABLE, "Key": key("CASE#1", "NEED#01")}},
                {"Get": {"TableName": TABLE, "Key": key("CASE#9", "NEED#01")}},
                {"Get": {"TableName": MARKERS, "Key": {"pk": S("PRISONNO#A0002AA")}}},
            ],
            "ReturnConsumedCapacity": "TOTAL",
        },
    ),
    Step(
        "PutItem condition fails",
        "put_item",
        {
            "TableName": TABLE,
            "Item": rich_item("CASE#1", "NEED#01", "2026-12-03", "10"),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            **CONDITION_FAILS,
        },
        error="ConditionalCheckFailedException",
    ),
    Step(
        "UpdateItem condition fails",
        "update_item",
        {
            "TableName": TABLE,
            "Key": key("CASE#1", "NEED#03"),
            "UpdateExpression": "SET #n = :name",
            "ExpressionAttributeNames": {"#n": "name"},
            "ExpressionAttributeValues": {":name": S("Nope")},
            "ReturnValues": "ALL_NEW",
            **CONDITION_FAILS,
        },
        error="ConditionalCheckFailedException",
    ),
    Step(
        "DeleteItem condition fails",
        "delete_item",
        {"TableName": TABLE, "Key": key("CASE#1", "NEED#04"), "ReturnValues": "ALL_OLD", **CONDITION_FAILS},
        error="ConditionalCheckFailedException",
    ),
    Step(
        "TransactWriteItems cancelled",
        "transact_write_items",
        {
            "TransactItems": [
                {"Put": {"TableName": TABLE, "Item": rich_item("CASE#4", "NEED#01", "2026-12-03", "5")}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("CASE#1", "NEED#03"),
                        "UpdateExpression": "SET #n = :name",
                        "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":name": S("Never")},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("CASE#1", "NEED#01"),
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        **CONDITION_FAILS,
                    }
                },
                {"Delete": {"TableName": MARKERS, "Key": {"pk": S("PRISONNO#A0001AA")}}},
            ]
        },
        error="TransactionCanceledException",
    ),
    Step("Query table after the writes", "query", query()),
    Step("Query GSI after the writes", "query", query("by_stage")),
    Step("Scan hash-only table after the writes", "scan", {"TableName": MARKERS}),
]


def binary_query(index: str | None = None, **kwargs: Any) -> dict[str, Any]:
    if index is None:
        return {
            "TableName": TABLE,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": S("BIN#1")},
            **kwargs,
        }
    return {
        "TableName": TABLE,
        "IndexName": index,
        "KeyConditionExpression": "stage = :stage",
        "ExpressionAttributeValues": {":stage": S("GROUP#bin")},
        **kwargs,
    }


BINARY_STEPS: list[Step] = [
    Step("binary GetItem", "get_item", {"TableName": TABLE, "Key": key("BIN#1", "BLOB#1")}),
    Step("binary Query", "query", binary_query()),
    Step("binary Query GSI Limit", "query", binary_query("by_stage", Limit=2)),
    Step(
        "binary BatchGetItem",
        "batch_get_item",
        {"RequestItems": {TABLE: {"Keys": [key("BIN#1", "BLOB#1"), key("BIN#1", "BLOB#2")]}}},
    ),
    Step(
        "binary TransactGetItems",
        "transact_get_items",
        {"TransactItems": [{"Get": {"TableName": TABLE, "Key": key("BIN#1", "BLOB#2")}}]},
    ),
    Step(
        "binary PutItem ALL_OLD",
        "put_item",
        {"TableName": TABLE, "Item": {**BINARY_SEED[0], "label": S("replaced")}, "ReturnValues": "ALL_OLD"},
    ),
    Step(
        "binary UpdateItem ALL_NEW",
        "update_item",
        {
            "TableName": TABLE,
            "Key": key("BIN#1", "BLOB#2"),
            "UpdateExpression": "SET #b = :b ADD blobs :bs",
            "ExpressionAttributeNames": {"#b": "blob"},
            "ExpressionAttributeValues": {":b": {"B": b"\x10\x20"}, ":bs": {"BS": [b"\x99"]}},
            "ReturnValues": "ALL_NEW",
        },
    ),
    Step(
        "binary DeleteItem ALL_OLD",
        "delete_item",
        {"TableName": TABLE, "Key": key("BIN#1", "BLOB#3"), "ReturnValues": "ALL_OLD"},
    ),
    Step("binary Query after the writes", "query", binary_query()),
]


def run_step(client: Any, step: Step, raw: list[bytes]) -> Outcome:
    raw.clear()
    try:
        response = getattr(client, step.operation)(**step.kwargs)
    except ClientError as error:
        response = {k: v for k, v in error.response.items() if k != "ResponseMetadata"}
        return Outcome("error", response, raw[-1] if raw else None)
    except Exception as crash:  # the fast path's failure mode: anything but a ClientError
        return Outcome("crash", f"{type(crash).__name__}: {crash}")
    response = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return Outcome("ok", response, raw[-1] if raw else None)


def run_scenario(fast: bool) -> dict[str, Outcome]:
    """Every step, in order, in a fresh moto, with moto's serializer or with the fast path."""
    outcomes: dict[str, Outcome] = {}
    with moto.mock_aws():
        assert_moto_original_installed()
        try:
            with pytest.MonkeyPatch.context() as patch:
                served: list[str] = []
                fell_back: list[str] = []
                routed: list[AWSPreparedRequest] = []
                route = BotocoreStubber.process_request

                def routing_spy(stubber: BotocoreStubber, request: AWSPreparedRequest) -> Any:
                    routed.append(request)
                    return route(stubber, request)

                patch.setattr(BotocoreStubber, "process_request", routing_spy)
                if fast:
                    moto_speedups.install()
                    request_speedups.install()
                    assert DynamoHandler.serialized is moto_speedups.fast_serialized
                    original = moto_speedups._original_serialized

                    def fast_spy(handler: DynamoHandler, action_result: Any) -> Any:
                        served.append(handler._get_action())
                        return moto_speedups.fast_serialized(handler, action_result)

                    def fallback_spy(handler: DynamoHandler, action_result: Any) -> Any:
                        fell_back.append(handler._get_action())
                        return original(handler, action_result)

                    patch.setattr(DynamoHandler, "serialized", fast_spy)
                    patch.setattr(moto_speedups, "_original_serialized", fallback_spy)
                client = dynamodb_client()
                raw: list[bytes] = []
                client.meta.events.register(
                    "after-call.dynamodb", lambda http_response, **_: raw.append(http_response.content)
                )
                seed(client)
                for step in [*STEPS, *BINARY_STEPS]:
                    served.clear()
                    fell_back.clear()
                    routed.clear()
                    outcome = run_step(client, step, raw)
                    outcomes[step.name] = Outcome(
                        outcome.kind,
                        outcome.response,
                        outcome.raw,
                        tuple(served),
                        tuple(fell_back),
                        len(routed),
                    )
        finally:
            moto_speedups.uninstall()
            request_speedups.uninstall()
        assert_moto_original_installed()
    return outcomes


@pytest.fixture(scope="module")
def scenario() -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    return run_scenario(fast=False), run_scenario(fast=True)


def test_scenario_exercises_every_fast_action() -> None:
    assert {step.action for step in STEPS} >= moto_speedups.FAST_ACTIONS


@pytest.mark.parametrize("step", STEPS, ids=[step.name for step in STEPS])
def test_fast_serializer_answers_like_moto(
    scenario: tuple[dict[str, Outcome], dict[str, Outcome]], step: Step
) -> None:
    reference, fast = scenario[0][step.name], scenario[1][step.name]
    expected_kind = "error" if step.error else "ok"
    assert reference.kind == expected_kind, f"moto itself answered {reference.response!r}"
    if step.error:
        assert reference.response["Error"]["Code"] == step.error
    assert fast == reference, f"\nmoto's body: {reference.raw!r}\nfast body:   {fast.raw!r}"
    if step.action in moto_speedups.FAST_ACTIONS and not step.error:
        assert step.action in fast.served_fast, f"{step.action} did not reach fast_serialized"
        assert step.action not in fast.fell_back, f"{step.action} was handed back to moto's serializer"


def test_dynamodb_requests_are_answered_without_moto_routing(
    scenario: tuple[dict[str, Outcome], dict[str, Outcome]],
) -> None:
    """request_speedups item 4: every request of the scenario is answered directly (the answers are
    compared above); one carrying binary values takes moto's own way."""
    reference, fast = scenario
    assert all(reference[step.name].routed_by_moto == 1 for step in STEPS), "moto routes each request once"
    routed = {step.name: fast[step.name].routed_by_moto for step in STEPS if fast[step.name].routed_by_moto}
    assert not routed, f"these requests still went through moto's routing: {routed}"
    binary_routed = [step.name for step in BINARY_STEPS if fast[step.name].routed_by_moto]
    assert "binary PutItem ALL_OLD" in binary_routed, binary_routed


def test_cancelled_transaction_reasons_match_moto(
    scenario: tuple[dict[str, Outcome], dict[str, Outcome]],
) -> None:
    reference, fast = (outcomes["TransactWriteItems cancelled"] for outcomes in scenario)
    reasons = reference.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "ConditionalCheckFailed", "None"]
    assert reasons[2]["Item"]["name"] == S("Transacted")  # as the earlier TransactWriteItems left it
    assert fast.response["CancellationReasons"] == reasons
    assert fast.response["Error"] == reference.response["Error"]


def test_failed_conditional_write_matches_moto(
    scenario: tuple[dict[str, Outcome], dict[str, Outcome]],
) -> None:
    reference, fast = (outcomes["PutItem condition fails"] for outcomes in scenario)
    assert reference.response["Error"]["Code"] == "ConditionalCheckFailedException"
    assert reference.response["Item"]["sk"] == S("NEED#01")
    assert fast.response == reference.response


def test_binary_attributes_answer_like_moto(
    scenario: tuple[dict[str, Outcome], dict[str, Outcome]],
) -> None:
    reference, fast = scenario
    assert all(reference[step.name].kind == "ok" for step in BINARY_STEPS)
    assert reference["binary GetItem"].response["Item"]["blob"] == {"B": b"\x00\xff\x01Testy"}
    differing = {
        step.name: fast[step.name].response
        for step in BINARY_STEPS
        if fast[step.name] != reference[step.name]
    }
    assert not differing, f"with the fast path, these calls on B/BS attributes differ from moto: {differing}"


# -- 2. the all_items sort ------------------------------------------------------------------------
STRING_KEYS = [
    "a", "A", "b", "B", "z", "Z", "0", "1", "9", "10", "09", "a1", "a10", "a9", "A9", "aa", "aA", "Aa",
    "é", "É", "e", "E", "ß", "ss", "日本", "本", "😀", "Ω", "\uff41", "\u00a0", " ", "_", "-", "~", "#", "a#1",
]  # fmt: skip
NUMBER_KEYS = [
    "-100", "-10", "-9.5", "-9", "-1", "-0.5", "-0.001", "0", "0.001", "0.5", "1", "1.5", "2", "9", "9.99",
    "10", "10.5", "11", "99", "100", "1000", "12345678901234567890", "-12345678901234567890.5",
]  # fmt: skip


def put_shuffled(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    items = list(items)
    random.Random(20261201).shuffle(items)
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def plain_keys(items: list[Item]) -> list[tuple[Any, Any]]:
    return [(item.hash_key.value, item.range_key.value if item.range_key else None) for item in items]


@pytest.fixture
def mocked() -> Iterator[Any]:
    with moto.mock_aws():
        assert_moto_original_installed()
        yield dynamodb_client()


def create_keyed_table(client: Any, name: str, hash_type: str, range_type: str | None) -> Table:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": hash_type}]
    if range_type:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": range_type})
    client.create_table(
        TableName=name, KeySchema=schema, AttributeDefinitions=definitions, BillingMode="PAY_PER_REQUEST"
    )
    return backend().get_table(name)


def assert_same_order(table: Table, count: int) -> list[tuple[Any, Any]]:
    moto_order = moto_speedups._original_all_items(table)
    fast_order = moto_speedups.all_items(table)
    assert len(moto_order) == count
    assert plain_keys(fast_order) == plain_keys(moto_order)
    assert all(fast is ours for fast, ours in zip(fast_order, moto_order, strict=True))
    return plain_keys(moto_order)


def test_all_items_orders_string_keys_like_moto(mocked: Any) -> None:
    table = create_keyed_table(mocked, "strings", "S", "S")
    items = [
        {"pk": S(pk), "sk": S(sk), "n": N(str(i))}
        for i, (pk, sk) in enumerate((pk, sk) for pk in STRING_KEYS[::3] for sk in STRING_KEYS)
    ]
    put_shuffled(mocked, "strings", items)
    order = assert_same_order(table, len(items))
    assert order != [(item["pk"]["S"], item["sk"]["S"]) for item in items]  # not insertion order
    assert order.index(("0", "10")) < order.index(("0", "9")) < order.index(("0", "a"))


def test_all_items_orders_number_range_keys_like_moto(mocked: Any) -> None:
    table = create_keyed_table(mocked, "numbers", "S", "N")
    items = [
        {"pk": S(pk), "sk": N(sk)} for pk in ("CASE#1", "CASE#10", "CASE#9", "case#1") for sk in NUMBER_KEYS
    ]
    put_shuffled(mocked, "numbers", items)
    order = assert_same_order(table, len(items))
    in_case_1 = [sk for pk, sk in order if pk == "CASE#1"]
    assert in_case_1.index("9") < in_case_1.index("10")
    assert in_case_1.index("-10") < in_case_1.index("-9.5") < in_case_1.index("-0.001") < in_case_1.index("0")


def test_all_items_orders_hash_only_tables_like_moto(mocked: Any) -> None:
    strings = create_keyed_table(mocked, "hash-strings", "S", None)
    numbers = create_keyed_table(mocked, "hash-numbers", "N", None)
    put_shuffled(mocked, "hash-strings", [{"pk": S(pk)} for pk in STRING_KEYS])
    put_shuffled(mocked, "hash-numbers", [{"pk": N(pk)} for pk in NUMBER_KEYS])
    assert_same_order(strings, len(STRING_KEYS))
    numbers_order = [pk for pk, _ in assert_same_order(numbers, len(NUMBER_KEYS))]
    assert numbers_order.index("9") < numbers_order.index("10")


@pytest.mark.parametrize(("range_type", "keys"), [("S", STRING_KEYS), ("N", NUMBER_KEYS)])
def test_partition_candidates_come_in_moto_sort_order(mocked: Any, range_type: str, keys: Any) -> None:
    """Handed over already sorted, so moto's own sort of a partition is one confirming pass."""
    table = create_keyed_table(mocked, f"partition-{range_type}", "S", range_type)
    put_shuffled(mocked, table.name, [{"pk": S("CASE#1"), "sk": {range_type: sk}} for sk in keys])
    candidates = moto_speedups._partition_candidates(
        table, DynamoType(S("CASE#1")), range_comparison=None, range_objs=[], limit=None, filter_kwargs={}
    )
    assert candidates is not None
    moto_sorted = sorted(candidates, key=lambda item: item.range_key)
    assert plain_keys(candidates) == plain_keys(moto_sorted)
    assert len(candidates) == len(keys)


# -- 3. transactions ------------------------------------------------------------------------------
@dataclass
class TransactionRun:
    before: dict[str, Any]
    after: dict[str, Any]
    error: dict[str, Any] | None  # the error response, or None if the transaction succeeded
    copy_during: list[Any]  # moto.dynamodb.models.copy while moto's transact_write_items ran
    copy_after: Any


def state(client: Any) -> dict[str, Any]:
    """Every item of both tables as moto holds them, and what the GSIs answer."""
    items: dict[str, Any] = {}
    for name, table in backend().tables.items():
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else [partition]:
                item_key = (name, item.hash_key.value, item.range_key.value if item.range_key else None)
                items[repr(item_key)] = item.to_json()
    indexes = {index: client.query(**query(index))["Items"] for index in ("by_stage", "by_score")}
    return {"items": items, "indexes": indexes}


def run_transaction(transact_items: list[dict[str, Any]], fast: bool) -> TransactionRun:
    """Seed a fresh moto, run one TransactWriteItems, and report the tables before and after."""
    copy_during: list[Any] = []
    with moto.mock_aws():
        assert_moto_original_installed()
        client = dynamodb_client()
        seed(client)
        before = state(client)
        try:
            with pytest.MonkeyPatch.context() as patch:
                if fast:
                    moto_speedups.install()
                    real = moto_speedups._original_transact

                    def spy(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
                        copy_during.append(dynamodb_models.copy)
                        real(backend, items)

                    patch.setattr(moto_speedups, "_original_transact", spy)
                error = None
                try:
                    client.transact_write_items(TransactItems=transact_items)
                except ClientError as failure:
                    error = {k: v for k, v in failure.response.items() if k != "ResponseMetadata"}
                copy_after = dynamodb_models.copy
        finally:
            moto_speedups.uninstall()
        after = state(client)
    return TransactionRun(before, after, error, copy_during, copy_after)


def put(pk: str, sk: str) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": rich_item(pk, sk, "2026-12-03", "1")}}


def update(pk: str, sk: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": key(pk, sk),
            "UpdateExpression": "SET #n = :name, details.address.line = :line ADD scores :s REMOVE history",
            "ExpressionAttributeNames": {"#n": "name"},
            "ExpressionAttributeValues": {
                ":name": S("Updated"),
                ":line": S("3 Example Way"),
                ":s": {"NS": ["8"]},
            },
        }
    }


def delete(pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": TABLE, "Key": key(pk, sk)}}


def check(pk: str, sk: str, condition: str) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": TABLE, "Key": key(pk, sk), "ConditionExpression": condition}}


MARKER_WRITES: list[dict[str, Any]] = [
    {"Put": {"TableName": MARKERS, "Item": {"pk": S("PRISONNO#A0009AA"), "case_id": S("CASE#9")}}},
    {"Delete": {"TableName": MARKERS, "Key": {"pk": S("PRISONNO#A0001AA")}}},
]
WRITES: list[dict[str, Any]] = [
    put("CASE#5", "NEED#01"),  # new item, new partition
    put("CASE#1", "NEED#08"),  # new item, existing partition
    put("CASE#2", "NEED#01"),  # replaces an item
    update("CASE#1", "NEED#01"),
    {
        "Update": {
            "TableName": TABLE,
            "Key": key("CASE#6", "NEW#01"),  # update creating an item
            "UpdateExpression": "SET stage = :stage, release_on = :on, score = :score",
            "ExpressionAttributeValues": {":stage": S("GROUP#a"), ":on": S("2026-12-01"), ":score": N("4")},
        }
    },
    delete("CASE#1", "NEED#02"),
    delete("CASE#2", "TASK#01"),  # empties nothing: CASE#2 keeps NEED#01
    *MARKER_WRITES,
]
FAILING_CHECK = check("CASE#1", "NEED#03", "attribute_not_exists(pk)")
PASSING_CHECK = check("CASE#1", "NEED#04", "attribute_exists(pk)")


def assert_module_restored(run: TransactionRun) -> None:
    assert run.copy_during, "the fast transact_write_items did not run"
    assert all(module is moto_speedups._TablesNotCopied for module in run.copy_during)
    assert run.copy_after is copy
    assert dynamodb_models.copy is copy


@pytest.mark.parametrize(
    "transact_items",
    [[*WRITES, FAILING_CHECK], [FAILING_CHECK, *WRITES], [*WRITES[:4], FAILING_CHECK, *WRITES[4:]]],
    ids=["check fails last", "check fails first", "check fails in between"],
)
def test_cancelled_transaction_leaves_every_item_as_it_was(transact_items: list[dict[str, Any]]) -> None:
    run = run_transaction(transact_items, fast=True)
    assert run.error is not None
    assert run.error["Error"]["Code"] == "TransactionCanceledException"
    codes = [reason["Code"] for reason in run.error["CancellationReasons"]]
    assert codes == [
        "ConditionalCheckFailed" if entry is FAILING_CHECK else "None" for entry in transact_items
    ]
    assert run.after == run.before
    assert_module_restored(run)
    reference = run_transaction(transact_items, fast=False)
    assert reference.after == reference.before
    assert run.error == reference.error


def test_successful_transaction_applies_every_operation() -> None:
    run = run_transaction([*WRITES, PASSING_CHECK], fast=True)
    assert run.error is None
    assert_module_restored(run)
    items = run.after["items"]
    for new in ("CASE#5", "NEED#01"), ("CASE#1", "NEED#08"), ("CASE#6", "NEW#01"):
        assert repr((TABLE, *new)) in items
    for gone in ("CASE#1", "NEED#02"), ("CASE#2", "TASK#01"):
        assert repr((TABLE, *gone)) not in items
    updated = items[repr((TABLE, "CASE#1", "NEED#01"))]["Attributes"]
    assert updated["name"] == S("Updated")
    assert "history" not in updated
    assert repr((MARKERS, "PRISONNO#A0009AA", None)) in items
    assert repr((MARKERS, "PRISONNO#A0001AA", None)) not in items
    reference = run_transaction([*WRITES, PASSING_CHECK], fast=False)
    assert reference.error is None
    assert run.after == reference.after


@pytest.mark.parametrize(
    ("transact_items", "message"),
    [
        (
            [*WRITES, update("CASE#1", "NEED#03"), delete("CASE#1", "NEED#03")],
            "multiple operations on one item",
        ),
        (
            [
                *WRITES,
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("CASE#1", "NEED#03"),
                        "UpdateExpression": "SET #n = #n + :one",  # name is a string
                        "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":one": N("1")},
                    }
                },
                PASSING_CHECK,
            ],
            "Incorrect operand type",
        ),
    ],
    ids=["two operations on one item", "update with the wrong operand type"],
)
def test_validation_error_inside_transaction_rolls_back(
    transact_items: list[dict[str, Any]], message: str
) -> None:
    run = run_transaction(transact_items, fast=True)
    assert run.error is not None
    assert run.error["Error"]["Code"] == "ValidationException"
    assert message in run.error["Error"]["Message"]
    assert run.after == run.before
    assert_module_restored(run)
    reference = run_transaction(transact_items, fast=False)
    assert run.error == reference.error
    assert reference.after == reference.before


def test_any_exception_after_writes_rolls_back_and_restores_copy() -> None:
    moto_transact = moto_speedups._original_transact

    def writes_then_fails(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
        moto_transact(backend, items)  # applies everything
        raise RuntimeError("after the writes")

    with moto.mock_aws():
        assert_moto_original_installed()
        client = dynamodb_client()
        seed(client)
        before = state(client)
        try:
            with pytest.MonkeyPatch.context() as patch:
                moto_speedups.install()
                patch.setattr(moto_speedups, "_original_transact", writes_then_fails)
                with pytest.raises(RuntimeError, match="after the writes"):
                    backend().transact_write_items([*WRITES, PASSING_CHECK])
                assert dynamodb_models.copy is copy
        finally:
            moto_speedups.uninstall()
        assert state(client) == before


@pytest.mark.parametrize(
    "transact_items",
    [
        [delete("CASE#1", "NEED#01"), {"Delete": {"TableName": TABLE, "Key": {"pk": S("CASE#1")}}}],
        [put("CASE#1", "NEED#09"), {"Put": {"TableName": TABLE, "Item": {"pk": S("CASE#1"), "x": N("1")}}}],
    ],
    ids=["Delete without its sort key", "Put without its sort key"],
)
def test_transaction_missing_a_key_attribute_fails_like_moto(transact_items: list[dict[str, Any]]) -> None:
    reference = run_transaction(transact_items, fast=False)
    assert reference.error is not None
    assert reference.after == reference.before
    try:
        run = run_transaction(transact_items, fast=True)
    except Exception as crash:
        pytest.fail(
            f"with the fast path the client raised {type(crash).__name__}: {crash}; moto answers {reference.error}"
        )
    assert run.error == reference.error
    assert run.after == run.before
    assert_module_restored(run)


# -- 4. queries read only their candidates --------------------------------------------------------
STAGES = ("GROUP#a", "GROUP#b", "GROUP#c")
PARTITIONS = ("CASE#1", "CASE#2", "CASE#3")


def random_item(rng: random.Random, pk: str, sk: str) -> dict[str, Any]:
    item: dict[str, Any] = {**key(pk, sk), "n": N(str(rng.randint(0, 9)))}
    if rng.random() < 0.8:  # the rest are not in either index
        item["stage"] = S(rng.choice(STAGES))
        item["release_on"] = S(f"2026-12-{rng.randint(1, 4):02d}")  # shared values: ties on the GSI key
        if rng.random() < 0.7:
            item["score"] = N(str(rng.randint(-3, 3)))
    return item


def random_write(rng: random.Random) -> Step:
    pk, sk = rng.choice(PARTITIONS), f"ITEM#{rng.randint(1, 6)}"
    kind = rng.choice(("put", "put", "move", "leave", "score", "delete", "batch", "transact", "cancelled"))
    if kind == "put":
        return Step("put", "put_item", {"TableName": TABLE, "Item": random_item(rng, pk, sk)})
    if kind == "move":  # to another GSI partition, or into the index (an update creating the item)
        update = "SET stage = :stage, release_on = :on"
        values = {":stage": S(rng.choice(STAGES)), ":on": S(f"2026-12-{rng.randint(1, 4):02d}")}
        return Step(
            "move",
            "update_item",
            {
                "TableName": TABLE,
                "Key": key(pk, sk),
                "UpdateExpression": update,
                "ExpressionAttributeValues": values,
            },
        )
    if kind == "leave":  # out of by_stage (no range key) or out of every index
        remove = rng.choice(("release_on", "stage"))
        return Step(
            "leave",
            "update_item",
            {"TableName": TABLE, "Key": key(pk, sk), "UpdateExpression": f"REMOVE {remove}"},
        )
    if kind == "score":  # a failed condition leaves the item as it was
        kwargs = {
            "TableName": TABLE,
            "Key": key(pk, sk),
            "UpdateExpression": "SET score = :s",
            "ExpressionAttributeValues": {":s": N(str(rng.randint(-3, 3)))},
        }
        if rng.random() < 0.5:
            kwargs["ConditionExpression"] = "attribute_exists(pk)"
        return Step("score", "update_item", kwargs)
    if kind == "delete":
        return Step("delete", "delete_item", {"TableName": TABLE, "Key": key(pk, sk)})
    if kind == "batch":
        requests = [
            {"PutRequest": {"Item": random_item(rng, rng.choice(PARTITIONS), f"ITEM#{n}")}}
            if rng.random() < 0.7
            else {"DeleteRequest": {"Key": key(rng.choice(PARTITIONS), f"ITEM#{n}")}}
            for n in rng.sample(range(1, 7), 3)
        ]
        return Step("batch", "batch_write_item", {"RequestItems": {TABLE: requests}})
    others = [("CASE#4", f"ITEM#{n}") for n in range(1, 4)]
    writes: list[dict[str, Any]] = [
        {"Put": {"TableName": TABLE, "Item": random_item(rng, *others[0])}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": key(pk, sk),
                "UpdateExpression": "SET stage = :stage, release_on = :on",
                "ExpressionAttributeValues": {":stage": S(rng.choice(STAGES)), ":on": S("2026-12-02")},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": key(*others[1])}},
    ]
    if kind == "cancelled":
        writes.append(check(*others[2], "attribute_exists(nothing)"))
    return Step(kind, "transact_write_items", {"TransactItems": writes})


def queries_of_every_partition() -> list[Step]:
    steps = [
        Step(
            f"by_stage {stage}",
            "query",
            {**query("by_stage"), "ExpressionAttributeValues": {":stage": S(stage)}},
        )
        for stage in STAGES
    ]
    steps += [
        Step(
            "by_score range, reversed, paged",
            "query",
            {
                "TableName": TABLE,
                "IndexName": "by_score",
                "KeyConditionExpression": "stage = :stage AND score > :low",
                "ExpressionAttributeValues": {":stage": S("GROUP#a"), ":low": N("-2")},
                "ScanIndexForward": False,
                "Limit": 2,
            },
        ),
        Step(
            "by_stage filtered",
            "query",
            {
                **query("by_stage"),
                "FilterExpression": "n > :five",
                "ExpressionAttributeValues": {":stage": S("GROUP#b"), ":five": N("5")},
            },
        ),
    ]
    steps += [
        Step(f"table {pk}", "query", {**query(), "ExpressionAttributeValues": {":pk": S(pk)}})
        for pk in (*PARTITIONS, "CASE#4", "CASE#9")
    ]
    sort_key_conditions = {
        "begins_with": ("begins_with(sk, :a)", {":a": S("ITEM#")}),
        "between": ("sk BETWEEN :a AND :b", {":a": S("ITEM#2"), ":b": S("ITEM#4")}),
        "below": ("sk < :a", {":a": S("ITEM#3")}),
        "at or above": ("sk >= :a", {":a": S("ITEM#5")}),
        "equal": ("sk = :a", {":a": S("ITEM#1")}),
    }
    for name, (condition, values) in sort_key_conditions.items():
        for extra in ({}, {"ScanIndexForward": False}, {"Limit": 2}):
            steps.append(
                Step(
                    f"table CASE#1 sort key {name} {extra}",
                    "query",
                    {
                        "TableName": TABLE,
                        "KeyConditionExpression": f"pk = :pk AND {condition}",
                        "ExpressionAttributeValues": {":pk": S("CASE#1"), **values},
                        **extra,
                    },
                )
            )
    steps.append(
        Step(
            "hash-only table",
            "query",
            {
                "TableName": MARKERS,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": S("PRISONNO#A0001AA")},
            },
        )
    )
    return steps


def interleaved_steps(writes: int) -> list[Step]:
    rng = random.Random(20261127)
    steps = [Step("queries before any write", "query", query("by_stage"))]  # builds the kept indexes
    steps += queries_of_every_partition()
    for _ in range(writes):
        steps.append(random_write(rng))
        steps += queries_of_every_partition()
    return steps


def run_paged(client: Any, step: Step) -> Outcome:
    """A query and every further page it leads to, as one outcome."""
    pages: list[Outcome] = []
    kwargs = dict(step.kwargs)
    while True:
        outcome = run_step(client, Step(step.name, step.operation, kwargs), [])
        pages.append(outcome)
        last = outcome.response.get("LastEvaluatedKey") if outcome.kind == "ok" else None
        if step.operation != "query" or not last:
            return Outcome(outcome.kind, [page.response for page in pages])
        kwargs = {**kwargs, "ExclusiveStartKey": last}


@dataclass
class QueryRun:
    outcomes: list[Outcome]
    walks: list[tuple[int, int]] = field(default_factory=list)  # (items a query read, items in the table)


def run_interleaved(steps: list[Step], fast: bool) -> QueryRun:
    run = QueryRun([])
    with moto.mock_aws():
        assert_moto_original_installed()
        client = dynamodb_client()
        create_tables(client)
        client.put_item(TableName=MARKERS, Item={"pk": S("PRISONNO#A0001AA"), "case_id": S("CASE#1")})
        try:
            with pytest.MonkeyPatch.context() as patch:
                if fast:
                    moto_speedups.install()

                    def walked(table: Table) -> list[Item]:
                        items = moto_speedups.all_items(table)
                        stored = sum(len(p) if table.range_key_attr else 1 for p in table.items.values())
                        run.walks.append((len(items), stored))
                        return items

                    patch.setattr(Table, "all_items", walked)
                run.outcomes = [run_paged(client, step) for step in steps]
        finally:
            moto_speedups.uninstall()
    return run


@pytest.fixture(scope="module")
def interleaved() -> tuple[list[Step], QueryRun, QueryRun]:
    steps = interleaved_steps(writes=60)
    return steps, run_interleaved(steps, fast=False), run_interleaved(steps, fast=True)


def test_queries_answer_like_moto_through_every_kind_of_write(
    interleaved: tuple[list[Step], QueryRun, QueryRun],
) -> None:
    steps, reference, fast = interleaved
    assert len(fast.outcomes) == len(reference.outcomes) == len(steps)
    for number, (step, expected, got) in enumerate(
        zip(steps, reference.outcomes, fast.outcomes, strict=True)
    ):
        assert got == expected, f"step {number} ({step.name}) differs from moto"


def test_the_interleaved_run_exercises_what_it_claims(
    interleaved: tuple[list[Step], QueryRun, QueryRun],
) -> None:
    steps, reference, _ = interleaved
    kinds = {step.name for step in steps}
    assert kinds >= {"put", "move", "leave", "score", "delete", "batch", "transact", "cancelled"}
    codes = {
        (step.name, outcome.response[0]["Error"]["Code"] if outcome.kind == "error" else "ok")
        for step, outcome in zip(steps, reference.outcomes, strict=True)
        if step.operation == "transact_write_items"
    }
    assert codes == {("transact", "ok"), ("cancelled", "TransactionCanceledException")}
    paged = [
        o
        for step, o in zip(steps, reference.outcomes, strict=True)
        if step.name.startswith("by_score") and len(o.response) > 1
    ]
    assert paged, "no by_score query ran to a second page"
    assert any(
        step.name.startswith("table CASE#1 sort key between") and o.kind == "ok" and o.response[0]["Items"]
        for step, o in zip(steps, reference.outcomes, strict=True)
    )
    non_empty = {
        step.name
        for step, o in zip(steps, reference.outcomes, strict=True)
        if step.operation == "query" and o.kind == "ok" and o.response[0]["Items"]
    }
    assert non_empty >= {f"by_stage {stage}" for stage in STAGES} | {f"table {pk}" for pk in PARTITIONS}


def test_queries_read_only_their_candidates(interleaved: tuple[list[Step], QueryRun, QueryRun]) -> None:
    """moto reads every item of the table for every query; here only a partition's worth."""
    steps, _, fast = interleaved
    assert len(fast.walks) >= sum(1 for step in steps if step.operation == "query")
    assert all(read <= stored for read, stored in fast.walks)
    read, stored = (sum(column) for column in zip(*fast.walks, strict=True))
    assert read < stored / 2, f"queries read {read} items of {stored}"


def test_uninstall_forgets_the_kept_indexes() -> None:
    with moto.mock_aws():
        client = dynamodb_client()
        seed(client)
        try:
            moto_speedups.install()
            client.query(**query("by_stage"))
            assert len(moto_speedups._kept) == 1
        finally:
            moto_speedups.uninstall()
        assert len(moto_speedups._kept) == 0
        client.put_item(TableName=TABLE, Item=rich_item("CASE#7", "NEED#01", "2026-12-01", "1"))  # unseen
        try:
            moto_speedups.install()
            pks = {item["pk"]["S"] for item in client.query(**query("by_stage"))["Items"]}
        finally:
            moto_speedups.uninstall()
        assert "CASE#7" in pks


def test_a_query_while_a_transaction_is_applied_does_not_lose_rolled_back_items() -> None:
    """Another thread may query between moto's writes and the rollback: the kept index must still
    hold the items the rollback puts back."""
    moto_transact = moto_speedups._original_transact
    move = {
        "Update": {
            "TableName": TABLE,
            "Key": key("CASE#1", "NEED#01"),
            "UpdateExpression": "SET stage = :b",
            "ExpressionAttributeValues": {":b": S("GROUP#b")},
        }
    }

    def writes_query_then_fails(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> None:
        moto_transact(backend, items)
        in_a = {
            (item["pk"]["S"], item["sk"]["S"])
            for item in dynamodb_client().query(**query("by_stage"))["Items"]
        }
        assert ("CASE#1", "NEED#01") not in in_a, "the query should see the transaction's write"
        raise RuntimeError("after the writes")

    with moto.mock_aws():
        client = dynamodb_client()
        seed(client)
        try:
            with pytest.MonkeyPatch.context() as patch:
                moto_speedups.install()
                before = client.query(**query("by_stage"))["Items"]
                patch.setattr(moto_speedups, "_original_transact", writes_query_then_fails)
                with pytest.raises(RuntimeError, match="after the writes"):
                    backend().transact_write_items([move])
                after = client.query(**query("by_stage"))["Items"]
        finally:
            moto_speedups.uninstall()
    assert ("CASE#1", "NEED#01") in {(item["pk"]["S"], item["sk"]["S"]) for item in before}
    assert after == before


# -- 5. the Step Functions interpreter's caches ---------------------------------------------------
WORKFLOW: dict[str, Any] = {
    "StartAt": "Shape",
    "States": {
        "Shape": {
            "Type": "Pass",
            "Parameters": {"items.$": "$.items", "kind.$": "$.kind", "topic.$": "$.topic"},
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.kind", "StringEquals": "fail", "Next": "Refuse"}],
            "Default": "EachItem",
        },
        "EachItem": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,  # iterations in order: histories comparable event by event
            "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Double",
                "States": {
                    "Double": {
                        "Type": "Pass",
                        "Parameters": {"doubled.$": "States.MathAdd($.value, $.value)", "index.$": "$.index"},
                        "End": True,
                    }
                },
            },
            "ResultPath": "$.doubled",
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {"TopicArn.$": "$.topic", "Message.$": "States.JsonToString($.doubled)"},
            "ResultSelector": {"sent": True},
            "ResultPath": "$.notified",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
            "Next": "Pause",
        },
        "Pause": {"Type": "Wait", "Seconds": 0, "Next": "Done"},
        "Done": {"Type": "Succeed"},
        "Refuse": {"Type": "Fail", "Error": "Canary", "Cause": "asked to fail"},
    },
}
IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|Request ID: \w+")


def workflow_inputs(topic: str) -> list[dict[str, Any]]:
    missing = topic.replace(":canary", ":no-such-topic")
    return [
        {"kind": "double", "items": [1, 2, 3], "topic": topic},
        {"kind": "double", "items": [], "topic": topic},
        {"kind": "double", "items": [5], "topic": missing},  # the task fails and is caught
        {"kind": "fail", "items": [1], "topic": topic},
    ] * 2


def comparable(history: list[dict[str, Any]]) -> list[Any]:
    """Event types and details, without times and generated ids."""
    events = [{k: v for k, v in event.items() if k != "timestamp"} for event in history]
    return json.loads(IDS.sub("<id>", json.dumps(events, default=str)))


@dataclass
class WorkflowRun:
    histories: list[list[Any]]
    statuses: list[str]
    parses: int = 0  # definitions moto parsed
    clients: int = 0  # clients moto built for task states
    jsonpaths: list[tuple[str, str]] = field(default_factory=list)  # (moto module, JSONPath) parsed


def run_workflows(fast: bool) -> WorkflowRun:
    """Start every input at once on a fresh moto that runs executions, then read their histories."""
    run = WorkflowRun([], [])
    with moto.mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name=REGION)
        topic = boto3.client("sns", region_name=REGION).create_topic(Name="canary")["TopicArn"]
        try:
            with pytest.MonkeyPatch.context() as patch:
                for module, original in stepfunctions_speedups._original_jsonpath_parsers.items():

                    def jsonpath_spy(path: str, original: Any = original, module: Any = module) -> Any:
                        run.jsonpaths.append((module.__name__, path))
                        return original(path)

                    if fast:  # under the cache
                        patch.setitem(stepfunctions_speedups._original_jsonpath_parsers, module, jsonpath_spy)
                    else:
                        patch.setattr(module, "parse", jsonpath_spy)
                if fast:
                    stepfunctions_speedups.install()
                    real_parse, real_client_for = (
                        stepfunctions_speedups._original_parse,
                        stepfunctions_speedups._original_client_for,
                    )

                    def parse_spy(definition: str) -> Any:
                        run.parses += 1
                        return real_parse(definition)

                    def client_spy(*args: Any, **kwargs: Any) -> Any:
                        run.clients += 1
                        return real_client_for(*args, **kwargs)

                    patch.setattr(stepfunctions_speedups, "_original_parse", parse_spy)
                    patch.setattr(stepfunctions_speedups, "_original_client_for", client_spy)
                machine = sfn.create_state_machine(
                    name="canary",
                    definition=json.dumps(WORKFLOW),
                    roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/canary",
                )["stateMachineArn"]
                arns = [
                    sfn.start_execution(stateMachineArn=machine, name=f"run-{n}", input=json.dumps(given))[
                        "executionArn"
                    ]
                    for n, given in enumerate(workflow_inputs(topic))
                ]
                deadline = time.monotonic() + 60
                while any(sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" for arn in arns):
                    assert time.monotonic() < deadline, "executions did not finish"
                    time.sleep(0.05)
                run.statuses = [sfn.describe_execution(executionArn=arn)["status"] for arn in arns]
                run.histories = [
                    comparable(sfn.get_execution_history(executionArn=arn)["events"]) for arn in arns
                ]
        finally:
            stepfunctions_speedups.uninstall()
    return run


def test_cached_parse_and_clients_run_workflows_like_moto() -> None:
    reference, fast = run_workflows(fast=False), run_workflows(fast=True)
    assert reference.statuses == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED"] * 2
    caught = [e for e in reference.histories[2] if e["type"] == "TaskFailed"]
    assert caught, "the task on a missing topic should fail (and be caught)"
    assert any(e["type"] == "MapIterationSucceeded" for e in reference.histories[0])
    assert fast.statuses == reference.statuses
    for number, (expected, got) in enumerate(zip(reference.histories, fast.histories, strict=True)):
        assert got == expected, f"execution {number} differs from moto's"
    assert fast.parses == 1, f"the definition was parsed {fast.parses} times"
    assert fast.clients == 1, f"{fast.clients} SNS clients were built for the tasks"
    assert {"$.items", "$.notified", "$.Map.Item.Value"} <= {path for _, path in reference.jsonpaths}
    assert {module for module, _ in reference.jsonpaths} == {json_path.__name__, result_path.__name__}
    assert set(fast.jsonpaths) == set(reference.jsonpaths)
    # Once per path and module, or a few times when executions first meet a path at the same moment.
    assert len(fast.jsonpaths) < len(reference.jsonpaths) / 4, (len(fast.jsonpaths), len(reference.jsonpaths))


def test_uninstall_restores_moto_parse_and_clients() -> None:
    stepfunctions_speedups.install()
    stepfunctions_speedups.uninstall()
    assert AmazonStateLanguageParser.parse is stepfunctions_speedups._original_parse
    for module in (boto_client, lambda_eval_utils, state_task_service_sns):
        assert module.boto_client_for is stepfunctions_speedups._original_client_for, module.__name__
    assert json_path.parse is jsonpath_ng.ext.parse
    assert result_path.parse is jsonpath_ng.parse
    assert not stepfunctions_speedups._parsed and not stepfunctions_speedups._clients


# -- 6. per-request savings -----------------------------------------------------------------------
LOCAL_STACK_SERVICES = (
    "dynamodb",
    "sqs",
    "sns",
    "lambda",
    "stepfunctions",
    "scheduler",
    "iam",
    "cognito-idp",
)


def create_one_of_each(sent: list[dict[str, str]]) -> dict[str, str]:
    """A resource in every service the local stack uses; their ARNs and URLs name account and region."""
    session = boto3.session.Session(region_name=REGION)
    clients = {name: session.client(name) for name in LOCAL_STACK_SERVICES}
    for client in clients.values():
        client.meta.events.register("before-send", lambda request, **_: sent.append(dict(request.headers)))
    role = clients["iam"].create_role(RoleName="canary", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return {
        "table": clients["dynamodb"].create_table(
            TableName="canary",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )["TableDescription"]["TableArn"],
        "queue": clients["sqs"].create_queue(QueueName="canary")["QueueUrl"],
        "topic": clients["sns"].create_topic(Name="canary")["TopicArn"],
        "role": role,
        "function": clients["lambda"].create_function(
            FunctionName="canary",
            Runtime="python3.13",
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": zipped.getvalue()},
        )["FunctionArn"],
        "machine": clients["stepfunctions"].create_state_machine(
            name="canary",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=role,
        )["stateMachineArn"],
        "schedule group": clients["scheduler"].create_schedule_group(Name="canary")["ScheduleGroupArn"],
        "user pool": clients["cognito-idp"].create_user_pool(PoolName="canary")["UserPool"]["Arn"],
    }


def test_unsigned_requests_reach_the_same_account_and_region() -> None:
    signed_headers: list[dict[str, str]] = []
    unsigned_headers: list[dict[str, str]] = []
    with moto.mock_aws():
        signed = create_one_of_each(signed_headers)
    with moto.mock_aws():
        try:
            request_speedups.install()
            unsigned = create_one_of_each(unsigned_headers)
        finally:
            request_speedups.uninstall()
    assert all("Authorization" in headers for headers in signed_headers)
    assert unsigned_headers and not any("Authorization" in headers for headers in unsigned_headers)
    pool_id = re.compile(r"userpool/eu-west-2_\w+")
    assert {k: pool_id.sub("userpool/<id>", v) for k, v in unsigned.items()} == {
        k: pool_id.sub("userpool/<id>", v) for k, v in signed.items()
    }
    assert all(DEFAULT_ACCOUNT_ID in value for value in signed.values())
    assert all(REGION in value for name, value in signed.items() if name != "role")


def response_classes() -> list[type]:
    """moto's response class of every service the local stack uses, and all their subclasses."""
    for module in ("dynamodb", "sqs", "sns", "awslambda", "stepfunctions", "scheduler", "iam", "cognitoidp"):
        importlib.import_module(f"moto.{module}.responses")
    return subclasses_of(BaseResponse)


def test_one_name_action_lookup_answers_like_moto() -> None:
    classes = response_classes()
    assert len(classes) > 8
    operations = {
        camelcase_to_underscores(operation)
        for service in LOCAL_STACK_SERVICES
        for operation in botocore.session.get_session().get_service_model(service).operation_names
    }
    checked = 0
    for cls in classes:
        listed = request_speedups._original_method_names(cls)
        looked_up = request_speedups.FunctionNames(cls)
        for name in {*dir(cls), *operations, "no_such_action", "__init__"}:
            assert (name in looked_up) == (name in listed), f"{cls.__name__}.{name}"
            checked += 1
        assert listed, f"moto listed no functions of {cls.__name__}"
    assert checked > 5_000
    dynamo = request_speedups.FunctionNames(DynamoHandler)
    assert "get_item" in dynamo and "transact_write_items" in dynamo and "dynamodb_backend" not in dynamo


def test_uninstall_restores_signing_and_moto_lookup() -> None:
    request_speedups.install()
    request_speedups.uninstall()
    assert moto_responses.method_names_from_class is request_speedups._original_method_names
    assert botocore.parsers.PROTOCOL_PARSERS["json"] is botocore.parsers.JSONParser
    assert RequestSigner._choose_signer is request_speedups._original_choose_signer
    assert BotocoreStubber.__call__ is request_speedups._original_intercept
    assert MotoRandom.get_random_string is request_speedups._original_random_string


@pytest.mark.parametrize(
    "options",
    [{}, {"length": 52}, {"length": 8, "include_digits": False}, {"length": 30, "lower_case": True}],
)
def test_random_strings_have_moto_shape_and_repeat_when_seeded(options: dict[str, Any]) -> None:
    moto_made = [MotoRandom(seed).get_random_string(**options) for seed in range(200)]
    request_speedups.install()
    try:
        drawn = [MotoRandom(seed).get_random_string(**options) for seed in range(200)]
        again = [MotoRandom(seed).get_random_string(**options) for seed in range(200)]
    finally:
        request_speedups.uninstall()
    assert drawn == again, "a seeded generator repeats its strings"
    pool = set(string.ascii_letters + (string.digits if options.get("include_digits", True) else ""))
    if options.get("lower_case"):
        pool = {c.lower() for c in pool}
    for theirs, ours in zip(moto_made, drawn, strict=True):
        assert len(ours) == len(theirs) == options.get("length", 20)
        assert set(ours) <= pool and set(theirs) <= pool
    assert len(set(drawn)) == len(drawn), "200 seeds, 200 different strings"


def random_attribute_value(rng: random.Random, depth: int = 0, *, valid: bool = False) -> Any:
    """A random attribute value; unless `valid`, some are not DynamoDB's (botocore parses them anyway)."""
    kinds = ["S", "N", "B", "SS", "NS", "BS", "NULL", "BOOL"]
    if not valid:
        kinds += ["none", "two tags", "unknown tag"]
    if depth < 4:
        kinds += ["M", "M", "L", "L"]
    kind = rng.choice(kinds)

    def blob() -> str:
        return base64.b64encode(rng.randbytes(rng.randint(0, 6))).decode()

    def text() -> str:
        return rng.choice(["", "plain", "Testy Exämple ☃", "😀", "1.50"])

    value: Any = {
        "S": lambda: {"S": text()},
        "N": lambda: {"N": rng.choice(["0", "-1.5", "12345678901234567890"])},
        "B": lambda: {"B": blob()},
        "SS": lambda: {"SS": [text() for _ in range(rng.randint(0, 3))]},
        "NS": lambda: {"NS": [str(rng.randint(-9, 9)) for _ in range(rng.randint(0, 3))]},
        "BS": lambda: {"BS": [blob() for _ in range(rng.randint(0, 3))]},
        "NULL": lambda: {"NULL": True},
        "BOOL": lambda: {"BOOL": rng.random() < 0.5},
        "none": lambda: None,
        "two tags": lambda: {"N": "1", "S": "x", "NULL": None},  # not valid DynamoDB: parsed as botocore does
        "unknown tag": lambda: {"X": "y"},
        "M": lambda: {
            "M": {
                text() + str(n): random_attribute_value(rng, depth + 1, valid=valid)
                for n in range(rng.randint(0, 4))
            }
        },
        "L": lambda: {
            "L": [random_attribute_value(rng, depth + 1, valid=valid) for _ in range(rng.randint(0, 4))]
        },
    }[kind]()
    return value


def test_items_parser_parses_dynamodb_responses_like_botocore() -> None:
    rng = random.Random(20261127)
    model = botocore.session.get_session().get_service_model("dynamodb")
    generic, fast = botocore.parsers.JSONParser(), request_speedups.ItemsParser()
    attribute_value = model.shape_for("AttributeValue")
    values = [random_attribute_value(rng) for _ in range(3000)]
    assert [fast._parse_shape(attribute_value, v) for v in values] == [
        generic._parse_shape(attribute_value, v) for v in values
    ]
    items = [
        {"pk": {"S": f"CASE#{n}"}, **{f"a{k}": random_attribute_value(rng) for k in range(6)}}
        for n in range(40)
    ]
    bodies = {
        "Query": {"Items": items, "Count": 40, "ScannedCount": 40, "LastEvaluatedKey": {"pk": {"B": "AP8="}}},
        "GetItem": {"Item": items[0], "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.0}},
        "BatchGetItem": {"Responses": {"t": items[:5]}, "UnprocessedKeys": {}},
        "TransactWriteItems": {},
        "DescribeTable": {"Table": {"TableName": "t", "CreationDateTime": 1764201600.5, "ItemCount": 3}},
    }
    for operation, body in bodies.items():
        response = {"status_code": 200, "headers": {}, "body": json.dumps(body).encode()}
        shape = model.operation_model(operation).output_shape
        assert fast.parse(dict(response), shape) == generic.parse(dict(response), shape), operation
    error = {
        "status_code": 400,
        "headers": {},
        "body": b'{"__type": "x#ConditionalCheckFailedException", "Item": {"a": {"B": "AA=="}}}',
    }
    shape = model.operation_model("PutItem").output_shape
    assert fast.parse(dict(error), shape) == generic.parse(dict(error), shape)


def test_items_parser_leaves_other_services_to_botocore() -> None:
    attribute_value = botocore.session.get_session().get_service_model("dynamodb").shape_for("AttributeValue")
    assert request_speedups._is_attribute_value(attribute_value)
    for service in LOCAL_STACK_SERVICES:
        model = botocore.session.get_session().get_service_model(service)
        for name in model.shape_names:
            shape = model.shape_for(name)
            if request_speedups._is_attribute_value(shape):
                assert service == "dynamodb" and name == "AttributeValue", (service, name)


def test_a_sort_key_condition_pages_by_the_items_it_selects() -> None:
    """The one answer that moves from moto's towards DynamoDB's. A key condition selects a run of
    sort keys; moto also weighs the item after the run against the 1 MB page. Five 150 KB items
    match (750 KB: one page on DynamoDB) and a 300 KB item follows them: moto answers the five with
    a LastEvaluatedKey whose page is empty; here, as on DynamoDB, the five are the whole answer."""
    items = [{**key("CASE#1", f"NEED#{n}"), "text": S("x" * 150_000)} for n in range(1, 6)]
    items.append({**key("CASE#1", "OTHER#1"), "text": S("y" * 300_000)})
    needs = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":pk": S("CASE#1"), ":a": S("NEED#1"), ":b": S("NEED#5")},
        "ProjectionExpression": "sk",
    }
    pages: dict[bool, list[list[str]]] = {}
    for fast in (False, True):
        with moto.mock_aws():
            client = dynamodb_client()
            create_tables(client)
            for item in items:
                client.put_item(TableName=TABLE, Item=item)
            try:
                if fast:
                    moto_speedups.install()
                pages[fast] = []
                kwargs: dict[str, Any] = dict(needs)
                while True:
                    page = client.query(**kwargs)
                    pages[fast].append([i["sk"]["S"] for i in page["Items"]])
                    if "LastEvaluatedKey" not in page:
                        break
                    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            finally:
                moto_speedups.uninstall()
    five = [f"NEED#{n}" for n in range(1, 6)]
    assert pages[False] == [five, []], "moto: the five, then an empty page"
    assert pages[True] == [five], "the five in one page, as DynamoDB answers"


# -- 7. items measured once -----------------------------------------------------------------------
def built(init: Any, attrs: dict[str, Any]) -> Any:
    """An item built by `init`, or the name of the validation error it refuses the attributes with."""
    item = Item.__new__(Item)
    try:
        init(item, DynamoType(S("CASE#1")), DynamoType(S("NEED#1")), attrs)
    except MockValidationException as refused:
        return type(refused).__name__
    assert type(item.attrs) is LimitedSizeDict
    return (item.hash_key, item.range_key, list(item.attrs.items()))


def sized(total: int, parts: int) -> dict[str, Any]:
    """Attributes whose names and values add up to `total` bytes, in `parts` attributes."""
    sizes = [total // parts] * parts
    sizes[-1] += total - sum(sizes)
    return {f"t{n}": S("x" * (size - len(f"t{n}"))) for n, size in enumerate(sizes)}


def test_items_are_measured_once_and_refused_at_the_same_attribute() -> None:
    rng = random.Random(20261127)
    examples: list[dict[str, Any]] = [RICH, *BINARY_SEED, {}]
    examples += [
        {f"a{n}": random_attribute_value(rng, valid=True) for n in range(rng.randint(1, 30))}
        for _ in range(300)
    ]
    examples += [sized(total, parts) for total in (404_999, 405_000, 405_001, 500_000) for parts in (1, 2, 5)]
    examples.append({"small": S("x"), "huge": S("y" * 405_000), "after": S("z")})
    outcomes = [(built(Item.__init__, e), built(moto_speedups.item_init, e)) for e in examples]
    for number, (moto_item, fast_item) in enumerate(outcomes):
        assert fast_item == moto_item, f"example {number}"
    refused = [moto_item for moto_item, _ in outcomes if isinstance(moto_item, str)]
    assert len(refused) == 7 and set(refused) == {"ItemSizeTooLarge"}
