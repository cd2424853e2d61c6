"""Faults inside the release workflow (issue 5, item 7), through the real ASL on the local stack.

Every workflow step (each manifest function the ASL calls) meets every kind of fault: its handler
raises (`Bridge.inject_fault`), its invocation times out with Lambda's `Sandbox.Timedout`, before
the handler starts or after its write committed, and DynamoDB throttles its reads or cancels its
transaction as throttled (`throughgate_local.faults`).

- A lasting fault: every attempt fails, each a different way, so one run shows the Retry taking
  each kind in turn and the Catch the last. The case is marked, one coordinator alert names the
  error type, no execution is left running, and nothing is half-written or written twice.
- A passing fault: the first two or three attempts of every step fail, then it succeeds; the case
  ends with exactly the records a fault-free run leaves.
- The SDK underneath: pynamodb's botocore client (standard mode, four attempts) absorbs up to three
  throttled calls by itself; a throttled transaction is cancelled and never retried by the SDK.

One local stack serves the module (a stack costs more than a test): each test refers a case of its
own, 30 days before a Wednesday release, and leaves nothing running and no fault armed.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import botocore.endpoint
import pytest
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError
from pynamodb.connection import Connection
from pynamodb.exceptions import GetError

from tests.journey import START, Journey, needs, referral
from tests.unit.test_workflow_definitions import all_states, load, reachable, successors
from throughgate.domain.catalogue import plan_area_tasks
from throughgate.domain.errors import NotFound
from throughgate.domain.needs import Level, NeedArea, needs_support
from throughgate.manifest import FUNCTIONS
from throughgate_local.api_client import ApiClient
from throughgate_local.faults import FOREVER, TIMEOUT_ERROR_TYPE, WRITES, Faults, Throttle
from throughgate_local.mentors import enrolled
from throughgate_local.stack import TABLE, LocalStack

pytestmark = pytest.mark.trust

WORKFLOW_STEPS = sorted(name for name, spec in FUNCTIONS.items() if spec.asl_placeholder)
ATTEMPTS = 4  # every Task's Retry: MaxAttempts 3 after the first attempt
SDK_ATTEMPTS = 4  # pynamodb's botocore client: standard mode, 1 + max_retry_attempts (3)
MENTOR_CAPACITY = 30  # the most a mentor may take (schemas.MentorIn)


# -- the bench: one stack, a case per test -----------------------------------------------------------
@dataclass
class Case(Journey):
    """A Journey with its own referral: submission id, prison number, and a release date about 30
    days from today, on a Wednesday (so that two runs see the same release-day rules)."""

    number: int = 0
    release: date = date.min

    def refer(self) -> None:
        in_30_days = self.stack.clock.now().date() + timedelta(days=30)
        self.release = in_30_days + timedelta(days=(2 - in_30_days.weekday()) % 7)
        client = {**referral()["client"], "prison_number": f"F{self.number:04d}FT"}
        self.refer_and_consent(
            submission_id=f"fault-case-{self.number:04d}", client=client, release_on=self.release.isoformat()
        )

    def release_on(self) -> date:
        return self.release  # known: no need to ask the API

    def assess(self) -> None:
        """The assessment (accommodation high, health low: two areas of tasks) and this case's mentor."""
        self.ok(
            self.coordinator.post(
                f"/cases/{self.case_id}/assessment", needs(accommodation="high", health="low")
            )
        )
        match = {"mentor_id": self.mentor.user_id, "override_reason": "synthetic fault test"}
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/mentor", match))


@dataclass
class Bench:
    stack: LocalStack
    faults: Faults
    coordinator: ApiClient
    cases: int = 0
    mentors: set[str] = field(default_factory=set)

    def new_case(self) -> Case:
        self.cases += 1
        mentor_id = f"mentor-{1 + self.cases // MENTOR_CAPACITY:04d}"
        if mentor_id not in self.mentors:
            body = {
                "mentor_id": mentor_id,
                "display_name": "Fault Mentor",
                "gender": "male",
                "boroughs": ["Southwark"],
                "capacity": MENTOR_CAPACITY,
                "lived_experience": [],
                "linked_areas": [],
            }
            assert enrolled(self.coordinator, body)
            self.mentors.add(mentor_id)
        return Case(
            self.stack, self.coordinator, ApiClient(self.stack, mentor_id, "mentor"), number=self.cases
        )

    def reset(self) -> None:
        """Disarm every fault and end every execution: the next test starts from a quiet stack."""
        self.faults.clear()
        for name in FUNCTIONS:
            self.stack.bridge.inject_fault(f"throughgate-{name}", 0)
        self.stack.stop_all_executions()
        self.stack.read_outbox()


@pytest.fixture(scope="module")
def bench() -> Iterator[Bench]:
    with LocalStack(START) as stack, Faults(stack.bridge) as faults:
        yield Bench(stack, faults, ApiClient(stack, "coordinator-0001", "coordinator"))


@pytest.fixture
def case(bench: Bench) -> Iterator[Case]:
    yield bench.new_case()
    bench.reset()


# -- driving a case to each step -------------------------------------------------------------------
def _nothing(_case: Case) -> None:
    return None


def _to_readiness(case: Case) -> None:
    case.refer()
    case.assess()
    case.to_readiness()


def _to_release_day(case: Case) -> None:
    _to_readiness(case)
    case.readiness(accommodation=True)


@dataclass(frozen=True)
class Route:
    """How a case reaches a step: `before` drives it to just short of it, `trigger` makes it run."""

    before: Callable[[Case], None]
    trigger: Callable[[Case], None]
    writes: bool  # the step writes to DynamoDB (a transaction) before it returns


ROUTES: dict[str, Route] = {
    "PlanMilestones": Route(_nothing, Case.refer, writes=False),
    "OpenGate": Route(_nothing, Case.refer, writes=True),  # the assessment gate opens at once
    "ListNeeds": Route(Case.refer, Case.assess, writes=False),
    "CreateAreaTasks": Route(Case.refer, Case.assess, writes=True),
    "AdvanceStage": Route(Case.refer, Case.assess, writes=True),
    "RaiseEscalation": Route(_to_readiness, lambda c: c.readiness(accommodation=False), writes=True),
    "OnReleased": Route(_to_release_day, Case.release_day, writes=False),
    "PlanCheckIn": Route(_to_release_day, Case.release_day, writes=False),
}
STEPS_ON_THE_PATH = sorted(ROUTES)  # RecordFailure runs only once another step has failed


def _through_every_step(case: Case) -> None:
    """Every step on the path: tasks for two areas, escalated at readiness, released, check-in 1 open."""
    _to_readiness(case)
    case.readiness(accommodation=False)
    case.release_day()


# -- arming faults -----------------------------------------------------------------------------------
def _raise(bench: Bench, step: str, times: int) -> None:
    bench.stack.bridge.inject_fault(f"throughgate-{step}", times)


def _throttle_reads_beyond_the_sdk(bench: Bench, step: str, invocations: int) -> None:
    """So many invocations find every SDK attempt of their first call (reading the case) throttled."""
    bench.faults.throttle(invocations * SDK_ATTEMPTS, during=step)


@dataclass(frozen=True)
class Lasting:
    """Every attempt of a step fails, each a different way: the Retry must take each in turn, the
    Catch the last. The faults are layered (the bridge, a timeout before the handler, DynamoDB
    inside it, a timeout after it), so armed together they fire in that order."""

    arm: Callable[[Bench, str], None]
    error: str  # what the Catch records: the last attempt's error
    timed_out: int
    throttled: dict[str, int]


def _arm_read_only(bench: Bench, step: str) -> None:
    """Raises, times out, then has its first read throttled beyond the SDK's retries, twice."""
    _raise(bench, step, 1)
    bench.faults.time_out(step, 1)
    _throttle_reads_beyond_the_sdk(bench, step, 2)


def _arm_writing(bench: Bench, step: str) -> None:
    """Raises, times out, has its transaction cancelled as throttled, then does all its work and
    times out before it answers (the write committed, the workflow never hears)."""
    _raise(bench, step, 1)
    bench.faults.time_out(step, 1)
    bench.faults.throttle(1, during=step, operations=WRITES)
    bench.faults.time_out(step, 1, after_work=True)


LASTING = {
    False: Lasting(_arm_read_only, "GetError", 1, {"GetItem": 2 * SDK_ATTEMPTS}),
    True: Lasting(_arm_writing, TIMEOUT_ERROR_TYPE, 2, {"TransactWriteItems": 1}),
}


@dataclass(frozen=True)
class Passing:
    """Faults on the first attempts of each step, then success: what arms them, and how many
    attempts of a step fail."""

    name: str
    arm: Callable[[Bench, str], None]
    failures: Callable[[str], int]


def _raised_then_timed_out(bench: Bench, step: str) -> None:
    """Attempt 1 raises, 2 times out, 3 has its first read throttled three times (the SDK absorbs it)."""
    _raise(bench, step, 1)
    bench.faults.time_out(step, 1)
    bench.faults.throttle(SDK_ATTEMPTS - 1, during=step)


def _throttled_then_timed_out_after_work(bench: Bench, step: str) -> None:
    """Attempt 1 is throttled beyond the SDK, then (a writing step) a transaction is cancelled as
    throttled, then an attempt does all its work and times out before it answers."""
    _throttle_reads_beyond_the_sdk(bench, step, 1)
    if ROUTES[step].writes:
        bench.faults.throttle(1, during=step, operations=WRITES)
    bench.faults.time_out(step, 1, after_work=True)


PASSING = [
    Passing("raised_then_timed_out", _raised_then_timed_out, lambda _step: 2),
    Passing(
        "throttled_then_timed_out_after_work",
        _throttled_then_timed_out_after_work,
        lambda step: 3 if ROUTES[step].writes else 2,
    ),
]


# -- what the table holds --------------------------------------------------------------------------
def items_under(stack: LocalStack, pk: str) -> list[dict[str, Any]]:
    deserialize = TypeDeserializer().deserialize
    query = stack.client("dynamodb").get_paginator("query")
    pages = query.paginate(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )
    return [{k: deserialize(v) for k, v in item.items()} for page in pages for item in page["Items"]]


def case_items(stack: LocalStack, case_id: str) -> list[dict[str, Any]]:
    return items_under(stack, f"CASE#{case_id}")


def _kind(item: dict[str, Any]) -> str:
    return str(item["sk"]).split("#", 1)[0]


def record_problems(stack: LocalStack, case_id: str) -> list[str]:
    """Half-written or duplicated records of one case; [] when every action was whole and once."""
    items = case_items(stack, case_id)
    cases = [i for i in items if i["sk"] == "CASE"]
    if not cases:
        return [f"{len(items)} orphan record(s) of a case that does not exist"]
    case = cases[0]
    executions = {e["name"]: e["status"] for e in stack.executions() if e["name"].startswith(f"{case_id}-r")}
    current = f"{case_id}-r{int(case['revision'])}"
    problems = _task_problems(case, items) + _duplicate_problems(items)
    if current not in executions or any(int(n.rsplit("-r", 1)[1]) > case["revision"] for n in executions):
        problems.append(f"revision {case['revision']} against executions {sorted(executions)}")
    if bool(case.get("waiting_for")) != bool(case.get("task_token")):
        problems.append("waiting_for and task_token disagree")
    if case.get("waiting_for") and executions.get(current) != "RUNNING":
        problems.append(f"waits for {case['waiting_for']} on a {executions.get(current)} execution")
    numbers = sorted(int(i["number"]) for i in items if _kind(i) == "CHECKIN")
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"check-ins {numbers}")
    return problems


def _task_problems(case: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    """Each area's tasks are all there or none: one transaction per area."""
    levels = {NeedArea(i["area"]): Level(i["current_level"]) for i in items if _kind(i) == "NEED"}
    tasks: dict[NeedArea, set[str]] = {}
    for item in items:
        if _kind(item) == "TASK":
            tasks.setdefault(NeedArea(item["area"]), set()).add(item["task_key"])
    problems = []
    release_on = date.fromisoformat(case["release_on"])
    for area, keys in tasks.items():
        level = levels.get(area, Level.NONE)
        planned = (
            {p.template_key for p in plan_area_tasks(area, level, release_on)}
            if needs_support(level)
            else set()
        )
        if keys != planned:
            problems.append(f"{area.value}: tasks {sorted(keys)}, planned {sorted(planned)}")
    return problems


def _duplicate_problems(items: list[dict[str, Any]]) -> list[str]:
    """The same timeline event or open escalation twice: a retry that was not idempotent."""
    seen = Counter(_identity(i) for i in items if _kind(i) in {"EVENT", "ESC"})
    return [f"{count} x {identity}" for identity, count in seen.items() if count > 1]


def _identity(item: dict[str, Any]) -> tuple[Any, ...]:
    if _kind(item) == "EVENT":
        return ("event", item["kind"], tuple(sorted((item.get("detail") or {}).items())))
    return ("escalation", item["reason"], item.get("subject") or "", item.get("open_kind"))


def signature(stack: LocalStack, case: Case) -> Counter[tuple[Any, ...]]:
    """A case's records without what differs between two equal runs: ids, dates, tokens, versions."""
    found: Counter[tuple[Any, ...]] = Counter()
    for item in case_items(stack, case.case_id):
        kind = _kind(item)
        if kind == "CASE":
            found[
                (
                    kind,
                    item["stage"],
                    item.get("waiting_for"),
                    item.get("check_in_number"),
                    item.get("workflow_error"),
                )
            ] += 1
        elif kind in {"EVENT", "ESC"}:
            found[_identity(item)] += 1
        elif kind in {"NEED", "TASK", "CHECKIN"}:
            found[(item["sk"], item.get("status"), item.get("current_level"))] += 1
        else:
            found[(kind,)] += 1
    return found


def _alerts(stack: LocalStack, case_id: str) -> list[str]:
    """Error types named by the coordinator alerts about this case's failed workflow, in the outbox."""
    return [
        n["detail"].get("subject", "")
        for n in stack.read_outbox()
        if n["case_id"] == case_id
        and n["kind"] == "escalation"
        and n["recipient_role"] == "coordinator"
        and n["detail"].get("reason") == "workflow_failed"
    ]


def _invocations(stack: LocalStack) -> tuple[Counter[str], Counter[str]]:
    return Counter(stack.bridge.invocations), Counter(stack.bridge.errors)


def _delta(after: Counter[str], before: Counter[str], step: str) -> int:
    return after[f"throughgate-{step}"] - before[f"throughgate-{step}"]


# -- the ASL handles every fault name AWS reports --------------------------------------------------
def _matches(error_equals: list[str], error: str) -> bool:
    if "States.ALL" in error_equals or error in error_equals:
        return True
    return "States.TaskFailed" in error_equals and error != "States.Timeout"


# What a failed Lambda task reports: the handler's exception, Lambda's timeout (older documentation
# says `Lambda.Unknown`), Lambda service errors, and pynamodb's errors for a throttled call.
FAULT_NAMES = [
    "InjectedFault",
    TIMEOUT_ERROR_TYPE,
    "Lambda.Unknown",
    "Lambda.ServiceException",
    "Lambda.TooManyRequestsException",
    "Lambda.SdkClientException",
    "GetError",
    "QueryError",
    "PutError",
    "TransactWriteError",
]


@pytest.mark.parametrize("error", FAULT_NAMES)
def test_every_task_retries_then_catches_each_fault_name(error: str) -> None:
    definition = load()
    handling_failure = reachable(definition["States"], "RecordFailure", successors)
    tasks = 0
    for where, scope, state in all_states(definition):
        if state["Type"] != "Task":
            continue
        tasks += 1
        retrier = next((r for r in state.get("Retry", []) if _matches(r["ErrorEquals"], error)), None)
        assert retrier is not None and retrier.get("MaxAttempts", 3) == ATTEMPTS - 1, (
            f"{where} retries {error}"
        )
        catchers = state.get("Catch") or (scope.container or {}).get("Catch", [])
        catcher = next((c for c in catchers if _matches(c["ErrorEquals"], error)), None)
        assert catcher is not None, f"{where} catches {error}"
        if where.rsplit("/", 1)[1] not in handling_failure:
            assert catcher["Next"] == "RecordFailure", f"{where}: {error} goes to RecordFailure"
    assert tasks >= len(WORKFLOW_STEPS)


# -- what the SDK does with throttling (these pin the facts the rest relies on) --------------------
def test_pynamodb_retries_through_botocore_standard_mode_with_four_attempts() -> None:
    retries = Connection(region="eu-west-2").client.meta.config.retries
    assert retries == {"total_max_attempts": SDK_ATTEMPTS, "mode": "standard"}
    assert "time.sleep(handler_response)" in inspect.getsource(botocore.endpoint.Endpoint._needs_retry), (
        "throughgate_local.faults records botocore's retry sleep through botocore.endpoint.time"
    )


@pytest.mark.parametrize("error", list(Throttle), ids=lambda e: e.value)
def test_the_sdk_absorbs_three_throttled_calls_and_gives_up_on_the_fourth(
    bench: Bench, error: Throttle
) -> None:
    from throughgate.store.repository import CaseStore  # its models read the stack's settings on import

    store, faults = CaseStore(), bench.faults
    bench.reset()
    try:
        faults.throttle(SDK_ATTEMPTS - 1, error=error)
        with pytest.raises(NotFound):  # the fourth attempt reached moto
            store.get_case("no-such-case")
        assert faults.throttled == {"GetItem": SDK_ATTEMPTS - 1}
        assert len(faults.sdk_backoffs) == SDK_ATTEMPTS - 1, "botocore backed off before each retry"
        assert all(0 <= delay <= 2**n for n, delay in enumerate(faults.sdk_backoffs)), "within 1, 2, 4 s"

        faults.throttle(SDK_ATTEMPTS, error=error)
        with pytest.raises(GetError) as raised:
            store.get_case("no-such-case")
        assert raised.value.cause_response_code == error.value
        assert faults.throttled == {"GetItem": 2 * SDK_ATTEMPTS - 1}
    finally:
        bench.reset()


def test_a_throttled_transaction_is_cancelled_and_not_retried_by_the_sdk(bench: Bench) -> None:
    item = {"pk": {"S": "FAULT#canary"}, "sk": {"S": "A"}}
    writes = [
        {"Put": {"TableName": TABLE, "Item": item}},
        {"Put": {"TableName": TABLE, "Item": {**item, "sk": {"S": "B"}}}},
    ]
    bench.reset()
    try:
        bench.faults.throttle(1, operations=WRITES)
        with pytest.raises(ClientError) as raised:
            bench.stack.client("dynamodb").transact_write_items(TransactItems=writes)
        assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
        reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
        assert reasons == ["ThrottlingError", "ThrottlingError"], "one reason per item"
        assert bench.faults.sdk_backoffs == [], "the SDK does not retry a cancelled transaction"
        assert items_under(bench.stack, "FAULT#canary") == [], "nothing written"
    finally:
        bench.reset()


# -- a fault that lasts: retried, then caught --------------------------------------------------------
def test_every_workflow_step_is_in_the_matrix() -> None:
    assert set(WORKFLOW_STEPS) == set(ROUTES) | {"RecordFailure"}


def assert_caught_and_marked(bench: Bench, case: Case, error: str) -> None:
    state = case.view()
    assert state["workflow_error"] == error
    assert state["open_escalations"].count("workflow_failed") == 1
    assert _alerts(bench.stack, case.case_id) == [error], "one coordinator alert, the error type only"
    assert case.executions() == {f"{case.case_id}-r1": "FAILED"}
    assert bench.stack.executions("RUNNING") == []
    assert record_problems(bench.stack, case.case_id) == []


@pytest.mark.parametrize("step", STEPS_ON_THE_PATH)
def test_a_lasting_fault_is_retried_then_caught_and_the_case_marked(
    bench: Bench, case: Case, step: str
) -> None:
    route, lasting = ROUTES[step], LASTING[ROUTES[step].writes]
    route.before(case)
    calls, errors = _invocations(bench.stack)
    lasting.arm(bench, step)

    route.trigger(case)

    calls_after, errors_after = _invocations(bench.stack)
    assert _delta(calls_after, calls, step) == ATTEMPTS, "one attempt and three retries"
    assert _delta(errors_after, errors, step) == ATTEMPTS
    assert bench.faults.timed_out[step] == lasting.timed_out
    assert bench.faults.throttled == lasting.throttled
    assert _delta(calls_after, calls, "RecordFailure") == 1
    assert_caught_and_marked(bench, case, lasting.error)


def test_a_failure_the_workflow_cannot_record_still_alerts_a_coordinator(bench: Bench, case: Case) -> None:
    """RecordFailure itself fails on every attempt (its function is broken, or DynamoDB is out):
    the execution must still end, and a coordinator must still hear of it."""
    _raise(bench, "PlanMilestones", FOREVER)
    _raise(bench, "RecordFailure", FOREVER)
    calls, _errors = _invocations(bench.stack)

    case.refer()

    assert _delta(_invocations(bench.stack)[0], calls, "RecordFailure") == ATTEMPTS
    assert case.executions() == {f"{case.case_id}-r1": "FAILED"}
    assert bench.stack.executions("RUNNING") == []
    assert record_problems(bench.stack, case.case_id) == []
    # EventBridge reports the failed execution to ExecutionEnded (on AWS within seconds; locally
    # when the clock moves), which marks the case and tells the coordinators by name.
    bench.stack.clock.advance_to(bench.stack.clock.now() + timedelta(minutes=1))
    bench.stack.clock.settle()
    assert _alerts(bench.stack, case.case_id) == ["ExecutionFailed"], "a coordinator is told, whatever failed"


# -- a fault that passes: absorbed, nothing written twice --------------------------------------------
@pytest.fixture(scope="module")
def fault_free(bench: Bench) -> tuple[Counter[tuple[Any, ...]], Counter[str]]:
    """The records and the invocations of a run through every step without a fault."""
    case = bench.new_case()
    calls, _errors = _invocations(bench.stack)
    _through_every_step(case)
    calls_after, _errors_after = _invocations(bench.stack)
    result = signature(bench.stack, case), Counter({s: _delta(calls_after, calls, s) for s in WORKFLOW_STEPS})
    bench.reset()
    return result


@pytest.mark.parametrize("passing", PASSING, ids=lambda p: p.name)
def test_a_passing_fault_is_absorbed_and_nothing_is_written_twice(
    bench: Bench, case: Case, passing: Passing, fault_free: tuple[Counter[tuple[Any, ...]], Counter[str]]
) -> None:
    records, invocations = fault_free
    for step in STEPS_ON_THE_PATH:
        passing.arm(bench, step)
    calls, errors = _invocations(bench.stack)

    _through_every_step(case)

    calls_after, errors_after = _invocations(bench.stack)
    for step in STEPS_ON_THE_PATH:
        assert _delta(errors_after, errors, step) == passing.failures(step), f"{step}: failed attempts"
        assert _delta(calls_after, calls, step) == invocations[step] + passing.failures(step), step
    assert case.view()["workflow_error"] is None
    assert case.executions() == {f"{case.case_id}-r1": "RUNNING"}
    assert record_problems(bench.stack, case.case_id) == []
    assert signature(bench.stack, case) == records, "the same records as a fault-free run"


def test_a_passing_fault_in_record_failure_marks_the_case_once(bench: Bench, case: Case) -> None:
    """RecordFailure raises once, then does all its work and times out before it answers: the retry
    must not mark the case a second time. (A second alert is tolerable: alerts are at least once.)"""
    _raise(bench, "PlanMilestones", FOREVER)
    _raise(bench, "RecordFailure", 1)
    bench.faults.time_out("RecordFailure", 1, after_work=True)
    calls, _errors = _invocations(bench.stack)

    case.refer()

    assert _delta(_invocations(bench.stack)[0], calls, "RecordFailure") == 3
    state = case.view()
    assert state["workflow_error"] == "InjectedFault"
    assert state["open_escalations"].count("workflow_failed") == 1
    assert set(_alerts(bench.stack, case.case_id)) == {"InjectedFault"}
    assert case.executions() == {f"{case.case_id}-r1": "FAILED"}
    assert record_problems(bench.stack, case.case_id) == []
