"""The local stack's optional speed-ups (throughgate_local/speedups.py) change how fast, never what:
the happy path from referral to outcome, run once with them and once without, gives the same case,
the same workflow and the same requests. Also the switch itself: the argument, the environment
variable, and nothing patched before a stack starts or after it stops."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler

from tests.journey import START, Journey, new_journey
from throughgate_local import moto_speedups
from throughgate_local.speedups import ENVIRONMENT_VARIABLE
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def happy_path(j: Journey) -> dict[str, Any]:
    """tests/e2e/test_lifecycles.py's happy path, keeping everything it sees that a seed fixes."""
    seen: dict[str, Any] = {"views": []}

    def look() -> None:
        seen["views"].append(j.view())

    j.refer_and_consent(days=30)
    look()
    j.assess_and_match(accommodation="high", finance_id="medium", health="low")
    look()
    j.advance(days=10)
    look()
    j.to_readiness()
    look()
    j.readiness(accommodation=True)
    look()
    j.release_day()
    look()
    seen["check_ins"] = j.check_ins()
    look()
    seen["handover"] = j.handover().body
    seen["executions"] = j.executions()
    seen["transitions"] = [j.stack.state_transitions(e["executionArn"]) for e in j.stack.executions()]
    schedules = j.stack.client("scheduler").list_schedules(GroupName="throughgate-local")["Schedules"]
    seen["schedules"] = sorted(s["Name"] for s in schedules)
    j.advance_to(START + timedelta(days=30 + 549))
    seen["fired"] = j.stack.fire_due_schedules()
    look()
    outcome = {"proven_reoffending": False, "housed": True, "in_work_or_training": True}
    seen["outcome_status"] = j.coordinator.post(f"/cases/{j.case_id}/outcome", outcome).status
    look()
    seen["running"] = j.stack.executions("RUNNING")
    # Notes sent at the same moment sort by their effects' random ids: compared as a set.
    seen["outbox"] = sorted(j.stack.read_outbox(), key=lambda note: json.dumps(note, sort_keys=True))
    seen["invocations"] = dict(j.stack.bridge.invocations)
    seen["lambda_errors"] = dict(j.stack.bridge.errors)
    seen["dynamodb_calls"] = dict(j.stack.dynamodb_calls.calls)
    return seen


def run_happy_path(*, speedups: bool) -> dict[str, Any]:
    with LocalStack(START, speedups=speedups) as stack:
        fast = DynamoHandler.serialized is moto_speedups.fast_serialized
        assert fast is speedups, f"speed-ups {'not ' if speedups else ''}installed"
        return happy_path(new_journey(stack))


def test_the_happy_path_is_the_same_with_and_without_speedups() -> None:
    with_speedups = run_happy_path(speedups=True)
    without = run_happy_path(speedups=False)

    final = with_speedups["views"][-1]
    assert final["stage"] == "outcome_recorded" and with_speedups["check_ins"] == 12
    assert list(with_speedups["executions"].values()) == ["SUCCEEDED"]
    assert with_speedups["fired"] == 1 and with_speedups["outbox"]

    for key in with_speedups:
        assert without[key] == with_speedups[key], key
    # What the brief names, in so many words: the stages, the timeline's kinds in order, the tasks.
    assert [v["stage"] for v in without["views"]] == [v["stage"] for v in with_speedups["views"]]
    assert [e["kind"] for e in without["views"][-1]["timeline"]] == [e["kind"] for e in final["timeline"]]
    assert without["views"][-1]["tasks"] == final["tasks"]


def test_the_switch_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    assert LocalStack(START).speedups is True, "on by default"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "0")
    assert LocalStack(START).speedups is False
    assert LocalStack(START, speedups=True).speedups is True
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "1")
    assert LocalStack(START).speedups is True
    assert LocalStack(START, speedups=False).speedups is False


def test_the_environment_turns_the_speedups_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "0")
    with LocalStack(START) as stack:
        assert not stack.speedups
        assert DynamoHandler.serialized is moto_speedups._original_serialized
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "1")
    with LocalStack(START):
        assert DynamoHandler.serialized is moto_speedups.fast_serialized
    assert DynamoHandler.serialized is moto_speedups._original_serialized, "undone when the stack stops"


IMPORT_PATCHES_NOTHING = """
import botocore.handlers, botocore.parsers, botocore.signers
from moto.awslambda.models import LambdaFunction
from moto.dynamodb.responses import DynamoHandler
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

def seen():
    return (
        list(botocore.handlers.BUILTIN_HANDLERS),
        dict(botocore.parsers.PROTOCOL_PARSERS),
        botocore.signers.RequestSigner._choose_signer,
        LambdaFunction._invoke_lambda,
        DynamoHandler.serialized,
        DynamoHandler.call_action,
        WaitFunction._wait_interval,
        AmazonStateLanguageParser.parse,
    )

before = seen()
import throughgate_local.cli, throughgate_local.devserver, throughgate_local.faults
import throughgate_local.simulation.people, throughgate_local.simulation.regions
import throughgate_local.speedups, throughgate_local.stack
assert seen() == before, "importing the local stack patched something"
from datetime import UTC, datetime
with throughgate_local.stack.LocalStack(datetime(2027, 3, 1, 9, tzinfo=UTC)):
    assert seen() != before
assert seen() == before, "a stopped stack left something patched"
print("ok")
"""


def test_nothing_is_patched_at_import_and_everything_is_undone() -> None:
    """In a new interpreter: no other test's stack has run there."""
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PATCHES_NOTHING], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.split() == ["ok"], result.stderr[-3000:]
