"""Canaries for the moto private internals the local stack patches or reads (moto is pinned to 5.2.5).

One test per internal. When moto is upgraded and one of these fails, the named local module must be
checked against the new moto before the pin moves. Each test also checks that it is looking at
moto's own code, not a patch left installed by a local stack that was not shut down.
"""

from __future__ import annotations

import ast
import copy
import datetime
import importlib
import importlib.metadata
import inspect
import json
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.endpoint
import botocore.parsers
import jsonpath_ng
import jsonpath_ng.ext
import moto.core.responses as moto_responses
import moto.core.utils as moto_utils
import moto.dynamodb.models as dynamodb_models
from botocore.signers import RequestSigner
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.core.responses import ActionResult, BaseResponse
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import GlobalSecondaryIndex, Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.component import Component
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as timestamp_mod
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackPoolManager
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.event.event_manager import EventHistoryContext
from moto.stepfunctions.parser.asl.eval.program_state import ProgramRunning, ProgramStopped
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client, json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

MOTO_PIN = "5.2.5"
VIRTUAL_TIME = "local/throughgate_local/virtual_time.py"
LAMBDA_BRIDGE = "local/throughgate_local/lambda_bridge.py"
STACK = "local/throughgate_local/stack.py"
SPEEDUPS = "local/throughgate_local/moto_speedups.py"
SFN_SPEEDUPS = "local/throughgate_local/stepfunctions_speedups.py"


def assert_pinned(dependent: str) -> None:
    version = importlib.metadata.version("moto")
    assert version == MOTO_PIN, f"{dependent} patches moto {MOTO_PIN} internals; installed moto is {version}"


def params(func: Callable[..., Any]) -> list[str]:
    return list(inspect.signature(func).parameters)


def assert_moto_original(func: Callable[..., Any], dependent: str) -> None:
    module = getattr(func, "__module__", "")
    assert module.startswith("moto."), (
        f"{func!r} comes from {module}, not moto: a patch from {dependent} was left installed "
        "(a LocalStack not exited?), so this canary cannot see moto's own signature"
    )


def attribute_uses(module: ModuleType, name: str) -> set[str]:
    """Attributes read from a module-level `name` anywhere in `module`'s source (`name.attr`)."""
    tree = ast.parse(inspect.getsource(module))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name
    }


def source_of(func: Callable[..., Any]) -> str:
    return textwrap.dedent(inspect.getsource(func))


def bare_environment() -> Environment:
    return Environment(
        aws_execution_details=None,  # type: ignore[arg-type]
        execution_type=None,  # type: ignore[arg-type]
        context={"Execution": {"Input": {}}, "StateMachine": {}},  # type: ignore[typeddict-item]
        event_history_context=EventHistoryContext.of_program_start(),
        cloud_watch_logging_session=None,
        activity_store={},
    )


# -- virtual_time.py ------------------------------------------------------------------------------
def test_wait_function_wait_interval() -> None:
    assert_pinned(VIRTUAL_TIME)
    assert hasattr(WaitFunction, "_wait_interval"), f"{VIRTUAL_TIME} replaces WaitFunction._wait_interval"
    assert_moto_original(WaitFunction._wait_interval, VIRTUAL_TIME)
    assert params(WaitFunction._wait_interval) == ["self", "env", "wait_seconds"], (
        f"{VIRTUAL_TIME} replaces WaitFunction._wait_interval with (self, env, wait_seconds)"
    )
    assert "self._wait_interval(env=env, wait_seconds=" in source_of(WaitFunction._eval_body), (
        f"{VIRTUAL_TIME}: every Wait must still go through _wait_interval"
    )


def test_timestamp_wait_uses_module_datetime_now() -> None:
    assert_pinned(VIRTUAL_TIME)
    assert timestamp_mod.datetime is datetime, (
        f"{VIRTUAL_TIME} swaps the module-level `datetime` name of moto's timestamp Wait module"
    )
    get_wait_seconds = timestamp_mod.Timestamp._get_wait_seconds
    assert_moto_original(get_wait_seconds, VIRTUAL_TIME)
    assert params(get_wait_seconds) == ["self", "env"]
    assert "datetime.datetime.now()" in source_of(get_wait_seconds), (
        f"{VIRTUAL_TIME}: the timestamp Wait must compute its delay from datetime.datetime.now()"
    )
    assert attribute_uses(timestamp_mod, "datetime") <= {"datetime", "timezone", "timedelta"}, (
        f"{VIRTUAL_TIME}'s stand-in `datetime` module only offers datetime, timezone and timedelta"
    )
    assert issubclass(timestamp_mod.TimestampPath, timestamp_mod.Timestamp), (
        f"{VIRTUAL_TIME}: TimestampPath waits must share Timestamp's clock read"
    )


def test_retrier_sleeps_through_module_time() -> None:
    assert_pinned(VIRTUAL_TIME)
    assert retrier_decl.time is time, f"{VIRTUAL_TIME} swaps the module-level `time` name of retrier_decl"
    assert attribute_uses(retrier_decl, "time") == {"sleep"}, (
        f"{VIRTUAL_TIME}'s stand-in `time` only offers sleep(); retrier_decl must use nothing else"
    )
    assert "time.sleep(" in source_of(retrier_decl.RetrierDecl._eval_body), (
        f"{VIRTUAL_TIME}: Retry intervals must be slept in RetrierDecl._eval_body"
    )


def test_callback_endpoint_wait_notify_interrupt_and_event() -> None:
    assert_pinned(VIRTUAL_TIME)
    for name, expected in {
        "wait": ["self", "timeout"],
        "notify": ["self", "outcome"],
        "interrupt_all": ["self"],
    }.items():
        method = getattr(CallbackEndpoint, name, None)
        assert method is not None, f"{VIRTUAL_TIME} wraps CallbackEndpoint.{name}"
        assert_moto_original(method, VIRTUAL_TIME)
        assert params(method) == expected, f"{VIRTUAL_TIME} wraps CallbackEndpoint.{name}{tuple(expected)}"
    assert inspect.signature(CallbackEndpoint.wait).parameters["timeout"].default is None

    endpoint = CallbackEndpoint("canary-token")
    assert isinstance(endpoint._notify_event, threading.Event), (
        f"{VIRTUAL_TIME} reads CallbackEndpoint._notify_event.is_set()"
    )
    assert not endpoint._notify_event.is_set()
    endpoint.interrupt_all()
    assert endpoint._notify_event.is_set(), f"{VIRTUAL_TIME}: interrupt_all must set _notify_event"


def test_a_task_token_wait_is_given_the_task_timeout_and_none_means_timed_out() -> None:
    """virtual_time.py parks a `.waitForTaskToken` until its TimeoutSeconds on the virtual clock: moto
    passes the task's timeout to CallbackEndpoint.wait and treats no outcome as States.Timeout."""
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as callback_task,
    )

    assert_pinned(VIRTUAL_TIME)
    assert TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS == 99999999, (
        f"{VIRTUAL_TIME} treats DEFAULT_TIMEOUT_SECONDS as no timeout"
    )
    waiting = source_of(callback_task.StateTaskServiceCallback._wait_for_task_token_timeout)
    assert "callback_endpoint.wait(" in waiting and "timeout=timeout_seconds" in waiting
    evaluating = source_of(callback_task.StateTaskServiceCallback._eval_wait_for_task_token)
    assert "if outcome is None:" in evaluating and "CallbackOutcomeTimedOut" in evaluating
    endpoint = CallbackEndpoint("canary-timeout")
    endpoint.interrupt_all()
    assert endpoint.wait(timeout=0) is None, f"{VIRTUAL_TIME}: an unanswered token's wait returns None"


def test_scheduler_backend_keeps_schedules_by_group() -> None:
    """stack.py reads the one-time schedules from moto's backend to fire the due ones."""
    from moto.scheduler.models import scheduler_backends

    assert_pinned(STACK)
    with mock_aws():
        client = boto3.client("scheduler", region_name="eu-west-2")
        client.create_schedule_group(Name="canary")
        client.create_schedule(
            Name="start-canary",
            GroupName="canary",
            ScheduleExpression="at(2030-01-01T00:00:00)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:lambda:eu-west-2:123456789012:function:f", "RoleArn": "r", "Input": "{}"},
        )
        client.update_schedule(
            Name="start-canary",
            GroupName="canary",
            ScheduleExpression="at(2030-02-01T00:00:00)",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": "arn:aws:lambda:eu-west-2:123456789012:function:g", "RoleArn": "r", "Input": "{}"},
        )
        schedule = (
            scheduler_backends["123456789012"]["eu-west-2"]
            .schedule_groups["canary"]
            .schedules["start-canary"]
        )
        assert schedule.schedule_expression == "at(2030-02-01T00:00:00)"
        assert schedule.target["Arn"].endswith(":function:g") and schedule.target["Input"] == "{}"


def test_execution_worker_start_logic_stop_and_env() -> None:
    assert_pinned(VIRTUAL_TIME)
    for name, expected in {
        "start": ["self"],
        "_execution_logic": ["self"],
        "stop": ["self", "stop_date", "error", "cause"],
    }.items():
        method = getattr(ExecutionWorker, name, None)
        assert method is not None, f"{VIRTUAL_TIME} wraps ExecutionWorker.{name}"
        assert_moto_original(method, VIRTUAL_TIME)
        assert params(method) == expected, f"{VIRTUAL_TIME} wraps ExecutionWorker.{name}{tuple(expected)}"
    assert "target=self._execution_logic" in source_of(ExecutionWorker.start), (
        f"{VIRTUAL_TIME} counts an execution as ended when _execution_logic returns"
    )
    worker = ExecutionWorker(
        evaluation_details=None,  # type: ignore[arg-type]
        exec_comm=None,  # type: ignore[arg-type]
        cloud_watch_logging_session=None,
        activity_store={},
    )
    assert hasattr(worker, "env"), f"{VIRTUAL_TIME} reads ExecutionWorker.env in stop()"


def test_environment_set_error_and_program_state() -> None:
    assert_pinned(VIRTUAL_TIME)
    assert_moto_original(Environment.set_error, VIRTUAL_TIME)
    assert params(Environment.set_error) == ["self", "error"], (
        f"{VIRTUAL_TIME} replaces Environment.set_error(self, error)"
    )
    assert "frame.set_error(error=error)" in source_of(Environment.set_error), (
        f"{VIRTUAL_TIME}'s set_error takes `error` by keyword from moto's frame propagation"
    )
    env = bare_environment()
    assert hasattr(env, "_program_state"), f"{VIRTUAL_TIME} reads Environment._program_state"
    env.next_state_name = "Canary"
    assert isinstance(env._program_state, ProgramRunning)
    env.set_stop(stop_date=None, cause=None, error=None)  # type: ignore[arg-type]
    assert isinstance(env._program_state, ProgramStopped), (
        f"{VIRTUAL_TIME} recognises a stopped execution by `_program_state` being a ProgramStopped"
    )


def test_environment_callback_pool_and_frames() -> None:
    assert_pinned(VIRTUAL_TIME)
    env = bare_environment()
    env.next_state_name = "Canary"
    frame = env.open_frame()
    endpoint = env.callback_pool_manager.add("canary-token")

    assert isinstance(env.callback_pool_manager, CallbackPoolManager)
    assert dict(env.callback_pool_manager._pool) == {"canary-token": endpoint}, (
        f"{VIRTUAL_TIME} finds a stopped execution's callbacks in env.callback_pool_manager._pool"
    )
    assert frame.callback_pool_manager is env.callback_pool_manager, (
        f"{VIRTUAL_TIME}: Map/Parallel frames must share the execution's callback pool"
    )
    assert any(f is frame for f in env._frames), f"{VIRTUAL_TIME} matches frames through env._frames"
    env.set_stop(stop_date=None, cause=None, error=None)  # type: ignore[arg-type]
    assert isinstance(frame._program_state, ProgramStopped)


# -- lambda_bridge.py -----------------------------------------------------------------------------
def test_lambda_function_invoke_lambda() -> None:
    assert_pinned(LAMBDA_BRIDGE)
    assert_moto_original(LambdaFunction._invoke_lambda, LAMBDA_BRIDGE)
    signature = inspect.signature(LambdaFunction._invoke_lambda)
    assert list(signature.parameters) == ["self", "event"], (
        f"{LAMBDA_BRIDGE} replaces LambdaFunction._invoke_lambda(self, event)"
    )
    returned = signature.return_annotation
    assert (returned if isinstance(returned, str) else repr(returned)) == "tuple[str, bool, str]", (
        f"{LAMBDA_BRIDGE} returns (body, errored, logs) from _invoke_lambda"
    )
    assert "self._invoke_lambda(event=" in source_of(LambdaFunction.invoke), (
        f"{LAMBDA_BRIDGE}: LambdaFunction.invoke passes `event` by keyword"
    )


# -- stack.py -------------------------------------------------------------------------------------
def test_dynamo_handler_call_action_and_get_action() -> None:
    assert_pinned(STACK)
    for name in ("call_action", "_get_action"):
        method = getattr(DynamoHandler, name, None)
        assert method is not None, f"{STACK} uses DynamoHandler.{name}"
        assert_moto_original(method, STACK)
        assert params(method) == ["self"], f"{STACK} calls DynamoHandler.{name}(self)"
    assert "call_action" in DynamoHandler.__dict__, (
        f"{STACK} saves and restores DynamoHandler.call_action: it must be DynamoHandler's own"
    )


# -- moto_speedups.py ----------------------------------------------------------------------------
def canary_table(range_key: bool) -> Table:
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attr = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attr.append({"AttributeName": "sk", "AttributeType": "N"})
    return Table("canary", account_id="123456789012", region="eu-west-2", schema=schema, attr=attr)


def test_dynamo_handler_serialized() -> None:
    assert_pinned(SPEEDUPS)
    assert_moto_original(DynamoHandler.serialized, SPEEDUPS)
    assert params(DynamoHandler.serialized) == ["self", "action_result"], (
        f"{SPEEDUPS} replaces DynamoHandler.serialized(self, action_result)"
    )
    call_action = source_of(BaseResponse.call_action)
    assert "self.serialized(response)" in call_action, (
        f"{SPEEDUPS}: DynamoDB's results must reach the client through self.serialized"
    )
    assert "self.serialized(ActionResult(e))" in call_action, (
        f"{SPEEDUPS} hands errors (an ActionResult holding the exception) back to moto's serializer"
    )
    assert "self.response_headers = {" in source_of(BaseResponse.setup_class), (
        f"{SPEEDUPS} copies handler.response_headers into its responses"
    )


def test_action_result_result() -> None:
    assert_pinned(SPEEDUPS)
    assert isinstance(inspect.getattr_static(ActionResult, "result"), property), (
        f"{SPEEDUPS} reads ActionResult.result"
    )
    body = {"Items": [], "Count": 0}
    assert ActionResult(body).result is body
    assert issubclass(DynamoResult, ActionResult)
    converted = DynamoResult({"Item": {"s": DynamoType({"S": "x"}), "n": DynamoType({"N": "1.5"})}}).result
    assert converted == {"Item": {"s": {"S": "x"}, "n": {"N": "1.5"}}}, (
        f"{SPEEDUPS} dumps DynamoResult.result as it is: item values must already be in wire form"
    )
    binary = DynamoResult({"Item": {"b": DynamoType({"B": "AP8="})}}).result
    assert binary == {"Item": {"b": {"B": b"\x00\xff"}}}, (
        f"{SPEEDUPS}: DynamoResult hands binary values over as raw bytes, for the serializer to base64-encode"
    )


def test_dynamodb_backend_transact_write_items() -> None:
    assert_pinned(SPEEDUPS)
    method = DynamoDBBackend.transact_write_items
    assert_moto_original(method, SPEEDUPS)
    assert params(method) == ["self", "transact_items"], (
        f"{SPEEDUPS} replaces DynamoDBBackend.transact_write_items(self, transact_items)"
    )
    source = source_of(method)
    calls = {ast.unparse(node) for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)}
    assert "copy.deepcopy(self.tables[table_name])" in calls, (
        f"{SPEEDUPS} makes moto's table backup free by swapping the module-level `copy` it deep-copies through"
    )
    assert "self.tables[table_name] = original_table_state[table_name]" in source, (
        f"{SPEEDUPS}: moto must roll back by putting the backed-up table objects back"
    )


def test_dynamodb_models_copy_is_the_copy_module() -> None:
    assert_pinned(SPEEDUPS)
    assert dynamodb_models.copy is copy, (
        f"{SPEEDUPS} swaps the module-level `copy` of moto.dynamodb.models during a transaction "
        "(a transaction that did not restore it?)"
    )
    assert attribute_uses(dynamodb_models, "copy") == {"deepcopy"}, (
        f"{SPEEDUPS}'s stand-in `copy` only offers deepcopy(); moto.dynamodb.models must use nothing else"
    )


def test_table_all_items() -> None:
    assert_pinned(SPEEDUPS)
    assert_moto_original(Table.all_items, SPEEDUPS)
    assert params(Table.all_items) == ["self"], f"{SPEEDUPS} replaces Table.all_items(self)"
    assert "self.items.values()" in source_of(Table.all_items), (
        f"{SPEEDUPS}'s all_items must read the same items as moto's"
    )


def test_table_items_are_a_dict_of_partitions() -> None:
    assert_pinned(SPEEDUPS)
    table = canary_table(range_key=True)
    table.put_item({"pk": {"S": "p"}, "sk": {"N": "1"}})
    table.put_item({"pk": {"S": "p"}, "sk": {"N": "2"}})
    assert isinstance(table.items, dict)
    partition = table.items[DynamoType({"S": "p"})]
    assert isinstance(partition, dict), f"{SPEEDUPS} restores items into table.items[hash_key][range_key]"
    assert list(partition) == [DynamoType({"N": "1"}), DynamoType({"N": "2"})]
    assert all(isinstance(item, Item) for item in partition.values())
    assert partition[DynamoType({"N": "2"})].range_key == DynamoType({"N": "2"})
    assert params(Table.get_item)[:3] == ["self", "hash_key", "range_key"], (
        f"{SPEEDUPS} calls Table.get_item(hash_key, range_key)"
    )
    assert table.get_item(DynamoType({"S": "p"}), DynamoType({"N": "1"})) is partition[DynamoType({"N": "1"})]

    hash_only = canary_table(range_key=False)
    hash_only.put_item({"pk": {"S": "p"}})
    assert isinstance(hash_only.items[DynamoType({"S": "p"})], Item), (
        f"{SPEEDUPS}: a table without a range key holds its items directly in table.items[hash_key]"
    )
    assert (hash_only.hash_key_attr, hash_only.range_key_attr) == ("pk", None)


def test_table_query_reads_items_only_through_all_items() -> None:
    assert_pinned(SPEEDUPS)
    assert_moto_original(Table.query, SPEEDUPS)
    assert params(Table.query) == [
        "self",
        "hash_key",
        "range_comparison",
        "range_objs",
        "limit",
        "exclusive_start_key",
        "scan_index_forward",
        "projection_expressions",
        "index_name",
        "consistent_read",
        "filter_expression",
        "hash_key_conditions",
        "range_key_conditions",
        "filter_kwargs",
    ], f"{SPEEDUPS} replaces Table.query with moto's exact parameters"
    source = source_of(Table.query)
    assert source.count("self.all_items()") == 2, (
        f"{SPEEDUPS} hands Table.query its candidates through all_items(): once for a GSI, once for the table"
    )
    assert "self.items" not in source, f"{SPEEDUPS}: Table.query must read items through all_items() only"
    assert "item_value != expected_value" in source, (
        f"{SPEEDUPS}: moto must still filter GSI candidates by the hash key conditions"
    )
    assert "item.hash_key == hash_key" in source, (
        f"{SPEEDUPS}: moto must still filter table-query candidates by the partition key"
    )
    backend_call = source_of(DynamoDBBackend.query)
    assert "hash_key_conditions=hash_key_conditions_typed" in backend_call, (
        f"{SPEEDUPS} reads a GSI query's partition value from hash_key_conditions (name, DynamoType)"
    )


def test_table_global_indexes() -> None:
    assert_pinned(SPEEDUPS)
    table = Table(
        "canary",
        account_id="123456789012",
        region="eu-west-2",
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        global_indexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    (index,) = table.global_indexes
    assert isinstance(index, GlobalSecondaryIndex)
    assert index.name == "by_g"
    assert index.schema == [{"AttributeName": "g", "KeyType": "HASH"}], (
        f"{SPEEDUPS} reads a GSI's partition attribute from index.schema"
    )
    assert hash(index) == object.__hash__(index), f"{SPEEDUPS} keys its kept indexes by the index object"


def test_table_put_item_returns_the_stored_item() -> None:
    assert_pinned(SPEEDUPS)
    assert_moto_original(Table.put_item, SPEEDUPS)
    table = canary_table(range_key=True)
    item = table.put_item({"pk": {"S": "p"}, "sk": {"N": "1"}, "g": {"S": "x"}})
    assert item is table.items[DynamoType({"S": "p"})][DynamoType({"N": "1"})], (
        f"{SPEEDUPS} indexes the item Table.put_item returns: it must be the one stored"
    )


def test_dynamodb_backend_update_item_writes_in_place_or_through_put_item() -> None:
    assert_pinned(SPEEDUPS)
    method = DynamoDBBackend.update_item
    assert_moto_original(method, SPEEDUPS)
    assert params(method)[:3] == ["self", "table_name", "key"], (
        f"{SPEEDUPS} wraps DynamoDBBackend.update_item(self, table_name, key, ...)"
    )
    source = source_of(method)
    assert "table.put_item(data)" in source, f"{SPEEDUPS}: an update creating an item goes through put_item"
    assert "self.tables" not in source and ".items[" not in source, (
        f"{SPEEDUPS}: update_item must not write items other than the one its key names"
    )


def test_transact_write_items_writes_through_the_backend_methods() -> None:
    assert_pinned(SPEEDUPS)
    source = source_of(DynamoDBBackend.transact_write_items)
    for call in ("self.put_item(", "self.update_item(", "self.delete_item("):
        assert call in source, f"{SPEEDUPS} keeps its indexes current through {call}...)"
    batch = source_of(DynamoHandler.batch_write_item)
    assert "dynamodb_backend.put_item(" in batch and "dynamodb_backend.delete_item(" in batch, (
        f"{SPEEDUPS}: batch writes must go through the backend's put_item and delete_item"
    )


def test_items_are_built_through_limited_size_dict() -> None:
    assert_pinned(SPEEDUPS)
    assert_moto_original(Item.__init__, SPEEDUPS)
    assert params(Item.__init__) == ["self", "hash_key", "range_key", "attrs"]
    init = source_of(Item.__init__)
    assert "self.attrs = LimitedSizeDict()" in init and "self.attrs[key] = DynamoType(value)" in init, (
        f"{SPEEDUPS} builds an item's attributes as moto does, measured once"
    )
    setitem = source_of(LimitedSizeDict.__setitem__)
    assert "(current_item_size + new_item_size) > 405000" in setitem, (
        f"{SPEEDUPS}: moto refuses the attribute that takes the item over 405000 bytes"
    )
    assert "bytesize(key) + (" in setitem and "list(self.keys()) + list(self.values())" in setitem, (
        f"{SPEEDUPS}: moto measures an item as its keys' bytes plus its values' sizes"
    )


# -- stepfunctions_speedups.py -------------------------------------------------------------------
def test_boto_client_for() -> None:
    assert_pinned(SFN_SPEEDUPS)
    func = getattr(boto_client, "boto_client_for", None)
    assert func is not None, (
        f"{SFN_SPEEDUPS} caches moto.stepfunctions.parser.asl.utils.boto_client.boto_client_for"
    )
    assert_moto_original(func, SFN_SPEEDUPS)
    assert params(func) == ["region", "service", "state_credentials"], (
        f"{SFN_SPEEDUPS} replaces boto_client_for(region, service, state_credentials)"
    )
    body = ast.parse(source_of(func)).body[0]
    read = {
        node.id for node in ast.walk(body) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    assert "state_credentials" not in read, (
        f"{SFN_SPEEDUPS} keys its clients by region and service only: moto must not use the credentials"
    )
    source = source_of(func)
    assert "botocore_stubber.enabled" in source and "moto_server_port()" in source, (
        f"{SFN_SPEEDUPS} keys its clients by botocore_stubber.enabled and moto_server_port() as well"
    )
    assert lambda_eval_utils.boto_client_for is func, (
        f"{SFN_SPEEDUPS}: Lambda task states import boto_client_for by name; the patch must replace it there"
    )


def test_execution_parses_its_definition_through_the_parser_class() -> None:
    assert_pinned(SFN_SPEEDUPS)
    parse = inspect.getattr_static(AmazonStateLanguageParser, "parse")
    assert isinstance(parse, staticmethod), f"{SFN_SPEEDUPS} replaces the staticmethod parse"
    assert_moto_original(AmazonStateLanguageParser.parse, SFN_SPEEDUPS)
    assert params(AmazonStateLanguageParser.parse) == ["definition"]
    assert "AmazonStateLanguageParser.parse(" in source_of(ExecutionWorker._get_evaluation_entrypoint), (
        f"{SFN_SPEEDUPS}: every execution must get its program from AmazonStateLanguageParser.parse"
    )


def subclasses_of(root: type) -> list[type]:
    """`root` and every class below it, however deep."""
    return [root, *(cls for sub in root.__subclasses__() for cls in subclasses_of(sub))]


def component_classes() -> list[type]:
    """Every class of moto's ASL component tree (all of the package imported first)."""
    package = Path(inspect.getfile(Component)).parent
    for path in sorted(package.rglob("*.py")):
        module = ".".join(path.relative_to(package).with_suffix("").parts)
        importlib.import_module(f"moto.stepfunctions.parser.asl.component.{module}")
    return [cls for cls in subclasses_of(Component) if cls.__module__.startswith("moto.")]


def test_parsed_components_keep_no_execution_state() -> None:
    """One parsed tree serves every execution of a definition: a component may set its own
    attributes while it is built, never while it is evaluated."""
    assert_pinned(SFN_SPEEDUPS)
    classes = component_classes()
    assert len(classes) > 100, "found too few component classes to trust this check"
    assigned: set[str] = set()
    for cls in classes:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        methods = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for method in (m for m in methods if m.name not in {"__init__", "from_state_props"}):
            for node in ast.walk(method):
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                assigned |= {
                    f"{cls.__name__}.{method.name}: self.{target.attr}"
                    for target in targets
                    if isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                }
    assert assigned == {"EvalComponent.heap_key: self.__heap_key"}, (
        f"{SFN_SPEEDUPS} shares one parsed tree between executions; these component methods now set "
        f"state while evaluating: {sorted(assigned)}"
    )


# -- request_speedups.py --------------------------------------------------------------------------
REQUEST_SPEEDUPS = "local/throughgate_local/request_speedups.py"


def test_method_names_from_class_is_only_asked_about_one_action() -> None:
    assert_pinned(REQUEST_SPEEDUPS)
    assert_moto_original(moto_responses.method_names_from_class, REQUEST_SPEEDUPS)
    assert moto_responses.method_names_from_class is moto_utils.method_names_from_class
    users = [
        node
        for node in ast.walk(ast.parse(inspect.getsource(moto_responses)))
        if isinstance(node, ast.Name) and node.id in {"method_names", "method_names_from_class"}
    ]
    call_action = source_of(BaseResponse.call_action)
    assert "method_names = method_names_from_class(self.__class__)" in call_action
    assert "if action in method_names:" in call_action, (
        f"{REQUEST_SPEEDUPS} answers `name in method_names_from_class(cls)` one name at a time"
    )
    assert len(users) == 3, f"{REQUEST_SPEEDUPS}: moto.core.responses uses the function list elsewhere too"


def test_botocore_signs_only_what_its_signer_chooses() -> None:
    assert_pinned(REQUEST_SPEEDUPS)
    assert RequestSigner._choose_signer.__module__ == "botocore.signers", (
        f"{REQUEST_SPEEDUPS} left its _choose_signer installed"
    )
    assert params(RequestSigner._choose_signer) == ["self", "operation_name", "signing_type", "context"]
    sign = source_of(RequestSigner.sign)
    assert "self._choose_signer(" in sign and "if signature_version != botocore.UNSIGNED:" in sign, (
        f"{REQUEST_SPEEDUPS} leaves a request unsigned by choosing UNSIGNED in RequestSigner._choose_signer"
    )
    # What the patch stands for: a first `choose-signer` handler answering UNSIGNED, which is all
    # that choosing does beyond reading the signer's settings.
    choose = source_of(RequestSigner._choose_signer)
    assert choose.count("self._event_emitter.") == 1 and "emit_until_response(" in choose
    assert "self._event_emitter" not in sign.split("self._choose_signer(")[0]
    callers = [
        path.name
        for path in Path(botocore.__file__).parent.rglob("*.py")
        if "._choose_signer(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["signers.py"], f"{REQUEST_SPEEDUPS}: botocore chooses signers elsewhere too"
    assert source_of(RequestSigner).count("self._choose_signer(") == 1


def test_jsonpaths_are_parsed_by_name_and_keep_no_data() -> None:
    assert_pinned(SFN_SPEEDUPS)
    assert json_path.parse is jsonpath_ng.ext.parse, f"{SFN_SPEEDUPS} caches json_path.parse"
    assert result_path.parse is jsonpath_ng.parse, f"{SFN_SPEEDUPS} caches result_path.parse"
    for module in (json_path, result_path):
        calls = [
            node
            for node in ast.walk(ast.parse(inspect.getsource(module)))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "parse"
        ]
        assert calls, f"{module.__name__} no longer parses JSONPaths itself"
        assert all(len(c.args) == 1 and not c.keywords for c in calls), (
            f"{SFN_SPEEDUPS} keys its cache by the one argument of {module.__name__}.parse"
        )
    for parse, path in [
        (jsonpath_ng.ext.parse, "$.detail.items[0].name"),
        (jsonpath_ng.parse, "$.result.new"),
    ]:
        expression = parse(path)
        before = (repr(expression), str(expression))
        data: dict[str, Any] = {"detail": {"items": [{"name": "a"}]}}
        first = [match.value for match in expression.find(data)]
        expression.update_or_create(data, "b")
        assert [match.value for match in expression.find(data)] == ["b"]
        assert [match.value for match in expression.find({"detail": {"items": [{"name": "a"}]}})] == first
        assert (repr(expression), str(expression)) == before, f"evaluating {path} changed the parsed path"


def test_botocore_builds_a_json_parser_per_response_from_protocol_parsers() -> None:
    assert_pinned(REQUEST_SPEEDUPS)
    assert botocore.parsers.PROTOCOL_PARSERS["json"] is botocore.parsers.JSONParser
    assert "PROTOCOL_PARSERS[protocol_name]" in source_of(
        botocore.parsers.ResponseParserFactory.create_parser
    )
    assert "self._response_parser_factory.create_parser(" in source_of(
        botocore.endpoint.Endpoint._do_get_response
    ), f"{REQUEST_SPEEDUPS} swaps PROTOCOL_PARSERS['json']: botocore must pick the parser for each response"
    structure = source_of(botocore.parsers.BaseJSONParser._handle_structure)
    assert "self._parse_shape(" in structure and "for member_name in member_shapes" in structure, (
        f"{REQUEST_SPEEDUPS} gives an attribute value's members in the model's order, as this walk does"
    )


# -- stack.py: transitions from moto's history ----------------------------------------------------
def test_stepfunctions_backend_history_is_the_api_history() -> None:
    assert_pinned(STACK)
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="eu-west-2")
        machine = sfn.create_state_machine(
            name="canary", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/canary"
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, name="canary")["executionArn"]
        deadline = time.monotonic() + 30
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        api = [event["type"] for event in sfn.get_execution_history(executionArn=arn)["events"]]
        backend = stepfunctions_backend("123456789012", "eu-west-2").get_execution_history(arn)["events"]
    assert [event["type"] for event in backend] == api, (
        f"{STACK} counts state transitions in moto's backend history instead of the API's"
    )
    assert sum(1 for t in api if t.endswith("StateEntered")) == 2


# -- Cognito's admin operations (local/throughgate_local/cognito_admin.py) ----------------------------
COGNITO_ADMIN = "local/throughgate_local/cognito_admin.py"


def test_cognito_admin_create_user_signature_and_user_attributes() -> None:
    """The invitation patch wraps admin_create_user and reads and sets these on moto's user."""
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUser

    assert_pinned(COGNITO_ADMIN)
    assert_moto_original(CognitoIdpBackend.admin_create_user, COGNITO_ADMIN)
    assert params(CognitoIdpBackend.admin_create_user) == [
        "self",
        "user_pool_id",
        "username",
        "message_action",
        "temporary_password",
        "attributes",
    ]
    init = source_of(CognitoIdpUser.__init__)
    for attribute in ("self.password", "self.attribute_lookup", "self.token_verified"):
        assert attribute in init, attribute
    assert "self.software_token_mfa_enabled" in init and "self.preferred_mfa_setting" in init


def test_cognito_still_lacks_admin_delete_software_token() -> None:
    """When moto implements it, the local stand-in should go."""
    from moto.cognitoidp.responses import CognitoIdpResponse

    assert not hasattr(CognitoIdpResponse, "admin_delete_software_token"), (
        "moto implements AdminDeleteSoftwareToken now, or the local stand-in was left installed"
    )
