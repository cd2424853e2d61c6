"""Each request about a case leaves exactly one audit entry, and a saved change never goes without
its entry: the entry of a request that saves a change is written in the change's own transaction
(one write request in all); any other request's entry is written once its response is known.

Through the real API and web handlers on the local stack. Write requests are counted as moto serves
them, during the handler's invocation only.
"""

from __future__ import annotations

import contextvars
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.dynamodb.responses import DynamoHandler

from tests.journey import Journey
from tests.trust.conftest import HandlerCrashed, HttpResponse, StaffSession
from throughgate_local.faults import Faults
from throughgate_local.stack import AUDIT_TABLE, LocalStack

pytestmark = pytest.mark.trust

WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
UPDATE = {"status": "in_progress", "note": "Called the council"}
TASK_ROUTE = "POST /cases/{case_id}/tasks/{task_key}"


def _matched(journey: Journey) -> tuple[str, str]:
    journey.refer_and_consent(days=30)
    journey.assess_and_match(accommodation="high")
    return journey.case_id, journey.view()["tasks"][0]["task_key"]


def _entries(stack: LocalStack, case_id: str) -> list[tuple[str, str, int]]:
    items = stack.client("dynamodb").query(
        TableName=AUDIT_TABLE,
        KeyConditionExpression="case_id = :case",
        ExpressionAttributeValues={":case": {"S": case_id}},
    )["Items"]
    return [(i["actor"]["S"], i["action"]["S"], int(i["outcome"]["N"])) for i in items]


def _task(journey: Journey, task_key: str) -> dict[str, Any]:
    return next(t for t in journey.view()["tasks"] if t["task_key"] == task_key)


def _writes(stack: LocalStack, request: Callable[[], HttpResponse]) -> tuple[HttpResponse, Counter[str]]:
    """The request's answer and the write requests moto served while it ran."""
    before = Counter({op: n for op, n in stack.dynamodb_calls.calls.items() if op in WRITES})
    response = request()
    after = Counter({op: n for op, n in stack.dynamodb_calls.calls.items() if op in WRITES})
    return response, after - before


def _api_update(session: StaffSession, case_id: str, task_key: str, **fields: Any) -> HttpResponse:
    return session.api("POST", f"/cases/{case_id}/tasks/{task_key}", json.dumps({**UPDATE, **fields}))


def _web_update(session: StaffSession, case_id: str, task_key: str) -> HttpResponse:
    form = {**UPDATE, "submission_id": str(uuid.uuid4()), "step": "confirm"}
    return session.web("POST", f"/cases/{case_id}/tasks/{task_key}", form)


SURFACES: dict[str, tuple[Callable[..., HttpResponse], int]] = {
    "api": (_api_update, 200),
    "web": (_web_update, 303),
}


@pytest.mark.parametrize("surface", SURFACES)
def test_a_saved_submission_is_one_write_request_with_its_one_audit_entry(
    journey: Journey, surface: str
) -> None:
    case_id, task_key = _matched(journey)
    submit, saved = SURFACES[surface]
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    trail = _entries(journey.stack, case_id)

    response, writes = _writes(journey.stack, lambda: submit(mentor, case_id, task_key))

    new = Counter(_entries(journey.stack, case_id)) - Counter(trail)
    assert response.status == saved
    assert writes == {"TransactWriteItems": 1}, "the change and its audit entry in one request"
    assert new == {("mentor:mentor-0001", TASK_ROUTE, saved): 1}
    assert _task(journey, task_key)["status"] == "in_progress"


REFUSED: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "another mentor's case": ("mentor-0009", "mentor", {}, 404),
    "a role that may not": ("manager-0001", "manager", {}, 403),
    "invalid input": ("mentor-0001", "mentor", {"status": "finished"}, 422),
    "a stale form": ("mentor-0001", "mentor", {"seen_updates": 3}, 409),  # updated since it opened
}


@pytest.mark.parametrize("case", REFUSED)
def test_a_submission_that_saves_nothing_leaves_one_entry_and_no_change(journey: Journey, case: str) -> None:
    case_id, task_key = _matched(journey)
    user_id, role, fields, status = REFUSED[case]
    session = StaffSession(journey.stack, user_id, role)
    before, trail = _task(journey, task_key), _entries(journey.stack, case_id)

    response, writes = _writes(journey.stack, lambda: _api_update(session, case_id, task_key, **fields))

    new = Counter(_entries(journey.stack, case_id)) - Counter(trail)
    assert response.status == status
    assert writes == {"PutItem": 1}, "the audit entry alone"
    assert new == {(f"{role}:{user_id}", TASK_ROUTE, status): 1}
    assert _task(journey, task_key) == before


@pytest.fixture
def competing_writer(journey: Journey) -> Iterator[Callable[[str], None]]:
    """Arms another writer to change the case just before the next transaction reaches DynamoDB."""
    from throughgate import clock
    from throughgate.domain.case import TimelineEvent
    from throughgate.store.changes import Changes
    from throughgate.store.repository import CaseStore

    original = DynamoHandler.call_action
    armed: list[str] = []

    def call_action(handler: DynamoHandler) -> Any:
        if armed and handler._get_action() == "TransactWriteItems":
            case_id = armed.pop()
            store = CaseStore()
            change = Changes(case=store.get_case(case_id)).add(
                TimelineEvent(clock.now(), "competing_write", "coordinator:coordinator-0001")
            )
            # Another Lambda container: its own context, so none of this request's audit entry.
            contextvars.Context().run(store.commit, change, clock.now())
        return original(handler)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    try:
        yield armed.append
    finally:
        DynamoHandler.call_action = original  # type: ignore[method-assign]


@pytest.mark.parametrize("surface", SURFACES)
def test_a_commit_cancelled_by_a_conflict_is_audited_once_with_409(
    journey: Journey, competing_writer: Callable[[str], None], surface: str
) -> None:
    case_id, task_key = _matched(journey)
    submit, _saved = SURFACES[surface]
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    before, trail = _task(journey, task_key), _entries(journey.stack, case_id)

    competing_writer(case_id)
    response = submit(mentor, case_id, task_key)

    new = Counter(_entries(journey.stack, case_id)) - Counter(trail)
    assert response.status == 409
    assert new == {("mentor:mentor-0001", TASK_ROUTE, 409): 1}
    assert _task(journey, task_key) == before, "the cancelled transaction saved nothing"
    kinds = [e["kind"] for e in journey.view()["timeline"]]
    assert "competing_write" in kinds and "task_updated" not in kinds


def test_a_failed_transaction_saves_neither_the_change_nor_its_entry(journey: Journey) -> None:
    case_id, task_key = _matched(journey)
    mentor = StaffSession(journey.stack, "mentor-0001", "mentor")
    before, trail = _task(journey, task_key), _entries(journey.stack, case_id)

    with Faults(journey.stack.bridge) as faults:
        faults.throttle(1, operations=frozenset({"TransactWriteItems"}))
        with pytest.raises(HandlerCrashed, match="TransactWriteError"):
            _api_update(mentor, case_id, task_key)
        assert faults.throttled == {"TransactWriteItems": 1}

    assert _entries(journey.stack, case_id) == trail, "no entry for a change that was not saved"
    assert _task(journey, task_key) == before
