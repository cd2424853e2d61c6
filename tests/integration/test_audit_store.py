"""A request's audit entry in its change's transaction: one TransactWriteItems across the case table
and the audit table, on moto with the local stack's speedups (whose transaction rollback must
cover both tables). The store is imported only once the stack has set the environment."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.integration.test_store import START, changes, created_event, make_case
from throughgate.domain.case import TimelineEvent
from throughgate.domain.errors import Conflict
from throughgate_local.stack import AUDIT_TABLE, LocalStack

if TYPE_CHECKING:
    from throughgate.store.audit import PendingEntry
    from throughgate.store.repository import CaseStore

ROUTE = "POST /cases/{case_id}/outcome"


def _request_entry(case_id: str = "case-0001") -> PendingEntry:
    from throughgate.store.audit import PendingEntry

    return PendingEntry(case_id, "coordinator:coordinator-0001", ROUTE, saved_status=200)


def _trail(stack: LocalStack) -> list[dict[str, Any]]:
    return stack.client("dynamodb").scan(TableName=AUDIT_TABLE)["Items"]


def _note(minutes: int) -> TimelineEvent:
    return TimelineEvent(START + timedelta(minutes=minutes), "noted", "coordinator:coordinator-0001")


def test_a_request_commit_writes_the_change_and_its_entry_in_one_transaction(
    stack: LocalStack, store: CaseStore
) -> None:
    from throughgate.store.audit import pending_entry

    store.create_case(make_case(), created_event())
    case = store.get_case("case-0001")
    calls = stack.dynamodb_calls.calls
    before = Counter(calls)
    with pending_entry(_request_entry()) as entry:
        store.commit(changes(replace(case, prison="BMI")), START)  # one item: alone, a PutItem
        assert entry.written
        store.commit(changes(store.get_case("case-0001"), _note(1)), START)  # a second commit

    made = Counter(calls) - before
    assert made["TransactWriteItems"] == 2 and made["PutItem"] == 0
    ((written,),) = [_trail(stack)]
    assert (written["case_id"]["S"], written["actor"]["S"], written["action"]["S"]) == (
        "case-0001",
        "coordinator:coordinator-0001",
        ROUTE,
    )
    assert written["outcome"]["N"] == "200", "the status the route answers for a saved change"
    assert written["at_request"]["S"].startswith(START.isoformat()), "when the change was saved"
    assert store.get_case("case-0001").prison == "BMI"


def test_a_cancelled_commit_writes_neither_the_change_nor_the_entry(
    stack: LocalStack, store: CaseStore
) -> None:
    from throughgate.store.audit import pending_entry

    store.create_case(make_case(), created_event())
    mine, theirs = store.get_case("case-0001"), store.get_case("case-0001")
    store.commit(changes(replace(theirs, prison="HMI"), _note(1)), START)
    timeline = store.timeline("case-0001")

    with pending_entry(_request_entry()) as entry, pytest.raises(Conflict):
        store.commit(changes(replace(mine, prison="BMI"), _note(2)), START)

    assert not entry.written, "left for the handler to write with the status the caller gets"
    assert _trail(stack) == []
    assert store.timeline("case-0001") == timeline
    assert store.get_case("case-0001").prison == "HMI"


def test_a_commit_outside_a_request_writes_no_entry(stack: LocalStack, store: CaseStore) -> None:
    """Workflow steps, the sweep and the prison-events feed commit with no request around them."""
    store.create_case(make_case(), created_event())
    store.commit(changes(store.get_case("case-0001"), _note(1)), START)
    assert _trail(stack) == []


def test_an_entry_expires_the_configured_time_after_the_case_retention_period(
    stack: LocalStack, store: CaseStore
) -> None:
    """The entry's TTL derives from programme.json: the case's retention period plus the audit's
    extra time, counted from when the entry was written."""
    from throughgate.domain.catalogue import load_programme
    from throughgate.store.audit import pending_entry

    store.create_case(make_case(), created_event())
    with pending_entry(_request_entry()):
        store.commit(changes(replace(store.get_case("case-0001"), prison="BMI")), START)

    ((written,),) = [_trail(stack)]
    programme = load_programme()
    kept = timedelta(days=programme.retention_days_after_closure + programme.audit_kept_days_beyond_retention)
    assert int(written["expires_at"]["N"]) == int((START + kept).timestamp())
    assert kept == timedelta(days=7 * 365), "the shipped figure: 7 years"
