"""The platform's floor: what a simulated lifecycle costs in moto alone, with Throughgate doing nothing.

Issue 6 asks for 1,000 lifecycles in under 180 s on two cores (0.36 CPU-seconds each). This bench
asks whether the local platform (moto's DynamoDB, Lambda, Step Functions, SNS and SQS, with every
speed-up the local stack installs) could even do a lifecycle's requests in that time:

1. Counts: a small cohort runs as `throughgate simulate` runs it, in this process, with a botocore
   `before-call` hook counting every request by `service.Operation` (and whether it came from the
   driver's thread or an execution's) and keeping a sample of the DynamoDB requests. A few quiet days
   after the last outcome give the per-day work (sweep, schedules, queue polls), which is taken out
   and put back at one region's 500 cases, as `make bench` runs them.
2. Units: on the same stack, median wall time of each kind of request made directly, with no handler
   in between: the sampled DynamoDB requests replayed through a boto3 client and through pynamodb's
   connection (reads as captured; writes with their conditions dropped, so that each succeeds); a
   `lambda:Invoke` of a no-op function; executions of chains of Pass states and of Task states
   invoking the no-op, run to their end on the virtual clock; an SNS publish to the notifications
   topic and the outbox queue's receives and deletes.

Floor per lifecycle = sum(count per lifecycle x unit time): a lower bound, since the units use the
cheaper client, small payloads and short executions, and requests without a unit count as zero. One
way it may lean the other way: reads are replayed against the cohort's end state, when a case's
partition is at its fullest (Query is about 5% of the floor).
`python -m bench.platform_floor [CASES SEED]` prints the result as one JSON object.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from botocore import xform_name
from botocore.handlers import BUILTIN_HANDLERS

GOAL_SECONDS = 180.0
GOAL_CASES = 1000
QUIET_DAYS = 5
SAMPLE_PER_OPERATION = 150
NOOP_FUNCTION = "platform-floor-noop"
WORKFLOW_INVOKE = "lambda.Invoke (workflow Task)"  # an Invoke made by an execution's thread
TRANSITION = "sfn state transition (Pass)"
LAMBDA_TRANSITION = "sfn state transition (Lambda Task)"
EXECUTION = "sfn execution (start to end)"
SQS_MESSAGE = "sqs message received"
SQS_BATCH = 10  # the most messages one ReceiveMessage returns
_CONDITION_KEYS = ("ConditionExpression", "ReturnValuesOnConditionCheckFailure")
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def noop(_event: dict[str, Any], _context: object) -> dict[str, bool]:
    """The Lambda handler the units invoke: no work of Throughgate's at all."""
    return {"ok": True}


# -- the arithmetic (pure; tests/unit/test_platform_floor.py) --------------------------------------
def per_lifecycle(
    totals: Mapping[str, float], per_day: Mapping[str, float], days: int, cases: int, region_cases: int
) -> dict[str, float]:
    """Counts per lifecycle in a region of `region_cases`: the cohort's own work per case, plus the
    per-day work of `days` days shared by the region's cases instead of this cohort's few."""
    return {
        key: (totals.get(key, 0) - per_day.get(key, 0) * days) / cases
        + per_day.get(key, 0) * days / region_cases
        for key in sorted(set(totals) | set(per_day))
    }


def receive_polls(messages: float, polls_per_day: float, days: int, region_cases: int) -> float:
    """Fewest receives per lifecycle: full batches for its messages, plus its share of the daily
    polls. A small cohort polls more per case (its busy days are not shared), so the count observed
    is replaced by this bound."""
    return messages / SQS_BATCH + polls_per_day * days / region_cases


def floor_seconds(counts: Mapping[str, float], units: Mapping[str, float]) -> float:
    """Seconds per lifecycle if every request cost its unit time and nothing else ran."""
    return sum(count * units[key] for key, count in counts.items() if key in units)


def floor_for_goal(per_lifecycle_seconds: float, cores: int, cases: int = GOAL_CASES) -> float:
    """`cases` lifecycles spread over `cores`, each core busy with nothing but the floor."""
    return per_lifecycle_seconds * cases / cores


# -- counting and sampling what a cohort sends -----------------------------------------------------
@dataclass
class Capture:
    """Every request this process makes, by `service.Operation`; a sample of DynamoDB's bodies."""

    calls: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _seen: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311 - sampling only

    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        key = f"{model.service_model.service_id.hyphenize()}.{model.name}"
        if key == "lambda.Invoke" and threading.current_thread() is not threading.main_thread():
            key = WORKFLOW_INVOKE  # the interpreter's Task: its cost is in LAMBDA_TRANSITION
        self.calls[key] += 1
        if key == "sqs.DeleteMessageBatch":  # the driver deletes each batch it receives
            self.calls[SQS_MESSAGE] += len(json.loads(params["body"] or b"{}").get("Entries", []))
        if key.startswith("dynamodb.") and model.name != "CreateTable":
            self._keep(model.name, json.loads(params["body"] or b"{}"))

    def _keep(self, operation: str, request: dict[str, Any]) -> None:
        """Reservoir sampling: every request of the run equally likely to be replayed."""
        self._seen[operation] += 1
        kept = self.samples.setdefault(operation, [])
        if len(kept) < SAMPLE_PER_OPERATION:
            kept.append(request)
        elif (slot := self._rng.randrange(self._seen[operation])) < SAMPLE_PER_OPERATION:
            kept[slot] = request


def unconditional(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """A write that succeeds whatever the table holds now: conditions (and ConditionChecks) dropped,
    placeholders only they used dropped with them, no idempotency token to turn a replay into a no-op."""

    def strip(action: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in action.items() if k not in _CONDITION_KEYS}
        used = set(_PLACEHOLDER.findall(" ".join(v for k, v in kept.items() if k.endswith("Expression"))))
        for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            if name in kept:
                kept[name] = {k: v for k, v in kept[name].items() if k in used}
                if not kept[name]:
                    del kept[name]
        return kept

    if operation != "TransactWriteItems":
        return strip(request)
    items = [{kind: strip(action)} for entry in request["TransactItems"] for kind, action in entry.items()]
    kept = [entry for entry in items if "ConditionCheck" not in entry]
    return {k: v for k, v in request.items() if k != "ClientRequestToken"} | {"TransactItems": kept}


# -- timing ----------------------------------------------------------------------------------------
def median_seconds(calls: Iterable[Callable[[], object]], rounds: int) -> float:
    """Median of every call's wall time over `rounds` rounds, after one untimed warm-up round."""
    calls = list(calls)
    for call in calls:
        call()
    times = []
    for _ in range(rounds):
        for call in calls:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def _dynamodb_units(stack: Any, samples: dict[str, list[dict[str, Any]]], rounds: int) -> dict[str, Any]:
    """Each operation kind through boto3 and through pynamodb's connection; reads before writes, so
    that the reads see the table the cohort left."""
    from pynamodb.connection import Connection

    from bench.aws_meter import WRITES
    from throughgate_local.stack import REGION

    boto3_client = stack.client("dynamodb")
    clients: dict[str, Callable[[str, dict[str, Any]], object]] = {
        "boto3": lambda operation, request: getattr(boto3_client, xform_name(operation))(**request),
        "pynamodb": Connection(region=REGION).dispatch,
    }
    units: dict[str, Any] = {}
    for operation in sorted(samples, key=lambda op: (op in WRITES, op)):
        requests = [unconditional(operation, r) if operation in WRITES else r for r in samples[operation]]
        seconds = {
            name: median_seconds([partial(send, operation, r) for r in requests], rounds)
            for name, send in clients.items()
        }
        units[f"dynamodb.{operation}"] = {
            "requests_replayed": len(requests),
            "replayed_as": "unconditional" if operation in WRITES else "as captured",
            **{f"{name}_ms": round(s * 1000, 3) for name, s in seconds.items()},
            "seconds": min(seconds.values()),
        }
    return units


def _create_noop(stack: Any) -> str:
    """The no-op function, registered as stack.py registers the real ones."""
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("README.txt", "runs in-process")
    role = stack.client("iam").get_role(RoleName="throughgate-local")["Role"]["Arn"]
    return str(
        stack.client("lambda").create_function(
            FunctionName=NOOP_FUNCTION,
            Runtime="python3.13",
            Role=role,
            Handler="bench.platform_floor.noop",  # the bridge imports it by name, as `-m` did not
            Code={"ZipFile": code.getvalue()},
        )["FunctionArn"]
    )


def _chain(name: str, states: list[dict[str, Any]]) -> dict[str, Any]:
    names = [f"S{i}" for i in range(len(states))]
    body = {
        n: s | ({"Next": names[i + 1]} if i + 1 < len(names) else {"End": True})
        for i, (n, s) in enumerate(zip(names, states, strict=True))
    }
    return {"Comment": name, "StartAt": names[0], "States": body}


def _execution_seconds(stack: Any, definition: dict[str, Any], rounds: int) -> float:
    """Median wall time of one execution, StartExecution to its end on the virtual clock."""
    sfn = stack.client("stepfunctions")
    role = stack.client("iam").get_role(RoleName="throughgate-local")["Role"]["Arn"]
    arn = sfn.create_state_machine(
        name=definition["Comment"], definition=json.dumps(definition), roleArn=role
    )["stateMachineArn"]

    names = itertools.count()

    def run() -> dict[str, Any]:
        execution: dict[str, Any] = sfn.start_execution(
            stateMachineArn=arn, name=f"run-{next(names)}", input='{"case_id": "floor"}'
        )
        stack.clock.settle()
        return execution

    first = run()
    status = sfn.describe_execution(executionArn=first["executionArn"])["status"]
    if status != "SUCCEEDED":
        raise RuntimeError(f"{definition['Comment']}: execution {status}")
    return median_seconds([run], rounds)


def _platform_units(stack: Any, rounds: int) -> dict[str, Any]:
    """Lambda, Step Functions, SNS and SQS units (see the module's docstring)."""
    function_arn = _create_noop(stack)
    lam = stack.client("lambda")
    invoke = median_seconds(
        [lambda: lam.invoke(FunctionName=NOOP_FUNCTION, Payload=b'{"case_id": "floor"}')], rounds * 20
    )
    passes, tasks = 50, 20
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": {"case_id.$": "$.case_id"}},
        "ResultSelector": {"ok.$": "$.Payload.ok"},
        "ResultPath": "$.result",
    }
    one = _execution_seconds(stack, _chain("floor-pass-1", [{"Type": "Pass"}]), rounds * 4)
    many = _execution_seconds(stack, _chain(f"floor-pass-{passes}", [{"Type": "Pass"}] * passes), rounds)
    with_tasks = _execution_seconds(
        stack, _chain(f"floor-task-{tasks}", [{"Type": "Pass"}] + [task] * tasks), rounds
    )
    transition = (many - one) / (passes - 1)

    return {
        "lambda.Invoke": {"seconds": invoke},
        EXECUTION: {"seconds": one - transition, "note": "StartExecution and a one-Pass run, less the Pass"},
        TRANSITION: {"seconds": transition, "note": f"({passes} Pass - 1 Pass) / {passes - 1}"},
        LAMBDA_TRANSITION: {
            "seconds": (with_tasks - one) / tasks,
            "note": f"(1 Pass + {tasks} Tasks - 1 Pass) / {tasks}, the Invoke included",
        },
    }


def _notification_units(stack: Any, rounds: int, batch: int = 10) -> dict[str, Any]:
    """SNS publishes fanned out to the outbox, then the outbox read to empty, as the driver reads it.
    moto's receive walks the queue and deep-copies each message it returns, so a poll costs a base
    plus a share per message, and more the deeper the queue: the driver keeps it short, so does this."""
    sns, sqs = stack.client("sns"), stack.client("sqs")
    topic, outbox = os.environ["NOTIFICATIONS_TOPIC_ARN"], stack.outbox_url
    note = json.dumps({"kind": "gate_open", "case_id": "c-floor", "recipient_role": "mentor", "detail": {}})
    times: dict[str, list[float]] = {}

    def timed(key: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = call()
        times.setdefault(key, []).append(time.perf_counter() - started)
        return result

    for round_ in range(rounds * 4 + 1):
        for _ in range(batch):
            timed("publish", lambda: sns.publish(TopicArn=topic, Message=note))
        received = timed("full", lambda: sqs.receive_message(QueueUrl=outbox, MaxNumberOfMessages=10))
        for message in received.get("Messages", []):  # one at a time: a batch's least cost
            entries = [{"Id": "0", "ReceiptHandle": message["ReceiptHandle"]}]
            timed("delete", partial(sqs.delete_message_batch, QueueUrl=outbox, Entries=entries))
        timed("empty", lambda: sqs.receive_message(QueueUrl=outbox, MaxNumberOfMessages=10))
        if round_ == 0:  # the first round warms up
            times.clear()
    median = {key: statistics.median(values) for key, values in times.items()}
    return {
        "sns.Publish": {"seconds": median["publish"], "note": "to the topic, fanned out to the outbox"},
        "sqs.ReceiveMessage": {"seconds": median["empty"], "note": "a poll that finds nothing"},
        SQS_MESSAGE: {
            "seconds": (median["full"] - median["empty"]) / batch,
            "note": f"a {batch}-message receive less a poll, / {batch}",
        },
        "sqs.DeleteMessageBatch": {"seconds": median["delete"], "note": "a batch of one message"},
    }


# -- the whole measurement -------------------------------------------------------------------------
def _cohort(
    stack: Any, capture: Capture, cases: int, seed: int
) -> tuple[dict[str, float], dict[str, float], int]:
    """Run a cohort as `regions.run_region` does; return its totals, the per-day work and its days."""
    from throughgate.domain.catalogue import load_programme
    from throughgate_local.simulation.people import Simulation

    setup = Counter(capture.calls)  # the stack's own resources: not a lifecycle's
    sim = Simulation(stack, cases, seed)
    sim.seed_mentors()
    sim.refer_clients()
    last_release = max(c.release_on for c in sim.cases.values())
    follow_up = round(load_programme().outcome_follow_up_months * 30.44) + 21
    sim.run(datetime.combine(last_release, datetime.min.time(), UTC) + timedelta(days=follow_up, hours=9))
    totals: dict[str, float] = dict(capture.calls - setup)
    if not totals:
        raise RuntimeError("nothing counted: measure() needs a fresh interpreter (boto3's session)")
    executions = stack.executions()
    totals[EXECUTION] = len(executions)
    transitions = sum(stack.state_transitions(e["executionArn"]) for e in executions)
    totals[LAMBDA_TRANSITION] = totals.pop(WORKFLOW_INVOKE, 0)
    totals[TRANSITION] = transitions - totals[LAMBDA_TRANSITION]
    totals.pop("sfn.StartExecution", None)  # part of EXECUTION's unit
    before = Counter(capture.calls)
    for _ in range(QUIET_DAYS):  # every case closed: what is left is what any day costs
        stack.clock.advance(timedelta(days=1))
        stack.clock.settle()
        sim.run_day()
    quiet = capture.calls - before
    quiet[LAMBDA_TRANSITION] += quiet.pop(WORKFLOW_INVOKE, 0)  # keyed as the totals are
    quiet[EXECUTION] += quiet.pop("sfn.StartExecution", 0)
    per_day = {k: n / QUIET_DAYS for k, n in quiet.items() if n}
    return totals, per_day, sim.days + 1


def measure(cases: int = 20, seed: int = 1, rounds: int = 5) -> dict[str, Any]:
    """Counts from a `cases` cohort, units on its stack, and the floor they add up to."""
    from throughgate_local.simulation.people import SIM_START
    from throughgate_local.simulation.regions import REGION_CASES
    from throughgate_local.stack import LocalStack

    capture = Capture()
    hook = ("before-call", capture.before_call)
    BUILTIN_HANDLERS.append(hook)  # before the stack: every client it and the handlers make carries it
    try:
        with LocalStack(SIM_START) as stack:
            totals, per_day, days = _cohort(stack, capture, cases, seed)
            samples = capture.samples
            BUILTIN_HANDLERS.remove(hook)
            units = (
                _dynamodb_units(stack, samples, rounds)
                | _platform_units(stack, rounds)
                | _notification_units(stack, rounds)
            )
    finally:
        if hook in BUILTIN_HANDLERS:
            BUILTIN_HANDLERS.remove(hook)
    counts = per_lifecycle(totals, per_day, days, cases, REGION_CASES)
    observed_receives = counts.get("sqs.ReceiveMessage", 0)
    counts["sqs.ReceiveMessage"] = receive_polls(
        counts.get(SQS_MESSAGE, 0), per_day.get("sqs.ReceiveMessage", 0), days, REGION_CASES
    )
    unit_seconds = {key: unit["seconds"] for key, unit in units.items()}
    floor = floor_seconds(counts, unit_seconds)
    cores = os.cpu_count() or 1
    floor_1000 = floor_for_goal(floor, cores)
    return {
        "cases": cases,
        "seed": seed,
        "simulated_days": days,
        "region_cases": REGION_CASES,
        "units": {k: {**u, "ms": round(u["seconds"] * 1000, 3)} for k, u in units.items()},
        "counts_per_lifecycle": {k: round(v, 2) for k, v in counts.items() if v},
        "per_day": per_day,
        "quiet_days": QUIET_DAYS,
        "receives_observed_per_lifecycle": round(observed_receives, 2),
        "not_measured": sorted(k for k, v in counts.items() if v and k not in units),
        "floor_seconds_per_lifecycle": round(floor, 4),
        "goal_seconds_per_lifecycle": round(GOAL_SECONDS * cores / GOAL_CASES, 4),
        "cores": cores,
        "load_average": round(os.getloadavg()[0], 2),  # the machine is shared: load inflates units
        "floor_1000_seconds": round(floor_1000, 1),
        "goal_seconds": GOAL_SECONDS,
        "floor_within_goal": floor_1000 < GOAL_SECONDS,
    }


def measured_in_own_interpreter(cases: int, seed: int = 1) -> dict[str, Any]:
    """`measure` in a fresh interpreter: the capture hook must be in place before boto3's session."""
    from bench.cohort import in_own_interpreter

    return in_own_interpreter("bench.platform_floor", cases, seed)


if __name__ == "__main__":
    print(json.dumps(measure(*(int(a) for a in sys.argv[1:3]))))
